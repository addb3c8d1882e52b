"""Operations on tenant A leave tenant B byte-for-byte unchanged (``.git`` included)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dossier.cli import app
from dossier.errors import UsageError
from dossier.fsutil import PathEscapeError
from dossier.tenancy import Registry, TenantContext, TenantRepo, tenant_lock

Snapshot = Callable[[Path], dict[str, str]]


@pytest.fixture
def beta(
    registry: Registry, make_loop_commit: Callable[..., str], tree_snapshot: Snapshot
) -> Iterator[TenantContext]:
    """Tenant B, with history; after the test its subtree must be exactly as before."""
    ctx = registry.provision("beta", name="Beta")
    make_loop_commit(ctx, "20260101T000000Z-bbbbbb")
    before = tree_snapshot(ctx.path)
    assert any(k.startswith(".git/objects/") for k in before)
    yield ctx
    assert tree_snapshot(ctx.path) == before


def test_provision_of_a_leaves_b_unchanged(registry: Registry, beta: TenantContext) -> None:
    registry.provision("alpha")
    registry.provision("alpha")
    registry.provision("beta-2")  # shares B's name prefix


def test_list_and_show_leave_b_unchanged(registry: Registry, beta: TenantContext) -> None:
    registry.provision("alpha")
    assert {r.client_id for r in registry.list()} == {"alpha", "beta"}
    registry.show("alpha")
    registry.show("beta")  # even showing B itself only reads it
    root = str(registry.root)
    for args in (["tenants", "list"], ["tenants", "list", "--json"],
                 ["tenants", "show", "beta", "--json"]):
        assert CliRunner().invoke(app, [*args, "--root", root]).exit_code == 0


def test_deprovision_and_restore_of_a_leave_b_unchanged(
    registry: Registry, beta: TenantContext, make_loop_commit: Callable[..., str]
) -> None:
    alpha = registry.provision("alpha")
    make_loop_commit(alpha, "20260101T000000Z-aaaaaa")
    archive = registry.deprovision("alpha")
    registry.restore(archive)
    registry.restore(archive, as_id="alpha-2")
    registry.deprovision("alpha-2")


def test_lock_handling_on_a_leaves_b_unchanged(registry: Registry, beta: TenantContext) -> None:
    alpha = registry.provision("alpha")
    with tenant_lock(alpha, timeout=0):
        (alpha.runs_dir / "x.txt").write_text("x", encoding="utf-8")
        TenantRepo(alpha).commit_all("a change", {"Dossier-Run-Id": "r"})
        TenantRepo(alpha).recover(min_age=0)


def test_refused_operations_leave_b_unchanged(
    registry: Registry, beta: TenantContext, tmp_path: Path
) -> None:
    alpha = registry.provision("alpha")
    for hostile in ("../beta", str(beta.path), "../beta/dossier.tenant.yaml"):
        with pytest.raises(PathEscapeError, match="leaves"):
            alpha.confine(hostile)
        with pytest.raises(PathEscapeError, match="leaves"):
            TenantRepo(alpha).file_history(hostile)
    with pytest.raises(UsageError, match="overlaps"):
        registry.provision("gamma", sources=[beta.path])
    with pytest.raises(UsageError, match="inside the workspace"):
        registry.deprovision("beta", beta.path / "x.bundle")
