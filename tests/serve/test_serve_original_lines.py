"""Search hits citing a converted source also give the original file's lines.

A hit's citation names snapshot lines (``sources/x.md:3-6``); for an HTML page those are
not the page's lines.  The CLI (``--json`` and text) and the MCP ``search_concepts`` tool
add ``original_line_start``/``_end`` from the tenant's own catalogue; a source whose
lines are its own gets none.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcp import Client
from typer.testing import CliRunner

from dossier.cli import app
from dossier.runtime.default import DefaultOrchestrator
from dossier.runtime.orchestrator import LoopOptions
from dossier.serve import build_server
from dossier.tenancy import Registry, TenantContext

Run = Callable[..., Any]

HEAD = "\n".join(f"  .c{i} {{ margin: {i}px; }}" for i in range(30))
PAGE = f"""<!DOCTYPE html>
<html><head><title>Dock operations</title>
<style>
{HEAD}
</style></head>
<body>
<h1>Dock operations</h1>
<h2>SYS-12 Label Printer Service</h2>
<p>The Label Printer Service is the system that prints
  carrier labels at every dock door
  during wave picking.</p>
</body></html>
"""
NOTES = "# Yard notes\n\n## SYS-20 Yard Manager\n\nThe Yard Manager tracks trailers.\n"
CLAIM = next(n for n, line in enumerate(PAGE.split("\n"), 1) if "The Label Printer" in line)


def _tenant(tmp_path: Path) -> TenantContext:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "dock.html").write_text(PAGE, encoding="utf-8")
    (corpus / "yard.md").write_text(NOTES, encoding="utf-8")
    ctx = Registry(tmp_path / "tenants").provision("docks", sources=[corpus])
    record = DefaultOrchestrator().run_iteration(ctx, LoopOptions())
    assert record.status == "committed", record.message
    return ctx


def _search(ctx: TenantContext, query: str, *extra: str) -> Any:
    result = CliRunner().invoke(app, ["search", "docks", query, "--root", str(ctx.root), *extra])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cli_hits_give_the_original_lines_of_a_converted_source(tmp_path: Path) -> None:
    ctx = _tenant(tmp_path)
    hits = json.loads(_search(ctx, "carrier labels dock door", "--json"))
    cite = hits[0]["citation"]
    assert cite["path"] == "sources/corpus/dock-html.md"
    assert cite["original_line_start"] <= CLAIM
    assert CLAIM + 2 <= cite["original_line_end"] < CLAIM + 6
    assert cite["line_start"] < CLAIM  # the snapshot lines are still the link's
    text = _search(ctx, "carrier labels dock door")
    assert f"(original lines {cite['original_line_start']}-" in text

    yard = json.loads(_search(ctx, "trailers yard", "--json"))[0]["citation"]
    assert yard["path"] == "sources/corpus/yard-md.md"
    assert yard["original_line_start"] is None and yard["original_line_end"] is None


def test_mcp_search_gives_the_original_lines(tmp_path: Path, run: Run) -> None:
    ctx = _tenant(tmp_path)

    async def body() -> Any:
        async with Client(build_server(ctx)) as client:
            return await client.call_tool("search_concepts", {"query": "carrier labels"})

    result = run(body)
    assert not result.is_error
    cite = result.structured_content["hits"][0]["citation"]
    assert cite["original_line_start"] <= CLAIM <= cite["original_line_end"]


def test_a_catalogue_linked_or_swapped_for_a_fifo_gives_no_maps(tmp_path: Path) -> None:
    """The maps come from this tenant's own catalogue file: a symlink in its place (to
    another tenant's) is not followed, and a FIFO does not hang the search."""
    import os

    ctx = _tenant(tmp_path)
    other = tmp_path / "other-catalogue.json"
    catalogue = ctx.sources_dir / "catalogue.json"
    other.write_bytes(catalogue.read_bytes())
    catalogue.unlink()
    catalogue.symlink_to(other)
    cite = json.loads(_search(ctx, "carrier labels dock door", "--json"))[0]["citation"]
    assert cite["original_line_start"] is None and cite["original_line_end"] is None

    catalogue.unlink()
    os.mkfifo(catalogue)
    cite = json.loads(_search(ctx, "carrier labels dock door", "--json"))[0]["citation"]
    assert cite["original_line_start"] is None
