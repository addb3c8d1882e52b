"""The per-source result of the claude extractor, and its cache codec.

What a source cost to extract is cached by the runtime keyed by source and text hash in a
folder named after the extractor's version (``<prompt>+<model>``), so an unchanged source
is never paid for twice and a changed prompt or model starts a fresh cache.  The result
keeps the chunks that were skipped and why, so every later run can still report them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dossier.extract.claude.drafts import ChunkDraft
from dossier.extract.claude.usage import SkippedChunk
from dossier.extract.model import ExtractionCacheError

#: Bumped when the shape below changes, so an old cache entry is a miss, not a misread.
RESULT_SCHEMA = 1


@dataclass(frozen=True)
class ChunkResult:
    """The validated draft of lines ``start``..``end``."""

    start: int
    end: int
    draft: ChunkDraft


@dataclass(frozen=True)
class ClaudeSourceResult:
    """Everything ``assemble`` needs from one source."""

    source_id: str
    sha256: str
    title: str
    line_count: int
    last_modified: str | None
    chunks: tuple[ChunkResult, ...]
    skipped: tuple[SkippedChunk, ...] = ()

    def to_json(self) -> str:
        """Key-sorted, compact: the same result always gives the same bytes."""
        data: dict[str, Any] = {
            "schema": RESULT_SCHEMA,
            "source_id": self.source_id,
            "sha256": self.sha256,
            "title": self.title,
            "line_count": self.line_count,
            "last_modified": self.last_modified,
            "chunks": [
                {"start": c.start, "end": c.end, "draft": c.draft.model_dump(mode="json")}
                for c in self.chunks
            ],
            "skipped": [
                {"source_id": s.source_id, "start": s.start, "end": s.end, "reason": s.reason}
                for s in self.skipped
            ],
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ClaudeSourceResult:
        """Rebuild a cached result; ExtractionCacheError for a stale or corrupt entry."""
        try:
            raw = json.loads(text)
            if not isinstance(raw, dict) or raw.get("schema") != RESULT_SCHEMA:
                raise ExtractionCacheError("cached claude result has another schema")
            return cls(
                source_id=raw["source_id"],
                sha256=raw["sha256"],
                title=raw["title"],
                line_count=int(raw["line_count"]),
                last_modified=raw.get("last_modified"),
                chunks=tuple(
                    ChunkResult(int(c["start"]), int(c["end"]),
                                ChunkDraft.model_validate(c["draft"]))
                    for c in raw["chunks"]
                ),
                skipped=tuple(SkippedChunk(**s) for s in raw["skipped"]),
            )
        except ExtractionCacheError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise ExtractionCacheError(f"cached claude result is malformed: {exc}") from None
