"""What the loop reads from, and resets in, the tenant's working tree.

Change counts come from git (working tree against HEAD) rather than from what this
process wrote: after a crash, the re-run finds some files already rewritten, and
only git still knows they differ from the last commit.  For the same reason the
loop's own bookkeeping (the bundle's ``log.md`` and run records that never made it
into a commit) is reset before an iteration starts, so a crash never leaves a
duplicate log entry or an orphan run record behind.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from dossier.runtime.ledger import LEDGER_PATH
from dossier.runtime.runid import RUN_ID_PATTERN
from dossier.tenancy import TenantContext, TenantRepo

_RESERVED = ("index.md", "log.md")
#: Lines an iteration adds to log.md: its entry, a date heading, blank lines.
_LOOP_LINE = re.compile(
    r"^(?:\* \*\*Update\*\*: loop iteration .*|## \d{4}-\d{2}-\d{2}|# Update Log|\s*)$"
)
#: Files the loop writes atomically in the tenant's .dossier/ (a kill may leave temps).
_LOOP_CACHE_FILES = ("concept-facts.json", "loop-state.json", "ingest-stat.json",
                     "loop-before.index", "loop-after.index")


@dataclass(frozen=True)
class BundleChanges:
    """Concept files added, updated and removed relative to HEAD."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    #: ids of the concepts added or updated (what validation must look at).
    present: frozenset[str] = field(default=frozenset(), compare=False)
    added_ids: frozenset[str] = field(default=frozenset(), compare=False)
    updated_ids: frozenset[str] = field(default=frozenset(), compare=False)
    removed_ids: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.removed

    def log_entry(self, sources: int) -> str:
        """The log.md line for this iteration (no run id: a re-run after a crash matches)."""
        return (
            f"**Update**: loop iteration added {self.added}, updated {self.updated} and "
            f"removed {self.removed} concepts from {sources} sources."
        )


def _status_entries(repo: TenantRepo, *paths: str) -> list[tuple[str, str]]:
    """``(XY, path)`` pairs of ``git status --porcelain -z`` for ``paths``."""
    output = repo.git(
        "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", *paths
    ).stdout
    entries: list[tuple[str, str]] = []
    for item in output.split("\x00"):
        if len(item) > 3:
            entries.append((item[:2], item[3:]))
    return entries


def _regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def bundle_changes(repo: TenantRepo) -> BundleChanges:
    """Count concept files that differ from HEAD (index.md and log.md are not concepts)."""
    ids: dict[str, set[str]] = {"added": set(), "updated": set(), "removed": set()}
    for code, path in _status_entries(repo, "bundle"):
        name = path.rsplit("/", 1)[-1]
        if not name.endswith(".md") or name in _RESERVED or name.startswith("."):
            continue
        concept_id = path.removeprefix("bundle/")[: -len(".md")]
        if "D" in code:
            ids["removed"].add(concept_id)
            continue
        if not _regular_file(repo.ctx.path / path):
            continue  # a symlink or other non-regular file is never committed or counted
        ids["added" if code == "??" or "A" in code else "updated"].add(concept_id)
    return BundleChanges(
        added=len(ids["added"]), updated=len(ids["updated"]), removed=len(ids["removed"]),
        present=frozenset(ids["added"] | ids["updated"]),
        added_ids=frozenset(ids["added"]), updated_ids=frozenset(ids["updated"]),
        removed_ids=frozenset(ids["removed"]),
    )


def remove_stale_temp_files(ctx: TenantContext) -> list[str]:
    """Delete temp files a killed atomic write left behind (``.<name>.<random>.tmp``).

    Safe only under the tenant lock: then no Dossier process is mid-write here.
    """
    removed: list[str] = []
    # The loop's own caches too; not the rest of .dossier/, where other commands
    # (serve's index) write without holding the tenant lock.
    for folder in (ctx.path, ctx.bundle_dir, ctx.sources_dir, ctx.runs_dir,
                   ctx.cache_dir / "extract", ctx.cache_dir):
        if not folder.is_dir():
            continue
        if folder == ctx.cache_dir:
            candidates = [p for name in _LOOP_CACHE_FILES for p in folder.glob(f".{name}.*.tmp")]
        elif folder == ctx.path:
            candidates = list(folder.glob(".*.tmp"))
        else:
            candidates = list(folder.rglob(".*.tmp"))
        for path in candidates:
            if path.is_file() and not path.is_symlink():
                path.unlink()
                removed.append(str(path.relative_to(ctx.path)))
    return removed


def reset_loop_bookkeeping(ctx: TenantContext, repo: TenantRepo) -> None:
    """Undo what an interrupted iteration wrote that is the loop's own record-keeping."""
    remove_stale_temp_files(ctx)
    if repo.head() is None:
        return
    for code, path in _status_entries(repo, "bundle/log.md", "runs"):
        if path == LEDGER_PATH:
            continue  # may record files a killed run wrote; it stays as it is
        if code == "??" and _is_loop_record(path):
            target = ctx.confine(path)
            if target.is_file():
                target.unlink()
        elif path == "bundle/log.md" and _only_loop_lines_added(ctx, repo):
            repo.git("checkout", "-q", "HEAD", "--", "bundle/log.md")


def _is_loop_record(path: str) -> bool:
    """True for a run record the loop names (``runs/<run_id>.json``), nothing else.

    A killed iteration may leave its record uncommitted; that is the loop's own and
    goes.  Any other untracked file under ``runs/`` was put there by someone else and
    stays (the next commit carries it into history like any other file of theirs).
    """
    parts = path.split("/")
    return (
        len(parts) == 2 and parts[0] == "runs" and parts[1].endswith(".json")
        and RUN_ID_PATTERN.match(parts[1][: -len(".json")]) is not None
    )


def _only_loop_lines_added(ctx: TenantContext, repo: TenantRepo) -> bool:
    """True when ``bundle/log.md`` differs from HEAD only by lines the loop appends.

    A killed iteration may have left its own log entry (and date heading) behind;
    those are put back.  Anything else in the difference — a person's entry, an
    edit, a log copied in from another bundle — is theirs and is kept: the loop
    appends to a log, it never replaces one.
    """
    shown = repo.git("show", "HEAD:bundle/log.md", check=False)
    if shown.status != 0:
        return False
    try:
        current = ctx.confine("bundle/log.md").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    old, new = shown.stdout.splitlines(), current.splitlines()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "insert" or not all(_LOOP_LINE.match(line) for line in new[j1:j2]):
            return False
    return True
