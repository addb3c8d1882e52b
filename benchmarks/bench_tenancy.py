"""Tenancy benchmarks: provisioning throughput, ``tenants list`` at scale, commit cost.

Goals (from the tenancy issue): ≥ 20 tenants provisioned per second (≤ 50 ms each),
``tenants list`` over 1,000 tenants in < 2 s.  Also measured for the loop's sake:
``TenantRepo.commit_all`` with one changed file among 10,000 (loop goal ≤ 150 ms).

Run: ``python -m benchmarks tenancy`` (``--quick``: 20 provisions, 100 tenants, 1,000 files).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.harness import Result, measure

_GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _isolated_git() -> Callable[[], None]:
    """Run as on a fresh machine (no global git identity); returns a restore function."""
    saved = {k: os.environ.get(k) for k in _GIT_ENV}
    os.environ.update(_GIT_ENV)

    def restore() -> None:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    return restore


def _provision_throughput(work: Path, count: int, repeat: int) -> Result:
    from dossier.tenancy import Registry

    rounds = iter(range(repeat))
    roots: list[Path] = []

    def setup() -> None:
        roots.append(work / f"provision-{next(rounds)}")

    def provision_all() -> None:
        registry = Registry(roots[-1])
        for i in range(count):
            registry.provision(f"client-{i:04d}", name=f"Client {i}")

    median, runs = measure(provision_all, repeat=repeat, setup=setup)
    per_tenant = median / count
    return Result(
        name=f"tenancy: provision, per tenant ({count} tenants)",
        median_s=per_tenant,
        runs=runs,
        goal_s=0.05,
        note=f"{1 / per_tenant:.0f} tenants/s (goal ≥ 20/s)",
    )


def _template_tenant(root: Path, concepts: int) -> Path:
    """A tenant with one loop iteration: ``concepts`` concept files and a run record."""
    from dossier.tenancy import Registry, TenantRepo

    ctx = Registry(root).provision("template", name="Template")
    folder = ctx.bundle_dir / "notes"
    folder.mkdir()
    for i in range(concepts):
        (folder / f"note-{i:03d}.md").write_text(
            f"---\ntype: note\ntitle: Note {i}\n---\n# Note {i}\n", encoding="utf-8"
        )
    run_id = "20260101T000000Z-abcdef"
    (ctx.runs_dir / f"{run_id}.json").write_text('{"status": "committed"}\n', encoding="utf-8")
    TenantRepo(ctx).commit_all(f"dossier: loop {run_id}", {"Dossier-Run-Id": run_id})
    return ctx.path


def _populate(root: Path, count: int) -> None:
    """``count`` tenants copied from a template, each manifest naming its own id."""
    template = _template_tenant(root.parent / "template-root", concepts=20)
    manifest = (template / "dossier.tenant.yaml").read_text(encoding="utf-8")
    root.mkdir()
    for i in range(count):
        client_id = f"client-{i:04d}"
        target = root / client_id
        shutil.copytree(template, target, symlinks=True)
        (target / "dossier.tenant.yaml").write_text(
            manifest.replace("template", client_id), encoding="utf-8"
        )


def _list_timings(work: Path, count: int, repeat: int) -> list[Result]:
    from dossier.tenancy import Registry

    root = work / "many"
    _populate(root, count)
    registry = Registry(root)
    rows = registry.list()
    assert len(rows) == count and all(r.problem is None and r.concepts == 20 for r in rows)
    assert all(r.last_loop_commit for r in rows)
    median, runs = measure(registry.list, repeat=repeat)
    cli = [sys.executable, "-c", "from dossier.cli import main; main()",
           "tenants", "list", "--json", "--root", str(root)]
    cli_median, cli_runs = measure(
        lambda: subprocess.run(cli, check=True, capture_output=True), repeat=repeat
    )
    return [
        Result(name=f"tenancy: Registry.list() at {count} tenants", median_s=median,
               runs=runs, goal_s=2.0 * count / 1000,
               note="goal scaled from 2 s at 1,000 tenants"),
        Result(name=f"tenancy: `dossier tenants list --json` at {count} tenants",
               median_s=cli_median, runs=cli_runs, goal_s=2.0 if count >= 1000 else None,
               note="whole process, incl. interpreter start-up"),
    ]


def _commit_timing(work: Path, files: int, repeat: int) -> Result:
    from dossier.tenancy import Registry, TenantRepo

    ctx = Registry(work / "commit").provision("bulk")
    folder = ctx.bundle_dir / "bulk"
    folder.mkdir()
    for i in range(files):
        (folder / f"c{i:05d}.md").write_text(f"# concept {i}\n", encoding="utf-8")
    repo = TenantRepo(ctx)
    repo.commit_all("bulk", {"Dossier-Run-Id": "bulk"})
    counter = iter(range(10**6))

    def change() -> None:
        (folder / "c00007.md").write_text(f"# changed {next(counter)}\n", encoding="utf-8")

    def commit() -> None:
        assert repo.commit_all("one change", {"Dossier-Run-Id": "one"}) is not None

    median, runs = measure(commit, repeat=repeat, setup=change)
    return Result(name=f"tenancy: commit_all, 1 change among {files} files", median_s=median,
                  runs=runs, goal_s=0.15, note="loop's commit goal at 10,000 files")


def _archive_round_trip(work: Path, repeat: int) -> Result:
    from dossier.tenancy import Registry

    registry = Registry(work / "archive")
    shutil.copytree(_template_tenant(work / "archive-template", concepts=20),
                    registry.root / "template", symlinks=True)

    def round_trip() -> None:
        archive = registry.deprovision("template")
        registry.restore(archive)
        archive.unlink()

    median, runs = measure(round_trip, repeat=repeat)
    return Result(name="tenancy: deprovision + restore (20 concepts)", median_s=median,
                  runs=runs, note="archive written, restore-verified, restored")


def run(quick: bool) -> list[Result]:
    restore_env = _isolated_git()
    work = Path(tempfile.mkdtemp(prefix="dossier-bench-tenancy-"))
    try:
        return [
            _provision_throughput(work, count=20 if quick else 200, repeat=3),
            *_list_timings(work, count=100 if quick else 1000, repeat=3 if quick else 5),
            _commit_timing(work, files=1000 if quick else 10_000, repeat=5),
            _archive_round_trip(work, repeat=3),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
        restore_env()
