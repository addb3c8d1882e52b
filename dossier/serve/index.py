"""A tenant's search index: a LanceDB table in ``.dossier/index``, kept in step with the bundle.

The index is a replaceable cache of the bundle (the bundle and its git history are
the system of record), so every failure to read it ends in a rebuild, never in an
error for the user.  Keeping it current is cheap by design:

* Before each query :meth:`SearchIndex.ensure_current` reads the tenant's git HEAD
  (two small file reads, no ``git`` process).  Unchanged HEAD: nothing else happens.
* When HEAD moved, ``git diff --name-status old new -- bundle/`` names the concept
  files to look at; each is hashed and only changed ones are re-parsed and upserted
  (``merge_insert`` on ``id``), deleted ones removed.
* The first sync of a process, ``dossier index``, and a git history that cannot be
  diffed compare every file's stat stamp instead (hashing only files whose stamp
  moved), which also catches edits not yet committed.
* :meth:`SearchIndex.refresh` lets a writer push ids it just wrote, before they are
  committed (the loop does not need it: the sync after its commit picks them up).

Writers (sync, refresh, rebuild) serialise on a lock file so a server and a loop
in two processes never interleave writes; readers never wait.  A rebuild writes a
new table generation and switches ``meta.json`` to it atomically, so a reader in
another process keeps a consistent view until it reopens.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from dossier.okf import Bundle, InvalidConceptIdError, validate_concept_id
from dossier.okf.walk import walk_bundle
from dossier.serve.build_writer import BackgroundWriter
from dossier.serve.display import DISPLAY_COLUMN, DISPLAY_FIELDS, pack, pack_concept, unpack
from dossier.serve.errors import IndexUnavailableError, QueryFailedError
from dossier.serve.gitstate import bundle_changes, read_head
from dossier.serve.index_meta import (
    META_NAME,
    FileStamp,
    IndexMeta,
    load_meta,
    save_meta,
)
from dossier.serve.lance import (
    chunks,
    concept_schema,
    in_clause,
    lancedb_module,
    match_query,
    passage_schema,
    sql_str,
    write_lock,
)
from dossier.serve.models import IndexReport
from dossier.serve.reading import read_row, read_rows
from dossier.serve.records import ConceptRow
from dossier.tenancy import TenantContext

log = logging.getLogger("dossier.serve.index")

T = TypeVar("T")

#: Rows written per LanceDB batch during a rebuild (bounds peak memory).
BUILD_BATCH = 2000
#: Compact and fold new rows into the FTS index after this many write operations.
OPTIMIZE_AFTER_WRITES = 20
#: Versions older than this are pruned by optimize; a reader pinned to an older one
#: fails once, reopens at the latest version and retries.
PRUNE_OLDER_THAN = timedelta(minutes=10)
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
#: Passage columns a search selects (each selected column costs a search time);
#: ``display`` is unpacked into the fields it packs, so a returned row carries
#: :data:`PASSAGE_FIELDS`.
PASSAGE_COLUMNS = ["pid", "id", "text", DISPLAY_COLUMN]
#: The fields of a passage row as callers see it (``text`` from ``text_offset`` is the
#: snippet).
PASSAGE_FIELDS = [c for c in PASSAGE_COLUMNS if c != DISPLAY_COLUMN] + list(DISPLAY_FIELDS)


def _arrow(rows: Sequence[ConceptRow]) -> Any:
    """Rows as an Arrow table, built column by column (twice as fast as from_pylist)."""
    import pyarrow as pa

    schema = concept_schema()
    return pa.table({f.name: [getattr(r, f.name) for r in rows] for f in schema}, schema=schema)


def _passage_arrow(rows: Sequence[ConceptRow]) -> Any:
    """The passages of ``rows`` as one Arrow table (display fields packed into one column)."""
    import pyarrow as pa

    schema = passage_schema()
    items = [p for r in rows for p in r.passages]
    columns = {
        f.name: [getattr(p, f.name) for p in items] for f in schema if f.name != DISPLAY_COLUMN
    }
    columns[DISPLAY_COLUMN] = [
        pack(p, concept) for r in rows for concept in (pack_concept(r),) for p in r.passages
    ]
    return pa.table(columns, schema=schema)


def _add(table: Any, passages: Any, rows: Any, passage_rows: Any) -> None:
    """Append one batch to both tables (run by a :class:`BackgroundWriter`)."""
    table.add(rows)
    passages.add(passage_rows)


def _query_rows(table: Any, where: str, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of ``table`` matching ``where``, in one round trip to LanceDB's event loop.

    The sync query builder makes several round trips per query (schema lookups);
    on the search path, where this runs once per search, the async table makes one.
    """
    inner = getattr(table, "_table", None)  # the AsyncTable the sync table wraps
    if inner is None or not hasattr(inner, "query"):
        return list(table.search().where(where).select(list(columns)).limit(None).to_list())
    from lancedb import background_loop

    loop: Any = background_loop.LOOP

    async def fetch() -> list[dict[str, Any]]:
        query = inner.query().where(where).select(list(columns))
        rows: list[dict[str, Any]] = await query.to_list()
        return rows

    result: list[dict[str, Any]] = loop.run(fetch())
    return result


class SearchIndex:
    """The search index of one tenant; safe to share between threads of one process."""

    def __init__(self, ctx: TenantContext) -> None:
        self.ctx = ctx
        self.bundle = Bundle(ctx.bundle_dir)
        self._lock = threading.RLock()
        self._db: Any = None
        self._table: Any = None
        self._passages: Any = None
        self._table_name: str | None = None
        self._meta: IndexMeta | None = None
        self._seen_head: str | None = None
        #: True once this process compared every file with the index.
        self._checked_files = False
        #: (inode, mtime, size) of meta.json when this handle last read or wrote it.
        self._seen_meta: tuple[int, int, int] | None = None

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

    def _connect(self) -> Any:
        if self._db is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._db = lancedb_module().connect(str(self.dir))
        return self._db

    def _open(self, meta: IndexMeta) -> Any:
        """The table named by ``meta`` at its latest version (raises when unreadable)."""
        if self._table is not None and self._table_name == meta.table:
            self._table.checkout_latest()
            self._passages.checkout_latest()
        else:
            self._table = self._connect().open_table(meta.table)
            self._passages = self._connect().open_table(meta.passage_table)
            self._table_name = meta.table
        self._meta = meta
        return self._table

    def close(self) -> None:
        """Drop the LanceDB handles (a later call reopens them)."""
        with self._lock:
            self._db = self._table = self._passages = self._table_name = self._meta = None

    # -- keeping current --------------------------------------------------------------

    def _meta_stamp(self) -> tuple[int, int, int] | None:
        try:
            stat = (self.dir / META_NAME).stat()
        except OSError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _is_current(self, head: str | None) -> bool:
        return (
            self._table is not None
            and self._checked_files
            and head == self._seen_head
            and self._meta_stamp() == self._seen_meta
        )

    def ensure_current(self) -> None:
        """Bring the index up to date with the bundle; cheap when nothing changed.

        The no-change path reads ``.git/HEAD`` and its ref file and stats
        ``meta.json`` (which moves when another process refreshed the index); it
        spawns no process and opens nothing in LanceDB.
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
            except Exception as exc:  # any LanceDB failure means the cache is unusable
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
            path = self.bundle.path_for(concept_id)
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
        if candidates is None:
            tree = walk_bundle(self.ctx.bundle_dir)
            on_disk: dict[str, tuple[Path, os.stat_result]] = {}
            for concept_id, path in tree.concepts.items():
                try:
                    on_disk[concept_id] = (path, path.stat())
                except OSError:
                    continue
            gone = set(meta.files) - set(on_disk)
        else:
            on_disk = {}
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
            row, stamp = self._read_row(concept_id, path, stat, known)
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
        return read_row(concept_id, path, stat, known)

    def _write_rows(self, meta: IndexMeta, rows: list[ConceptRow], drop: set[str]) -> None:
        """Upsert concept rows, replace all passages of changed concepts, delete dropped ones.

        Passages are replaced wholesale per concept (delete by concept id, then add):
        a changed concept may have more or fewer passages than before.
        """
        table, passages = self._table, self._passages
        drop = drop - {row.id for row in rows}
        writes = 0
        for ids in chunks(sorted(drop), 500):
            table.delete(in_clause(ids))
            writes += 1
        for ids in chunks(sorted(drop | {row.id for row in rows}), 500):
            passages.delete(in_clause(ids))
            writes += 1
        for batch in chunks(rows, BUILD_BATCH):
            data = _arrow(batch)
            (
                table.merge_insert("id")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute(data)
            )
            passages.add(_passage_arrow(batch))
            writes += 2
        if writes:
            meta.writes_since_optimize += writes
            if meta.writes_since_optimize >= OPTIMIZE_AFTER_WRITES:
                table.optimize(cleanup_older_than=PRUNE_OLDER_THAN)
                passages.optimize(cleanup_older_than=PRUNE_OLDER_THAN)
                meta.writes_since_optimize = 0

    # -- internals: rebuild -----------------------------------------------------------

    def _rebuild_locked(self, started: float, reason: str | None) -> IndexReport:
        """Write a fresh table generation from every concept file, then switch to it."""
        FTS = lancedb_module().index.FTS

        if reason is not None:
            if (self.dir / META_NAME).exists() or any(self.dir.glob("*.lance")):
                log.warning("rebuilding the search index of %s: %s", self.ctx.client_id, reason)
            else:
                log.info("building the search index of %s", self.ctx.client_id)
        head = read_head(self.ctx)  # before the walk: later commits get diffed next sync
        old = load_meta(self.dir)
        self._db = self._table = self._passages = self._table_name = self._meta = None
        if reason is not None and old is None:
            # Nothing trustworthy is left: start from an empty directory.
            shutil.rmtree(self.dir, ignore_errors=True)
        name = f"concepts_{uuid.uuid4().hex[:12]}"
        meta = IndexMeta(table=name, head=head)
        keep = {name, meta.passage_table}
        if old is not None and old.vectors is not None:
            # Vectors are keyed by content hash, so they stay valid across a rebuild
            # (re-embedding a large bundle takes minutes).
            meta.vectors = old.vectors
            keep.add(old.vectors.table)
        skipped: list[str] = []
        try:
            db = self._connect()
            table = db.create_table(name, schema=concept_schema(), mode="overwrite")
            passages = db.create_table(
                meta.passage_table, schema=passage_schema(), mode="overwrite"
            )
            batch: list[ConceptRow] = []
            count = 0
            items = list(walk_bundle(self.ctx.bundle_dir).concepts.items())
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
                        writer.submit(_add, table, passages, _arrow(batch), _passage_arrow(batch))
                        count += len(batch)
                        batch = []
                if batch:
                    writer.submit(_add, table, passages, _arrow(batch), _passage_arrow(batch))
                    count += len(batch)
            passages.create_index(
                "text", config=FTS(with_position=False, num_workers=os.cpu_count() or 1)
            )
        except Exception as exc:  # disk full, permissions, a LanceDB failure
            raise IndexUnavailableError(
                f"cannot build the search index of {self.ctx.client_id} in {self.dir}: {exc}"
            ) from exc
        save_meta(self.dir, meta)
        self._table, self._passages, self._table_name = table, passages, name
        self._meta = meta
        self._seen_meta = self._meta_stamp()
        self._seen_head = head
        self._checked_files = True
        self._drop_other_tables(keep=keep)
        return IndexReport(
            concepts=count,
            upserted=count,
            removed=0,
            skipped=skipped,
            rebuilt=True,
            head=head,
            seconds=round(time.perf_counter() - started, 4),
        )

    def _drop_other_tables(self, keep: set[str]) -> None:
        """Delete table directories of earlier generations (no reader can switch back)."""
        for entry in self.dir.glob("*.lance"):
            if entry.name[: -len(".lance")] not in keep:
                shutil.rmtree(entry, ignore_errors=True)

    # -- reading ----------------------------------------------------------------------

    def read(self, fn: Callable[[Any], T], *, passages: bool = False) -> T:
        """Run ``fn(table)`` on a current index; a LanceDB failure reopens, then rebuilds.

        ``table`` is the concepts table, or with ``passages`` the passages table.  A
        reader can fail when another process pruned the version it had open (reopen
        fixes it) or when the files are damaged (rebuild fixes it).  It can also fail
        because of what it asked: then the index is healthy, and rebuilding it would
        cost seconds to minutes and change nothing.  So before rebuilding,
        :meth:`_healthy` probes both tables; a healthy index turns the failure into a
        :class:`QueryFailedError` and leaves the index alone.
        """

        def handle() -> Any:
            return self._passages if passages else self._table

        self.ensure_current()
        try:
            return fn(handle())
        except Exception as first:
            log.warning("search index read failed (%s); reopening", first)
        with self._lock:
            meta = load_meta(self.dir)
            try:
                if meta is None:
                    raise IndexUnavailableError("index metadata missing")
                self._table = None
                self._open(meta)
                return fn(handle())
            except Exception as second:
                if meta is not None and self._healthy():
                    raise QueryFailedError(
                        f"the search engine could not run this request ({second}); "
                        "the index is intact"
                    ) from None
                log.warning("search index still unreadable (%s); rebuilding", second)
            self.rebuild()
            return fn(handle())

    def _healthy(self) -> bool:
        """True when both open tables answer a full scan and passages a full-text query.

        Reads every data file's rows (``count_rows`` and a scan of ``id``) and the
        full-text index, so damaged files fail here just as they fail a search.
        """
        try:
            table, passages = self._table, self._passages
            if table is None or passages is None:
                return False
            for each in (table, passages):
                each.count_rows()
                each.search().select(["id"]).limit(None).to_arrow()
            probe = passages.search(match_query("probe"), query_type="fts")
            probe.select(["id"]).limit(1).to_list()
        except Exception:
            return False
        return True

    def meta(self) -> IndexMeta:
        """The index state after :meth:`ensure_current`."""
        self.ensure_current()
        assert self._meta is not None
        return self._meta

    def rows_by_id(self, ids: Sequence[str], columns: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Selected columns of the given concepts (absent ids are left out)."""
        if not ids:
            return {}
        cols = list(dict.fromkeys(["id", *columns]))

        def run(table: Any) -> dict[str, dict[str, Any]]:
            found: dict[str, dict[str, Any]] = {}
            for batch in chunks(list(ids), 500):
                rows = table.search().where(in_clause(batch)).select(cols).limit(len(batch))
                for row in rows.to_list():
                    found[row["id"]] = row
            return found

        return self.read(run)

    def passages_by_pid(self, pids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """:data:`PASSAGE_FIELDS` of the given passages (absent pids are left out)."""
        if not pids:
            return {}

        def run(table: Any) -> dict[str, dict[str, Any]]:
            found: dict[str, dict[str, Any]] = {}
            for batch in chunks(list(pids), 500):
                clause = "pid IN (" + ", ".join(sql_str(p) for p in batch) + ")"
                for row in _query_rows(table, clause, PASSAGE_COLUMNS):
                    found[row["pid"]] = unpack(row)
            return found

        return self.read(run, passages=True)

    def backlink_sources(self, concept_id: str) -> list[str]:
        """Ids of concepts whose body links to ``concept_id``, sorted."""

        def run(table: Any) -> list[str]:
            rows = (
                table.search()
                .where(f"array_has(links, {sql_str(concept_id)})")
                .select(["id"])
                .limit(None)
                .to_list()
            )
            return sorted(str(row["id"]) for row in rows)

        return self.read(run)

    def any_match(self, where: str) -> bool:
        """True when at least one concept matches ``where`` (reads one id at most)."""

        def run(table: Any) -> bool:
            return bool(table.search().select(["id"]).where(where).limit(1).to_arrow().num_rows)

        return self.read(run)

    def ids(self, where: str | None) -> list[str]:
        """Ids of the concepts matching ``where`` (all when None), sorted."""

        def run(table: Any) -> list[str]:
            query = table.search().select(["id"]).limit(None)
            if where:
                query = query.where(where)
            return sorted(str(v) for v in query.to_arrow().column("id").to_pylist())

        return self.read(run)

    def fts(self, query: str, limit: int, where: str | None) -> list[dict[str, Any]]:
        """BM25-ranked passages (:data:`PASSAGE_FIELDS` and ``_score``), best first.

        The query goes to LanceDB as a ``MatchQuery`` (its words, OR-ed), never as a
        string: a string is parsed by LanceDB, and a quoted phrase then needs token
        positions this index does not keep, so ``"proof of delivery"`` failed.
        Quotes, ``AND``/``OR``/``NOT``, ``*``, ``:`` and the like are plain text here.
        """
        columns = [*PASSAGE_COLUMNS, "_score"]
        match = match_query(query)

        def run(table: Any) -> list[dict[str, Any]]:
            inner = getattr(table, "_table", None)  # the AsyncTable the sync table wraps
            if inner is not None and hasattr(inner, "query"):
                # The sync builder makes ~6 round trips to LanceDB's background event
                # loop per query (schema lookups); one async query makes one: ~2 ms
                # of a ~9 ms search at 10,000 concepts.
                from lancedb import background_loop

                loop: Any = background_loop.LOOP

                async def fetch() -> list[dict[str, Any]]:
                    builder = inner.query().nearest_to_text(match)
                    builder = builder.select(columns).limit(limit)
                    if where:
                        builder = builder.where(where)
                    rows: list[dict[str, Any]] = await builder.to_list()
                    return rows

                result: list[dict[str, Any]] = loop.run(fetch())
                return [unpack(row) for row in result]
            builder = table.search(match, query_type="fts").select(columns).limit(limit)
            if where:
                builder = builder.where(where, prefilter=True)
            return [unpack(row) for row in builder.to_list()]

        return self.read(run, passages=True)

    # -- vectors (semantic extra) ------------------------------------------------------

    def vector_search(
        self, embedder: Any, query: str, limit: int, where: str | None
    ) -> list[tuple[str, float]]:
        """(passage pid, cosine similarity) nearest to the query's embedding, best first."""
        self.ensure_current()
        vector = embedder.embed([query])[0]
        for attempt in (1, 2):
            try:
                with self._lock:
                    vtable, _ = self._sync_vectors(embedder, reset=attempt == 2)
                builder = vtable.search(vector).distance_type("cosine").select(["pid"])
                if where:
                    builder = builder.where(where, prefilter=True)
                rows = builder.limit(limit).to_list()
            except Exception as exc:  # damaged vector table: embed again from scratch
                if attempt == 2:
                    raise IndexUnavailableError(f"vector index unreadable: {exc}") from exc
                log.warning("vector table unreadable (%s); re-embedding", exc)
                continue
            return [(str(row["pid"]), 1.0 - float(row["_distance"])) for row in rows]
        return []

    def sync_vectors(self, embedder: Any) -> int:
        """Embed every concept whose content changed since its vector was made; the count."""
        self.ensure_current()
        with self._lock:
            _, embedded = self._sync_vectors(embedder)
        return embedded

    def _sync_vectors(self, embedder: Any, reset: bool = False) -> tuple[Any, int]:
        """(vector table, concepts embedded now) after embedding changed concepts."""
        from dossier.serve.vectors import sync_vectors

        with self._write_lock():
            meta = load_meta(self.dir) or self._meta
            assert meta is not None
            vtable, embedded, changed = sync_vectors(
                self._connect(), self._passages, meta, self.dir, embedder, reset
            )
            if changed:
                save_meta(self.dir, meta)
                self._seen_meta = self._meta_stamp()
            self._meta = meta
            return vtable, embedded
