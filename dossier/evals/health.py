"""Structural health of a bundle: figures that need no gold set.

Each figure points at a known way extraction goes wrong (docs/evals.md defines them):

* ``stub_share`` — concepts whose body is nothing but mention lists: a name was
  seen, but nothing was learned about it;
* ``broad_concepts`` — concepts that are not entities yet cite more than
  ``BROAD_SOURCES`` documents: usually a template heading ("Consequences",
  "Summary") merged across documents into one meaningless concept;
* ``isolated_share`` — concepts with no link in or out;
* ``lines_per_citation_median`` / ``_p90`` — lines cited per ``sources[]`` entry
  (one footnote each): whole-document citations do not help a reader check a claim;
* ``concepts_per_source`` and ``validation_warnings``.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dossier.evals.tenant_view import BundleConcept
from dossier.okf.sections import GENERATED_SECTIONS

#: A non-entity concept citing more documents than this is counted as broad (issue 10's
#: rule: "no non-entity concept citing more than 3 documents").
BROAD_SOURCES = 3
#: Types that name a thing many documents may mention (not a unit of one document).
ENTITY_TYPES = frozenset({"Stakeholder", "System", "Organization", "Glossary Term", "Person"})
#: Body sections the extractor writes around mentions and backlinks, not knowledge.
STUB_SECTIONS = GENERATED_SECTIONS
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_FOOTNOTE_DEF = re.compile(r"^\[\^[^\]]+\]:")


def is_stub(body: str) -> bool:
    """True when ``body`` has no text outside mention/related sections and footnotes."""
    section = ""
    for line in body.splitlines():
        heading = _HEADING.match(line)
        if heading:
            section = heading.group(1).strip().lower()
            continue
        if not line.strip() or _FOOTNOTE_DEF.match(line) or section in STUB_SECTIONS:
            continue
        return False
    return True


def is_entity(concept: BundleConcept) -> bool:
    """An entity: an entity type, or a concept the extractor built from mentions."""
    return concept.type in ENTITY_TYPES or any(
        (m := _HEADING.match(line)) is not None and m.group(1).strip().lower() == "mentions"
        for line in concept.body.splitlines()
    )


def percentile(values: Sequence[int], fraction: float) -> float | None:
    """Nearest-rank percentile (``fraction`` in (0, 1]); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(fraction * len(ordered)) - 1)])


@dataclass
class Health:
    concepts: int
    sources: int
    stub_share: float
    broad_concepts: int
    isolated_share: float
    lines_per_citation_median: float | None
    lines_per_citation_p90: float | None
    concepts_per_source: float
    validation_warnings: int
    broad: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float | None]:
        return {
            "stub_share": round(self.stub_share, 4),
            "broad_concepts": float(self.broad_concepts),
            "isolated_share": round(self.isolated_share, 4),
            "lines_per_citation_median": self.lines_per_citation_median,
            "lines_per_citation_p90": self.lines_per_citation_p90,
            "concepts_per_source": round(self.concepts_per_source, 4),
            "validation_warnings": float(self.validation_warnings),
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.metrics(), "concepts": self.concepts, "sources": self.sources,
                "broad": self.broad}


def measure_health(
    concepts: Sequence[BundleConcept], sources: int, validation_warnings: int
) -> Health:
    """The health figures of ``concepts`` drawn from ``sources`` source documents."""
    total = len(concepts)
    ids = {c.concept_id for c in concepts}
    linked: set[str] = set()
    for concept in concepts:
        targets = concept.targets & ids
        if targets:
            linked.add(concept.concept_id)
            linked.update(targets)
    broad = sorted(
        c.concept_id for c in concepts
        if not is_entity(c) and len(c.cited_paths()) > BROAD_SOURCES
    )
    line_counts = [
        n for c in concepts for cite in c.citations if (n := cite.line_count) is not None
    ]
    stubs = sum(1 for c in concepts if is_stub(c.body))
    return Health(
        concepts=total,
        sources=sources,
        stub_share=stubs / total if total else 0.0,
        broad_concepts=len(broad),
        isolated_share=(total - len(linked)) / total if total else 0.0,
        lines_per_citation_median=(
            float(statistics.median(line_counts)) if line_counts else None
        ),
        lines_per_citation_p90=percentile(line_counts, 0.9),
        concepts_per_source=total / sources if sources else 0.0,
        validation_warnings=validation_warnings,
        broad=broad,
    )
