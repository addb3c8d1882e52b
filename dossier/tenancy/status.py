"""What ``tenants list`` and ``tenants show`` report about a tenant.

``summarize`` must stay cheap (it runs once per tenant in a listing of 1,000):
it parses the manifest, counts concepts, reads the newest run record by name and
finds the last loop commit from loose git objects, falling back to one git call
only when those are packed.  A tenant that cannot be read is reported with a
``problem`` instead of failing the whole listing.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

from dossier.errors import DossierError
from dossier.tenancy.context import TenantContext
from dossier.tenancy.errors import TenancyError
from dossier.tenancy.git import TenantRepo
from dossier.tenancy.gitobjects import Iteration, NeedGit, last_iteration_fast
from dossier.tenancy.manifest import Manifest, load_manifest


@dataclass(frozen=True)
class LastRun:
    """The newest ``runs/<run_id>.json``: its id and ``status`` (None when absent)."""

    run_id: str
    status: str | None


@dataclass(frozen=True)
class TenantSummary:
    """One row of ``dossier tenants list``."""

    client_id: str
    path: str
    display_name: str | None = None
    concepts: int | None = None
    last_loop_commit: str | None = None
    last_loop_date: str | None = None
    last_run_id: str | None = None
    last_run_status: str | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TenantDetails:
    """Everything ``dossier tenants show`` prints."""

    ctx: TenantContext
    manifest: Manifest
    concepts: int
    head: str | None
    last_iteration: Iteration | None
    last_run: LastRun | None

    def to_dict(self) -> dict[str, Any]:
        ctx = self.ctx
        return {
            "client_id": ctx.client_id,
            "manifest": self.manifest.model_dump(mode="json"),
            "paths": {
                "tenant": str(ctx.path),
                "manifest": str(ctx.manifest_path),
                "bundle": str(ctx.bundle_dir),
                "sources": str(ctx.sources_dir),
                "runs": str(ctx.runs_dir),
                "cache": str(ctx.cache_dir),
            },
            "sources": [s.model_dump(mode="json") for s in self.manifest.sources],
            "concepts": self.concepts,
            "head": self.head,
            "last_iteration": asdict(self.last_iteration) if self.last_iteration else None,
            "last_run": asdict(self.last_run) if self.last_run else None,
        }


def count_concepts(ctx: TenantContext) -> int:
    """Concepts in the tenant's bundle, as the OKF layer counts them."""
    from dossier.okf import Bundle

    bundle_dir = ctx.confine("bundle")
    if not bundle_dir.is_dir():
        return 0
    return len(Bundle(bundle_dir).concept_ids())


def last_run(ctx: TenantContext) -> LastRun | None:
    """The newest run record by file name (run ids sort by time); tolerate none or a bad one."""
    runs_dir = ctx.confine("runs")
    try:
        names = [e.name for e in os.scandir(runs_dir) if e.name.endswith(".json")
                 and not e.name.startswith(".") and e.is_file(follow_symlinks=False)]
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not names:
        return None
    newest = max(names)
    run_id = newest[: -len(".json")]
    try:
        data = json.loads((runs_dir / newest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return LastRun(run_id=run_id, status="unreadable")
    status = data.get("status") if isinstance(data, dict) else None
    return LastRun(run_id=run_id, status=status if isinstance(status, str) else None)


def last_iteration(ctx: TenantContext) -> Iteration | None:
    """Newest loop commit: from loose objects when possible, else one ``git log``."""
    try:
        return last_iteration_fast(ctx.git_dir)
    except NeedGit:
        found = TenantRepo(ctx).iterations(limit=1)
        return found[0] if found else None


def check_repository(ctx: TenantContext) -> None:
    """A tenant's ``.git`` must be a real directory inside it (a gitfile could point anywhere)."""
    git_dir = ctx.git_dir
    if git_dir.is_symlink() or not git_dir.is_dir():
        raise TenancyError(
            f"tenant {ctx.client_id!r} has no git repository of its own at {git_dir}"
        )


def summarize(ctx: TenantContext) -> TenantSummary:
    """The list row of one tenant; problems are reported in the row, never raised."""
    try:
        ctx.check_directory()
        check_repository(ctx)
        manifest = load_manifest(ctx)
        iteration = last_iteration(ctx)
        run = last_run(ctx)
        return TenantSummary(
            client_id=ctx.client_id,
            path=str(ctx.path),
            display_name=manifest.display_name,
            concepts=count_concepts(ctx),
            last_loop_commit=iteration.sha if iteration else None,
            last_loop_date=iteration.date if iteration else None,
            last_run_id=run.run_id if run else None,
            last_run_status=run.status if run else None,
        )
    except (DossierError, OSError) as exc:
        return TenantSummary(client_id=ctx.client_id, path=str(ctx.path), problem=str(exc))


def details(ctx: TenantContext) -> TenantDetails:
    """The full picture of one tenant for ``show`` (may call git)."""
    check_repository(ctx)
    manifest = load_manifest(ctx)
    return TenantDetails(
        ctx=ctx,
        manifest=manifest,
        concepts=count_concepts(ctx),
        head=TenantRepo(ctx).head(),
        last_iteration=last_iteration(ctx),
        last_run=last_run(ctx),
    )
