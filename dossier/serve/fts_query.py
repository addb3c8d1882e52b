"""A user's query → an FTS5 MATCH expression that means "any of these words".

FTS5 has a query language (``AND``, ``NEAR(...)``, ``col:term``, ``*``, ``^``,
quotes), and handing it a user's text would turn punctuation into syntax errors
or into operators nobody asked for.  So the query is never given to FTS5 as
written: its words are found by SQLite's own ``unicode61`` tokenizer (the one
the index uses, minus stemming, run over an in-memory table), stop words are
dropped, and each remaining word is written as a quoted string, OR-ed with the
others.  Inside a quoted string FTS5 only tokenizes (and stems), so any text is a
valid query and no character is an operator.

Tokenizing with SQLite rather than a Python regex matters: a word that Python's
Unicode tables call one token and SQLite's split in two would silently become a
phrase query instead of two words.
"""

from __future__ import annotations

import sqlite3
import threading
from itertools import filterfalse

#: The tokenizer of the index: Porter stemming over unicode61 (lower-casing, and
#: diacritics removed, so "café" and "cafe" are one word).  Changing it needs a new
#: ``META_SCHEMA_VERSION`` (every index is rebuilt).
TOKENIZER = "porter unicode61 remove_diacritics 2"
#: What splits the query: the same, without stemming (FTS5 stems each quoted word).
_SPLITTER = "unicode61 remove_diacritics 2"

#: English words too common to say what a text is about.  They are left out of
#: queries and out of the text the index holds (FTS5 has no stop-word filter, so
#: :func:`indexed_text` drops them): kept, they lengthen passages under BM25's
#: length normalisation, which moved answers down on the eval suite.  The quote
#: choice (:mod:`dossier.serve.passage_choice`) drops the same words.  Chosen with
#: the eval suite (docs/search.md, "Tokenizer and weighting"); changing the list
#: needs a new META_SCHEMA_VERSION.
_STOP_TEXT = """a an and are as at be been but by can could did do does for from had has have
how i if in into is it its me my no not of on or our so that the their them then there these
they this those to was we were what when where which whom why will with would you your yes
also any all than too very just about after before over under should might must shall"""
#: Not stop words, though common: each is also a name a reader searches for once
#: lower-cased — "May" (the month), "WHO".  ("it" and "will" stay stop words: indexed too,
#: they moved design's passage@5 from 0.58 to 0.50 on the eval suite, so "IT" and
#: "Will" are not found as words.)
STOP_WORDS = frozenset(_STOP_TEXT.split())


class _Splitter:
    """SQLite's unicode61 tokenizer, reachable from Python through an in-memory table.

    One connection per process, used under a lock: a query is split in ~0.2 ms.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        db.execute(f"CREATE VIRTUAL TABLE q USING fts5(t, tokenize='{_SPLITTER}')")
        db.execute("CREATE VIRTUAL TABLE qv USING fts5vocab(q, 'instance')")
        return db

    def words(self, text: str) -> list[str]:
        """The tokens of ``text`` in order (lower-cased, diacritics removed, unstemmed)."""
        with self._lock:
            if self._db is None:
                self._db = self._connect()
            db = self._db
            db.execute("INSERT INTO q(rowid, t) VALUES (1, ?)", (text,))
            try:
                rows = db.execute("SELECT term FROM qv ORDER BY offset").fetchall()
            finally:
                db.execute("DELETE FROM q")
        return [str(row[0]) for row in rows]


_splitter = _Splitter()


_EDGE_PUNCTUATION = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum())


def _is_stop(word: str) -> bool:
    return word.lower().strip(_EDGE_PUNCTUATION) in STOP_WORDS


#: Whitespace-separated words already judged by :func:`indexed_text` (``seen``) and
#: those of them that are stop words (``dropped``), as one tuple so a reader always
#: holds a matching pair.  A 10,000-concept build judges ~5 million words but only
#: ~100,000 distinct ones: remembering the verdict makes the filter set operations
#: (≈ 0.4 s of CPU) instead of a lower/strip/lookup per word (≈ 2 s).
_verdicts: tuple[set[str], set[str]] = (set(), set())
#: Distinct words remembered at most (then forgotten and judged again: memory bound).
_VERDICTS_MAX = 500_000


def indexed_text(text: str) -> str:
    """``text`` as the full-text index receives it: whitespace-separated stop words
    (punctuation at their edges aside) dropped.

    A split and set operations, not a regular expression (at 10,000 concepts an
    alternation pattern took 13 s).  A stop word glued to other text by punctuation
    (``it's``) stays, which only lengthens that passage by a token.  Deterministic:
    deleting a row from the external-content FTS5 table means handing it the same
    text again (the verdict per word never depends on what was seen before).
    """
    global _verdicts
    words = text.split()
    seen, dropped = _verdicts
    if not seen.issuperset(words):
        new = set(words).difference(seen)
        if len(seen) + len(new) > _VERDICTS_MAX:
            seen, dropped = set(), set()
            _verdicts = (seen, dropped)
        # dropped before seen: another thread never finds a seen stop word not dropped
        dropped.update(word for word in new if _is_stop(word))
        seen.update(new)
    return " ".join(filterfalse(dropped.__contains__, words))


def query_words(query: str) -> list[str]:
    """The words a query searches for: tokens without stop words, each once, in order."""
    words = dict.fromkeys(_splitter.words(query))
    return [w for w in words if w not in STOP_WORDS]


def match_expression(query: str) -> str | None:
    """``"w1" OR "w2" ...`` for the query's words; None when it has none (only stop
    words, or nothing the tokenizer keeps)."""
    words = query_words(query)
    if not words:
        return None
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in words)
