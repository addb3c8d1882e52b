"""Tokens and estimated cost of a run, and the budget that stops it.

One ``Meter`` per iteration counts every response's usage (thread-safe: requests run
concurrently) and converts it to USD with the one price table.  Crossing a budget raises
:class:`BudgetExceeded`, a DossierError: the runtime ends the iteration with a failed-run
record and commits nothing, and the message says where extraction stopped.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from dossier.errors import DossierError
from dossier.extract.claude.prices import Price, cost_usd


class BudgetExceeded(DossierError):
    """The run's token or USD budget is spent; nothing of this iteration is committed."""


@dataclass(frozen=True)
class SkippedChunk:
    """A chunk whose answer failed validation twice: no concept came from these lines."""

    source_id: str
    start: int
    end: int
    reason: str


@dataclass
class UsageTotals:
    """What the requests of one run (or one source) used."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float = 0.0
    retries: int = 0

    @property
    def tokens(self) -> int:
        return (self.input_tokens + self.output_tokens
                + self.cache_write_tokens + self.cache_read_tokens)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cost_usd"] = round(self.cost_usd, 6)
        return data


@dataclass
class Meter:
    """Counts usage across threads and enforces the budget."""

    price: Price | None
    budget_tokens: int | None = None
    budget_usd: float | None = None
    totals: UsageTotals = field(default_factory=UsageTotals)
    stopped_at: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, usage: Any, *, batch: bool = False) -> UsageTotals:
        """Count one response's ``usage`` object; returns that response's own totals."""
        one = UsageTotals(
            requests=1,
            input_tokens=int(getattr(usage, "input_tokens", 0) or 0),
            output_tokens=int(getattr(usage, "output_tokens", 0) or 0),
            cache_write_tokens=int(getattr(usage, "cache_creation_input_tokens", 0) or 0),
            cache_read_tokens=int(getattr(usage, "cache_read_input_tokens", 0) or 0),
        )
        if self.price is not None:
            one.cost_usd = cost_usd(
                self.price, input_tokens=one.input_tokens, output_tokens=one.output_tokens,
                cache_write_tokens=one.cache_write_tokens,
                cache_read_tokens=one.cache_read_tokens, batch=batch,
            )
        with self._lock:
            t = self.totals
            t.requests += 1
            t.input_tokens += one.input_tokens
            t.output_tokens += one.output_tokens
            t.cache_write_tokens += one.cache_write_tokens
            t.cache_read_tokens += one.cache_read_tokens
            t.cost_usd += one.cost_usd
        return one

    def retried(self) -> None:
        with self._lock:
            self.totals.retries += 1

    def exhausted(self) -> str | None:
        """Which budget is spent, or None."""
        with self._lock:
            t = self.totals
            if self.budget_tokens is not None and t.tokens >= self.budget_tokens:
                return f"token budget of {self.budget_tokens} reached ({t.tokens} tokens used)"
            if self.budget_usd is not None and t.cost_usd >= self.budget_usd:
                return (f"USD budget of {self.budget_usd:g} reached "
                        f"(~{t.cost_usd:.4f} USD estimated)")
        return None

    def check(self, where: str) -> None:
        """Raise BudgetExceeded (recording ``where``) when a budget is spent."""
        spent = self.exhausted()
        if spent is not None:
            with self._lock:
                if self.stopped_at is None:
                    self.stopped_at = where
                stopped = self.stopped_at
            raise BudgetExceeded(
                f"claude extraction stopped before {stopped}: {spent}; nothing committed "
                "(sources finished so far are cached and are not paid for again)"
            )
