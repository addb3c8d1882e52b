"""The four real OKF bundles written by others can be served: search finds, links lead on.

Each bundle is copied into a fresh tenant's ``bundle/`` at test time (never into the
repository) and committed as an iteration, then queried through an MCP client.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from dossier.serve import build_server
from dossier.tenancy import Registry, TenantRepo

Run = Callable[..., Any]

CASES = [
    # bundle, query, concept expected in the top 3, a concept it links to or from
    ("acme_retail", "Gross Margin", "metrics/gross-margin", "metrics/revenue"),
    ("crypto_bitcoin", "blocks", "tables/blocks", "tables/transactions"),
    ("ga4", "events", "tables/events_", "datasets/ga4_obfuscated_sample_ecommerce"),
    ("stackoverflow", "badges", "tables/badges", "tables/users"),
]


@pytest.mark.parametrize(("bundle", "query", "expected", "neighbour"), CASES)
def test_shared_bundle_is_searchable_and_linked(
    shared_bundles: dict[str, Path],
    tmp_path: Path,
    run: Run,
    bundle: str,
    query: str,
    expected: str,
    neighbour: str,
) -> None:
    ctx = Registry(tmp_path / "tenants").provision(bundle.replace("_", "-"))
    shutil.copytree(shared_bundles[bundle], ctx.bundle_dir, dirs_exist_ok=True)
    TenantRepo(ctx).commit_all(f"import {bundle}", {"Dossier-Run-Id": "import-1"})

    async def body() -> tuple[Any, Any, Any]:
        async with Client(build_server(ctx)) as client:
            found = await client.call_tool("search_concepts", {"query": query, "limit": 3})
            related = await client.call_tool(
                "get_related", {"concept_id": expected, "depth": 1, "limit": 100}
            )
            listing = await client.call_tool("list_concepts", {"limit": 100})
            return found, related, listing

    found, related, listing = run(body)
    hits = [hit["id"] for hit in found.structured_content["hits"]]
    assert expected in hits, f"{query!r} in {bundle}: {hits}"
    neighbours = {item["id"]: item for item in related.structured_content["related"]}
    assert neighbour in neighbours, f"{expected} neighbours: {sorted(neighbours)}"
    assert neighbours[neighbour]["context"]
    on_disk = {
        p.relative_to(ctx.bundle_dir).as_posix()[:-3]
        for p in ctx.bundle_dir.rglob("*.md")
        if p.name not in ("index.md", "log.md")
    }
    listed = {c["id"] for c in listing.structured_content["concepts"]}
    assert listed == on_disk
