"""``dossier graph``: a self-contained page, checked in a real headless browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dossier.okf import Bundle, ConceptDocument
from tests.runtime.helpers import ACME_CORPUS, cli, cli_json, git

HOSTILE_TITLE = '</script><script>window.pwned=1</script><img src=x onerror="pwned=1">'


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("CI must have chromium for the graph test (.ci/run installs it)")
    pytest.skip("no headless chromium on this machine (apt-get install chromium)")


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("graph") / "t"
    provisioned = cli("provision", "acme", "--root", str(root), "--source", str(ACME_CORPUS))
    assert provisioned.exit_code == 0
    assert cli("run-loop", "acme", "--root", str(root)).exit_code == 0
    return root


def _browse(chromium: str, page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000",
         "--window-size=1280,800", *extra, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )


def _status(dom: str) -> dict[str, str]:
    match = re.search(r'<span id="status"([^>]*)>', dom)
    assert match, "the page has no status element after load"
    return dict(re.findall(r'data-([a-z]+)="([^"]*)"', match.group(1)))


def test_graph_page_is_self_contained(acme: Path, tmp_path: Path) -> None:
    out = tmp_path / "acme.html"
    data = cli_json("graph", "acme", "--root", str(acme), "-o", str(out))
    page = out.read_text(encoding="utf-8")
    assert data["nodes"] == len(Bundle(acme / "acme" / "bundle").concept_ids())
    assert data["edges"] > 0
    assert "default-src 'none'" in page  # the browser may fetch nothing
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)


def test_default_output_is_the_tenant_cache(acme: Path) -> None:
    data = cli_json("graph", "acme", "--root", str(acme))
    assert Path(data["path"]) == acme / "acme" / ".dossier" / "graph.html"
    assert git(acme / "acme", "status", "--porcelain").strip() == ""


def test_graph_loads_in_a_browser_without_errors(acme: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    assert chromium
    out = tmp_path / "acme.html"
    nodes = cli_json("graph", "acme", "--root", str(acme), "-o", str(out))["nodes"]
    loaded = _browse(chromium, out, "--dump-dom")
    status = _status(loaded.stdout)
    assert status["ready"] == "1", loaded.stderr[-2000:]
    assert status["errors"] == ""
    assert int(status["nodes"]) == nodes > 50
    assert "Uncaught" not in loaded.stderr
    shot = tmp_path / "graph.png"
    _browse(chromium, out, f"--screenshot={shot}")
    assert shot.stat().st_size > 10_000  # a real picture, not a blank page


def test_hostile_concept_text_cannot_inject_markup(acme: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    assert chromium
    bundle = Bundle(acme / "acme" / "bundle")
    target = bundle.concept_ids()[0]
    doc = bundle.read(target)
    frontmatter = dict(doc.frontmatter, title=HOSTILE_TITLE, description=HOSTILE_TITLE)
    bundle.write(ConceptDocument(target, frontmatter, doc.body + "\n" + HOSTILE_TITLE + "\n"))
    try:
        out = tmp_path / "hostile.html"
        cli("graph", "acme", "--root", str(acme), "-o", str(out))
        loaded = _browse(chromium, out, "--dump-dom")
        status = _status(loaded.stdout)
        assert status["ready"] == "1" and status["errors"] == ""
        assert "<img src=\"x\"" not in loaded.stdout
    finally:
        git(acme / "acme", "checkout", "--", ".")


def test_graph_of_an_unknown_tenant_is_a_clean_error(tmp_path: Path) -> None:
    result = cli("graph", "ghost", "--root", str(tmp_path))
    assert result.exit_code != 0
    assert "ghost" in result.stderr


def test_source_links_resolve_relative_and_bundle_absolute_resources(
    acme: Path, tmp_path: Path
) -> None:
    """A relative resource opens from the concept's folder; a leading '/' from the bundle
    root (OKF), never from the filesystem root."""
    from dossier.serve.graph import graph_data
    from dossier.tenancy import Registry

    ctx = Registry(acme).get("acme")
    bundle = Bundle(ctx.bundle_dir)
    target = bundle.concept_ids()[0]
    doc = bundle.read(target)
    sources = [{"id": "rel", "resource": "../../sources/a.md#L1-L2"},
               {"id": "abs", "resource": "/glossary/term.md"}]
    bundle.write(ConceptDocument(target, dict(doc.frontmatter, sources=sources), doc.body))
    try:
        page = tmp_path / "out" / "graph.html"
        node = next(n for n in graph_data(ctx, page)["nodes"] if n["id"] == target)
        hrefs = {s["resource"]: s["href"] for s in node["sources"]}
        concept_dir = bundle.path_for(target).parent
        rel = os.path.normpath(page.parent / hrefs["../../sources/a.md#L1-L2"].split("#")[0])
        assert Path(rel) == Path(os.path.normpath(concept_dir / "../../sources/a.md"))
        absolute = os.path.normpath(page.parent / hrefs["/glossary/term.md"])
        assert Path(absolute) == ctx.bundle_dir / "glossary" / "term.md"
    finally:
        git(acme / "acme", "checkout", "--", ".")
