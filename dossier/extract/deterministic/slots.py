"""Template headings are per-document slots, learned from the corpus.

A heading that recurs as a section in many documents ("Decision", "Consequences",
"Abstract", "Implementation" …) is a slot of a template, not a concept: merging every
document's "Consequences" into one concept would mix unrelated records.  Which headings
are slots is learned here, over all sources at once (so it lives in ``assemble``, never
in the cached per-source pass): a section title seen in ``MIN_SLOT_SOURCES`` or more
documents.  Each slot section is folded back into its own document's concept, cited
with its own lines; a document with no concept of its own gets one.

And two documents' own units (their sections and document-level concepts) are never one
concept because their titles are equal: ``own_key`` qualifies such a title with its
source.  Identifiers, rows and items still merge across documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from dossier.extract.deterministic import cues
from dossier.extract.model import SourceExtraction, Unit
from dossier.extract.text import entity_key

#: A section title in this many documents is a template slot.
MIN_SLOT_SOURCES = 3
#: Unit kinds that belong to one document (not rows/items, which name shared things).
OWN_KINDS = frozenset({"section", "document"})

Placed = tuple[SourceExtraction, Unit]


def _is_own(unit: Unit) -> bool:
    return unit.local or (unit.kind in OWN_KINDS and not unit.identifier)


def fold_template_slots(units: Sequence[Placed]) -> list[Placed]:
    """``units`` with every slot section folded into its document's concept."""
    seen: dict[str, set[str]] = {}
    for ext, unit in units:
        if unit.kind == "section" and not unit.local and not unit.identifier:
            seen.setdefault(entity_key(unit.title), set()).add(ext.source_id)
    slots = {key for key, sources in seen.items() if key and len(sources) >= MIN_SLOT_SOURCES}
    if not slots:
        return list(units)
    kept: list[Placed] = []
    folded: dict[str, list[Unit]] = {}
    documents: dict[str, int] = {}
    for ext, unit in units:
        if (unit.kind == "section" and not unit.local and not unit.identifier
                and entity_key(unit.title) in slots):
            folded.setdefault(ext.source_id, []).append(unit)
            continue
        if unit.kind == "document" and ext.source_id not in documents:
            documents[ext.source_id] = len(kept)
        kept.append((ext, unit))
    by_source = {ext.source_id: ext for ext, _ in units}
    for source_id in sorted(folded):
        ext = by_source[source_id]
        slot_parts = [
            (u.start, u.end, f"## {u.title}\n\n{u.body.strip()}" if u.body.strip() else "")
            for u in folded[source_id]
        ]
        slot_parts = [p for p in slot_parts if p[2]]
        if not slot_parts:
            continue
        index = documents.get(source_id)
        if index is None:
            first = folded[source_id][0]
            document = Unit(
                kind="document", title=ext.title, identifier=None, aliases=(),
                type_hint=cues.TOPIC, type_weight=0, body="", start=first.start,
                end=first.end, description=first.description, local=True,
            )
            base: list[tuple[int, int, str]] = []
            kept.append((ext, document))
            index = len(kept) - 1
        else:
            document = kept[index][1]
            base = list(document.parts) or (
                [(document.start, document.end, document.body)] if document.body.strip()
                else [])
        parts = sorted(base + slot_parts, key=lambda p: (p[0], p[1]))
        kept[index] = (ext, replace(
            document, body="", parts=tuple(parts), local=True,
            start=min(p[0] for p in parts), end=max(p[1] for p in parts),
        ))
    return kept


def clashing_keys(units: Sequence[Placed]) -> set[str]:
    """Name keys that documents' own units use in more than one source."""
    sources: dict[str, set[str]] = {}
    for ext, unit in units:
        if not _is_own(unit):
            continue
        for name in (unit.title, *unit.aliases):
            key = entity_key(name)
            if key:
                sources.setdefault(key, set()).add(ext.source_id)
    return {key for key, found in sources.items() if len(found) > 1}


def own_key(key: str, ext: SourceExtraction, unit: Unit, clashing: set[str]) -> str:
    """``key``, qualified with its source when two documents' own units share it."""
    if key in clashing and _is_own(unit):
        return f"{key}@{ext.source_id}"
    return key
