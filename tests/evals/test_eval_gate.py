"""The eval gate: a worse iteration goes to dossier/rejected/<run_id>; main stays as it was.

Real tenants, real git: the first iteration is committed with its figures; then a
source loses the text a gold question needs, and the gated iteration must be set
aside with the eval table in its message, leaving main's ref, index and working tree
untouched, and ``dossier history`` must list it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dossier.cli import app
from dossier.tenancy import Registry, load_manifest, save_manifest
from dossier.tenancy.manifest import EvalSettings

DOC_A = (
    "# Zebra Handbook\n\nThe Zebra Handbook describes how the zoo cares for zebras.\n\n"
    "## Sleeping\n\nZebras sleep standing up in open grassland.\n"
)
DOC_B = (
    "# Quokka Handbook\n\nThe Quokka Handbook describes how the zoo cares for quokkas.\n\n"
    "## Smiling\n\nThe quokka is known for its smile on Rottnest Island.\n\n"
    "## Feeding\n\nQuokkas eat leaves at night.\n"
)
WORSE_B = (
    "# Quokka Handbook\n\nThe Quokka Handbook describes how the zoo cares for quokkas.\n\n"
    "## Habitat\n\nQuokkas live on Rottnest Island.\n\n"
    "## Feeding\n\nQuokkas eat leaves at night.\n"
)
GOLD = """
questions:
  - q: quokka smile
    expect: [b.md]
    answer: its smile
  - q: what do quokkas eat
    expect: [b.md]
    answer: eat leaves at night
"""


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _git(path: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True,
                          check=True).stdout


def _worktree(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file() and ".git" not in p.parts and ".dossier" not in p.parts
    }


@pytest.fixture
def tenant(tmp_path: Path) -> tuple[Path, Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text(DOC_A, encoding="utf-8")
    (corpus / "b.md").write_text(DOC_B, encoding="utf-8")
    root = tmp_path / "tenants"
    assert _run("provision", "zoo", "--source", str(corpus), "--root", str(root))[0] == 0
    ctx = Registry(root).get("zoo")
    (ctx.path / "evals").mkdir()
    (ctx.path / "evals" / "gold.yaml").write_text(GOLD, encoding="utf-8")
    manifest = load_manifest(ctx)
    manifest.evals = EvalSettings(min={"hit@5": 1.0}, max_drop={"answer@5": 0.0})
    save_manifest(ctx, manifest)
    return root, ctx.path, corpus


def test_a_worse_iteration_goes_to_the_rejected_branch_and_main_is_untouched(
    tenant: tuple[Path, Path, Path],
) -> None:
    root, path, corpus = tenant
    code, out, err = _run("run-loop", "zoo", "--root", str(root), "--gate", "--json")
    assert code == 0, err + out
    first = json.loads(out)["tenants"][0]
    assert first["status"] == "committed"
    assert first["evals"]["metrics"]["answer@5"] == 1.0
    main_before = _git(path, "rev-parse", "main")
    # what is staged, not the index file's bytes: git may rewrite stat data of
    # racily-clean entries in it on any later status call, which changes nothing
    index_before = _git(path, "ls-files", "--stage")
    files_before = _worktree(path)

    # The smile goes away: answer@5 drops from 1.0 to 0.5.
    (corpus / "b.md").write_text(WORSE_B, encoding="utf-8")
    code, out, err = _run("run-loop", "zoo", "--root", str(root), "--gate", "--json")
    assert code == 1, out
    row = json.loads(out)["tenants"][0]
    assert row["status"] == "rejected"
    run_id = row["run_id"]
    assert any("answer@5" in f for f in row["evals"]["failures"])

    assert _git(path, "rev-parse", "main") == main_before
    assert _git(path, "ls-files", "--stage") == index_before
    assert _worktree(path) == files_before
    assert _git(path, "status", "--porcelain") == ""

    branch = f"dossier/rejected/{run_id}"
    message = _git(path, "log", "-1", "--format=%B", branch)
    assert "answer@5" in message and f"Dossier-Run-Id: {run_id}" in message
    assert _git(path, "rev-parse", f"{branch}^") == main_before
    assert "smile" not in _git(path, "show", f"{branch}:sources/corpus/b-md.md")
    record = json.loads(_git(path, "show", f"{branch}:runs/{run_id}.json"))
    assert record["status"] == "rejected"

    code, out, _ = _run("history", "zoo", "--root", str(root), "--json")
    assert code == 0
    rows = json.loads(out)["iterations"]
    assert [r["status"] for r in rows].count("rejected") == 1
    assert any(r["status"] == "committed" and r["evals"] for r in rows)
    code, out, _ = _run("history", "zoo", "--root", str(root))
    assert "rejected" in out and "answer@5" in out

    # The search index serves main's bundle again, not the rejected one.
    code, out, _ = _run("search", "zoo", "its smile", "--root", str(root), "--json")
    assert code == 0 and "smile" in out


def test_without_the_gate_figures_are_recorded_and_the_iteration_commits(
    tenant: tuple[Path, Path, Path],
) -> None:
    root, _path, corpus = tenant
    assert _run("run-loop", "zoo", "--root", str(root))[0] == 0
    (corpus / "b.md").write_text(WORSE_B, encoding="utf-8")
    code, out, err = _run("run-loop", "zoo", "--root", str(root), "--json")
    assert code == 0, err
    second = json.loads(out)["tenants"][0]
    assert second["status"] == "committed"
    assert second["evals"]["metrics"]["answer@5"] < 1.0
    code, out, _ = _run("eval", "zoo", "--root", str(root), "--history", "--json")
    assert code == 0
    history = json.loads(out)["history"]
    assert [h["metrics"]["answer@5"] for h in history] == [
        1.0, second["evals"]["metrics"]["answer@5"]
    ]
    assert history[1]["run_id"] == second["run_id"]


def test_the_manifest_gate_setting_turns_the_gate_on(tenant: tuple[Path, Path, Path]) -> None:
    root, path, corpus = tenant
    ctx = Registry(root).get("zoo")
    manifest = load_manifest(ctx)
    assert manifest.evals is not None
    manifest.evals = EvalSettings(gate=True, min={"answer@5": 1.0})
    save_manifest(ctx, manifest)
    (corpus / "b.md").write_text(WORSE_B, encoding="utf-8")
    code, out, _ = _run("run-loop", "zoo", "--root", str(root), "--json")
    assert code == 1
    assert json.loads(out)["tenants"][0]["status"] == "rejected"
    assert _git(path, "rev-list", "--count", "main").strip() == "1"


def test_a_rejection_keeps_a_persons_uncommitted_work(tenant: tuple[Path, Path, Path]) -> None:
    """The gate puts the tree back with the loop's preimage: an uncommitted edit to a
    concept and a never-committed file are there after the rejection, byte for byte,
    and are in the rejected commit too (it records what the iteration saw)."""
    root, path, corpus = tenant
    assert _run("run-loop", "zoo", "--root", str(root), "--gate")[0] == 0
    concept = next(p for p in sorted((path / "bundle").rglob("*.md"))  # not the quokkas'
                   if p.name not in ("index.md", "log.md")
                   and "Zebra" in p.read_text(encoding="utf-8"))
    concept.write_text(concept.read_text(encoding="utf-8") + "\nA keeper's note.\n",
                       encoding="utf-8")
    scratch = path / "bundle" / "keeper-notes.txt"
    scratch.write_text("not committed yet\n", encoding="utf-8")
    files_before = _worktree(path)
    main_before = _git(path, "rev-parse", "main")

    (corpus / "b.md").write_text(WORSE_B, encoding="utf-8")
    code, out, _ = _run("run-loop", "zoo", "--root", str(root), "--gate", "--json")
    assert code == 1
    row = json.loads(out)["tenants"][0]
    assert row["status"] == "rejected"
    assert _git(path, "rev-parse", "main") == main_before
    assert _worktree(path) == files_before
    branch = f"dossier/rejected/{row['run_id']}"
    assert _git(path, "show", f"{branch}:bundle/keeper-notes.txt") == "not committed yet\n"
