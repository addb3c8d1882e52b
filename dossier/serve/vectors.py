"""The vectors of the semantic extra: embeddings kept in step by content hash, searched
by brute force.

Every passage is embedded (passage 0 is the title and description; body passages
carry the concept's title and heading path before their text), so a question that
matches one section of a long concept finds it.  The vectors live in a SQLite file of
their own (``vectors_<embedder>_<id>.sqlite``: float32 BLOBs), separate from the
index generations, because they are keyed by the content hash recorded in
``meta.json``: only concepts whose file changed are embedded again (all their
passages), and vectors survive a rebuild of the index.

Search is exact: one matrix product of the query against every passage vector
(numpy, which the extra brings).  At 10,000 concepts (~60,000 passages × 384
floats) that is a few milliseconds, and no approximate index has to be built or
kept in step.  The matrix itself is cached beside the store
(:mod:`dossier.serve.matrix_cache`) and mapped, because decoding it from SQLite cost
each fresh search process ≈ 0.5 s; the store's ``version`` (in ``meta.json``) ties
the two together.  Every access happens under the index's write lock, so the file
needs no WAL.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.serve import matrix_cache
from dossier.serve.embed import Embedder, passage_embedding_text
from dossier.serve.index_meta import IndexMeta, VectorState
from dossier.serve.sqlstore import chunks, connect, placeholders

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors(pid TEXT PRIMARY KEY, id TEXT NOT NULL, vector BLOB NOT NULL)
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vectors_id ON vectors(id);
"""
log = logging.getLogger("dossier.serve.index")

#: Concepts embedded per batch (each batch is committed with its hashes).
EMBED_BATCH = 64


def vector_file(index_dir: Path, state: VectorState) -> Path:
    return index_dir / f"{state.table}.sqlite"


def sync_vectors(
    index_db: Any, meta: IndexMeta, index_dir: Path, embedder: Embedder, reset: bool
) -> tuple[int, bool]:
    """(concepts embedded now, whether ``meta`` changed).

    ``reset`` (or a vector file gone missing) discards the vectors and embeds
    everything again.
    """
    state = meta.vectors
    created = False
    wanted = (embedder.name, embedder.dim)
    if (
        reset
        or state is None
        or (state.embedder, state.dim) != wanted
        or not vector_file(index_dir, state).is_file()
    ):
        if state is not None:
            vector_file(index_dir, state).unlink(missing_ok=True)
        name = f"vectors_{embedder.name}_{uuid.uuid4().hex[:8]}"
        state = VectorState(embedder=embedder.name, dim=embedder.dim, table=name)
        meta.vectors = state
        created = True
    versioned = bool(state.version)
    current = {cid: s.digest for cid, s in meta.files.items() if s.error is None}
    stale = sorted(cid for cid, dig in current.items() if state.hashes.get(cid) != dig)
    gone = sorted(set(state.hashes) - set(current))
    if stale or gone or created:
        # Opened only to write: a search of an unchanged store reads the cached matrix.
        _update_store(index_db, vector_file(index_dir, state), state, embedder,
                      current, stale, gone)
    if stale or gone or created or not versioned:
        # A new version for the new set of vectors: the cached matrix of the old one
        # no longer matches and is rebuilt.  (A meta without a version, written by
        # Dossier before the matrix cache, gets one here.)
        state.version = uuid.uuid4().hex
    return len(stale), bool(stale or gone or created or not versioned)


def _update_store(
    index_db: Any,
    path: Path,
    state: VectorState,
    embedder: Embedder,
    current: dict[str, str],
    stale: Sequence[str],
    gone: Sequence[str],
) -> None:
    """Delete the vectors of ``gone`` concepts and embed ``stale`` ones, batch by batch
    (each batch committed with its hashes in ``state``)."""
    import numpy as np

    vdb = connect(path, create=True)
    try:
        vdb.executescript(_SCHEMA)
        for batch in chunks(gone, 500):
            vdb.execute(f"DELETE FROM vectors WHERE id IN ({placeholders(len(batch))})", batch)
            for cid in batch:
                state.hashes.pop(cid, None)
        for batch in chunks(stale, EMBED_BATCH):
            rows = index_db.execute(
                "SELECT pid, id, ordinal, text, text_offset FROM passages"
                f" WHERE id IN ({placeholders(len(batch))})",
                list(batch),
            ).fetchall()
            vectors = (
                embedder.embed([passage_embedding_text(t, off, o) for _, _, o, t, off in rows])
                if rows
                else []
            )
            vdb.execute("BEGIN")
            vdb.execute(f"DELETE FROM vectors WHERE id IN ({placeholders(len(batch))})", batch)
            vdb.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [
                    (pid, cid, np.asarray(v, dtype=np.float32).tobytes())
                    for (pid, cid, *_), v in zip(rows, vectors, strict=True)
                ],
            )
            vdb.execute("COMMIT")
            for cid in batch:
                state.hashes[cid] = current[cid]
    finally:
        vdb.close()


@dataclass
class VectorMatrix:
    """Every passage vector of one store, unit length, in one float32 matrix."""

    key: tuple[Any, ...]
    pids: list[str]
    ids: list[str]
    data: Any  # numpy array, (passages, dim)


def load_matrix(index_dir: Path, state: VectorState, previous: VectorMatrix | None) -> VectorMatrix:
    """The store's vectors as a matrix: ``previous`` again when nothing changed, else the
    cached matrix file (:mod:`dossier.serve.matrix_cache`), else built from the store and
    cached for the next process.  Call under the index's write lock."""
    stamp = matrix_cache.stamp_of(index_dir, state)
    if (
        previous is not None
        and stamp is not None
        and previous.key == (state.table, state.version, stamp)
    ):
        return previous
    cached = matrix_cache.read_matrix(index_dir, state)
    if cached is None:
        pids, ids, data = _read_store(index_dir, state)
        try:
            cached = matrix_cache.write_matrix(index_dir, state, pids, ids, data)
        except OSError as exc:  # disk full, read-only cache: the store itself is fine
            log.warning("cannot cache the vector matrix (%s); using it from memory", exc)
            return VectorMatrix((state.table, state.version, None), pids, ids, data)
    return VectorMatrix((state.table, state.version, cached.stamp), cached.pids, cached.ids,
                        cached.data)


def _read_store(index_dir: Path, state: VectorState) -> tuple[list[str], list[str], Any]:
    """(pids, concept ids, unit-length matrix) of every vector in the store, in pid order."""
    import numpy as np

    vdb = connect(vector_file(index_dir, state))
    try:
        rows = vdb.execute("SELECT pid, id, vector FROM vectors ORDER BY pid").fetchall()
    finally:
        vdb.close()
    data = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32)
    data = data.reshape(len(rows), state.dim) if rows else np.zeros((0, state.dim), np.float32)
    norms = np.linalg.norm(data, axis=1, keepdims=True)
    unit = (data / np.where(norms == 0, 1, norms)).astype(np.float32)
    return [r[0] for r in rows], [r[1] for r in rows], unit


def nearest(
    matrix: VectorMatrix, vector: Sequence[float], limit: int, allowed: set[str] | None
) -> list[tuple[str, float]]:
    """(pid, cosine similarity) of the ``limit`` passages nearest ``vector``, best first.

    ``allowed`` keeps only passages of those concept ids (the type and tag filters).
    """
    import numpy as np

    if not matrix.pids or limit <= 0:
        return []
    query = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(query))
    sims = matrix.data @ (query / norm if norm else query)
    if allowed is not None:
        mask = np.fromiter((cid in allowed for cid in matrix.ids), bool, len(matrix.ids))
        sims = np.where(mask, sims, -np.inf)
    k = min(limit, len(matrix.pids))
    top = np.argpartition(-sims, k - 1)[:k]
    ranked = sorted(top.tolist(), key=lambda i: (-float(sims[i]), matrix.pids[i]))
    return [(matrix.pids[i], float(sims[i])) for i in ranked if np.isfinite(sims[i])]
