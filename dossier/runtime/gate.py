"""The eval step of an iteration, and the gate that keeps a worse bundle off main.

Called by the orchestrator at the commit stage (kept out of ``default.py`` because
the commit is moving into a harness shared by every orchestrator):

* :func:`prepare` — before the iteration writes anything: decides whether to
  evaluate (the tenant has ``evals/gold.yaml``, or the gate is on);
* :meth:`Quality.evaluate` — runs the eval on what the iteration wrote, stores the
  figures in the run record and lists the bars missed (the manifest's ``evals.min``,
  and ``evals.max_drop`` against the last committed figures);
* :meth:`Quality.reject` — commits the iteration to ``dossier/rejected/<run_id>``
  with git plumbing on a temporary index (``add -A``, ``write-tree``, ``commit-tree``,
  ``update-ref``), so main's ref, index and HEAD never move, then puts the working
  tree back with the iteration's :class:`~dossier.runtime.preimage.Preimage` — the
  one record of "the tree as the iteration found it" that a failed or dry run uses
  too, uncommitted human edits included — and re-syncs the search index.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from dossier.errors import DossierError
from dossier.evals.gold import GoldSet
from dossier.evals.metrics import failures
from dossier.evals.tenant_eval import TENANT_GOLD, evaluate_tenant, has_gold
from dossier.runtime.eval_history import REJECTED_PREFIX, last_committed_figures
from dossier.runtime.preimage import Preimage
from dossier.runtime.records import EvalFigures, RunRecord
from dossier.tenancy import TenantContext, TenantRepo
from dossier.tenancy.git import OWNED_PATHS, format_message, run_git, stage_regular_files
from dossier.tenancy.index_copy import IndexCopy
from dossier.tenancy.manifest import EvalSettings, Manifest

#: Loop caches that must not vouch for a rejected iteration's state.
_STALE_AFTER_REJECT = ("loop-state.json",)


class GateError(DossierError):
    """The rejected iteration could not be set aside (a git failure)."""


@dataclass
class Quality:
    """Eval (and optionally gate) one iteration of one tenant."""

    ctx: TenantContext
    repo: TenantRepo
    settings: EvalSettings
    gated: bool

    def evaluate(self, record: RunRecord) -> list[str]:
        """Measure the working tree, put the figures in ``record``; return bars missed."""
        gold: GoldSet | Path = (
            self.ctx.path / TENANT_GOLD if has_gold(self.ctx) else GoldSet(concepts=())
        )
        report = evaluate_tenant(self.ctx, gold)
        previous = last_committed_figures(self.ctx, self.repo)
        missed = (
            failures(report.metrics(), self.settings.min, self.settings.max_drop,
                      previous.metrics if previous else None)
            if self.gated else []
        )
        record.evals = EvalFigures(
            gold=str(TENANT_GOLD) if has_gold(self.ctx) else "",
            gold_sha256=report.gold_sha256,
            metrics=report.metrics(),
            failures=missed,
        )
        return missed

    def reject(
        self, record: RunRecord, trailers: dict[str, str], preimage: Preimage
    ) -> str:
        """Commit the working tree to ``dossier/rejected/<run_id>``; restore main's tree.

        ``preimage`` is the iteration's record of the tree it found (taken before its
        first write); restoring from it is the same step a failed run takes.
        """
        figures = record.evals.metrics if record.evals else {}
        missed = record.evals.failures if record.evals else []
        lines = [f"  {name:<28} {_fmt(value)}" for name, value in sorted(figures.items())]
        message = (
            f"dossier: rejected {record.run_id} (eval gate: {len(missed)} bar(s) missed)\n\n"
            + "Missed:\n" + "\n".join(f"  - {m}" for m in missed)
            + "\n\nEval figures:\n" + "\n".join(lines)
        )
        text = format_message(message, {**trailers, "Dossier-Rejected": "eval gate"})
        scratch = self.ctx.git_dir / "dossier-gate-index"
        head = self.repo.head()
        try:
            after_tree = self._tree_of_worktree(scratch)
            parents = ["-p", head] if head else []
            sha = self._git_in(scratch, "commit-tree", after_tree, *parents, "-m", text)
            self.repo.git("update-ref", f"refs/heads/{REJECTED_PREFIX}{record.run_id}", sha)
        finally:
            scratch.unlink(missing_ok=True)
        preimage.restore()
        for name in _STALE_AFTER_REJECT:
            with contextlib.suppress(OSError):
                (self.ctx.cache_dir / name).unlink()
        self._resync_index()
        return sha

    # -- git plumbing on a scratch index --------------------------------------------

    def _git_in(self, index: Path, *args: str) -> str:
        result = run_git(self.ctx.path, *args, check=False,
                         extra_env={"GIT_INDEX_FILE": str(index)})
        if result.status != 0:
            raise GateError(
                f"eval gate: git {args[0]} failed in tenant {self.ctx.client_id!r}: "
                f"{(result.stderr or result.stdout).strip()}"
            )
        return result.stdout.strip()

    def _tree_of_worktree(self, index: Path) -> str:
        """The working tree as a loop commit would stage it, as a tree object.

        Main's index is untouched: the rule is the loop commit's
        (:func:`~dossier.tenancy.git.stage_regular_files` over the owned paths), on a
        copy of the real index so only changed files are hashed.
        """
        index.unlink(missing_ok=True)
        real = IndexCopy.read(self.ctx.git_dir / "index")
        if real is not None:
            real.write(index)  # stat data: only changed files are hashed
        owned = [n for n in OWNED_PATHS if os.path.lexists(self.ctx.path / n)]
        stage_regular_files(self.ctx.path, owned, {"GIT_INDEX_FILE": str(index)})
        return self._git_in(index, "write-tree")

    def _resync_index(self) -> None:
        """The eval indexed the rejected bundle; compare every file again (cheap: stat)."""
        from dossier.serve.index import SearchIndex

        with contextlib.suppress(DossierError):
            SearchIndex(self.ctx).sync(full=True)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def prepare(
    ctx: TenantContext, repo: TenantRepo, manifest: Manifest, gate: bool
) -> Quality | None:
    """A :class:`Quality` when this iteration is to be evaluated, else None."""
    settings = manifest.evals or EvalSettings()
    gated = gate or settings.gate
    if not gated and not has_gold(ctx):
        return None
    return Quality(ctx, repo, settings, gated)


__all__ = ["GateError", "Quality", "prepare"]
