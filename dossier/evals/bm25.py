"""A small, self-contained Okapi BM25 (k1 = 1.2, b = 0.75) for the raw-text baseline.

The baseline answers "what would grep-and-rank give a user with no Dossier", so it
must not share code or tuning with Dossier's own search.  The tokenizer is the
documented one (docs/evals.md): Unicode NFKC, case-folded, split into runs of
letters and digits (``_`` and punctuation separate words); no stemming, no stop words.
The index is built in memory per eval: a few thousand windows take milliseconds.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

K1 = 1.2
B = 0.75
_WORD = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    """Words of ``text``: NFKC, case-folded, maximal runs of letters and digits."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Scored:
    """A document's position in the corpus and its BM25 score for one query."""

    doc: int
    score: float


class BM25:
    """Okapi BM25 over a fixed list of texts; :meth:`search` ranks them for a query."""

    def __init__(self, texts: Sequence[str], k1: float = K1, b: float = B) -> None:
        self.k1 = k1
        self.b = b
        self._tf: list[Counter[str]] = [Counter(tokenize(t)) for t in texts]
        self._len = [sum(tf.values()) for tf in self._tf]
        self._avg = (sum(self._len) / len(self._len)) if self._len else 0.0
        df: Counter[str] = Counter()
        for tf in self._tf:
            df.update(tf.keys())
        n = len(self._tf)
        # The "+1" form of the idf keeps it positive for words in most documents.
        self._idf = {w: math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for w, d in df.items()}
        self._postings: dict[str, list[int]] = {}
        for index, tf in enumerate(self._tf):
            for word in tf:
                self._postings.setdefault(word, []).append(index)

    def score(self, query: str, doc: int) -> float:
        """BM25 of document ``doc`` for ``query`` (each distinct query word counts once)."""
        return self._score(set(tokenize(query)), doc)

    def _score(self, words: set[str], doc: int) -> float:
        tf = self._tf[doc]
        norm = self.k1 * (1.0 - self.b + self.b * self._len[doc] / self._avg) if self._avg else 0
        total = 0.0
        for word in words:
            freq = tf.get(word, 0)
            if freq:
                total += self._idf[word] * freq * (self.k1 + 1.0) / (freq + norm)
        return total

    def search(self, query: str, limit: int) -> list[Scored]:
        """The ``limit`` best documents with a positive score; ties in corpus order."""
        words = set(tokenize(query))
        candidates: set[int] = set()
        for word in words:
            candidates.update(self._postings.get(word, ()))
        scored = [Scored(doc, self._score(words, doc)) for doc in candidates]
        scored = [s for s in scored if s.score > 0]
        scored.sort(key=lambda s: (-s.score, s.doc))
        return scored[:limit]
