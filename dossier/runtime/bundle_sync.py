"""Apply the extractor's proposed concepts to a bundle: merge, never clobber.

The extractor is a pure function of the current sources, so the bundle a loop
iteration should leave is "what the extractor proposes now", with three
exceptions that protect people's work:

* a concept a person wrote or confirmed (``generated.by`` or a ``verified[].by``
  starting with ``human:``) is never rewritten or deleted; the machine's proposal is
  reported in the run record instead;
* a concept some other producer wrote (``generated.by`` that is not one of
  Dossier's extractors, or no ``generated`` at all) is left alone too;
* a concept whose content (everything but ``generated.at``) did not change is not
  rewritten at all, so it keeps its ``generated.at`` and git sees no diff.

Concepts that Dossier's extractor wrote earlier and no longer proposes (their
sources were removed) are deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from dossier.extract import content_fingerprint
from dossier.okf import Bundle, ConceptDocument
from dossier.runtime.concept_facts import DOSSIER_PRODUCER_PREFIX, FactsCache, facts_of
from dossier.runtime.records import ProtectedChange

__all__ = ["DOSSIER_PRODUCER_PREFIX", "SyncResult", "is_machine_owned", "sync_bundle"]


@dataclass
class SyncResult:
    """What applying the proposals did to the bundle's working tree."""

    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    protected: list[ProtectedChange] = field(default_factory=list)

    @property
    def touched_directories(self) -> set[str]:
        """Bundle directories whose index.md may need regenerating."""
        dirs: set[str] = set()
        for concept_id in [*self.written, *self.deleted]:
            parts = concept_id.split("/")[:-1]
            for depth in range(len(parts) + 1):
                dirs.add("/".join(parts[:depth]))
        return dirs


def is_machine_owned(doc: ConceptDocument) -> bool:
    """True when Dossier wrote this concept and no person has claimed it since."""
    return facts_of(doc).machine_owned


def sync_bundle(
    bundle: Bundle,
    proposals: Iterable[ConceptDocument],
    *,
    now: str,
    with_generated_at: Callable[[ConceptDocument, str], ConceptDocument],
    facts: FactsCache | None = None,
) -> SyncResult:
    """Make the bundle hold ``proposals``, protecting human and foreign concepts.

    ``proposals`` carry a placeholder ``generated.at``; ``with_generated_at`` returns a
    copy stamped with a given instant (the old one when content is unchanged,
    ``now`` otherwise).  ``facts`` is the stat-keyed cache of what existing files
    hold; without one every existing file is read.
    """
    cache = facts if facts is not None else FactsCache(None, "")
    result = SyncResult()
    proposed_ids: set[str] = set()
    existing = bundle.tree().concepts
    for proposal in proposals:
        concept_id = proposal.concept_id
        proposed_ids.add(concept_id)
        path = existing.get(concept_id)
        if path is None:
            _write(bundle, cache, with_generated_at(proposal, now))
            result.written.append(concept_id)
            continue
        current = cache.get(concept_id, path)
        if current.error is not None:
            # A broken file at a machine id: someone edited it by hand. Do not guess.
            result.protected.append(
                ProtectedChange(
                    concept_id=concept_id, reason=f"existing file unreadable: {current.error}"
                )
            )
            continue
        same = current.fingerprint == content_fingerprint(proposal)
        if not current.machine_owned:
            if not same:
                owner = current.generated_by or "an unknown author"
                reason = (
                    "human-owned concept; proposed change not applied"
                    if current.human_owned
                    else f"written by {owner}; proposed change not applied"
                )
                result.protected.append(
                    ProtectedChange(
                        concept_id=concept_id,
                        reason=reason,
                        proposed_title=proposal.concept.title,
                        proposed_description=proposal.concept.description,
                    )
                )
            else:
                result.unchanged.append(concept_id)
            continue
        if same:
            # Same content: the file keeps its bytes and its generated.at.
            result.unchanged.append(concept_id)
            continue
        _write(bundle, cache, with_generated_at(proposal, now))
        result.written.append(concept_id)
    for concept_id in sorted(set(existing) - proposed_ids):
        if cache.get(concept_id, existing[concept_id]).machine_owned:
            bundle.delete(concept_id)
            cache.forget(concept_id)
            result.deleted.append(concept_id)
    return result


def _write(bundle: Bundle, cache: FactsCache, doc: ConceptDocument) -> None:
    bundle.write(doc)  # validates the id and confines the path
    # Only stat'ed, so the plain join is enough (``path_for`` costs a realpath).
    cache.remember(doc.concept_id, bundle.root / f"{doc.concept_id}.md", doc)
