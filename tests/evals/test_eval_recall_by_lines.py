"""``concept_recall_by_lines``: a gold concept whose title paraphrases the text is found
by a concept of its type that cites its lines, reported apart from the headline recall."""

from __future__ import annotations

from dossier.evals.extraction import Extracted, score_extraction
from dossier.evals.gold import GoldConcept, GoldSet, GoldSource
from dossier.evals.tenant_view import Citation

#: The minutes say "Standups move to Tuesdays"; the gold names the outcome its own way.
GOLD = GoldSet(concepts=(
    GoldConcept("Weekly standup is held on Tuesday", (), "Decision",
                (GoldSource("minutes/05-02.md", 40, 44),)),
    GoldConcept("Kiosk vendor may go bankrupt", (), "Risk",
                (GoldSource("minutes/05-02.md", 60, 61),)),
    GoldConcept("Billing cut-over", (), "Topic", (GoldSource("minutes/05-09.md", 3, 9),)),
    GoldConcept("Renew the lease", (), "Action Item", (GoldSource("minutes/05-09.md"),)),
))


def _concept(concept_id: str, title: str, type_: str, *cites: Citation) -> Extracted:
    return Extracted(concept_id, title, (), type_, frozenset(), cites)


def test_a_concept_of_the_gold_type_at_the_gold_lines_counts_by_lines_only() -> None:
    extracted = [
        # paraphrase: right type, overlapping lines
        _concept("decisions/a", "Standups move to Tuesdays", "Decision",
                 Citation("minutes/05-02.md", 43, 43)),
        # right lines, wrong type: not the risk
        _concept("topics/b", "Kiosk vendor finances", "Topic",
                 Citation("minutes/05-02.md", 60, 60)),
        # right type and path, lines elsewhere: not the topic
        _concept("topics/c", "Billing", "Topic", Citation("minutes/05-09.md", 20, 30)),
        # gold source without lines: the path alone is enough
        _concept("action-items/d", "Ana to call the landlord", "Action Item",
                 Citation("minutes/05-09.md", 12, 12)),
    ]
    score = score_extraction(extracted, GOLD)
    assert score.found_concepts == 0 and score.concept_recall == 0.0
    assert score.found_by_lines == 2
    assert score.concept_recall_by_lines == 0.5
    assert score.misses_by_lines == ["Kiosk vendor may go bankrupt (Risk)",
                                     "Billing cut-over (Topic)"]
    assert score.to_dict()["concept_recall_by_lines"] == 0.5


def test_a_concept_found_by_name_counts_by_lines_too() -> None:
    extracted = [_concept("topics/c", "Billing cut-over", "Topic",
                          Citation("minutes/other.md", 1, 2))]
    score = score_extraction(extracted, GOLD)
    assert score.found_concepts == 1 and score.found_by_lines == 1
    assert score.concept_recall_by_lines == score.concept_recall == 0.25
