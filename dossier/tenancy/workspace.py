"""Scratch directories beside the tenants, for crash-safe create and remove.

A tenant is built (provision, restore) or torn down (deprovision) in
``<root>/.tmp-<label>-<pid>`` and moved with one ``rename``, so a killed process
leaves either no tenant or a whole one — never half of one.  The leftovers of a
killed process are recognised by their dead pid and removed the next time a
registry opens the workspace (and whenever the same label is used again).  Client
ids never start with ``.``, so these names can never collide with a tenant, and
listings skip them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

TEMP_PREFIX = ".tmp-"


def pid_alive(pid: int) -> bool:
    """True when a process with ``pid`` exists (ours or another user's)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def temp_path(root: Path, label: str) -> Path:
    """This process's scratch path for ``label``; any leftover at that exact path is removed."""
    path = root / f"{TEMP_PREFIX}{label}-{os.getpid()}"
    if os.path.lexists(path):
        remove_tree(path)
    return path


def clean_stale(root: Path, label: str) -> list[Path]:
    """Remove scratch dirs of ``label`` whose process is gone; return what was removed."""
    prefix = f"{TEMP_PREFIX}{label}-"
    removed: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return removed
    for entry in entries:
        rest = entry.name[len(prefix):] if entry.name.startswith(prefix) else ""
        if rest.isdigit() and rest.isascii() and not pid_alive(int(rest)):
            remove_tree(Path(entry.path))
            removed.append(Path(entry.path))
    return removed


def clean_all_stale(root: Path) -> list[Path]:
    """Remove every scratch dir under ``root`` whose process is gone, whatever its label.

    Run each time a registry opens the workspace: a deprovision killed after moving
    the tenant aside would otherwise leave a hidden copy of the deleted client's data
    until the same id happened to be used again.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except OSError:  # no root yet, not a folder, not readable: the command will say so
        return removed
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        label, _, pid = entry.name[len(TEMP_PREFIX):].rpartition("-")
        if label and pid.isdigit() and pid.isascii() and not pid_alive(int(pid)):
            remove_tree(Path(entry.path))
            removed.append(Path(entry.path))
    return removed


def remove_tree(path: Path) -> None:
    """Delete a scratch tree (a symlink is unlinked, never followed)."""
    if os.path.islink(path) or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)
