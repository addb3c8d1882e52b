"""The client-id gate: the only way a string becomes a tenant directory name.

A client id is used verbatim as a directory name, a git identity and part of file
names, so it is held to a deliberately small alphabet: lowercase ASCII letters,
digits, ``-`` and ``_``, 1–63 characters, starting with a letter or digit.  That
excludes, by construction, path tricks (``..``, ``/``, ``\\``, NUL), hidden names
(``.tmp-…`` and ``.archive`` are the workspace's own), ids that differ only in case
(they would collide on a case-insensitive filesystem) and Unicode lookalikes
(Cyrillic ``а`` looks like Latin ``a``).  The message always says what *is*
allowed, plus what was wrong with this particular id.
"""

from __future__ import annotations

import re
import unicodedata

from dossier.tenancy.errors import InvalidClientIdError

MAX_CLIENT_ID_LENGTH = 63
ALLOWED = (
    "use 1–63 characters of lowercase a–z, 0–9, '-' and '_', starting with a letter or digit"
)

_VALID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}", re.ASCII)

#: Names that are valid by the alphabet but are device names on Windows filesystems,
#: where a directory of that name cannot be created or silently aliases a device.
RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(10)}
    | {f"lpt{i}" for i in range(10)}
)


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "unnamed character")
    return f"U+{ord(ch):04X} {name}"


def _reason(client_id: str) -> str:
    """Say what is wrong with an id that failed the pattern (the most telling problem)."""
    if client_id == "":
        return "it is empty"
    if len(client_id) > MAX_CLIENT_ID_LENGTH:
        return f"it is {len(client_id)} characters long"
    if "\x00" in client_id:
        return "it contains a NUL byte"
    for sep in ("/", "\\"):
        if sep in client_id:
            return f"it contains the path separator {sep!r}"
    if ".." in client_id:
        return "it contains '..'"
    for ch in client_id:
        if ch.isspace():
            return "it contains whitespace"
        if not ch.isascii():
            return f"it contains the non-ASCII character {_describe(ch)}"
        if ch.isupper():
            return "it contains uppercase letters"
    if client_id[0] in "-_.":
        return f"it starts with {client_id[0]!r}"
    bad = next((ch for ch in client_id if not (ch.isalnum() or ch in "-_")), client_id[0])
    return f"it contains {bad!r}"


def validate_client_id(client_id: object) -> str:
    """Return ``client_id`` unchanged if it may name a tenant, else raise InvalidClientIdError."""
    if not isinstance(client_id, str):
        raise InvalidClientIdError(
            f"invalid client id {client_id!r}: not a string; {ALLOWED}"
        )
    if _VALID.fullmatch(client_id) is None:
        raise InvalidClientIdError(
            f"invalid client id {client_id!r}: {_reason(client_id)}; {ALLOWED}"
        )
    if client_id in RESERVED:
        raise InvalidClientIdError(
            f"invalid client id {client_id!r}: it is a reserved device name on Windows; "
            "choose another id"
        )
    return client_id
