"""One concept file → one concept row and its passage rows.

The concept row carries what filters, listings and backlinks need.  Full-text search
runs over passage rows (see :mod:`dossier.serve.passages`), each with a single
``text`` column.  Field weights come from repetition: passage 0 holds the title
twice, the description, tags, the id's words and the type once; every body passage
starts with the concept's title and its heading path, so a paragraph is found by the
words of the section it sits in.  ``text_offset`` marks where the passage's own text
starts, so snippets never quote that preamble.  (The repetition counts were chosen
with the eval suite: docs/search.md, "Tokenizer and weighting".)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from dossier.okf import ConceptDocument, parse_concept
from dossier.okf.document import decode
from dossier.okf.links import scan_links
from dossier.okf.timefmt import parse_instant
from dossier.serve.passages import Passage, split_passages

#: Repetitions per field in the ``text`` column (the field weights of BM25 ranking).
TITLE_WEIGHT = 2
DESCRIPTION_WEIGHT = 1
TAG_WEIGHT = 1

_ID_WORDS = re.compile(r"[/_\-.]+")


@dataclass
class ConceptRow:
    """The indexed view of one concept (column names are the LanceDB schema)."""

    id: str
    type: str
    title: str
    description: str
    tags: list[str]
    status: str
    trust_tier: str
    stale_after: float | None
    links: list[str]
    content_hash: str
    #: The concept's retrieval units (written to the passages table, not this row).
    passages: list[PassageRow] = field(default_factory=list)


@dataclass
class PassageRow:
    """One row of the passages table (column names are its LanceDB schema)."""

    pid: str
    id: str
    ordinal: int
    type: str
    title: str
    description: str
    tags: list[str]
    status: str
    trust_tier: str
    stale_after: float | None
    heading: list[str]
    text: str
    text_offset: int
    line_start: int
    line_end: int
    cite_source: str | None
    cite_path: str | None
    cite_start: int | None
    cite_end: int | None
    #: A list the extractor generated (mentions, backlinks): searchable, never quoted
    #: as another passage's neighbour (a search reads neighbours by ``pid`` when it
    #: quotes, :mod:`dossier.serve.passage_choice`).
    generated: bool = False


def content_hash(data: bytes) -> str:
    """The identity of a concept file's bytes (what sync compares)."""
    return hashlib.sha256(data).hexdigest()


def _one_line(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def row_from_document(doc: ConceptDocument, digest: str) -> ConceptRow:
    """Build the row; raises OKFDocumentError when the frontmatter does not fit OKF."""
    concept = doc.concept
    title = _one_line(concept.title) or doc.concept_id.rsplit("/", 1)[-1]
    description = _one_line(concept.description)
    tags = [t for t in (_one_line(tag) for tag in concept.tags) if t]
    id_words = _ID_WORDS.sub(" ", doc.concept_id).strip()
    preamble = "\n".join(
        [title] * TITLE_WEIGHT
        + ([description] * DESCRIPTION_WEIGHT if description else [])
        + ([" ".join(tags)] * TAG_WEIGHT if tags else [])
        + [id_words, concept.type, ""]
    )
    stale = parse_instant(concept.stale_after)
    # scan_links skips the per-link context sentence parse_links computes (3x cheaper).
    targets = sorted(
        {
            raw.resolution.target_id
            for raw in scan_links(doc.body, doc.concept_id)
            if raw.resolution.target_id
        }
    )
    passages = split_passages(doc, title, description, concept)
    row = ConceptRow(
        id=doc.concept_id,
        type=concept.type,
        title=title,
        description=description,
        tags=tags,
        status=concept.effective_status,
        trust_tier=concept.trust_tier,
        stale_after=stale.timestamp() if stale is not None else None,
        links=targets,
        content_hash=digest,
    )
    row.passages = [_passage_row(p, row, preamble) for p in passages]
    return row


def _passage_row(passage: Passage, concept: ConceptRow, preamble: str) -> PassageRow:
    """A passage as indexed: its weighting preamble, then the passage's own text."""
    heading = "\n".join([concept.title, *passage.heading, ""])
    lead = preamble if passage.ordinal == 0 else heading
    cite = passage.citation
    return PassageRow(
        pid=f"{passage.concept_id}#{passage.ordinal}",
        id=passage.concept_id,
        ordinal=passage.ordinal,
        type=concept.type,
        title=concept.title,
        description=concept.description,
        tags=concept.tags,
        status=concept.status,
        trust_tier=concept.trust_tier,
        stale_after=concept.stale_after,
        heading=passage.heading,
        text=lead + "\n" + passage.text,
        text_offset=len(lead) + 1,
        line_start=passage.line_start,
        line_end=passage.line_end,
        cite_source=cite.source_id if cite else None,
        cite_path=cite.path if cite else None,
        cite_start=cite.line_start if cite else None,
        cite_end=cite.line_end if cite else None,
        generated=passage.generated,
    )


def row_from_bytes(
    concept_id: str, data: bytes, path: str, digest: str | None = None
) -> ConceptRow:
    """Parse a concept file's bytes into a row (OKFDocumentError names the file);
    ``digest``: their :func:`content_hash` when the caller computed it."""
    doc = parse_concept(decode(data, path), concept_id, path=path)
    return row_from_document(doc, digest or content_hash(data))
