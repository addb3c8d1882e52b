"""Typed view of OKF v0.2 frontmatter, with the derived trust and lifecycle signals.

The raw frontmatter mapping (``ConceptDocument.frontmatter``) is the source of
truth for round trips; these models are a convenient, *lenient* reading of it.
Lenient on purpose: OKF consumers must not reject documents for shapes they can
live with (§11), so a single tag written as a string becomes a one-element list,
a bare ``verified`` mapping becomes a one-element list (§5.2), an unknown
``status`` reads as absent, and a ``sources`` entry or ``generated`` block with a
missing required key still loads (``dossier validate`` warns about those).
Timestamps stay strings: the author's text is what gets written back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from dossier.okf.timefmt import parse_instant, to_text

TrustTier = Literal["unverified", "machine-confirmed", "human-reviewed"]
Status = Literal["draft", "stable", "deprecated"]
STATUSES: frozenset[str] = frozenset({"draft", "stable", "deprecated"})

_CONFIG = ConfigDict(extra="allow", coerce_numbers_to_str=True, populate_by_name=True)


def _as_text(value: Any) -> Any:
    return to_text(value)


class Source(BaseModel):
    """One ``sources`` entry (§5.1); producer-specific keys are kept as extras."""

    model_config = _CONFIG

    id: str | None = None
    resource: str = ""
    title: str | None = None
    author: str | None = None
    usage_count: int | None = None
    last_modified: str | None = None

    _text = field_validator("last_modified", mode="before")(_as_text)

    @field_validator("resource", mode="before")
    @classmethod
    def _resource(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("usage_count", mode="before")
    @classmethod
    def _usage(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return None
        if isinstance(value, str):
            try:
                return int(value.strip().replace(",", "").replace("_", ""))
            except ValueError:
                return None
        return value


class Generated(BaseModel):
    """``generated: {by, at}`` — who produced the current content, and when (§5.2)."""

    model_config = _CONFIG

    by: str = ""
    at: str | None = None

    _text = field_validator("at", mode="before")(_as_text)


class Verification(BaseModel):
    """One ``verified`` event: an actor and an instant (§5.2)."""

    model_config = _CONFIG

    by: str = ""
    at: str | None = None

    _text = field_validator("at", mode="before")(_as_text)


def _listify(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, (str, dict)):
        return [value]
    return value


class Concept(BaseModel):
    """The frontmatter of one concept (§4.1, §5, §10); unknown keys are preserved as extras."""

    model_config = _CONFIG

    type: str
    title: str | None = None
    description: str | None = None
    resource: str | None = None
    tags: list[str] = []
    status: Status | None = None
    generated: Generated | None = None
    verified: list[Verification] = []
    stale_after: str | None = None
    sources: list[Source] = []
    usage_window: Any = None
    runtime: str | None = None
    parameters: Any = None
    computation: str | None = None
    executor: Any = None
    attester: Any = None

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                raise ValueError("type must be a non-empty string")
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise ValueError("type must be a non-empty string")

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        items = _listify(value)
        if isinstance(items, list):
            return [str(item) for item in items if item is not None]
        return items

    @field_validator("verified", "sources", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        # §5.2: a bare ``verified`` mapping is a one-element list.
        return _listify(value)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        # An unknown status reads as absent (⇒ stable); validation warns about it.
        return value if value in STATUSES else None

    @field_validator("stale_after", mode="before")
    @classmethod
    def _stale_text(cls, value: Any) -> Any:
        return to_text(value)

    @property
    def trust_tier(self) -> TrustTier:
        """§5.3: no verification ⇒ unverified; any ``human:`` verifier ⇒ human-reviewed."""
        if not self.verified:
            return "unverified"
        if any(v.by.startswith("human:") for v in self.verified):
            return "human-reviewed"
        return "machine-confirmed"

    @property
    def effective_status(self) -> str:
        """§5.4: an absent status means ``stable``."""
        return self.status or "stable"

    def is_stale(self, now: datetime | None = None) -> bool:
        """§5.5: stale when ``now >= stale_after``.

        A ``stale_after`` that is not a full ISO 8601 instant (a bare date, free
        text) never makes a concept stale here; ``dossier validate`` warns instead.
        A naive ``now`` is taken as UTC.
        """
        limit = parse_instant(self.stale_after)
        if limit is None:
            return False
        current = now or datetime.now(UTC)
        if current.tzinfo is None:
            current = current.replace(tzinfo=UTC)
        return current >= limit

    @property
    def is_human_owned(self) -> bool:
        """True when a person wrote or confirmed the content: agents must not overwrite it."""
        if self.generated is not None and self.generated.by.startswith("human:"):
            return True
        return any(v.by.startswith("human:") for v in self.verified)
