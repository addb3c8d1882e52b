"""Agent ergonomics: the vocabulary tool, case-insensitive types, folder index files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client

from dossier.serve import build_server
from dossier.tenancy import TenantContext
from tests.serve.conftest import BETA_SECRET

Run = Callable[..., Any]


async def call(ctx: TenantContext, tool: str, args: dict[str, Any]) -> Any:
    async with Client(build_server(ctx)) as client:
        return await client.call_tool(tool, args)


def test_types_and_tags_are_listed_with_counts(alpha: TenantContext, run: Run) -> None:
    result = run(lambda: call(alpha, "list_types_and_tags", {}))
    assert not result.is_error
    data = result.structured_content
    assert data["types"] == {"metric": 2, "person": 1, "table": 1}
    assert data["tags"]["core"] == 2 and data["concepts"] == 4


def test_type_filters_ignore_case_and_unknown_types_say_what_exists(
    alpha: TenantContext, run: Run
) -> None:
    hits = run(lambda: call(alpha, "search_concepts", {"query": "revenue", "type": "METRIC"}))
    assert not hits.is_error
    assert {h["type"] for h in hits.structured_content["hits"]} == {"metric"}
    page = run(lambda: call(alpha, "list_concepts", {"type": "Table"}))
    assert [c["id"] for c in page.structured_content["concepts"]] == ["tables/orders"]
    unknown = run(lambda: call(alpha, "search_concepts", {"query": "x", "type": "decision"}))
    assert unknown.is_error
    assert "metric (2)" in unknown.content[0].text


def test_folder_index_files_are_readable_and_confined(alpha: TenantContext, beta: TenantContext,
                                                      run: Run) -> None:
    folder_index = alpha.bundle_dir / "metrics" / "index.md"
    folder_index.write_text("# Metrics\n\n- [Revenue](revenue.md)\n", encoding="utf-8")
    (beta.bundle_dir / "metrics" / "index.md").write_text(f"# {BETA_SECRET}\n", encoding="utf-8")

    async def read(uri: str) -> Any:
        async with Client(build_server(alpha)) as client:
            return await client.read_resource(uri)

    try:
        got = run(lambda: read("okf://metrics/index"))
        assert got.contents[0].text == folder_index.read_text(encoding="utf-8")
        root = run(lambda: read("okf://index"))
        assert root.contents[0].text == (alpha.bundle_dir / "index.md").read_text("utf-8")
        for hostile in ("okf://../beta/bundle/metrics/index", "okf://../../beta/index",
                        "okf://.git/index", "okf://nope/index"):
            with pytest.raises(Exception) as caught:
                run(lambda uri=hostile: read(uri))
            assert BETA_SECRET not in str(caught.value)
    finally:
        folder_index.unlink()
        (beta.bundle_dir / "metrics" / "index.md").unlink()
