"""Source ids: readable, stable, collision-free, and always a safe relative path.

A source id is ``<location-name>/<folders>/<file-slug>``:

* every part is lowercased ASCII (accents are folded: ``Zürich`` → ``zurich``),
  and each run of characters outside ``[a-z0-9._-]`` becomes one ``-``;
* folder parts (and the location name) have their dots turned into ``-`` too, and
  the file part keeps its extension as a ``-ext`` suffix
  (``Notes/Interview Ops.md`` → ``notes/interview-ops-md``), so ``a.md`` and
  ``a.txt`` do not collide and no folder of snapshots can be named like a
  snapshot file (``sources/<id>.md``);
* a file registered on its own (not inside a registered folder) has no location
  part: ``~/kickoff.md`` → ``kickoff-md``.

Ids are assigned once and then kept for as long as the file keeps its path,
so a new file that would collide with an existing id gets ``-2`` (then ``-3`` …)
and the existing one never moves.  New files in one scan are numbered in sorted
path order, so the outcome is deterministic.
"""

from __future__ import annotations

import re
import unicodedata

from dossier.ingest.model import IngestError

_RUN_RE = re.compile(r"[^a-z0-9._-]+")
_DASHES_RE = re.compile(r"-{2,}")
_ID_PART_RE = re.compile(r"^[a-z0-9_][a-z0-9._-]*$")
MAX_PART_CHARS = 80
MAX_ID_CHARS = 2000  # keeps tenant path + sources/<id>.md under PATH_MAX


def slug(text: str, *, keep_dots: bool) -> str:
    """Lowercase ASCII slug of one path part; never empty, never ``.``/``..``."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    if not keep_dots:
        folded = folded.replace(".", "-")
    out = _DASHES_RE.sub("-", _RUN_RE.sub("-", folded)).strip("-.")
    out = out[:MAX_PART_CHARS].rstrip("-.")
    return out or "untitled"


def file_slug(name: str) -> str:
    """``Interview Ops.md`` → ``interview-ops-md``; extensionless ``README`` → ``readme``."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext:
        return slug(name, keep_dots=True)
    return slug(stem, keep_dots=True) + "-" + slug(ext, keep_dots=False)


def base_source_id(location_name: str, relative_parts: tuple[str, ...]) -> str:
    """The id a file gets when nothing else has it yet."""
    *folders, name = relative_parts
    parts = [location_name] if location_name else []
    parts += [slug(f, keep_dots=False) for f in folders]
    parts.append(file_slug(name))
    return "/".join(parts)


def disambiguate(base: str, taken: set[str] | frozenset[str]) -> str:
    """``base`` if free, else ``base-2``, ``base-3`` … — the first free one."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def is_valid_source_id(source_id: str) -> bool:
    """A relative POSIX path of slug parts: no ``..``, no absolute, no empty part."""
    if not source_id or len(source_id) > MAX_ID_CHARS:
        return False
    return all(_ID_PART_RE.match(part) and part not in (".", "..") for part in source_id.split("/"))


def check_source_id(source_id: str) -> str:
    if not is_valid_source_id(source_id):
        raise IngestError(
            f"invalid source id {source_id!r}: expected lowercase slug parts joined by '/'"
        )
    return source_id
