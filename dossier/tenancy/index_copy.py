"""A copy of git's index file that git can still trust: its bytes *and* its mtime.

The loop builds trees in private index files started from a copy of the real one,
so git hashes only the files whose stat data changed.  Git's stat check alone is
not enough for a file rewritten within the same second as its index entry was
recorded, with the same size — an atomic rename even hands the freed inode number
straight back, so inode, size and whole-second times can all match.  Git guards
against that ("racy git"): an entry whose mtime is not older than the index
*file's* own mtime is compared by content.  A copy written now carries a newer
mtime, and that guard silently turns off: the ledger rewritten by a rejected
iteration then looked unchanged, and was neither recorded nor put back.  So a
copy keeps the mtime of the index it was taken from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dossier.fsutil import atomic_write_bytes


@dataclass(frozen=True)
class IndexCopy:
    """The bytes of an index file and the mtime (ns) they were read with."""

    data: bytes
    mtime_ns: int

    @classmethod
    def read(cls, path: Path) -> IndexCopy | None:
        """The index at ``path`` as it is now, or None when there is none.

        The bytes and the mtime come from one open file, so an index git replaces
        meanwhile (it renames a new file into place) cannot pair one with the other.
        """
        try:
            with path.open("rb") as handle:
                mtime_ns = os.fstat(handle.fileno()).st_mtime_ns
                return cls(handle.read(), mtime_ns)
        except FileNotFoundError:
            return None

    def write(self, path: Path, *, durable: bool = False) -> None:
        """Put these bytes at ``path`` (atomically) with the original mtime."""
        atomic_write_bytes(path, self.data, durable=durable)
        os.utime(path, ns=(self.mtime_ns, self.mtime_ns))


__all__ = ["IndexCopy"]
