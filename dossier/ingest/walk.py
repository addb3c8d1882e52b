"""Walking a registered folder: what counts as a candidate file, what is ignored.

Symlinks inside a registered folder are never followed.  One pointing outside
the folder is refused (confinement: registering ``~/acme`` must not pull in
whatever a link in it points to); one pointing inside is reported as covered,
since its target is scanned at its own path; broken links and loops are
reported as such.  Not following them is also what makes loops impossible to
hang on.  Each of these is a :class:`Skip`, so the user sees it.

Ignored silently (the user would not expect them ingested): names starting with
``.`` (``.git``, ``.DS_Store``, editor swap files, hidden folders), ``node_modules``,
``__pycache__``, ``Thumbs.db``, ``desktop.ini``, Office lock files (``~$…``) and
backup files ending in ``~``.  A sub-folder that is itself a registered location
is left to that location, so nested registrations do not ingest a file twice.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dossier.ingest.model import Skip, SkipCode

JUNK_NAMES = frozenset({"node_modules", "__pycache__", "Thumbs.db", "desktop.ini"})


def is_ignored_name(name: str) -> bool:
    return name.startswith(".") or name in JUNK_NAMES or name.startswith("~$") or name.endswith("~")


@dataclass(frozen=True)
class Candidate:
    """A regular file found under a location, with the stat the scanner keys on."""

    path: str  # location path joined with the relative parts (not symlink-resolved)
    relative_parts: tuple[str, ...]
    stat: os.stat_result


def symlink_skip(path: str, root_real: Path) -> Skip:
    """Classify a symlink met inside a registered folder (it is not followed)."""
    try:
        target = Path(path).resolve(strict=True)
    except FileNotFoundError:
        return Skip(path, "broken symlink (its target does not exist)", SkipCode.SYMLINK_BROKEN)
    except RuntimeError:
        return Skip(path, "symlink loop", SkipCode.SYMLINK_LOOP)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP, raised by newer Pythons instead of RuntimeError
            return Skip(path, "symlink loop", SkipCode.SYMLINK_LOOP)
        return Skip(path, f"unreadable symlink: {exc.strerror}", SkipCode.UNREADABLE, True)
    try:
        target.relative_to(root_real)
    except ValueError:
        return Skip(
            path,
            f"symlink points outside the registered location (to {target}); not followed",
            SkipCode.SYMLINK_OUTSIDE,
        )
    return Skip(
        path,
        "symlink inside the registered location; its target is scanned at its own path",
        SkipCode.SYMLINK_INSIDE,
    )


def walk_folder(
    root: Path, root_real: Path, other_roots: frozenset[str], skips: list[Skip]
) -> Iterator[Candidate]:
    """Yield regular files under ``root`` in sorted order; append what is refused to ``skips``.

    ``other_roots`` are resolved paths of the other registered locations: a
    sub-folder or file that is one of them is left to its own registration.
    Unreadable folders are reported as transient skips (the scanner keeps what it
    had ingested from them).
    """
    # Symlinks are never followed, so an entry's real path is its folder's real
    # path plus its name: no per-file realpath() calls on the hot path.
    stack: list[tuple[str, str, tuple[str, ...]]] = [(str(root), str(root_real), ())]
    while stack:
        directory, real_directory, parts = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            skips.append(
                Skip(
                    directory,
                    f"unreadable folder: {exc.strerror or exc}",
                    SkipCode.UNREADABLE,
                    transient=True,
                )
            )
            continue
        subdirs: list[tuple[str, str, tuple[str, ...]]] = []
        for entry in entries:
            if is_ignored_name(entry.name):
                continue
            rel = (*parts, entry.name)
            try:
                if entry.is_symlink():
                    skips.append(symlink_skip(entry.path, root_real))
                    continue
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # vanished between listing and stat
                continue
            except OSError as exc:
                skips.append(
                    Skip(entry.path, f"unreadable: {exc.strerror}", SkipCode.UNREADABLE, True)
                )
                continue
            real_path = os.path.join(real_directory, entry.name)
            if real_path in other_roots:
                continue
            if stat.S_ISDIR(st.st_mode):
                subdirs.append((entry.path, real_path, rel))
            elif stat.S_ISREG(st.st_mode):
                yield Candidate(entry.path, rel, st)
            else:
                skips.append(
                    Skip(
                        entry.path,
                        "not a regular file (device, FIFO or socket)",
                        SkipCode.NOT_REGULAR,
                    )
                )
        stack.extend(reversed(subdirs))
