"""A ``.safetensors`` file mapped read-only: each tensor a numpy view of the page cache.

Why not ``safetensors.numpy.load_file``: it copies all 90 MB of MiniLM's weights into
new arrays in every process, ≈ 0.1–0.15 s of each ``dossier search --semantic``
(more on a busy machine, where fresh memory is slow to come by), although a query
reads a few rows of the 30,522-row word-embedding table and the layers once.  The
format is simple enough to map directly: an 8-byte little-endian header length, a
JSON header naming each tensor's dtype, shape and byte range, then the raw
little-endian data.  The bytes are the same ones ``load_file`` would copy, so the
encoder computes the same vectors bit for bit.

Every header entry is checked (known dtype, byte range inside the file and of the
size its shape needs); anything else raises :class:`TensorFileError`.
"""

from __future__ import annotations

import json
import math
import mmap
import os
from pathlib import Path
from typing import Any

import numpy as np

#: safetensors dtype names this reader maps (little-endian, as the format stores them).
_DTYPES: dict[str, np.dtype[Any]] = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
#: Largest header accepted (the format's own limit is 100 MB; MiniLM's is ≈ 8 KB).
_MAX_HEADER = 100_000_000


class TensorFileError(ValueError):
    """The file is not a readable safetensors file (truncated, foreign, or malformed)."""


def map_tensors(path: Path) -> dict[str, Any]:
    """Every tensor of the file at ``path`` as a read-only numpy array over a mapping."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        prefix = handle.read(8)
        if len(prefix) != 8:
            raise TensorFileError(f"{path.name}: shorter than a safetensors header")
        header_len = int.from_bytes(prefix, "little")
        if header_len > _MAX_HEADER or 8 + header_len > size:
            raise TensorFileError(f"{path.name}: header length {header_len} is impossible")
        try:
            header = json.loads(handle.read(header_len))
        except (UnicodeDecodeError, ValueError) as exc:
            raise TensorFileError(f"{path.name}: unreadable header ({exc})") from None
        if not isinstance(header, dict):
            raise TensorFileError(f"{path.name}: the header is not a JSON object")
        start = 8 + header_len
        mapped = mmap.mmap(handle.fileno(), size, prot=mmap.PROT_READ)
    tensors: dict[str, Any] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        tensors[name] = _view(mapped, path.name, name, entry, start, size)
    return tensors


def _view(buffer: mmap.mmap, file: str, name: str, entry: Any, start: int, size: int) -> Any:
    """The array of one header ``entry``, after checking it against the file."""
    try:
        dtype = _DTYPES[entry["dtype"]]
        shape = tuple(int(n) for n in entry["shape"])
        begin, end = (int(n) for n in entry["data_offsets"])
    except (KeyError, TypeError, ValueError) as exc:
        raise TensorFileError(f"{file}: tensor {name!r} has an unusable entry ({exc})") from None
    count = math.prod(shape)
    if (
        any(n < 0 for n in shape)
        or not 0 <= begin <= end
        or start + end > size
        or end - begin != count * dtype.itemsize
    ):
        raise TensorFileError(f"{file}: tensor {name!r} does not fit the file")
    array = np.frombuffer(buffer, dtype=dtype, count=count, offset=start + begin)
    return array.reshape(shape)
