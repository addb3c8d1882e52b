"""Fan a per-file pass over a large bundle out to forked worker processes.

Reading and parsing 10,000 concept files is pure-Python work bound to one core
by the GIL; forked workers inherit the item list (nothing big is pickled: only
slice bounds go out, and the small results come back).  Used only when it pays
(large bundles), when the platform forks, and when the caller runs no other
Python threads (forking a threaded process can deadlock the child).  Any failure
to start workers falls back to doing the work in-process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Item count from which a pass fans out to worker processes.
PARALLEL_THRESHOLD = 2000
MAX_WORKERS = 4

_JOB: tuple[Callable[[Sequence[Any]], list[Any]], Sequence[Any]] | None = None


def worker_count(items: int, workers: int | None) -> int:
    """How many processes to use: ``workers`` if given, else one per core for big passes."""
    if workers is not None:
        return max(1, workers)
    if items < PARALLEL_THRESHOLD or threading.active_count() > 1:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def _run_slice(bounds: tuple[int, int]) -> list[Any]:
    assert _JOB is not None, "worker started without a job"
    fn, items = _JOB
    return fn(items[bounds[0] : bounds[1]])


def map_slices(
    items: Sequence[T], fn: Callable[[Sequence[T]], list[R]], workers: int | None = None
) -> list[R]:
    """``fn`` over slices of ``items``, results concatenated in item order."""
    global _JOB
    count = worker_count(len(items), workers)
    if count > 1 and len(items) > 1 and "fork" in multiprocessing.get_all_start_methods():
        chunk = max(100, len(items) // (count * 4) + 1)
        ranges = [(start, min(start + chunk, len(items))) for start in range(0, len(items), chunk)]
        _JOB = (fn, items)
        try:
            with multiprocessing.get_context("fork").Pool(count) as pool:
                parts = pool.map(_run_slice, ranges, chunksize=1)
            return [result for part in parts for result in part]
        except OSError:
            pass  # cannot fork (process limits): do the work here
        finally:
            _JOB = None
    return fn(items)
