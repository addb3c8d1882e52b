"""``dossier search`` and ``dossier index``: same results as the MCP tool, clean errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from mcp import Client
from typer.testing import CliRunner

from dossier.cli import app
from dossier.serve import build_server
from dossier.tenancy import TenantContext

Run = Callable[..., Any]
runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_search_json_matches_the_mcp_tool(alpha: TenantContext, run: Run) -> None:
    root = str(alpha.root)
    result = invoke("search", "alpha", "revenue orders", "--root", root, "--limit", "4", "--json")
    assert result.exit_code == 0, result.output
    cli_hits = json.loads(result.stdout)

    async def body() -> Any:
        async with Client(build_server(alpha)) as client:
            return await client.call_tool(
                "search_concepts", {"query": "revenue orders", "limit": 4}
            )

    mcp_hits = run(body).structured_content["hits"]
    assert cli_hits == mcp_hits
    assert [hit["id"] for hit in cli_hits][:2] == ["tables/orders", "metrics/revenue"]


def test_search_filters_and_human_output(alpha: TenantContext) -> None:
    root = str(alpha.root)
    result = invoke("search", "alpha", "revenue", "--root", root, "--type", "person")
    assert result.exit_code == 0, result.output
    assert "1. Jane Doe" in result.stdout and "people/jane" in result.stdout
    result = invoke("search", "alpha", "zzzqqq", "--root", root)
    assert result.exit_code == 0 and "No concepts match" in result.stdout
    result = invoke("search", "alpha", "orders", "--root", root, "--tag", "sales", "--json")
    assert [h["id"] for h in json.loads(result.stdout)] == ["tables/orders"]


def test_search_usage_errors_exit_2_without_traceback(alpha: TenantContext) -> None:
    root = str(alpha.root)
    result = invoke("search", "alpha", "x", "--root", root, "--limit", "0")
    assert result.exit_code == 2
    assert "limit must be from 1 to 100, got 0" in result.output
    assert "Traceback" not in result.output
    result = invoke("search", "nobody", "x", "--root", root)
    assert result.exit_code != 0 and "no tenant 'nobody'" in result.output


def test_index_reports_counts_and_rebuilds(
    fresh_tenant: Callable[[str], TenantContext],
) -> None:
    ctx = fresh_tenant("acme")
    root = str(ctx.root)
    result = invoke("index", "acme", "--root", root, "--json")
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)
    assert first["concepts"] == 4 and first["head"] and first["seconds"] >= 0
    again = json.loads(invoke("index", "acme", "--root", root, "--json").stdout)
    assert (again["concepts"], again["upserted"], again["rebuilt"]) == (4, 0, False)
    shutil.rmtree(ctx.cache_dir / "index")
    result = invoke("index", "acme", "--root", root, "--rebuild")
    assert result.exit_code == 0
    assert "Rebuilt the index of acme: 4 concepts" in result.stdout


def test_serve_mcp_rejects_an_unknown_transport(alpha: TenantContext) -> None:
    result = invoke("serve-mcp", "alpha", "--root", str(alpha.root), "--transport", "carrier")
    assert result.exit_code == 2
    assert "--transport" in result.output and "streamable-http" in result.output


def test_keyword_search_loads_no_heavy_engine(fresh_tenant: Callable[[str], TenantContext]) -> None:
    """``dossier search`` answers from stdlib sqlite3: no LanceDB, Arrow, numpy or torch is
    imported on the way (importing LanceDB alone took 2.2 s of a 2.6 s search).  Once the
    index is current, nor are the tenant manifest's models and YAML (≈ 0.06–0.18 s):
    finding the tenant and reading its git HEAD need neither.  (pydantic itself is
    loaded: typer builds its argument parsing on it, and the hit models use it.)"""
    ctx = fresh_tenant("acme")
    code = (
        "import sys\n"
        "from dossier.cli import main\n"
        f"sys.argv = ['dossier', 'search', 'acme', 'orders', '--root', {str(ctx.root)!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "heavy = ('lancedb', 'pyarrow', 'numpy', 'torch', 'sentence_transformers')\n"
        "print('HEAVY:' + ','.join(m for m in heavy if m in sys.modules))\n"
        "manifest = ('dossier.tenancy.manifest', 'dossier.tenancy.registry', 'yaml')\n"
        "print('MANIFEST:' + ','.join(m for m in manifest if m in sys.modules))\n"
    )
    for _ in ("builds the index", "reads the current index"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        assert "tables/orders" in out.stdout
        assert out.stdout.strip().splitlines()[-2] == "HEAVY:"
    assert out.stdout.strip().splitlines()[-1] == "MANIFEST:"


def test_search_of_an_unchanged_tenant_parses_nothing(
    fresh_tenant: Callable[[str], TenantContext],
) -> None:
    """Every ``dossier search`` is a fresh process: when no concept file changed since
    the index was built, it imports no concept parser (YAML frontmatter, the OKF model,
    the passage splitter) and no listing code, which took ~0.1 s of a 0.56 s search at
    10,000 concepts; an edit made since is still picked up (its file is parsed)."""
    ctx = fresh_tenant("acme")
    parsers = (
        "dossier.okf.document",
        "dossier.okf.model",
        "dossier.okf.validate",
        "dossier.serve.records",
        "dossier.serve.passages",
        "dossier.serve.knowledge",
    )
    code = (
        "import sys\n"
        "from dossier.cli import main\n"
        f"sys.argv = ['dossier', 'search', 'acme', sys.argv[1], '--root', {str(ctx.root)!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        f"print('PARSERS:' + ','.join(m for m in {parsers!r} if m in sys.modules))\n"
    )

    def search(query: str) -> list[str]:
        out = subprocess.run(
            [sys.executable, "-c", code, query], capture_output=True, text=True, check=True
        )
        return out.stdout.strip().splitlines()

    search("orders")  # builds the index
    lines = search("orders")
    assert any("tables/orders" in line for line in lines)
    assert lines[-1] == "PARSERS:"
    path = ctx.bundle_dir / "tables" / "orders.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nReconciled nightly by the zanzibar job.\n",
        encoding="utf-8",
    )
    lines = search("zanzibar")
    assert any("tables/orders" in line for line in lines)
    assert lines[-1] != "PARSERS:"
