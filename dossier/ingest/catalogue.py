"""The source catalogue (committed) and the stat cache (not committed).

``sources/catalogue.json`` is part of the tenant's git history, so it holds only
what follows from the inputs: original path, location, media type, size,
sha256, snapshot path, title and, where they differ from the snapshot's, the
original file's lines of each snapshot line (``original_lines``, the compact form of
dossier/ingest/origins.py) — deterministic JSON (sorted keys, indent 2,
trailing newline), no scan timestamps, no mtimes.  Touching a file without
changing it therefore changes nothing that git sees.

``<cache_dir>/ingest-stat.json`` remembers each file's ``(size, mtime_ns,
ctime_ns)`` and hash from the last scan, so a no-op scan is one ``stat`` per
file and no reads.  It is a cache: lose it, corrupt it, or bump the ingest
version and the next scan simply hashes everything again.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dossier.fsutil import write_if_changed
from dossier.ingest.ids import is_valid_source_id
from dossier.ingest.model import CatalogueError, Skip, snapshot_relpath
from dossier.ingest.origins import OriginMap

#: Bump when normalization or conversion output changes: every file is then
#: re-converted once and sources whose snapshot or entry moved are reported as changed.
#: 2: entries carry ``original_lines`` (an HTML page, a text with leading blank lines).
#: 3: HTML navigation (<nav>, pager paragraphs) and headings' permalink glyphs ("¶") are
#:    left out of snapshots.
INGEST_VERSION = 3
#: Unchanged by ``original_lines``: an optional key; a catalogue without it still loads
#: (no map: snapshot lines are the original's) and older readers ignore it.
CATALOGUE_VERSION = 1
CATALOGUE_FILENAME = "catalogue.json"
STAT_CACHE_FILENAME = "ingest-stat.json"

StatKey = tuple[int, int, int]  # (size, mtime_ns, ctime_ns)


@dataclass(frozen=True)
class CatalogueEntry:
    """What the catalogue records about one source (everything but the text)."""

    original_path: str
    location: str
    media_type: str
    size: int
    sha256: str
    title: str
    snapshot: str
    origins: OriginMap | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "original_path": self.original_path,
            "location": self.location,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
            "title": self.title,
            "snapshot": self.snapshot,
        }
        if self.origins is not None:
            data["original_lines"] = self.origins.encode()
        return data


@dataclass
class Catalogue:
    """source_id → entry, plus the names given to registered folders.

    ``locations`` maps a registered folder's absolute path to the name its ids
    start with; it is persisted so a name, once given, never moves.
    """

    entries: dict[str, CatalogueEntry] = field(default_factory=dict)
    locations: dict[str, str] = field(default_factory=dict)
    ingest_version: int = INGEST_VERSION

    def render(self) -> str:
        data = {
            "catalogue_version": CATALOGUE_VERSION,
            "ingest_version": self.ingest_version,
            "locations": dict(self.locations),
            "sources": {sid: e.to_json() for sid, e in self.entries.items()},
        }
        return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def catalogue_path(sources_dir: Path) -> Path:
    return sources_dir / CATALOGUE_FILENAME


def read_catalogue(sources_dir: Path) -> Catalogue:
    """The catalogue on disk, or an empty one when there is none yet."""
    path = catalogue_path(sources_dir)
    try:
        raw = read_plain_file(path)
    except FileNotFoundError:
        return Catalogue()
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read the source catalogue: {exc}") from None
    return catalogue_from_bytes(path, raw)


def read_plain_file(path: Path) -> bytes:
    """The bytes of ``path``, which must be a regular file and not a symlink.

    The catalogue is the tenant's own: a symlink in its place could name another
    tenant's, and a FIFO would hang the reader (``O_NONBLOCK`` opens it at once).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path.name} is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def catalogue_from_bytes(path: Path, raw: bytes) -> Catalogue:
    """The catalogue these bytes (read from ``path``) hold; :class:`CatalogueError` if bad."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise CatalogueError(f"{path}: not valid JSON ({exc}); restore it from git") from None
    return _parse_catalogue(path, data)


def _parse_catalogue(path: Path, data: Any) -> Catalogue:
    if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
        raise CatalogueError(f"{path}: expected an object with a 'sources' mapping")
    entries: dict[str, CatalogueEntry] = {}
    for source_id, item in data["sources"].items():
        if not is_valid_source_id(source_id):
            raise CatalogueError(f"{path}: invalid source id {source_id!r}")
        try:
            entries[source_id] = CatalogueEntry(
                original_path=str(item["original_path"]),
                location=str(item["location"]),
                media_type=str(item["media_type"]),
                size=int(item["size"]),
                sha256=str(item["sha256"]),
                title=str(item["title"]),
                snapshot=snapshot_relpath(source_id),
                origins=_origins(item.get("original_lines")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogueError(f"{path}: source {source_id!r} is malformed ({exc})") from None
    locations = data.get("locations") or {}
    if not isinstance(locations, dict):
        raise CatalogueError(f"{path}: 'locations' must be a mapping")
    version = data.get("ingest_version", 0)
    return Catalogue(
        entries=entries,
        locations={str(k): str(v) for k, v in locations.items()},
        ingest_version=version if isinstance(version, int) else 0,
    )


def _origins(value: Any) -> OriginMap | None:
    """An entry's ``original_lines``; absent (a catalogue from before maps) is no map."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("original_lines must be a string of runs")
    try:
        return OriginMap.decode(value)
    except ValueError as exc:
        raise ValueError(f"original_lines: {exc}") from None


def write_catalogue(sources_dir: Path, catalogue: Catalogue) -> bool:
    """Write atomically; False (and the file untouched) when the bytes are the same."""
    return write_if_changed(catalogue_path(sources_dir), catalogue.render().encode("utf-8"))


@dataclass
class StatCache:
    """Last scan's stat keys: ``files`` path → (key, sha256); ``skips`` path → (key, Skip)."""

    files: dict[str, tuple[StatKey, str]] = field(default_factory=dict)
    skips: dict[str, tuple[StatKey, Skip]] = field(default_factory=dict)
    ingest_version: int = INGEST_VERSION

    def render(self) -> str:
        data = {
            "ingest_version": self.ingest_version,
            "files": {p: [*key, sha] for p, (key, sha) in self.files.items()},
            "skips": {p: [*key, s.code, s.reason] for p, (key, s) in self.skips.items()},
        }
        return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def read_stat_cache(cache_dir: Path) -> StatCache:
    """The stat cache, or an empty one when it is absent or unreadable (it is only a cache)."""
    try:
        data = json.loads((cache_dir / STAT_CACHE_FILENAME).read_text(encoding="utf-8"))
        cache = StatCache(ingest_version=int(data["ingest_version"]))
        for path, (size, mtime, ctime, sha) in data["files"].items():
            cache.files[path] = ((int(size), int(mtime), int(ctime)), str(sha))
        for path, (size, mtime, ctime, code, reason) in data["skips"].items():
            cache.skips[path] = (
                (int(size), int(mtime), int(ctime)),
                Skip(path, str(reason), str(code)),
            )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return StatCache(ingest_version=-1)
    return cache


def write_stat_cache(cache_dir: Path, cache: StatCache) -> bool:
    # A replaceable cache: whole or absent is enough, no fsync.
    return write_if_changed(
        cache_dir / STAT_CACHE_FILENAME, cache.render().encode("utf-8"), durable=False
    )


