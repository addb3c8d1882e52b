"""A cold index build: what it stores, how it writes, what it leaves for later writes.

The build hands its rows to SQLite as JSON lists and one byte string (one statement
per table and batch, run with the GIL released, instead of binding every row in
Python while the parsing thread waits for the GIL); the rows it stores must be
exactly the rows the concept files parse into, whatever characters their text holds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dossier.okf.walk import concept_files
from dossier.serve import index as index_module
from dossier.serve.display import pack, pack_concept
from dossier.serve.fts_query import TOKENIZER, indexed_text
from dossier.serve.index import SearchIndex, generation_file
from dossier.serve.index_meta import load_meta
from dossier.serve.passages import plain
from dossier.serve.reading import read_row
from dossier.serve.search import search_index
from dossier.serve.sqlstore import connect
from dossier.tenancy import TenantContext

Put = Callable[..., None]
Commit = Callable[[TenantContext, str, str], str]
Fresh = Callable[[str], TenantContext]

#: Text that JSON escapes or that a careless round trip would change: quotes,
#: backslashes, escapes written out, control characters, non-ASCII and non-BMP
#: characters, JSON-looking text, SQL-looking text.
AWKWARD = (
    'She said "ship it" \\ then \\n left; a tab\there, a unit separator \x1f too. '
    "Café 東京 naïve 🚀 zebrafish \\u0041 [1, 2] {\"k\": null} '); DROP TABLE x; --"
)


def _generation(ctx: TenantContext) -> sqlite3.Connection:
    index_dir = ctx.cache_path("index")
    meta = load_meta(index_dir)
    assert meta is not None
    return sqlite3.connect(generation_file(index_dir, meta.table))


def test_a_build_stores_every_row_exactly_as_the_files_parse(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = fresh_tenant("acme")
    put_concept(
        ctx,
        "notes/awkward",
        f"# Awkward\n\n{AWKWARD}\n\n## Más — section\n\n"
        "Second paragraph, [revenue](/metrics/revenue.md).\n",
        title='Awkward "text" 🚀',
        description="Back\\slash and 東京",
        tags=["naïve", "with space"],
        stale_after="2031-05-06T07:08:09.123456Z",
    )
    commit_iteration(ctx, "run-2", "awkward")
    report = SearchIndex(ctx).rebuild()
    assert report.rebuilt and report.skipped == []

    db = _generation(ctx)
    stored_passages = {
        row[0]: row
        for row in db.execute("SELECT pid, id, ordinal, text, text_offset, display FROM passages")
    }
    stored_concepts = {row[0]: row for row in db.execute("SELECT * FROM concepts")}
    stored_tags = set(db.execute("SELECT tag, id FROM concept_tags"))
    stored_links = set(db.execute("SELECT target, source FROM links"))
    expected_passages: dict[str, tuple[Any, ...]] = {}
    expected_tags: set[tuple[str, str]] = set()
    expected_links: set[tuple[str, str]] = set()
    for concept_id, name in concept_files(ctx.bundle_dir):
        row, _ = read_row(concept_id, Path(name))
        assert row is not None
        assert stored_concepts[concept_id][7] == row.stale_after  # a float, to the bit
        assert stored_concepts[concept_id][2:4] == (row.title, row.description)
        concept = pack_concept(row)
        for p in row.passages:
            display = pack(p, concept)
            expected_passages[p.pid] = (p.pid, p.id, p.ordinal, p.text, p.text_offset, display)
        expected_tags |= {(tag, row.id) for tag in row.tags}
        expected_links |= {(target, row.id) for target in row.links}
    assert stored_passages == expected_passages
    assert stored_tags == expected_tags and ("naïve", "notes/awkward") in stored_tags
    assert stored_links == expected_links and ("metrics/revenue", "notes/awkward") in stored_links
    # (A passage's text has its whitespace runs joined into single spaces.)
    assert any(" ".join(AWKWARD.split()) in row[3] for row in stored_passages.values())

    # The full-text index holds each passage's indexed text under the passage's rowid.
    db.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, passages_fts, 'instance')")
    (rowid, text) = db.execute(
        "SELECT rowid, text FROM passages WHERE pid = 'notes/awkward#1'"
    ).fetchone()
    terms = db.execute("SELECT term FROM terms WHERE doc = ? ORDER BY offset", (rowid,))
    indexed = [t for (t,) in terms]
    probe = sqlite3.connect(":memory:")
    probe.execute(f"CREATE VIRTUAL TABLE p USING fts5(t, tokenize='{TOKENIZER}')")
    probe.execute("CREATE VIRTUAL TABLE pv USING fts5vocab(p, 'instance')")
    probe.execute("INSERT INTO p VALUES (?)", (indexed_text(text),))
    assert indexed == [t for (t,) in probe.execute("SELECT term FROM pv ORDER BY offset")]
    hits = search_index(SearchIndex(ctx), "zebrafish", limit=3).hits
    assert [hit.id for hit in hits] == ["notes/awkward"]


def test_a_build_writes_passages_tags_and_links_as_sets_not_row_by_row(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row by row (``executemany``), the writing thread binds every row in Python and
    takes the GIL back after every row's step, GIL time the parsing thread cannot
    use; the statements a build runs must not grow with its passages, tags and
    links."""
    ctx = fresh_tenant("acme")
    for n in range(40):
        parts = "\n\n".join(f"## Part {k}\n\nPlan {n} step {k} for the depot." for k in range(8))
        body = f"# Note {n}\n\n{parts}\n"
        put_concept(ctx, f"notes/n{n:02}", body, title=f"Note {n}", tags=["plan", f"d-{n}"])
    commit_iteration(ctx, "run-2", "notes")
    statements: list[str] = []

    def traced(path: Path, *, create: bool = False) -> sqlite3.Connection:
        db = connect(path, create=create)
        if create:
            db.set_trace_callback(lambda sql: statements.append(sql[:40]))
        return db

    monkeypatch.setattr(index_module, "connect", traced)
    report = SearchIndex(ctx).rebuild()
    db = _generation(ctx)
    (passages,) = db.execute("SELECT count(*) FROM passages").fetchone()
    (tags,) = db.execute("SELECT count(*) FROM concept_tags").fetchone()
    assert passages > 8 * 40 and tags >= 80
    writes = [s for s in statements if s.upper().startswith("INSERT")]
    # One insert per concept row (bound from Python: its float must not pass through
    # JSON text), a handful per batch for the rest, a few FTS commands.
    assert len(writes) <= report.concepts + 20, len(writes)


def test_a_built_generation_is_left_with_fts5_defaults_for_later_writes(
    fresh_tenant: Fresh,
) -> None:
    """The build's own FTS5 settings (no merging while it writes, a larger buffer) are
    set back, so the upserts of later syncs merge segments as FTS5 normally does."""
    ctx = fresh_tenant("acme")
    SearchIndex(ctx).rebuild()
    config = dict(_generation(ctx).execute("SELECT k, v FROM passages_fts_config"))
    assert config.get("automerge", 4) == 4
    assert config.get("hashsize", 1 << 20) == 1 << 20


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("See ![the chart](img/c.png) and [a memo](/m.md).", "See the chart and a memo."),
        ("A [link (with parens)](/a_(b).md) here", "A link (with parens) here"),
        ("Wow! [x](y) !not [an image]", "Wow! x !not [an image]"),
        ("[ref][r1] and [^note] gone", "ref and gone"),
        # Removing the footnote marker leaves a link: that link is reduced too.
        ("[x][^1](/y.md)", "x"),
        ("<https://example.com/a> and <b>", "https://example.com/a and <b>"),
    ],
)
def test_inline_markup_reduces_to_the_words_a_reader_sees(markdown: str, text: str) -> None:
    """The build skips each substitution whose markers are absent; what a passage holds
    must be what every substitution in turn would give."""
    assert plain(markdown) == text
