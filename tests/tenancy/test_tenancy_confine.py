"""Path confinement: every tenant path resolves inside that tenant's own directory."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from dossier.fsutil import PathEscapeError
from dossier.tenancy import (
    GitError,
    ManifestError,
    Registry,
    TenantContext,
    TenantNotFoundError,
    TenantRepo,
    load_manifest,
    tenant_lock,
)


@pytest.fixture
def tenants(registry: Registry, tmp_path: Path) -> tuple[TenantContext, TenantContext, Path]:
    """Tenant ``acme``, a sibling ``acme-evil`` sharing its name prefix, and an outside folder."""
    acme = registry.provision("acme")
    evil = registry.provision("acme-evil")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret", encoding="utf-8")
    # Symlinks planted inside acme (as a hostile archive or a careless user could).
    os.symlink(outside, acme.path / "bundle" / "escape-dir")
    os.symlink(outside / "secret.txt", acme.path / "bundle" / "escape-file.md")
    os.symlink(evil.path, acme.path / "sibling")
    os.symlink("../../acme-evil/bundle", acme.path / "bundle" / "relative-escape")
    os.symlink(acme.path / "loop-a", acme.path / "loop-b")
    os.symlink(acme.path / "loop-b", acme.path / "loop-a")
    return acme, evil, outside


def _hostile_paths(acme: Path, evil: Path, outside: Path) -> list[str]:
    return [
        "..",
        "../acme-evil",
        "../acme-evil/dossier.tenant.yaml",
        "../../outside/secret.txt",
        "bundle/../../acme-evil",
        "bundle/../../../outside",
        str(evil),
        str(evil / "bundle"),
        str(outside / "secret.txt"),
        "/etc/passwd",
        "/",
        str(acme) + "-evil/bundle",
        "bundle/escape-dir",
        "bundle/escape-dir/secret.txt",
        "bundle/escape-file.md",
        "sibling",
        "sibling/dossier.tenant.yaml",
        "bundle/relative-escape",
        "loop-a",
        "bundle/\x00x.md",
    ]


def test_hostile_path_list_is_large_enough(
    tenants: tuple[TenantContext, TenantContext, Path],
) -> None:
    acme, evil, outside = tenants
    assert len(_hostile_paths(acme.path, evil.path, outside)) >= 15


@pytest.mark.parametrize("index", range(20))
def test_hostile_path_is_refused(
    index: int, tenants: tuple[TenantContext, TenantContext, Path]
) -> None:
    acme, evil, outside = tenants
    hostile = _hostile_paths(acme.path, evil.path, outside)[index]
    with pytest.raises(PathEscapeError) as info:
        acme.confine(hostile)
    message = str(info.value)
    assert "acme" in message
    assert ("leaves" in message) or ("NUL" in message) or ("cannot be resolved" in message)


@pytest.mark.parametrize("index", range(20))
def test_file_history_refuses_hostile_paths(
    index: int, tenants: tuple[TenantContext, TenantContext, Path]
) -> None:
    acme, evil, outside = tenants
    with pytest.raises(PathEscapeError):
        TenantRepo(acme).file_history(_hostile_paths(acme.path, evil.path, outside)[index])


@pytest.mark.parametrize(
    "rel", ["bundle", "bundle/index.md", "bundle/new/file.md", "./runs", "runs/../sources", "."]
)
def test_paths_inside_are_accepted(rel: str, registry: Registry) -> None:
    ctx = registry.provision("acme")
    resolved = ctx.confine(rel)
    assert resolved == (ctx.path / rel).resolve()
    assert ctx.confine(ctx.path / rel) == resolved


def test_symlinked_tenant_directory_is_refused(registry: Registry, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    registry.provision("real")
    os.rename(registry.root / "real", elsewhere)
    os.symlink(elsewhere, registry.root / "real")
    with pytest.raises(PathEscapeError, match="symlink"):
        registry.get("real")
    ctx = registry.context("real")
    with pytest.raises(PathEscapeError, match="symlink"):
        ctx.confine("bundle/index.md")
    with pytest.raises(PathEscapeError, match="symlink"):
        TenantRepo(ctx)
    with pytest.raises(PathEscapeError), tenant_lock(ctx, timeout=0.1):
        pass
    assert not (elsewhere / ".dossier").exists()
    [row] = registry.list()
    assert row.client_id == "real" and row.problem and "symlink" in row.problem


def test_manifest_symlinked_outside_is_refused(
    registry: Registry, tmp_path: Path, tree_snapshot: Callable[[Path], dict[str, str]]
) -> None:
    ctx = registry.provision("acme")
    other = registry.provision("beta")
    ctx.manifest_path.unlink()
    os.symlink(other.manifest_path, ctx.manifest_path)
    with pytest.raises(PathEscapeError):
        load_manifest(ctx)


def test_cache_dir_symlinked_outside_is_refused_for_the_lock(
    registry: Registry, tmp_path: Path
) -> None:
    ctx = registry.provision("acme")
    outside = tmp_path / "outside-cache"
    outside.mkdir()
    os.symlink(outside, ctx.cache_dir)
    with pytest.raises(PathEscapeError), tenant_lock(ctx, timeout=0.1):
        pass
    assert list(outside.iterdir()) == []


def test_context_path_must_be_root_slash_id(tmp_path: Path) -> None:
    with pytest.raises(PathEscapeError):
        TenantContext(client_id="acme", root=tmp_path, path=tmp_path / "acme-evil")
    with pytest.raises(PathEscapeError):
        TenantContext(client_id="acme", root=tmp_path, path=tmp_path / "x" / "acme")


def test_git_file_pointing_elsewhere_is_not_a_tenant_repo(registry: Registry) -> None:
    ctx = registry.provision("acme")
    other = registry.provision("beta")
    import shutil

    shutil.rmtree(ctx.git_dir)
    ctx.git_dir.write_text(f"gitdir: {other.git_dir}\n", encoding="utf-8")
    [row, _] = registry.list()
    assert row.problem and "no git repository" in row.problem
    with pytest.raises(GitError, match="is not a directory"):
        TenantRepo(ctx).git("status")


def test_get_unknown_tenant(registry: Registry) -> None:
    with pytest.raises(TenantNotFoundError, match="no tenant 'ghost'"):
        registry.get("ghost")
    (registry.root / "plain").mkdir(parents=True)
    with pytest.raises(TenantNotFoundError, match="not a Dossier tenant"):
        registry.get("plain")


def test_manifest_naming_another_client_is_refused(registry: Registry) -> None:
    ctx = registry.provision("acme")
    text = ctx.manifest_path.read_text(encoding="utf-8")
    text = text.replace("client_id: acme", "client_id: beta")
    ctx.manifest_path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match="names client 'beta'"):
        load_manifest(ctx)


def test_dangling_cache_symlink_out_of_the_tenant_is_refused(
    registry: Registry, tmp_path: Path
) -> None:
    ctx = registry.provision("acme")
    os.symlink(tmp_path / "not-yet", ctx.cache_dir)
    with pytest.raises(PathEscapeError), tenant_lock(ctx, timeout=0.1):
        pass
    assert not (tmp_path / "not-yet").exists()
