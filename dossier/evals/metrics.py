"""Metric names, which way is better, and how a figure is judged against a bar.

The names are the keys of ``dossier eval --json``'s ``metrics`` and of the manifest's
``evals.min`` / ``evals.max_drop``: Dossier's BM25 side has bare names (``hit@1``,
``answer@5``, ``mrr``), hybrid ones start with ``hybrid.``, the raw-text baseline's
with ``baseline.``; extraction and health figures have their own names.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Figures where a smaller value is better (a "drop" is a rise).
LOWER_IS_BETTER = frozenset({
    "stub_share",
    "broad_concepts",
    "isolated_share",
    "lines_per_citation_median",
    "lines_per_citation_p90",
    "validation_warnings",
})
#: Figures that describe, not judge (no direction): never gated.
NEUTRAL = frozenset({"concepts_per_source"})


def base_name(metric: str) -> str:
    """``hybrid.hit@1`` → ``hit@1``."""
    return metric.rsplit(".", 1)[-1]


def worsening(metric: str, before: float, after: float) -> float:
    """How much worse ``after`` is than ``before`` (negative: it improved)."""
    if base_name(metric) in LOWER_IS_BETTER:
        return after - before
    return before - after


def below_bar(metric: str, value: float, bar: float, tolerance: float = 1e-9) -> bool:
    """True when ``value`` misses ``bar`` (a minimum, or a maximum for lower-is-better)."""
    return worsening(metric, bar, value) > tolerance


def failures(
    current: Mapping[str, float | None],
    minimum: Mapping[str, float],
    max_drop: Mapping[str, float],
    previous: Mapping[str, float | None] | None,
    tolerance: float = 1e-9,
) -> list[str]:
    """One line per figure that misses its minimum or dropped more than allowed.

    A figure named in a bar but absent from ``current`` is a failure too: a gate
    that silently passes because a metric was renamed protects nothing.
    """
    problems: list[str] = []
    for name, bar in sorted(minimum.items()):
        value = current.get(name)
        if value is None:
            problems.append(f"{name}: not measured (bar {bar})")
        elif below_bar(name, value, bar, tolerance):
            word = "above the maximum" if base_name(name) in LOWER_IS_BETTER else "below minimum"
            problems.append(f"{name}: {value:g} {word} {bar:g}")
    for name, allowed in sorted(max_drop.items()):
        value = current.get(name)
        before = (previous or {}).get(name)
        if before is None:
            continue  # nothing committed to compare with yet
        if value is None:
            problems.append(f"{name}: not measured (was {before:g})")
            continue
        drop = worsening(name, before, value)
        if drop > allowed + tolerance:
            problems.append(
                f"{name}: {before:g} → {value:g}, worse by {drop:g} (allowed {allowed:g})"
            )
    return problems
