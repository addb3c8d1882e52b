"""The small JSON file that says what the search index reflects.

The generation's SQLite file holds the rows; this file holds what sync needs to
stay cheap: the tenant git HEAD the index was last brought up to, each concept
file's content hash and stat stamp (so unchanged files are never re-read), which table generation is
current, and the state of the optional vector store.  It is a cache like the
index itself: unreadable or from another schema version means "rebuild".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dossier.fsutil import atomic_write_text

#: 2: passages became rows of their own table (an index of version 1 is rebuilt).
#: 3: passage rows carry their neighbours' text for the quote (older ones are rebuilt).
#: 4: display-only passage fields packed into one column, `display` (a search pays per
#:    column it selects).
#: 5: generated list sections (mentions, backlinks) are never a passage's neighbour, and a
#:    passage cites its own source lines when its section was copied line for line.
#: 6: one SQLite file per generation with an FTS5 index (docs/decisions/0006); a
#:    LanceDB index of an earlier version is rebuilt and its directories deleted.
#: 7: passage rows no longer carry their neighbours' text (a search reads the neighbours
#:    by pid); ``display`` says whether a passage is a generated list.
META_SCHEMA_VERSION = 8
META_NAME = "meta.json"


@dataclass
class FileStamp:
    """What the index knows about one concept file."""

    digest: str
    mtime_ns: int
    size: int
    #: Why the file is not in the index (unparseable), or None when it is.
    error: str | None = None

    def to_json(self) -> list[Any]:
        return [self.digest, self.mtime_ns, self.size, self.error]

    @classmethod
    def from_json(cls, value: list[Any]) -> FileStamp:
        digest, mtime_ns, size, error = value
        return cls(str(digest), int(mtime_ns), int(size), None if error is None else str(error))


@dataclass
class VectorState:
    """The vector store of one embedder and the content hash each vector was made from.

    ``table`` names the store's file (``<table>.sqlite`` in the index directory).
    ``version`` changes whenever the store's vectors do: the cached matrix
    (:mod:`dossier.serve.matrix_cache`) is served only under the version it was
    written for.  Empty in a meta written before the cache: the next sync sets one.
    """

    embedder: str
    dim: int
    table: str
    hashes: dict[str, str] = field(default_factory=dict)
    version: str = ""


@dataclass
class IndexMeta:
    """Persisted state of one tenant's search index."""

    #: The current generation (its file is ``<table>.sqlite``).
    table: str
    head: str | None = None
    files: dict[str, FileStamp] = field(default_factory=dict)
    vectors: VectorState | None = None

    def indexed_count(self) -> int:
        return sum(1 for stamp in self.files.values() if stamp.error is None)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "schema_version": META_SCHEMA_VERSION,
            "table": self.table,
            "head": self.head,
            "files": {cid: stamp.to_json() for cid, stamp in sorted(self.files.items())},
            "vectors": None
            if self.vectors is None
            else {
                "embedder": self.vectors.embedder,
                "dim": self.vectors.dim,
                "table": self.vectors.table,
                "version": self.vectors.version,
                "hashes": dict(sorted(self.vectors.hashes.items())),
            },
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> IndexMeta | None:
        """Parse the file; None when it is not a meta file of this schema version."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("schema_version") != META_SCHEMA_VERSION:
                return None
            vectors = data.get("vectors")
            table = str(data["table"])
            if not _TABLE_NAME.fullmatch(table) or (
                vectors is not None and not _VECTORS_NAME.fullmatch(str(vectors["table"]))
            ):
                # Only names Dossier makes: a name with a path in it (written by hand or
                # by another program) would open another folder's index — another
                # tenant's.  No meta means a rebuild, as for any unreadable file.
                return None
            return cls(
                table=table,
                head=None if data.get("head") is None else str(data["head"]),
                files={
                    str(cid): FileStamp.from_json(value) for cid, value in data["files"].items()
                },
                vectors=None
                if vectors is None
                else VectorState(
                    embedder=str(vectors["embedder"]),
                    dim=int(vectors["dim"]),
                    table=str(vectors["table"]),
                    hashes={str(k): str(v) for k, v in vectors["hashes"].items()},
                    version=str(vectors.get("version") or ""),
                ),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


#: The generation and vector-store names Dossier writes (one file name each, no path).
_TABLE_NAME = re.compile(r"index_[0-9a-f]{12}")
_VECTORS_NAME = re.compile(r"vectors_[A-Za-z0-9_.-]+_[0-9a-f]{8}")


def load_meta(index_dir: Path) -> IndexMeta | None:
    """The meta file of ``index_dir``, or None when missing or unreadable."""
    try:
        text = (index_dir / META_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return IndexMeta.from_json(text)


def save_meta(index_dir: Path, meta: IndexMeta) -> None:
    """Write the meta file atomically (readers see the old or the new state)."""
    atomic_write_text(index_dir / META_NAME, meta.to_json())
