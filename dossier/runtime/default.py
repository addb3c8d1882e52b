"""DefaultOrchestrator: the staged, offline loop — ingest → extract → OKF → commit.

One call runs one iteration for one tenant under the tenant's lock.  It is built
to be re-run: every stage derives its output from the registered sources and the
committed state, so a run killed at any point (SIGKILL included) leaves files the
next run either rewrites or finds already right.  Three things make that true:

* writes are atomic (temp file + rename), so no concept is ever half-written;
* the loop-owned bookkeeping a killed run may have left uncommitted (``log.md``,
  run records of runs that never committed) is reset to HEAD before starting;
* the change counts are taken from git (working tree vs HEAD), not from what this
  process wrote, so a re-run reports the iteration the crash interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from dossier.errors import DossierError
from dossier.ingest import ScanResult, apply_scan, iter_snapshots
from dossier.okf import Bundle, append_log, generate_indexes
from dossier.okf.validate import validate_bundle, validate_concepts
from dossier.runtime.bundle_sync import sync_bundle
from dossier.runtime.concept_facts import FactsCache
from dossier.runtime.extract_stage import ExtractionRunner
from dossier.runtime.gate import Quality
from dossier.runtime.gate import prepare as prepare_quality
from dossier.runtime.ingest_sources import scan_tenant_sources
from dossier.runtime.ledger import Ledger
from dossier.runtime.orchestrator import LoopOptions
from dossier.runtime.preimage import Preimage
from dossier.runtime.records import (
    Counts,
    InputRecord,
    RunRecord,
    SkipRecord,
    StageTiming,
    refused_records,
)
from dossier.runtime.runid import new_run_id, utc_now_iso
from dossier.runtime.state import LoopState, read_state, write_state
from dossier.runtime.worktree import bundle_changes, reset_loop_bookkeeping
from dossier.tenancy import (
    RUN_ID_TRAILER,
    TenantContext,
    TenantRepo,
    load_manifest,
    tenant_lock,
)

#: Stat-keyed facts about the bundle's concept files, in the tenant's ``.dossier/``.
FACTS_FILE = "concept-facts.json"


class LoopAborted(DossierError):
    """An iteration stopped before committing (e.g. the bundle failed validation)."""


class DefaultOrchestrator:
    """Runs the loop stages in-process; needs no network, no model and no key."""

    name = "default"
    #: An iteration with no source change and nothing dirty is "up to date" without
    #: running the stages; an orchestrator that learns from more than the sources
    #: (an agent) turns this off.
    skips_unchanged = True

    def extra_trailers(self, record: RunRecord) -> dict[str, str]:
        """Trailers a subclass adds to the iteration's commit (none here)."""
        return {}

    def after_merge(self, ctx: TenantContext, options: LoopOptions, record: RunRecord) -> None:
        """Runs once the extractor's proposals are merged into the tree, before the
        indexes, validation and the commit; a subclass adds its own changes here (the
        agent orchestrator's session).  Raising a DossierError fails the iteration."""

    def run_iteration(self, ctx: TenantContext, options: LoopOptions) -> RunRecord:
        """One iteration; foreseeable failures end in a ``failed`` record, not an exception."""
        started = datetime.now(UTC)
        manifest = load_manifest(ctx)
        runner = ExtractionRunner(ctx, options.extractor or manifest.extractor, manifest)
        record = RunRecord(
            run_id=new_run_id(started),
            client_id=ctx.client_id,
            orchestrator=self.name,
            extractor=runner.label,
            started_at=utc_now_iso(),
        )
        try:
            with tenant_lock(ctx, timeout=options.lock_timeout):
                self._run_locked(ctx, options, runner, record)
        except DossierError as exc:
            record.status = "failed"
            record.errors.append(str(exc))
            record.message = str(exc)
        record.finished_at = utc_now_iso()
        if record.status == "failed":
            _keep_failed_record(ctx, record)
        return record

    def _run_locked(
        self,
        ctx: TenantContext,
        options: LoopOptions,
        runner: ExtractionRunner,
        record: RunRecord,
    ) -> None:
        repo = TenantRepo(ctx)
        repo.recover()
        manifest = load_manifest(ctx)
        reset_loop_bookkeeping(ctx, repo)
        quality = prepare_quality(ctx, repo, manifest, options.gate)

        with _stage(record, options, "ingest") as note:
            scan = scan_tenant_sources(ctx, manifest, verify_hashes=options.verify_hashes)
            record.skipped = [SkipRecord(path=s.path, reason=s.reason) for s in scan.skipped]
            record.missing_locations = list(scan.missing_locations)
            record.refused_locations = refused_records(scan)
            record.inputs = _inputs(scan)
            note(
                f"{len(scan.new)} new, {len(scan.changed)} changed, {len(scan.removed)} removed, "
                f"{len(scan.unchanged)} unchanged, {len(scan.skipped)} skipped"
            )

        head = repo.head()
        last = read_state(ctx)
        if (
            self.skips_unchanged
            and not scan.has_changes
            and last == LoopState(head=head or "", extractor=runner.label)
            and not repo.is_dirty()
        ):
            apply_scan(scan, ctx.sources_dir, ctx.cache_dir)  # writes no tracked file
            record.status = "up-to-date"
            record.message = "up to date"
            record.counts = Counts(sources=len(scan.unchanged))
            return

        # From the first write on, a failure puts the tree back as this run found it
        # (a person's uncommitted work included), so nothing half-learned is served.
        preimage = Preimage(ctx).take()
        try:
            apply_scan(scan, ctx.sources_dir, ctx.cache_dir)
            self._learn(ctx, options, runner, record, repo, scan, head, quality)
        except Exception:
            if repo.head() == head:  # not after a commit landed: that tree is the new one
                with _stage(record, options, "restore") as note:
                    restored = preimage.restore()
                    note(f"{len(restored)} files put back as this run found them")
            raise
        finally:
            preimage.discard()

    def _learn(
        self,
        ctx: TenantContext,
        options: LoopOptions,
        runner: ExtractionRunner,
        record: RunRecord,
        repo: TenantRepo,
        scan: ScanResult,
        head: str | None,
        quality: Quality | None,
    ) -> None:
        """Extract, apply, validate, evaluate and commit (or find nothing to commit)."""
        with _stage(record, options, "extract") as note:
            documents = list(iter_snapshots(ctx.sources_dir))
            proposals = runner.propose(documents)
            note(f"{len(proposals)} concepts proposed from {len(documents)} sources")

        bundle = Bundle(ctx.bundle_dir)
        with _stage(record, options, "okf") as note:
            now = utc_now_iso()
            facts = FactsCache(ctx.confine(ctx.cache_dir / FACTS_FILE), runner.label)
            sync = sync_bundle(
                bundle,
                proposals,
                now=now,
                with_generated_at=runner.with_generated_at,
                ledger=Ledger(ctx, repo),
                facts=facts,
            )
            record.protected = sync.protected
            record.dropped = sync.dropped
            self.after_merge(ctx, options, record)
            changes = bundle_changes(repo)
            concepts = bundle.tree().concepts
            if changes.total:
                # Every index.md is regenerated (cheap: the entries come from the
                # stat-keyed cache; only rewritten files are read) so one a crash
                # left stale is still put right.
                generate_indexes(bundle, entries=facts.entries(concepts))
                append_log(
                    ctx.bundle_dir,
                    datetime.now(UTC).date(),
                    [changes.log_entry(len(documents))],
                )
            facts.save(set(concepts))
            note(f"+{changes.added} ~{changes.updated} -{changes.removed} concepts"
                 + (f", {len(sync.dropped)} proposals dropped" if sync.dropped else ""))

        with _stage(record, options, "validate") as note:
            # HEAD's bundle passed this check when it was committed; only concept files
            # that differ from it (and every index.md / log.md) can bring an error.
            # The files this run wrote were checked before they were written.
            report = (
                validate_concepts(ctx.bundle_dir, changes.present - set(sync.written))
                if head is not None
                else validate_bundle(ctx.bundle_dir)
            )
            note(f"{len(report.errors)} errors, {len(report.warnings)} warnings")
            if report.errors:
                shown = "; ".join(f"{f.path}: {f.message}" for f in report.errors[:5])
                raise LoopAborted(
                    f"bundle failed OKF validation ({len(report.errors)} errors), "
                    f"nothing committed: {shown}"
                )

        record.counts = Counts(
            added=changes.added,
            updated=changes.updated,
            removed=changes.removed,
            unchanged=max(0, len(proposals) - changes.added - changes.updated),
            sources=len(documents),
        )
        nothing_changed = not changes.total and not scan.has_changes and not repo.is_dirty()
        missed: list[str] = []
        if quality is not None and not nothing_changed:
            with _stage(record, options, "eval") as note:
                missed = quality.evaluate(record)
                note(f"{len(missed)} bar(s) missed" if quality.gated else "figures recorded")
        with _stage(record, options, "commit") as note:
            if nothing_changed:
                record.status = "up-to-date"
                record.message = "up to date"
                note("nothing to commit")
                write_state(ctx, LoopState(head=repo.head() or "", extractor=runner.label))
                return
            trailers = {
                RUN_ID_TRAILER: record.run_id,
                "Dossier-Orchestrator": self.name,
                "Dossier-Extractor": runner.label,
                "Dossier-Sources": str(len(documents)),
                **self.extra_trailers(record),
            }
            if quality is not None and missed:
                record.status = "rejected"
                record.message = "rejected by the eval gate: " + "; ".join(missed)
                ctx.runs_dir.mkdir(exist_ok=True)
                record.finished_at = utc_now_iso()
                record.write(ctx.runs_dir / f"{record.run_id}.json")
                record.commit = quality.reject(record, trailers)
                note(f"rejected to dossier/rejected/{record.run_id}")
                return
            record.status = "committed"
            record.message = (
                f"+{changes.added} ~{changes.updated} -{changes.removed} concepts "
                f"from {len(documents)} sources"
            )
            ctx.runs_dir.mkdir(exist_ok=True)
            record.finished_at = utc_now_iso()
            record.write(ctx.runs_dir / f"{record.run_id}.json")
            sha = repo.commit_all(f"dossier: loop {record.run_id} ({record.message})", trailers)
            record.commit = sha
            write_state(ctx, LoopState(head=sha or repo.head() or "", extractor=runner.label))
            note(f"commit {sha[:12] if sha else '-'}")


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


@contextmanager
def _stage(
    record: RunRecord, options: LoopOptions, name: str
) -> Iterator[Callable[[str], None]]:
    """Time a stage, tell the progress sink, and append it to the record."""
    options.progress(name, "")
    details: list[str] = []
    start = time.perf_counter()
    try:
        yield details.append
    finally:
        detail = "; ".join(details)
        record.stages.append(
            StageTiming(name=name, seconds=round(time.perf_counter() - start, 4), detail=detail)
        )
        if detail:
            options.progress(name, detail)


def _keep_failed_record(ctx: TenantContext, record: RunRecord) -> None:
    """A failed run commits nothing; keep its record in the gitignored cache for diagnosis."""
    try:
        target = ctx.cache_path("failed-runs", f"{record.run_id}.json")  # confined at use
        record.write(target)
    except (OSError, DossierError):
        pass
