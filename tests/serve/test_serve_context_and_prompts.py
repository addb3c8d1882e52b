"""get_context, list_changes and the prompts, through a real in-memory ``mcp.Client``."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from mcp import Client

from dossier.serve import build_server
from dossier.serve.context import estimate_tokens
from dossier.tenancy import TenantContext, TenantRepo
from tests.serve.conftest import ALPHA_SECRET, BETA_SECRET, loop_commit, write_concept
from tests.serve.test_serve_mcp import call, ok

Run = Callable[..., Any]


def test_context_returns_the_concept_and_its_neighbours_nearest_first(
    alpha: TenantContext, run: Run
) -> None:
    data = ok(run(lambda: call(alpha, "get_context", {"concept_id": "metrics/revenue"})))
    assert data["concept_id"] == "metrics/revenue"
    assert data["title"] == "Revenue"
    assert "sum of order totals" in data["body"]
    assert not data["body_truncated"]
    ids = [n["id"] for n in data["neighbours"]]
    assert {"tables/orders", "people/jane", "metrics/legacy-revenue"} <= set(ids)
    distances = [n["distance"] for n in data["neighbours"]]
    assert distances == sorted(distances)
    orders = next(n for n in data["neighbours"] if n["id"] == "tables/orders")
    assert orders["description"].startswith("Orders table")
    assert data["tokens_estimate"] <= data["budget_tokens"]


def test_context_never_exceeds_its_budget_and_says_what_it_left_out(
    fresh_tenant: Callable[[str], TenantContext], run: Run
) -> None:
    ctx = fresh_tenant("bigco")
    paragraphs = "\n\n".join(f"Paragraph {i} about the hub. " + "word " * 60 for i in range(60))
    links = " ".join(f"[spoke {i}](/spokes/s{i}.md)" for i in range(40))
    write_concept(ctx, "systems/hub", f"# Hub\n\n{links}\n\n{paragraphs}\n",
                  type="system", title="Hub", description="The hub.")
    for i in range(40):
        write_concept(ctx, f"spokes/s{i}", f"# Spoke {i}\n\nPart of the [hub](/systems/hub.md).\n",
                      type="system", title=f"Spoke {i}", description=f"Spoke number {i}. " * 5)
    loop_commit(ctx, "run-2", "hub and spokes")

    data = ok(run(lambda: call(ctx, "get_context",
                               {"concept_id": "systems/hub", "budget_tokens": 800})))
    assert data["body_truncated"]
    assert estimate_tokens(data["body"]) <= 800
    assert data["tokens_estimate"] <= 800
    assert data["omitted_neighbours"] > 0
    assert len(data["neighbours"]) + data["omitted_neighbours"] >= 40

    roomy = ok(run(lambda: call(ctx, "get_context",
                                {"concept_id": "systems/hub", "budget_tokens": 50_000})))
    assert not roomy["body_truncated"]
    assert roomy["omitted_neighbours"] == 0
    assert len(roomy["neighbours"]) >= 40


def test_context_refuses_bad_budgets_and_other_tenants_ids(
    alpha: TenantContext, run: Run
) -> None:
    for args in (
        {"concept_id": "tables/orders", "budget_tokens": 10},
        {"concept_id": "../beta/bundle/tables/orders"},
        {"concept_id": "/etc/passwd"},
        {"concept_id": "tables/nope"},
    ):
        result = run(lambda args=args: call(alpha, "get_context", args))
        assert result.is_error, args
        assert BETA_SECRET not in result.content[0].text


def test_context_does_not_follow_a_symlink_into_another_tenant(
    alpha: TenantContext, beta: TenantContext, run: Run
) -> None:
    link = alpha.bundle_dir / "tables" / "stolen.md"
    link.symlink_to(beta.bundle_dir / "tables" / "orders.md")
    try:
        result = run(lambda: call(alpha, "get_context", {"concept_id": "tables/stolen"}))
        assert result.is_error
        assert BETA_SECRET not in str(result.content)
        data = ok(run(lambda: call(alpha, "get_context", {"concept_id": "tables/orders"})))
        assert BETA_SECRET not in str(data)
        assert ALPHA_SECRET in str(data)
    finally:
        link.unlink()


def test_list_changes_nets_additions_changes_and_removals_per_window(
    fresh_tenant: Callable[[str], TenantContext], run: Run
) -> None:
    ctx = fresh_tenant("changeco")
    first = TenantRepo(ctx).git("log", "-1", "--format=%cI").stdout.strip()
    time.sleep(1.1)  # commit dates have one-second resolution
    write_concept(ctx, "tables/orders", "# Orders\n\nRewritten.\n", type="table", title="Orders")
    (ctx.bundle_dir / "people" / "jane.md").unlink()
    write_concept(ctx, "decisions/d1", "# D1\n\nWe chose X.\n", type="decision", title="D1")
    loop_commit(ctx, "run-2", "second iteration")

    after_first = (datetime.fromisoformat(first) + timedelta(seconds=1)).isoformat()
    data = ok(run(lambda: call(ctx, "list_changes", {"since": after_first})))
    assert len(data["commits"]) == 1
    assert data["added"] == ["decisions/d1"]
    assert data["changed"] == ["tables/orders"]
    assert data["removed"] == ["people/jane"]
    assert data["commits"][0]["actor"] == "loop"

    everything = ok(run(lambda: call(ctx, "list_changes", {"since": "2000-01-01"})))
    assert [c["actor"] for c in everything["commits"]] == ["loop", "loop", "unattributed"]
    assert "people/jane" not in everything["added"] + everything["removed"]  # born and gone
    assert "tables/orders" in everything["added"]

    future = ok(run(lambda: call(ctx, "list_changes", {"since": "2999-01-01"})))
    assert future["commits"] == [] and future["added"] == []

    for bad in ("last tuesday", "--all", "2026-13-45"):
        result = run(lambda bad=bad: call(ctx, "list_changes", {"since": bad}))
        assert result.is_error, bad


def test_prompts_are_listed_and_carry_the_tenants_facts(alpha: TenantContext, run: Run) -> None:
    async def body() -> tuple[Any, Any, Any]:
        async with Client(build_server(alpha)) as client:
            listed = (await client.list_prompts()).prompts
            brief = await client.get_prompt("brief_me", {})
            changed = await client.get_prompt("what_changed", {"since": "2000-01-01"})
            return listed, brief, changed

    listed, brief, changed = run(body)
    assert {p.name for p in listed} == {"brief_me", "what_changed"}
    brief_text = brief.messages[0].content.text
    assert "'alpha'" in brief_text and "metric (2)" in brief_text
    changed_text = changed.messages[0].content.text
    assert "tables/orders" in changed_text and "metrics/revenue" in changed_text
    assert BETA_SECRET not in brief_text + changed_text
