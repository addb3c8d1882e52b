"""The open session of an interrupted run, kept so the next run resumes it.

Written to the tenant's gitignored cache (``.dossier/agent/session.json``) as soon
as the session has an id, removed when the iteration commits.  A run killed at any
point (SIGKILL included) leaves it behind; the next run passes its id as
``resume=``.  The committed run record carries the session id as well.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from dossier.fsutil import atomic_write_text
from dossier.tenancy import TenantContext

FILE = ("agent", "session.json")


@dataclass(frozen=True)
class OpenSession:
    """A session that has not ended in a commit yet."""

    session_id: str
    run_id: str
    mode: str


def read_open(ctx: TenantContext) -> OpenSession | None:
    """The interrupted session to resume, or None (a damaged file is ignored)."""
    try:
        data = json.loads(ctx.cache_path(*FILE).read_text(encoding="utf-8"))
        return OpenSession(str(data["session_id"]), str(data["run_id"]), str(data["mode"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_open(ctx: TenantContext, session: OpenSession) -> None:
    path = ctx.cache_path(*FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(asdict(session), sort_keys=True) + "\n")


def clear_open(ctx: TenantContext) -> None:
    ctx.cache_path(*FILE).unlink(missing_ok=True)
