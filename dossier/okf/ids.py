"""Concept ids ↔ paths: the id is the file's path from the bundle root without ``.md``.

Ids arrive from agents and users (MCP tools, CLI arguments, links), so they are
validated before they touch the filesystem: no absolute paths, no ``..`` or
hidden segments, no backslashes, NUL or control characters, no percent-encoded
escapes, no reserved names (``index``, ``log``), and the final path must resolve
inside the bundle with symlinks followed.
"""

from __future__ import annotations

import re
from pathlib import Path

from dossier.fsutil import PathEscapeError, resolve_within
from dossier.okf.errors import InvalidConceptIdError

SUFFIX = ".md"
#: Filenames with defined meaning at every level (§3.1); never concepts.
RESERVED_FILENAMES: frozenset[str] = frozenset({"index.md", "log.md"})
_RESERVED_STEMS = frozenset({"index", "log"})
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def id_problem(concept_id: object) -> str | None:
    """Why ``concept_id`` is not a valid id, or None when it is."""
    if not isinstance(concept_id, str) or not concept_id:
        return "concept id is empty"
    if _CONTROL.search(concept_id):
        return "concept id contains a NUL or control character"
    if "\\" in concept_id:
        return "concept id contains a backslash"
    if concept_id.startswith("/") or re.match(r"^[A-Za-z]:", concept_id):
        return "concept id must be relative to the bundle root, not absolute"
    if _PERCENT.search(concept_id):
        return "concept id contains a percent-encoded escape"
    segments = concept_id.split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            return "concept id has an empty, '.' or '..' segment"
        if segment.startswith("."):
            return "concept id has a hidden segment (starting with '.')"
        if segment != segment.strip():
            return "concept id segment has leading or trailing whitespace"
    if segments[-1] in _RESERVED_STEMS:
        return f"'{segments[-1]}' is reserved (index.md and log.md are not concepts)"
    return None


def validate_concept_id(concept_id: str) -> str:
    """Return ``concept_id`` unchanged, or raise InvalidConceptIdError naming it."""
    problem = id_problem(concept_id)
    if problem is not None:
        raise InvalidConceptIdError(f"invalid concept id {concept_id!r}: {problem}")
    return concept_id


def path_for(root: Path, concept_id: str) -> Path:
    """The file for ``concept_id`` under ``root``, confined with symlinks followed."""
    validate_concept_id(concept_id)
    try:
        return resolve_within(root, concept_id + SUFFIX)
    except PathEscapeError as exc:
        raise InvalidConceptIdError(f"invalid concept id {concept_id!r}: {exc}") from None


def id_for(relative_posix: str) -> str | None:
    """Concept id for a bundle-relative ``a/b.md`` path; None for reserved or non-md names."""
    name = relative_posix.rsplit("/", 1)[-1]
    if not name.endswith(SUFFIX) or name in RESERVED_FILENAMES or len(name) == len(SUFFIX):
        return None
    return relative_posix[: -len(SUFFIX)]
