"""What a hit quotes: the passage that best covers the query, and its neighbour.

The decision record below repeats the question's topic words ("storefront",
"hosting", "platform") in its Context section, while the answer (the region) sits
in the Decision section after it.  Quoting only the passage BM25 liked best gave the
Context alone; the quote must hold the Decision, with lines and citation covering
it, and be the same through the shared function, the CLI and MCP.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from typer.testing import CliRunner

from dossier.cli import app
from dossier.serve import build_server, search
from dossier.serve.embed import semantic_available
from dossier.tenancy import Registry, TenantContext

Put = Callable[..., None]
Commit = Callable[[TenantContext, str, str], str]
Run = Callable[..., Any]

QUESTION = "Which region hosts the storefront platform?"
ANSWER = "We will run in the eu-west-1 region, Ireland."

BODY = "\n".join(
    [
        "## Status",
        "",
        "Accepted.[^src-adr]",
        "",
        "## Context",
        "",
        "The storefront needs a hosting platform. The storefront platform hosts the "
        "storefront web tier, the storefront workers and the storefront databases; the "
        "storefront team operates the hosting platform itself.[^src-adr]",
        "",
        "## Decision",
        "",
        f"{ANSWER} Amazon Web Services is the provider.[^src-decision]",
        "",
        "## Consequences",
        "",
        "Teams move their services in one weekend, then improve them in place.[^src-adr]",
        "",
        "[^src-adr]: ADR 2, lines 1-40",
        "[^src-decision]: ADR 2, lines 15-19",
        "",
    ]
)


def tenant(tmp_path: Path, put: Put, commit: Commit) -> TenantContext:
    ctx = Registry(tmp_path / "tenants").provision("acme")
    put(
        ctx,
        "decisions/hosting",
        BODY,
        type="Decision",
        title="Storefront hosting",
        description="Where the storefront runs.",
        sources=[
            {"id": "src-adr", "resource": "../../sources/adr/0002.md#L1-L40"},
            {"id": "src-decision", "resource": "../../sources/adr/0002.md#L15-L19"},
        ],
    )
    # Other concepts share the region word, so BM25 alone rates it low.
    for number in range(3):
        put(
            ctx,
            f"notes/region-{number}",
            f"Region {number} notes: the region list, region codes and region owners.\n",
            title=f"Region notes {number}",
        )
    commit(ctx, "run-1", "learn the hosting decision")
    return ctx


def decision_line(ctx: TenantContext) -> int:
    lines = (ctx.bundle_dir / "decisions" / "hosting.md").read_text(encoding="utf-8").split("\n")
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(ANSWER))


def test_the_quote_holds_the_answering_section_with_its_lines_and_citation(
    tmp_path: Path, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = tenant(tmp_path, put_concept, commit_iteration)
    top = search(ctx, QUESTION, limit=3)[0]
    assert top.id == "decisions/hosting"
    assert ANSWER in top.snippet
    assert top.passage is not None
    assert top.passage.line_start <= decision_line(ctx) <= top.passage.line_end
    assert "[^" not in top.snippet and "##" not in top.snippet
    assert top.citation is not None
    assert top.citation.path == "sources/adr/0002.md"
    assert top.citation.line_start is not None and top.citation.line_end is not None
    assert top.citation.line_start <= 15 and top.citation.line_end >= 19


def test_cli_and_mcp_return_the_same_hit_and_quote(
    tmp_path: Path, put_concept: Put, commit_iteration: Commit, run: Run
) -> None:
    ctx = tenant(tmp_path, put_concept, commit_iteration)
    result = CliRunner().invoke(
        app, ["search", "acme", QUESTION, "--root", str(ctx.root), "--limit", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    cli_hits = json.loads(result.stdout)

    async def body() -> Any:
        async with Client(build_server(ctx)) as client:
            return await client.call_tool("search_concepts", {"query": QUESTION, "limit": 2})

    mcp = run(body)
    assert not mcp.is_error
    mcp_hits = mcp.structured_content["hits"]
    keys = ("id", "snippet", "passage", "citation")
    assert [{k: h[k] for k in keys} for h in cli_hits] == [
        {k: h[k] for k in keys} for h in mcp_hits
    ]
    assert ANSWER in cli_hits[0]["snippet"]


@pytest.mark.skipif(not semantic_available(), reason="needs the 'semantic' extra")
def test_hybrid_quotes_the_passage_nearest_in_meaning(
    tmp_path: Path, put_concept: Put, commit_iteration: Commit
) -> None:
    """Passages are embedded one by one: a later section sharing no word with the
    question is still what the hybrid hit quotes."""
    ctx = Registry(tmp_path / "tenants").provision("acme")
    filler = "The team meets on Mondays to plan the week and review open tickets."
    sections = [f"## Part {n}\n\n{filler}\n" for n in range(1, 6)]
    sections.insert(4, "## Part 9\n\nCats and dogs may come to the office on Fridays.\n")
    put_concept(ctx, "handbook/office", "\n".join(sections), title="Office handbook",
                description="How the office works.")
    commit_iteration(ctx, "run-1", "learn the handbook")
    hits = search(ctx, "are pets allowed at work", limit=1, mode="hybrid")
    assert hits[0].id == "handbook/office"
    assert hits[0].snippet.startswith("Cats and dogs may come to the office on Fridays.")
    assert hits[0].passage is not None and hits[0].passage.heading == ["Part 9"]
