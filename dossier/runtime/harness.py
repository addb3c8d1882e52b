"""The loop harness: what makes every orchestrator's iteration equally safe.

An orchestrator only proposes (:class:`~dossier.runtime.proposal.Proposal`); the
harness, owned by the control plane, does everything else, in this order:

1. load the tenant's plugins before any work: the extractor (unless the
   orchestrator says ``uses_extractor = False``) is loaded, given its manifest
   settings and ``check()``-ed, so a missing extra or key fails here;
2. take the tenant lock; recover a killed run (stale git locks, temp files, the
   loop's uncommitted bookkeeping); prepare the eval gate;
3. record the loop-owned tree as it was found (:meth:`Iteration.protect`), then ask
   the orchestrator for its proposal (an orchestrator that declares
   ``protects_own_writes`` records it itself before its first write, so a no-op run
   does not pay for it);
4. refuse a proposal that is not a :class:`Proposal` or names a concept outside
   the bundle; apply the rest with the bundle sync's rules (people's concepts and
   edits are protected, invalid proposals dropped and reported), regenerate indexes,
   append to ``log.md``, validate;
5. evaluate (and gate), then commit once with the trailers and the run record — or,
   for ``--dry-run``, put the tree back and report what would have changed.

Any failure after step 3 (a DossierError from the orchestrator or its extractor, a
bundle that fails validation, a bug) puts the tree back as it was found, a person's
uncommitted work included, and ends in a ``failed`` record kept in
``.dossier/failed-runs/``.  The run record lists the concept ids added, changed and
removed, taken from git (working tree vs HEAD), so a re-run after a crash reports the
iteration the crash interrupted.
"""

from __future__ import annotations

import re
import traceback
from datetime import UTC, datetime

from dossier.errors import DossierError
from dossier.extract.seam import Extractor, get_extractor
from dossier.keys import redact, resolve_key
from dossier.okf import Bundle, ConceptDocument, append_log
from dossier.okf.validate import validate_bundle, validate_concepts
from dossier.runtime.bundle_sync import SyncResult, sync_bundle
from dossier.runtime.concept_facts import FactsCache
from dossier.runtime.gate import Quality
from dossier.runtime.gate import prepare as prepare_quality
from dossier.runtime.index_sync import write_indexes
from dossier.runtime.ledger import ORCHESTRATOR_TRAILER, Ledger
from dossier.runtime.orchestrator import Iteration, LoopOptions, Orchestrator
from dossier.runtime.proposal import Proposal
from dossier.runtime.records import ConceptChanges, Counts, DroppedConcept, RunRecord
from dossier.runtime.runid import new_run_id, utc_now_iso
from dossier.runtime.state import LoopState, read_state, write_state
from dossier.runtime.worktree import BundleChanges, bundle_changes, reset_loop_bookkeeping
from dossier.tenancy import (
    RUN_ID_TRAILER,
    Manifest,
    TenantContext,
    TenantRepo,
    load_manifest,
    tenant_lock,
)

#: An orchestrator's own trailer: a ``Dossier-`` name and a one-line value.
_TRAILER_KEY = re.compile(r"Dossier-[A-Za-z][A-Za-z0-9-]{0,60}")
_TRAILER_VALUE = re.compile(r"[^\x00-\x1f\x7f]{1,200}")
#: A concept id that names an absolute path (POSIX, UNC or a Windows drive).
_ABSOLUTE = re.compile(r"^([/\\]|[A-Za-z]:)")
#: Stat-keyed facts about the bundle's concept files, in the tenant's ``.dossier/``.
FACTS_FILE = "concept-facts.json"


class LoopAborted(DossierError):
    """An iteration stopped before committing (e.g. the bundle failed validation)."""


class ProposalRefused(DossierError):
    """An orchestrator proposed something the harness will not apply at all."""


def run_iteration(
    ctx: TenantContext, orchestrator: Orchestrator, options: LoopOptions
) -> RunRecord:
    """One iteration of ``orchestrator`` for ``ctx``; every failure ends in a record."""
    started = datetime.now(UTC)
    record = RunRecord(
        run_id=new_run_id(started),
        client_id=ctx.client_id,
        orchestrator=orchestrator.name,
        extractor="-",
        started_at=utc_now_iso(),
    )
    try:
        manifest = load_manifest(ctx)
        extractor = _load_extractor(orchestrator, options, manifest)
        if extractor is not None:
            record.extractor = f"{extractor.name}/{extractor.version}"
        with tenant_lock(ctx, timeout=options.lock_timeout):
            _run_locked(ctx, orchestrator, extractor, options, record)
    except DossierError as exc:
        _fail(record, str(exc))
    except Exception as exc:  # a bug in a plugin: still a record, still a restored tree
        detail = "".join(traceback.format_exception_only(exc)).strip()
        _fail(record, f"internal error in orchestrator {orchestrator.name!r}: {detail}")
    record.finished_at = utc_now_iso()
    if record.status == "failed":
        _keep_failed_record(ctx, record)
    return record


def _load_extractor(
    orchestrator: Orchestrator, options: LoopOptions, manifest: Manifest
) -> Extractor | None:
    if not getattr(orchestrator, "uses_extractor", True):
        return None
    name = options.extractor or manifest.extractor
    return get_extractor(name, manifest.plugins.get(name))


def _fail(record: RunRecord, message: str) -> None:
    message = _without_key(message)
    record.status = "failed"
    record.errors.append(message)
    record.message = message


def _without_key(message: str) -> str:
    """``message`` with the Anthropic key (if one is configured) redacted.

    Belt and braces for every orchestrator and extractor: whatever an SDK put in an
    error, a failed record (committed nowhere, but kept and printed) never holds the key.
    """
    try:
        key = resolve_key(who="", instead="")
    except DossierError:
        return message
    return redact(message, key)


def _run_locked(
    ctx: TenantContext,
    orchestrator: Orchestrator,
    extractor: Extractor | None,
    options: LoopOptions,
    record: RunRecord,
) -> None:
    repo = TenantRepo(ctx)
    repo.recover()
    manifest = load_manifest(ctx)
    reset_loop_bookkeeping(ctx, repo)
    quality = prepare_quality(ctx, repo, manifest, options.gate)
    head = repo.head()
    iteration = Iteration(
        ctx=ctx, options=options, manifest=manifest, repo=repo, extractor=extractor,
        head=head, last_state=read_state(ctx), record=record,
    )
    # From here on a failure puts the tree back as this run found it (a person's
    # uncommitted work included), so nothing half-learned is served.
    if not getattr(orchestrator, "protects_own_writes", False):
        iteration.protect()
    try:
        proposal = orchestrator.propose(iteration)
        if not isinstance(proposal, Proposal):
            raise ProposalRefused(
                f"orchestrator {orchestrator.name!r} returned {type(proposal).__name__}, "
                "not a Proposal; nothing committed"
            )
        _take_audit(record, proposal)
        _refuse_direct_writes(iteration, orchestrator)
        _check_trailers(orchestrator, proposal)
        if proposal.up_to_date:
            record.status = "up-to-date"
            record.message = "up to date"
            record.counts = Counts(sources=proposal.source_count)
            return
        iteration.protect()
        _land(iteration, orchestrator, proposal, quality)
        if options.dry_run:
            _restore(iteration, "dry run: {} files put back")
    except Exception:
        if repo.head() == head:  # not after a commit landed: that tree is the new one
            _restore(iteration, "{} files put back as this run found them")
        raise
    finally:
        if iteration.preimage is not None:
            iteration.preimage.discard()


def _restore(iteration: Iteration, detail: str) -> None:
    if iteration.preimage is None:
        return
    with iteration.stage("restore") as note:
        note(detail.format(len(iteration.preimage.restore())))


def _refuse_direct_writes(iteration: Iteration, orchestrator: Orchestrator) -> None:
    """An orchestrator proposes; one that wrote ``bundle/`` or ``runs/`` itself is refused.

    Its own writes would bypass what the harness guarantees (people's concepts and
    edits protected, proposals validated before they are written), so nothing of
    the iteration lands and the tree is put back.  ``sources/`` is the ingest's to
    write (after :meth:`Iteration.protect`).
    """
    if iteration.preimage is None:
        return
    touched = iteration.preimage.changed("bundle", "runs")
    if touched:
        shown = ", ".join(touched[:3]) + (" ..." if len(touched) > 3 else "")
        raise ProposalRefused(
            f"orchestrator {orchestrator.name!r} wrote {shown} itself; an orchestrator "
            "proposes and the harness writes, so nothing was committed"
        )


def _check_trailers(orchestrator: Orchestrator, proposal: Proposal) -> None:
    """An orchestrator's trailers are ``Dossier-`` names with one-line values, or refused.

    A newline in a value would forge further trailers (or a message body) into the
    commit; a name outside ``Dossier-`` is not the loop's to set.
    """
    for key, value in proposal.trailers.items():
        if not (isinstance(key, str) and _TRAILER_KEY.fullmatch(key)
                and isinstance(value, str) and _TRAILER_VALUE.fullmatch(value)):
            raise ProposalRefused(
                f"orchestrator {orchestrator.name!r} proposed trailer {str(key)[:80]!r} that "
                "is not a Dossier- name with a one-line value; nothing committed"
            )


def _take_audit(record: RunRecord, proposal: Proposal) -> None:
    """Copy what the orchestrator saw into the record (kept even if the run fails)."""
    record.extractor = proposal.producer
    record.inputs = list(proposal.inputs)
    record.skipped = list(proposal.skipped)
    record.missing_locations = list(proposal.missing_locations)
    record.refused_locations = list(proposal.refused_locations)
    record.stats = dict(proposal.stats)
    record.usage = proposal.usage
    record.notes = list(proposal.notes)


def _refuse_escapes(orchestrator: Orchestrator, proposal: Proposal, bundle: Bundle) -> None:
    """A concept id that would be a file outside the bundle refuses the whole proposal.

    A malformed id inside the bundle costs that concept (dropped and reported); an id
    that climbs out of it is not a mistake in the data but an orchestrator reaching
    for files it does not own, so nothing of the proposal is applied.
    """
    for concept_id in [*(doc.concept_id for doc in proposal.concepts), *proposal.deprecate]:
        text = str(concept_id)
        if _ABSOLUTE.match(text) or ".." in text.replace("\\", "/").split("/"):
            raise ProposalRefused(
                f"orchestrator {orchestrator.name!r} proposed concept {text!r}, a path "
                f"outside the bundle of tenant {bundle.root.parent.name!r}; nothing committed"
            )


def _with_deprecations(
    proposal: Proposal, bundle: Bundle, record: RunRecord
) -> list[ConceptDocument]:
    """The proposed documents, with each ``deprecate`` id marked ``status: deprecated``."""
    docs = {doc.concept_id: doc for doc in proposal.concepts}
    order = [doc.concept_id for doc in proposal.concepts]
    for concept_id in proposal.deprecate:
        doc = docs.get(concept_id)
        if doc is None:
            if not bundle.exists(concept_id):
                record.dropped.append(DroppedConcept(
                    concept_id=concept_id, reason="asked to deprecate a concept that does not exist"
                ))
                continue
            doc = bundle.read(concept_id)
            # whether the loop may touch it is the sync's one rule (ownership.loop_claim):
            # a person's concept is kept as it is and reported under ``protected``
            order.append(concept_id)
        frontmatter = {**doc.frontmatter, "status": "deprecated"}
        docs[concept_id] = ConceptDocument(
            concept_id=concept_id, frontmatter=frontmatter, body=doc.body
        )
    return [docs[cid] for cid in order]


def _land(
    it: Iteration, orchestrator: Orchestrator, proposal: Proposal, quality: Quality | None
) -> None:
    """Apply, validate, evaluate and commit (or report, for a dry run)."""
    ctx, repo, record = it.ctx, it.repo, it.record
    bundle = Bundle(ctx.bundle_dir)
    _refuse_escapes(orchestrator, proposal, bundle)
    with it.stage("okf") as note:
        facts = FactsCache(ctx.confine(ctx.cache_dir / FACTS_FILE), proposal.producer)
        ledger = Ledger(ctx, repo)
        sync = sync_bundle(
            bundle,
            _with_deprecations(proposal, bundle, record),
            now=utc_now_iso(),
            with_generated_at=with_generated_at,
            ledger=ledger,
            facts=facts,
            complete=proposal.complete,
        )
        record.protected = sync.protected
        record.dropped = [*record.dropped, *sync.dropped]
        changes = bundle_changes(repo)
        concepts = bundle.tree().concepts
        if changes.total:
            # Every index.md is regenerated (cheap: entries come from the stat-keyed
            # cache) so one a crash left stale is still put right; an index someone
            # else wrote is merged into, never replaced (index_sync, the ledger).
            write_indexes(bundle, facts.entries(concepts), ledger)
            append_log(ctx.bundle_dir, datetime.now(UTC).date(),
                       [changes.log_entry(proposal.source_count)])
        facts.save(set(concepts))
        note(f"+{changes.added} ~{changes.updated} -{changes.removed} concepts"
             + (f", {len(sync.dropped)} proposals dropped" if sync.dropped else ""))
    _validate(it, changes, sync)
    record.counts = Counts(
        added=changes.added,
        updated=changes.updated,
        removed=changes.removed,
        unchanged=max(0, len(proposal.concepts) - changes.added - changes.updated),
        sources=proposal.source_count,
    )
    record.concepts = ConceptChanges(
        added=sorted(changes.added_ids),
        changed=sorted(changes.updated_ids),
        removed=sorted(changes.removed_ids),
    )
    nothing_changed = not changes.total and not repo.is_dirty()
    missed: list[str] = []
    if quality is not None and not nothing_changed:
        with it.stage("eval") as note:
            missed = quality.evaluate(record)
            note(f"{len(missed)} bar(s) missed" if quality.gated else "figures recorded")
    if it.options.dry_run:
        record.status = "dry-run"
        record.message = (
            f"dry run: would add {changes.added}, change {changes.updated} and remove "
            f"{changes.removed} concepts"
            + (f"; the eval gate would reject it: {'; '.join(missed)}" if missed else "")
        )
        return
    _commit(it, orchestrator, proposal, changes, quality, missed, nothing_changed)


def _validate(it: Iteration, changes: BundleChanges, sync: SyncResult) -> None:
    with it.stage("validate") as note:
        # HEAD's bundle passed this check when it was committed; only concept files
        # that differ from it (and every index.md / log.md) can bring an error.  The
        # files this run wrote were checked before they were written.
        report = (
            validate_concepts(it.ctx.bundle_dir, changes.present - set(sync.written))
            if it.head is not None
            else validate_bundle(it.ctx.bundle_dir)
        )
        note(f"{len(report.errors)} errors, {len(report.warnings)} warnings")
        if report.errors:
            shown = "; ".join(f"{f.path}: {f.message}" for f in report.errors[:5])
            raise LoopAborted(
                f"bundle failed OKF validation ({len(report.errors)} errors), "
                f"nothing committed: {shown}"
            )


def trailers_for(record: RunRecord, proposal: Proposal) -> dict[str, str]:
    """The commit trailers of an iteration: who drove it, from what, at what cost.

    The orchestrator's own ``proposal.trailers`` come first; the harness's names win.
    """
    trailers = {
        **proposal.trailers,
        RUN_ID_TRAILER: record.run_id,
        ORCHESTRATOR_TRAILER: record.orchestrator,
        "Dossier-Extractor": proposal.producer,
        "Dossier-Sources": str(proposal.source_count),
    }
    if proposal.usage is not None:
        trailers.update(proposal.usage.trailers())
    return trailers


def _commit(
    it: Iteration,
    orchestrator: Orchestrator,
    proposal: Proposal,
    changes: BundleChanges,
    quality: Quality | None,
    missed: list[str],
    nothing_changed: bool,
) -> None:
    ctx, repo, record = it.ctx, it.repo, it.record
    with it.stage("commit") as note:
        if nothing_changed:
            record.status = "up-to-date"
            record.message = "up to date"
            note("nothing to commit")
            write_state(ctx, LoopState(head=repo.head() or "", extractor=proposal.producer,
                                       assembly=proposal.assembly))
            return
        trailers = trailers_for(record, proposal)
        ctx.runs_dir.mkdir(exist_ok=True)
        if quality is not None and missed:
            record.status = "rejected"
            record.message = "rejected by the eval gate: " + "; ".join(missed)
            record.finished_at = utc_now_iso()
            record.write(ctx.runs_dir / f"{record.run_id}.json")
            assert it.preimage is not None  # _land runs only after Iteration.protect()
            record.commit = quality.reject(record, trailers, it.preimage)
            note(f"rejected to dossier/rejected/{record.run_id}")
            return
        record.status = "committed"
        record.message = (
            f"+{changes.added} ~{changes.updated} -{changes.removed} concepts "
            f"from {proposal.source_count} sources"
        )
        record.finished_at = utc_now_iso()
        record.write(ctx.runs_dir / f"{record.run_id}.json")
        sha = repo.commit_all(f"dossier: loop {record.run_id} ({record.message})", trailers)
        record.commit = sha
        write_state(ctx, LoopState(head=sha or repo.head() or "", extractor=proposal.producer,
                                   assembly=proposal.assembly))
        note(f"commit {sha[:12] if sha else '-'}")


def with_generated_at(doc: ConceptDocument, at: str) -> ConceptDocument:
    """A copy of ``doc`` whose ``generated.at`` is ``at`` (the sync picks the instant)."""
    frontmatter = dict(doc.frontmatter)
    generated = dict(frontmatter.get("generated") or {})
    generated["at"] = at
    frontmatter["generated"] = generated
    return ConceptDocument(concept_id=doc.concept_id, frontmatter=frontmatter, body=doc.body)


def _keep_failed_record(ctx: TenantContext, record: RunRecord) -> None:
    """A failed run commits nothing; keep its record in the gitignored cache for diagnosis."""
    try:
        target = ctx.cache_path("failed-runs", f"{record.run_id}.json")  # confined at use
        record.write(target)
    except (OSError, DossierError):
        pass
