"""Apply the extractor's proposed concepts to a bundle: merge, never clobber.

The extractor is a pure function of the current sources, so the bundle a loop
iteration should leave is "what the extractor proposes now", with exceptions that
protect people's work and the iteration itself:

* a concept a person wrote or confirmed (``generated.by`` or a ``verified[].by``
  starting with ``human:``) is never rewritten or deleted; the machine's proposal is
  reported in the run record instead;
* a concept some other producer wrote (``generated.by`` that is not one of
  Dossier's extractors, or no ``generated`` at all) is left alone too — except by
  that same producer: an agent's proposal may rewrite the agent's own draft
  (``generated.by`` equal, ``agent:<name>``, no person's claim), still only while
  the file holds what the loop last wrote there;
* a concept file that no longer holds the bytes the loop last wrote there (the
  ledger, :mod:`dossier.runtime.ledger`) was edited by a person — committed or
  not — and is left alone and reported the same way;
* a concept whose content (everything but ``generated.at``) did not change is not
  rewritten at all, so it keeps its ``generated.at`` and git sees no diff;
* a proposal that could not be a valid concept (a reserved or malformed id, an id
  proposed twice, a document with a conformance error) is dropped and reported,
  and the rest of the proposals are still applied.

Who may rewrite an existing file (the first three points) is one rule,
:func:`dossier.runtime.ownership.loop_claim`, which the agent's tools ask too.

Concepts that Dossier's extractor wrote earlier and no longer proposes (their
sources were removed) are deleted, unless a person edited them since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from dossier.extract import content_fingerprint
from dossier.fsutil import write_if_changed
from dossier.okf import Bundle, ConceptDocument, OKFDocumentError
from dossier.okf.document import render_concept
from dossier.okf.ids import id_problem
from dossier.okf.validate import checked_concept_bytes
from dossier.runtime.concept_facts import (
    DOSSIER_PRODUCER_PREFIX,
    FactsCache,
    facts_of,
)
from dossier.runtime.ledger import Ledger, blob_id, is_index_key
from dossier.runtime.ownership import loop_claim, producer_of
from dossier.runtime.records import DroppedConcept, ProtectedChange

__all__ = ["DOSSIER_PRODUCER_PREFIX", "SyncResult", "is_machine_owned", "sync_bundle"]

#: Why a hand-edited concept the extractor no longer proposes is kept.
HUMAN_EDITED_ORPHAN = "edited by hand since the loop wrote it; no longer proposed, kept"


@dataclass
class SyncResult:
    """What applying the proposals did to the bundle's working tree."""

    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    protected: list[ProtectedChange] = field(default_factory=list)
    dropped: list[DroppedConcept] = field(default_factory=list)


def is_machine_owned(doc: ConceptDocument) -> bool:
    """True when Dossier wrote this concept and no person has claimed it since."""
    return facts_of(doc).machine_owned


def sync_bundle(
    bundle: Bundle,
    proposals: Iterable[ConceptDocument],
    *,
    now: str,
    with_generated_at: Callable[[ConceptDocument, str], ConceptDocument],
    ledger: Ledger,
    facts: FactsCache | None = None,
    complete: bool = True,
) -> SyncResult:
    """Make the bundle hold ``proposals``, protecting people's concepts and edits.

    ``proposals`` carry a placeholder ``generated.at``; ``with_generated_at`` returns a
    copy stamped with a given instant (the old one when content is unchanged,
    ``now`` otherwise).  ``facts`` is the stat-keyed cache of what existing files
    hold; without one every existing file is read.  Every write is planned and
    checked first; the ledger then records old and new bytes as the loop's before
    any file changes, and only the new ones once the writes are done.

    ``complete`` says the proposals are the whole machine-owned bundle (the default
    loop re-derives everything): a machine concept not proposed is deleted.  An
    orchestrator that proposes only some concepts passes False, and every concept
    it did not mention is left exactly as it is, ledger line included.
    """
    cache = facts if facts is not None else FactsCache(None, "")
    result = SyncResult()
    proposed_ids: set[str] = set()
    existing = bundle.tree().concepts
    owned: dict[str, str] = {}  # concept id → blob the loop leaves there
    edited: dict[str, set[str]] = {}  # concept id → the loop's last write, for edited files
    plans: list[tuple[ConceptDocument, bytes]] = []
    for proposal in proposals:
        concept_id = proposal.concept_id
        problem = id_problem(concept_id)
        if problem is None and concept_id in proposed_ids:
            problem = "the extractor proposed this id twice; the first proposal was kept"
        if problem is not None:
            result.dropped.append(_dropped(proposal, f"invalid concept id: {problem}"))
            continue
        proposed_ids.add(concept_id)
        path = existing.get(concept_id)
        if path is None:
            _plan(plans, result, with_generated_at(proposal, now))
            continue
        current = cache.get(concept_id, path)
        # The one rule of who may rewrite a file (the agent's tools ask it too).
        claim = loop_claim(concept_id, current, producer_of(proposal), ledger)
        if claim.kind == "unreadable":
            # A broken file at a machine id: someone edited it by hand. Do not guess.
            result.protected.append(
                ProtectedChange(concept_id=concept_id, reason=claim.reason)
            )
            continue
        same = current.fingerprint == content_fingerprint(proposal)
        if claim.kind == "owned-elsewhere":
            if not same:
                result.protected.append(_protected(proposal, claim.reason))
            else:
                result.unchanged.append(concept_id)
            continue
        last = claim.last_written
        if claim.kind == "edited":
            if same and _is_loop_render(bundle, proposal, current.blob, with_generated_at):
                owned[concept_id] = current.blob  # byte for byte what the loop writes
                result.unchanged.append(concept_id)
                continue
            edited[concept_id] = last
            if same:
                result.unchanged.append(concept_id)
            else:
                result.protected.append(_protected(proposal, claim.reason))
            continue
        owned[concept_id] = current.blob
        if same:
            # Same content: the file keeps its bytes and its generated.at.
            result.unchanged.append(concept_id)
            continue
        _plan(plans, result, with_generated_at(proposal, now))
    deletions: list[str] = []
    untouched: dict[str, set[str]] = {}
    for concept_id in sorted(set(existing) - proposed_ids):
        if not complete:
            kept = ledger.last_written(concept_id)
            if kept:
                untouched[concept_id] = set(kept)
            continue
        current = cache.get(concept_id, existing[concept_id])
        if not current.machine_owned:
            continue
        last = ledger.last_written(concept_id)
        if current.blob in last:
            deletions.append(concept_id)
        else:
            edited[concept_id] = last
            result.protected.append(
                ProtectedChange(concept_id=concept_id, reason=HUMAN_EDITED_ORPHAN)
            )
    # Lines for concepts the loop leaves to another owner stay: an agent's direct write
    # (serve/writes.py) is recorded there, and is how the ownership rule later tells
    # that agent's unchanged draft from one a person edited (even once committed).
    others = {cid: set(blobs) for cid, blobs in ledger.entries.items()
              if cid in existing and not is_index_key(cid)}
    final = {**others, **untouched, **edited, **{cid: {blob} for cid, blob in owned.items()}}
    _apply(bundle, cache, ledger, final, plans, deletions, result)
    return result


def _apply(
    bundle: Bundle,
    cache: FactsCache,
    ledger: Ledger,
    final: dict[str, set[str]],
    plans: list[tuple[ConceptDocument, bytes]],
    deletions: list[str],
    result: SyncResult,
) -> None:
    """Write and delete, with the ledger updated before (both blobs) and after (new).

    ``final`` holds the ledger lines of the concepts that stay as they are: the
    loop's current files, and for hand-edited ones the loop's last write (so putting
    that back hands the concept back to the loop).
    """
    new_blobs = {doc.concept_id: blob_id(data) for doc, data in plans}
    if plans:
        in_flight = {cid: set(blobs) for cid, blobs in final.items()}
        for concept_id, blob in new_blobs.items():
            in_flight.setdefault(concept_id, set()).add(blob)
        ledger.save(in_flight)
    for doc, data in plans:
        path = bundle.path_for(doc.concept_id)
        write_if_changed(path, data)
        cache.remember(doc.concept_id, bundle.root / f"{doc.concept_id}.md", doc,
                       new_blobs[doc.concept_id])
        result.written.append(doc.concept_id)
    bundle.refresh()
    for concept_id in deletions:
        bundle.delete(concept_id)
        cache.forget(concept_id)
        final.pop(concept_id, None)
        result.deleted.append(concept_id)
    final.update({cid: {blob} for cid, blob in new_blobs.items()})
    ledger.save(final)


def _plan(
    plans: list[tuple[ConceptDocument, bytes]], result: SyncResult, doc: ConceptDocument
) -> None:
    """Queue ``doc`` for writing, or drop it when it would not be a conformant concept."""
    data, problem = checked_concept_bytes(doc)
    if problem is not None:
        result.dropped.append(_dropped(doc, f"fails OKF validation: {problem}"))
        return
    plans.append((doc, data))


def _is_loop_render(
    bundle: Bundle,
    proposal: ConceptDocument,
    blob: str,
    with_generated_at: Callable[[ConceptDocument, str], ConceptDocument],
) -> bool:
    """True when the file is exactly what the loop would write for ``proposal``.

    Only asked for a file the ledger does not know (a run killed before its ledger
    landed, a ledger lost with its commit): such a file holds nothing of a person's.
    """
    try:
        generated = bundle.read(proposal.concept_id).frontmatter.get("generated")
        at = generated.get("at") if isinstance(generated, dict) else None
        if not isinstance(at, str):
            return False
        rendered = render_concept(with_generated_at(proposal, at)).encode("utf-8")
    except OKFDocumentError:
        return False
    return blob_id(rendered) == blob


def _protected(proposal: ConceptDocument, reason: str) -> ProtectedChange:
    return ProtectedChange(
        concept_id=proposal.concept_id,
        reason=reason,
        proposed_title=proposal.concept.title,
        proposed_description=proposal.concept.description,
    )


def _dropped(proposal: ConceptDocument, reason: str) -> DroppedConcept:
    title = proposal.frontmatter.get("title")
    return DroppedConcept(
        concept_id=str(proposal.concept_id),
        reason=reason,
        proposed_title=title if isinstance(title, str) else None,
    )
