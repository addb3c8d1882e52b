"""LanceDB plumbing shared by the index modules: lazy import, schemas, filters, a lock.

lancedb costs ~1.5 s to import, so nothing imports it at module level; and its Rust
core reads ``LANCEDB_LOG`` once, so that is set here, before any import of it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

# Otherwise LanceDB logs a warning per query to stderr.
os.environ.setdefault("LANCEDB_LOG", "error")

T = TypeVar("T")


_IMPORT_LOCK = threading.Lock()


def lancedb_module() -> Any:
    """Import lancedb on first use (~1.5 s), one thread at a time.

    The MCP server warms its index in a thread while a tool call may arrive; two
    threads importing lancedb's submodules at once can see a partially initialised
    ``lancedb.query`` (ImportError).  Every lancedb import goes through here first.
    """
    with _IMPORT_LOCK:
        import lancedb
        import lancedb.index
        import lancedb.query

    return lancedb


def match_query(text: str, column: str = "text") -> Any:
    """A LanceDB full-text ``MatchQuery``: the words of ``text``, never parsed as syntax.

    Handing LanceDB a plain string lets it parse the string (a quoted phrase becomes a
    phrase query, which needs positions the index does not keep); a MatchQuery only
    tokenizes it, so any text a user or agent sends is a valid query.
    """
    # A pydantic dataclass: its keyword defaults confuse mypy.
    query_class: Any = lancedb_module().query.MatchQuery
    return query_class(text, column)


def _summary_fields() -> list[Any]:
    """The concept summary columns both tables carry (passages repeat them per row)."""
    import pyarrow as pa

    return [
        pa.field("type", pa.string()),
        pa.field("title", pa.string()),
        pa.field("description", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("status", pa.string()),
        pa.field("trust_tier", pa.string()),
        pa.field("stale_after", pa.float64()),
    ]


def concept_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            *_summary_fields(),
            pa.field("links", pa.list_(pa.string())),
            pa.field("content_hash", pa.string()),
        ]
    )


def passage_schema() -> Any:
    """One row per retrieval unit; ``id`` is the concept's, ``pid`` the passage's own.

    What a search reads besides ``pid``, ``id`` and ``text`` is one JSON column,
    ``display`` (see :mod:`dossier.serve.display`): a search pays per column it selects.
    """
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("pid", pa.string(), nullable=False),
            pa.field("id", pa.string(), nullable=False),
            # Read by filters (type, tags) and by the vector sync (ordinal, text_offset).
            pa.field("ordinal", pa.int32()),
            pa.field("type", pa.string()),
            pa.field("tags", pa.list_(pa.string())),
            pa.field("text", pa.string()),
            pa.field("text_offset", pa.int32()),
            # Everything a search reads besides pid, id and text: display.DISPLAY_FIELDS.
            pa.field("display", pa.string()),
        ]
    )


def vector_schema(dim: int) -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("pid", pa.string(), nullable=False),
            pa.field("id", pa.string(), nullable=False),
            pa.field("content_hash", pa.string()),
            pa.field("type", pa.string()),
            pa.field("tags", pa.list_(pa.string())),
            pa.field("vector", pa.list_(pa.float32(), dim)),
        ]
    )


def sql_str(value: str) -> str:
    """A SQL string literal for a LanceDB filter (quotes doubled, control chars refused)."""
    if any(ord(ch) < 32 for ch in value):
        raise ValueError(f"{value!r} contains a control character")
    return "'" + value.replace("'", "''") + "'"


def filter_clause(type_: str | None = None, tags: Sequence[str] = ()) -> str | None:
    """WHERE clause for a type and tags (a concept must carry every tag given)."""
    clauses = []
    if type_ is not None:
        clauses.append(f"type = {sql_str(type_)}")
    clauses.extend(f"array_has(tags, {sql_str(tag)})" for tag in tags)
    return " AND ".join(clauses) if clauses else None


def in_clause(ids: Iterable[str]) -> str:
    return "id IN (" + ", ".join(sql_str(i) for i in ids) + ")"


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
