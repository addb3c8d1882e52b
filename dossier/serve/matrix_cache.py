"""The vector store as a ready matrix on disk, so a search maps it instead of decoding it.

Why: a ``--semantic`` search is a fresh process, and turning 61,609 SQLite BLOBs
into one normalised numpy matrix cost ≈ 0.5 s of every such search at 10,000
concepts (more when the machine is busy: the copy and the temporaries are 300 MB of
new memory).  The same matrix written once as a ``.npy`` file is mapped from the page
cache in milliseconds.

Two files per vector store, beside it in the tenant's ``.dossier/index``:

* ``<table>.matrix.npy``: the unit-length float32 matrix, one row per passage, in
  ``pid`` order (what :func:`~dossier.serve.vectors.load_matrix` computed before);
* ``<table>.keys.json``: which passage each row is (the pids as one newline-joined
  string, the concept ids as runs: a JSON list of 61,609 strings took 3× as long to
  parse), the store's name and *version* (:attr:`VectorState.version`, changed
  whenever the store's vectors change), the matrix's shape, a CRC-32 of its bytes and
  the matrix file's stamp as written (inode, size, mtime and ctime).

The matrix is a cache of the cache: it is served only when the keys file names the
current store and version and its shape matches, and the bytes are the ones written:
either the file's stamp is still the recorded one (any write, truncation, ``utime`` or
replacement through the filesystem moves its ctime, which no call can set back), or,
when it is not (a copy restored from a backup), its bytes hash to the recorded CRC.
Checking the CRC on every search would cost 40–70 ms of each at 10,000 concepts; what
the stamp cannot see is a disk corrupting bytes underneath, which the SQLite store does
not detect either.  Anything else (a store that changed, a file truncated, overwritten,
half written by a killed process, or missing) reads as "no matrix", and the caller
rebuilds it from the SQLite store under the index's write lock.  Both files are written
atomically, the keys last, so a crash between the two leaves a pair that fails the check.

Isolation: the folder is the tenant's confined ``.dossier/index`` and the names are
built from the validated store name, but the files themselves are opened with
``O_NOFOLLOW`` and must be regular files with one link: a matrix that is a symlink (or
a hard link) to another tenant's is refused, removed and rebuilt from this tenant's
own store, never read.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import mmap
import os
import stat
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.fsutil import atomic_write_bytes
from dossier.serve.index_meta import VectorState

log = logging.getLogger("dossier.serve.index")

MATRIX_SUFFIX = ".matrix.npy"
KEYS_SUFFIX = ".keys.json"
#: Version of the keys file's layout (a different one is rebuilt).
KEYS_FORMAT = 1
#: Largest keys file read (a 10,000-concept store's is ≈ 4 MB).
_MAX_KEYS_BYTES = 1 << 30


class MatrixRefused(Exception):
    """A matrix or keys file that is not a plain file of this tenant (link, device...)."""


@dataclass(frozen=True)
class CachedMatrix:
    """A matrix read from (or just written to) the cache, with what identifies it."""

    #: The matrix file's stamp (:func:`stamp_of`): equal stamps mean the same bytes.
    stamp: tuple[int, int, int, int]
    pids: list[str]
    ids: list[str]
    data: Any  # numpy array (rows, dim), read-only, mapped from the file


def matrix_path(index_dir: Path, state: VectorState) -> Path:
    return index_dir / f"{state.table}{MATRIX_SUFFIX}"


def keys_path(index_dir: Path, state: VectorState) -> Path:
    return index_dir / f"{state.table}{KEYS_SUFFIX}"


def stamp_of(index_dir: Path, state: VectorState) -> tuple[int, int, int, int] | None:
    """The matrix file's (inode, size, mtime, ctime) without opening it (None when absent)."""
    try:
        st = os.lstat(matrix_path(index_dir, state))
    except OSError:
        return None
    return _stamp(st)


def _stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _open_plain(path: Path) -> int:
    """A read-only descriptor of ``path``, which must be a regular file with one link."""
    try:
        # O_NONBLOCK: a FIFO in its place must not hang the search (no effect on files).
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        if os.path.islink(path):
            raise MatrixRefused(f"{path.name} is a symlink") from exc
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        os.close(fd)
        raise MatrixRefused(f"{path.name} is not a plain file of this index")
    return fd


def _crc(array: Any) -> int:
    """CRC-32 of a C-contiguous array's bytes (≈ 30 ms for 61,609 × 384 floats)."""
    return zlib.crc32(array.data)


def _runs(ids: Sequence[str]) -> tuple[list[str], list[int]]:
    """``ids`` as runs: (each run's id, its length); a concept's rows are adjacent."""
    names: list[str] = []
    counts: list[int] = []
    for cid in ids:
        if names and names[-1] == cid:
            counts[-1] += 1
        else:
            names.append(cid)
            counts.append(1)
    return names, counts


def _lines(text: Any, rows: int) -> list[str]:
    """A newline-joined list (ids and pids hold no control characters: the OKF id rules)."""
    if type(text) is not str:
        raise ValueError("not a newline-joined string")
    return text.split("\n") if rows else []


def _keys(keys: dict[str, Any], rows: int) -> tuple[list[str], list[str]]:
    """(pids, concept id of each row) from a keys file, or ValueError when malformed."""
    pids = _lines(keys["pids"], rows)
    counts = keys["counts"]
    names = _lines(keys["concepts"], len(counts))
    if len(names) != len(counts) or not all(type(n) is int and n > 0 for n in counts):
        raise ValueError("concept runs are malformed")
    ids: list[str] = []
    for cid, count in zip(names, counts, strict=True):
        ids += [cid] * count
    return pids, ids


def _read_keys(path: Path) -> dict[str, Any]:
    fd = _open_plain(path)
    with os.fdopen(fd, "rb") as handle:
        raw = handle.read(_MAX_KEYS_BYTES + 1)
    if len(raw) > _MAX_KEYS_BYTES:
        raise ValueError("keys file too large")
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("keys file is not an object")
    return data


def _map_matrix(path: Path, rows: int, dim: int) -> tuple[Any, tuple[int, int, int, int]]:
    """The ``.npy`` file mapped read-only as a (rows, dim) float32 array, and its stamp."""
    import numpy as np
    from numpy.lib import format as npy

    fd = _open_plain(path)
    try:
        st = os.fstat(fd)
        with os.fdopen(os.dup(fd), "rb") as handle:
            version = npy.read_magic(handle)
            if version == (1, 0):
                shape, fortran, dtype = npy.read_array_header_1_0(handle)
            elif version == (2, 0):
                shape, fortran, dtype = npy.read_array_header_2_0(handle)
            else:
                raise ValueError(f"unknown .npy version {version}")
            offset = handle.tell()
        if dtype != np.dtype("<f4") or fortran or tuple(shape) != (rows, dim):
            raise ValueError(f"matrix is {dtype} {shape}, expected float32 ({rows}, {dim})")
        if st.st_size != offset + rows * dim * 4:
            raise ValueError("matrix file size does not match its header")
        if rows == 0:
            return np.zeros((0, dim), np.float32), _stamp(st)
        # MAP_POPULATE: one call maps every page instead of a fault per page later.
        flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
        mapped = mmap.mmap(fd, st.st_size, flags=flags, prot=mmap.PROT_READ)
    finally:
        os.close(fd)
    data = np.frombuffer(mapped, dtype=np.float32, count=rows * dim, offset=offset)
    return data.reshape(rows, dim), _stamp(st)


def read_matrix(index_dir: Path, state: VectorState) -> CachedMatrix | None:
    """The cached matrix of ``state`` when it is whole and current; None otherwise.

    A refused file (a link) is removed so the rebuild can put a real one in its place;
    the link's target, which may be another tenant's, is left untouched.
    """
    mpath, kpath = matrix_path(index_dir, state), keys_path(index_dir, state)
    try:
        keys = _read_keys(kpath)
        rows, dim = int(keys["rows"]), int(keys["dim"])
        if (
            keys.get("format") != KEYS_FORMAT
            or keys.get("table") != state.table
            or keys.get("version") != state.version
            or not state.version
            or dim != state.dim
        ):
            return None
        pids, ids = _keys(keys, rows)
        if len(pids) != rows or len(ids) != rows:
            return None
        data, stamp = _map_matrix(mpath, rows, dim)
        written = [int(n) for n in keys["stamp"]]
        if list(stamp) != written and _crc(data) != int(keys["crc32"]):
            log.warning("vector matrix %s is damaged; rebuilding it", mpath.name)
            return None
    except FileNotFoundError:
        return None
    except MatrixRefused as exc:
        log.warning("vector matrix refused (%s); rebuilding it from this tenant's store", exc)
        for path in (mpath, kpath):
            if os.path.islink(path) or _is_shared(path):
                # A folder in its place cannot be unlinked: the write will say so.
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("vector matrix unreadable (%s); rebuilding it", exc)
        return None
    return CachedMatrix(stamp, pids, ids, data)


def _is_shared(path: Path) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return not stat.S_ISREG(st.st_mode) or st.st_nlink != 1


def write_matrix(
    index_dir: Path, state: VectorState, pids: list[str], ids: list[str], data: Any
) -> CachedMatrix:
    """Write the matrix and its keys (atomically, keys last); the matrix as written.

    Called under the index's write lock, so no other writer's temp files exist:
    leftovers of killed writers and the files of discarded stores are removed here.
    """
    import numpy as np
    from numpy.lib import format as npy

    matrix = np.ascontiguousarray(data, dtype=np.float32)
    buffer = io.BytesIO()
    npy.write_array(buffer, matrix, allow_pickle=False)
    mpath, kpath = matrix_path(index_dir, state), keys_path(index_dir, state)
    # A link in the way is replaced, never written through (os.replace swaps the name).
    atomic_write_bytes(mpath, buffer.getvalue(), durable=False)
    stamp = _stamp(os.lstat(mpath))
    names, counts = _runs(ids)
    keys = {
        "format": KEYS_FORMAT,
        "table": state.table,
        "version": state.version,
        "dim": state.dim,
        "rows": int(matrix.shape[0]),
        "crc32": _crc(matrix),
        "stamp": list(stamp),
        "pids": "\n".join(pids),
        "concepts": "\n".join(names),
        "counts": counts,
    }
    atomic_write_bytes(kpath, json.dumps(keys, separators=(",", ":")).encode(), durable=False)
    drop_other_matrices(index_dir, keep=state.table)
    return CachedMatrix(stamp, pids, ids, matrix)


def drop_other_matrices(index_dir: Path, keep: str | None) -> None:
    """Delete the matrix files of every store but ``keep``, and killed writers' temp files."""
    try:
        entries = list(os.scandir(index_dir))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith(".vectors_") and name.endswith(".tmp"):
            Path(entry.path).unlink(missing_ok=True)
            continue
        for suffix in (MATRIX_SUFFIX, KEYS_SUFFIX):
            if name.endswith(suffix) and name[: -len(suffix)] != keep:
                Path(entry.path).unlink(missing_ok=True)
