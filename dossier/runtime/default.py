"""DefaultOrchestrator: the staged, offline proposal — ingest + extract → concepts.

It decides *what* an iteration proposes and nothing else: the harness
(:mod:`dossier.runtime.harness`) holds the lock, recovers a killed run, applies,
validates, commits and records, the same for every orchestrator.  It is built to
be re-run: the proposal is derived from the registered sources alone (a pure
function of them), so a run killed at any point is redone by the next one.

Two stages: *ingest* scans the registered locations and writes snapshots of new
and changed sources into ``sources/`` (the harness recorded the tree before, so a
failure puts them back); *extract* runs the tenant's extractor over every snapshot
with its per-source cache.  When nothing changed since the last completed
iteration (same HEAD, same extractor and assembly settings, no source changed) it
says so and stops after the scan.
"""

from __future__ import annotations

from dossier.errors import UsageError
from dossier.ingest import ScanResult, apply_scan, iter_snapshots
from dossier.runtime.extract_stage import ExtractionRunner
from dossier.runtime.ingest_sources import scan_tenant_sources
from dossier.runtime.orchestrator import Iteration, LoopOptions
from dossier.runtime.proposal import Proposal
from dossier.runtime.records import InputRecord, RunRecord, SkipRecord, Usage, refused_records
from dossier.tenancy import TenantContext


class DefaultOrchestrator:
    """Proposes what the extractor finds in the sources; no network, no model, no key."""

    name = "default"
    #: It calls ``iteration.protect()`` before its first write, so a no-op run (the
    #: scan found nothing) does not pay for recording the tree.
    protects_own_writes = True

    def propose(self, iteration: Iteration) -> Proposal:
        """Scan, snapshot and extract; the whole machine-owned bundle is proposed."""
        if iteration.extractor is None:
            raise UsageError("the default orchestrator needs an extractor")
        ctx, manifest = iteration.ctx, iteration.manifest
        runner = ExtractionRunner(ctx, iteration.extractor, manifest)
        with iteration.stage("ingest") as note:
            scan = scan_tenant_sources(ctx, manifest,
                                       verify_hashes=iteration.options.verify_hashes)
            note(
                f"{len(scan.new)} new, {len(scan.changed)} changed, {len(scan.removed)} "
                f"removed, {len(scan.unchanged)} unchanged, {len(scan.skipped)} skipped"
            )
        proposal = Proposal(
            producer=runner.label,
            assembly=runner.assembly_key,
            complete=True,
            inputs=_inputs(scan),
            skipped=[SkipRecord(path=s.path, reason=s.reason) for s in scan.skipped],
            missing_locations=list(scan.missing_locations),
            refused_locations=refused_records(scan),
        )
        if not scan.has_changes and iteration.unchanged_since_last_run(runner.label,
                                                                       runner.assembly_key):
            apply_scan(scan, ctx.sources_dir, ctx.cache_dir)  # writes no tracked file
            proposal.up_to_date = True
            proposal.source_count = len(scan.unchanged)
            return proposal
        iteration.protect()  # before the first tracked write: snapshots into sources/
        apply_scan(scan, ctx.sources_dir, ctx.cache_dir)
        with iteration.stage("extract") as note:
            documents = list(iter_snapshots(ctx.sources_dir))
            try:
                proposal.concepts = runner.propose(
                    documents, lambda done, total: iteration.count("extract", done, total,
                                                                   "sources"))
            finally:
                # what a metered extractor spent, kept even when it stopped (a budget)
                proposal.usage = _usage(runner)
                if proposal.usage is not None:
                    iteration.record.usage = proposal.usage
            proposal.source_count = len(documents)
            proposal.stats = runner.stats()
            note(f"{len(proposal.concepts)} concepts proposed from {len(documents)} sources")
        return proposal

    def run_iteration(self, ctx: TenantContext, options: LoopOptions) -> RunRecord:
        """Convenience for callers that hold an instance: one iteration via the harness."""
        from dossier.runtime.harness import run_iteration

        return run_iteration(ctx, self, options)


def _inputs(scan: ScanResult) -> list[InputRecord]:
    rows: list[InputRecord] = []
    for doc in scan.new:
        rows.append(InputRecord(source_id=doc.source_id, original_path=doc.original_path,
                                sha256=doc.sha256, change="new"))
    for doc in scan.changed:
        rows.append(InputRecord(source_id=doc.source_id, original_path=doc.original_path,
                                sha256=doc.sha256, change="changed"))
    catalogue = scan.catalogue
    for source_id in scan.unchanged:
        entry = catalogue.entries.get(source_id) if catalogue is not None else None
        rows.append(InputRecord(
            source_id=source_id,
            original_path=entry.original_path if entry else "",
            sha256=entry.sha256 if entry else "",
            change="unchanged",
        ))
    for source_id in scan.removed:
        rows.append(InputRecord(source_id=source_id, original_path="", sha256="",
                                change="removed"))
    return sorted(rows, key=lambda r: r.source_id)


def _usage(runner: ExtractionRunner) -> Usage | None:
    """The extractor's spend as a record section (None for an unmetered extractor)."""
    summary = runner.usage()
    return Usage.model_validate(summary) if summary else None
