"""Retrieval figures: does a question's answer come back, from Dossier and from raw text?

Per question and side, two ranks are kept: the first result that *cites an expected
source* (a hit) and the first whose text contains the answer string.  The figures
follow from them: ``hit@k`` (hit rank ≤ k), ``answer@k`` (answer rank ≤ k) and
``mrr`` (mean of 1 / hit rank, 0 when no hit in the top ``DEPTH``).  ``passage@k`` is
stricter than ``answer@k``: only the passage the search returned counts (Dossier's
snippet, the baseline's window), so a concept that holds a whole document cannot
"contain" every answer.

Dossier's side runs :func:`dossier.serve.search.search_index`, the function behind
``dossier search`` and the MCP ``search_concepts`` tool, so the eval measures what a
user gets.  The baseline is :class:`dossier.evals.bm25.BM25` over the tenant's source
snapshots cut into ``WINDOW_LINES``-line windows: what grep-and-rank would give.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dossier.evals.bm25 import BM25
from dossier.evals.gold import GoldQuestion
from dossier.evals.tenant_view import BundleConcept, Snapshot
from dossier.evals.textmatch import answer_key

#: Results looked at per question (MRR is over this many).
DEPTH = 10
#: Lines per baseline window (windows do not overlap).
WINDOW_LINES = 10
HIT_KS = (1, 3, 5)
ANSWER_KS = (3, 5)


@dataclass(frozen=True)
class Result:
    """One ranked result: what it is, the registered paths it cites, its text.

    The texts come already normalised (:func:`~dossier.evals.textmatch.answer_key`):
    a searcher normalises each text once — a concept or a window once per run, not
    once per question that retrieves it — and scoring is a substring test.
    """

    label: str
    paths: frozenset[str]
    #: answer keys of every text an agent would read for this result
    keys: tuple[str, ...]
    #: answer key of the passage the search itself returned
    passage_key: str


@dataclass
class QuestionScore:
    """Where, for one question on one side, the first hit and first answer came."""

    hit_rank: int | None
    answer_rank: int | None
    passage_rank: int | None = None
    top: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"hit_rank": self.hit_rank, "answer_rank": self.answer_rank,
                "passage_rank": self.passage_rank, "top": self.top}


def score_results(question: GoldQuestion, results: Sequence[Result]) -> QuestionScore:
    """Ranks (1-based) of the first hit and the first answer among ``results``."""
    expect = set(question.expect)
    key = answer_key(question.answer)  # once per question; an empty key matches nothing
    hit = answer = passage = None
    for rank, result in enumerate(results[:DEPTH], start=1):
        if hit is None and result.paths & expect:
            hit = rank
        if answer is None and key and any(key in text for text in result.keys):
            answer = rank
        if passage is None and key and key in result.passage_key:
            passage = rank
    return QuestionScore(hit, answer, passage, [r.label for r in results[:5]])


def figures(scores: Sequence[QuestionScore]) -> dict[str, float]:
    """hit@k, answer@k and MRR over ``scores`` (empty: all zero)."""
    n = len(scores)
    out: dict[str, float] = {}
    for k in HIT_KS:
        out[f"hit@{k}"] = _share(sum(1 for s in scores if s.hit_rank and s.hit_rank <= k), n)
    for k in ANSWER_KS:
        out[f"answer@{k}"] = _share(
            sum(1 for s in scores if s.answer_rank and s.answer_rank <= k), n
        )
    for k in ANSWER_KS:
        out[f"passage@{k}"] = _share(
            sum(1 for s in scores if s.passage_rank and s.passage_rank <= k), n
        )
    out["mrr"] = round(sum(1.0 / s.hit_rank for s in scores if s.hit_rank) / n, 4) if n else 0.0
    return out


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


@dataclass(frozen=True)
class Window:
    path: str
    start: int
    text: str


def windows(snapshots: Sequence[Snapshot], size: int = WINDOW_LINES) -> list[Window]:
    """Every snapshot cut into consecutive ``size``-line windows (the last may be short)."""
    out: list[Window] = []
    for snap in snapshots:
        try:
            lines = snap.file.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for start in range(0, len(lines), size):
            out.append(Window(snap.path, start + 1, "\n".join(lines[start : start + size])))
    return out


class Baseline:
    """BM25 over raw windows: what a user with grep and no Dossier would get."""

    def __init__(self, snapshots: Sequence[Snapshot]) -> None:
        self.windows = windows(snapshots)
        self._bm25 = BM25([w.text for w in self.windows])
        self._keys: dict[int, str] = {}  # window index → answer key, once it is returned

    def results(self, query: str) -> list[Result]:
        out: list[Result] = []
        for found in self._bm25.search(query, DEPTH):
            w = self.windows[found.doc]
            key = self._keys.get(found.doc)
            if key is None:
                key = self._keys[found.doc] = answer_key(w.text)
            out.append(Result(f"{w.path}:{w.start}", frozenset({w.path}), (key,), key))
        return out


Searcher = Callable[[str], list[Result]]


def dossier_searcher(
    search: Callable[[str, int], list[Any]], concepts: dict[str, BundleConcept]
) -> Searcher:
    """Wrap a ``search(query, limit) -> [SearchHit]`` as a :data:`Searcher`.

    A hit's text is the concept an agent would read next (title, description and
    body) plus the snippet the search returned.
    """

    keys: dict[str, str] = {}  # concept id → answer key of its text, across questions

    def run(query: str) -> list[Result]:
        out: list[Result] = []
        for hit in search(query, DEPTH):
            concept = concepts.get(hit.id)
            paths = frozenset(concept.cited_paths()) if concept else frozenset()
            text = keys.get(hit.id)
            if text is None:
                text = keys[hit.id] = answer_key(concept.text) if concept else ""
            snippet = answer_key(hit.snippet)  # differs per query: once per hit
            out.append(Result(hit.id, paths, (text, snippet), snippet))
        return out

    return run


def score_questions(
    questions: Sequence[GoldQuestion], searcher: Searcher
) -> list[QuestionScore]:
    return [score_results(q, searcher(q.q)) for q in questions]
