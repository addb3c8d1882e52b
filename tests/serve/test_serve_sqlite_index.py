"""The SQLite FTS5 index: what the tokenizer folds, how fields weigh, generations under load."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from dossier.serve.index import SearchIndex
from dossier.serve.search import search_index
from dossier.tenancy import TenantContext

Put = Callable[..., None]
Commit = Callable[[TenantContext, str, str], str]
Fresh = Callable[[str], TenantContext]


def hit_ids(index: SearchIndex, query: str, limit: int = 10) -> list[str]:
    return [hit.id for hit in search_index(index, query, limit=limit).hits]


def test_words_are_folded_stemmed_and_stop_words_ignored(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = fresh_tenant("acme")
    put_concept(
        ctx,
        "notes/kiosk",
        "# Kiosk\n\nThe Café kiosk sells crème brûlée; staff wear their badges on deliveries.\n",
        title="Kiosk",
    )
    commit_iteration(ctx, "run-2", "kiosk")
    index = SearchIndex(ctx)
    # Case and diacritics folded both ways; Porter stemming joins singular and plural.
    for query in ("cafe", "CAFÉ", "creme brulee", "BADGE", "delivery"):
        assert hit_ids(index, query)[:1] == ["notes/kiosk"], query
    # Stop words are not searched: alone they find nothing, next to a word they add nothing.
    assert hit_ids(index, "the of and with their") == []
    plain = search_index(index, "badge", limit=1).hits[0].score
    padded = search_index(index, "the badge of their", limit=1).hits[0].score
    assert padded == plain


def test_a_title_match_outranks_a_body_match(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = fresh_tenant("acme")
    put_concept(
        ctx,
        "systems/gearbox",
        "# Gearbox overhaul\n\nPlanned every spring by the workshop crew.\n",
        title="Gearbox overhaul",
    )
    put_concept(
        ctx,
        "notes/workshop",
        "# Workshop log\n\nThe gearbox was checked again today.\n",
        title="Workshop log",
    )
    commit_iteration(ctx, "run-2", "two concepts")
    assert hit_ids(SearchIndex(ctx), "gearbox")[:2] == ["systems/gearbox", "notes/workshop"]


def test_a_reader_keeps_a_consistent_view_while_another_process_rebuilds(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit
) -> None:
    """Every search during a rebuild in another process answers in full from the old
    generation (WAL: it never waits), and the next after the switch from the new one."""
    ctx = fresh_tenant("acme")
    for n in range(400):
        put_concept(ctx, f"notes/n{n:03}", f"# Note {n}\n\nmeteorite sighting {n}\n", title=f"N{n}")
    commit_iteration(ctx, "run-2", "notes")
    reader = SearchIndex(ctx)
    assert len(hit_ids(reader, "meteorite", limit=100)) == 100
    before = set(reader.dir.glob("index_*.sqlite"))
    code = (
        "import sys\nfrom pathlib import Path\nfrom dossier.serve import rebuild_index\n"
        "from dossier.tenancy import Registry\n"
        "rebuild_index(Registry(Path(sys.argv[1])).get('acme'))\n"
    )
    rebuild = subprocess.Popen([sys.executable, "-c", code, str(ctx.root)])
    searches = 0
    try:
        while rebuild.poll() is None:
            assert len(hit_ids(reader, "meteorite", limit=100)) == 100
            searches += 1
    finally:
        assert rebuild.wait(timeout=120) == 0
    assert searches > 0
    after = set(reader.dir.glob("index_*.sqlite"))
    assert after and not after & before  # a new generation replaced the old one
    assert len(hit_ids(reader, "meteorite", limit=100)) == 100
    assert Path(reader._path or "") in after  # the reader moved to the new generation
