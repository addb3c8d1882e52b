"""The extract stage: run the tenant's extractor over the current snapshots.

Per-source extraction is pure, so its result is cached in the tenant's
gitignored ``.dossier/extract/<extractor>/`` keyed by source id, text hash and the
extractor's ``cache_key()`` (its version and configuration: a new prompt or model
re-extracts); a re-run after ten documents changed re-extracts ten documents and
re-assembles from cached results for the rest.  The runtime never reads a result:
the extractor encodes and decodes its own (:mod:`dossier.extract.seam`).  A corrupt
or stale cache entry is recomputed, never fatal (caches are replaceable).

An extractor's own DossierError passes through; anything else it raises is wrapped
as an :class:`~dossier.extract.seam.ExtractionError` naming the source, so the
iteration ends in a failed-run record with the tree put back.

The cache is one SQLite file rather than a file per source: creating a file
costs ~0.3 ms on the ext4 volumes this runs on, and a first iteration over 1,000
sources would spend more creating cache files than reading them back ever
saves.  It is written without fsync (``synchronous=OFF``): a killed process
loses nothing SQLite's journal cannot roll back, and a database a power cut
damaged is deleted and rebuilt.

Every extractor supplies its own cache codec (``encode``/``decode``), ``cache_key()`` and
``generated_by`` (dossier/extract/seam.py).  Three optional hooks are looked up by name, so
the deterministic extractor needs none: ``prefetch(misses)`` (work on every uncached
source at once — a model extractor sends them concurrently or as one batch),
``usage_summary()`` (tokens and cost, copied into the run record) and ``assembly_key()``
(what besides the per-source results changes ``assemble`` — Claude's adjudication —
folded into :attr:`ExtractionRunner.assembly_key`, the loop state's assembly part).
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from dossier.errors import DossierError
from dossier.extract import ExtractSettings, to_concept_document
from dossier.extract.seam import ExtractionError, Extractor
from dossier.ingest import SourceDocument
from dossier.okf import ConceptDocument
from dossier.tenancy import Manifest, TenantContext

#: Placeholder ``generated.at`` for proposals; the bundle sync stamps the real one.
UNSTAMPED = "1970-01-01T00:00:00Z"
#: The per-source extraction cache, inside the extractor's cache directory.
STORE_NAME = "extractions.sqlite"


class ExtractionStore:
    """source id → (key, encoded result), one row per source, in SQLite.

    The key column (named ``text_sha256`` for older stores) holds the source's content
    hash (its text, and its original-line map when it has one: footnotes cite those
    lines) and the extractor's cache-key digest.

    Every failure (a corrupt or unreadable database) degrades to "not cached":
    the store deletes the file and carries on in memory-less mode for this run.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[str, str, str]] = []

    def __enter__(self) -> ExtractionStore:
        self._db = self._open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None

    def _open(self) -> sqlite3.Connection | None:
        for _attempt in range(2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, isolation_level=None)
                db.execute("PRAGMA synchronous=OFF")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS extractions ("
                    "source_id TEXT PRIMARY KEY, text_sha256 TEXT NOT NULL, data TEXT NOT NULL)"
                )
                db.execute("SELECT count(*) FROM extractions").fetchone()
                return db
            except (sqlite3.Error, OSError):
                self._discard()
        return None

    def _discard(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                self.path.with_name(self.path.name + suffix).unlink()

    def get(self, source_id: str, key: str) -> str | None:
        """The cached text for this source at this key (text hash + extractor key), or None."""
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT data FROM extractions WHERE source_id = ? AND text_sha256 = ?",
                (source_id, key),
            ).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else str(row[0])

    def put(self, source_id: str, key: str, data: str) -> None:
        """Remember a result; written in one transaction at :meth:`flush`."""
        self._pending.append((source_id, key, data))
        if len(self._pending) >= 200:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        if self._db is None or not pending:
            return
        try:
            with self._db:  # one transaction
                self._db.execute("BEGIN")
                self._db.executemany(
                    "INSERT OR REPLACE INTO extractions (source_id, text_sha256, data) "
                    "VALUES (?, ?, ?)",
                    pending,
                )
        except sqlite3.Error:
            pass  # not cached; recomputed next time

    def prune(self, current: set[str]) -> None:
        """Drop rows of sources that are gone (each source keeps one row anyway)."""
        self.flush()
        if self._db is None:
            return
        try:
            stale = [
                (row[0],)
                for row in self._db.execute("SELECT source_id FROM extractions")
                if row[0] not in current
            ]
            if stale:
                with self._db:
                    self._db.execute("BEGIN")
                    self._db.executemany("DELETE FROM extractions WHERE source_id = ?", stale)
        except sqlite3.Error:
            pass


class ExtractionRunner:
    """One tenant's extractor, its settings and its per-source cache."""

    def __init__(self, ctx: TenantContext, extractor: Extractor, manifest: Manifest) -> None:
        self.ctx = ctx
        self.extractor = extractor
        self.label = f"{extractor.name}/{extractor.version}"
        safe_label = self.label.replace("/", "-")
        self.cache_dir = ctx.confine(ctx.cache_dir / "extract" / safe_label)
        #: Folded into every row key: a changed prompt, model or schema is a miss.
        self.key_digest = hashlib.sha256(extractor.cache_key().encode("utf-8")).hexdigest()[:16]
        self.settings = ExtractSettings(
            entity_patterns=tuple(manifest.entity_patterns),
            cache_dir=str(self.cache_dir / "links"),
        )
        hook = getattr(extractor, "assembly_key", None)
        assembly = [hook() if callable(hook) else "", *self.settings.entity_patterns]
        #: What shapes ``assemble`` besides the per-source results (the extractor's own
        #: assembly settings, the manifest's entity patterns), as a digest: the loop
        #: state keeps it, so changing it re-assembles (extractions come from the cache).
        self.assembly_key = hashlib.sha256(
            "\x00".join(assembly).encode("utf-8")).hexdigest()[:16]
        self.hits = 0
        self.misses = 0

    def propose(
        self,
        documents: Sequence[SourceDocument],
        on_count: Callable[[int, int], None] | None = None,
    ) -> list[ConceptDocument]:
        """Concept documents for every proposal, stamped with a placeholder time.

        ``on_count(done, total)`` hears of each source extracted or read from the cache.
        """
        ordered = sorted(documents, key=lambda d: d.source_id)
        _remove_legacy_cache(self.cache_dir)
        # Confined at use, file included: SQLite follows a symlinked store file, so a
        # link planted in .dossier/ would otherwise write this tenant's extractions
        # into another tenant's cache.
        self.ctx.confine(self.cache_dir / "links")
        with ExtractionStore(self.ctx.confine(self.cache_dir / STORE_NAME)) as store:
            hits = {doc.source_id: self._cached(doc, store) for doc in ordered}
            misses = [doc for doc in ordered if hits[doc.source_id] is None]
            prefetch = getattr(self.extractor, "prefetch", None)
            if misses and callable(prefetch):
                # an extractor that calls a service works on all misses at once
                # (concurrently, or as one batch) instead of source by source
                self._guard("prefetching the changed sources", prefetch, misses)
            results = []
            for done, doc in enumerate(ordered, 1):
                hit = hits[doc.source_id]
                results.append(hit if hit is not None else self._extract(doc, store))
                if on_count is not None:
                    on_count(done, len(ordered))
            store.prune({doc.source_id for doc in ordered})
        proposals = self._guard("assembling the proposals", self.extractor.assemble,
                                results, self.settings)
        generated_by = self.extractor.generated_by
        return [to_concept_document(p, UNSTAMPED, generated_by=generated_by) for p in proposals]

    def usage(self) -> dict[str, Any] | None:
        """The extractor's usage summary (tokens, cost) when it keeps one."""
        summary = getattr(self.extractor, "usage_summary", None)
        return summary() if callable(summary) else None

    def _cached(self, doc: SourceDocument, store: ExtractionStore) -> Any:
        """The cached result for ``doc``, decoded by the extractor's codec, or None."""
        cached = store.get(doc.source_id, f"{doc.content_sha256}:{self.key_digest}")
        if cached is None:
            return None
        try:
            result = self.extractor.decode(cached)
        except ValueError:  # ExtractionCacheError included: a stale or corrupt entry
            return None
        self.hits += 1
        return result

    def _extract(self, doc: SourceDocument, store: ExtractionStore) -> Any:
        self.misses += 1
        key = f"{doc.content_sha256}:{self.key_digest}"
        result = self._guard(f"source {doc.source_id!r}", self.extractor.extract_source, doc)
        store.put(doc.source_id, key, self._guard(f"encoding {doc.source_id!r}",
                                                   self.extractor.encode, result))
        return result

    def _guard(self, what: str, call: Any, *args: Any) -> Any:
        """Run an extractor call; a non-Dossier failure becomes an ExtractionError."""
        try:
            return call(*args)
        except DossierError:
            raise
        except Exception as exc:
            raise ExtractionError(
                f"extractor {self.label} failed on {what}: {type(exc).__name__}: {exc}"
            ) from exc

    def stats(self) -> dict[str, float]:
        """Cache figures for the run record."""
        return {"extract.cache_hits": self.hits, "extract.cache_misses": self.misses}


def _remove_legacy_cache(cache_dir: Path) -> None:
    """Delete the file-per-source cache (``<2 hex>/<sha>.json``) earlier versions wrote."""
    if not cache_dir.is_dir():
        return
    for folder in cache_dir.iterdir():
        name = folder.name
        if len(name) == 2 and all(c in "0123456789abcdef" for c in name) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
