"""The run record: what one loop iteration did, committed beside the knowledge.

A run record is the per-iteration audit trail (stages with timings, inputs with
hashes, counts, skips and why, concepts a human owns or edited that the machine
wanted to change, proposals dropped as invalid).  It lives at
``runs/<run_id>.json`` in the tenant repository and lands in the same commit as
the bundle changes it describes, so history and record can never disagree.
The shape is versioned by ``schema_version``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from dossier.fsutil import atomic_write_text
from dossier.ingest import ScanResult

#: ``dry-run``: the iteration was computed and the tree put back; nothing committed.
RunStatus = Literal["committed", "up-to-date", "failed", "rejected", "dry-run"]

RUN_RECORD_SCHEMA_VERSION = 1


class StageTiming(BaseModel):
    """How long one stage took and what it reported."""

    name: str
    seconds: float
    detail: str = ""


class InputRecord(BaseModel):
    """One source the iteration saw, with the hash its knowledge was derived from."""

    source_id: str
    original_path: str
    sha256: str
    change: Literal["new", "changed", "unchanged", "removed"]


class SkipRecord(BaseModel):
    """A file that was not ingested, and why (never a silent drop)."""

    path: str
    reason: str


class RefusedLocation(BaseModel):
    """A registered source location the tenancy gate refused this run; nothing was read from it."""

    path: str
    reason: str


class ProtectedChange(BaseModel):
    """A machine-proposed change to a concept a person owns, reported instead of applied."""

    concept_id: str
    reason: str
    proposed_title: str | None = None
    proposed_description: str | None = None


class DroppedConcept(BaseModel):
    """A proposed concept the loop did not write because it failed a check.

    One bad proposal (an id that cannot be a file, a document that would not
    validate) costs that concept, not the iteration: the rest is committed.
    """

    concept_id: str
    reason: str
    proposed_title: str | None = None


class Counts(BaseModel):
    """Concept changes and source totals for the iteration."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    sources: int = 0


class ConceptChanges(BaseModel):
    """Which concept ids the iteration added, changed and removed (from git, sorted)."""

    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)


class EvalFigures(BaseModel):
    """The eval of the bundle this iteration committed (or was rejected with)."""

    gold: str = Field(description="The gold file measured against, relative to the tenant.")
    gold_sha256: str = ""
    metrics: dict[str, float | None] = Field(default_factory=dict)
    failures: list[str] = Field(default_factory=list, description="Gate bars missed.")


class RefusedCall(BaseModel):
    """A tool call an agent made that Dossier refused (a path escape, a disabled tool)."""

    tool: str
    reason: str


class AgentSession(BaseModel):
    """What the Agent-SDK orchestrator's session did (docs/claude.md, part 2).

    ``session_id`` is what the next run passes as ``resume=`` when this one was
    interrupted; ``proposals`` are the concepts the agent wrote (``action id``).
    """

    session_id: str | None = None
    resumed_from: str | None = None
    mode: str = "onboard"
    model: str | None = None
    turns: int | None = None
    cost_usd: float | None = None
    stop: str = ""
    summary: str = ""
    proposals: list[str] = Field(default_factory=list)
    refused: list[RefusedCall] = Field(default_factory=list)


class SkippedChunkRecord(BaseModel):
    """Lines of a source an extractor gave up on (e.g. an answer that failed its schema twice)."""

    source_id: str
    lines: str
    reason: str


class SkippedPairRecord(BaseModel):
    """A close candidate pair adjudication could not decide (an answer invalid twice)."""

    pair: str
    reason: str


class AdjudicationRecord(BaseModel):
    """What the claude extractor's optional adjudication step did in one run."""

    candidates: int = 0
    cached: int = 0
    asked: int = 0
    confirmed: int = 0
    skipped_pairs: list[SkippedPairRecord] = Field(default_factory=list)


class Usage(BaseModel):
    """What a model-backed iteration spent (a metered extractor, an agent).

    Reported by the extractor's ``usage_summary()`` or the orchestrator's proposal;
    absent for the offline default loop.
    ``cost_usd`` is an estimate from the extractor's price table (None: model not priced).
    """

    producer: str = ""
    model: str = ""
    prompt: str = ""
    requests: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    tokens: int = 0
    cost_usd: float | None = None
    #: where a budget stopped the iteration (None: it was not stopped)
    stopped_at: str | None = None
    skipped_chunks: list[SkippedChunkRecord] = Field(default_factory=list)
    #: the claude extractor's adjudication of close candidates (None: not run)
    adjudication: AdjudicationRecord | None = None

    @property
    def total_tokens(self) -> int:
        """``tokens`` when the reporter summed them, else input + output."""
        return self.tokens or self.input_tokens + self.output_tokens

    def trailers(self) -> dict[str, str]:
        """Commit trailers naming the spend, so ``dossier history`` can show it."""
        out = {"Dossier-Tokens": str(self.total_tokens)}
        if self.cost_usd is not None:
            out["Dossier-Cost-USD"] = f"{self.cost_usd:.4f}"
        return out


class RunRecord(BaseModel):
    """Everything a person needs to audit one loop iteration."""

    schema_version: int = RUN_RECORD_SCHEMA_VERSION
    run_id: str
    client_id: str
    orchestrator: str
    extractor: str
    started_at: str
    finished_at: str | None = None
    status: RunStatus = "failed"
    message: str = ""
    stages: list[StageTiming] = Field(default_factory=list)
    inputs: list[InputRecord] = Field(default_factory=list)
    counts: Counts = Field(default_factory=Counts)
    skipped: list[SkipRecord] = Field(default_factory=list)
    protected: list[ProtectedChange] = Field(default_factory=list)
    dropped: list[DroppedConcept] = Field(default_factory=list)
    missing_locations: list[str] = Field(default_factory=list)
    refused_locations: list[RefusedLocation] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    evals: EvalFigures | None = None
    concepts: ConceptChanges = Field(default_factory=ConceptChanges)
    usage: Usage | None = None
    stats: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    agent: AgentSession | None = None
    commit: str | None = None

    def to_json(self) -> str:
        """Deterministic JSON (sorted keys, 2-space indent, trailing newline)."""
        data = self.model_dump(mode="json", exclude={"commit"})
        # Optional sections are left out when empty, so records stay small and the
        # records of iterations that had none look as they always did.
        for key in ("evals", "usage", "agent"):
            if data.get(key) is None:
                data.pop(key, None)
        for key in ("stats", "notes"):
            if not data.get(key):
                data.pop(key, None)
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def write(self, path: Path) -> None:
        """Write atomically; the commit id is not stored (a commit cannot name itself)."""
        atomic_write_text(path, self.to_json())


def read_run_record(path: Path) -> RunRecord:
    """Load a run record written by :meth:`RunRecord.write`."""
    return RunRecord.model_validate_json(path.read_text(encoding="utf-8"))


def refused_records(scan: ScanResult) -> list[RefusedLocation]:
    """The scan's refused source locations, as the run record lists them."""
    return [RefusedLocation(path=path, reason=why) for path, why in scan.refused_locations]
