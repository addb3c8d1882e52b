"""Passage-level retrieval: sections and paragraphs are ranked, quoted and cited.

Tenants here are hand-made: concepts whose paragraphs end with ``[^src-…]`` footnotes
naming ``sources[]`` entries with ``#L<a>-L<b>`` line ranges, as the extractor writes
them (OKF SPEC §5.1).  Hits are checked through the CLI, the MCP client and the
shared search function.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcp import Client
from typer.testing import CliRunner

from dossier.cli import app
from dossier.serve import SearchIndex, build_server, search
from dossier.serve.display import unpack
from dossier.tenancy import Registry, TenantContext

Put = Callable[..., None]
Commit = Callable[[TenantContext, str, str], str]
Run = Callable[..., Any]

FILLER = (
    "The {topic} step of every deploy is owned by the platform team and runs from the "
    "release pipeline. Operators read the dashboard, confirm the deploy ticket, and note "
    "the outcome in the channel before the next stage starts."
)
SECTIONS = ["Preparation", "Build", "Canary", "Promotion", "Rollback", "Cleanup"]
ROLLBACK = (
    "The rollback window is thirty minutes after the canary turns green; past that, "
    "revert with a new release instead."
)


def runbook_body() -> str:
    """Six sections; the fifth alone says how long the rollback window is."""
    parts = ["Deploying the storefront, step by step.[^src-runbook]", ""]
    for number, name in enumerate(SECTIONS, start=1):
        text = ROLLBACK if name == "Rollback" else FILLER.format(topic=name.lower())
        label = "src-rollback" if name == "Rollback" else "src-runbook"
        parts += [f"## {number}. {name}", "", f"{text}[^{label}]", ""]
    parts += ["[^src-runbook]: Runbook, lines 1-80", "[^src-rollback]: Rollback policy, line 7"]
    return "\n".join(parts) + "\n"


def fill(ctx: TenantContext, put: Put) -> None:
    put(
        ctx,
        "runbooks/deploy",
        runbook_body(),
        type="Runbook",
        title="Storefront deploy runbook",
        description="How the storefront is deployed.",
        sources=[
            {"id": "src-runbook", "resource": "../../sources/runbook.md#L1-L80"},
            {
                "id": "src-rollback",
                "resource": "../../sources/policies/rollback.md#L7",
                "title": "Rollback policy",
            },
        ],
    )
    # Short concepts full of the query's words but without the answer: whole-concept
    # BM25 prefers them to the long runbook.
    put(
        ctx,
        "notes/canary",
        "Canary deploy: rollback after a bad canary deploy.\n",
        type="Note",
        title="Canary deploy",
        description="Rollback notes for the canary deploy.",
    )
    put(
        ctx,
        "notes/rollbacks",
        "Rollback of a deploy after the canary; rollback again if needed.\n",
        type="Note",
        title="Rollbacks",
        description="Deploy rollback log.",
    )


def tenant(tmp_path: Path, put: Put, commit: Commit) -> TenantContext:
    ctx = Registry(tmp_path / "tenants").provision("acme")
    fill(ctx, put)
    commit(ctx, "run-1", "learn the runbook")
    return ctx


def passage_rows(index: SearchIndex) -> list[dict[str, Any]]:
    """Every passage row of the index as a search sees it (display unpacked)."""

    def run(db: sqlite3.Connection) -> list[dict[str, Any]]:
        rows = db.execute("SELECT pid, id, text, display FROM passages")
        return [
            unpack({"pid": pid, "id": cid, "text": text, "display": display})
            for pid, cid, text, display in rows
        ]

    return index.read(run)


QUESTION = "how long is the rollback window after a canary deploy"


def test_passages_carry_their_lines_headings_and_citations(
    tmp_path: Path, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = tenant(tmp_path, put_concept, commit_iteration)
    rows = [r for r in passage_rows(SearchIndex(ctx)) if r["id"] == "runbooks/deploy"]
    by_ordinal = {row["ordinal"]: row for row in rows}
    assert sorted(by_ordinal) == list(range(len(SECTIONS) + 2))  # title, intro, six sections
    lines = (ctx.bundle_dir / "runbooks" / "deploy.md").read_text(encoding="utf-8").split("\n")
    for ordinal, row in by_ordinal.items():
        if ordinal == 0:
            assert row["text"][row["text_offset"] :].startswith("Storefront deploy runbook.")
            continue
        text = row["text"][row["text_offset"] :]
        quoted = "\n".join(lines[row["line_start"] - 1 : row["line_end"]])
        assert text.split()[0] in quoted and text.split()[-1] in quoted, (ordinal, quoted)
        assert "[^" not in text  # footnote markers are not indexed
    rollback = next(r for r in rows if r["heading"] == ["5. Rollback"])
    assert lines[rollback["line_start"] - 1].startswith("The rollback window is thirty minutes")
    assert rollback["line_start"] == rollback["line_end"]
    assert (rollback["cite_source"], rollback["cite_path"]) == (
        "src-rollback",
        "sources/policies/rollback.md",
    )
    assert (rollback["cite_start"], rollback["cite_end"]) == (7, 7)
    intro = by_ordinal[1]
    assert intro["heading"] == []
    assert (intro["cite_path"], intro["cite_start"], intro["cite_end"]) == (
        "sources/runbook.md",
        1,
        80,
    )


def test_a_concept_answering_in_its_fifth_section_ranks_first_and_quotes_it(
    tmp_path: Path, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = tenant(tmp_path, put_concept, commit_iteration)
    hits = search(ctx, QUESTION, limit=3)
    assert hits[0].id == "runbooks/deploy"
    top = hits[0]
    # The section is quoted whole, first; its neighbour follows (docs/search.md).
    assert top.snippet.startswith(ROLLBACK)
    assert top.passage is not None and top.passage.heading == ["5. Rollback"]
    assert top.citation is not None
    assert (top.citation.source_id, top.citation.path) == (
        "src-rollback",
        "sources/policies/rollback.md",
    )
    assert (top.citation.line_start, top.citation.line_end) == (7, 7)


def test_cli_prints_and_returns_the_passage_and_its_citation(
    tmp_path: Path, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = tenant(tmp_path, put_concept, commit_iteration)
    root = str(ctx.root)
    runner = CliRunner()
    result = runner.invoke(app, ["search", "acme", QUESTION, "--root", root, "--json"])
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)[0]
    assert first["snippet"].startswith(ROLLBACK)
    assert first["passage"]["heading"] == ["5. Rollback"]
    assert first["citation"] == {
        "source_id": "src-rollback",
        "path": "sources/policies/rollback.md",
        "line_start": 7,
        "line_end": 7,
        "original_line_start": None,  # a snapshot whose lines are the original's
        "original_line_end": None,
    }
    human = runner.invoke(app, ["search", "acme", QUESTION, "--root", root, "--limit", "1"])
    assert human.exit_code == 0
    assert "The rollback window is thirty minutes" in human.stdout
    assert "sources/policies/rollback.md:7" in human.stdout


def test_sync_replaces_a_changed_concepts_passages_and_drops_a_deleted_ones(
    tmp_path: Path, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = tenant(tmp_path, put_concept, commit_iteration)
    index = SearchIndex(ctx)
    assert search(ctx, QUESTION, limit=1)[0].id == "runbooks/deploy"

    body = runbook_body().replace("thirty minutes", "forty-five minutes (quokka rule)")
    put_concept(
        ctx,
        "runbooks/deploy",
        body + "\n## 7. Aftercare\n\nWatch the error budget for a day.[^src-runbook]\n",
        type="Runbook",
        title="Storefront deploy runbook",
        description="How the storefront is deployed.",
        sources=[
            {"id": "src-runbook", "resource": "../../sources/runbook.md#L1-L90"},
            {"id": "src-rollback", "resource": "../../sources/policies/rollback.md#L9"},
        ],
    )
    (ctx.bundle_dir / "notes" / "canary.md").unlink()
    commit_iteration(ctx, "run-2", "revise the runbook, drop a note")

    report = index.sync()
    assert (report.rebuilt, report.upserted, report.removed) == (False, 1, 1)
    hit = search(ctx, "quokka rule rollback window", limit=1)[0]
    assert hit.id == "runbooks/deploy" and "forty-five minutes" in hit.snippet
    assert hit.citation is not None and hit.citation.line_start == 9
    added = search(ctx, "error budget aftercare", limit=1)[0]
    assert added.passage is not None and added.passage.heading == ["7. Aftercare"]
    assert added.citation is not None and added.citation.line_end == 90
    assert search(ctx, "thirty", limit=5) == []

    rows = passage_rows(index)
    assert not [r for r in rows if r["id"] == "notes/canary"]
    deploy = [r for r in rows if r["id"] == "runbooks/deploy"]
    assert len(deploy) == len({r["pid"] for r in deploy}) == len(SECTIONS) + 3
    assert ["7. Aftercare"] in [r["heading"] for r in deploy]


def test_mcp_search_returns_the_passage_and_its_citation(
    tmp_path: Path, put_concept: Put, commit_iteration: Commit, run: Run
) -> None:
    ctx = tenant(tmp_path, put_concept, commit_iteration)

    async def body() -> Any:
        async with Client(build_server(ctx)) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            result = await client.call_tool("search_concepts", {"query": QUESTION, "limit": 2})
            return tools["search_concepts"], result

    tool, result = run(body)
    assert not result.is_error
    assert tool.output_schema is not None
    hit = result.structured_content["hits"][0]
    assert hit["id"] == "runbooks/deploy"
    assert hit["snippet"].startswith(ROLLBACK)
    assert hit["passage"]["heading"] == ["5. Rollback"]
    lines = (ctx.bundle_dir / "runbooks" / "deploy.md").read_text(encoding="utf-8").split("\n")
    assert lines[hit["passage"]["line_start"] - 1].startswith("The rollback window is thirty")
    assert hit["passage"]["line_end"] > hit["passage"]["line_start"]  # and its neighbour
    assert hit["citation"]["path"] == "sources/policies/rollback.md"
    assert (hit["citation"]["line_start"], hit["citation"]["line_end"]) == (7, 7)
