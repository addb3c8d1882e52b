"""The rebuild's background writer: writes in order, one at a time, errors surface."""

from __future__ import annotations

import threading
import time

import pytest

from dossier.serve.build_writer import BackgroundWriter


def test_writes_run_in_order_one_at_a_time_off_the_calling_thread() -> None:
    done: list[int] = []
    running = threading.Semaphore(1)
    threads: set[int] = set()

    def write(n: int) -> None:
        assert running.acquire(blocking=False), "two writes ran at once"
        try:
            time.sleep(0.01)
            threads.add(threading.get_ident())
            done.append(n)
        finally:
            running.release()

    with BackgroundWriter() as writer:
        for n in range(5):
            writer.submit(write, n)
    assert done == [0, 1, 2, 3, 4]
    assert threading.get_ident() not in threads


def test_a_failed_write_raises_at_the_next_submit_and_at_exit() -> None:
    def fail() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError), BackgroundWriter() as writer:
        writer.submit(fail)
        writer.submit(lambda: None)  # raises the first write's error
    with pytest.raises(OSError), BackgroundWriter() as writer:
        writer.submit(fail)  # raised when the block ends


def test_an_error_in_the_caller_still_lets_the_pending_write_finish() -> None:
    done: list[str] = []

    def slow() -> None:
        time.sleep(0.05)
        done.append("written")

    with pytest.raises(ValueError), BackgroundWriter() as writer:
        writer.submit(slow)
        raise ValueError("parse failed")
    assert done == ["written"]
