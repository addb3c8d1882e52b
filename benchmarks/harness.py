"""Tiny benchmark harness: repeat a callable, report the median and spread.

Benchmarks are not timed tests: they print figures and compare them with a goal,
and never fail the test suite.  Each ``bench_*.py`` module exposes ``run(quick)``
returning a list of :class:`Result` rows.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    """One measured figure."""

    name: str
    median_s: float
    runs: int
    goal_s: float | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.goal_s is None:
            return "-"
        return "ok" if self.median_s <= self.goal_s else "MISSED"


def measure(
    fn: Callable[[], object], *, repeat: int = 5, setup: Callable[[], object] | None = None
) -> tuple[float, int]:
    """Median wall time of ``fn`` over ``repeat`` runs (``setup`` runs untimed before each)."""
    times: list[float] = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), repeat


def machine() -> str:
    """A one-line description of the machine, printed with every report."""
    import os

    return f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores"
