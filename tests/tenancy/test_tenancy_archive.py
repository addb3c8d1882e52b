"""Deprovision writes a verified archive; restore brings back the identical history."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from dossier.errors import UsageError
from dossier.tenancy import (
    ArchiveError,
    Registry,
    TenantContext,
    TenantDirtyError,
    TenantExistsError,
    TenantNotFoundError,
    TenantRepo,
    load_manifest,
)

Snapshot = Callable[[Path], dict[str, str]]


def _git(path: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(path), *args], check=True, capture_output=True, text=True
    ).stdout


def _history(path: Path) -> tuple[str, str, str]:
    return (
        _git(path, "rev-list", "--all"),
        _git(path, "ls-tree", "-r", "HEAD"),
        _git(path, "for-each-ref"),
    )


def _work_tree(snapshot: dict[str, str]) -> dict[str, str]:
    """Work-tree entries with their content hashes (permission bits are git's, not ours)."""
    return {
        k: v.split()[0] + " " + v.split()[-1]
        for k, v in snapshot.items()
        if not (k == ".git" or k.startswith(".git/"))
    }


@pytest.fixture
def acme(registry: Registry, make_loop_commit: Callable[..., str]) -> TenantContext:
    ctx = registry.provision("acme", name="Acme")
    make_loop_commit(ctx, "20260101T000000Z-aaaaaa")
    make_loop_commit(ctx, "20260102T000000Z-bbbbbb")
    _git(ctx.path, "tag", "v1")
    return ctx


def test_round_trip_gives_identical_history_and_tree(
    registry: Registry, acme: TenantContext, tree_snapshot: Snapshot
) -> None:
    history = _history(acme.path)
    tree = _work_tree(tree_snapshot(acme.path))
    archive = registry.deprovision("acme")
    assert archive.parent == registry.root / ".archive"
    assert archive.name.startswith("acme-") and archive.name.endswith("Z.bundle")
    assert not acme.path.exists()
    assert sorted(p.name for p in registry.root.iterdir()) == [".archive"]

    restored = registry.restore(archive)
    assert restored == acme
    assert _history(restored.path) == history
    assert _work_tree(tree_snapshot(restored.path)) == tree
    assert _git(restored.path, "status", "--porcelain") == ""
    assert _git(restored.path, "fsck", "--strict") == ""
    assert _git(restored.path, "remote") == ""
    # the restored repo carries its own identity again: commits work with no global config
    (restored.path / "runs" / "after.txt").write_text("x\n", encoding="utf-8")
    assert TenantRepo(restored).commit_all("after restore", {"Dossier-Run-Id": "r3"})
    assert _git(restored.path, "log", "-1", "--format=%ae").strip() == "dossier@acme.invalid"


def test_restore_as_another_id_rewrites_the_manifest_in_one_commit(
    registry: Registry, acme: TenantContext
) -> None:
    old_head = TenantRepo(acme).head()
    archive = registry.deprovision("acme")
    copy = registry.restore(archive, as_id="acme-copy")
    manifest = load_manifest(copy)
    assert manifest.client_id == "acme-copy"
    assert manifest.commit_identity.email == "dossier@acme-copy.invalid"
    assert _git(copy.path, "rev-parse", "HEAD~1").strip() == old_head
    assert _git(copy.path, "log", "-1", "--format=%s").strip() == (
        "dossier: restore acme as acme-copy"
    )
    same = registry.restore(archive, as_id="acme")  # --as equal to the original: identical
    assert TenantRepo(same).head() == old_head


def test_restore_onto_an_existing_tenant_is_refused(
    registry: Registry, acme: TenantContext, tmp_path: Path, tree_snapshot: Snapshot
) -> None:
    archive = registry.deprovision("acme", tmp_path)
    assert archive.parent == tmp_path
    registry.restore(archive)
    before = tree_snapshot(registry.root)
    with pytest.raises(TenantExistsError, match="already exists"):
        registry.restore(archive)
    with pytest.raises(TenantExistsError, match="already exists"):
        registry.restore(archive, as_id="acme")
    assert tree_snapshot(registry.root) == before


def _assert_refused(registry: Registry, archive: Path, fragment: str) -> None:
    registry.root.mkdir(parents=True, exist_ok=True)
    before = sorted(os.listdir(registry.root))
    with pytest.raises(ArchiveError) as info:
        registry.restore(archive)
    assert str(archive) in str(info.value)
    assert fragment in str(info.value)
    assert sorted(os.listdir(registry.root)) == before


def test_random_bytes_are_refused_and_nothing_is_created(
    registry: Registry, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.bundle"
    junk.write_bytes(os.urandom(4096))
    _assert_refused(registry, junk, "not a git bundle")


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated_archive_is_refused_and_nothing_is_created(
    keep: float, registry: Registry, acme: TenantContext, tmp_path: Path
) -> None:
    archive = registry.deprovision("acme")
    data = archive.read_bytes()
    cut = tmp_path / "cut.bundle"
    cut.write_bytes(data[: int(len(data) * keep)])
    _assert_refused(registry, cut, "archive")
    assert not (registry.root / "acme").exists()


def test_bundle_that_is_not_a_tenant_is_refused(registry: Registry, tmp_path: Path) -> None:
    repo = tmp_path / "plain"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "README").write_text("hello\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "x")
    bundle = tmp_path / "plain.bundle"
    _git(repo, "bundle", "create", "-q", str(bundle), "--all")
    _assert_refused(registry, bundle, "not a Dossier tenant")


def test_missing_or_directory_archive_is_refused(registry: Registry, tmp_path: Path) -> None:
    _assert_refused(registry, tmp_path / "nope.bundle", "does not exist")
    _assert_refused(registry, tmp_path, "is a directory")


def test_dirty_tenant_is_refused_unless_forced(
    registry: Registry, acme: TenantContext, tree_snapshot: Snapshot
) -> None:
    (acme.bundle_dir / "notes" / "draft.md").write_text("# unsaved\n", encoding="utf-8")
    before = tree_snapshot(acme.path)
    with pytest.raises(TenantDirtyError, match="--force"):
        registry.deprovision("acme")
    after = tree_snapshot(acme.path)
    assert {k: v for k, v in after.items() if not k.startswith(".dossier")} == before
    assert not (registry.root / ".archive").exists() or not os.listdir(registry.root / ".archive")
    archive = registry.deprovision("acme", force=True)
    assert archive.is_file() and not acme.path.exists()


def test_cache_folder_does_not_make_a_tenant_dirty(
    registry: Registry, acme: TenantContext
) -> None:
    acme.cache_dir.mkdir(exist_ok=True)
    (acme.cache_dir / "index.bin").write_bytes(b"rebuildable")
    registry.deprovision("acme")


def test_archive_target_rules(registry: Registry, acme: TenantContext, tmp_path: Path) -> None:
    taken = tmp_path / "taken.bundle"
    taken.write_bytes(b"keep me")
    with pytest.raises(UsageError, match="already exists"):
        registry.deprovision("acme", taken)
    with pytest.raises(UsageError, match="does not exist"):
        registry.deprovision("acme", tmp_path / "no-such-dir" / "a.bundle")
    with pytest.raises(UsageError, match="inside the workspace"):
        registry.deprovision("acme", acme.path / "self.bundle")
    assert taken.read_bytes() == b"keep me"
    assert acme.path.is_dir()


def test_deprovision_unknown_tenant(registry: Registry) -> None:
    with pytest.raises(TenantNotFoundError):
        registry.deprovision("ghost")


def test_archive_with_a_symlink_out_of_the_tenant_is_refused(
    registry: Registry, tmp_path: Path
) -> None:
    ctx = registry.provision("acme")
    os.symlink("/etc/passwd", ctx.bundle_dir / "passwd.md")
    os.symlink("../index.md", ctx.bundle_dir / "notes-link.md")  # inside: fine on its own
    # Dossier never commits a symlink; a person with plain git can.
    _git(ctx.path, "add", "bundle/passwd.md", "bundle/notes-link.md")
    _git(ctx.path, "commit", "-q", "-m", "plant a link")
    archive = tmp_path / "planted.bundle"
    _git(ctx.path, "bundle", "create", "-q", str(archive), "--all")
    # deprovision applies restore's checks to its own archive and keeps the tenant
    with pytest.raises(ArchiveError, match="pointing outside"):
        registry.deprovision("acme", tmp_path / "refused.bundle")
    assert ctx.path.is_dir() and not (tmp_path / "refused.bundle").exists()
    _assert_refused(registry, archive, "symlink 'bundle/passwd.md' pointing outside")


def test_workspace_root_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="not a directory"):
        Registry(not_a_dir).provision("acme")


def test_generated_archive_names_never_collide(registry: Registry, tmp_path: Path) -> None:
    registry.provision("acme")
    first = registry.deprovision("acme", tmp_path)
    registry.restore(first)
    second = registry.deprovision("acme", tmp_path)
    assert first != second and first.is_file() and second.is_file()
    assert first.read_bytes() == second.read_bytes()  # same history, same bundle
