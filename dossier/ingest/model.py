"""The values the ingest layer hands to the rest of Dossier.

A :class:`SourceDocument` is the unit the extractor works on: the *normalized*
text of one original file plus where it came from.  Its line numbers are the
line numbers of the snapshot ``sources/<source_id>.md`` (the snapshot *is* the
text), so provenance such as ``sources/acme/notes-md.md#L10-L24`` stays true for
as long as the snapshot is in the tenant's git history; ``origins`` turns them
into the original file's lines where those differ.

A :class:`Skip` is never an exception: every file the scanner looked at and did
not ingest comes back with a reason, so nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dossier.errors import DossierError
from dossier.ingest.origins import OriginMap, original_lines

if TYPE_CHECKING:
    from dossier.ingest.catalogue import Catalogue, StatCache

#: Directory name (inside the tenant) that snapshots and the catalogue live in.
SOURCES_DIRNAME = "sources"


class IngestError(DossierError):
    """An ingest failure the user can act on (a corrupt catalogue, an unknown source id)."""


class CatalogueError(IngestError):
    """``sources/catalogue.json`` is unreadable or malformed."""


class SourceNotFoundError(IngestError):
    """A source id that is not in the catalogue (or whose snapshot is gone)."""


@dataclass(frozen=True)
class SourceDocument:
    """One ingested file as normalized text, with its origin.

    ``sha256`` is the hash of the *original file's bytes* (what change detection
    compares); ``text_sha256`` is the hash of the normalized text (what a cache of
    derived results should key on, since it also moves when normalization does).
    """

    source_id: str
    original_path: str
    media_type: str
    size: int
    sha256: str
    title: str
    text: str
    location: str = ""
    #: the original file's lines of each snapshot line, when they differ from the
    #: snapshot's own (a converted or reflowed source); None: they are the same, or the
    #: original has no lines (PDF, DOCX).  See dossier/ingest/origins.py.
    origins: OriginMap | None = None

    @property
    def snapshot_relpath(self) -> str:
        """Where the snapshot lives relative to the tenant dir: ``sources/<id>.md``."""
        return snapshot_relpath(self.source_id)

    @property
    def lines(self) -> list[str]:
        """The snapshot's lines; ``lines[0]`` is line 1 of a citation."""
        return self.text.splitlines()

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def content_sha256(self) -> str:
        """What a result derived from this document depends on: the text, and the
        original lines when it has a map (a citation names them).  Equal to
        ``text_sha256`` for a document without a map, so such caches stay valid."""
        if self.origins is None:
            return self.text_sha256
        payload = self.text + "\0" + self.origins.encode()
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def original_lines(self, start: int, end: int | None = None) -> tuple[int, int]:
        """Snapshot lines ``start..end`` as lines of the original file."""
        return original_lines(self.origins, start, end)

    def line_ref(self, start: int, end: int | None = None) -> str:
        """A citation of a line range: ``sources/<id>.md#L10-L24`` (1-based, inclusive)."""
        if end is None or end == start:
            return f"{self.snapshot_relpath}#L{start}"
        return f"{self.snapshot_relpath}#L{start}-L{end}"


def snapshot_relpath(source_id: str) -> str:
    return f"{SOURCES_DIRNAME}/{source_id}.md"


class SkipCode:
    """Machine-readable skip codes (the ``reason`` is the human sentence)."""

    EMPTY = "empty"
    TOO_LARGE = "too-large"
    BINARY = "binary"
    UNDECODABLE = "undecodable"
    UNSUPPORTED = "unsupported-type"
    NEEDS_EXTRA = "needs-extra"
    PARSE_ERROR = "parse-error"
    TOO_EXPANDED = "too-expanded"
    TOO_MUCH_TEXT = "too-much-text"
    TOO_SLOW = "too-slow"
    NO_TEXT = "no-text"
    UNREADABLE = "unreadable"
    NOT_REGULAR = "not-regular-file"
    SYMLINK_OUTSIDE = "symlink-outside"
    SYMLINK_INSIDE = "symlink-inside"
    SYMLINK_BROKEN = "symlink-broken"
    SYMLINK_LOOP = "symlink-loop"


@dataclass(frozen=True)
class Skip:
    """A file (or folder) that was looked at and not ingested, and why.

    ``transient`` marks failures that may go away by themselves (permission
    denied, an I/O error): a file that was ingested before keeps its snapshot
    instead of being recorded as removed.
    """

    path: str
    reason: str
    code: str
    transient: bool = False


@dataclass
class ScanResult:
    """What a scan found, computed without writing anything.

    Every id in the resulting catalogue is in exactly one of ``new``, ``changed``
    or ``unchanged``; ``removed`` ids are gone from it.  ``catalogue`` and
    ``stat_cache`` are the state :func:`dossier.ingest.apply_scan` will persist.
    """

    new: list[SourceDocument] = field(default_factory=list)
    changed: list[SourceDocument] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    missing_locations: list[str] = field(default_factory=list)
    #: ``(location, why)`` for each location the tenancy gate refused; none was read.
    refused_locations: list[tuple[str, str]] = field(default_factory=list)
    catalogue: Catalogue | None = None
    stat_cache: StatCache | None = None

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed or self.removed)

    @property
    def changed_ids(self) -> list[str]:
        """Ids whose snapshot is (re)written by apply: new and changed, sorted."""
        return sorted([d.source_id for d in self.new] + [d.source_id for d in self.changed])

    def summary(self) -> dict[str, object]:
        """A JSON-ready digest for run records and ``--json`` output."""
        return {
            "new": sorted(d.source_id for d in self.new),
            "changed": sorted(d.source_id for d in self.changed),
            "unchanged": len(self.unchanged),
            "removed": sorted(self.removed),
            "skipped": [{"path": s.path, "code": s.code, "reason": s.reason} for s in self.skipped],
            "missing_locations": list(self.missing_locations),
            "refused_locations": [
                {"path": path, "reason": why} for path, why in self.refused_locations
            ],
        }
