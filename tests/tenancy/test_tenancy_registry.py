"""Provision, list and show: layout, idempotency, conflicts, crash safety, many tenants."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dossier.errors import UsageError
from dossier.tenancy import (
    ProvisionConflictError,
    Registry,
    TenantContext,
    TenantRepo,
    resolve_root,
)
from dossier.tenancy import registry as registry_module
from dossier.tenancy.gitobjects import NeedGit, last_iteration_fast
from dossier.tenancy.status import last_iteration

Snapshot = Callable[[Path], dict[str, str]]


def _git(ctx: TenantContext, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ctx.path), *args], check=True, capture_output=True, text=True
    ).stdout


def test_provision_creates_a_repository_with_the_documented_layout(registry: Registry) -> None:
    ctx = registry.provision("acme", name="Acme Corp")
    assert ctx.path == registry.root / "acme"
    tracked = sorted(_git(ctx, "ls-files").split())
    assert tracked == [
        ".gitignore",
        "bundle/index.md",
        "bundle/log.md",
        "dossier.tenant.yaml",
        "runs/.gitkeep",
        "sources/.gitkeep",
    ]
    assert ".dossier/" in (ctx.path / ".gitignore").read_text(encoding="utf-8").splitlines()
    index = (ctx.bundle_dir / "index.md").read_text(encoding="utf-8")
    assert 'okf_version: "0.2"' in index
    assert "Initialization" in (ctx.bundle_dir / "log.md").read_text(encoding="utf-8")
    assert _git(ctx, "log", "--format=%s|%an|%ae").splitlines() == [
        "dossier: provision acme|Dossier|dossier@acme.invalid"
    ]
    assert _git(ctx, "branch", "--show-current").strip() == "main"
    assert _git(ctx, "status", "--porcelain") == ""
    assert _git(ctx, "config", "--local", "commit.gpgsign").strip() == "false"
    assert [p.name for p in registry.root.iterdir()] == ["acme"]  # no temp dir left


def test_later_provisions_replay_the_same_git_skeleton(registry: Registry) -> None:
    """After the first tenant, ``git init`` is replayed from its capture; repos stay identical."""
    first = registry.provision("first")
    second = registry.provision("second")
    assert (second.git_dir / "config").read_text(encoding="utf-8") == (
        (first.git_dir / "config").read_text(encoding="utf-8").replace("first", "second")
    )
    assert (second.git_dir / "HEAD").read_text(encoding="utf-8") == "ref: refs/heads/main\n"
    assert _git(second, "fsck", "--strict") == ""
    assert _git(second, "status", "--porcelain") == ""


def test_provision_twice_is_idempotent(
    registry: Registry, tmp_path: Path, tree_snapshot: Snapshot
) -> None:
    src = tmp_path / "notes"
    src.mkdir()
    first = registry.ensure("acme", name="Acme", sources=[src])
    before = tree_snapshot(registry.root)
    again = registry.ensure("acme", name="Acme", sources=[str(src) + "/"])
    bare = registry.ensure("acme")
    assert first.created and not again.created and not bare.created
    assert tree_snapshot(registry.root) == before


@pytest.mark.parametrize("change", ["name", "sources", "fewer-sources"])
def test_conflicting_provision_is_an_error_that_changes_nothing(
    change: str, registry: Registry, tmp_path: Path, tree_snapshot: Snapshot
) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for folder in (a, b, c):
        folder.mkdir()
    registry.provision("acme", name="Acme", sources=[a, b])
    before = tree_snapshot(registry.root)
    kwargs: dict[str, object] = {
        "name": {"name": "Acme Inc"},
        "sources": {"sources": [a, c]},
        "fewer-sources": {"sources": [a]},
    }[change]
    with pytest.raises(ProvisionConflictError, match="already provisioned") as info:
        registry.provision("acme", **kwargs)  # type: ignore[arg-type]
    assert info.value.exit_code == 1
    assert "nothing changed" in str(info.value)
    assert tree_snapshot(registry.root) == before


def test_sources_are_absolute_resolved_and_must_exist_outside_the_workspace(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    monkeypatch.chdir(tmp_path)
    ctx = registry.provision("acme", sources=["notes", "./notes/../notes"])
    from dossier.tenancy import load_manifest

    assert load_manifest(ctx).source_paths() == [str(notes.resolve())]
    with pytest.raises(UsageError, match="does not exist"):
        registry.provision("beta", sources=[tmp_path / "missing"])
    with pytest.raises(UsageError, match="overlaps the tenant workspace"):
        registry.provision("beta", sources=[ctx.path])  # another tenant's data
    with pytest.raises(UsageError, match="overlaps the tenant workspace"):
        registry.provision("beta", sources=[tmp_path])  # contains the workspace
    assert not (registry.root / "beta").exists()


def test_root_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_root(None) == tmp_path.resolve() / "tenants"
    monkeypatch.setenv("DOSSIER_ROOT", str(tmp_path / "env-root"))
    assert resolve_root(None) == tmp_path.resolve() / "env-root"
    assert resolve_root(tmp_path / "flag") == tmp_path.resolve() / "flag"
    Registry().provision("acme")
    assert (tmp_path / "env-root" / "acme" / "dossier.tenant.yaml").is_file()


def test_failed_provision_leaves_nothing(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(scratch: Path, manifest: object, skeleton: object = None) -> None:
        scratch.mkdir()
        (scratch / "half").write_text("half a tenant", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(registry_module, "build_tenant", broken)
    with pytest.raises(OSError, match="disk full"):
        registry.provision("acme")
    assert list(registry.root.iterdir()) == []


def test_killed_provision_leaves_no_tenant_and_its_scratch_is_cleaned(
    registry: Registry, tmp_path: Path
) -> None:
    """A provision SIGKILLed mid-build leaves only a scratch dir, removed by the next provision."""
    code = (
        "import os, sys, pathlib\n"
        "from dossier.tenancy import Registry, registry as m\n"
        "real = m.build_tenant\n"
        "def build(scratch, manifest, skeleton=None):\n"
        "    real(scratch, manifest, skeleton)\n"
        "    os.kill(os.getpid(), 9)\n"
        "m.build_tenant = build\n"
        f"Registry(pathlib.Path({str(registry.root)!r})).provision('acme')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    [leftover] = [p.name for p in registry.root.iterdir()]
    assert leftover.startswith(".tmp-acme-") and leftover.rsplit("-", 1)[1].isdigit()
    assert registry.list() == []
    registry.provision("acme")
    assert sorted(p.name for p in registry.root.iterdir()) == ["acme"]


def test_scratch_of_a_live_process_is_left_alone(registry: Registry) -> None:
    registry.root.mkdir(parents=True)
    live = registry.root / f".tmp-acme-{os.getppid()}"
    live.mkdir()
    other_id = registry.root / ".tmp-acme-1-99999999"  # scratch of tenant 'acme-1'
    other_id.mkdir()
    registry.provision("acme")
    assert live.is_dir() and other_id.is_dir()


def test_hundred_tenants_are_provisioned_and_listed(registry: Registry) -> None:
    ids = [f"client-{i:03d}" for i in range(100)]
    for client_id in ids:
        registry.provision(client_id)
    rows = registry.list()
    assert [r.client_id for r in rows] == ids
    assert all(r.problem is None and r.concepts == 0 for r in rows)
    assert all(r.last_loop_commit is None and r.last_run_status is None for r in rows)


def test_list_reports_loop_commit_run_status_and_concepts(
    registry: Registry, make_loop_commit: Callable[..., str]
) -> None:
    ctx = registry.provision("acme", name="Acme")
    make_loop_commit(ctx, "20260101T000000Z-aaaaaa", status="committed")
    sha = make_loop_commit(ctx, "20260102T000000Z-bbbbbb", status="up-to-date")
    (ctx.runs_dir / "manual.txt").write_text("a human edit\n", encoding="utf-8")
    TenantRepo(ctx).commit_all("manual edit", {})  # newest commit is not a loop commit
    [row] = registry.list()
    assert row.display_name == "Acme"
    assert row.concepts == 2
    assert row.last_loop_commit == sha
    assert row.last_loop_date == _git(ctx, "log", "-1", "--format=%cI", sha).strip()
    assert row.last_run_id == "20260102T000000Z-bbbbbb"
    assert row.last_run_status == "up-to-date"


def test_fast_reader_agrees_with_git_and_falls_back_after_gc(
    registry: Registry, make_loop_commit: Callable[..., str]
) -> None:
    ctx = registry.provision("acme")
    make_loop_commit(ctx, "r1")
    sha = make_loop_commit(ctx, "r2")
    fast = last_iteration_fast(ctx.git_dir)
    [from_git] = TenantRepo(ctx).iterations(limit=1)
    assert fast == from_git
    assert fast is not None and fast.sha == sha and fast.run_id == "r2"
    _git(ctx, "gc", "-q", "--prune=now")
    with pytest.raises(NeedGit):
        last_iteration_fast(ctx.git_dir)
    assert last_iteration(ctx) == from_git
    assert registry.list()[0].last_loop_commit == sha


def test_list_survives_a_broken_tenant(registry: Registry) -> None:
    registry.provision("acme")
    broken = registry.provision("broken")
    broken.manifest_path.write_text("schema_version: 9\n", encoding="utf-8")
    (registry.root / "Not-An-Id").mkdir()
    (registry.root / "stray-file").write_text("x", encoding="utf-8")
    rows = {r.client_id: r for r in registry.list()}
    assert sorted(rows) == ["acme", "broken"]
    assert rows["acme"].problem is None
    assert rows["broken"].problem and "schema_version 9" in rows["broken"].problem


def test_show_has_manifest_paths_head_and_last_iteration(
    registry: Registry, tmp_path: Path, make_loop_commit: Callable[..., str]
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    ctx = registry.provision("acme", sources=[notes])
    sha = make_loop_commit(ctx, "20260101T000000Z-aaaaaa", status="failed")
    info = registry.show("acme").to_dict()
    assert info["head"] == sha
    assert info["last_iteration"]["sha"] == sha
    assert info["last_iteration"]["run_id"] == "20260101T000000Z-aaaaaa"
    assert info["last_run"] == {"run_id": "20260101T000000Z-aaaaaa", "status": "failed"}
    assert info["concepts"] == 1
    assert info["sources"][0]["path"] == str(notes.resolve())
    assert info["paths"]["bundle"] == str(ctx.bundle_dir)
    assert info["manifest"]["client_id"] == "acme"


def test_list_of_missing_root_is_empty(tmp_path: Path) -> None:
    assert Registry(tmp_path / "nowhere").list() == []
    assert not (tmp_path / "nowhere").exists()
