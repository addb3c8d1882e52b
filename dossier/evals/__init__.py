"""Dossier evals: gold sets and metrics for extraction (``python -m dossier.evals``)."""

from dossier.evals.extraction import ExtractionScore, score_extraction
from dossier.evals.gold import GoldConcept, GoldLink, GoldSet, load_gold

__all__ = [
    "ExtractionScore",
    "GoldConcept",
    "GoldLink",
    "GoldSet",
    "load_gold",
    "score_extraction",
]
