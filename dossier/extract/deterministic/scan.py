"""The pure per-source pass: one SourceDocument in, one SourceExtraction out.

It decides everything that depends on a single document — which sections, table rows and
list items are units of knowledge, their local type guesses, bodies and line ranges, and
every candidate name with its first occurrence — so the result can be cached by the
source's text hash (and its original-line map, which footnotes cite) and reused across
runs.  Nothing here looks at other sources.

``extract`` is a chain of named passes over typed records (``state.py``); each takes what
earlier passes decided and returns a new value, so one document kind can be followed from
here to its units.
"""

from __future__ import annotations

from typing import Any

from dossier.extract.deterministic.pass_document import document_units, fallback_topic
from dossier.extract.deterministic.pass_lines import find_items, kept_items, table_row_units
from dossier.extract.deterministic.pass_names import scan_names
from dossier.extract.deterministic.pass_sections import (
    choose_unit_sections,
    map_sections,
    section_units,
)
from dossier.extract.deterministic.pass_title import recognise_document
from dossier.extract.deterministic.state import read_source
from dossier.extract.model import SourceExtraction, SourceLike, Unit
from dossier.ingest.origins import OriginMap


def extract(doc: SourceLike) -> SourceExtraction:
    """The deterministic per-source pass (see module docstring).

    The passes, in order: read the source; recognise its title and kind (and a
    recognised kind's shape); map its headings; find line-level items; choose the
    sections that are units and render them; table rows; keep the items that stand
    alone; the document-level unit (a shaped kind's, a meeting's, or the framing
    prose); a last-resort Topic; then names, terms, definitions and alias pairs.
    """
    source = read_source(doc)
    rec = recognise_document(doc, source)
    sections = map_sections(source, rec)
    items, item_definitions = find_items(source, sections)
    sections = choose_unit_sections(source, rec, sections, items.keys())
    by_section = section_units(source, sections)
    rows, row_definitions = table_row_units(source, rec, sections)
    # the order units are found in breaks ties of the final (start, kind, title) sort
    units: list[Unit] = [
        *by_section.units,
        *rows,
        *kept_items(items, rec, sections),
        *document_units(source, rec, by_section.covered, items.keys()),
    ]
    if not units:
        units = fallback_topic(source, rec)
    names = scan_names(source, sections)

    definitions = {*item_definitions, *row_definitions, *names.definitions}
    units.sort(key=lambda u: (u.start, u.kind, u.title))
    return SourceExtraction(
        source_id=doc.source_id,
        sha256=doc.sha256,
        title=rec.title,
        doc_kind=rec.kind,
        line_count=source.n,
        text=doc.text,
        last_modified=_last_modified(doc),
        origins=_origins(doc),
        units=tuple(units),
        identifiers=names.identifiers,
        terms=names.terms,
        definitions=tuple(sorted(definitions, key=lambda d: (d.line, d.term, d.text))),
        alias_pairs=tuple(sorted(names.alias_pairs)),
    )


def _origins(doc: Any) -> str | None:
    """The source's original-line map in its compact form (dossier/ingest/origins.py)."""
    origins = getattr(doc, "origins", None)
    return origins.encode() if isinstance(origins, OriginMap) else None


def _last_modified(doc: Any) -> str | None:
    value = getattr(doc, "last_modified", None)
    return value if isinstance(value, str) and value else None
