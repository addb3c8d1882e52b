"""Scoring an extraction against a gold set: concept recall, link recall, outside-gold ratio.

A gold concept is *found* when an extracted concept's title or any alias equals one of
its names (case/punctuation-insensitive, a trailing plural tolerated), or when an
extracted title starts with a gold identifier alias ("DEC-003: Adopt …").  A gold concept
is *found by lines* when it is found, or when an extracted concept of the gold type cites
lines overlapping one of the gold concept's sources: the second, separately reported
figure, ``concept_recall_by_lines``, for gold titles that paraphrase what the text says
(the headline ``concept_recall`` stays by name).  A gold link
is found when the matched concepts link to each other in either direction.  For gold
concepts that name their sources, a match *cites the source* when one of its
``sources[]`` is an expected path, and *cites the lines* when that citation's line range
overlaps the expected one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dossier.evals.gold import GoldConcept, GoldSet, GoldSource, match_key, singular_key
from dossier.evals.tenant_view import BundleConcept, Citation
from dossier.extract.model import ProposedConcept
from dossier.extract.text import is_identifier


@dataclass(frozen=True)
class Extracted:
    """The parts of an extracted concept the scorer needs (from a proposal or a file)."""

    concept_id: str
    title: str
    aliases: tuple[str, ...]
    type: str
    targets: frozenset[str]  # concept ids this concept's body links to
    citations: tuple[Citation, ...] = ()

    @classmethod
    def of(cls, concept: BundleConcept) -> Extracted:
        return cls(concept.concept_id, concept.title, concept.aliases, concept.type,
                   concept.targets, concept.citations)


@dataclass
class ExtractionScore:
    concept_recall: float
    link_recall: float
    outside_gold_ratio: float
    type_accuracy: float
    gold_concepts: int
    found_concepts: int
    gold_links: int
    found_links: int
    extracted: int
    outside_gold: int
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    missed_links: list[str] = field(default_factory=list)
    type_mismatches: list[str] = field(default_factory=list)
    #: Found gold concepts that name their sources, and how many matches cite them.
    sourced: int = 0
    cites_source: int = 0
    cites_lines: int = 0
    citation_misses: list[str] = field(default_factory=list)
    #: Gold concepts found by name, or by an extracted concept of the gold type citing
    #: their lines (see the module docstring); the misses of that wider test.
    found_by_lines: int = 0
    misses_by_lines: list[str] = field(default_factory=list)

    @property
    def concept_recall_by_lines(self) -> float:
        return self.found_by_lines / self.gold_concepts if self.gold_concepts else 1.0

    @property
    def source_accuracy(self) -> float | None:
        return self.cites_source / self.sourced if self.sourced else None

    @property
    def line_accuracy(self) -> float | None:
        return self.cites_lines / self.sourced if self.sourced else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "concept_recall": round(self.concept_recall, 4),
            "concept_recall_by_lines": round(self.concept_recall_by_lines, 4),
            "found_by_lines": self.found_by_lines,
            "misses_by_lines": self.misses_by_lines,
            "link_recall": round(self.link_recall, 4),
            "outside_gold_ratio": round(self.outside_gold_ratio, 4),
            "type_accuracy": round(self.type_accuracy, 4),
            "gold_concepts": self.gold_concepts,
            "found_concepts": self.found_concepts,
            "gold_links": self.gold_links,
            "found_links": self.found_links,
            "extracted": self.extracted,
            "outside_gold": self.outside_gold,
            "misses": self.misses,
            "extras": self.extras,
            "missed_links": self.missed_links,
            "type_mismatches": self.type_mismatches,
            "source_accuracy": _round(self.source_accuracy),
            "line_accuracy": _round(self.line_accuracy),
            "sourced": self.sourced,
            "cites_source": self.cites_source,
            "cites_lines": self.cites_lines,
            "citation_misses": self.citation_misses,
        }

    def summary(self) -> str:
        return (
            f"concept recall {self.concept_recall:.3f}"
            f" ({self.found_concepts}/{self.gold_concepts}),"
            f" link recall {self.link_recall:.3f} ({self.found_links}/{self.gold_links}),"
            f" outside gold {self.outside_gold_ratio:.3f} ({self.outside_gold}/{self.extracted}),"
            f" type accuracy {self.type_accuracy:.3f}"
        )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _cites(hits: Sequence[Extracted], source: GoldSource, lines: bool) -> bool:
    for hit in hits:
        for cite in hit.citations:
            if cite.path != source.path:
                continue
            if not lines or source.start is None:
                return True
            if cite.start is None:
                continue
            gold_end = source.end or source.start
            if cite.start <= gold_end and (cite.end or cite.start) >= source.start:
                return True
    return False


def _typed_at_lines(extracted: Sequence[Extracted], gold: GoldConcept) -> bool:
    """Does an extracted concept of ``gold``'s type cite lines where ``gold`` is defined?

    A gold source without lines is matched by its path alone.
    """
    typed = [e for e in extracted if e.type == gold.type]
    return any(_cites(typed, source, lines=True) for source in gold.sources)


def _from_proposals(proposed: Sequence[ProposedConcept]) -> list[Extracted]:
    from dossier.okf import parse_links

    out: list[Extracted] = []
    for concept in proposed:
        targets = frozenset(
            link.target_id for link in parse_links(concept.body, concept.concept_id)
            if link.target_id
        )
        out.append(Extracted(concept.concept_id, concept.title, tuple(concept.aliases),
                             concept.type, targets))
    return out


def _from_bundle(root: Path) -> list[Extracted]:
    from dossier.okf import Bundle, parse_links

    out: list[Extracted] = []
    for doc in Bundle(root).iter_documents(skip_invalid=True):
        front = doc.frontmatter
        aliases = front.get("aliases") or []
        targets = frozenset(
            link.target_id for link in parse_links(doc.body, doc.concept_id) if link.target_id
        )
        out.append(Extracted(
            doc.concept_id,
            str(front.get("title") or doc.concept_id.rsplit("/", 1)[-1]),
            tuple(str(a) for a in aliases) if isinstance(aliases, list) else (),
            str(front.get("type") or ""),
            targets,
        ))
    return out


#: an identifier leading a gold title ("CVE-2023-52425 quadratic runtime …")
_LEADING_ID = re.compile(r"^([A-Z]{2,6}-\d+(?:-\d+)*)(?=[\s:]|$)")


def _gold_names(gold: GoldConcept) -> tuple[str, ...]:
    """The gold names, plus the identifier its title opens with: a gold title is often
    "ID what it is", and a concept known by that identifier is that concept."""
    lead = _LEADING_ID.match(gold.title)
    return (*gold.names, lead.group(1)) if lead else gold.names


def _matches(concept: Extracted, gold: GoldConcept) -> bool:
    names = {match_key(n) for n in (concept.title, *concept.aliases)}
    names |= {singular_key(n) for n in (concept.title, *concept.aliases)}
    for name in _gold_names(gold):
        if match_key(name) in names or singular_key(name) in names:
            return True
    title = match_key(concept.title)
    return any(
        is_identifier(alias) and title.startswith(match_key(alias) + " ")
        for alias in gold.names
    )


def score_extraction(
    proposed: Sequence[ProposedConcept] | Sequence[Extracted] | Path | str, gold: GoldSet
) -> ExtractionScore:
    """Score proposals, extracted concepts (or a bundle directory) against ``gold``."""
    extracted: list[Extracted]
    if isinstance(proposed, (str, Path)):
        extracted = _from_bundle(Path(proposed))
    elif all(isinstance(p, Extracted) for p in proposed):
        extracted = [p for p in proposed if isinstance(p, Extracted)]
    else:
        extracted = _from_proposals([p for p in proposed if isinstance(p, ProposedConcept)])
    matched: dict[int, list[Extracted]] = {}
    used: set[str] = set()
    for index, concept in enumerate(gold.concepts):
        hits = [e for e in extracted if _matches(e, concept)]
        matched[index] = hits
        used.update(e.concept_id for e in hits)
    found = sum(1 for hits in matched.values() if hits)
    misses = [f"{c.title} ({c.type})" for i, c in enumerate(gold.concepts) if not matched[i]]
    type_ok = 0
    mismatches: list[str] = []
    for index, concept in enumerate(gold.concepts):
        hits = matched[index]
        if not hits:
            continue
        if any(h.type == concept.type for h in hits):
            type_ok += 1
        else:
            mismatches.append(f"{concept.title}: gold {concept.type}, got {hits[0].type}")
    sourced = cites_source = cites_lines = 0
    citation_misses: list[str] = []
    for index, concept in enumerate(gold.concepts):
        hits = matched[index]
        if not hits or not concept.sources:
            continue
        sourced += 1
        if any(_cites(hits, s, lines=False) for s in concept.sources):
            cites_source += 1
        if any(_cites(hits, s, lines=True) for s in concept.sources):
            cites_lines += 1
        else:
            wanted = ", ".join(
                s.path + (f":{s.start}-{s.end}" if s.start else "") for s in concept.sources
            )
            citation_misses.append(f"{concept.title}: expected {wanted}")
    misses_by_lines = [
        f"{c.title} ({c.type})" for i, c in enumerate(gold.concepts)
        if not matched[i] and not _typed_at_lines(extracted, c)
    ]
    by_id = {e.concept_id: e for e in extracted}
    found_links = 0
    missed_links: list[str] = []
    for link in gold.links:
        source_gold = gold.concept_named(link.source)
        target_gold = gold.concept_named(link.target)
        ends = [
            _hits_for(gold, matched, g) if g is not None else []
            for g in (source_gold, target_gold)
        ]
        if _linked(ends[0], ends[1], by_id):
            found_links += 1
        else:
            missed_links.append(f"{link.source} <-> {link.target}")
    extras = sorted(f"{e.title} [{e.concept_id}]" for e in extracted if e.concept_id not in used)
    total = len(extracted)
    return ExtractionScore(
        concept_recall=found / len(gold.concepts) if gold.concepts else 1.0,
        link_recall=found_links / len(gold.links) if gold.links else 1.0,
        outside_gold_ratio=len(extras) / total if total else 0.0,
        type_accuracy=type_ok / found if found else 0.0,
        gold_concepts=len(gold.concepts),
        found_concepts=found,
        gold_links=len(gold.links),
        found_links=found_links,
        extracted=total,
        outside_gold=len(extras),
        misses=misses,
        extras=extras,
        missed_links=missed_links,
        type_mismatches=mismatches,
        sourced=sourced,
        cites_source=cites_source,
        cites_lines=cites_lines,
        citation_misses=citation_misses,
        found_by_lines=len(gold.concepts) - len(misses_by_lines),
        misses_by_lines=misses_by_lines,
    )


def _hits_for(gold: GoldSet, matched: dict[int, list[Extracted]], concept: GoldConcept
              ) -> list[Extracted]:
    return matched[gold.concepts.index(concept)]


def _linked(left: Iterable[Extracted], right: Iterable[Extracted],
            by_id: dict[str, Extracted]) -> bool:
    right_ids = {e.concept_id for e in right}
    for a in left:
        if a.targets & right_ids:
            return True
        for b_id in right_ids:
            if a.concept_id in by_id[b_id].targets:
                return True
    return False
