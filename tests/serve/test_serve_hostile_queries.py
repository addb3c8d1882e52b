"""Any query text an agent or a user sends is searched; none crashes or rebuilds the index.

Quoted phrases used to reach the engine's query parser, which needs token positions the
index does not keep: ``dossier search acme '"proof of delivery"'`` printed a traceback,
the MCP tool returned an opaque error, and both rebuilt the whole index on the way.
FTS5 has a query language of its own (``NEAR(``, ``col:term``, ``*``, ``^``, ``AND``):
none of it may reach it as syntax.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from typer.testing import CliRunner

from dossier.cli import app
from dossier.serve import build_server
from dossier.serve.errors import QueryFailedError
from dossier.serve.index import SearchIndex
from dossier.serve.ranking import PHRASE_FACTOR
from dossier.serve.search import MAX_QUERY_CHARS, search_index
from dossier.tenancy import TenantContext

Run = Callable[..., Any]

HOSTILE = [
    '"proof of delivery"',
    '"revenue numbers"',
    '"unbalanced quote',
    'revenue"',
    '""',
    '"',
    "'",
    "it's Jane's",
    "revenue AND orders",
    "revenue OR",
    "NOT revenue",
    "AND OR NOT",
    "(revenue",
    "revenue)",
    "((( )))",
    "rev*",
    "*",
    "title:revenue",
    ":",
    "revenue^2",
    "^",
    "revenue~",
    "~1",
    "back\\slash",
    "\\",
    '\\"',
    "a/b",
    "+revenue -orders",
    "{[revenue]}",
    "&&||!",
    "ünïcødé révenue",
    "数据 收入",
    "🙂 revenue",
    "'; DROP TABLE concepts; --",
    "%s %n {0}",
    "revenue\torders\nJane",
    "x" * MAX_QUERY_CHARS,
    ("revenue orders " * 200)[:MAX_QUERY_CHARS],
    # FTS5's own syntax.
    '"a" NEAR( b',
    "NEAR(revenue orders, 2)",
    "col:term",
    "text:revenue",
    "{text}: revenue",
    "revenue - orders",
    "^revenue",
    "revenue*",
    '"revenue" AND "',
    "revenue + orders",
]

#: Not searchable at all: a clear usage error (exit 2 / a ToolError), never a traceback.
REFUSED = ["", "   ", "\t", "x" * (MAX_QUERY_CHARS + 1)]


def _bookkeeping(path: Path) -> bool:
    """SQLite's shared-memory file, or an empty WAL: created and removed as connections
    open and close, holding no data (a write shows in the database, a non-empty WAL and
    ``meta.json``)."""
    name = path.name
    return name.endswith("-shm") or (name.endswith("-wal") and path.stat().st_size == 0)


def index_state(ctx: TenantContext) -> str:
    """Every data file of the index (names and bytes): a rebuild or a write changes it."""
    root = SearchIndex(ctx).dir
    digest = hashlib.sha256()
    files = [p for p in root.rglob("*") if p.is_file() and not _bookkeeping(p)]
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def built(alpha: TenantContext) -> TenantContext:
    """alpha with its index built (a first search builds it)."""
    result = CliRunner().invoke(app, ["search", "alpha", "revenue", "--root", str(alpha.root)])
    assert result.exit_code == 0, result.output
    return alpha


def test_every_hostile_query_works_through_the_cli_and_leaves_the_index_alone(
    built: TenantContext,
) -> None:
    before = index_state(built)
    root = str(built.root)
    for query in HOSTILE:
        result = CliRunner().invoke(app, ["search", "alpha", query, "--root", root, "--json"])
        assert result.exit_code == 0, (query, result.output)
        assert result.exception is None, (query, result.exception)
        assert isinstance(json.loads(result.stdout), list), query
    for query in REFUSED:
        result = CliRunner().invoke(app, ["search", "alpha", query, "--root", root])
        assert result.exit_code == 2, (query, result.output)
        assert isinstance(result.exception, SystemExit), (query, result.exception)
        assert "query" in result.output
    assert index_state(built) == before


def test_every_hostile_query_works_through_mcp_and_leaves_the_index_alone(
    built: TenantContext, run: Run
) -> None:
    before = index_state(built)

    async def body() -> tuple[list[Any], list[Any]]:
        async with Client(build_server(built)) as client:
            answered = [
                await client.call_tool("search_concepts", {"query": q, "limit": 5})
                for q in HOSTILE
            ]
            refused = [
                await client.call_tool("search_concepts", {"query": q}) for q in REFUSED
            ]
            return answered, refused

    answered, refused = run(body)
    for query, result in zip(HOSTILE, answered, strict=True):
        assert not result.is_error, (query, result.content[0].text)
        assert isinstance(result.structured_content["hits"], list), query
    for query, result in zip(REFUSED, refused, strict=True):
        assert result.is_error, query
        assert "query" in result.content[0].text, query
    assert index_state(built) == before


def test_a_quoted_phrase_ranks_the_concept_that_holds_it_word_for_word(
    fresh_tenant: Callable[[str], TenantContext],
    put_concept: Callable[..., None],
    commit_iteration: Callable[[TenantContext, str, str], str],
) -> None:
    ctx = fresh_tenant("acme")
    put_concept(ctx, "notes/pod", "# POD\n\nThe proof of delivery is signed.\n", title="POD")
    put_concept(
        ctx, "notes/scattered", "# Misc\n\nDelivery was late; proof came later.\n", title="Misc"
    )
    commit_iteration(ctx, "run-2", "two notes")

    def scores(query: str) -> dict[str, float]:
        result = CliRunner().invoke(
            app, ["search", "acme", query, "--root", str(ctx.root), "--json"]
        )
        assert result.exit_code == 0, result.output
        return {h["id"]: h["score"] for h in json.loads(result.stdout)}

    words, phrase = scores("proof of delivery"), scores('"proof of delivery"')
    assert set(words) == set(phrase) >= {"notes/pod", "notes/scattered"}  # words still count
    assert phrase["notes/pod"] == pytest.approx(words["notes/pod"] * PHRASE_FACTOR, rel=1e-4)
    assert phrase["notes/scattered"] == pytest.approx(words["notes/scattered"], rel=1e-4)


@pytest.mark.parametrize(
    "query",
    ['"a" NEAR( b revenue', "text:revenue", "NOT revenue", "revenue*", "*revenue", "^revenue"],
)
def test_fts5_syntax_in_a_query_is_searched_as_words(built: TenantContext, query: str) -> None:
    """Each of these is an FTS5 syntax error or operator when written into MATCH as is
    (``NOT revenue`` would even exclude the answer); here they are words."""
    hits = search_index(SearchIndex(built), query, limit=5).hits
    assert "metrics/revenue" in [hit.id for hit in hits]


def test_a_request_the_engine_refuses_never_rebuilds_a_healthy_index(
    built: TenantContext,
) -> None:
    """The mechanism, with a real SQLite failure: raw FTS5 syntax handed to MATCH."""
    index = SearchIndex(built)
    index.ensure_current()
    before = index_state(built)

    def raw_syntax(db: sqlite3.Connection) -> Any:
        sql = "SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?"
        return db.execute(sql, ('"a" NEAR( b',)).fetchall()

    with pytest.raises(QueryFailedError):
        index.read(raw_syntax)
    assert index_state(built) == before
    assert "metrics/revenue" in {h["id"] for h in index.fts("revenue", 5, None)}


def test_a_damaged_index_is_still_rebuilt(built: TenantContext, tmp_path: Path) -> None:
    """The health probe does not stop the repair it exists to tell apart."""
    index = SearchIndex(built)
    index.ensure_current()
    for data in index.dir.glob("*.sqlite*"):
        data.write_bytes(b"garbage" * 100)
    before = index_state(built)
    hits = index.fts("revenue", 5, None)
    assert "metrics/revenue" in {h["id"] for h in hits}
    assert index_state(built) != before  # a new table generation was written
