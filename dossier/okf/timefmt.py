"""ISO 8601 instants as OKF uses them: kept as text, parsed only to compare.

Frontmatter timestamps stay the author's text everywhere (see yamlio); this module
is the single place that decides whether such a text is a full instant
(date + time, optional offset) and turns it into an aware datetime for staleness.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_INSTANT = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


_CACHE: dict[str, datetime | None] = {}


def parse_instant(text: object) -> datetime | None:
    """Return an aware datetime for an ISO 8601 date-time text, else None.

    A date without a time is *not* an instant (returns None): OKF's ``stale_after``
    and ``at`` fields name instants, and guessing a time zone for a bare date would
    make staleness depend on where the reader sits.  A missing offset means UTC.
    """
    if isinstance(text, datetime):
        return text if text.tzinfo is not None else text.replace(tzinfo=UTC)
    if not isinstance(text, str):
        return None
    if text in _CACHE:  # bundles repeat the same instants over and over
        return _CACHE[text]
    value = _parse(text)
    if len(_CACHE) < 4096:
        _CACHE[text] = value
    return value


def _parse(text: str) -> datetime | None:
    stripped = text.strip()
    if not _INSTANT.match(stripped):
        return None
    try:
        value = datetime.fromisoformat(stripped.replace(",", "."))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def is_date_only(text: object) -> bool:
    """True for a valid calendar date written as ``YYYY-MM-DD`` (and nothing else)."""
    if isinstance(text, date) and not isinstance(text, datetime):
        return True
    if not isinstance(text, str) or not _DATE.match(text.strip()):
        return False
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def to_text(value: object) -> object:
    """Turn a datetime/date a caller passed in into ISO text; leave anything else alone."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value
