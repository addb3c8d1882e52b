"""SQLite plumbing of the search index: one file per generation, its schema, filters, a lock.

The index is one SQLite file per table generation (``index_<id>.sqlite``) with the
concept rows, their tags and links, the passages, and an FTS5 index over the
passages' text.  Python's standard ``sqlite3`` opens it in a millisecond, where the
engine used before cost seconds to import (docs/decisions/0006).

Filters are built here, with ``?`` parameters: a type or tag a user typed is never
pasted into SQL.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from dossier.serve.errors import IndexUnavailableError
from dossier.serve.fts_query import TOKENIZER

T = TypeVar("T")

#: Statements that create one generation's tables.  ``passages_fts`` is an
#: external-content FTS5 table over ``passages.text`` (the text is stored once);
#: the index writes it next to every passage insert and delete itself (triggers
#: doing the same cost a 10,000-concept build 4 s more).  ``detail=full`` (token
#: positions kept) although no query uses positions: with ``detail=none`` FTS5's
#: ``bm25()`` re-tokenizes every matching row's text to count the terms, which took
#: 0.4 s for a query matching 30,000 of 61,609 passages; with positions 0.05 s, for
#: ≈ 0.2 s more build and 9 MB more index at 10,000 concepts.
SCHEMA = f"""
CREATE TABLE concepts(
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    tags TEXT NOT NULL,
    status TEXT NOT NULL,
    trust_tier TEXT NOT NULL,
    stale_after REAL,
    content_hash TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX concepts_type ON concepts(type);
CREATE TABLE concept_tags(tag TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY(tag, id))
    WITHOUT ROWID;
CREATE INDEX concept_tags_id ON concept_tags(id);
CREATE TABLE links(target TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY(target, source))
    WITHOUT ROWID;
CREATE INDEX links_source ON links(source);
CREATE TABLE passages(
    rowid INTEGER PRIMARY KEY,
    pid TEXT NOT NULL UNIQUE,
    id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    text_offset INTEGER NOT NULL,
    display TEXT NOT NULL
);
CREATE INDEX passages_id ON passages(id);
CREATE VIRTUAL TABLE passages_fts USING fts5(
    text, content='passages', content_rowid='rowid', detail=full,
    tokenize='{TOKENIZER}'
);
"""

#: FTS5 settings while a new generation is written: no incremental merging (FTS5
#: merges segments after each flush of its pending terms, work the ``optimize`` at the
#: end does once anyway) and a larger buffer of pending terms (fewer, larger flushes).
#: Merging changes how the index is stored, never what it holds or how it ranks.
FTS_BUILD_SETTINGS = (("automerge", 0), ("hashsize", 16 << 20))
#: FTS5's defaults, set back once the build is done, for the upserts that follow.
FTS_DEFAULT_SETTINGS = (("automerge", 4), ("hashsize", 1 << 20))


def configure_fts(db: sqlite3.Connection, settings: Sequence[tuple[str, int]]) -> None:
    """Apply FTS5 configuration options to ``passages_fts`` (stored in the file)."""
    for name, value in settings:
        db.execute("INSERT INTO passages_fts(passages_fts, rank) VALUES (?, ?)", (name, value))


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """A connection to one index file in autocommit mode (writers ``BEGIN`` themselves).

    Without ``create`` a missing file is an error (``sqlite3`` would otherwise create
    an empty database and the index would look empty rather than missing).  Any
    thread may use it; :class:`~dossier.serve.index.SearchIndex` gives each thread
    its own.

    The folder is the tenant's confined ``.dossier/index``, but SQLite follows links in
    the file names themselves: a generation or vector file (or its ``-wal``) that is a
    symlink or hard link to another tenant's would serve that tenant's rows as this
    one's.  Such a file is refused (:class:`IndexUnavailableError`), which the index
    treats like any unreadable file: it rebuilds under a new name and drops the link.
    """
    refuse_linked(path)
    mode = "rwc" if create else "rw"
    db = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode={mode}",
        uri=True,
        isolation_level=None,
        check_same_thread=False,
        timeout=30.0,
    )
    return db


def refuse_linked(path: Path) -> None:
    """IndexUnavailableError when ``path`` or a companion of it exists and is not a
    plain file of its own (a symlink, a hard link, a device or a folder)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        name = f"{path}{suffix}"
        try:
            st = os.lstat(name)
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
            raise IndexUnavailableError(
                f"{os.path.basename(name)} is not a plain file of this index (a link?)"
            )


@dataclass(frozen=True)
class Filter:
    """Concepts of one type and carrying every one of some tags."""

    type: str | None = None
    tags: tuple[str, ...] = ()

    def sql(self, column: str = "id") -> tuple[str, list[str]]:
        """A condition on a concept-id ``column`` and its parameters."""
        clauses: list[str] = []
        params: list[str] = []
        if self.type is not None:
            clauses.append(f"{column} IN (SELECT id FROM concepts WHERE type = ?)")
            params.append(self.type)
        for tag in self.tags:
            clauses.append(f"{column} IN (SELECT id FROM concept_tags WHERE tag = ?)")
            params.append(tag)
        return " AND ".join(clauses) or "1", params


def filter_clause(type_: str | None = None, tags: Sequence[str] = ()) -> Filter | None:
    """The filter for a type and tags (a concept must carry every tag), None for none."""
    if type_ is None and not tags:
        return None
    return Filter(type_, tuple(tags))


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def placeholders(count: int) -> str:
    """``?, ?, ?`` for an ``IN (...)`` of ``count`` values."""
    return ", ".join("?" * count)


@contextlib.contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Exclusive cross-process lock for index writers (released when the process dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
