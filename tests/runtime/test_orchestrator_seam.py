"""The harness makes every orchestrator equally safe: lock, commit, trailers, records, restore.

The orchestrators here are third-party plugins (a real dist-info with entry points,
see ``plugin_site``) that only *propose*; everything else is the harness's job.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from dossier.runtime.records import read_run_record
from tests.runtime.helpers import DOSSIER_BIN, cli, cli_json, commit_count, git, write_corpus
from tests.runtime.plugin_site import plugin_site

__all__ = ["plugin_site"]


OPS = (
    "# Operations\n\n## SYS-12 Label printer service\n\nThe label printer service prints "
    "carrier labels for every order.\n\n## SYS-14 Scanner gateway\n\nThe scanner gateway "
    "reads barcodes at the dock. It feeds SYS-12.\n"
)


def _tenant(tmp_path: Path) -> tuple[Path, Path]:
    corpus = write_corpus(tmp_path / "m", {"ops.md": OPS})
    root = tmp_path / "t"
    assert cli("provision", "demo", "--root", str(root), "--source", str(corpus)).exit_code == 0
    return root, root / "demo"


def _worktree_digest(tenant: Path) -> dict[str, bytes]:
    """Every file of the tenant's working tree (not .git, not the .dossier cache)."""
    return {
        str(p.relative_to(tenant)): p.read_bytes()
        for p in sorted(tenant.rglob("*"))
        if p.is_file() and not {".git", ".dossier"} & set(p.relative_to(tenant).parts)
    }


def test_an_orchestrator_that_only_proposes_ends_in_one_valid_commit(
    tmp_path: Path, plugin_site: Path
) -> None:
    root, tenant = _tenant(tmp_path)
    before = commit_count(tenant)
    row = cli_json("run-loop", "demo", "--root", str(root), "--orchestrator", "one")["tenants"][0]
    assert row["status"] == "committed", row
    assert commit_count(tenant) == before + 1
    trailers = git(tenant, "log", "-1", "--format=%(trailers:only,unfold)")
    assert f"Dossier-Run-Id: {row['run_id']}" in trailers
    assert "Dossier-Orchestrator: one" in trailers
    assert "Dossier-Extractor: one/1.0" in trailers
    assert "Dossier-Tokens: 15" in trailers
    # The orchestrator's own trailers are added; the harness's names are not its to set.
    assert "Dossier-Test-Case: one" in trailers and "not-one" not in trailers
    record = read_run_record(tenant / "runs" / f"{row['run_id']}.json")
    assert record.status == "committed" and record.orchestrator == "one"
    assert record.concepts.added == ["notes/one"]
    assert record.usage is not None and record.usage.input_tokens == 12
    assert record.notes == ["one concept, by hand"]
    # The harness wrote the indexes and the log, and the whole bundle validates.
    assert (tenant / "bundle" / "notes" / "one.md").is_file()
    assert cli("validate", str(tenant / "bundle")).exit_code == 0
    assert git(tenant, "status", "--porcelain", "--", "bundle", "runs") == ""
    # Not complete: proposing one concept leaves the others alone (the default loop,
    # which proposes the whole machine-owned bundle, had removed it meanwhile).
    default = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert default["concepts"]["removed"] == ["notes/one"] and default["concepts"]["added"]
    again = cli_json("run-loop", "demo", "--root", str(root), "--orchestrator", "one")
    assert again["tenants"][0]["concepts"] == {"added": ["notes/one"], "changed": [],
                                               "removed": []}


def test_deprecation_is_applied_by_the_harness(tmp_path: Path, plugin_site: Path) -> None:
    root, tenant = _tenant(tmp_path)
    cli("run-loop", "demo", "--root", str(root), "--orchestrator", "one")
    row = cli_json("run-loop", "demo", "--root", str(root), "--orchestrator", "retire")
    tenant_row = row["tenants"][0]
    assert tenant_row["status"] == "committed"
    assert tenant_row["concepts"] == {"added": [], "changed": ["notes/one"], "removed": []}
    assert "status: deprecated" in (tenant / "bundle" / "notes" / "one.md").read_text()
    assert [d["concept_id"] for d in tenant_row["dropped"]] == ["notes/never"]


def test_a_dossier_error_ends_in_a_failed_record_with_the_tree_restored(
    tmp_path: Path, plugin_site: Path
) -> None:
    root, tenant = _tenant(tmp_path)
    cli("run-loop", "demo", "--root", str(root))
    (tenant / "bundle" / "my-notes.md").write_text("---\ntype: Note\ntitle: Mine\n---\nMine.\n")
    found = _worktree_digest(tenant)
    head = git(tenant, "rev-parse", "HEAD")
    for name, expected in (("boom", "boom: the model refused"), ("bug", "internal error")):
        result = cli("run-loop", "demo", "--root", str(root), "--orchestrator", name, "--json")
        assert result.exit_code == 1
        row = json.loads(result.stdout)["tenants"][0]
        assert row["status"] == "failed" and expected in row["message"]
        assert _worktree_digest(tenant) == found  # the person's uncommitted file included
        assert git(tenant, "rev-parse", "HEAD") == head
        kept = tenant / ".dossier" / "failed-runs" / f"{row['run_id']}.json"
        assert read_run_record(kept).status == "failed"


def test_a_proposal_outside_the_tenant_is_refused(tmp_path: Path, plugin_site: Path) -> None:
    root, tenant = _tenant(tmp_path)
    head = git(tenant, "rev-parse", "HEAD")
    result = cli("run-loop", "demo", "--root", str(root), "--orchestrator", "escape", "--json")
    assert result.exit_code == 1
    row = json.loads(result.stdout)["tenants"][0]
    assert row["status"] == "failed" and "outside the bundle" in row["message"]
    assert not (root / "victim").exists() and not (tmp_path / "victim").exists()
    assert not (tenant / "bundle" / "notes").exists()  # nothing of the proposal applied
    assert git(tenant, "rev-parse", "HEAD") == head


def test_an_orchestrator_that_writes_the_bundle_itself_is_refused(
    tmp_path: Path, plugin_site: Path
) -> None:
    root, tenant = _tenant(tmp_path)
    head = git(tenant, "rev-parse", "HEAD")
    result = cli("run-loop", "demo", "--root", str(root), "--orchestrator", "sneaky", "--json")
    assert result.exit_code == 1
    row = json.loads(result.stdout)["tenants"][0]
    assert row["status"] == "failed" and "bundle/notes/sneaky.md itself" in row["message"]
    assert not (tenant / "bundle" / "notes").exists()  # its file removed, the proposal unapplied
    assert git(tenant, "rev-parse", "HEAD") == head


def test_a_trailer_that_would_forge_another_is_refused(
    tmp_path: Path, plugin_site: Path
) -> None:
    root, tenant = _tenant(tmp_path)
    head = git(tenant, "rev-parse", "HEAD")
    result = cli("run-loop", "demo", "--root", str(root), "--orchestrator", "forger", "--json")
    assert result.exit_code == 1
    row = json.loads(result.stdout)["tenants"][0]
    assert row["status"] == "failed" and "trailer" in row["message"]
    assert not (tenant / "bundle" / "notes").exists()
    assert git(tenant, "rev-parse", "HEAD") == head


def test_dry_run_reports_the_changes_and_restores_the_tree(tmp_path: Path) -> None:
    root, tenant = _tenant(tmp_path)
    found = _worktree_digest(tenant)
    before = commit_count(tenant)
    dry = cli_json("run-loop", "demo", "--root", str(root), "--dry-run")["tenants"][0]
    assert dry["status"] == "dry-run" and dry["commit"] is None
    assert dry["concepts"]["added"] and not dry["concepts"]["removed"]
    assert _worktree_digest(tenant) == found and commit_count(tenant) == before
    # The real run then does exactly what the dry run said.
    real = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert real["status"] == "committed"
    assert real["concepts"] == dry["concepts"]
    history = cli_json("history", "demo", "--root", str(root))["iterations"]
    assert history[0]["concepts"] == real["concepts"]


def test_plugin_errors_come_before_any_work(tmp_path: Path, plugin_site: Path) -> None:
    root, tenant = _tenant(tmp_path)
    head = git(tenant, "rev-parse", "HEAD")
    env = dict(os.environ)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(DOSSIER_BIN), "run-loop", "demo", "--root", str(root), *args],
                              capture_output=True, text=True, env=env, timeout=120)

    unknown = run("--orchestrator", "nope")
    assert unknown.returncode == 2
    # Every registered name is listed (an install with extras registers more, e.g. agent).
    listed = {name.strip() for name in unknown.stderr.split("available:", 1)[1].split(",")}
    assert {"boom", "bug", "default", "escape", "fancy", "forger", "legacy", "needskey", "one",
            "retire", "sneaky"} <= listed, unknown.stderr
    legacy = run("--orchestrator", "legacy")
    assert legacy.returncode == 2 and "propose" in legacy.stderr
    extra = run("--orchestrator", "fancy")
    assert extra.returncode == 1
    assert "pip install 'dossier-test-plugins[fancy]'" in extra.stderr
    assert "Traceback" not in extra.stderr
    needs = run("--orchestrator", "needskey")
    assert needs.returncode == 1 and "NEEDSKEY_TOKEN" in needs.stderr
    assert git(tenant, "rev-parse", "HEAD") == head
    assert not (tenant / ".dossier" / "failed-runs").exists()


@pytest.mark.parametrize("orchestrator", ["one", "default"])
def test_manifest_chooses_the_orchestrator(
    tmp_path: Path, plugin_site: Path, orchestrator: str
) -> None:
    import yaml

    root, tenant = _tenant(tmp_path)
    manifest_path = tenant / "dossier.tenant.yaml"
    data = yaml.safe_load(manifest_path.read_text())
    data["orchestrator"] = orchestrator
    manifest_path.write_text(yaml.safe_dump(data, sort_keys=False))
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed"
    trailers = git(tenant, "log", "-1", "--format=%(trailers:only,unfold)")
    assert f"Dossier-Orchestrator: {orchestrator}" in trailers


def test_a_deprecation_of_a_persons_concept_is_protected_and_reported(
    tmp_path: Path, plugin_site: Path
) -> None:
    root, tenant = _tenant(tmp_path)
    cli("run-loop", "demo", "--root", str(root), "--orchestrator", "one")
    path = tenant / "bundle" / "notes" / "one.md"
    path.write_text("---\ntype: Note\ntitle: One\n---\nA person's own note now.\n")
    git(tenant, "commit", "-qam", "my note")
    edited = path.read_bytes()
    row = cli_json("run-loop", "demo", "--root", str(root), "--orchestrator", "retire")
    tenant_row = row["tenants"][0]
    assert path.read_bytes() == edited
    assert [p["concept_id"] for p in tenant_row["protected"]] == ["notes/one"]
