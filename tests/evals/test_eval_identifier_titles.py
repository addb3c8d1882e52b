"""A gold title that opens with an identifier is found by the concept known by it."""

from __future__ import annotations

from dossier.evals.extraction import Extracted, score_extraction
from dossier.evals.gold import GoldConcept, GoldSet


def _concept(title: str, *aliases: str) -> Extracted:
    return Extracted("risks/x", title, aliases, "Risk", frozenset())


def test_a_gold_title_led_by_an_identifier_matches_that_identifier_alias() -> None:
    gold = GoldSet(concepts=(
        GoldConcept("TWS-71 unbounded upload exhausts memory", (), "Risk"),
        GoldConcept("Moon phase drift", (), "Topic"),
    ))
    score = score_extraction([_concept("Unbounded station list upload", "TWS-71")], gold)
    assert score.found_concepts == 1 and score.type_accuracy == 1.0
    assert score.misses == ["Moon phase drift (Topic)"]


def test_an_identifier_inside_a_gold_title_or_another_identifier_does_not_match() -> None:
    gold = GoldSet(concepts=(
        GoldConcept("Upload cap after TWS-71", (), "Risk"),
        GoldConcept("TWS-712 something else", (), "Risk"),
    ))
    score = score_extraction([_concept("Unbounded station list upload", "TWS-71")], gold)
    assert score.found_concepts == 0
