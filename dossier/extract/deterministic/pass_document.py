"""The document-level pass: the unit for the document as a whole, when it is one.

Three readings, by what the title-and-kind pass decided: a recognised kind's own concept
(cited part by part) with its child units; a meeting or process write-up as one unit; or,
for any other document, its framing sections and commentary when they say enough.  A
document of no recognised kind that yielded nothing else is still one Topic.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from dossier.extract.deterministic import cues, kind_flat, kinds
from dossier.extract.deterministic.blocks import Block
from dossier.extract.deterministic.headings import specific_title
from dossier.extract.deterministic.markdown import ParsedDoc
from dossier.extract.deterministic.shape import description_from, render_lines
from dossier.extract.deterministic.state import Recognition, Source
from dossier.extract.model import Unit
from dossier.extract.text import word_count

#: Left-over document content needs this many words to make a document-level concept.
MIN_DOCUMENT_WORDS = 25
#: ... and a collection (decision log, glossary …) needs real commentary, not an intro.
MIN_CONTAINER_WORDS = 100
#: A part of a whole-document body longer than this is cut at its top-level list items.
MAX_PART_LINES = 25


def document_units(source: Source, rec: Recognition, covered: Collection[int],
                   item_starts: Collection[int]) -> list[Unit]:
    """The document's own unit (and a recognised kind's child units).

    ``covered``: lines the section units show; ``item_starts``: start lines of line units.
    """
    parsed, blocks, n = source.parsed, source.blocks, source.n
    skipped = rec.skipped(parsed)
    if rec.shape is not None:
        return _shaped_units(parsed, blocks, rec.shape, skipped, rec.base_level, n)
    if rec.is_meeting:
        numbers = [x for x in range(1, n + 1) if x not in skipped]
        body = render_lines(parsed, numbers, rec.base_level)
        doc_title, doc_aliases = specific_title(rec.title, rec.kind)
        if not body.strip():
            return []
        return [Unit(
            kind="document", title=doc_title, identifier=None, aliases=doc_aliases,
            type_hint=cues.MEETING if rec.kind == "meeting" else cues.PROCESS,
            type_weight=3, body=body, start=1, end=n,
            description=description_from(blocks),
        )]
    # a document's framing sections and commentary
    numbers = [x for x in range(1, n + 1) if x not in covered and x not in skipped]
    wanted = set(numbers)
    orphan_blocks = [
        b for b in blocks
        if b.start in wanted and b.kind not in ("row", "header") and b.start not in item_starts
    ]
    needed = MIN_CONTAINER_WORDS if rec.kind in cues.CONTAINER_KINDS else MIN_DOCUMENT_WORDS
    if sum(word_count(b.text) for b in orphan_blocks) < needed:
        return []
    body = render_lines(parsed, numbers, rec.base_level)
    # a collection's own page is about the collection, not one of its items
    type_ = cues.TOPIC if rec.kind in cues.CONTAINER_KINDS else (rec.doc_type or cues.TOPIC)
    return [Unit(
        kind="document", title=rec.title, identifier=None, aliases=(),
        type_hint=type_, type_weight=0 if type_ == cues.TOPIC else 2, body=body,
        start=numbers[0] if numbers else 1, end=numbers[-1] if numbers else n,
        description=description_from(orphan_blocks),
    )]


def fallback_topic(source: Source, rec: Recognition) -> list[Unit]:
    """A document that yielded no unit at all, but has prose, is one Topic."""
    parsed, blocks, n = source.parsed, source.blocks, source.n
    if not any(b.kind not in ("row", "header") for b in blocks):
        return []
    numbers = [x for x in range(1, n + 1) if x not in rec.skipped(parsed)]
    body = render_lines(parsed, numbers, rec.base_level)
    if not body.strip():
        return []
    content = [x for x in numbers if parsed.lines[x - 1].strip()]
    return [Unit(
        kind="document", title=rec.title, identifier=None, aliases=(),
        type_hint=cues.TOPIC, type_weight=0, body=body,
        start=content[0] if content else 1, end=content[-1] if content else n,
        description=description_from(blocks),
    )]


def _shaped_units(parsed: ParsedDoc, blocks: list[Block], shape: kinds.Shape,
                  skipped: set[int], base_level: int, n: int) -> list[Unit]:
    """The document's own unit (cited part by part) and its kind's child units."""
    out: list[Unit] = []
    release_lines: set[int] = set()
    children: list[Unit] = []
    all_entries: list[kind_flat.Entry] = []
    for child in shape.children:
        if child.kind == "section":  # a changelog release: cited entry by entry
            numbers = [x for x in range(child.start + 1, child.end + 1) if x not in skipped]
            release_lines.update(range(child.start, child.end + 1))
            entries = kind_flat.split_entries(parsed, numbers, child.title)
            all_entries.extend(entries)
            parts = kind_flat.entry_parts(parsed, entries)
            mine = [b for b in blocks if child.start < b.start <= child.end]
            children.append(replace(child, body="", parts=tuple(parts), description=(
                kind_flat.release_description(parsed, entries) or description_from(mine)
                or child.description)))
            children.extend(kind_flat.entry_units(parsed, entries, child.title))
        else:
            children.append(child)
    children.extend(kind_flat.component_units(parsed, all_entries))
    numbers = [x for x in range(1, n + 1) if x not in skipped and x not in release_lines]
    parts = kinds.render_parts(parsed, numbers, base_level, base_level + 2, MAX_PART_LINES)
    parts += kind_flat.release_index(shape.children)
    if shape.describe_from is not None:
        lo, hi = shape.describe_from
        described = [b for b in blocks if lo <= b.start <= hi]
    else:
        described = [b for b in blocks if b.start not in skipped]
    if parts:
        out.append(Unit(
            kind="document", title=shape.title, identifier=None, aliases=tuple(shape.aliases),
            type_hint=shape.type, type_weight=4, body="", start=parts[0][0], end=parts[-1][1],
            description=(shape.description or description_from(described)
                         or description_from(blocks)),
            status=shape.status, local=True, tags=tuple(shape.tags), parts=tuple(parts),
        ))
    return out + children
