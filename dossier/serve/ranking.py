"""Tie-breakers on top of relevance: trust, lifecycle status and staleness.

OKF's trust tier, status and ``stale_after`` are advisory signals (SPEC §5.3-5.5),
so they nudge the order instead of filtering: a relevance score is multiplied by
small factors.  Between two equally relevant concepts the reviewed, current one
wins; a deprecated concept still appears (agents need it to follow old links) but
is demoted behind a comparably relevant current one.  docs/search.md lists these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

TRUST_FACTORS: dict[str, float] = {
    "human-reviewed": 1.10,
    "machine-confirmed": 1.05,
    "unverified": 1.00,
}
STATUS_FACTORS: dict[str, float] = {
    "stable": 1.00,
    "draft": 0.90,
    "deprecated": 0.50,
}
STALE_FACTOR = 0.80
#: A concept whose title *is* the query is what the user named: it outranks concepts
#: that merely mention those words more often (BM25 favours long, repetitive bodies).
EXACT_TITLE_FACTOR = 1.5
#: A concept holding every "quoted phrase" of the query word for word outranks one that
#: only has the words scattered (queries are single words, so BM25 cannot tell).
PHRASE_FACTOR = 1.5

#: Reciprocal-rank-fusion constant (the customary 60 of Cormack et al.).
RRF_K = 60


def tie_breaker(trust_tier: str, status: str, stale: bool) -> float:
    """The factor a relevance score is multiplied by."""
    factor = TRUST_FACTORS.get(trust_tier, 1.0) * STATUS_FACTORS.get(status, 1.0)
    return factor * (STALE_FACTOR if stale else 1.0)


def _normalized(text: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.casefold()).split())


def title_factor(query: str, title: str) -> float:
    """``EXACT_TITLE_FACTOR`` when the query equals the title (case and punctuation aside)."""
    wanted = _normalized(query)
    return EXACT_TITLE_FACTOR if wanted and wanted == _normalized(title) else 1.0


def quoted_phrases(query: str) -> list[str]:
    """The ``"quoted phrases"`` of a query, normalized; an unclosed quote quotes nothing."""
    parts = query.split('"')
    closed = parts[1 : len(parts) - 1 : 2] if len(parts) % 2 else parts[1 : len(parts) - 2 : 2]
    return [p for p in (_normalized(part) for part in closed) if " " in p]


def phrase_factor(phrases: Sequence[str], text: str) -> float:
    """``PHRASE_FACTOR`` when ``text`` holds every phrase (case and punctuation aside)."""
    if not phrases:
        return 1.0
    haystack = f" {_normalized(text)} "
    return PHRASE_FACTOR if all(f" {p} " in haystack for p in phrases) else 1.0


def reciprocal_rank_fusion(rankings: Iterable[Sequence[str]], k: int = RRF_K) -> dict[str, float]:
    """Fuse ranked id lists: each list adds 1 / (k + rank) to every id it holds.

    Rank fusion needs no score calibration between BM25 and cosine similarity,
    which live on unrelated scales.
    """
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused
