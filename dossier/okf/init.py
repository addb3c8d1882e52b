"""Create an empty OKF bundle: a versioned root index and a log with its first entry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dossier.fsutil import atomic_write_text
from dossier.okf.index import ROOT_FRONTMATTER
from dossier.okf.log import append_log


def init_bundle(root: Path, *, title: str, day: date) -> None:
    """Make ``root`` a bundle; idempotent (existing index.md / log.md are left alone)."""
    root.mkdir(parents=True, exist_ok=True)
    index = root / "index.md"
    if not index.exists():
        atomic_write_text(index, ROOT_FRONTMATTER)
    log = root / "log.md"
    if not log.exists():
        atomic_write_text(log, f"# {' '.join(title.split()) or 'Bundle'}: update log\n")
        append_log(root, day, [f"**Initialization**: Created the {title} bundle."])
