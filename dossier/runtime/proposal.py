"""What an orchestrator hands the harness: the proposed changes of one iteration.

An orchestrator decides *what* the bundle should learn; the harness
(:mod:`dossier.runtime.harness`) decides whether and how it lands: under the
tenant lock, validated, with the person's work protected, in one commit with
trailers and a run record, or not at all.  So the result is data, not actions:

* ``concepts`` — OKF documents to write (their ``generated.at`` is stamped by the
  harness: kept when the content did not change);
* ``deprecate`` — ids of machine-owned concepts to mark ``status: deprecated``;
* ``complete`` — ``concepts`` is the whole machine-owned bundle: a machine-owned
  concept not in it is removed (the default loop re-derives everything from the
  sources); when False, the proposal only adds and changes;
* ``up_to_date`` — the orchestrator found nothing to do (see
  ``Iteration.unchanged_since_last_run``): nothing is applied or committed;
* the audit trail: sources seen, skips, per-stage stats, usage (tokens, cost), notes;
* ``trailers`` — extra commit trailers of this orchestrator (e.g. an agent's session
  id): ``Dossier-`` names, one line each; they never replace the harness's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dossier.okf import ConceptDocument
from dossier.runtime.records import InputRecord, RefusedLocation, SkipRecord, Usage


@dataclass
class Proposal:
    """The proposed changes of one iteration (see the module docstring)."""

    #: ``name/version`` of what produced the concepts (trailer ``Dossier-Extractor``);
    #: also the loop-state key: a new producer means a full iteration next time.
    producer: str
    #: Key of the assembly settings (adjudication, entity patterns), kept in the loop
    #: state beside ``producer``: changing them means a new assembly next time.
    assembly: str = ""
    concepts: list[ConceptDocument] = field(default_factory=list)
    deprecate: list[str] = field(default_factory=list)
    complete: bool = False
    up_to_date: bool = False
    #: Sources the concepts were derived from (trailer ``Dossier-Sources``).
    source_count: int = 0
    inputs: list[InputRecord] = field(default_factory=list)
    skipped: list[SkipRecord] = field(default_factory=list)
    missing_locations: list[str] = field(default_factory=list)
    refused_locations: list[RefusedLocation] = field(default_factory=list)
    #: Per-stage figures worth keeping, e.g. ``{"extract.cache_hits": 40}``.
    stats: dict[str, float] = field(default_factory=dict)
    usage: Usage | None = None
    notes: list[str] = field(default_factory=list)
    #: Orchestrator-specific commit trailers (checked and added by the harness).
    trailers: dict[str, str] = field(default_factory=dict)
