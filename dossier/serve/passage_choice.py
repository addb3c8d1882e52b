"""What a hit quotes: the concept's passage that best covers the query, with a neighbour.

Ranking concepts and choosing the quote are different questions.  The index's BM25
ranks passages against every passage of the tenant, and each body passage repeats
its concept's title and heading path, so inside one concept the passage that wins
is often the one sharing the *topic* words with the query ("GOV.UK", "crate") rather
than the one holding the words that single the answer out ("region", "cadence").
So the passages of one found concept are scored against each other:

* **coverage** — a query term counts in proportion to how few of the concept's
  passages hold it (BM25's inverse document frequency with the concept's passages as
  the collection, BM25's saturation and length normalisation), over the passage's own
  text and headings; a term every passage shares weighs almost nothing;
* the concept's **title words** do not count: the index repeats the title on every
  passage of the concept, so they say which concept, never which passage ("Git
  configurations" in every section of a note about git configurations);
* a passage shorter than :data:`MIN_WORDS` is normalised as if it had that many words,
  so a two-word line (a code fragment under a heading) does not win on BM25's
  length normalisation alone;
* plus the passage's index BM25 score scaled to the concept's best (0..1), times
  :data:`INDEX_WEIGHT`: the whole-tenant ranking knows which words are rare across
  the tenant, which the concept's own passages cannot tell (measured on the devpack,
  issue 10: with weight 1 the chooser overrode the index's first passage with one
  that merely repeated common words, on four of six corpora).

The quote is the best passage **and one neighbour**: the one before it when that adds
more of the query's terms, else the one after it.  Measured on the devpack (issue
10), the answer sits most often in the passage right after the one that matches the
question best: the decision after its context, the conclusion after the discussion
in minutes, the answer after the question in a note.  The quote is at most
:data:`QUOTE_CHARS` long: the best passage whole, the neighbour cut to the room left.
Which passage is "the" passage (ordinal, heading) stays the best one; the line range
covers what is quoted.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dossier.serve.fts_query import STOP_WORDS
from dossier.serve.snippet import query_terms

#: BM25's term-frequency saturation and length normalisation, as the index uses.
K1 = 1.2
B = 0.75
#: A quote of two passages longer than this is cut back to the best passage.
QUOTE_CHARS = 1600
#: Weight of the index's BM25 score (scaled to the concept's best, 0..1) beside coverage.
INDEX_WEIGHT = 3.0
#: Passages shorter than this many words are length-normalised as if this long.
MIN_WORDS = 10


@dataclass(frozen=True)
class Quote:
    """The passages a hit quotes: ``main`` (the best) and ``rows`` in document order."""

    main: dict[str, Any]
    rows: tuple[dict[str, Any], ...]

    def text(self, limit: int = QUOTE_CHARS) -> str:
        """The quoted text in at most ``limit`` characters (about; see below).

        The main passage is kept whole; the neighbour is cut at a word boundary to
        what room is left (its end when it comes before, its start when after), with
        an ellipsis where it was cut.  A main passage longer than ``limit`` alone is
        returned whole, for the caller to cut around the query's terms.
        """
        main = own_text(self.main)
        room = limit - len(main) - 1
        parts: list[str] = []
        for row in self.rows:
            if row is self.main:
                parts.append(main)
                continue
            other = own_text(row)
            if room <= 0 or not other:
                continue
            if len(other) > room:
                before = row is self.rows[0]
                other = _cut(other, room, keep_end=before)
            parts.append(other)
        return " ".join(p for p in parts if p)


def _cut(text: str, room: int, keep_end: bool) -> str:
    """``text`` cut to about ``room`` characters at a word boundary, marked with "…"."""
    if keep_end:
        piece = text[len(text) - room + 1 :]
        space = piece.find(" ")
        return "…" + (piece[space + 1 :] if space >= 0 else piece)
    piece = text[: room - 1]
    space = piece.rfind(" ")
    return (piece[:space] if space > 0 else piece) + "…"


def own_text(row: Mapping[str, Any]) -> str:
    """A passage row's own text (the title preamble of the indexed text left out)."""
    return str(row.get("text") or "")[int(row.get("text_offset") or 0) :].strip()


def term_prefixes(query: str) -> list[str]:
    """The query's content words, each cut to a stem-like prefix, longest first.

    ``margins`` → ``margi`` finds ``margin``; words of four letters or fewer are kept
    whole (as prefixes: ``aws`` finds ``aws``, ``region`` → ``regi`` finds ``regions``).
    """
    kept = [t for t in query_terms(query) if t not in STOP_WORDS]
    prefixes = [t if len(t) <= 4 else t[: max(4, len(t) - 2)] for t in kept]
    return sorted(dict.fromkeys(prefixes), key=len, reverse=True)


@functools.lru_cache(maxsize=64)
def query_pattern(query: str) -> re.Pattern[str] | None:
    """One pattern matching the query's :func:`term_prefixes` at a word start (cached:
    a search asks for it once per returned concept)."""
    prefixes = term_prefixes(query)
    if not prefixes:
        return None
    return re.compile(r"\b(" + "|".join(re.escape(p) for p in prefixes) + ")", re.IGNORECASE)


def _terms_found(
    pattern: re.Pattern[str] | None, row: Mapping[str, Any], topic: frozenset[str] = frozenset()
) -> dict[str, int]:
    """Query terms (prefixes) in the row's headings and own text, with counts; terms in
    ``topic`` (the concept's title) left out."""
    if pattern is None:
        return {}
    heading = " ".join(row.get("heading") or [])
    found: dict[str, int] = {}
    for match in pattern.findall(f"{heading} {own_text(row)}"):
        key = match.lower()
        if key not in topic:
            found[key] = found.get(key, 0) + 1
    return found


def topic_terms(pattern: re.Pattern[str] | None, title: str) -> frozenset[str]:
    """The query terms a concept's title holds: they name the concept, not a passage."""
    if pattern is None or not title:
        return frozenset()
    return frozenset(match.lower() for match in pattern.findall(title))


@dataclass(frozen=True)
class Choice:
    """The best passage of one concept, and how to weigh a neighbour's query words."""

    best: dict[str, Any]
    pattern: re.Pattern[str] | None
    idf: dict[str, float]
    #: Weight of a query word none of the candidates holds (as rare as can be).
    unseen_idf: float
    #: Query terms of the concept's title (count for no passage).
    topic: frozenset[str] = frozenset()

    def neighbour_pids(self) -> list[str]:
        """The ``pid`` of the passages before and after the best one (passage 0, the
        title passage, is nobody's neighbour); :meth:`quote` wants their rows."""
        return neighbour_pids(self.best)

    def quote(self, neighbours: Mapping[str, Mapping[str, Any]]) -> Quote:
        """The best passage with the neighbour adding most query words.

        ``neighbours`` maps pids to passage rows (at least those of
        :meth:`neighbour_pids` that exist; a search reads them by primary key).  A
        generated list is never quoted as a neighbour.  The one before wins only
        when it adds strictly more; otherwise the one after is quoted (the answer
        usually follows what matched the question).
        """
        best = self.best
        before_pid, after_pid = _sides(best)
        before = _neighbour(neighbours.get(before_pid or ""), "line_start", best)
        after = _neighbour(neighbours.get(after_pid or ""), "line_end", best)
        own = set(_terms_found(self.pattern, best, self.topic))

        def gain(row: Mapping[str, Any] | None) -> float:
            if row is None:
                return -1.0
            words = own | set(_terms_found(self.pattern, row, self.topic))
            # summed in a fixed order: a set's order follows the process's hash seed, and
            # float sums in another order can break a tie the other way
            return sum(self.idf.get(k, self.unseen_idf) for k in sorted(words))

        if before is None and after is None:
            return Quote(best, (best,))
        if gain(before) > gain(after):
            assert before is not None
            return Quote(best, (before, best))
        assert after is not None
        return Quote(best, (best, after))


def _sides(row: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The pids of the body passages right before and after ``row`` (None: there is none
    to ask for; a pid asked for may still not exist)."""
    ordinal = int(row.get("ordinal") or 0)
    if ordinal < 1:
        return None, None
    concept = str(row.get("id"))
    before = f"{concept}#{ordinal - 1}" if ordinal > 1 else None
    return before, f"{concept}#{ordinal + 1}"


def neighbour_pids(row: Mapping[str, Any]) -> list[str]:
    """The pids a quote of ``row`` may use as its neighbour."""
    return [pid for pid in _sides(row) if pid is not None]


def _neighbour(
    row: Mapping[str, Any] | None, line_field: str, best: Mapping[str, Any]
) -> dict[str, Any] | None:
    """A neighbour passage row as a minimal row (own text cut to what a quote can
    show, its heading, its outer line), or None when it is not to be quoted."""
    if row is None or row.get("generated") or int(row.get("ordinal") or 0) < 1:
        return None
    if row.get("id") != best.get("id"):
        return None
    whole = str(row.get("text") or "")[int(row.get("text_offset") or 0) :]
    text = whole[-QUOTE_CHARS:] if line_field == "line_start" else whole[:QUOTE_CHARS]
    if not text:
        return None
    other = "line_end" if line_field == "line_start" else "line_start"
    edge = int(row.get(line_field) or best.get(line_field) or 1)
    heading = list(row.get("heading") or [])
    return {"text": text, "text_offset": 0, line_field: edge, other: edge, "heading": heading}


def choose_passage(
    query: str, candidates: Sequence[dict[str, Any]], bm25: Mapping[str, float]
) -> Choice | None:
    """The best of one concept's ``candidates`` (passage rows the index returned for
    ``query``), or None when no body passage among them holds a word of the query.

    ``bm25`` maps passage ids to their index score.  The concept's passage count,
    which the inverse document frequency needs, is taken as the highest ordinal seen
    (ordinals are consecutive), since passages that hold no query word are not
    among the candidates and add nothing but their number.
    """
    body = sorted(
        (p for p in candidates if int(p.get("ordinal") or 0) > 0),
        key=lambda p: int(p.get("ordinal") or 0),
    )
    pattern = query_pattern(query)
    if not body or pattern is None:
        return None
    if not any(_terms_found(pattern, row) for row in body):
        return None
    topic = topic_terms(pattern, str(body[0].get("title") or ""))
    counts = [_terms_found(pattern, row, topic) for row in body]
    total = max(len(body), max(int(row.get("ordinal") or 0) for row in body))
    lengths = [max(MIN_WORDS, len(own_text(row).split())) for row in body]
    average = sum(lengths) / len(body)
    df: dict[str, int] = {}
    for found in counts:
        for key in found:
            df[key] = df.get(key, 0) + 1
    idf = {k: math.log(1.0 + (total - d + 0.5) / (d + 0.5)) for k, d in df.items()}
    top = max((bm25.get(str(row.get("pid")), 0.0) for row in body), default=0.0) or 1.0
    scores = []
    for position, found in enumerate(counts):
        norm = K1 * (1.0 - B + B * lengths[position] / average)
        coverage = sum(idf[k] * f * (K1 + 1.0) / (f + norm) for k, f in found.items())
        index = bm25.get(str(body[position].get("pid")), 0.0) / top
        scores.append(coverage + INDEX_WEIGHT * index)
    best = max(range(len(body)), key=lambda i: (scores[i], -i))
    unseen = math.log(1.0 + (total - 0.5) / 1.5)
    return Choice(body[best], pattern, idf, unseen, topic)
