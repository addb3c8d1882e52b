"""Tenant-isolation holes an attacker-minded tester found, each closed at its gate.

Hostile archives are built with git plumbing (``hash-object --literally``,
``mktree``, ``commit-tree``), so the objects are exactly what a crafted file could
carry; the CLI is driven through typer's runner to check exit codes and that a
refusal is one line, never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from dossier.cli import app
from dossier.tenancy import (
    ArchiveError,
    ManifestError,
    Registry,
    TenantContext,
    TenantRepo,
    load_manifest,
)
from dossier.tenancy.sources import SourceLocationError, check_location

Snapshot = Callable[[Path], dict[str, str]]


def _git(path: Path, *args: str, stdin: bytes | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(path), *args], check=True, capture_output=True, input=stdin
    ).stdout.decode()


def _cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _one_line_error(result: Result) -> str:
    assert "Traceback" not in result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _commit_manifest(ctx: TenantContext, edit: Callable[[dict[str, object]], None]) -> None:
    """Change the manifest as a person with plain git could, and commit it."""
    data = yaml.safe_load(ctx.manifest_path.read_text(encoding="utf-8"))
    edit(data)
    ctx.manifest_path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    _git(ctx.path, "commit", "-q", "-am", "hand edit")


def _bundle(ctx: TenantContext, target: Path) -> Path:
    _git(ctx.path, "bundle", "create", "-q", str(target), "--all")
    return target


def _assert_restore_refused(registry: Registry, archive: Path, code_fragment: str) -> None:
    before = sorted(os.listdir(registry.root))
    with pytest.raises(ArchiveError) as info:
        registry.restore(archive, as_id="restored")
    assert code_fragment in str(info.value)
    assert sorted(os.listdir(registry.root)) == before
    result = _cli("restore", str(archive), "--root", str(registry.root), "--as", "restored-2")
    assert result.exit_code == 1
    assert code_fragment in _one_line_error(result)
    assert sorted(os.listdir(registry.root)) == before


# -- 1. source locations are checked at register, scan and restore -------------------


def test_one_location_check_refuses_workspace_tenants_and_ancestors(
    registry: Registry, tmp_path: Path
) -> None:
    beta = registry.provision("beta")
    outside = tmp_path / "material"
    outside.mkdir()
    check_location(outside, registry.root)
    check_location(tmp_path / "not-there-yet", registry.root)  # missing is not an attack
    link = tmp_path / "link"
    link.symlink_to(beta.path / "bundle", target_is_directory=True)
    for bad in (registry.root, beta.path, beta.path / "bundle", link, tmp_path, Path("/")):
        with pytest.raises(SourceLocationError, match="overlaps the tenant workspace"):
            check_location(bad, registry.root)
    with pytest.raises(SourceLocationError, match="not absolute"):
        check_location("relative/path", registry.root)


@pytest.mark.parametrize("where", ["tenant", "workspace", "link"])
def test_restore_and_deprovision_refuse_a_manifest_location_inside_the_workspace(
    registry: Registry, tmp_path: Path, where: str
) -> None:
    acme = registry.provision("acme")
    beta = registry.provision("beta")
    link = tmp_path / "innocent-looking"
    link.symlink_to(beta.path, target_is_directory=True)
    bad = {"tenant": beta.path, "workspace": registry.root, "link": link}[where]

    def add_source(data: dict[str, object]) -> None:
        data["sources"] = [{"path": str(bad), "added_at": "2026-01-01T00:00:00Z"}]

    _commit_manifest(acme, add_source)
    archive = _bundle(acme, tmp_path / "acme.bundle")
    _assert_restore_refused(registry, archive, "refused")
    # deprovision runs the same checks on its own archive: the tenant is kept
    with pytest.raises(ArchiveError, match="overlaps the tenant workspace"):
        registry.deprovision("acme", tmp_path / "out.bundle")
    assert acme.path.is_dir() and not (tmp_path / "out.bundle").exists()


# -- 2. provisioning inside a tenant; deprovision verifies like restore -------------------


@pytest.mark.parametrize("inner", ["", "bundle", "bundle/deeper"])
def test_provision_and_restore_inside_a_tenant_are_refused(
    registry: Registry, tmp_path: Path, tree_snapshot: Snapshot, inner: str
) -> None:
    acme = registry.provision("acme")
    before = tree_snapshot(acme.path)
    nested_root = acme.path / inner if inner else acme.path
    result = _cli("provision", "beta", "--root", str(nested_root))
    assert result.exit_code == 2
    assert "inside the tenant" in _one_line_error(result)
    other = Registry(tmp_path / "elsewhere").provision("gamma")
    archive = _bundle(other, tmp_path / "gamma.bundle")
    result = _cli("restore", str(archive), "--root", str(nested_root))
    assert result.exit_code == 2
    assert tree_snapshot(acme.path) == before


# -- 4. deprovision --archive never lands in the workspace ------------------------------


def test_archive_path_inside_the_workspace_is_refused(
    registry: Registry, tmp_path: Path, tree_snapshot: Snapshot
) -> None:
    registry.provision("acme")
    beta = registry.provision("beta")
    before = tree_snapshot(beta.path)
    link = tmp_path / "to-beta"
    link.symlink_to(beta.path / "bundle", target_is_directory=True)
    for target in (str(beta.path / "bundle" / "drop.bundle"), str(beta.path / "bundle"),
                   str(beta.path / "bundle" / "new-folder") + "/", str(link / "x.bundle"),
                   str(link), str(registry.root / "loose.bundle")):
        result = _cli("deprovision", "acme", "--root", str(registry.root), "--yes",
                      "--archive", target)
        assert result.exit_code == 2, target
        assert "inside the workspace" in _one_line_error(result)
    assert tree_snapshot(beta.path) == before
    assert (registry.root / "acme").is_dir()


def test_archive_path_naming_a_folder_puts_the_archive_inside_it(
    registry: Registry, tmp_path: Path
) -> None:
    registry.provision("acme")
    registry.provision("beta")
    existing = tmp_path / "archives"
    existing.mkdir()
    fresh = tmp_path / "new" / "folder"
    for client, given, folder in (("acme", str(existing), existing),
                                  ("beta", str(fresh) + "/", fresh)):
        result = _cli("deprovision", client, "--root", str(registry.root), "--yes",
                      "--archive", given, "--json")
        assert result.exit_code == 0, result.output
        written = Path(json.loads(result.stdout)["archive"])
        assert written.parent == folder and written.name.startswith(f"{client}-")
    assert registry.restore(next(fresh.iterdir())).client_id == "beta"


# -- 5. restore checks objects as strictly as git fsck --strict ------------------------


def _hostile_tree(repo: Path, name: bytes) -> str:
    blob = _git(repo, "hash-object", "-w", "--stdin", stdin=b"payload\n").strip()
    raw = b"100644 " + name + b"\x00" + bytes.fromhex(blob)
    return _git(repo, "hash-object", "-t", "tree", "-w", "--literally", "--stdin",
                stdin=raw).strip()


def _gitmodules_tree(repo: Path, text: str) -> str:
    blob = _git(repo, "hash-object", "-w", "--stdin", stdin=text.encode()).strip()
    return _git(repo, "mktree", stdin=f"100644 blob {blob}\t.gitmodules\n".encode()).strip()


HOSTILE = {
    "dotdot-entry": lambda repo: _hostile_tree(repo, b".."),
    "dotgit-entry": lambda repo: _hostile_tree(repo, b".git"),
    "submodule-name": lambda repo: _gitmodules_tree(
        repo, '[submodule "../../escape"]\n\tpath = lib\n\turl = https://example.invalid/x\n'),
    "submodule-url": lambda repo: _gitmodules_tree(
        repo, '[submodule "lib"]\n\tpath = lib\n\turl = --upload-pack=touch /tmp/pwned\n'),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("on_head", [False, True])
def test_restore_refuses_hostile_objects(
    registry: Registry, tmp_path: Path, kind: str, on_head: bool
) -> None:
    acme = registry.provision("acme")
    tree = HOSTILE[kind](acme.path)
    commit = _git(acme.path, "commit-tree", tree, "-p", "HEAD", "-m", "crafted").strip()
    if on_head:
        # keep a valid manifest on HEAD: graft the hostile tree as a subfolder
        base = _git(acme.path, "ls-tree", "HEAD").strip()
        listing = f"{base}\n040000 tree {tree}\tevil\n"
        top = _git(acme.path, "mktree", stdin=listing.encode()).strip()
        commit = _git(acme.path, "commit-tree", top, "-p", "HEAD", "-m", "crafted").strip()
        _git(acme.path, "update-ref", "refs/heads/main", commit)
    else:
        _git(acme.path, "update-ref", "refs/tags/hidden", commit)
    archive = _bundle(acme, tmp_path / f"{kind}.bundle")
    _assert_restore_refused(registry, archive, "strict check refuses")


def test_clean_archives_still_restore(registry: Registry, tmp_path: Path) -> None:
    acme = registry.provision("acme")
    archive = _bundle(acme, tmp_path / "clean.bundle")
    assert registry.restore(archive, as_id="copy").client_id == "copy"


# -- 6. a killed deprovision's hidden copy is cleaned on the next command ----------------


def test_stale_scratch_of_a_dead_process_is_removed_when_the_workspace_opens(
    registry: Registry,
) -> None:
    registry.provision("acme")
    dead = _dead_pid()
    trash = registry.root / f".tmp-acme-{dead}"
    (trash / "bundle").mkdir(parents=True)
    (trash / "bundle" / "client-secret.md").write_text("deleted client data\n", encoding="utf-8")
    other = registry.root / f".tmp-_verify-{dead}"
    other.mkdir()
    live = registry.root / f".tmp-beta-{os.getpid()}"  # a running process's scratch stays
    live.mkdir()
    result = _cli("tenants", "list", "--root", str(registry.root), "--json")
    assert result.exit_code == 0
    assert not trash.exists() and not other.exists()
    assert live.is_dir()


# -- 7. a gitfile .git is refused in one line -------------------------------------------


def test_deprovision_of_a_tenant_with_a_gitfile_is_a_one_line_refusal(
    registry: Registry, tmp_path: Path
) -> None:
    acme = registry.provision("acme")
    moved = tmp_path / "acme-git"
    os.rename(acme.git_dir, moved)
    acme.git_dir.write_text(f"gitdir: {moved}\n", encoding="utf-8")
    result = _cli("deprovision", "acme", "--root", str(registry.root), "--yes")
    assert result.exit_code == 1
    assert "is not a directory" in _one_line_error(result)
    assert acme.path.is_dir()


# -- 8. commit identity ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Mallory\nCommitter: x"),
        ("name", "Evil\x1b[31m"),
        ("name", "Right\u202eLeft"),
        ("name", " padded "),
        ("name", "x" * 101),
        ("email", "no-at-sign"),
        ("email", "a b@example.invalid"),
        ("email", "a@b\x00c"),
    ],
)
def test_insane_commit_identity_is_refused(
    registry: Registry, field: str, value: str
) -> None:
    acme = registry.provision("acme")
    data = yaml.safe_load(acme.manifest_path.read_text(encoding="utf-8"))
    data["commit_identity"][field] = value
    acme.manifest_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ManifestError, match="commit_identity"):
        load_manifest(acme)


@pytest.mark.parametrize("as_id", [None, "renamed"])
def test_restore_resets_a_foreign_commit_identity(
    registry: Registry, tmp_path: Path, as_id: str | None
) -> None:
    acme = registry.provision("acme")

    def impersonate(data: dict[str, object]) -> None:
        data["commit_identity"] = {"name": "Mallory", "email": "mallory@evil.example"}

    _commit_manifest(acme, impersonate)
    archive = _bundle(acme, tmp_path / "acme.bundle")
    commits_before = int(_git(acme.path, "rev-list", "--count", "HEAD"))
    registry.deprovision("acme", tmp_path / "gone.bundle")
    restored = registry.restore(archive, as_id=as_id)
    client = as_id or "acme"
    identity = load_manifest(restored).commit_identity
    assert (identity.name, identity.email) == ("Dossier", f"dossier@{client}.invalid")
    assert int(_git(restored.path, "rev-list", "--count", "HEAD")) == commits_before + 1
    (restored.runs_dir / "after.json").write_text("{}\n", encoding="utf-8")
    assert TenantRepo(restored).commit_all("after restore", {}) is not None
    author = _git(restored.path, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip()
    assert author == f"Dossier <dossier@{client}.invalid>|Dossier <dossier@{client}.invalid>"
