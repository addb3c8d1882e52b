"""Dossier evals: gold sets, retrieval, extraction and health figures for a tenant.

``dossier eval`` (:mod:`dossier.cli.eval_cmds`) runs :func:`evaluate_tenant`;
``python -m dossier.evals`` scores a bare corpus folder's extraction.
"""

from dossier.evals.extraction import ExtractionScore, score_extraction
from dossier.evals.gold import GoldConcept, GoldLink, GoldQuestion, GoldSet, load_gold

__all__ = [
    "ExtractionScore",
    "GoldConcept",
    "GoldLink",
    "GoldQuestion",
    "GoldSet",
    "load_gold",
    "score_extraction",
]
