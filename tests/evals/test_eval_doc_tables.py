"""docs/evals.md's "Current figures" tables are the recorded baseline, rendered."""

from __future__ import annotations

import json

import pytest

from dossier.evals.doc_tables import extraction_table, retrieval_table
from dossier.evals.suite import BASELINE_FILE, REPO_ROOT, main


def test_the_docs_tables_are_the_recorded_baseline() -> None:
    figures = json.loads(BASELINE_FILE.read_text(encoding="utf-8"))
    doc = (REPO_ROOT / "docs" / "evals.md").read_text(encoding="utf-8")
    for table in (retrieval_table(figures), extraction_table(figures)):
        assert table in doc, (
            "docs/evals.md is stale: paste `python -m dossier.evals.suite --tables` into it"
        )


def test_tables_option_prints_both_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--tables"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| corpus | side | hit@1 |")
    assert "| devpack/adr |" in out and "| concept_recall |" in out
