"""Index writes in a thread while the next batch of concept files is parsed.

A rebuild alternates Python work (parsing concept files into rows, building Arrow
tables) with LanceDB writes, which run in LanceDB's native threads with the GIL
released.  Handing each write to one worker thread lets the next batch be parsed
meanwhile, on the second core, instead of waiting.  Writes still happen one at a
time and in order (so the table's rows are in the same order as a serial build),
and at most one write is pending, so memory stays bounded by two batches.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any


class BackgroundWriter:
    """One write at a time in a worker thread; a failed write raises at the next call."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dossier-index-write")
        self._pending: Future[Any] | None = None

    def submit(self, write: Callable[..., Any], *args: Any) -> None:
        """Start ``write(*args)`` once the previous write has finished (its error raised)."""
        self.wait()
        self._pending = self._pool.submit(write, *args)

    def wait(self) -> None:
        """Block until the pending write is done; raise what it raised."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self.wait()
        finally:
            # On an error, a pending write is still let finish (never abandoned
            # half-way in a thread) before the error propagates.
            self._pool.shutdown(wait=True)
