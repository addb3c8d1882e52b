"""Filesystem primitives every layer shares: atomic writes and confined paths.

Atomic writes exist so a killed process never leaves a half-written concept,
manifest or run record: the bytes go to a temp file in the *same* directory
(same filesystem, so ``os.replace`` is atomic), are fsynced, then renamed over
the target.  ``resolve_within`` is the one place relative paths are checked
against a base directory with symlinks followed; the tenancy gates and the OKF
bundle both build on it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from dossier.errors import DossierError

#: The process umask, read once at import (reading it means setting it, which is not
#: thread-safe later).  Atomic writes apply it so files get the usual 0644, not
#: mkstemp's private 0600.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class PathEscapeError(DossierError):
    """A path would leave the directory it is confined to."""


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never a mix.

    ``durable=False`` skips the fsync: right for replaceable caches, which need only
    be whole or absent after a killed process (a power cut may leave one empty or
    stale, and its reader recomputes it); knowledge files keep the default.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def atomic_write_text(path: Path, text: str, *, durable: bool = True) -> None:
    """UTF-8 text written atomically (see :func:`atomic_write_bytes` for ``durable``)."""
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


def write_if_changed(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Atomically write ``data`` unless ``path`` already holds exactly those bytes.

    Returns whether it wrote.  Leaving an identical file alone keeps its mtime, so
    git, stat caches and readers see no change where there is none.
    """
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data, durable=durable)
    return True


def is_within(base: Path, candidate: Path) -> bool:
    """True when the fully resolved ``candidate`` is ``base`` or below it.

    Compares path components, not string prefixes, so ``/t/acme-evil`` is not
    inside ``/t/acme``.
    """
    base_resolved = base.resolve()
    try:
        candidate.resolve().relative_to(base_resolved)
    except (ValueError, RuntimeError, OSError):
        return False
    return True


def resolve_within(base: Path, relative: str | os.PathLike[str]) -> Path:
    """Resolve ``relative`` under ``base`` (symlinks followed) or raise PathEscapeError.

    Absolute paths are accepted only when they already point inside ``base``.
    NUL bytes, and anything whose resolution (``..``, symlinks, a symlink loop)
    lands outside, are refused with a message naming the offending path.
    """
    text = os.fspath(relative)
    if "\x00" in text:
        raise PathEscapeError(f"path {text!r} contains a NUL byte")
    base_resolved = base.resolve()
    target = Path(text) if os.path.isabs(text) else base_resolved / text
    try:
        resolved = target.resolve()
    except (RuntimeError, OSError) as exc:  # symlink loop, permission, name too long
        raise PathEscapeError(f"path {text!r} cannot be resolved: {exc}") from None
    try:
        resolved.relative_to(base_resolved)
    except ValueError:
        raise PathEscapeError(f"path {text!r} leaves {base_resolved}") from None
    return resolved


def prune_empty_dirs(directory: Path, stop: Path) -> None:
    """Remove ``directory`` and then its parents while they are empty, up to (not
    including) ``stop``; a folder that is not empty (or not removable) ends it."""
    while directory != stop and stop in directory.parents:
        try:
            os.rmdir(directory)
        except OSError:
            return
        directory = directory.parent
