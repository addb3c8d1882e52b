"""The loop's memo of its last completed iteration, kept in the gitignored cache.

It lets a no-op re-run stop after the ingest scan: when HEAD is still the commit
the last iteration ended at, the extractor is the same and nothing changed, the
bundle is already what extraction would produce.  Anything else — a commit by
``dossier ingest`` or by a person, a new extractor version, a lost cache — means a
full iteration, which is always correct, only slower.

The assembly step has its own part of the memo: switching Claude adjudication on
(or changing its settings, or the manifest's entity patterns) changes what
``assemble`` returns from the same per-source results, without changing the
extractor's version or any source.  It re-runs assembly — from the extraction cache,
nothing re-extracted — on the next run-loop.  A memo from before this part existed
matches no key, so it costs one full (cache-served) iteration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dossier.fsutil import atomic_write_text
from dossier.tenancy import TenantContext

STATE_FILE = "loop-state.json"


@dataclass(frozen=True)
class LoopState:
    """HEAD, extractor and assembly settings at the end of the last completed iteration."""

    head: str
    extractor: str
    #: digest of what besides the per-source results shapes the proposals
    #: (:attr:`~dossier.runtime.extract_stage.ExtractionRunner.assembly_key`)
    assembly: str = ""


def _path(ctx: TenantContext) -> Path:
    return ctx.confine(ctx.cache_dir / STATE_FILE)


def read_state(ctx: TenantContext) -> LoopState | None:
    """The memo, or None when it is missing or unreadable (never an error)."""
    try:
        data = json.loads(_path(ctx).read_text(encoding="utf-8"))
        return LoopState(head=str(data["head"]), extractor=str(data["extractor"]),
                         assembly=str(data.get("assembly", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_state(ctx: TenantContext, state: LoopState) -> None:
    """Record a completed iteration (after its commit, or after finding nothing to do)."""
    ctx.cache_dir.mkdir(exist_ok=True)
    text = json.dumps({"head": state.head, "extractor": state.extractor,
                       "assembly": state.assembly}, sort_keys=True)
    atomic_write_text(_path(ctx), text + "\n")
