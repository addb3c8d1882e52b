"""The passage fields a search reads, packed into one column of the passages table.

A search reads ``pid``, ``id``, ``text`` (the full-text column) and ``display``, one
string holding everything else a hit needs (concept summary, heading, line range,
citation, neighbours), which is unpacked into the row under its own names.  The
packing was made for LanceDB, which charged a fixed cost per selected column
(24 columns ≈ 13 ms a query, 4 ≈ 4 ms); SQLite (decision 0006) has no such cost,
and the layout was kept: one decode per row, and its round trip is tested.
"""

from __future__ import annotations

import json
from typing import Any

#: The concept's fields, the same on each of its passages (encoded once per concept).
_CONCEPT_FIELDS = ("type", "title", "description", "tags", "status", "trust_tier", "stale_after")
#: The passage's own short fields.
_PASSAGE_FIELDS = (
    "ordinal",
    "heading",
    "text_offset",
    "line_start",
    "line_end",
    "cite_source",
    "cite_path",
    "cite_start",
    "cite_end",
    "before_heading",
    "before_start",
    "after_heading",
    "after_end",
)
#: The fields that can be long (up to NEIGHBOUR_CHARS each): stored after the JSON
#: headers as they are, since JSON-escaping them cost a 10,000-concept build ≈ 1 s.
_RAW_FIELDS = ("before_text", "after_text")
#: Every field ``display`` packs (changing the layout needs a new
#: ``META_SCHEMA_VERSION``, which rebuilds every index).
DISPLAY_FIELDS = _CONCEPT_FIELDS + _PASSAGE_FIELDS + _RAW_FIELDS
#: The passages-table column that holds them.
DISPLAY_COLUMN = "display"

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_decode = json.JSONDecoder().decode


def pack_concept(concept: Any) -> str:
    """The concept part of ``display``: encode once, pass to :func:`pack` per passage."""
    return _encode([getattr(concept, name) for name in _CONCEPT_FIELDS])


def pack(item: Any, concept: str | None = None) -> str:
    """The display fields of a passage row object, as stored.

    Three parts: the concept's fields as a one-line JSON list (``concept``, from
    :func:`pack_concept`), a newline, the passage's short fields and the lengths of
    the raw ones (-1 for None) as another, a newline, then the raw fields' text back
    to back.  Compact JSON holds no newline (it escapes them), so the first two
    newlines end the headers.
    """
    raw = [getattr(item, name) for name in _RAW_FIELDS]
    header = [getattr(item, name) for name in _PASSAGE_FIELDS]
    header.extend(-1 if text is None else len(text) for text in raw)
    head = pack_concept(item) if concept is None else concept
    return head + "\n" + _encode(header) + "\n" + "".join(text for text in raw if text)


def unpack(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its ``display`` column replaced by the fields it packs (in place)."""
    packed = row.pop(DISPLAY_COLUMN, None)
    if not packed:
        row.update(dict.fromkeys(DISPLAY_FIELDS))
        return row
    head, _, rest = packed.partition("\n")
    header, _, rest = rest.partition("\n")
    row.update(zip(_CONCEPT_FIELDS, _decode(head), strict=True))
    values = _decode(header)
    row.update(zip(_PASSAGE_FIELDS, values, strict=False))
    at = 0
    for name, length in zip(_RAW_FIELDS, values[len(_PASSAGE_FIELDS) :], strict=True):
        if length < 0:
            row[name] = None
        else:
            row[name] = rest[at : at + length]
            at += length
    return row
