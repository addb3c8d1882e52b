"""The line-level passes: identifier-led and typed list items, glossary lines, table rows.

Items are found before sections are chosen (a section whose words are all items says
nothing of its own), but kept only after: an item inside a unit section that names the
same thing, or a plain list item inside one, is part of that section's body instead.
"""

from __future__ import annotations

from dossier.extract.deterministic import kind_docs, kind_flat
from dossier.extract.deterministic.items import item_candidates
from dossier.extract.deterministic.pass_sections import SectionMap
from dossier.extract.deterministic.state import Recognition, Source
from dossier.extract.deterministic.tables import row_units
from dossier.extract.model import Definition, Unit


def find_items(source: Source, sections: SectionMap) -> tuple[dict[int, Unit], list[Definition]]:
    """Every candidate line unit by start line, and the definitions its lines state."""
    definitions: list[Definition] = []
    items = item_candidates(source.parsed, source.blocks, sections.scope_at, definitions)
    return items, definitions


def table_row_units(source: Source, rec: Recognition,
                    sections: SectionMap) -> tuple[list[Unit], list[Definition]]:
    """Units of table rows (a docs page's own table reading), and the definitions rows state."""
    definitions: list[Definition] = []
    units: list[Unit] = []
    for table in source.parsed.tables:
        if rec.kind == kind_docs.DOCS_PAGE:  # a manual's task lists are not action items
            units.extend(kind_docs.table_units(table, rec.title, definitions))
        else:
            units.extend(row_units(table, sections.scope_at(table.start), definitions))
    return units, definitions


def kept_items(items: dict[int, Unit], rec: Recognition, sections: SectionMap) -> list[Unit]:
    """The candidate items that stand alone, in document order.

    A changelog's releases are cut into entries by ``kind_flat``, which makes their units.
    """
    in_release = kind_flat.release_lines(rec.shape.children) if rec.shape is not None else set()
    kept: list[Unit] = []
    for start in sorted(items):
        unit = items[start]
        if start in in_release:
            continue
        owner = sections.unit_section_at(start)
        if owner is not None and (owner.identifier == unit.identifier or unit.kind == "list"):
            continue
        kept.append(unit)
    return kept
