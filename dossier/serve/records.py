"""One concept file → one index row.

The full-text index searches a single ``text`` column: one BM25 index answers a
query in ~5 ms at 10,000 concepts, where a multi-column match over separate
title/description/body indexes took twice as long.  Field weights come from
repetition instead: the title three times, the description and tags twice, the id's
words once, then the body.  ``body_offset`` marks where the body starts inside
``text`` so snippets never quote the weighting preamble and the body is stored once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from dossier.okf import ConceptDocument, parse_concept
from dossier.okf.document import decode
from dossier.okf.links import scan_links
from dossier.okf.timefmt import parse_instant

#: Repetitions per field in the ``text`` column (the field weights of BM25 ranking).
TITLE_WEIGHT = 3
DESCRIPTION_WEIGHT = 2
TAG_WEIGHT = 2

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
    text: str
    body_offset: int
    content_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "description": self.description,
            "tags": self.tags,
            "status": self.status,
            "trust_tier": self.trust_tier,
            "stale_after": self.stale_after,
            "links": self.links,
            "text": self.text,
            "body_offset": self.body_offset,
            "content_hash": self.content_hash,
        }


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
    return ConceptRow(
        id=doc.concept_id,
        type=concept.type,
        title=title,
        description=description,
        tags=tags,
        status=concept.effective_status,
        trust_tier=concept.trust_tier,
        stale_after=stale.timestamp() if stale is not None else None,
        links=targets,
        text=preamble + "\n" + doc.body,
        body_offset=len(preamble) + 1,
        content_hash=digest,
    )


def row_from_bytes(concept_id: str, data: bytes, path: str) -> ConceptRow:
    """Parse a concept file's bytes into a row (OKFDocumentError names the file)."""
    doc = parse_concept(decode(data, path), concept_id, path=path)
    return row_from_document(doc, content_hash(data))
