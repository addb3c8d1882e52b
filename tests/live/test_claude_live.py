"""Opt-in live check: deterministic vs claude on one fixture document, eval side by side.

Runs only with ``DOSSIER_LIVE=1`` and a real key (``ANTHROPIC_API_KEY`` or
``DOSSIER_ANTHROPIC_KEY_FILE``); it spends a few cents of API credit.  Run it with
``DOSSIER_LIVE=1 pytest -s tests/live/`` to see the table.  The gold set is
``fixtures/acme/gold.yaml`` cut down to what ``decision-log.md`` names, so both extractors are
measured on the same, fair yardstick.  Figures printed here are the only Claude figures
Dossier's docs may quote, marked as from a live run.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.claude_stub import register_claude
from tests.runtime.helpers import REPO_ROOT, cli

DOCUMENT = "decision-log.md"
ACME = REPO_ROOT / "fixtures" / "acme"

pytestmark = pytest.mark.skipif(
    os.environ.get("DOSSIER_LIVE") != "1"
    or not (os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("DOSSIER_ANTHROPIC_KEY_FILE")),
    reason="live check: set DOSSIER_LIVE=1 and an Anthropic key",
)


def one_document_gold(text: str) -> dict[str, Any]:
    """The acme gold set restricted to the concepts, links and questions of DOCUMENT."""
    gold = yaml.safe_load((ACME / "gold.yaml").read_text(encoding="utf-8"))
    lowered = text.lower()
    concepts = [c for c in gold["concepts"]
                if any(name.lower() in lowered for name in [c["title"], *c.get("aliases", [])])]
    names = {n.lower() for c in concepts for n in [c["title"], *c.get("aliases", [])]}
    links = [link for link in gold.get("links", [])
             if link["from"].lower() in names and link["to"].lower() in names]
    questions = [q for q in gold.get("questions", []) if q["expect"] == [DOCUMENT]]
    return {"concepts": concepts, "links": links, "questions": questions}


def test_deterministic_vs_claude_on_one_document(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("anthropic")
    register_claude(tmp_path / "site", monkeypatch)
    side_by_side(tmp_path, {"deterministic": ["--extractor", "deterministic"],
                            "claude": ["--extractor", "claude"]})


def side_by_side(tmp_path: Path, variants: dict[str, list[str]]) -> None:
    """Run the loop on DOCUMENT once per variant (its run-loop options) and print the
    eval figures against the one-document gold."""
    material = tmp_path / "material"
    material.mkdir()
    shutil.copy(ACME / "corpus" / DOCUMENT, material / DOCUMENT)
    gold = tmp_path / "gold.yaml"
    gold.write_text(yaml.safe_dump(one_document_gold((material / DOCUMENT).read_text())))
    root = tmp_path / "tenants"
    figures: dict[str, dict[str, Any]] = {}
    for label, options in variants.items():
        tenant = f"live-{label}"
        assert cli("provision", tenant, "--root", str(root), "--source",
                   str(material)).exit_code == 0
        run = cli("run-loop", tenant, "--root", str(root), *options, "--json")
        assert run.exit_code == 0, run.output
        report = json.loads(cli("eval", tenant, "--root", str(root), "--gold", str(gold),
                                "--json").stdout)
        figures[label] = report["metrics"]
        usage = json.loads(run.stdout)["tenants"][0].get("usage")
        if usage:
            figures[label]["(tokens)"] = usage["tokens"]
            figures[label]["(cost_usd)"] = usage["cost_usd"]
    left_label, right_label = list(variants)
    names = sorted(set(figures[left_label]) | set(figures[right_label]))
    print(f"\nlive run on fixtures/acme/corpus/{DOCUMENT}")
    print(f"{'metric':<40} {left_label:>14} {right_label:>14}")
    for name in names:
        left, right = figures[left_label].get(name), figures[right_label].get(name)
        print(f"{name:<40} {_fmt(left):>14} {_fmt(right):>14}")


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)
