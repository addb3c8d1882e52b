"""Search over a tenant's concepts: the one function the CLI and the MCP tool share.

Keyword mode is BM25 over passages (sections and paragraphs, see
:mod:`dossier.serve.passages`); a concept ranks by its best passage, plus a little
for its second best, and its hit quotes that passage with the source lines it cites.
The query is never parsed as FTS5 syntax: its words are matched (quotes, operators and
wildcards are plain characters), and a concept whose matching passages hold a
"quoted phrase" word for word ranks higher.  Hybrid mode adds the nearest passages
by embedding, ranks concepts by their nearest passage, and fuses both concept
rankings by reciprocal rank.  Either way a pool of candidates larger than ``limit``
is re-ordered by the trust, status and staleness tie-breakers of
:mod:`dossier.serve.ranking` before it is cut.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any, Literal

from dossier.serve.errors import InvalidArgumentError
from dossier.serve.index import SearchIndex
from dossier.serve.models import Citation, PassageRef, SearchHit, SearchResults
from dossier.serve.original_lines import with_original_lines
from dossier.serve.passage_choice import QUOTE_CHARS, Quote, choose_passage
from dossier.serve.ranking import (
    phrase_factor,
    quoted_phrases,
    reciprocal_rank_fusion,
    tie_breaker,
    title_factor,
)
from dossier.serve.snippet import make_snippet, term_pattern
from dossier.serve.sqlstore import filter_clause
from dossier.tenancy import TenantContext

SearchMode = Literal["keyword", "hybrid"]
MAX_LIMIT = 100
MAX_QUERY_CHARS = 1000
MAX_TAGS = 20
#: Candidates fetched per requested hit, so tie-breakers can reorder past the cut.
POOL_FACTOR = 3
MIN_POOL = 30
#: Passages fetched per candidate concept (a concept's passages can crowd the top).
PASSAGES_PER_CONCEPT = 4
#: Weight of a concept's second-best passage in its score.
SECOND_PASSAGE_WEIGHT = 0.1
#: A snippet longer than this (one very long block) is cut around the query's terms.
MAX_SNIPPET_CHARS = QUOTE_CHARS


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


def _citation(quote: Quote) -> Citation | None:
    """The source the quote's main passage cites."""
    shown = quote.main
    if not (shown.get("cite_source") and shown.get("cite_path")):
        return None
    return Citation(
        source_id=shown["cite_source"],
        path=shown["cite_path"],
        line_start=shown.get("cite_start"),
        line_end=shown.get("cite_end"),
    )


def _hit(
    row: dict[str, Any], quote: Quote, score: float, pattern: re.Pattern[str] | None,
    now: float,
) -> SearchHit:
    """A hit for the concept of ``row``, quoting ``quote`` and its citation."""
    stale_after = row.get("stale_after")
    shown = quote.main
    text = quote.text(MAX_SNIPPET_CHARS)
    if len(text) > MAX_SNIPPET_CHARS:
        text = make_snippet(text, pattern, MAX_SNIPPET_CHARS)
    return SearchHit(
        id=row["id"],
        uri=f"okf://{row['id']}",
        title=row.get("title") or row["id"],
        type=row.get("type") or "",
        description=row.get("description") or "",
        tags=list(row.get("tags") or []),
        snippet=text or (row.get("description") or ""),
        score=round(score, 6),
        trust_tier=row.get("trust_tier") or "unverified",
        status=row.get("status") or "stable",
        stale=stale_after is not None and now >= float(stale_after),
        passage=PassageRef(
            ordinal=int(shown.get("ordinal") or 0),
            heading=list(shown.get("heading") or []),
            line_start=min(int(r.get("line_start") or 1) for r in quote.rows),
            line_end=max(int(r.get("line_end") or 1) for r in quote.rows),
        ),
        citation=_citation(quote),
    )


def _adjusted(
    row: dict[str, Any],
    base: float,
    now: float,
    query: str = "",
    phrases: Sequence[str] = (),
    text: str = "",
) -> float:
    """``base`` times the tie-breakers, the title rule and the phrase rule (over ``text``:
    the concept's matching passages)."""
    stale_after = row.get("stale_after")
    stale = stale_after is not None and now >= float(stale_after)
    factor = tie_breaker(
        row.get("trust_tier") or "unverified", row.get("status") or "stable", stale
    )
    factor *= phrase_factor(phrases, text)
    return base * factor * title_factor(query, row.get("title") or "")


def _ranked(scored: list[tuple[float, dict[str, Any]]]) -> list[tuple[float, dict[str, Any]]]:
    """Best first; equal scores in id order so results are deterministic."""
    return sorted(scored, key=lambda item: (-item[0], item[1]["id"]))


def _by_concept(
    scored: Sequence[tuple[float, dict[str, Any]]], pool: int
) -> dict[str, list[tuple[float, dict[str, Any]]]]:
    """Passages grouped under their concept, best first, for the first ``pool`` concepts."""
    groups: dict[str, list[tuple[float, dict[str, Any]]]] = {}
    for score, row in sorted(scored, key=lambda item: (-item[0], item[1]["pid"])):
        if row["id"] in groups:
            groups[row["id"]].append((score, row))
        elif len(groups) < pool:
            groups[row["id"]] = [(score, row)]
    return groups


def concept_score(scores: Sequence[float]) -> float:
    """A concept's relevance from its passages' (best first): the best, plus a little
    for a second good one, so a concept that answers in two places edges ahead."""
    best = scores[0] if scores else 0.0
    return best + SECOND_PASSAGE_WEIGHT * (scores[1] if len(scores) > 1 else 0.0)


def _shown(group: Sequence[tuple[float, dict[str, Any]]]) -> dict[str, Any]:
    """The passage a hit quotes: its best body passage; the title passage only if alone.

    A concept found by its name still shows the part of its body the query matches.
    """
    for _, row in group:
        if int(row.get("ordinal") or 0) > 0:
            return row
    return group[0][1]


def _quotes(
    index: SearchIndex,
    query: str,
    ids: Sequence[str],
    groups: dict[str, list[tuple[float, dict[str, Any]]]],
    bm25: dict[str, float],
    shown: dict[str, dict[str, Any]],
) -> dict[str, Quote]:
    """What each hit quotes (:mod:`dossier.serve.passage_choice`): the best of the
    passages the full-text query returned for its concept, with a neighbour; or, when
    none holds a word of the query, the passage that ranked the concept."""
    choices = {cid: choose_passage(query, [r for _, r in groups.get(cid, [])], bm25)
               for cid in ids}
    wanted = [pid for c in choices.values() if c is not None for pid in c.neighbour_pids()]
    # The neighbours a quote may add, read by primary key (≤ 2 per hit, one query).
    neighbours = index.passages_by_pid(wanted) if wanted else {}
    quotes: dict[str, Quote] = {}
    for cid, choice in choices.items():
        quotes[cid] = choice.quote(neighbours) if choice else Quote(shown[cid], (shown[cid],))
    return quotes


def vocabulary(index: SearchIndex) -> tuple[dict[str, int], dict[str, int]]:
    """Concept counts per type and per tag, from the index (no concept file is parsed)."""
    types: dict[str, int] = {}
    tags: dict[str, int] = {}
    for name, labels in index.labels():  # one scan, not a lookup per id
        if name:
            types[name] = types.get(name, 0) + 1
        for tag in labels:
            tags[str(tag)] = tags.get(str(tag), 0) + 1
    return dict(sorted(types.items())), dict(sorted(tags.items()))


def resolve_type(index: SearchIndex, type: str) -> str:
    """The bundle's spelling of ``type``, matched case-insensitively.

    Agents write ``decision`` for ``Decision``; a filter that silently matches nothing
    looks like "no such knowledge".  An unknown type is an error naming the types that
    exist, with their counts.  A type spelled as the bundle spells it costs one
    one-row lookup; only a miss reads the whole vocabulary.
    """
    where = filter_clause(type, [])
    if where is not None and index.any_match(where):
        return type
    types, _tags = vocabulary(index)
    if type in types:
        return type
    folded = {name.casefold(): name for name in types}
    found = folded.get(type.strip().casefold())
    if found is not None:
        return found
    known = ", ".join(f"{name} ({count})" for name, count in types.items()) or "none yet"
    raise InvalidArgumentError(f"no concepts of type {type!r}; the types here are: {known}")


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
        type = resolve_type(index, type)
    tag_list = list(tags or [])
    if len(tag_list) > MAX_TAGS:
        raise InvalidArgumentError(f"at most {MAX_TAGS} tags may be given, got {len(tag_list)}")
    for tag in tag_list:
        check_label("tag", tag)
    if mode not in ("keyword", "hybrid"):
        raise InvalidArgumentError(f"mode must be 'keyword' or 'hybrid', got {mode!r}")
    embedder = None
    if mode == "hybrid":
        # Imported here: the embedder seam loads the plugin registry, which a keyword
        # search (a fresh process for every `dossier search`) does not need.
        from dossier.serve.embed import get_embedder

        embedder = get_embedder()  # fails early without the extra

    where = filter_clause(type, tag_list)
    pool = max(limit * POOL_FACTOR, MIN_POOL)
    now = time.time()
    found = index.fts(query, pool * PASSAGES_PER_CONCEPT, where)
    groups = _by_concept([(float(row["_score"]), row) for row in found], pool)
    phrases = quoted_phrases(query)
    keyword = _ranked(
        [
            (
                _adjusted(
                    group[0][1],
                    concept_score([s for s, _ in group]),
                    now,
                    query,
                    phrases,
                    " ".join(row.get("text") or "" for _, row in group),
                ),
                group[0][1],
            )
            for group in groups.values()
        ]
    )
    shown = {cid: _shown(group) for cid, group in groups.items()}
    rows = {cid: group[0][1] for cid, group in groups.items()}
    if embedder is None:
        scored = keyword
    else:
        # Tie-breakers apply inside each ranking (to BM25 and to cosine similarity):
        # applied to fused RRF scores, whose adjacent ranks differ by ~2 %, a 10 %
        # factor would reorder far more than ties.
        nearest = index.vector_search(embedder, query, pool * PASSAGES_PER_CONCEPT, where)
        by_pid = {row["pid"]: row for row in found}
        by_pid.update(index.passages_by_pid([pid for pid, _ in nearest if pid not in by_pid]))
        near_groups = _by_concept(
            [(sim, by_pid[pid]) for pid, sim in nearest if pid in by_pid], pool
        )
        semantic = _ranked(
            [(_adjusted(g[0][1], g[0][0], now), g[0][1]) for g in near_groups.values()]
        )
        for cid, group in near_groups.items():
            rows.setdefault(cid, group[0][1])
            # Quoted when no body passage holds a word of the query: the nearest one.
            shown[cid] = _shown(group)
        fused = reciprocal_rank_fusion(
            [[row["id"] for _, row in keyword], [row["id"] for _, row in semantic]]
        )
        scored = _ranked([(value, rows[cid]) for cid, value in fused.items()])
    pattern = term_pattern(query)
    top = scored[:limit]
    bm25 = {str(row["pid"]): float(row["_score"]) for row in found}
    quotes = _quotes(index, query, [row["id"] for _, row in top], groups, bm25, shown)
    hits = [_hit(row, quotes[row["id"]], score, pattern, now) for score, row in top]
    return SearchResults(query=query, mode=mode, hits=with_original_lines(index.ctx, hits))


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
