"""What changed in a tenant's knowledge since a date, read from its git history.

The history is the system of record, so "what changed since Monday" is a question
for ``git log`` over ``bundle/``, not for the search index.  Each commit is listed
with who made it (the loop, an agent, a person approving a review) and the concept
ids it added, changed and removed, newest first.

The date is parsed here (ISO 8601 date or date-time) rather than handed to git's
permissive ``--since`` parser, so "yesterday-ish" or an option-looking value is a
clear error instead of a silently different window.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, Field

from dossier.errors import UsageError
from dossier.okf.ids import id_for
from dossier.serve.writes import ACTOR_TRAILER
from dossier.tenancy import TenantContext, TenantRepo
from dossier.tenancy.gitobjects import RUN_ID_TRAILER

MAX_COMMITS = 200
_BUNDLE = "bundle/"
_RECORD = "\x1e"
_FIELD = "\x1f"


class BundleCommit(BaseModel):
    """One commit that touched the bundle."""

    commit: str
    date: str
    summary: str
    actor: str = Field(
        description="The Dossier-Actor trailer (an agent or a person), 'loop' for a loop "
        "iteration, 'unattributed' for a commit with neither (provisioning, a manual commit)."
    )
    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)


class ChangesSince(BaseModel):
    """Commits since a moment, newest first, and the concept ids they touched in total."""

    since: str
    commits: list[BundleCommit]
    truncated: bool = Field(description=f"True when more than {MAX_COMMITS} commits matched.")
    added: list[str]
    changed: list[str]
    removed: list[str]


def parse_since(text: str) -> datetime:
    """An aware UTC datetime from an ISO date (``2026-11-30``) or date-time."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"since must be an ISO date like 2026-11-30 or a date-time like "
            f"2026-11-30T09:00:00Z, not {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def changes_since(ctx: TenantContext, since: str) -> ChangesSince:
    """Bundle commits after ``since`` with the concept ids each touched."""
    moment = parse_since(since)
    repo = TenantRepo(ctx)
    if repo.head() is None:
        return ChangesSince(since=moment.isoformat(), commits=[], truncated=False,
                            added=[], changed=[], removed=[])
    fmt = f"{_RECORD}%H{_FIELD}%cI{_FIELD}%s{_FIELD}%(trailers:unfold,only,separator=%x1d)"
    result = repo.git(
        "log", f"--since={moment.isoformat()}", f"--max-count={MAX_COMMITS + 1}",
        "--name-status", "--no-renames", f"--format={fmt}", "--", _BUNDLE,
    )
    parsed = (_parse(chunk) for chunk in result.stdout.split(_RECORD))
    # git ignores a --since it cannot represent (e.g. past 2099): filter here as well
    commits = [c for c in parsed if c and datetime.fromisoformat(c.date) >= moment]
    truncated = len(commits) > MAX_COMMITS
    commits = commits[:MAX_COMMITS]
    final: dict[str, str] = {}
    for commit in reversed(commits):  # oldest first: the net effect over the window
        for cid in commit.added:
            final[cid] = "changed" if final.get(cid) == "removed" else "added"
        for cid in commit.changed:
            final.setdefault(cid, "changed")
        for cid in commit.removed:
            if final.get(cid) == "added":
                del final[cid]  # born and gone inside the window
            else:
                final[cid] = "removed"
    return ChangesSince(
        since=moment.isoformat(),
        commits=commits,
        truncated=truncated,
        added=sorted(k for k, v in final.items() if v == "added"),
        changed=sorted(k for k, v in final.items() if v == "changed"),
        removed=sorted(k for k, v in final.items() if v == "removed"),
    )


def _parse(chunk: str) -> BundleCommit | None:
    head, _, files = chunk.strip("\n").partition("\n")
    parts = head.split(_FIELD)
    if len(parts) < 4:
        return None
    sha, when, summary, trailer_text = parts[:4]
    trailers = dict(
        (key.strip(), value.strip())
        for key, _, value in (t.partition(":") for t in trailer_text.split("\x1d"))
        if value.strip()
    )
    loop = "loop" if RUN_ID_TRAILER in trailers else "unattributed"
    actor = trailers.get(ACTOR_TRAILER) or loop
    commit = BundleCommit(commit=sha, date=when, summary=summary, actor=actor)
    for line in files.splitlines():
        status, _, path = line.partition("\t")
        if not path.startswith(_BUNDLE):
            continue
        cid = id_for(path[len(_BUNDLE):])
        if cid is None:
            continue
        bucket = {"A": commit.added, "D": commit.removed}.get(status[:1], commit.changed)
        bucket.append(cid)
    return commit
