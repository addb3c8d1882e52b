"""Table rows as units: one System per inventory row, one Risk per register row, …

The header decides: a kind named by its words (Term/Definition, Likelihood/Impact,
System/Vendor …) or an identifier column makes each row a concept with the row's fields
as its body.
"""

from __future__ import annotations

import re

from dossier.extract.deterministic import cues
from dossier.extract.deterministic.headings import MAX_TITLE_CHARS
from dossier.extract.deterministic.items import STATEMENT_TYPES
from dossier.extract.deterministic.kind_meeting import is_schedule
from dossier.extract.deterministic.markdown import Table
from dossier.extract.deterministic.names import split_term_alias
from dossier.extract.deterministic.shape import score_type
from dossier.extract.model import Definition, Unit
from dossier.extract.text import (
    IDENTIFIER_RE,
    capitalize_first,
    ensure_period,
    first_sentence,
    is_identifier,
    strip_markdown,
    truncate,
)

_ID_HEADERS = frozenset({"id", "ref", "reference", "key", "#", "code", "no", "identifier",
                         "number", "nr"})
_NAME_HEADERS = ("name", "title", "term", "system", "application", "risk", "decision",
                 "requirement", "action", "task", "stakeholder", "person", "process",
                 "abbreviation", "acronym", "item", "component", "service", "topic")
_DESC_HEADERS = ("description", "definition", "purpose", "role", "summary", "meaning",
                 "details", "explanation", "notes", "function")
_KV_HEADERS = frozenset({"", "field", "value", "key", "property", "attribute", "detail",
                         "item"})


def row_units(table: Table, scope: str | None, definitions: list[Definition]) -> list[Unit]:
    headers = [strip_markdown(h).strip() for h in table.headers]
    lowered = [h.lower() for h in headers]
    width = len(headers)
    if width < 2 or not table.rows:
        return []
    if width == 2 and all(h in _KV_HEADERS for h in lowered):
        return []
    rows = [(line, (cells + [""] * width)[:width]) for line, cells in table.rows]
    id_col: int | None = None
    for index, header in enumerate(lowered):
        if header in _ID_HEADERS:
            id_col = index
            break
    if id_col is None:
        for index in range(width):
            values = [strip_markdown(c[index]) for _, c in rows if c[index].strip()]
            if values and sum(1 for v in values if is_identifier(v)) >= 0.8 * len(values):
                id_col = index
                break
    header_type = cues.header_type(headers)
    if is_schedule(lowered, [cells for _, cells in rows], header_type is not None):
        return []
    table_type = header_type or scope
    if table_type is None and id_col is None:
        return []
    if table_type in (None, cues.TOPIC, cues.MEETING, cues.PROCESS) and id_col is None:
        return []
    name_col: int | None = None
    for word in _NAME_HEADERS:
        for index, header in enumerate(lowered):
            if index != id_col and re.search(rf"\b{word}\b", header):
                name_col = index
                break
        if name_col is not None:
            break
    if name_col is None:
        name_col = next((i for i in range(width) if i != id_col), None)
    if name_col is None:
        return []
    desc_col: int | None = None
    for word in _DESC_HEADERS:
        for index, header in enumerate(lowered):
            if index not in (id_col, name_col) and word in header:
                desc_col = index
                break
        if desc_col is not None:
            break
    units: list[Unit] = []
    for line, cells in rows:
        name_cell = strip_markdown(cells[name_col])
        identifier = None
        if id_col is not None:
            found = IDENTIFIER_RE.search(cells[id_col])
            if found and is_identifier(found.group(1)):
                identifier = found.group(1)
        if not name_cell and identifier is None:
            continue
        title, aliases = split_term_alias(name_cell) if name_cell else (identifier or "", ())
        title = truncate(title, MAX_TITLE_CHARS)
        fields = [
            f"- **{headers[i] or f'Column {i + 1}'}:** {cells[i].strip()}"
            for i in range(width)
            if cells[i].strip()
        ]
        body = "\n".join(fields)
        description: str | None = None
        if desc_col is not None and cells[desc_col].strip():
            description = ensure_period(capitalize_first(first_sentence(cells[desc_col])))
        elif table_type in STATEMENT_TYPES:
            description = ensure_period(first_sentence(name_cell))
        type_, weight = score_type(identifier=identifier, header=header_type, scope=scope)
        if description:
            for term in (title, *aliases):
                definitions.append(Definition(term, description, line, 3 if header_type else 2))
        units.append(Unit(
            kind="row", title=title or (identifier or ""), identifier=identifier,
            aliases=aliases, type_hint=type_, type_weight=weight, body=body, start=line,
            end=line, description=description,
        ))
    return units
