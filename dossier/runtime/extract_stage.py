"""The extract stage: run the tenant's extractor over the current snapshots.

Per-source extraction is pure, so its result is cached in the tenant's
gitignored ``.dossier/extract/<extractor>/`` keyed by source id and text hash; a
re-run after ten documents changed re-extracts ten documents and re-assembles
from cached results for the rest.  A corrupt cache entry is recomputed, never
fatal (caches are replaceable).

The cache is one SQLite file rather than a file per source: creating a file
costs ~0.3 ms on the ext4 volumes this runs on, and a first iteration over 1,000
sources would spend more creating cache files than reading them back ever
saves.  It is written without fsync (``synchronous=OFF``): a killed process
loses nothing SQLite's journal cannot roll back, and a database a power cut
damaged is deleted and rebuilt.

An extractor may offer optional hooks, looked up by name so the deterministic one
needs none: ``prefetch(misses)`` (work on every uncached source at once — a model
extractor sends them concurrently or as one batch), ``encode_extraction`` /
``decode_extraction`` (its own cache codec, when its per-source result is not a
``SourceExtraction``), ``generated_by`` (the ``generated.by`` of its concepts) and
``usage_summary()`` (tokens and cost, copied into the run record).
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from dossier.extract import ExtractSettings, get_extractor, to_concept_document
from dossier.extract.model import ExtractionCacheError, SourceExtraction
from dossier.ingest import SourceDocument
from dossier.okf import ConceptDocument
from dossier.tenancy import Manifest, TenantContext

#: Placeholder ``generated.at`` for proposals; the bundle sync stamps the real one.
UNSTAMPED = "1970-01-01T00:00:00Z"
#: The per-source extraction cache, inside the extractor's cache directory.
STORE_NAME = "extractions.sqlite"


class ExtractionStore:
    """source id → (text hash, extraction JSON), one row per source, in SQLite.

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

    def get(self, source_id: str, text_sha256: str) -> str | None:
        """The cached JSON for this source at this text hash, or None."""
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT data FROM extractions WHERE source_id = ? AND text_sha256 = ?",
                (source_id, text_sha256),
            ).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else str(row[0])

    def put(self, source_id: str, text_sha256: str, data: str) -> None:
        """Remember a result; written in one transaction at :meth:`flush`."""
        self._pending.append((source_id, text_sha256, data))
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

    def __init__(self, ctx: TenantContext, extractor_name: str, manifest: Manifest) -> None:
        self.ctx = ctx
        self.extractor: Any = get_extractor(extractor_name)
        self.label = f"{self.extractor.name}/{self.extractor.version}"
        safe_label = self.label.replace("/", "-")
        self.cache_dir = ctx.confine(ctx.cache_dir / "extract" / safe_label)
        self.settings = ExtractSettings(
            entity_patterns=tuple(manifest.entity_patterns),
            cache_dir=str(self.cache_dir / "links"),
        )

    def propose(self, documents: Sequence[SourceDocument]) -> list[ConceptDocument]:
        """Concept documents for every proposal, stamped with a placeholder time."""
        ordered = sorted(documents, key=lambda d: d.source_id)
        _remove_legacy_cache(self.cache_dir)
        # Confined at use, file included: SQLite follows a symlinked store file, so a
        # link planted in .dossier/ would otherwise write this tenant's extractions
        # into another tenant's cache.
        self.ctx.confine(self.cache_dir / "links")
        with ExtractionStore(self.ctx.confine(self.cache_dir / STORE_NAME)) as store:
            cached = {doc.source_id: self._cached(doc, store) for doc in ordered}
            misses = [doc for doc in ordered if cached[doc.source_id] is None]
            prefetch = getattr(self.extractor, "prefetch", None)
            if misses and callable(prefetch):
                # an extractor that calls a service works on all misses at once
                # (concurrently, or as one batch) instead of source by source
                prefetch(misses)
            extractions = [
                hit if (hit := cached[doc.source_id]) is not None else self._extract(doc, store)
                for doc in ordered
            ]
            store.prune({doc.source_id for doc in ordered})
        proposals = self.extractor.assemble(extractions, self.settings)
        generated_by = getattr(self.extractor, "generated_by", None)
        return [to_concept_document(p, UNSTAMPED, generated_by=generated_by) for p in proposals]

    def usage(self) -> dict[str, Any] | None:
        """The extractor's usage summary (tokens, cost) when it keeps one."""
        summary = getattr(self.extractor, "usage_summary", None)
        return summary() if callable(summary) else None

    def _cached(self, doc: SourceDocument, store: ExtractionStore) -> Any:
        """The cached extraction of ``doc`` decoded by the extractor's codec, or None."""
        cached = store.get(doc.source_id, doc.text_sha256)
        if cached is None:
            return None
        decode = getattr(self.extractor, "decode_extraction", SourceExtraction.from_json)
        try:
            return decode(cached)
        except (ExtractionCacheError, ValueError):
            return None

    def _extract(self, doc: SourceDocument, store: ExtractionStore) -> Any:
        extraction = self.extractor.extract_source(doc)
        encode = getattr(self.extractor, "encode_extraction", None)
        store.put(doc.source_id, doc.text_sha256,
                  encode(extraction) if callable(encode) else extraction.to_json())
        return extraction

    def with_generated_at(self, doc: ConceptDocument, at: str) -> ConceptDocument:
        """A copy of ``doc`` whose ``generated.at`` is ``at``."""
        frontmatter = dict(doc.frontmatter)
        generated = dict(frontmatter.get("generated") or {})
        generated["at"] = at
        frontmatter["generated"] = generated
        return ConceptDocument(concept_id=doc.concept_id, frontmatter=frontmatter, body=doc.body)


def _remove_legacy_cache(cache_dir: Path) -> None:
    """Delete the file-per-source cache (``<2 hex>/<sha>.json``) earlier versions wrote."""
    if not cache_dir.is_dir():
        return
    for folder in cache_dir.iterdir():
        name = folder.name
        if len(name) == 2 and all(c in "0123456789abcdef" for c in name) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
