"""Search over a tenant's concepts: the one function the CLI and the MCP tool share.

Keyword mode is BM25 over the index's ``text`` column.  The query is never parsed
by LanceDB: its words are matched (quotes, operators and wildcards are plain
characters), and a hit that holds a "quoted phrase" word for word ranks higher.
Hybrid mode adds the nearest concepts by embedding and fuses both rankings by
reciprocal rank.  Either way a pool of candidates larger than ``limit`` is
re-ordered by the trust, status and staleness tie-breakers of
:mod:`dossier.serve.ranking` before it is cut.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any, Literal

from dossier.serve.embed import get_embedder
from dossier.serve.errors import InvalidArgumentError
from dossier.serve.index import SUMMARY_COLUMNS, SearchIndex
from dossier.serve.lance import filter_clause
from dossier.serve.models import SearchHit, SearchResults
from dossier.serve.ranking import (
    phrase_factor,
    quoted_phrases,
    reciprocal_rank_fusion,
    tie_breaker,
    title_factor,
)
from dossier.serve.snippet import make_snippet, term_pattern
from dossier.tenancy import TenantContext

SearchMode = Literal["keyword", "hybrid"]
MAX_LIMIT = 100
MAX_QUERY_CHARS = 1000
MAX_TAGS = 20
#: Candidates fetched per requested hit, so tie-breakers can reorder past the cut.
POOL_FACTOR = 3
MIN_POOL = 30


def check_limit(name: str, value: object, low: int, high: int) -> int:
    """``value`` as an int in [low, high], or InvalidArgumentError saying so."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise InvalidArgumentError(f"{name} must be from {low} to {high}, got {value}")
    return value


def check_label(name: str, value: object) -> str:
    """A type or tag filter: a non-empty single-line string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{name} must be a non-empty string, got {value!r}")
    if any(ord(ch) < 32 for ch in value) or len(value) > 200:
        raise InvalidArgumentError(f"{name} {value!r} is not a valid {name}")
    return value


def _hit(
    row: dict[str, Any], score: float, pattern: re.Pattern[str] | None, now: float
) -> SearchHit:
    stale_after = row.get("stale_after")
    text = row.get("text") or ""
    body = text[int(row.get("body_offset") or 0) :]
    return SearchHit(
        id=row["id"],
        uri=f"okf://{row['id']}",
        title=row.get("title") or row["id"],
        type=row.get("type") or "",
        description=row.get("description") or "",
        tags=list(row.get("tags") or []),
        snippet=make_snippet(body, pattern) if body.strip() else (row.get("description") or ""),
        score=round(score, 6),
        trust_tier=row.get("trust_tier") or "unverified",
        status=row.get("status") or "stable",
        stale=stale_after is not None and now >= float(stale_after),
    )


def _adjusted(
    row: dict[str, Any], base: float, now: float, query: str = "", phrases: Sequence[str] = ()
) -> float:
    stale_after = row.get("stale_after")
    stale = stale_after is not None and now >= float(stale_after)
    factor = tie_breaker(
        row.get("trust_tier") or "unverified", row.get("status") or "stable", stale
    )
    factor *= phrase_factor(phrases, row.get("text") or "")
    return base * factor * title_factor(query, row.get("title") or "")


def _ranked(scored: list[tuple[float, dict[str, Any]]]) -> list[tuple[float, dict[str, Any]]]:
    """Best first; equal scores in id order so results are deterministic."""
    return sorted(scored, key=lambda item: (-item[0], item[1]["id"]))


def search_index(
    index: SearchIndex,
    query: str,
    *,
    limit: int = 10,
    type: str | None = None,
    tags: Sequence[str] | None = None,
    mode: SearchMode = "keyword",
) -> SearchResults:
    """Validate arguments, query the index, apply tie-breakers; the shared core."""
    if not isinstance(query, str) or not query.strip():
        raise InvalidArgumentError("query must be a non-empty string")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidArgumentError(f"query is longer than {MAX_QUERY_CHARS} characters")
    if any(ord(ch) < 32 and ch not in "\t\n" for ch in query):
        raise InvalidArgumentError("query contains control characters")
    check_limit("limit", limit, 1, MAX_LIMIT)
    if type is not None:
        check_label("type", type)
    tag_list = list(tags or [])
    if len(tag_list) > MAX_TAGS:
        raise InvalidArgumentError(f"at most {MAX_TAGS} tags may be given, got {len(tag_list)}")
    for tag in tag_list:
        check_label("tag", tag)
    if mode not in ("keyword", "hybrid"):
        raise InvalidArgumentError(f"mode must be 'keyword' or 'hybrid', got {mode!r}")
    embedder = get_embedder() if mode == "hybrid" else None  # fails early without the extra

    where = filter_clause(type, tag_list)
    pool = max(limit * POOL_FACTOR, MIN_POOL)
    now = time.time()
    candidates = index.fts(query, pool, where)
    rows = {row["id"]: row for row in candidates}
    phrases = quoted_phrases(query)
    keyword = _ranked(
        [(_adjusted(row, float(row["_score"]), now, query, phrases), row) for row in candidates]
    )
    if embedder is None:
        scored = keyword
    else:
        # Tie-breakers apply inside each ranking (to BM25 and to cosine similarity):
        # applied to fused RRF scores, whose adjacent ranks differ by ~2 %, a 10 %
        # factor would reorder far more than ties.
        nearest = index.vector_search(embedder, query, pool, where)
        missing = [cid for cid, _ in nearest if cid not in rows]
        rows.update(index.rows_by_id(missing, [*SUMMARY_COLUMNS, "text", "body_offset"]))
        semantic = _ranked(
            [(_adjusted(rows[cid], sim, now), rows[cid]) for cid, sim in nearest if cid in rows]
        )
        fused = reciprocal_rank_fusion(
            [[row["id"] for _, row in keyword], [row["id"] for _, row in semantic]]
        )
        scored = _ranked([(value, rows[cid]) for cid, value in fused.items()])
    pattern = term_pattern(query)
    hits = [_hit(row, score, pattern, now) for score, row in scored[:limit]]
    return SearchResults(query=query, mode=mode, hits=hits)


def search(
    ctx: TenantContext,
    query: str,
    limit: int = 10,
    type: str | None = None,
    tags: Sequence[str] | None = None,
    mode: SearchMode = "keyword",
) -> list[SearchHit]:
    """Search one tenant's bundle (syncs the index first; rebuilds it if unusable)."""
    return search_index(
        SearchIndex(ctx), query, limit=limit, type=type, tags=tags, mode=mode
    ).hits
