"""The passage fields a search reads, packed into one column of the passages table.

A search reads ``pid``, ``id``, ``text`` (the full-text column) and ``display``, one
string holding everything else a hit needs (concept summary, heading, line range,
citation, whether it is a generated list), which is unpacked into the row under its
own names.  The packing was made for LanceDB, which charged a fixed cost per selected
column (24 columns ≈ 13 ms a query, 4 ≈ 4 ms); SQLite (decision 0006) has no such
cost, and the layout was kept: one decode per row, and its round trip is tested.
A row no longer carries its neighbours' text: a search reads the ≤ 2 neighbours of
each quoted passage by ``pid`` (that copy made a 10,000-concept index ~250 MB and
cost its build seconds of packing).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

#: The concept's fields, the same on each of its passages (encoded once per concept).
_CONCEPT_FIELDS = ("type", "title", "description", "tags", "status", "trust_tier", "stale_after")
#: The passage's own fields.
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
    "generated",
)
#: Every field ``display`` packs (changing the layout needs a new
#: ``META_SCHEMA_VERSION``, which rebuilds every index).
DISPLAY_FIELDS = _CONCEPT_FIELDS + _PASSAGE_FIELDS
#: The passages-table column that holds them.
DISPLAY_COLUMN = "display"

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _compact_encoder() -> Callable[[Any], str]:
    """``_ENCODER.encode`` without its per-call set-up (a build encodes ~70,000 lists).

    ``JSONEncoder.encode`` builds a new C encoder on every call; this builds it once,
    with the same settings (compact separators, non-ASCII kept), so the text is the
    same.  Without circular-reference checks: the lists packed here hold strings,
    numbers, booleans and lists of strings.  Falls back to ``encode`` where the C
    accelerator is missing.
    """
    if c_make_encoder is None:
        return _ENCODER.encode
    make = c_make_encoder(
        None, _ENCODER.default, encode_basestring, None, ":", ",", False, False, True
    )

    def encode(value: Any) -> str:
        return "".join(make(value, 0))

    return encode


_encode = _compact_encoder()
_decode = json.JSONDecoder().decode


def pack_concept(concept: Any) -> str:
    """The concept part of ``display``: encode once, pass to :func:`pack` per passage."""
    return _encode([getattr(concept, name) for name in _CONCEPT_FIELDS])


def pack(item: Any, concept: str | None = None) -> str:
    """The display fields of a passage row object, as stored.

    Two one-line JSON lists joined by a newline: the concept's fields (``concept``,
    from :func:`pack_concept`), then the passage's.  Compact JSON holds no newline
    (it escapes them), so the first newline ends the concept part.
    """
    head = pack_concept(item) if concept is None else concept
    return head + "\n" + _encode([getattr(item, name) for name in _PASSAGE_FIELDS])


def unpack(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its ``display`` column replaced by the fields it packs (in place)."""
    packed = row.pop(DISPLAY_COLUMN, None)
    if not packed:
        row.update(dict.fromkeys(DISPLAY_FIELDS))
        return row
    head, _, rest = packed.partition("\n")
    row.update(zip(_CONCEPT_FIELDS, _decode(head), strict=True))
    row.update(zip(_PASSAGE_FIELDS, _decode(rest), strict=True))
    return row
