"""Isolation: a server bound to tenant alpha never returns anything of tenant beta.

Both tenants hold look-alike concepts (same ids, same titles); only a per-tenant
secret string differs.  Every tool and resource is called with crafted ids that try
to leave alpha's bundle (``..``, absolute paths, percent-encoding, backslashes) and
with symlinks planted in alpha's bundle that point into beta's; beta's secret must
never appear in any answer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, MCPError

from dossier.serve import build_server
from dossier.tenancy import TenantContext

ALPHA_SECRET = "alphasecret7731"
BETA_SECRET = "betasecret9924"

Run = Callable[..., Any]


@pytest.fixture(scope="module")
def planted(alpha: TenantContext, beta: TenantContext) -> TenantContext:
    """Alpha, indexed once, then with escape symlinks planted and committed."""
    from dossier.serve import sync_index
    from dossier.tenancy import TenantRepo

    sync_index(alpha)
    bundle = alpha.bundle_dir
    os.symlink(beta.bundle_dir / "tables" / "orders.md", bundle / "leak.md")
    os.symlink(beta.bundle_dir, bundle / "leakdir")
    os.symlink(beta.bundle_dir / "metrics", bundle / "tables" / "more")
    os.symlink(os.path.relpath(beta.bundle_dir / "people" / "jane.md", bundle), bundle / "rel.md")
    TenantRepo(alpha).commit_all("plant symlinks", {"Dossier-Run-Id": "run-evil"})
    return alpha


def crafted_ids(beta: TenantContext) -> list[str]:
    target = beta.bundle_dir / "tables" / "orders"
    return [
        "../beta/bundle/tables/orders",
        "../../beta/bundle/tables/orders",
        "tables/../../../beta/bundle/tables/orders",
        str(target),
        str(target) + ".md",
        "%2e%2e/%2e%2e/beta/bundle/tables/orders",
        "..%2f..%2fbeta%2fbundle%2ftables%2forders",
        "%2E%2E%2F%2E%2E%2Fbeta%2Fbundle%2Ftables%2Forders",
        "..\\..\\beta\\bundle\\tables\\orders",
        "tables\\..\\..\\..\\beta\\bundle\\tables\\orders",
        "leak",
        "leak.md",
        "rel",
        "leakdir/tables/orders",
        "leakdir/people/jane",
        "tables/more/revenue",
        "tables/orders\x00",
        "file://" + str(target) + ".md",
    ]


def dump(result: Any) -> str:
    """Everything a client receives from a call, as text."""
    if hasattr(result, "model_dump"):
        return json.dumps(result.model_dump(mode="json"), default=str)
    return str(result)


def test_the_secrets_are_where_we_think(
    planted: TenantContext, beta: TenantContext, run: Run
) -> None:
    """Sanity: the same call bound to beta does see beta's secret, so the checks can fail."""

    async def body() -> str:
        async with Client(build_server(beta)) as client:
            return dump(await client.call_tool("get_concept", {"concept_id": "tables/orders"}))

    assert BETA_SECRET in run(body)


def test_every_tool_refuses_crafted_ids(
    planted: TenantContext, beta: TenantContext, run: Run
) -> None:
    async def body() -> list[tuple[str, str, Any]]:
        out = []
        async with Client(build_server(planted)) as client:
            for concept_id in crafted_ids(beta):
                for tool, args in (
                    ("get_concept", {"concept_id": concept_id}),
                    ("get_related", {"concept_id": concept_id, "depth": 3}),
                    ("get_concept_history", {"concept_id": concept_id}),
                ):
                    out.append((tool, concept_id, await client.call_tool(tool, args)))
        return out

    for tool, concept_id, result in run(body):
        assert result.is_error, f"{tool}({concept_id!r}) was answered"
        assert BETA_SECRET not in dump(result), f"{tool}({concept_id!r}) leaked"
        assert str(planted.root) not in result.content[0].text, "paths are masked"


def test_search_and_listing_never_reach_the_other_tenant(
    planted: TenantContext, beta: TenantContext, run: Run
) -> None:
    async def body() -> list[Any]:
        out = []
        async with Client(build_server(planted)) as client:
            for query in (BETA_SECRET, "orders", "revenue Jane", *crafted_ids(beta)[:4]):
                out.append(await client.call_tool("search_concepts", {"query": query}))
            out.append(await client.call_tool("list_concepts", {"limit": 100}))
            for prefix in ("leak", "leakdir/", "../", "tables/more"):
                out.append(await client.call_tool("list_concepts", {"prefix": prefix}))
            out.append(
                await client.call_tool(
                    "search_concepts", {"query": "orders", "tenant": "beta", "root": "/"}
                )
            )
        return out

    results = run(body)
    for result in results:
        assert not result.is_error
        data = result.structured_content
        answer = data.get("hits", data.get("concepts"))  # the query itself is echoed back
        assert answer is not None and BETA_SECRET not in json.dumps(answer)
    listing = results[len(crafted_ids(beta)[:4]) + 3].structured_content
    assert [c["id"] for c in listing["concepts"]] == [
        "metrics/legacy-revenue",
        "metrics/revenue",
        "people/jane",
        "tables/orders",
    ]
    searched = results[1].structured_content["hits"]
    assert searched and all(ALPHA_SECRET in h["description"] + h["snippet"] for h in searched[:1])
    assert results[0].structured_content["hits"] == []  # beta's secret: nothing


def test_resources_refuse_crafted_uris(
    planted: TenantContext, beta: TenantContext, run: Run
) -> None:
    uris = [f"okf://{cid}" for cid in crafted_ids(beta) if "\x00" not in cid]
    uris += ["okf:///etc/passwd", "okf://../beta/bundle/index", "okf://leakdir/index"]

    async def body() -> list[tuple[str, str]]:
        out = []
        async with Client(build_server(planted)) as client:
            for uri in uris:
                try:
                    result = await client.read_resource(uri)
                    out.append((uri, "ANSWERED " + dump(result)))
                except MCPError as exc:
                    out.append((uri, f"refused {exc}"))
        return out

    for uri, outcome in run(body):
        assert outcome.startswith("refused"), f"{uri} was served: {outcome[:200]}"
        assert BETA_SECRET not in outcome


def test_a_symlinked_tenant_bundle_file_is_not_indexed(planted: TenantContext) -> None:
    from dossier.serve import SearchIndex

    index = SearchIndex(planted)
    assert index.ids(None) == [
        "metrics/legacy-revenue",
        "metrics/revenue",
        "people/jane",
        "tables/orders",
    ]
    meta_text = (planted.cache_dir / "index" / "meta.json").read_text("utf-8")
    assert "leak" not in meta_text and BETA_SECRET not in meta_text
    for lance_file in (planted.cache_dir / "index").rglob("*"):
        if lance_file.is_file():
            assert BETA_SECRET.encode() not in lance_file.read_bytes(), lance_file


def test_beta_server_is_equally_confined(
    planted: TenantContext, beta: TenantContext, run: Run
) -> None:
    async def body() -> list[Any]:
        async with Client(build_server(beta)) as client:
            return [
                await client.call_tool("search_concepts", {"query": ALPHA_SECRET}),
                await client.call_tool("get_concept", {"concept_id": "../alpha/bundle/leak"}),
            ]

    searched, fetched = run(body)
    assert searched.structured_content["hits"] == []
    assert fetched.is_error and ALPHA_SECRET not in dump(fetched)


def test_tenant_paths_exist(planted: TenantContext, beta: TenantContext) -> None:
    """The crafted absolute paths really point at beta's file (the test is not vacuous)."""
    assert Path(crafted_ids(beta)[4]).is_file()
    assert (planted.bundle_dir / "leak.md").is_symlink()
