"""Eval figures over a tenant's history: committed run records and rejected iterations.

Every committed iteration's run record stays in ``runs/`` on main, so the figures of
main's history are read from the working tree (one small file per iteration, no git
process).  A rejected iteration lives only on its ``dossier/rejected/<run_id>`` branch;
its record is read from that commit.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from dossier.runtime.records import EvalFigures, RunRecord
from dossier.tenancy import TenantContext, TenantRepo
from dossier.tenancy.gitobjects import RUN_ID_TRAILER, Iteration, parse_trailer_lines

#: Branch namespace of iterations the eval gate refused.
REJECTED_PREFIX = "dossier/rejected/"
_REF_FORMAT = (
    "%(objectname)%1f%(committerdate:iso-strict)%1f%(subject)%1f%(trailers:unfold,only)%1e"
)


def record_file(ctx: TenantContext, run_id: str) -> Path:
    return ctx.runs_dir / f"{run_id}.json"


def read_figures(path: Path) -> EvalFigures | None:
    """The ``evals`` of a run record file; None when absent or unreadable."""
    try:
        return RunRecord.model_validate_json(path.read_text(encoding="utf-8")).evals
    except (OSError, ValueError, ValidationError):
        return None


def figures_by_run(ctx: TenantContext, iterations: list[Iteration]) -> dict[str, EvalFigures]:
    """run id → eval figures, for the iterations whose record holds an eval."""
    out: dict[str, EvalFigures] = {}
    for it in iterations:
        if it.run_id is None:
            continue
        figures = read_figures(record_file(ctx, it.run_id))
        if figures is not None:
            out[it.run_id] = figures
    return out


def read_record(ctx: TenantContext, run_id: str | None) -> RunRecord | None:
    """The committed run record of ``run_id``; None when missing or unreadable."""
    if run_id is None:
        return None
    try:
        return RunRecord.model_validate_json(record_file(ctx, run_id).read_text(encoding="utf-8"))
    except (OSError, ValueError, ValidationError):
        return None


def last_committed_figures(ctx: TenantContext, repo: TenantRepo) -> EvalFigures | None:
    """The figures of the newest iteration on main that was evaluated."""
    for it in repo.iterations():
        if it.run_id is not None:
            figures = read_figures(record_file(ctx, it.run_id))
            if figures is not None:
                return figures
    return None


def rejected_iterations(repo: TenantRepo) -> list[Iteration]:
    """Iterations on ``dossier/rejected/*`` branches, newest first."""
    if repo.head() is None:
        return []
    output = repo.git(
        "for-each-ref", "--sort=-committerdate", f"--format={_REF_FORMAT}",
        "refs/heads/" + REJECTED_PREFIX.rstrip("/"),
    ).stdout
    found: list[Iteration] = []
    for item in output.split("\x1e"):
        item = item.strip("\n")
        if not item:
            continue
        sha, date, summary, trailer_text = [*item.split("\x1f"), "", "", ""][:4]
        trailers = parse_trailer_lines(trailer_text)
        found.append(Iteration(sha=sha, date=date, run_id=trailers.get(RUN_ID_TRAILER),
                               summary=summary, trailers=trailers))
    return found


def rejected_figures(repo: TenantRepo, it: Iteration) -> EvalFigures | None:
    """The eval figures in a rejected iteration's run record (read from its commit)."""
    if it.run_id is None:
        return None
    result = repo.git("show", f"{it.sha}:runs/{it.run_id}.json", check=False)
    if result.status != 0:
        return None
    try:
        return RunRecord.model_validate_json(result.stdout).evals
    except (ValueError, ValidationError):
        return None
