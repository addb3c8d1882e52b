"""A tenant's search index: a SQLite file in ``.dossier/index``, kept in step with the bundle.

The index is a replaceable cache of the bundle (the bundle and its git history are
the system of record), so every failure to read it ends in a rebuild, never in an
error for the user.  Keeping it current is cheap by design:

* Before each query :meth:`SearchIndex.ensure_current` reads the tenant's git HEAD
  (two small file reads, no ``git`` process).  Unchanged HEAD: nothing else happens.
* When HEAD moved, ``git diff --name-status old new -- bundle/`` names the concept
  files to look at; each is hashed and only changed ones are re-parsed and upserted
  (one transaction), deleted ones removed.
* The first sync of a process, ``dossier index``, and a git history that cannot be
  diffed compare every file's stat stamp instead (hashing only files whose stamp
  moved), which also catches edits not yet committed.
* :meth:`SearchIndex.refresh` lets a writer push ids it just wrote, before they are
  committed (the loop does not need it: the sync after its commit picks them up).

Writers (sync, refresh, rebuild) serialise on a lock file so a server and a loop
in two processes never interleave writes; a read of a current index never waits
(SQLite's WAL mode: a reader sees the last committed state while a writer works), but a
read that must sync first (a process's first, or the first after HEAD moved) waits for
the writers' lock.  A rebuild writes a
new generation file and switches ``meta.json`` to it atomically, so a reader in
another process keeps a consistent view until it reopens.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dossier.okf.errors import InvalidConceptIdError
from dossier.okf.ids import path_for, validate_concept_id
from dossier.okf.walk import concept_files
from dossier.serve.build_writer import BackgroundWriter
from dossier.serve.display import DISPLAY_COLUMN, DISPLAY_FIELDS, pack, pack_concept, unpack
from dossier.serve.errors import IndexUnavailableError, QueryFailedError
from dossier.serve.fts_query import indexed_text, match_expression
from dossier.serve.gitstate import bundle_changes, read_head
from dossier.serve.index_meta import (
    META_NAME,
    FileStamp,
    IndexMeta,
    load_meta,
    save_meta,
)
from dossier.serve.models import IndexReport
from dossier.serve.sqlstore import (
    FTS_BUILD_SETTINGS,
    FTS_DEFAULT_SETTINGS,
    SCHEMA,
    Filter,
    chunks,
    configure_fts,
    connect,
    placeholders,
    write_lock,
)
from dossier.tenancy import TenantContext

if TYPE_CHECKING:
    from dossier.serve.records import ConceptRow

log = logging.getLogger("dossier.serve.index")

T = TypeVar("T")

#: Concepts parsed per batch during a rebuild (bounds peak memory; each batch is
#: written by a worker thread while the next is parsed).
BUILD_BATCH = 1000
LOCK_NAME = "index.lock"
#: Concept columns returned to callers.
SUMMARY_COLUMNS = [
    "id",
    "type",
    "title",
    "description",
    "tags",
    "status",
    "trust_tier",
    "stale_after",
]
#: Passage columns a search reads; ``display`` is unpacked into the fields it packs,
#: so a returned row carries :data:`PASSAGE_FIELDS`.
PASSAGE_COLUMNS = ["pid", "id", "text", DISPLAY_COLUMN]
#: The fields of a passage row as callers see it (``text`` from ``text_offset`` is the
#: snippet).
PASSAGE_FIELDS = [c for c in PASSAGE_COLUMNS if c != DISPLAY_COLUMN] + list(DISPLAY_FIELDS)
#: Suffixes SQLite gives a database's companion files in WAL mode.
_COMPANIONS = ("", "-wal", "-shm", "-journal")

_FTS_UNFILTERED = """
SELECT p.pid, p.id, p.text, p.display, -f.rank
FROM (SELECT rowid, rank FROM passages_fts WHERE passages_fts MATCH ? ORDER BY rank LIMIT ?) f
JOIN passages p ON p.rowid = f.rowid
ORDER BY f.rank
"""
_FTS_FILTERED = """
SELECT p.pid, p.id, p.text, p.display, -passages_fts.rank
FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid
WHERE passages_fts MATCH ? AND {condition}
ORDER BY passages_fts.rank LIMIT ?
"""


def generation_file(index_dir: Path, name: str) -> Path:
    """The SQLite file of the generation (or vector store) called ``name``."""
    return index_dir / f"{name}.sqlite"


@dataclass
class Batch:
    """One batch of rows as insert parameters (built by the parsing thread).

    Tags, links and passages travel as JSON lists (and one byte string) that one
    ``INSERT ... SELECT FROM json_each(?)`` each unpacks inside SQLite with the GIL
    released; ``executemany`` binds every row in Python, holding the GIL that the
    parsing thread needs (see :func:`_insert`).
    """

    concepts: list[tuple[Any, ...]] = field(default_factory=list)
    #: ``[[tag, id], ...]``
    tags_json: str = "[]"
    #: ``[[target, source], ...]``
    links_json: str = "[]"
    #: ``[[pid, id, ordinal, text_offset, text_start, text_bytes, display_start,
    #: display_bytes], ...]``: the passages' short fields, and where in :attr:`packed`
    #: their text and display are (1-based byte offsets, as SQLite's ``substr`` counts
    #: in a BLOB).  Long text goes as bytes, not JSON: SQLite parses a JSON row again
    #: for each ``json_extract`` on it, and a row holding its text parsed ~1 kB six times.
    passages_json: str = "[]"
    #: Every passage's text and display, UTF-8, one after the other.
    packed: bytes = b""
    #: The passages' text as the FTS index receives it, as one JSON list.
    fts_json: str = "[]"


def _params(rows: Sequence[ConceptRow]) -> Batch:
    """Parameters of the concept, tag, link and passage inserts for ``rows``."""
    batch = Batch()
    tags: list[tuple[str, str]] = []
    links: list[tuple[str, str]] = []
    passages: list[tuple[Any, ...]] = []
    pieces: list[bytes] = []
    size = 1
    indexed: list[str] = []
    for r in rows:
        batch.concepts.append(
            (
                r.id,
                r.type,
                r.title,
                r.description,
                json.dumps(r.tags, ensure_ascii=False),
                r.status,
                r.trust_tier,
                r.stale_after,
                r.content_hash,
            )
        )
        tags.extend((tag, r.id) for tag in r.tags)
        links.extend((target, r.id) for target in r.links)
        concept = pack_concept(r)
        for p in r.passages:
            text = p.text.encode()
            display = pack(p, concept).encode()
            pieces += (text, display)
            passages.append(
                (p.pid, p.id, p.ordinal, p.text_offset, size, len(text), size + len(text),
                 len(display))
            )
            size += len(text) + len(display)
            indexed.append(indexed_text(p.text))
    batch.tags_json = json.dumps(tags, ensure_ascii=False)
    batch.links_json = json.dumps(links, ensure_ascii=False)
    batch.passages_json = json.dumps(passages, ensure_ascii=False)
    batch.packed = b"".join(pieces)
    batch.fts_json = json.dumps(indexed, ensure_ascii=False)
    return batch


def _item(i: int) -> str:
    """SQL for element ``i`` of a ``json_each`` row that is a JSON list
    (``json_extract``, not ``->>``, which needs SQLite 3.38)."""
    return f"json_extract(value, '$[{i}]')"


_TAGS_SQL = f"INSERT OR IGNORE INTO concept_tags SELECT {_item(0)}, {_item(1)} FROM json_each(?)"
_LINKS_SQL = f"INSERT OR IGNORE INTO links SELECT {_item(0)}, {_item(1)} FROM json_each(?)"
#: ``?1``: the last rowid before the batch; ``?2``: :attr:`Batch.passages_json`;
#: ``?3``: :attr:`Batch.packed`, cut by byte offset and read as UTF-8 text.
_PASSAGES_SQL = (
    "INSERT INTO passages(rowid, pid, id, ordinal, text, text_offset, display)"
    f" SELECT ?1 + key + 1, {_item(0)}, {_item(1)}, {_item(2)},"
    f" CAST(substr(?3, {_item(4)}, {_item(5)}) AS TEXT), {_item(3)},"
    f" CAST(substr(?3, {_item(6)}, {_item(7)}) AS TEXT) FROM json_each(?2)"
)


def _insert(db: sqlite3.Connection, batch: Batch) -> None:
    """Insert one batch and index its passages' text (inside the caller's transaction).

    Every statement but the concepts' is one ``INSERT ... SELECT FROM json_each(?)``,
    so SQLite unpacks, writes and tokenizes a whole batch with the GIL released: row
    by row (``executemany``), the writing thread bound each row in Python and took the
    GIL back after each row's step, time the parsing thread could not run.  Concept
    rows stay bound by ``executemany`` (1,000 a batch), last: ``stale_after`` is a
    float, and a float through JSON text is one more conversion that need not
    round-trip to the same double.
    """
    db.execute(_TAGS_SQL, (batch.tags_json,))
    db.execute(_LINKS_SQL, (batch.links_json,))
    (last,) = db.execute("SELECT coalesce(max(rowid), 0) FROM passages").fetchone()
    db.execute(_PASSAGES_SQL, (last, batch.passages_json, batch.packed))
    db.execute(
        "INSERT INTO passages_fts(rowid, text) SELECT ? + key + 1, value FROM json_each(?)",
        (last, batch.fts_json),
    )
    # Last: the statements above run while the parsing thread holds the GIL; these rows
    # need it for each bind, which is cheapest once the parser waits for this batch.
    db.executemany(
        "INSERT OR REPLACE INTO concepts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch.concepts
    )


def _unindex(db: sqlite3.Connection, ids: Sequence[str]) -> None:
    """Remove the passages of concepts ``ids`` from the FTS index.

    An external-content FTS5 row is deleted by handing back the text it indexed.
    """
    rows = db.execute(
        f"SELECT rowid, text FROM passages WHERE id IN ({placeholders(len(ids))})", list(ids)
    ).fetchall()
    db.executemany(
        "INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', ?, ?)",
        [(rowid, indexed_text(text)) for rowid, text in rows],
    )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Connections(threading.local):
    """Each thread's connection to the current generation file."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.db: sqlite3.Connection | None = None

    def drop(self) -> None:
        if self.db is not None:
            self.db.close()
        self.path = self.db = None


class SearchIndex:
    """The search index of one tenant; safe to share between threads of one process."""

    def __init__(self, ctx: TenantContext) -> None:
        self.ctx = ctx
        self._lock = threading.RLock()
        self._path: Path | None = None
        self._local = _Connections()
        self._meta: IndexMeta | None = None
        self._seen_head: str | None = None
        #: True once this process compared every file with the index.
        self._checked_files = False
        #: (inode, mtime, size) of meta.json when this handle last read or wrote it.
        self._seen_meta: tuple[int, int, int] | None = None
        #: The vector matrix of the semantic extra, loaded once per vector state.
        self._vectors: Any = None

    @property
    def dir(self) -> Path:
        """``.dossier/index``, confined to the tenant each time it is used.

        Checked at use, not once: a ``.dossier`` (or ``index``) swapped for a symlink
        into another tenant would otherwise receive this tenant's index.
        """
        return self.ctx.cache_path("index")

    def _write_lock(self) -> AbstractContextManager[None]:
        return write_lock(self.ctx.cache_path(LOCK_NAME))

    # -- opening ----------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        """This thread's connection to the current generation (opened on first use)."""
        path = self._path
        if path is None:
            raise IndexUnavailableError("the search index is not open")
        local = self._local
        if local.db is None or local.path != path:
            local.drop()
            local.db = connect(path)
            local.path = path
        return local.db

    def _open(self, meta: IndexMeta) -> None:
        """Point at the generation named by ``meta`` (raises when it is unreadable)."""
        path = generation_file(self.dir, meta.table)
        if not path.is_file():
            raise IndexUnavailableError(f"{path.name} is missing")
        self._path = path
        self._meta = meta
        # Reads the schema: a file that is not a database, or not this schema, fails.
        self._db().execute("SELECT id FROM concepts LIMIT 1").fetchall()

    def close(self) -> None:
        """Drop this thread's connection (a later call reopens it)."""
        with self._lock:
            self._local.drop()
            self._path = self._meta = None

    # -- keeping current --------------------------------------------------------------

    def _meta_stamp(self) -> tuple[int, int, int] | None:
        try:
            stat = (self.dir / META_NAME).stat()
        except OSError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _is_current(self, head: str | None) -> bool:
        return (
            self._path is not None
            and self._checked_files
            and head == self._seen_head
            and self._meta_stamp() == self._seen_meta
        )

    def ensure_current(self) -> None:
        """Bring the index up to date with the bundle; cheap when nothing changed.

        The no-change path reads ``.git/HEAD`` and its ref file and stats
        ``meta.json`` (which moves when another process refreshed the index); it
        spawns no process and reads nothing of the index.
        """
        head = read_head(self.ctx)
        if self._is_current(head):
            return
        with self._lock:
            if self._is_current(head):
                return
            self.sync(full=not self._checked_files)

    def sync(self, *, full: bool = False) -> IndexReport:
        """Apply bundle changes since the last sync; ``full`` compares every file.

        Opens (or rebuilds) the index as needed, so it is also how a missing or
        corrupt index gets repaired.
        """
        started = time.perf_counter()
        with self._lock, self._write_lock():
            head = read_head(self.ctx)
            meta = load_meta(self.dir)
            if meta is None:
                return self._rebuild_locked(started, reason="no usable index metadata")
            try:
                self._open(meta)
            except Exception as exc:  # any failure to open means the cache is unusable
                return self._rebuild_locked(started, reason=f"index unreadable ({exc})")
            candidates: set[str] | None = None
            if not full and meta.head != head and meta.head is not None and head is not None:
                changes = bundle_changes(self.ctx, meta.head, head)
                if changes is not None:
                    candidates = changes.changed | changes.removed
            if not full and meta.head == head:
                candidates = set()
            try:
                upserted, removed, skipped, changed = self._apply_locked(meta, candidates)
            except Exception as exc:
                return self._rebuild_locked(started, reason=f"index update failed ({exc})")
            if changed or meta.head != head:
                meta.head = head
                save_meta(self.dir, meta)
            self._seen_meta = self._meta_stamp()
            self._seen_head = head
            self._checked_files = True
            return IndexReport(
                concepts=meta.indexed_count(),
                upserted=upserted,
                removed=removed,
                skipped=skipped,
                rebuilt=False,
                head=head,
                seconds=round(time.perf_counter() - started, 4),
            )

    def refresh(self, changed_ids: Iterable[str], removed_ids: Iterable[str]) -> IndexReport:
        """Re-read the named concepts now, ahead of the commit that the next sync diffs.

        HEAD is not advanced here: the next sync still diffs from the last synced
        commit, finds these files unchanged by hash, and skips them.
        """
        started = time.perf_counter()
        ids = set(changed_ids) | set(removed_ids)
        with self._lock, self._write_lock():
            meta = load_meta(self.dir)
            if meta is None:
                return self._rebuild_locked(started, reason="no usable index metadata")
            try:
                self._open(meta)
                upserted, removed, skipped, changed = self._apply_locked(meta, ids)
            except Exception as exc:
                return self._rebuild_locked(started, reason=f"index update failed ({exc})")
            if changed:
                save_meta(self.dir, meta)
                if self._seen_meta is not None:
                    self._seen_meta = self._meta_stamp()
            return IndexReport(
                concepts=meta.indexed_count(),
                upserted=upserted,
                removed=removed,
                skipped=skipped,
                rebuilt=False,
                head=meta.head,
                seconds=round(time.perf_counter() - started, 4),
            )

    def rebuild(self) -> IndexReport:
        """Build the index from scratch from the bundle."""
        started = time.perf_counter()
        with self._lock, self._write_lock():
            return self._rebuild_locked(started, reason=None)

    # -- internals: change detection --------------------------------------------------

    def _disk_state(self, concept_id: str) -> tuple[Path, os.stat_result] | None:
        """Path and stat of a concept file that may be indexed, or None.

        Uses the bundle's own id rules (no hidden segments, symlinks only within the
        bundle), so nothing outside the bundle is ever read into the index.
        """
        try:
            validate_concept_id(concept_id)
            path = path_for(self.ctx.bundle_dir, concept_id)
            # The bundle walk never enters hidden or symlinked directories; match it.
            parent = self.ctx.bundle_dir
            for part in concept_id.split("/")[:-1]:
                parent = parent / part
                if parent.is_symlink():
                    return None
            stat = path.stat()
        except (InvalidConceptIdError, OSError):
            return None
        if not path.is_file():
            return None
        return path, stat

    def _apply_locked(
        self, meta: IndexMeta, candidates: set[str] | None
    ) -> tuple[int, int, list[str], bool]:
        """Upsert changed and delete removed concepts; ``None`` candidates = compare all.

        Returns (upserted, removed, skipped, whether ``meta`` changed).
        """
        on_disk: dict[str, tuple[str | Path, os.stat_result]] = {}
        if candidates is None:
            for concept_id, name in concept_files(self.ctx.bundle_dir):
                try:
                    on_disk[concept_id] = (name, os.stat(name))
                except OSError:
                    continue
            gone = set(meta.files) - set(on_disk)
        else:
            gone = set()
            for concept_id in candidates:
                state = self._disk_state(concept_id)
                if state is None:
                    if concept_id in meta.files:
                        gone.add(concept_id)
                else:
                    on_disk[concept_id] = state
        rows: list[ConceptRow] = []
        skipped: list[str] = []
        drop: set[str] = set()
        changed = bool(gone)
        for concept_id, (path, stat) in sorted(on_disk.items()):
            known = meta.files.get(concept_id)
            stamp_now = (stat.st_mtime_ns, stat.st_size)
            if known is not None and (known.mtime_ns, known.size) == stamp_now:
                continue
            row, stamp = self._read_row(concept_id, Path(path), stat, known)
            if stamp is None:
                continue  # unreadable right now: leave the entry as it was
            changed = True
            if row is None and stamp.error is None:
                meta.files[concept_id] = stamp  # same bytes, new stamp
                continue
            meta.files[concept_id] = stamp
            if row is None:
                skipped.append(f"{concept_id}: {stamp.error}")
                if known is not None and known.error is None:
                    drop.add(concept_id)
            else:
                rows.append(row)
        for concept_id in gone:
            stamp = meta.files.pop(concept_id, None)
            if stamp is not None and stamp.error is None:
                drop.add(concept_id)
        self._write_rows(meta, rows, drop)
        return len(rows), len(drop - {r.id for r in rows}), skipped, changed

    def _read_row(
        self, concept_id: str, path: Path, stat: os.stat_result, known: FileStamp | None
    ) -> tuple[ConceptRow | None, FileStamp | None]:
        # Imported here: parsing (YAML, the OKF model) is needed only when a file changed,
        # and every `dossier search` is a fresh process whose sync usually finds none.
        from dossier.serve.reading import read_row

        return read_row(concept_id, path, stat, known)

    def _write_rows(self, meta: IndexMeta, rows: list[ConceptRow], drop: set[str]) -> None:
        """Upsert concept rows, replace all passages of changed concepts, delete dropped ones.

        One transaction: a reader sees the index before or after, never half of it.
        Passages are replaced wholesale per concept (delete by concept id, then add):
        a changed concept may have more or fewer passages than before.
        """
        touched = sorted(drop | {row.id for row in rows})
        if not touched:
            return
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            for ids in chunks(touched, 500):
                marks = placeholders(len(ids))
                _unindex(db, ids)
                db.execute(f"DELETE FROM passages WHERE id IN ({marks})", ids)
                db.execute(f"DELETE FROM concept_tags WHERE id IN ({marks})", ids)
                db.execute(f"DELETE FROM links WHERE source IN ({marks})", ids)
                db.execute(f"DELETE FROM concepts WHERE id IN ({marks})", ids)
            for batch in chunks(rows, BUILD_BATCH):
                _insert(db, _params(batch))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # -- internals: rebuild -----------------------------------------------------------

    def _rebuild_locked(self, started: float, reason: str | None) -> IndexReport:
        """Write a fresh generation file from every concept file, then switch to it."""
        if reason is not None:
            if (self.dir / META_NAME).exists() or any(self.dir.glob("*.sqlite")):
                log.warning("rebuilding the search index of %s: %s", self.ctx.client_id, reason)
            else:
                log.info("building the search index of %s", self.ctx.client_id)
        head = read_head(self.ctx)  # before the walk: later commits get diffed next sync
        old = load_meta(self.dir)
        self._local.drop()
        self._path = self._meta = None
        if reason is not None and old is None:
            # Nothing trustworthy is left: start from an empty directory.
            shutil.rmtree(self.dir, ignore_errors=True)
        name = f"index_{uuid.uuid4().hex[:12]}"
        meta = IndexMeta(table=name, head=head)
        keep = {name}
        if old is not None and old.vectors is not None:
            # Vectors are keyed by content hash, so they stay valid across a rebuild
            # (re-embedding a large bundle takes minutes).
            meta.vectors = old.vectors
            keep.add(old.vectors.table)
        skipped: list[str] = []
        path = generation_file(self.dir, name)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            count = self._write_generation(path, meta, skipped)
        except Exception as exc:  # disk full, permissions, a SQLite failure
            for suffix in _COMPANIONS:
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            raise IndexUnavailableError(
                f"cannot build the search index of {self.ctx.client_id} in {self.dir}: {exc}"
            ) from exc
        save_meta(self.dir, meta)
        self._path = path
        self._meta = meta
        self._seen_meta = self._meta_stamp()
        self._seen_head = head
        self._checked_files = True
        self._drop_other_files(keep=keep)
        return IndexReport(
            concepts=count,
            upserted=count,
            removed=0,
            skipped=skipped,
            rebuilt=True,
            head=head,
            seconds=round(time.perf_counter() - started, 4),
        )

    def _write_generation(self, path: Path, meta: IndexMeta, skipped: list[str]) -> int:
        """Parse every concept file into ``path`` (a new file nobody reads yet); the count.

        No journal and no fsync while the file is written (it is not in use until
        ``meta.json`` names it, and a crash leaves only an orphan that the next rebuild
        deletes); one fsync at the end, then WAL mode for the readers and writers
        to come.  Batches are written by a worker thread while the next is parsed:
        SQLite releases the GIL while it tokenizes and writes.
        """
        from dossier.serve.reading import read_rows

        db = connect(path, create=True)
        try:
            db.executescript(
                "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;"
                + SCHEMA
            )
            configure_fts(db, FTS_BUILD_SETTINGS)
            db.execute("BEGIN")
            batch: list[ConceptRow] = []
            count = 0
            items = [(cid, Path(name)) for cid, name in concept_files(self.ctx.bundle_dir)]
            with BackgroundWriter() as writer:
                for concept_id, row, stamp in read_rows(items):
                    if stamp is None:
                        continue
                    meta.files[concept_id] = stamp
                    if row is None:
                        skipped.append(f"{concept_id}: {stamp.error}")
                        continue
                    batch.append(row)
                    if len(batch) >= BUILD_BATCH:
                        writer.submit(_insert, db, _params(batch))
                        count += len(batch)
                        batch = []
                if batch:
                    writer.submit(_insert, db, _params(batch))
                    count += len(batch)
            db.execute("COMMIT")
            db.execute("INSERT INTO passages_fts(passages_fts) VALUES ('optimize')")
            configure_fts(db, FTS_DEFAULT_SETTINGS)
            db.execute("PRAGMA journal_mode=WAL").fetchall()
        finally:
            db.close()
        _fsync(path)
        return count

    def _drop_other_files(self, keep: set[str]) -> None:
        """Delete earlier generations (no reader can switch back to them).

        A reader in another process that still has one open keeps reading it (the
        file lives on until it is closed) and moves to the new one on its next query.
        Directories of the engine used before (``*.lance``) go too.
        """
        for entry in self.dir.iterdir():
            if entry.name.endswith(".lance") and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
                continue
            base = entry.name
            for suffix in _COMPANIONS[1:]:
                base = base.removesuffix(suffix)
            if base.endswith(".sqlite") and base[: -len(".sqlite")] not in keep:
                entry.unlink(missing_ok=True)

    # -- reading ----------------------------------------------------------------------

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(db)`` on a current index; a failure reopens, then rebuilds.

        ``db`` is this thread's connection to the current generation.  A read can
        fail because the files are damaged (a rebuild fixes it).  It can also fail
        because of what it asked: then the index is healthy, and rebuilding it would
        cost seconds and change nothing.  So before rebuilding, :meth:`_healthy`
        probes the file; a healthy index turns the failure into a
        :class:`QueryFailedError` and leaves the index alone.
        """
        self.ensure_current()
        try:
            return fn(self._db())
        except Exception as first:
            log.warning("search index read failed (%s); reopening", first)
        with self._lock:
            meta = load_meta(self.dir)
            try:
                if meta is None:
                    raise IndexUnavailableError("index metadata missing")
                self._local.drop()
                self._path = None  # an _open that fails leaves nothing for the probe to pass
                self._open(meta)
                return fn(self._db())
            except Exception as second:
                if meta is not None and self._healthy():
                    raise QueryFailedError(
                        f"the search engine could not run this request ({second}); "
                        "the index is intact"
                    ) from None
                log.warning("search index still unreadable (%s); rebuilding", second)
            self.rebuild()
            return fn(self._db())

    def _healthy(self) -> bool:
        """True when the open file passes SQLite's structural check and answers a search.

        ``PRAGMA quick_check`` reads every page of every table and index (the FTS
        index's shadow tables included), so damaged files fail here just as they fail
        a search; the probe query exercises the full-text index itself.
        """
        try:
            db = self._db()
            if db.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
                return False
            db.execute("SELECT count(*) FROM concepts").fetchall()
            db.execute("SELECT count(*) FROM passages").fetchall()
            db.execute(
                "SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? LIMIT 1", ('"probe"',)
            ).fetchall()
        except Exception:
            return False
        return True

    def meta(self) -> IndexMeta:
        """The index state after :meth:`ensure_current`."""
        self.ensure_current()
        assert self._meta is not None
        return self._meta

    def rows_by_id(self, ids: Sequence[str], columns: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Summary columns of the given concepts (absent ids are left out)."""
        if not ids:
            return {}
        unknown = set(columns) - set(SUMMARY_COLUMNS)
        if unknown:
            raise ValueError(f"not a concept column: {sorted(unknown)}")
        cols = list(dict.fromkeys(["id", *columns]))

        def run(db: sqlite3.Connection) -> dict[str, dict[str, Any]]:
            found: dict[str, dict[str, Any]] = {}
            for batch in chunks(list(ids), 500):
                rows = db.execute(
                    f"SELECT {', '.join(cols)} FROM concepts"
                    f" WHERE id IN ({placeholders(len(batch))})",
                    list(batch),
                )
                for values in rows:
                    row = dict(zip(cols, values, strict=True))
                    if "tags" in row:
                        row["tags"] = json.loads(row["tags"])
                    found[row["id"]] = row
            return found

        return self.read(run)

    def passages_by_pid(self, pids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """:data:`PASSAGE_FIELDS` of the given passages (absent pids are left out)."""
        if not pids:
            return {}

        def run(db: sqlite3.Connection) -> dict[str, dict[str, Any]]:
            found: dict[str, dict[str, Any]] = {}
            for batch in chunks(list(pids), 500):
                rows = db.execute(
                    "SELECT pid, id, text, display FROM passages"
                    f" WHERE pid IN ({placeholders(len(batch))})",
                    list(batch),
                )
                for pid, cid, text, display in rows:
                    found[pid] = unpack({"pid": pid, "id": cid, "text": text, "display": display})
            return found

        return self.read(run)

    def backlink_sources(self, concept_id: str) -> list[str]:
        """Ids of concepts whose body links to ``concept_id``, sorted."""

        def run(db: sqlite3.Connection) -> list[str]:
            rows = db.execute("SELECT source FROM links WHERE target = ?", (concept_id,))
            return sorted(str(source) for (source,) in rows)

        return self.read(run)

    def any_match(self, where: Filter) -> bool:
        """True when at least one concept matches ``where`` (reads one id at most)."""
        condition, params = where.sql()

        def run(db: sqlite3.Connection) -> bool:
            query = f"SELECT 1 FROM concepts WHERE {condition} LIMIT 1"
            return db.execute(query, params).fetchone() is not None

        return self.read(run)

    def ids(self, where: Filter | None) -> list[str]:
        """Ids of the concepts matching ``where`` (all when None), sorted."""
        condition, params = where.sql() if where is not None else ("1", [])

        def run(db: sqlite3.Connection) -> list[str]:
            rows = db.execute(f"SELECT id FROM concepts WHERE {condition}", params)
            return sorted(str(cid) for (cid,) in rows)

        return self.read(run)

    def labels(self) -> list[tuple[str, list[str]]]:
        """Every concept's type and tags (one scan: the vocabulary counts them)."""

        def run(db: sqlite3.Connection) -> list[tuple[str, list[str]]]:
            rows = db.execute("SELECT type, tags FROM concepts")
            return [(str(kind), list(json.loads(tags))) for kind, tags in rows]

        return self.read(run)

    def fts(self, query: str, limit: int, where: Filter | None) -> list[dict[str, Any]]:
        """BM25-ranked passages (:data:`PASSAGE_FIELDS` and ``_score``), best first.

        The query reaches FTS5 as its words, each quoted, OR-ed
        (:func:`~dossier.serve.fts_query.match_expression`), never as written:
        quotes, ``AND``/``OR``/``NOT``, ``NEAR(``, ``col:``, ``*`` and the like are
        plain text here.  ``_score`` is BM25 (higher is better).
        """
        expression = match_expression(query)
        if expression is None:
            self.ensure_current()
            return []
        if where is None:
            sql, params = _FTS_UNFILTERED, [expression, limit]
        else:
            condition, values = where.sql("p.id")
            sql = _FTS_FILTERED.format(condition=condition)
            params = [expression, *values, limit]

        def run(db: sqlite3.Connection) -> list[dict[str, Any]]:
            return [
                unpack({"pid": pid, "id": cid, "text": text, "display": display, "_score": score})
                for pid, cid, text, display, score in db.execute(sql, params)
            ]

        return self.read(run)

    # -- vectors (semantic extra) ------------------------------------------------------

    def vector_search(
        self, embedder: Any, query: str, limit: int, where: Filter | None
    ) -> list[tuple[str, float]]:
        """(passage pid, cosine similarity) nearest to the query's embedding, best first."""
        from dossier.serve.vectors import nearest

        self.ensure_current()
        allowed = set(self.ids(where)) if where is not None else None
        vector = embedder.embed([query])[0]
        for attempt in (1, 2):
            try:
                with self._lock:
                    matrix = self._sync_vectors(embedder, reset=attempt == 2)[0]
                return nearest(matrix, vector, limit, allowed)
            except Exception as exc:  # damaged vector store: embed again from scratch
                if attempt == 2:
                    raise IndexUnavailableError(f"vector index unreadable: {exc}") from exc
                log.warning("vector store unreadable (%s); re-embedding", exc)
        return []

    def sync_vectors(self, embedder: Any) -> int:
        """Embed every concept whose content changed since its vector was made; the count."""
        self.ensure_current()
        with self._lock:
            try:
                _, embedded = self._sync_vectors(embedder)
            except IndexUnavailableError as exc:
                # a vector store refused (a link to another tenant's, say) is discarded
                # and made again, as a search does; a second refusal is the user's error
                log.warning("vector store unusable (%s); re-embedding", exc)
                _, embedded = self._sync_vectors(embedder, reset=True)
        return embedded

    def _sync_vectors(self, embedder: Any, reset: bool = False) -> tuple[Any, int]:
        """(vector matrix, concepts embedded now) after embedding changed concepts."""
        from dossier.serve.vectors import load_matrix, sync_vectors

        with self._write_lock():
            # The meta this handle read or wrote, unless another process has written
            # one since (parsing meta.json again costs ≈ 40 ms at 10,000 concepts).
            current = self._meta is not None and self._meta_stamp() == self._seen_meta
            meta = self._meta if current else load_meta(self.dir) or self._meta
            assert meta is not None
            embedded, changed = sync_vectors(self._db(), meta, self.dir, embedder, reset)
            if changed:
                save_meta(self.dir, meta)
                self._seen_meta = self._meta_stamp()
            self._meta = meta
            assert meta.vectors is not None
            self._vectors = load_matrix(self.dir, meta.vectors, self._vectors)
            return self._vectors, embedded
