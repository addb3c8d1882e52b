"""The one check every source location passes: at register, at every scan, at restore.

A location is a file or folder of a client's material, stored in the manifest as an
absolute path.  What it names can change after it was registered: the folder may be
replaced by a symlink into another tenant, or an archive's manifest may list such a
path.  So the same rule is applied each time the location is about to be trusted,
to the fully resolved path:

* it must lie outside the workspace root (every tenant lives inside it, so this
  also keeps out every other tenant and this tenant itself);
* it must not be the workspace root or contain it (``/``, a home folder holding
  the workspace).

A location that does not exist right now passes (an unplugged drive is not an
attack; the scan reports it missing).  A refused location is never read.
"""

from __future__ import annotations

import os
from pathlib import Path

from dossier.errors import UsageError
from dossier.fsutil import is_within


class SourceLocationError(UsageError):
    """A source location overlaps the workspace (or cannot be checked); it is refused."""


def location_problem(location: str | os.PathLike[str], workspace: Path) -> str | None:
    """Why ``location`` may not be read for a tenant of ``workspace``; None when it may.

    Symlinks anywhere in ``location`` are resolved before the comparison, so a
    registered folder later swapped for a link into the workspace is caught.
    """
    text = os.fspath(location)
    if "\x00" in text:
        return "the path contains a NUL byte"
    if not os.path.isabs(text):
        return "the path is not absolute"
    try:
        resolved = Path(text).resolve()
    except (OSError, RuntimeError) as exc:
        return f"the path cannot be resolved ({exc})"
    root = workspace.resolve()
    if is_within(root, resolved):
        shown = "" if resolved == Path(text) else f", resolving to {resolved}"
        return f"it overlaps the tenant workspace {root} (it lies inside it{shown})"
    if is_within(resolved, root):
        return f"it overlaps the tenant workspace {root} (it contains it)"
    return None


def check_location(location: str | os.PathLike[str], workspace: Path) -> None:
    """Raise SourceLocationError naming the location when :func:`location_problem` finds one."""
    problem = location_problem(location, workspace)
    if problem is not None:
        raise SourceLocationError(
            f"source location {os.fspath(location)!r} is refused: {problem}; register "
            "material that lives outside the workspace"
        )
