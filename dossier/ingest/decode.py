"""Bytes → text for the text formats, with an explicit, documented fallback order.

Order: a UTF-16/32 byte-order mark wins (Windows tools export that); then
UTF-8 (a UTF-8 BOM is dropped); then, for HTML, the charset its ``<meta>``
declares; then Windows-1252, accepted only when the result looks like Western
prose — no control characters, and high bytes that are few and mostly isolated
(see :func:`_plausible_legacy`) — because cp1252 decodes almost any byte string
and would otherwise turn a Shift-JIS or KOI8 file into confident mojibake.
Anything else is refused as undecodable.

Binary detection runs before decoding: a NUL byte in the first 8 KiB (and no
UTF-16/32 BOM) means binary, the same heuristic git and grep use.
"""

from __future__ import annotations

import codecs
import re

SNIFF_BYTES = 8192
_MAX_LEGACY_HIGH_SHARE = 0.30
_MAX_LEGACY_PAIRED_SHARE = 0.5
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BAD_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")


class DecodeFailure(ValueError):
    """The bytes are not text this module can decode; the message is the skip reason."""


def _bom_codec(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    return None


def looks_binary(data: bytes) -> bool:
    """NUL in the first 8 KiB, unless a UTF-16/32 BOM explains the NULs."""
    return _bom_codec(data) is None and b"\x00" in data[:SNIFF_BYTES]


def decode_text(data: bytes, *, html: bool = False) -> str:
    """Decode per the module's order or raise :class:`DecodeFailure`."""
    codec = _bom_codec(data)
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            raise DecodeFailure(f"undecodable: invalid {codec} after its byte-order mark") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if html:
        declared = _declared_charset(data)
        if declared is not None:
            try:
                return data.decode(declared)
            except UnicodeDecodeError:
                pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and not _BAD_CONTROL_RE.search(text) and _plausible_legacy(data):
        return text
    raise DecodeFailure("undecodable: not UTF-8, and not plausible Windows-1252 text")


def _plausible_legacy(data: bytes) -> bool:
    """Western prose has few, mostly isolated high bytes (é, ß, curly quotes).

    Multi-byte encodings (Shift-JIS, GBK, EUC) and Cyrillic/Greek code pages put
    high bytes side by side in runs, so a file where most high bytes have a high
    neighbour, or where they are over 30 % of the bytes, is not cp1252.
    """
    high = [i for i, b in enumerate(data) if b >= 0x80]
    if len(high) > _MAX_LEGACY_HIGH_SHARE * len(data):
        return False
    positions = set(high)
    paired = sum(1 for i in high if i - 1 in positions or i + 1 in positions)
    return paired <= _MAX_LEGACY_PAIRED_SHARE * len(high)


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET_RE.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
