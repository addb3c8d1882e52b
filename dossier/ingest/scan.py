"""Scanning registered locations against the catalogue, and applying the result.

Scan and apply are separate so the loop can look at what changed (and abort)
before anything is written.  :func:`scan_sources` reads only; :func:`apply_scan`
writes snapshots, then deletes removed ones, then the catalogue, then the stat
cache — in that order so a crash at any point heals on the next scan (a missing
snapshot or a stale stat key makes the file be read again).

Change detection: a file whose ``(size, mtime_ns, ctime_ns)`` matches the stat
cache and whose snapshot exists is unchanged without being opened.  Otherwise
it is read and hashed: the same sha256 as in the catalogue is still unchanged
(a touch, not an edit), and only a new sha256 costs a conversion.  ctime is in
the key because tools that restore mtime after an edit cannot restore ctime.
``verify_hashes=True`` ignores the stat cache, for filesystems whose timestamps
cannot be trusted.

What is never removed: files of a registered location that is missing right now
(an unplugged drive, an unmounted share), and files under a folder or a file that
could not be read this time (permission, I/O error).  Those keep their snapshot
and are reported; removing knowledge because a disk was absent would be wrong.
Files that are gone from a location that is present, and every file of a
location that is no longer registered, are removed.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from dossier.fsutil import prune_empty_dirs, resolve_within, write_if_changed
from dossier.ingest.catalogue import (
    INGEST_VERSION,
    Catalogue,
    CatalogueEntry,
    StatCache,
    StatKey,
    read_catalogue,
    read_stat_cache,
    write_catalogue,
    write_stat_cache,
)
from dossier.ingest.ids import (
    base_source_id,
    check_source_id,
    disambiguate,
    is_valid_source_id,
    slug,
)
from dossier.ingest.limits import DEFAULT_LIMITS, DecodeLimits
from dossier.ingest.loaders import DEFAULT_MAX_BYTES, convert, precheck, read_bytes
from dossier.ingest.model import (
    ScanResult,
    Skip,
    SkipCode,
    SourceDocument,
    SourceNotFoundError,
    snapshot_relpath,
)
from dossier.ingest.walk import Candidate, walk_folder

# Skips that depend only on a file's bytes: safe to remember until its stat changes.
# The decoding-limit skips are remembered too, so a bomb costs its decode time once,
# not on every run; ``verify_hashes`` (which ignores the cache) retries them.
_CACHEABLE_SKIPS = frozenset(
    {
        SkipCode.BINARY,
        SkipCode.UNDECODABLE,
        SkipCode.EMPTY,
        SkipCode.PARSE_ERROR,
        SkipCode.NO_TEXT,
        SkipCode.TOO_EXPANDED,
        SkipCode.TOO_MUCH_TEXT,
        SkipCode.TOO_SLOW,
    }
)


def _stat_key(st: os.stat_result) -> StatKey:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@dataclass
class _Pending:
    doc: SourceDocument
    location_name: str
    relative_parts: tuple[str, ...]


class _Scan:
    """One scan's working state; ``run`` returns the ScanResult."""

    def __init__(
        self,
        locations: Sequence[str | os.PathLike[str]],
        sources_dir: Path,
        cache_dir: Path,
        max_bytes: int,
        verify_hashes: bool,
        limits: DecodeLimits = DEFAULT_LIMITS,
        workspace: Path | None = None,
    ) -> None:
        self.workspace = workspace
        self.sources_dir = sources_dir
        self.max_bytes = max_bytes
        self.limits = limits
        self.old = read_catalogue(sources_dir)
        old_cache = read_stat_cache(cache_dir)
        self.version_ok = self.old.ingest_version == INGEST_VERSION
        self.use_cache = (
            not verify_hashes and self.version_ok and old_cache.ingest_version == INGEST_VERSION
        )
        self.old_cache = old_cache
        self.cache = StatCache()
        self.by_path = {e.original_path: sid for sid, e in self.old.entries.items()}
        self.result = ScanResult()
        self.kept: dict[str, CatalogueEntry] = {}
        self.pending: list[_Pending] = []
        self.locations: list[str] = []
        for loc in locations:
            text = os.path.abspath(os.fspath(loc))
            if text not in self.locations:
                self.locations.append(text)

    # -- per file -----------------------------------------------------------------

    def _snapshot_exists(self, source_id: str) -> bool:
        return os.path.isfile(os.path.join(self.sources_dir, source_id + ".md"))

    def _keep(self, source_id: str, key: StatKey | None = None) -> None:
        entry = self.old.entries[source_id]
        self.kept[source_id] = entry
        self.result.unchanged.append(source_id)
        if key is not None:
            self.cache.files[entry.original_path] = (key, entry.sha256)
        elif entry.original_path in self.old_cache.files:
            self.cache.files[entry.original_path] = self.old_cache.files[entry.original_path]

    def _skip(self, skip: Skip, key: StatKey | None = None) -> None:
        self.result.skipped.append(skip)
        if key is not None and skip.code in _CACHEABLE_SKIPS:
            self.cache.skips[skip.path] = (key, skip)

    def process(self, cand: Candidate, location: str, location_name: str) -> None:
        path = cand.path
        key = _stat_key(cand.stat)
        existing = self.by_path.get(path)
        if existing is not None and self.old.entries[existing].location != location:
            existing = None  # now reached through another registration: a new source
        entry = self.old.entries[existing] if existing is not None else None

        refused = precheck(path, cand.stat.st_size, self.max_bytes)
        if refused is not None:
            self._skip(refused)
            return
        if self.use_cache:
            cached = self.old_cache.files.get(path)
            if (
                entry is not None
                and existing is not None
                and cached == (key, entry.sha256)
                and self._snapshot_exists(existing)
            ):
                self._keep(existing, key)
                return
            cached_skip = self.old_cache.skips.get(path)
            if cached_skip is not None and cached_skip[0] == key:
                self._skip(cached_skip[1], key)
                return

        data = read_bytes(path, self.max_bytes)
        if isinstance(data, Skip):
            self._skip(data)
            if data.transient and existing is not None:
                self._keep(existing)
            return
        sha = hashlib.sha256(data).hexdigest()
        snapshot_ok = existing is not None and self._snapshot_exists(existing)
        if (
            existing is not None
            and entry is not None
            and sha == entry.sha256
            and self.version_ok
            and snapshot_ok
        ):
            self._keep(existing, key)
            return
        doc = convert(path, data, location=location, sha256=sha, limits=self.limits)
        if isinstance(doc, Skip):
            self._skip(doc, key)
            return
        self.cache.files[path] = (key, sha)
        if existing is None:
            self.pending.append(_Pending(doc, location_name, cand.relative_parts))
            return
        doc = replace(doc, source_id=existing)
        if (
            entry is not None
            and sha == entry.sha256
            and snapshot_ok
            and _same_as_snapshot(self.sources_dir, doc, entry)
        ):
            self._keep(existing, key)
            return
        self.kept[existing] = _entry_for(doc)
        self.result.changed.append(doc)

    # -- per location ---------------------------------------------------------------

    def _refused(self) -> dict[str, str]:
        """Locations the tenancy gate refuses right now (location -> why); never read."""
        if self.workspace is None:
            return {}
        # Imported here: the tenancy package pulls in pydantic and yaml, which a scan
        # outside any tenant (evals, benchmarks) does not need.
        from dossier.tenancy.sources import location_problem

        refused: dict[str, str] = {}
        for loc in self.locations:
            problem = location_problem(loc, self.workspace)
            if problem is not None:
                refused[loc] = problem
        return refused

    def run(self) -> ScanResult:
        refused = self._refused()
        reals: dict[str, str] = {}
        for loc in self.locations:
            if loc not in refused and os.path.exists(loc):
                reals.setdefault(os.path.realpath(loc), loc)
        all_roots = frozenset(reals)
        missing: list[str] = []
        names = dict(self.old.locations)
        registered = set(self.locations)
        taken_names = {n for p, n in names.items() if p in registered}
        unreadable: list[str] = []  # folders/entries the walk could not read

        for loc in self.locations:
            if loc in refused:
                continue
            try:
                st = os.stat(loc)
            except OSError:
                missing.append(loc)
                continue
            real = os.path.realpath(loc)
            if reals.get(real) != loc:
                continue  # the same folder registered twice (e.g. via a symlink)
            if stat.S_ISDIR(st.st_mode):
                name = names.get(loc)
                if name is None:
                    name = disambiguate(
                        slug(os.path.basename(loc) or "root", keep_dots=False), taken_names
                    )
                    names[loc] = name
                    taken_names.add(name)
                skips: list[Skip] = []
                for cand in walk_folder(Path(loc), Path(real), all_roots - {real}, skips):
                    self.process(cand, loc, name)
                for skip in skips:
                    self._skip(skip)
                    if skip.transient:
                        unreadable.append(skip.path.rstrip(os.sep))
            elif stat.S_ISREG(st.st_mode):
                cand = Candidate(loc, (os.path.basename(loc),), st)
                self.process(cand, loc, "")
            else:
                self._skip(Skip(loc, "not a regular file or folder", SkipCode.NOT_REGULAR))

        # Keep what a missing or refused location, or an unreadable folder, had given
        # us: knowledge learned earlier is not deleted because the source went away.
        missing_set = set(missing) | set(refused)
        for sid, entry in self.old.entries.items():
            if sid in self.kept:
                continue
            if entry.location in missing_set or any(
                entry.original_path == u or entry.original_path.startswith(u + os.sep)
                for u in unreadable
            ):
                self._keep(sid)

        freed = set(self.old.entries) - set(self.kept)
        taken = set(self.kept)
        for item in self.pending:
            base = base_source_id(item.location_name, item.relative_parts)
            source_id = disambiguate(base, taken)
            if not is_valid_source_id(source_id):  # only a pathologically deep path gets here
                self._skip(
                    Skip(
                        item.doc.original_path,
                        "path too long for a source id",
                        SkipCode.UNSUPPORTED,
                    )
                )
                continue
            taken.add(source_id)
            doc = replace(item.doc, source_id=source_id)
            self.kept[source_id] = _entry_for(doc)
            if source_id in freed:  # e.g. Notes.md renamed to notes.md: same id, new content
                freed.discard(source_id)
                self.result.changed.append(doc)
            else:
                self.result.new.append(doc)

        self.result.removed = sorted(freed)
        self.result.missing_locations = missing
        self.result.refused_locations = sorted(refused.items())
        self.result.unchanged.sort()
        self.result.skipped.sort(key=lambda s: s.path)
        self.result.new.sort(key=lambda d: d.source_id)
        self.result.changed.sort(key=lambda d: d.source_id)
        keep_names = registered | missing_set
        self.result.catalogue = Catalogue(
            entries=dict(sorted(self.kept.items())),
            locations={p: n for p, n in sorted(names.items()) if p in keep_names},
        )
        self.cache.ingest_version = INGEST_VERSION
        self.result.stat_cache = self.cache
        return self.result


def _entry_for(doc: SourceDocument) -> CatalogueEntry:
    return CatalogueEntry(
        original_path=doc.original_path,
        location=doc.location,
        media_type=doc.media_type,
        size=doc.size,
        sha256=doc.sha256,
        title=doc.title,
        snapshot=doc.snapshot_relpath,
        origins=doc.origins,
    )


def _same_as_snapshot(sources_dir: Path, doc: SourceDocument, entry: CatalogueEntry) -> bool:
    """After an ingest-version bump: did re-conversion change anything committed?"""
    if _entry_for(doc) != entry:
        return False
    try:
        current = (sources_dir / (doc.source_id + ".md")).read_bytes()
    except OSError:
        return False
    return current == doc.text.encode("utf-8")


def scan_sources(
    locations: Sequence[str | os.PathLike[str]],
    sources_dir: Path,
    cache_dir: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    verify_hashes: bool = False,
    limits: DecodeLimits = DEFAULT_LIMITS,
    workspace: Path | None = None,
) -> ScanResult:
    """Compare the registered locations with the catalogue; write nothing.

    ``locations`` are files or folders (absolute paths, as registered);
    ``limits`` bound the decoding of each file (dossier/ingest/limits.py).  Raises
    :class:`~dossier.ingest.CatalogueError` for a corrupt catalogue; everything
    wrong with an individual file is a :class:`Skip` in the result.

    ``workspace`` is the tenant workspace root when scanning for a tenant: every
    location is then re-checked with the tenancy gate
    (:func:`dossier.tenancy.sources.location_problem`) before anything under it is
    read, because what a registered path names can change after registration.  A
    refused location is listed in ``refused_locations`` and treated like a missing
    one: nothing is read from it and nothing learned from it earlier is removed.
    """
    return _Scan(
        locations, sources_dir, cache_dir, max_bytes, verify_hashes, limits, workspace
    ).run()


def apply_scan(result: ScanResult, sources_dir: Path, cache_dir: Path) -> list[str]:
    """Persist a scan: snapshots, removals, catalogue, stat cache.

    Returns the paths written or deleted, relative to ``sources_dir``'s parent
    (``sources/...``), sorted; an empty list for a no-op scan, which writes nothing.
    """
    if result.catalogue is None or result.stat_cache is None:
        raise ValueError("apply_scan needs a ScanResult produced by scan_sources")
    touched: list[str] = []
    for doc in [*result.new, *result.changed]:
        target = resolve_within(sources_dir, check_source_id(doc.source_id) + ".md")
        if write_if_changed(target, doc.text.encode("utf-8")):
            touched.append(doc.snapshot_relpath)
    base = sources_dir.resolve()
    for source_id in result.removed:
        target = resolve_within(sources_dir, check_source_id(source_id) + ".md")
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        touched.append(snapshot_relpath(source_id))
        prune_empty_dirs(target.parent, base)
    if write_catalogue(sources_dir, result.catalogue):
        touched.append(f"{sources_dir.name}/catalogue.json")
    write_stat_cache(cache_dir, result.stat_cache)
    return sorted(touched)


def load_snapshot(
    sources_dir: Path, source_id: str, catalogue: Catalogue | None = None
) -> SourceDocument:
    """The current snapshot of one source, as the extractor sees it."""
    if catalogue is None:
        catalogue = read_catalogue(sources_dir)
    entry = catalogue.entries.get(source_id)
    if entry is None:
        raise SourceNotFoundError(f"no source {source_id!r} in {sources_dir}/catalogue.json")
    path = resolve_within(sources_dir, check_source_id(source_id) + ".md")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceNotFoundError(
            f"snapshot {entry.snapshot} of source {source_id!r} is unreadable ({exc}); "
            "run ingest again to restore it"
        ) from None
    return SourceDocument(
        source_id=source_id,
        original_path=entry.original_path,
        media_type=entry.media_type,
        size=entry.size,
        sha256=entry.sha256,
        title=entry.title,
        text=text,
        location=entry.location,
        origins=entry.origins,
    )


def iter_snapshots(sources_dir: Path) -> Iterator[SourceDocument]:
    """Every catalogued source, in source-id order."""
    catalogue = read_catalogue(sources_dir)
    for source_id in sorted(catalogue.entries):
        yield load_snapshot(sources_dir, source_id, catalogue)
