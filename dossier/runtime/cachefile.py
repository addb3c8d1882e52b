"""Atomic writes for the loop's replaceable caches: rename, but no fsync.

Knowledge files (snapshots, concepts, run records) are fsynced before their
rename so a power cut never loses a committed iteration's inputs.  Cache files
need only be whole or absent: a reader that finds one missing, empty or corrupt
recomputes it.  A temp file plus ``os.replace`` gives that against a killed
process; skipping the fsync (~0.7 ms per file, 1,000 files on a first run) means a
power cut may leave an empty or stale cache file, which is then recomputed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_cache_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (temp name ``.<name>.<random>.tmp``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
