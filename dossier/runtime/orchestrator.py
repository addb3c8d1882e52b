"""The Orchestrator seam: who decides what one iteration of the learning loop proposes.

An orchestrator only *proposes*: given an :class:`Iteration` (the tenant, its
manifest, its extractor, a way to time stages) it returns a
:class:`~dossier.runtime.proposal.Proposal`.  Everything that makes an iteration
safe — the tenant lock, recovery of a killed run, resetting the loop's own
bookkeeping, putting the tree back on failure, validation, the commit with its
trailers, the run record, the failed-run record and the eval gate — is done by the
control plane's harness (:mod:`dossier.runtime.harness`) the same way for every
orchestrator, so a new one cannot forget any of it.

``DefaultOrchestrator`` (ingest + extract → proposals, offline) plugs in through the
same ``dossier.orchestrators`` entry-point group a third party uses, loaded by
:mod:`dossier.plugins`, so the seam is exercised on every run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from dossier import plugins
from dossier.errors import UsageError
from dossier.extract.seam import Extractor
from dossier.runtime.preimage import Preimage
from dossier.runtime.proposal import Proposal
from dossier.runtime.records import RunRecord, StageTiming
from dossier.runtime.state import LoopState
from dossier.tenancy import Manifest, TenantContext, TenantRepo

ENTRY_POINT_GROUP = plugins.GROUPS["orchestrator"]

#: A stage name ending in this marks a running count ("extract…", "120/1000 sources"):
#: a live display shows it in place; the stage's final line comes without it.
RUNNING = "…"
#: Seconds between two running counts of one stage (the first is sent at once).
COUNT_INTERVAL = 1.0

#: Called as ``progress(stage, detail)`` when a stage starts or reports.
ProgressCallback = Callable[[str, str], None]


def _ignore_progress(stage: str, detail: str) -> None:
    """Default progress sink: the loop must work with nobody watching."""


@dataclass(frozen=True)
class LoopOptions:
    """Knobs for one iteration that do not belong in the tenant manifest."""

    extractor: str | None = None
    verify_hashes: bool = False
    lock_timeout: float = 30.0
    #: Evaluate before committing; an iteration that misses the manifest's bars goes
    #: to ``dossier/rejected/<run_id>`` instead of main (also ``evals.gate: true``).
    gate: bool = False
    #: Compute what the iteration would add, change and remove, then put the tree
    #: back as it was; nothing is committed.
    dry_run: bool = False
    progress: ProgressCallback = _ignore_progress


@dataclass
class Iteration:
    """What the harness gives an orchestrator for one iteration (under the tenant lock).

    ``extractor`` is the tenant's extractor, already loaded and checked (None for an
    orchestrator that declares ``uses_extractor = False``).
    :meth:`unchanged_since_last_run` lets an orchestrator decide it has nothing to do.
    """

    ctx: TenantContext
    options: LoopOptions
    manifest: Manifest
    repo: TenantRepo
    extractor: Extractor | None
    head: str | None
    last_state: LoopState | None
    record: RunRecord = field(repr=False)
    preimage: Preimage | None = field(default=None, repr=False)
    _last_count: dict[str, float] = field(default_factory=dict, repr=False)

    def protect(self) -> None:
        """Record the loop-owned tree now, so a failure can put it back (idempotent).

        The harness calls this before ``propose`` unless the orchestrator declares
        ``protects_own_writes = True``, a promise to call it before its first write
        (the default orchestrator does, so a no-op run skips the cost); the harness
        calls it again before applying a proposal.
        """
        if self.preimage is None:
            self.preimage = Preimage(self.ctx).take()

    def unchanged_since_last_run(self, producer: str, assembly: str = "") -> bool:
        """True when the last completed iteration ended at HEAD with this producer and
        these assembly settings (:attr:`Proposal.assembly`), and nothing Dossier commits
        was touched since (so re-deriving would change nothing, given inputs that did
        not change either)."""
        expected = LoopState(head=self.head or "", extractor=producer, assembly=assembly)
        return self.last_state == expected and not self.repo.is_dirty()

    def count(self, stage: str, done: int, total: int, unit: str) -> None:
        """Report progress inside a long stage ("120/1000 sources"), at most once a second.

        The first count goes out at once so even a short run shows that work started;
        the last one is left to the stage's own closing line.
        """
        now = time.monotonic()
        last = self._last_count.get(stage)
        if done >= total or (last is not None and now - last < COUNT_INTERVAL):
            return
        self._last_count[stage] = now
        self.options.progress(f"{stage}{RUNNING}", f"{done}/{total} {unit}")

    @contextmanager
    def stage(self, name: str) -> Iterator[Callable[[str], None]]:
        """Time a stage, tell the progress sink, and append it to the run record."""
        self.options.progress(name, "")
        details: list[str] = []
        start = time.perf_counter()
        try:
            yield details.append
        finally:
            detail = "; ".join(details)
            self.record.stages.append(
                StageTiming(name=name, seconds=round(time.perf_counter() - start, 4),
                            detail=detail)
            )
            if detail:
                self.options.progress(name, detail)


@runtime_checkable
class Orchestrator(Protocol):
    """Proposes the changes of one loop iteration for one tenant.

    Optional attributes: ``uses_extractor = False`` (the harness then does not load
    the tenant's extractor), ``protects_own_writes = True`` (see
    :meth:`Iteration.protect`), ``settings_model`` (a pydantic model for the manifest's
    ``plugins.<name>``; the instance is then built as ``Factory(settings)``) and
    ``check()`` (run before any work, e.g. "an API key is present").
    """

    name: str

    def propose(self, iteration: Iteration) -> Proposal:
        """The proposed changes; raise a DossierError for a foreseeable failure."""
        ...


def available_orchestrators() -> list[str]:
    """Registered orchestrator names, sorted."""
    return plugins.available("orchestrator")


def get_orchestrator(name: str, settings: Mapping[str, Any] | None = None) -> Orchestrator:
    """The orchestrator registered as ``name``, built and checked, or a clear error."""
    plugin = plugins.load("orchestrator", name)
    instance = plugins.instantiate(plugin, plugins.plugin_settings(plugin, settings))
    if not isinstance(instance, Orchestrator):
        raise UsageError(
            f"orchestrator {name!r} ({plugin.target}) does not implement propose(iteration)"
        )
    return instance
