"""Run ids: sortable by time, unique without coordination.

``20261122T190501Z-3f9a2c`` sorts chronologically as text (so ``runs/`` lists in
order and the newest record is the last name) and the random suffix keeps two
runs started in the same second apart.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

RUN_ID_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")


def new_run_id(now: datetime | None = None) -> str:
    """A fresh run id for an iteration starting at ``now`` (UTC)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def utc_now_iso() -> str:
    """The current instant as ISO 8601 with an explicit ``Z`` offset, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
