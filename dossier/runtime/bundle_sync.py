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
from dossier.okf import Bundle, ConceptDocument, OKFDocumentError
from dossier.runtime.records import ProtectedChange

#: ``generated.by`` prefix of every Dossier extractor (``dossier-deterministic/0.1.0``).
DOSSIER_PRODUCER_PREFIX = "dossier-"


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


def _generated_by(doc: ConceptDocument) -> str:
    generated = doc.frontmatter.get("generated")
    if isinstance(generated, dict):
        return str(generated.get("by") or "")
    return ""


def _generated_at(doc: ConceptDocument) -> str | None:
    generated = doc.frontmatter.get("generated")
    if isinstance(generated, dict) and generated.get("at") is not None:
        return str(generated["at"])
    return None


def is_machine_owned(doc: ConceptDocument) -> bool:
    """True when Dossier wrote this concept and no person has claimed it since."""
    if not _generated_by(doc).startswith(DOSSIER_PRODUCER_PREFIX):
        return False
    return not doc.concept.is_human_owned


def sync_bundle(
    bundle: Bundle,
    proposals: Iterable[ConceptDocument],
    *,
    now: str,
    with_generated_at: Callable[[ConceptDocument, str], ConceptDocument],
) -> SyncResult:
    """Make the bundle hold ``proposals``, protecting human and foreign concepts.

    ``proposals`` carry a placeholder ``generated.at``; ``with_generated_at`` returns a
    copy stamped with a given instant (the old one when content is unchanged,
    ``now`` otherwise).
    """
    result = SyncResult()
    proposed_ids: set[str] = set()
    existing_ids = set(bundle.concept_ids())
    for proposal in proposals:
        concept_id = proposal.concept_id
        proposed_ids.add(concept_id)
        if concept_id not in existing_ids:
            bundle.write(with_generated_at(proposal, now))
            result.written.append(concept_id)
            continue
        try:
            current = bundle.read(concept_id)
        except OKFDocumentError as exc:
            # A broken file at a machine id: someone edited it by hand. Do not guess.
            result.protected.append(
                ProtectedChange(concept_id=concept_id, reason=f"existing file unreadable: {exc}")
            )
            continue
        if not is_machine_owned(current):
            if content_fingerprint(current) != content_fingerprint(proposal):
                owner = _generated_by(current) or "an unknown author"
                reason = (
                    "human-owned concept; proposed change not applied"
                    if current.concept.is_human_owned
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
        if content_fingerprint(current) == content_fingerprint(proposal):
            # Same content: the file keeps its bytes and its generated.at.
            result.unchanged.append(concept_id)
            continue
        bundle.write(with_generated_at(proposal, now))
        result.written.append(concept_id)
    for concept_id in sorted(existing_ids - proposed_ids):
        try:
            current = bundle.read(concept_id)
        except OKFDocumentError:
            continue
        if is_machine_owned(current):
            bundle.delete(concept_id)
            result.deleted.append(concept_id)
    return result
