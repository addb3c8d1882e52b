"""Where the tenant's git history stands, read cheaply, and what changed in the bundle.

The search index asks for HEAD before every query, so the no-change path must not
spawn ``git``: the tenancy layer's loose-file reader answers from ``.git/HEAD`` and
the ref file (or ``packed-refs``) in microseconds.  Only when HEAD moved does
:func:`bundle_changes` run ``git diff`` to learn which concept files changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dossier.okf.ids import id_for
from dossier.tenancy import GitError, TenancyError, TenantContext, TenantRepo

BUNDLE_PREFIX = "bundle/"


def read_head(ctx: TenantContext) -> str | None:
    """The commit HEAD points at, or None (no repository, or no commit yet)."""
    if not ctx.git_dir.is_dir():
        return None
    try:
        return TenantRepo(ctx).head()  # loose-file read first; git only when packed
    except TenancyError:
        return None


@dataclass
class BundleChanges:
    """Concept ids whose files were added/modified, and ids whose files were deleted."""

    changed: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)


def bundle_changes(ctx: TenantContext, old: str, new: str) -> BundleChanges | None:
    """Concept files changed between two commits, or None when git cannot tell.

    None (a commit gone after a history rewrite, git missing) makes the caller fall
    back to comparing every file's stat stamp and hash.
    """
    try:
        result = TenantRepo(ctx).git(
            "diff", "--name-status", "--no-renames", "-z", old, new, "--", "bundle/", check=False
        )
    except GitError:
        return None
    if result.status != 0:
        return None
    changes = BundleChanges()
    fields = result.stdout.split("\0")
    for status, path in zip(fields[0::2], fields[1::2], strict=False):
        if not path.startswith(BUNDLE_PREFIX):
            continue
        concept_id = id_for(path[len(BUNDLE_PREFIX) :])
        if concept_id is None:
            continue
        if status.startswith("D"):
            changes.removed.add(concept_id)
        else:
            changes.changed.add(concept_id)
    return changes
