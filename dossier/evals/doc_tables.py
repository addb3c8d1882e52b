"""The "Current figures" tables of docs/evals.md, rendered from recorded figures.

The doc's tables are this rendering of ``evals/baseline.json`` (``python -m
dossier.evals.suite --tables``), so a re-recorded baseline and the doc cannot drift apart
unnoticed: ``tests/evals/test_eval_doc_tables.py`` compares them.
"""

from __future__ import annotations

from collections.abc import Mapping

Figures = Mapping[str, Mapping[str, float | None]]

RETRIEVAL = ("hit@1", "hit@5", "answer@3", "answer@5", "passage@5", "mrr")
EXTRACTION = ("concept_recall", "concept_recall_by_lines", "type_accuracy", "source_accuracy",
              "line_accuracy", "stub_share", "broad_concepts", "isolated_share",
              "lines_per_citation_median",
              "lines_per_citation_p90", "concepts_per_source", "validation_warnings")
_EXTRACTION_HEADERS = ("concept_recall", "by lines", "type_accuracy", "source_accuracy",
                       "line_accuracy", "stub_share", "broad_concepts", "isolated_share",
                       "lines/citation median", "p90", "concepts_per_source",
                       "validation_warnings")


def _cell(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if value == int(value) else f"{value:.2f}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def retrieval_table(figures: Figures) -> str:
    """Dossier BM25 and the raw-BM25 baseline, per corpus."""
    lines = [_row(["corpus", "side", *RETRIEVAL]), "|" + "---|" * (len(RETRIEVAL) + 2)]
    for corpus, values in figures.items():
        lines.append(_row([corpus, "Dossier BM25", *(_cell(values.get(k)) for k in RETRIEVAL)]))
        lines.append(_row([corpus, "raw BM25 baseline",
                           *(_cell(values.get(f"baseline.{k}")) for k in RETRIEVAL)]))
    return "\n".join(lines)


def extraction_table(figures: Figures) -> str:
    """Extraction and health figures, per corpus."""
    lines = [_row(["corpus", *_EXTRACTION_HEADERS]), "|" + "---|" * (len(EXTRACTION) + 1)]
    for corpus, values in figures.items():
        lines.append(_row([corpus, *(_cell(values.get(k)) for k in EXTRACTION)]))
    return "\n".join(lines)


def tables(figures: Figures) -> str:
    """Both tables, as they stand in docs/evals.md."""
    return retrieval_table(figures) + "\n\n" + extraction_table(figures) + "\n"
