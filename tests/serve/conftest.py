"""Fixtures for the serve tests: tenants with known concepts, MCP calls, loop commits.

Tenants are real: provisioned by the tenancy registry (own git repository), concepts
written through ``okf.Bundle``, iterations committed with a ``Dossier-Run-Id``
trailer exactly as the loop does.  Module-scoped workspaces keep the suite fast; the
environment isolation of tests/conftest.py is repeated for them because the
function-scoped autouse fixture has not run yet when they are built.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from dossier.okf import Bundle, ConceptDocument
from dossier.tenancy import Registry, TenantContext, TenantRepo

ALPHA_SECRET = "alphasecret7731"
BETA_SECRET = "betasecret9924"


def write_concept(ctx: TenantContext, concept_id: str, body: str, **frontmatter: Any) -> None:
    """Write one concept into the tenant's bundle through the OKF layer."""
    frontmatter.setdefault("type", "note")
    Bundle(ctx.bundle_dir).write(ConceptDocument(concept_id, dict(frontmatter), body))


def loop_commit(ctx: TenantContext, run_id: str, summary: str) -> str:
    """Commit the tenant's tree as one loop iteration; returns the sha."""
    sha = TenantRepo(ctx).commit_all(summary, {"Dossier-Run-Id": run_id})
    assert sha is not None, "the iteration changed nothing"
    return sha


def fill_tenant(ctx: TenantContext, secret: str) -> None:
    """Look-alike content: the same ids and titles in every tenant, a per-tenant secret."""
    write_concept(
        ctx,
        "tables/orders",
        f"# Orders\n\nOne row per order; the [revenue metric](/metrics/revenue.md) sums it. "
        f"Internal code {secret}.\n",
        type="table",
        title="Orders",
        description=f"Orders table ({secret})",
        tags=["sales", "core"],
        verified=[{"by": "human:ana", "at": "2026-01-02T00:00:00Z"}],
    )
    write_concept(
        ctx,
        "metrics/revenue",
        f"# Revenue\n\nRevenue is the sum of order totals from the "
        f"[orders table](/tables/orders.md). Owner: [Jane](/people/jane.md). {secret}\n",
        type="metric",
        title="Revenue",
        description="Recognized revenue per fiscal period.",
        tags=["finance", "core"],
    )
    write_concept(
        ctx,
        "metrics/legacy-revenue",
        f"# Legacy revenue\n\nOld revenue formula, replaced by [revenue](/metrics/revenue.md). "
        f"{secret}\n",
        type="metric",
        title="Legacy revenue",
        description="Revenue as computed before 2025.",
        status="deprecated",
    )
    write_concept(
        ctx,
        "people/jane",
        f"# Jane\n\nJane owns the revenue numbers. {secret}\n",
        type="person",
        title="Jane Doe",
        description="Finance lead.",
    )


@pytest.fixture(scope="module")
def isolated_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The same git/env isolation as the function-scoped autouse fixture, per module."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(tmp_path_factory.mktemp("home")))
        mp.setenv("GIT_CONFIG_GLOBAL", os.devnull)
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        mp.delenv("DOSSIER_ROOT", raising=False)
        yield


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, isolated_env: None) -> Path:
    """A workspace with tenants ``alpha`` and ``beta`` holding look-alike concepts."""
    root = tmp_path_factory.mktemp("tenants")
    registry = Registry(root)
    for client_id, secret in (("alpha", ALPHA_SECRET), ("beta", BETA_SECRET)):
        ctx = registry.provision(client_id)
        fill_tenant(ctx, secret)
        loop_commit(ctx, f"run-{client_id}-1", f"learn {client_id}'s first concepts")
    return root


@pytest.fixture(scope="module")
def alpha(workspace: Path) -> TenantContext:
    return Registry(workspace).get("alpha")


@pytest.fixture(scope="module")
def beta(workspace: Path) -> TenantContext:
    return Registry(workspace).get("beta")


@pytest.fixture
def fresh_tenant(tmp_path: Path) -> Callable[[str], TenantContext]:
    """Provision a new, filled tenant in this test's own workspace (for tests that write)."""

    def make(client_id: str = "acme") -> TenantContext:
        ctx = Registry(tmp_path / "tenants").provision(client_id)
        fill_tenant(ctx, f"{client_id}secret")
        loop_commit(ctx, "run-1", "first iteration")
        return ctx

    return make


@pytest.fixture(scope="session")
def run() -> Callable[[Callable[[], Awaitable[Any]]], Any]:
    """Run an async test body (``run(lambda: coro())``) on anyio's default backend."""

    def runner(fn: Callable[[], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            return await fn()

        return anyio.run(main)

    return runner


@pytest.fixture(scope="session")
def put_concept() -> Callable[..., None]:
    """``put_concept(ctx, id, body, **frontmatter)``: write a concept via okf.Bundle."""
    return write_concept


@pytest.fixture(scope="session")
def commit_iteration() -> Callable[[TenantContext, str, str], str]:
    """``commit_iteration(ctx, run_id, summary)``: commit like one loop iteration."""
    return loop_commit
