"""Citations of converted sources are judged, and shown, at the original file's lines.

End to end through the CLI: a tenant ingests an HTML page (whose claims sit far below
their snapshot lines, after a long ``<head>``) and a markdown file with leading blank
lines; ``dossier eval`` with a gold set naming *original* lines scores every citation
right, and each concept's footnote names the original lines.  A layout-only edit of the
page (same text, lines moved) moves the footnotes; each tenant reads only its own maps.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from dossier.cli import app
from dossier.ingest import read_catalogue
from dossier.tenancy import Registry, TenantContext


def _page(head_lines: int) -> str:
    style = "\n".join(f"  .c{i} {{ margin: {i}px; }}" for i in range(head_lines))
    return f"""<!DOCTYPE html>
<html>
<head>
<title>Dock operations</title>
<style>
{style}
</style>
</head>
<body>
<h1>Dock operations</h1>

<h2>SYS-12 Label Printer Service</h2>
<p>The Label Printer Service is the system that prints
  carrier labels at every dock door
  during wave picking.</p>

<h2>SYS-14 Dock Scheduler</h2>
<p>The Dock Scheduler assigns trucks to dock doors;
  it feeds the Label Printer Service with wave numbers.</p>
</body>
</html>
"""


NOTES = "\n\n\n\n# Yard notes\n\n## SYS-20 Yard Manager\n\nThe Yard Manager tracks trailers.\n"


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


def _gold(page: str) -> str:
    """Gold lines are the original's: the claim sentences as a reader finds them."""
    printer = _line_of(page, "The Label Printer Service is")
    scheduler = _line_of(page, "The Dock Scheduler assigns")
    yard = _line_of(NOTES, "The Yard Manager tracks")
    return f"""
concepts:
  - title: Label Printer Service
    type: System
    sources: [{{path: dock.html, lines: "{printer}-{printer + 2}"}}]
  - title: Dock Scheduler
    type: System
    sources: [{{path: dock.html, lines: "{scheduler}-{scheduler + 1}"}}]
  - title: Yard Manager
    type: System
    sources: [{{path: yard.md, lines: "{yard}"}}]
"""


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _tenant(tmp_path: Path, name: str, root: Path, head_lines: int = 25) -> TenantContext:
    corpus = tmp_path / name / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "dock.html").write_text(_page(head_lines), encoding="utf-8")
    (corpus / "yard.md").write_text(NOTES, encoding="utf-8")
    code, _, err = _run("provision", name, "--source", str(corpus), "--root", str(root))
    assert code == 0, err
    code, _, err = _run("run-loop", name, "--root", str(root))
    assert code == 0, err
    return Registry(root).get(name)


def _eval(ctx: TenantContext, gold: str, tmp_path: Path) -> dict[str, object]:
    path = tmp_path / f"gold-{ctx.client_id}-{abs(hash(gold))}.yaml"
    path.write_text(gold, encoding="utf-8")
    code, out, err = _run("eval", ctx.client_id, "--root", str(ctx.root), "--gold", str(path),
                          "--json")
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


def _footnote(ctx: TenantContext, concept: str) -> tuple[int, int] | None:
    """The original lines the concept's footnote names, or None when it names none."""
    body = (ctx.bundle_dir / "systems" / f"{concept}.md").read_text(encoding="utf-8")
    match = re.search(r"^\[\^src-[^\]]+\]: .*\(original lines? (\d+)(?:–(\d+))?\)$", body,
                      re.MULTILINE)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or match.group(1))


def test_eval_and_footnotes_name_the_original_lines(tmp_path: Path) -> None:
    ctx = _tenant(tmp_path, "docks", tmp_path / "tenants")
    page = _page(25)
    data = _eval(ctx, _gold(page), tmp_path)
    extraction = data["extraction"]
    assert isinstance(extraction, dict)
    assert extraction["citation_misses"] == []
    assert extraction["line_accuracy"] == 1.0 and extraction["sourced"] == 3

    printer = _line_of(page, "The Label Printer Service is")
    first, last = _footnote(ctx, "sys-12-label-printer-service") or (0, 0)
    assert first <= printer and printer + 2 <= last and last - first < 6
    yard = _line_of(NOTES, "The Yard Manager tracks")
    first, last = _footnote(ctx, "sys-20-yard-manager") or (0, 0)
    assert first <= yard <= last and first > 4  # past the dropped blank lines


def test_a_layout_only_edit_moves_the_cited_lines(tmp_path: Path) -> None:
    """Same text, lines moved: the snapshot is unchanged, its map is not, and neither
    the extraction cache nor the eval may keep the old lines."""
    ctx = _tenant(tmp_path, "docks", tmp_path / "tenants")
    snapshot = (ctx.path / "sources" / "corpus" / "dock-html.md").read_bytes()
    page = _page(40)
    (tmp_path / "docks" / "corpus" / "dock.html").write_text(page, encoding="utf-8")
    code, _, err = _run("run-loop", "docks", "--root", str(ctx.root))
    assert code == 0, err
    assert (ctx.path / "sources" / "corpus" / "dock-html.md").read_bytes() == snapshot
    printer = _line_of(page, "The Label Printer Service is")
    first, last = _footnote(ctx, "sys-12-label-printer-service") or (0, 0)
    assert first <= printer and printer + 2 <= last
    extraction = _eval(ctx, _gold(page), tmp_path)["extraction"]
    assert isinstance(extraction, dict) and extraction["line_accuracy"] == 1.0


def test_a_tenant_from_before_maps_gains_them_on_its_next_run(tmp_path: Path) -> None:
    ctx = _tenant(tmp_path, "docks", tmp_path / "tenants")
    path = ctx.sources_dir / "catalogue.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["ingest_version"] = 1
    for entry in data["sources"].values():
        entry.pop("original_lines", None)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(ctx.path), "commit", "-qam", "as an older Dossier left it"],
                   check=True)
    assert all(e.origins is None for e in read_catalogue(ctx.sources_dir).entries.values())
    code, _, err = _run("run-loop", "docks", "--root", str(ctx.root))
    assert code == 0, err
    entries = read_catalogue(ctx.sources_dir).entries
    assert entries["corpus/dock-html"].origins is not None
    assert entries["corpus/yard-md"].origins is not None
    extraction = _eval(ctx, _gold(_page(25)), tmp_path)["extraction"]
    assert isinstance(extraction, dict) and extraction["line_accuracy"] == 1.0


def test_each_tenant_reads_only_its_own_maps(tmp_path: Path) -> None:
    """Two tenants with the same source ids and snapshot text, different originals."""
    root = tmp_path / "tenants"
    north = _tenant(tmp_path, "north", root, head_lines=25)
    south = _tenant(tmp_path, "south", root, head_lines=60)
    assert (north.path / "sources" / "corpus" / "dock-html.md").read_bytes() == (
        south.path / "sources" / "corpus" / "dock-html.md").read_bytes()
    north_gold, south_gold = _gold(_page(25)), _gold(_page(60))
    for ctx, own, other in ((north, north_gold, south_gold), (south, south_gold, north_gold)):
        own_score = _eval(ctx, own, tmp_path)["extraction"]
        other_score = _eval(ctx, other, tmp_path)["extraction"]
        assert isinstance(own_score, dict) and isinstance(other_score, dict)
        assert own_score["cites_lines"] == 3
        assert other_score["cites_lines"] == 1  # only yard.md, the same in both tenants
