"""The Orchestrator seam: who drives one iteration of the learning loop.

The control plane (tenancy, locks, git, run records) does not care *how* an
iteration is driven.  ``DefaultOrchestrator`` runs the staged loop in-process and
offline; a Claude-driven orchestrator plugs in through the same entry-point group
a third party would use (``dossier.orchestrators``), so the built-in one exercises
the seam on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from dossier.errors import UsageError
from dossier.runtime.records import RunRecord
from dossier.tenancy import TenantContext

ENTRY_POINT_GROUP = "dossier.orchestrators"

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
    progress: ProgressCallback = _ignore_progress


@runtime_checkable
class Orchestrator(Protocol):
    """Runs one loop iteration for one tenant and returns its run record."""

    name: str

    def run_iteration(self, ctx: TenantContext, options: LoopOptions) -> RunRecord:
        """Ingest, extract, write OKF, validate and commit; never raise for bad input."""
        ...


def available_orchestrators() -> dict[str, str]:
    """Registered orchestrator names mapped to their import targets."""
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def get_orchestrator(name: str) -> Orchestrator:
    """Instantiate the orchestrator registered as ``name``, or explain what exists."""
    matches = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not matches:
        known = ", ".join(sorted(available_orchestrators())) or "none"
        raise UsageError(f"unknown orchestrator {name!r}; available: {known}")
    factory = matches[0].load()
    instance = factory()
    if not isinstance(instance, Orchestrator):
        raise UsageError(f"orchestrator {name!r} does not implement run_iteration()")
    return instance
