"""May the loop rewrite this concept file?  The one rule, asked by whoever writes.

The bundle sync (:mod:`dossier.runtime.bundle_sync`) asks it for every proposal
that lands on an existing file; every agent write — the agent orchestrator's tools
(:mod:`dossier.runtime.agent`) and direct MCP writes (:mod:`dossier.serve.writes`) —
asks it, through :class:`BundleGuard`, when an agent amends, links or deprecates
a concept, so a change the sync would only report under ``protected`` is refused
at call time.  Keeping the rule here, once, means they can never disagree.

The loop keeps its hands off a file when

* it does not parse (someone edited it by hand: do not guess);
* a person wrote or confirmed it (``generated.by`` or a ``verified[].by``
  ``human:``), or another producer wrote it (no ``generated``, or a ``generated.by``
  that is neither Dossier's extractor nor the proposing agent itself);
* it no longer holds the bytes the loop last wrote there (:mod:`.ledger`): a
  person edited it since, committed or not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dossier.okf import Bundle, ConceptDocument
from dossier.runtime.concept_facts import ConceptFacts, FactsCache
from dossier.runtime.ledger import Ledger
from dossier.tenancy import TenantContext, TenantRepo

#: What the run record adds to why a protected concept was not rewritten.
NOT_APPLIED = "proposed change not applied"
#: Why a concept whose file differs from the loop's last write is kept.
EDITED_BY_HAND = "edited by hand since the loop wrote it"

#: ``loop``: the loop may rewrite the file; the others say why it may not.
ClaimKind = Literal["loop", "unreadable", "owned-elsewhere", "edited"]


@dataclass(frozen=True)
class Claim:
    """Whose an existing concept file is, seen from one proposal's producer."""

    kind: ClaimKind
    #: Why the loop keeps the file, in a few words ("" when ``kind`` is ``loop``).
    why: str = ""
    #: The ledger's last writes for the concept, when they were consulted.
    last_written: set[str] = field(default_factory=set)

    @property
    def protected(self) -> bool:
        return self.kind != "loop"

    @property
    def reason(self) -> str:
        """The run record's ``protected[].reason``."""
        return self.why if self.kind in ("loop", "unreadable") else f"{self.why}; {NOT_APPLIED}"


def producer_of(doc: ConceptDocument) -> str | None:
    """The document's ``generated.by``, if it has one."""
    generated = doc.frontmatter.get("generated")
    by = generated.get("by") if isinstance(generated, dict) else None
    return by if isinstance(by, str) else None


def loop_claim(
    concept_id: str, current: ConceptFacts, proposed_by: str | None, ledger: Ledger
) -> Claim:
    """Whether a proposal by ``proposed_by`` may replace ``concept_id``'s file (``current``).

    The ledger is read only for a file the loop could own (its git fallback costs
    a ``git log``).
    """
    if current.error is not None:
        return Claim("unreadable", f"existing file unreadable: {current.error}")
    if not (current.machine_owned or _own_draft(current, proposed_by)):
        return Claim("owned-elsewhere", _owner(current))
    last = ledger.last_written(concept_id)
    if current.blob not in last:
        return Claim("edited", EDITED_BY_HAND, last)
    return Claim("loop", "", last)


class BundleGuard:
    """:func:`loop_claim` over one tenant's ``bundle/`` as it is on disk now.

    For a writer that works elsewhere (the agent's scratch view) and must know,
    before it writes, whether the harness would land the change in the real bundle.
    """

    def __init__(self, ctx: TenantContext) -> None:
        self.bundle = Bundle(ctx.bundle_dir)
        self.ledger = Ledger(ctx, TenantRepo(ctx))
        self._facts = FactsCache(None, "")  # every question reads the file afresh

    def claim(self, concept_id: str, proposed_by: str | None) -> Claim | None:
        """The claim on ``concept_id``'s file, or None when there is none (a new concept)."""
        path = self.bundle.path_for(concept_id)
        if not path.is_file():
            return None
        return loop_claim(concept_id, self._facts.get(concept_id, path), proposed_by,
                          self.ledger)


def _own_draft(current: ConceptFacts, proposed_by: str | None) -> bool:
    """True when an agent proposes a change to a draft that same agent wrote."""
    return (
        current.error is None
        and not current.human_owned
        and isinstance(proposed_by, str)
        and proposed_by.startswith("agent:")
        and current.generated_by == proposed_by
    )


def _owner(current: ConceptFacts) -> str:
    if current.human_owned:
        return "human-owned concept"
    return f"written by {current.generated_by or 'an unknown author'}"
