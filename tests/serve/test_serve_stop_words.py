"""The text the full-text index receives: stop words dropped, the same whatever came before.

Deleting a passage from the external-content FTS5 table means handing it the exact text
it indexed, so :func:`indexed_text` must give the same output for the same input no
matter which words it judged earlier (it remembers verdicts per distinct word, and
forgets them past a bound).
"""

from __future__ import annotations

import pytest

from dossier.serve import fts_query
from dossier.serve.fts_query import STOP_WORDS, indexed_text

TEXTS = [
    "The cat and THE dog, (the) bird; it's Über the-top été",
    "A  a\tan\nAN — the. And, zebra?",
    "nothing stopped here: zebrafish tank lights",
    "",
]


def reference(text: str) -> str:
    """The rule as documented: whitespace-separated words whose lower-cased form, edge
    punctuation stripped, is a stop word are dropped."""
    edge = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum())
    return " ".join(w for w in text.split() if w.lower().strip(edge) not in STOP_WORDS)


def test_indexed_text_drops_stop_words_by_the_documented_rule() -> None:
    assert indexed_text(TEXTS[0]) == "cat dog, bird; it's Über the-top été"
    for text in TEXTS:
        assert indexed_text(text) == reference(text)


def test_indexed_text_is_the_same_after_its_memory_is_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = [indexed_text(text) for text in TEXTS]
    monkeypatch.setattr(fts_query, "_VERDICTS_MAX", 3)
    monkeypatch.setattr(fts_query, "_verdicts", (set(), set()))
    again = [indexed_text(text) for text in reversed(TEXTS)][::-1]
    assert again == first == [reference(text) for text in TEXTS]


def test_a_month_and_an_acronym_that_look_like_stop_words_are_found(
    fresh_tenant, put_concept, commit_iteration  # type: ignore[no-untyped-def]
) -> None:
    from dossier.serve.index import SearchIndex
    from dossier.serve.search import search_index

    ctx = fresh_tenant("acme")
    put_concept(ctx, "notes/launch", "# Launch\n\nThe launch moved to May, after WHO guidance.\n",
                title="Launch")
    commit_iteration(ctx, "run-2", "launch")
    index = SearchIndex(ctx)
    for query in ("May", "WHO"):
        assert [h.id for h in search_index(index, query, limit=5).hits] == ["notes/launch"], query
