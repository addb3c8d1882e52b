"""The one price table: USD per million tokens, per model, for cost estimates and budgets.

Every cost figure Dossier reports (run record, trailers, ``dossier history``) and every
USD budget check is computed here, so a price change is a one-line edit.  The figures are
list prices as recorded when this table was written; they are estimates, not invoices —
check Anthropic's pricing page and edit this table (or set ``DOSSIER_CLAUDE_PRICE``) when
they change.  Prompt-cache writes cost 1.25x input, cache reads 0.1x input; the Message
Batches API halves every rate.
"""

from __future__ import annotations

from dataclasses import dataclass

from dossier.errors import UsageError


@dataclass(frozen=True)
class Price:
    """USD per million input and output tokens."""

    input: float
    output: float

    @property
    def cache_write(self) -> float:
        return self.input * 1.25

    @property
    def cache_read(self) -> float:
        return self.input * 0.1


#: Model name prefix → price; the longest matching prefix wins (dated ids share a price).
PRICES: dict[str, Price] = {
    "claude-haiku": Price(1.0, 5.0),
    "claude-sonnet": Price(3.0, 15.0),
    "claude-opus": Price(5.0, 25.0),
}

BATCH_DISCOUNT = 0.5


def price_for(model: str, override: str | None = None) -> Price | None:
    """The price of ``model``; ``override`` is ``"<input>,<output>"`` USD per MTok."""
    if override:
        try:
            raw_in, raw_out = (float(part) for part in override.split(","))
        except ValueError:
            raise UsageError(
                f"DOSSIER_CLAUDE_PRICE must be '<input>,<output>' USD per million tokens, "
                f"got {override!r}"
            ) from None
        return Price(raw_in, raw_out)
    matches = [prefix for prefix in PRICES if model.startswith(prefix)]
    return PRICES[max(matches, key=len)] if matches else None


def cost_usd(
    price: Price,
    *,
    input_tokens: int,
    output_tokens: int,
    cache_write_tokens: int = 0,
    cache_read_tokens: int = 0,
    batch: bool = False,
) -> float:
    """Estimated USD for one request's usage."""
    total = (
        input_tokens * price.input
        + output_tokens * price.output
        + cache_write_tokens * price.cache_write
        + cache_read_tokens * price.cache_read
    ) / 1_000_000
    return total * (BATCH_DISCOUNT if batch else 1.0)
