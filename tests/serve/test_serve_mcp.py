"""The MCP tools and resources, through a real in-memory ``mcp.Client``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client, MCPError

from dossier.serve import build_server
from dossier.tenancy import TenantContext

Run = Callable[..., Any]

TOOLS = {"search_concepts", "get_concept", "get_related", "list_concepts", "get_concept_history",
         "get_context", "list_changes",
         "list_pending_reviews", "list_types_and_tags"}


async def call(ctx: TenantContext, tool: str, args: dict[str, Any]) -> Any:
    async with Client(build_server(ctx)) as client:
        return await client.call_tool(tool, args)


def ok(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content[0].text
    assert isinstance(result.structured_content, dict)
    return result.structured_content


def error_text(result: Any) -> str:
    assert result.is_error
    text: str = result.content[0].text
    return text


def test_tools_are_listed_with_schemas_and_no_tenant_argument(
    alpha: TenantContext, run: Run
) -> None:
    async def body() -> Any:
        async with Client(build_server(alpha)) as client:
            return (await client.list_tools()).tools

    tools = {tool.name: tool for tool in run(body)}
    assert set(tools) == TOOLS
    for tool in tools.values():
        properties = tool.input_schema["properties"]
        assert not {"tenant", "client_id", "root", "path"} & set(properties), tool.name
        assert tool.output_schema is not None, f"{tool.name} has structured output"
        assert tool.description
    limit = tools["search_concepts"].input_schema["properties"]["limit"]
    assert (limit["minimum"], limit["maximum"]) == (1, 100)


def test_search_concepts_returns_ranked_hits(alpha: TenantContext, run: Run) -> None:
    data = ok(run(lambda: call(alpha, "search_concepts", {"query": "revenue", "limit": 5})))
    assert data["mode"] == "keyword"
    hits = data["hits"]
    assert hits[0]["id"] == "metrics/revenue"
    assert set(hits[0]) >= {
        "id",
        "title",
        "type",
        "description",
        "snippet",
        "score",
        "trust_tier",
        "status",
        "stale",
    }
    # The deprecated look-alike is still found, behind the current one.
    order = [hit["id"] for hit in hits]
    assert order.index("metrics/legacy-revenue") > order.index("metrics/revenue")
    assert hits[order.index("metrics/legacy-revenue")]["status"] == "deprecated"


def test_search_concepts_filters(alpha: TenantContext, run: Run) -> None:
    data = ok(run(lambda: call(alpha, "search_concepts", {"query": "revenue", "type": "person"})))
    assert [hit["id"] for hit in data["hits"]] == ["people/jane"]
    data = ok(run(lambda: call(alpha, "search_concepts", {"query": "orders", "tags": ["sales"]})))
    assert [hit["id"] for hit in data["hits"]] == ["tables/orders"]


def test_get_concept_returns_frontmatter_body_links_and_backlinks(
    alpha: TenantContext, run: Run
) -> None:
    data = ok(run(lambda: call(alpha, "get_concept", {"concept_id": "tables/orders"})))
    assert data["id"] == "tables/orders" and data["uri"] == "okf://tables/orders"
    assert data["frontmatter"]["title"] == "Orders"
    assert data["frontmatter"]["verified"][0]["by"] == "human:ana"
    assert data["trust_tier"] == "human-reviewed"
    assert data["body"].startswith("# Orders")
    assert [link["target_id"] for link in data["links"]] == ["metrics/revenue"]
    backlinks = {link["source_id"]: link for link in data["backlinks"]}
    assert set(backlinks) == {"metrics/revenue"}
    assert "sum of order totals" in backlinks["metrics/revenue"]["context"]


def test_get_related_follows_links_both_ways_with_context_and_distance(
    alpha: TenantContext, run: Run
) -> None:
    data = ok(run(lambda: call(alpha, "get_related", {"concept_id": "people/jane"})))
    related = {item["id"]: item for item in data["related"]}
    assert set(related) == {"metrics/revenue"}
    assert related["metrics/revenue"]["direction"] == "incoming"
    assert related["metrics/revenue"]["distance"] == 1
    assert "Owner: Jane" in related["metrics/revenue"]["context"]

    data = ok(run(lambda: call(alpha, "get_related", {"concept_id": "people/jane", "depth": 2})))
    related = {item["id"]: item for item in data["related"]}
    assert set(related) == {"metrics/revenue", "tables/orders", "metrics/legacy-revenue"}
    assert related["tables/orders"]["distance"] == 2
    assert related["tables/orders"]["via"] == "metrics/revenue"
    assert related["tables/orders"]["direction"] == "outgoing"
    assert related["tables/orders"]["title"] == "Orders"
    assert related["metrics/legacy-revenue"]["direction"] == "incoming"

    data = ok(
        run(
            lambda: call(
                alpha, "get_related", {"concept_id": "people/jane", "depth": 2, "limit": 1}
            )
        )
    )
    assert len(data["related"]) == 1 and data["truncated"]


def test_list_concepts_paginates_with_an_opaque_cursor(alpha: TenantContext, run: Run) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        args: dict[str, Any] = {"limit": 3}
        if cursor:
            args["cursor"] = cursor
        data = ok(run(lambda args=args: call(alpha, "list_concepts", args)))
        assert data["total"] == 4
        seen.extend(item["id"] for item in data["concepts"])
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert seen == ["metrics/legacy-revenue", "metrics/revenue", "people/jane", "tables/orders"]
    data = ok(run(lambda: call(alpha, "list_concepts", {"type": "metric"})))
    assert [c["id"] for c in data["concepts"]] == ["metrics/legacy-revenue", "metrics/revenue"]
    data = ok(run(lambda: call(alpha, "list_concepts", {"tag": "core", "prefix": "tables/"})))
    assert [c["id"] for c in data["concepts"]] == ["tables/orders"]


def test_get_concept_history_lists_the_iterations(alpha: TenantContext, run: Run) -> None:
    data = ok(run(lambda: call(alpha, "get_concept_history", {"concept_id": "tables/orders"})))
    assert [it["run_id"] for it in data["iterations"]] == ["run-alpha-1"]
    entry = data["iterations"][0]
    assert entry["summary"] == "learn alpha's first concepts"
    assert len(entry["commit"]) == 40 and entry["date"].startswith("20")


def test_a_new_iteration_shows_in_search_and_history(
    fresh_tenant: Callable[[str], TenantContext],
    put_concept: Callable[..., None],
    commit_iteration: Callable[..., str],
    run: Run,
) -> None:
    ctx = fresh_tenant("acme")
    server = build_server(ctx)

    async def body() -> tuple[Any, Any, Any]:
        async with Client(server) as client:
            before = await client.call_tool("search_concepts", {"query": "warehouse"})
            put_concept(
                ctx,
                "tables/orders",
                "# Orders\n\nStored in the warehouse.\n",
                type="table",
                title="Orders",
            )
            sha = commit_iteration(ctx, "run-2", "orders moved to the warehouse")
            after = await client.call_tool("search_concepts", {"query": "warehouse"})
            history = await client.call_tool("get_concept_history", {"concept_id": "tables/orders"})
            return before, after, (sha, history)

    before, after, (sha, history) = run(body)
    assert ok(before)["hits"] == []
    assert [hit["id"] for hit in ok(after)["hits"]] == ["tables/orders"]
    iterations = ok(history)["iterations"]
    assert [it["run_id"] for it in iterations] == ["run-2", "run-1"]
    assert iterations[0]["commit"] == sha


@pytest.mark.parametrize(
    ("tool", "args", "message"),
    [
        ("get_concept", {"concept_id": "tables/nope"}, "no concept 'tables/nope'"),
        ("get_concept", {"concept_id": ""}, "concept_id must be a non-empty string"),
        ("get_related", {"concept_id": "tables/nope"}, "no concept 'tables/nope'"),
        ("get_related", {"concept_id": "tables/orders", "depth": 0}, "depth must be from 1 to 3"),
        ("get_related", {"concept_id": "tables/orders", "limit": 500}, "limit must be from 1"),
        ("get_concept_history", {"concept_id": "x/y"}, "no concept 'x/y'"),
        ("search_concepts", {"query": "x", "limit": 0}, "limit must be from 1 to 100, got 0"),
        ("search_concepts", {"query": "x", "limit": 101}, "limit must be from 1 to 100"),
        ("search_concepts", {"query": "  "}, "query must be a non-empty string"),
        ("search_concepts", {"query": "x", "limit": "many"}, "limit"),
        ("list_concepts", {"limit": 0}, "limit must be from 1 to 100, got 0"),
        ("list_concepts", {"cursor": "not-a-cursor"}, "cursor is not valid"),
    ],
)
def test_bad_input_is_a_tool_error_with_a_message(
    alpha: TenantContext, run: Run, tool: str, args: dict[str, Any], message: str
) -> None:
    assert message in error_text(run(lambda: call(alpha, tool, args)))


def test_a_cursor_from_other_filters_is_refused(alpha: TenantContext, run: Run) -> None:
    cursor = ok(run(lambda: call(alpha, "list_concepts", {"limit": 1})))["next_cursor"]
    text = error_text(
        run(lambda: call(alpha, "list_concepts", {"limit": 1, "type": "metric", "cursor": cursor}))
    )
    assert "other filters" in text


def test_resources_serve_the_index_and_each_concept(alpha: TenantContext, run: Run) -> None:
    async def body() -> tuple[Any, Any, Any, Any]:
        async with Client(build_server(alpha)) as client:
            listed = await client.list_resources()
            templates = await client.list_resource_templates()
            index = await client.read_resource("okf://index")
            concept = await client.read_resource("okf://tables/orders")
            return listed, templates, index, concept

    listed, templates, index, concept = run(body)
    assert [str(r.uri) for r in listed.resources] == ["okf://index"]
    assert [t.uri_template for t in templates.resource_templates] == ["okf://{+concept_id}"]
    assert index.contents[0].text == (alpha.bundle_dir / "index.md").read_text("utf-8")
    assert concept.contents[0].text == (alpha.bundle_dir / "tables/orders.md").read_text("utf-8")
    assert concept.contents[0].mime_type == "text/markdown"


def test_unknown_concept_resource_is_an_error(alpha: TenantContext, run: Run) -> None:
    async def body() -> str:
        async with Client(build_server(alpha)) as client:
            try:
                await client.read_resource("okf://tables/nope")
            except MCPError as exc:
                return str(exc)
        return "no error"

    assert "no concept 'tables/nope'" in run(body)
