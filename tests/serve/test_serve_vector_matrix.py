"""The cached vector matrix: mapped by every ``--semantic`` search, never served stale,
damaged, or from another tenant.

A ``--semantic`` search used to decode every stored vector from SQLite (≈ 0.5 s at
10,000 concepts, in each fresh process).  Now the matrix is written once beside the
store and mapped.  What users rely on: a search over a cached matrix answers exactly
as one over the store would; a matrix that no longer matches the store (the bundle
changed), that is damaged or missing is rebuilt from the store, not served; and a
matrix file that is a link to another tenant's is refused.

The embedder is a stand-in through the real ``Embedder`` seam (word hashing, no
model), so these tests run in seconds; the store, the matrix files, the index and
the tenants are real.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import sqlite3
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from dossier.serve.index import SearchIndex
from dossier.serve.index_meta import load_meta
from dossier.serve.matrix_cache import KEYS_SUFFIX, MATRIX_SUFFIX
from dossier.tenancy import TenantContext
from tests.runtime.helpers import tree_digest

np = pytest.importorskip("numpy", reason="vector search needs numpy (the semantic extra)")

Fresh = Callable[[str], TenantContext]
Put = Callable[..., None]
Commit = Callable[..., str]

DIM = 64


class WordBag:
    """Each word switches on one axis (by CRC-32, so every process agrees); unit length."""

    name = "standin"
    dim = DIM

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        rows = []
        for text in texts:
            row = np.zeros(DIM, dtype=np.float32)
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                row[zlib.crc32(word.encode()) % DIM] += 1.0
            norm = float(np.linalg.norm(row))
            rows.append((row / norm if norm else row).tolist())
        return rows


class Constant:
    """Every text on one axis: tells apart whose vectors a search was served."""

    name = "standin"
    dim = DIM

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        row = [0.0] * DIM
        row[self.axis] = 1.0
        return [list(row) for _ in texts]


_connected: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _connected is not None and event == "sqlite3.connect":
        _connected.append(str(args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def connected() -> Iterator[list[str]]:
    """Every SQLite database opened while the test runs (via an audit hook)."""
    global _connected
    _connected = []
    try:
        yield _connected
    finally:
        _connected = None


def _files(ctx: TenantContext) -> tuple[Path, Path]:
    meta = load_meta(ctx.cache_path("index"))
    assert meta is not None and meta.vectors is not None
    folder = ctx.cache_path("index")
    return (folder / f"{meta.vectors.table}{MATRIX_SUFFIX}",
            folder / f"{meta.vectors.table}{KEYS_SUFFIX}")


def _search(ctx: TenantContext, query: str, embedder: Any = None) -> list[tuple[str, float]]:
    """A vector search from a new handle, as a fresh ``dossier search`` process runs it."""
    return SearchIndex(ctx).vector_search(embedder or WordBag(), query, 10, None)


def test_a_search_maps_the_matrix_instead_of_reading_the_store(
    fresh_tenant: Fresh, connected: list[str]
) -> None:
    ctx = fresh_tenant("acme")
    first = _search(ctx, "who owns the revenue numbers")
    matrix, keys = _files(ctx)
    assert matrix.is_file() and keys.is_file()
    assert first[0][0].startswith("people/jane#")

    connected.clear()
    again = _search(ctx, "who owns the revenue numbers")

    assert again == first
    assert not [db for db in connected if "vectors_" in db]  # the store was not opened


def test_a_byte_identical_copy_of_the_matrix_is_served(
    fresh_tenant: Fresh, connected: list[str], tmp_path: Path
) -> None:
    """A matrix copied back from a backup has another inode and times than the keys
    recorded: its bytes are checked against the CRC instead, and it is used as is."""
    ctx = fresh_tenant("acme")
    expected = _search(ctx, "who owns the revenue numbers")
    matrix, _keys = _files(ctx)
    shutil.copy(matrix, tmp_path / "backup.npy")
    matrix.unlink()
    shutil.copy(tmp_path / "backup.npy", matrix)
    connected.clear()

    assert _search(ctx, "who owns the revenue numbers") == expected
    assert not [db for db in connected if "vectors_" in db]  # not rebuilt from the store


def test_a_matrix_of_an_older_version_of_the_bundle_is_rebuilt(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit, tmp_path: Path
) -> None:
    ctx = fresh_tenant("acme")
    _search(ctx, "zanzibar")
    matrix, keys = _files(ctx)
    shutil.copy(matrix, tmp_path / "old.npy")
    shutil.copy(keys, tmp_path / "old.json")
    put_concept(ctx, "notes/zanzibar", "# Zanzibar\n\nzanzibar spice routes\n", title="Zanzibar")
    commit_iteration(ctx, "run-2", "zanzibar")
    assert _search(ctx, "zanzibar")[0][0].startswith("notes/zanzibar#")
    # The matrix from before the commit comes back (a restored backup, a killed writer).
    shutil.copy(tmp_path / "old.npy", matrix)
    shutil.copy(tmp_path / "old.json", keys)

    hits = _search(ctx, "zanzibar")

    assert hits[0][0].startswith("notes/zanzibar#")
    meta = load_meta(ctx.cache_path("index"))
    assert meta is not None and meta.vectors is not None
    assert json.loads(keys.read_text())["version"] == meta.vectors.version


def _zero_the_data(matrix: Path, keys: Path) -> None:
    """Overwrite every vector with zeros, keeping the header, size and mtime."""
    stat = matrix.stat()
    layout = json.loads(keys.read_text())
    data_bytes = layout["rows"] * layout["dim"] * 4
    with open(matrix, "r+b") as handle:
        handle.seek(stat.st_size - data_bytes)
        handle.write(b"\0" * data_bytes)
    os.utime(matrix, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _truncate(matrix: Path, keys: Path) -> None:
    with open(matrix, "r+b") as handle:
        handle.truncate(matrix.stat().st_size // 2)


def _garbage_keys(matrix: Path, keys: Path) -> None:
    keys.write_bytes(b"{not json")


def _keys_of_another_size(matrix: Path, keys: Path) -> None:
    data = json.loads(keys.read_text())
    data["pids"] = data["pids"].rsplit("\n", 1)[0]  # one passage fewer than rows
    keys.write_text(json.dumps(data))


def _no_matrix(matrix: Path, keys: Path) -> None:
    matrix.unlink()


def _no_keys(matrix: Path, keys: Path) -> None:
    keys.unlink()


def _a_fifo(matrix: Path, keys: Path) -> None:
    """A named pipe where the matrix was: opening it must not hang the search."""
    matrix.unlink()
    os.mkfifo(matrix)


@pytest.mark.parametrize(
    "damage",
    [_zero_the_data, _truncate, _garbage_keys, _keys_of_another_size, _no_matrix, _no_keys,
     _a_fifo],
)
def test_a_damaged_or_missing_matrix_is_rebuilt_never_served(
    fresh_tenant: Fresh, damage: Callable[[Path, Path], None]
) -> None:
    ctx = fresh_tenant("acme")
    expected = _search(ctx, "who owns the revenue numbers")
    matrix, keys = _files(ctx)
    damage(matrix, keys)

    assert _search(ctx, "who owns the revenue numbers") == expected
    # Rebuilt whole: the next search maps it again without the store.
    assert _search(ctx, "who owns the revenue numbers") == expected
    assert matrix.is_file() and not matrix.is_symlink()


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_a_matrix_linked_to_another_tenants_is_refused(fresh_tenant: Fresh, link: str) -> None:
    """Look-alike tenants (same concept ids): acme's matrix file made a link to bravo's,
    with a keys file that would otherwise accept it.  acme's search is served acme's
    own vectors, and bravo's files are neither read into nor changed."""
    acme, bravo = fresh_tenant("acme"), fresh_tenant("bravo")
    ours, theirs = Constant(axis=1), Constant(axis=2)  # acme's vectors ⟂ bravo's
    assert _search(acme, "revenue", ours)[0][1] == pytest.approx(1.0)
    assert _search(bravo, "revenue", theirs)[0][1] == pytest.approx(1.0)
    acme_matrix, acme_keys = _files(acme)
    bravo_matrix, bravo_keys = _files(bravo)
    forged = json.loads(bravo_keys.read_text())
    mine = json.loads(acme_keys.read_text())
    forged["table"], forged["version"] = mine["table"], mine["version"]
    acme_keys.write_text(json.dumps(forged))
    acme_matrix.unlink()
    if link == "symlink":
        acme_matrix.symlink_to(bravo_matrix)
    else:
        os.link(bravo_matrix, acme_matrix)
    gc.collect()  # bravo's own handles close (and checkpoint its WAL) before the digest
    before = tree_digest(bravo.cache_path("index"))

    hits = _search(acme, "revenue", theirs)  # a query along bravo's axis

    assert hits and all(sim == pytest.approx(0.0) for _, sim in hits)  # acme's vectors
    assert not acme_matrix.is_symlink() and acme_matrix.stat().st_nlink == 1
    assert bravo_matrix.stat().st_nlink == 1
    assert tree_digest(bravo.cache_path("index")) == before


def test_a_meta_from_before_the_cache_gets_a_version(fresh_tenant: Fresh) -> None:
    """An index whose meta has no vector version (written by an older Dossier) is given
    one, so a matrix can never be matched to vectors it was not made from."""
    ctx = fresh_tenant("acme")
    expected = _search(ctx, "who owns the revenue numbers")
    folder = ctx.cache_path("index")
    data = json.loads((folder / "meta.json").read_text())
    del data["vectors"]["version"]
    (folder / "meta.json").write_text(json.dumps(data))

    assert _search(ctx, "who owns the revenue numbers") == expected
    meta = load_meta(folder)
    assert meta is not None and meta.vectors is not None and meta.vectors.version


def test_the_store_and_the_matrix_agree_row_for_row(fresh_tenant: Fresh) -> None:
    """The matrix holds the store's vectors, normalised, in pid order."""
    ctx = fresh_tenant("acme")
    _search(ctx, "revenue")
    matrix, keys = _files(ctx)
    meta = load_meta(ctx.cache_path("index"))
    assert meta is not None and meta.vectors is not None
    store = ctx.cache_path("index") / f"{meta.vectors.table}.sqlite"
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT pid, vector FROM vectors ORDER BY pid").fetchall()
    data = np.load(matrix)
    assert json.loads(keys.read_text())["pids"].split("\n") == [pid for pid, _ in rows]
    for (_pid, blob), row in zip(rows, data, strict=True):
        vector = np.frombuffer(blob, dtype=np.float32)
        np.testing.assert_allclose(row, vector / np.linalg.norm(vector), rtol=1e-6)


def test_a_matrix_that_cannot_be_cached_is_used_from_memory(fresh_tenant: Fresh) -> None:
    """A cache that cannot be written (here a folder where the matrix goes) costs speed,
    not answers, and never the stored vectors (re-embedding takes minutes)."""
    ctx = fresh_tenant("acme")
    expected = _search(ctx, "who owns the revenue numbers")
    matrix, _keys = _files(ctx)
    store = load_meta(ctx.cache_path("index"))
    matrix.unlink()
    matrix.mkdir()

    assert _search(ctx, "who owns the revenue numbers") == expected
    after = load_meta(ctx.cache_path("index"))
    assert store is not None and after is not None and store.vectors and after.vectors
    assert (after.vectors.table, after.vectors.version) == (store.vectors.table,
                                                            store.vectors.version)


def test_a_vector_store_linked_to_another_tenants_is_not_written_or_read(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit
) -> None:
    """acme's SQLite vector store made a symlink to bravo's: acme's next embedding would
    have gone into bravo's store.  The link is refused, acme's vectors are made again in
    a store of its own, and bravo's files are left byte for byte."""
    acme, bravo, before = _acme_store_linked_to_bravos(
        fresh_tenant, put_concept, commit_iteration, lambda ctx: _search(ctx, "revenue"))

    hits = _search(acme, "zanzibar")

    assert hits[0][0].startswith("notes/zanzibar#")
    assert tree_digest(bravo.cache_path("index")) == before
    assert not any(p.is_symlink() for p in acme.cache_path("index").iterdir())


def test_embedding_over_a_linked_vector_store_makes_its_own(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit
) -> None:
    """``dossier index --semantic`` over a vector store made a link to another tenant's:
    the link is dropped and acme embeds into a store of its own; bravo's are untouched."""
    acme, bravo, before = _acme_store_linked_to_bravos(
        fresh_tenant, put_concept, commit_iteration,
        lambda ctx: SearchIndex(ctx).sync_vectors(WordBag()))

    assert SearchIndex(acme).sync_vectors(WordBag()) > 0

    assert tree_digest(bravo.cache_path("index")) == before
    assert not any(p.is_symlink() for p in acme.cache_path("index").iterdir())
    assert _search(acme, "zanzibar")[0][0].startswith("notes/zanzibar#")


def _acme_store_linked_to_bravos(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit,
    embed: Callable[[TenantContext], object],
) -> tuple[TenantContext, TenantContext, str]:
    """acme and bravo embedded by ``embed``; acme's vector store then made a symlink to
    bravo's and a new acme concept committed.  Returns (acme, bravo, bravo's digest)."""
    acme, bravo = fresh_tenant("acme"), fresh_tenant("bravo")
    embed(acme)
    embed(bravo)
    acme_meta = load_meta(acme.cache_path("index"))
    bravo_meta = load_meta(bravo.cache_path("index"))
    assert acme_meta and bravo_meta and acme_meta.vectors and bravo_meta.vectors
    store = acme.cache_path("index") / f"{acme_meta.vectors.table}.sqlite"
    store.unlink()
    store.symlink_to(bravo.cache_path("index") / f"{bravo_meta.vectors.table}.sqlite")
    put_concept(acme, "notes/zanzibar", "# Zanzibar\n\nzanzibar spice routes\n", title="Zanzibar")
    commit_iteration(acme, "run-2", "zanzibar")
    # bravo's own handles close (and checkpoint its WAL) now, not during acme's work
    gc.collect()
    return acme, bravo, tree_digest(bravo.cache_path("index"))
