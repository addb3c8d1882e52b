"""Synthetic onboarding corpora for the loop benchmark (deterministic, seeded).

Documents look like consultancy notes: headings, identifiers that recur across
documents (SYS-, DEC-, REQ-, RISK-), recurring named terms and definitions, so
the extractor does the same kind of work it does on a real client corpus.
"""

from __future__ import annotations

import random
from pathlib import Path

TERMS = [
    "Cross-Dock Scheduling", "Proof of Delivery", "Wave Picking", "Carrier Scorecard",
    "Dock Door Assignment", "Yard Management", "Returns Authorisation", "Rate Card",
    "Inbound Receiving", "Cycle Count", "Pallet Label", "Freight Audit",
]
_PROSE = (
    "the team reviewed current volumes and agreed that latency during peak remains the main "
    "constraint while finance asked for weekly reconciliation of invoices against contracts "
    "operations noted manual steps in the handover between shifts and requested clearer "
    "ownership of exceptions raised by carriers customers and the warehouse floor"
)
WORDS = _PROSE.split()


def _para(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def document(index: int, rng: random.Random, systems: int = 120) -> str:
    """One ~5 KB document with several sections and cross-references."""
    parts = [f"# Workshop notes {index}\n"]
    for section in range(6):
        kind = rng.choice(["SYS", "DEC", "REQ", "RISK"])
        ident = f"{kind}-{rng.randrange(systems)}"
        term = rng.choice(TERMS)
        other = f"SYS-{rng.randrange(systems)}"
        parts.append(f"\n## {ident} {term} item {index}-{section}\n")
        parts.append(
            f"\n{term} is the practice the team uses to keep {other} consistent. "
            + _para(rng, 60)
            + f" This affects {other} and {ident}.\n"
        )
        parts.append("\n" + _para(rng, 70) + "\n")
    return "".join(parts)


def write_corpus(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """Write ``count`` documents into ``folder``; returns their paths."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"doc-{index:05}.md"
        path.write_text(document(index, rng), encoding="utf-8")
        paths.append(path)
    return paths
