"""Each eval figure on a hand-made tenant whose right answers are known.

The tenant's sources are ingested by the real loop (snapshots, catalogue), then its
bundle is replaced by three hand-written concepts, so every figure can be worked
out by hand: a wrong metric fails here.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dossier.cli import app
from dossier.evals.bm25 import BM25, tokenize
from dossier.evals.gold import load_gold
from dossier.evals.retrieval import Baseline
from dossier.evals.tenant_eval import evaluate_tenant
from dossier.evals.tenant_view import SourceMap
from dossier.tenancy import Registry, TenantContext

ZEBRA = "\n".join(
    ["# Zebras", "", "Zebras sleep standing up in open grassland."]
    + [f"Filler line {i} about savanna weather." for i in range(1, 12)]
) + "\n"
QUOKKA = "\n".join(
    ["# Quokkas", "", "The quokka is known for its smile on Rottnest Island."]
    + [f"Filler line {i} about island ferries." for i in range(1, 12)]
) + "\n"

CONCEPTS = {
    "topics/zebra.md": """---
type: Topic
title: Zebra
description: Striped grazer.
sources:
  - id: src-a
    resource: ../../sources/corpus/a-md.md#L1-L3
    title: Zebras
---
Zebras sleep standing up. They graze near the [Quokka](/topics/quokka.md) exhibit.[^src-a]

[^src-a]: Zebras, lines 1–3
""",
    "topics/quokka.md": """---
type: Topic
title: Quokka
description: A small marsupial.
sources:
  - id: src-b
    resource: ../../sources/corpus/b-md.md#L1-L10
    title: Quokkas
---
## Mentions

- *Quokkas*: a marsupial of Rottnest Island.[^src-b]

[^src-b]: Quokkas, lines 1–10
""",
    "topics/narwhal.md": """---
type: Topic
title: Narwhal
description: A whale with a tusk.
sources:
  - id: src-b
    resource: ../../sources/corpus/b-md.md#L5
    title: Quokkas
---
The narwhal has a long tusk.[^src-b]

[^src-b]: Quokkas, line 5
""",
}

GOLD = """
questions:
  - q: zebra sleep standing
    expect: [a.md]
    answer: sleep standing up
  - q: quokka smile
    expect: [b.md]
    answer: its smile
  - q: narwhal tusk
    expect: [a.md]
    answer: a flying narwhal
concepts:
  - title: Zebras
    type: Topic
    sources: [{path: a.md, lines: "2-4"}]
  - title: Quokka
    type: Risk
    aliases: [Setonix]
    sources: [{path: b.md, lines: "12-13"}]
  - title: Platypus
    type: Topic
"""


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def zoo(tmp_path: Path) -> TenantContext:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text(ZEBRA, encoding="utf-8")
    (corpus / "b.md").write_text(QUOKKA, encoding="utf-8")
    root = tmp_path / "tenants"
    code, _, err = _run("provision", "zoo", "--source", str(corpus), "--root", str(root))
    assert code == 0, err
    code, _, err = _run("run-loop", "zoo", "--root", str(root))
    assert code == 0, err
    ctx = Registry(root).get("zoo")
    for path in ctx.bundle_dir.rglob("*.md"):
        if path.name not in ("index.md", "log.md"):
            path.unlink()
    for rel, text in CONCEPTS.items():
        target = ctx.bundle_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (ctx.path / "evals").mkdir()
    (ctx.path / "evals" / "gold.yaml").write_text(GOLD, encoding="utf-8")
    return ctx


def test_every_figure_on_a_tenant_with_known_answers(zoo: TenantContext) -> None:
    report = evaluate_tenant(zoo)
    m = report.metrics()
    # Dossier: zebra is hit and answered at rank 1; quokka hit at 1 but its text lacks
    # "its smile"; the narwhal concept cites b.md, not the expected a.md.
    assert report.questions[0].sides["bm25"].hit_rank == 1
    assert report.questions[0].sides["bm25"].answer_rank == 1
    assert report.questions[1].sides["bm25"].hit_rank == 1
    assert report.questions[1].sides["bm25"].answer_rank is None
    assert report.questions[2].sides["bm25"].hit_rank != 1
    assert m["hit@1"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["answer@5"] == pytest.approx(1 / 3, abs=1e-4)
    # Baseline: the first window of b.md holds "its smile", a.md's "sleep standing up".
    assert report.questions[1].sides["baseline"].answer_rank == 1
    assert m["baseline.answer@3"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["baseline.hit@1"] == pytest.approx(2 / 3, abs=1e-4)
    # Extraction: Zebras (plural) and Quokka found; Platypus missed; Quokka's type wrong;
    # Zebra cites a.md lines 1-3 (overlaps 2-4), Quokka cites b.md 1-10 (not 12-13).
    assert m["concept_recall"] == pytest.approx(2 / 3, abs=1e-4)
    # no concept of a missed gold concept's type cites its lines: the same by lines
    assert m["concept_recall_by_lines"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["type_accuracy"] == 0.5
    assert m["source_accuracy"] == 1.0
    assert m["line_accuracy"] == 0.5
    # Health: quokka is only a mention list; narwhal links nowhere and nothing links to it;
    # lines per citation are 3, 10 and 1.
    assert m["stub_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["isolated_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["lines_per_citation_median"] == 3
    assert m["lines_per_citation_p90"] == 10
    assert m["concepts_per_source"] == 1.5
    assert m["broad_concepts"] == 0


def test_mrr_counts_the_rank_of_the_first_hit(zoo: TenantContext) -> None:
    report = evaluate_tenant(zoo)
    ranks = [q.sides["bm25"].hit_rank for q in report.questions]
    expected = sum(1 / r for r in ranks if r) / len(ranks)
    assert report.metrics()["mrr"] == pytest.approx(expected, abs=1e-4)
    assert report.metrics()["mrr"] >= 2 / 3


def test_baseline_windows_are_ten_lines_of_the_snapshots(zoo: TenantContext) -> None:
    baseline = Baseline(SourceMap(zoo).snapshots)
    assert [(w.path, w.start) for w in baseline.windows] == [
        ("a.md", 1), ("a.md", 11), ("b.md", 1), ("b.md", 11)
    ]
    top = baseline.results("zebras sleep")[0]
    assert top.label == "a.md:1"


def test_bm25_scores_follow_okapi() -> None:
    import math

    docs = ["apple banana", "apple apple cherry", "durian"]
    index = BM25(docs)
    # idf(apple) with n=3, df=2; doc 1 has tf 2 and length 3, average length 2.
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    norm = 1.2 * (1 - 0.75 + 0.75 * 3 / 2)
    assert index.score("apple", 1) == pytest.approx(idf * 2 * 2.2 / (2 + norm))
    assert [s.doc for s in index.search("apple", 5)] == [1, 0]
    assert index.search("kiwi", 5) == []
    assert tokenize("Don't_stop: CVE-2022-43680!") == ["don", "t", "stop", "cve", "2022", "43680"]


def test_eval_cli_json_reports_the_metrics(zoo: TenantContext) -> None:
    code, out, err = _run("eval", "zoo", "--root", str(zoo.root), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["metrics"]["concept_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert data["metrics"]["concept_recall_by_lines"] == pytest.approx(2 / 3, abs=1e-4)
    assert data["extraction"]["misses_by_lines"] == ["Platypus (Topic)"]
    assert data["sides"] == ["bm25", "baseline"]
    code, out, err = _run("eval", "zoo", "--root", str(zoo.root))
    assert code == 0, err
    assert "concept_recall_by_lines" in out
    assert "raw BM25" in out and "health" in out


def test_a_tenant_without_gold_gets_a_clear_message(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.md").write_text(ZEBRA, encoding="utf-8")
    root = tmp_path / "t"
    assert _run("provision", "nogold", "--source", str(corpus), "--root", str(root))[0] == 0
    code, out, err = _run("eval", "nogold", "--root", str(root))
    assert code == 1
    assert "no gold set" in err and "--init" in err and "Traceback" not in err + out


def test_init_writes_a_gold_file_that_loads_and_never_overwrites(zoo: TenantContext) -> None:
    target = zoo.root / "new-gold.yaml"
    code, _, err = _run("eval", "zoo", "--root", str(zoo.root), "--init", "--gold", str(target))
    assert code == 0, err
    gold = load_gold(target)
    assert gold.questions and gold.concepts and gold.concepts[0].sources[0].start == 1
    before = target.read_text(encoding="utf-8")
    code, _, _ = _run("eval", "zoo", "--root", str(zoo.root), "--init", "--gold", str(target))
    assert code == 1 and target.read_text(encoding="utf-8") == before


def test_bad_gold_files_are_usage_errors(zoo: TenantContext, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("questions:\n  - q: where?\n    expect: []\n    answer: x\n", encoding="utf-8")
    code, _, err = _run("eval", "zoo", "--root", str(zoo.root), "--gold", str(bad))
    assert code == 2 and "expect" in err


def test_each_text_is_normalised_once_per_run(
    zoo: TenantContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A concept or window several questions retrieve is normalised for answer matching
    once, not once per question; the figures are the same as ever."""
    import dossier.evals.retrieval as retrieval
    from dossier.evals.tenant_view import load_concepts

    expected = evaluate_tenant(zoo).metrics()
    seen: Counter[str] = Counter()
    real = retrieval.answer_key

    def counting(text: str) -> str:
        seen[text] += 1
        return real(text)

    monkeypatch.setattr(retrieval, "answer_key", counting)
    assert evaluate_tenant(zoo).metrics() == expected
    sources = SourceMap(zoo)
    texts = {c.text for c in load_concepts(zoo, sources)}
    texts |= {w.text for w in Baseline(sources.snapshots).windows}
    counted = {text: n for text, n in seen.items() if text in texts}
    assert len(counted) > 2 and max(counted.values()) == 1, counted
