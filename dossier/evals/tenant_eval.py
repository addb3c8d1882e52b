"""``evaluate_tenant``: every eval figure for one tenant's current bundle.

Reads the bundle and source snapshots in the tenant's working tree (what the loop
just wrote, or the last commit), queries the tenant's own search index through the
same function users call, and needs no network or key.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dossier.errors import DossierError
from dossier.evals.extraction import Extracted, ExtractionScore, score_extraction
from dossier.evals.gold import GoldSet, load_gold
from dossier.evals.health import Health, measure_health
from dossier.evals.retrieval import (
    Baseline,
    QuestionScore,
    dossier_searcher,
    figures,
    score_questions,
)
from dossier.evals.tenant_view import SourceMap, load_concepts
from dossier.tenancy import TenantContext

#: Where a tenant keeps its gold set, relative to the tenant directory.
TENANT_GOLD = Path("evals") / "gold.yaml"


class GoldMissingError(DossierError):
    """``dossier eval`` on a tenant with no gold set and no ``--gold``."""


def gold_path(ctx: TenantContext, override: Path | None = None) -> Path:
    """``override``, else the tenant's ``evals/gold.yaml``; a clear error when absent."""
    if override is not None:
        return override
    path = ctx.confine(TENANT_GOLD)
    if not path.is_file():
        raise GoldMissingError(
            f"tenant {ctx.client_id!r} has no gold set at {path}: write one with "
            f"'dossier eval {ctx.client_id} --init' (docs/evals.md), or pass --gold FILE"
        )
    return path


def has_gold(ctx: TenantContext) -> bool:
    return (ctx.path / TENANT_GOLD).is_file()


@dataclass
class QuestionReport:
    q: str
    expect: list[str]
    answer: str
    sides: dict[str, QuestionScore] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"q": self.q, "expect": self.expect, "answer": self.answer,
                **{side: score.to_dict() for side, score in self.sides.items()}}


@dataclass
class EvalReport:
    tenant: str
    gold: str
    gold_sha256: str
    sides: list[str]
    questions: list[QuestionReport]
    retrieval: dict[str, dict[str, float]]
    extraction: ExtractionScore | None
    health: Health
    seconds: float = 0.0

    def metrics(self) -> dict[str, float | None]:
        """The flat figures the gate, history and CI compare (names in docs/evals.md)."""
        out: dict[str, float | None] = {}
        for side, values in self.retrieval.items():
            prefix = "" if side == "bm25" else f"{side}."
            for name, value in values.items():
                out[prefix + name] = value
        if self.extraction is not None:
            ex = self.extraction
            out["concept_recall"] = round(ex.concept_recall, 4)
            out["concept_recall_by_lines"] = round(ex.concept_recall_by_lines, 4)
            out["type_accuracy"] = round(ex.type_accuracy, 4)
            out["source_accuracy"] = _r(ex.source_accuracy)
            out["line_accuracy"] = _r(ex.line_accuracy)
            if ex.gold_links:
                out["link_recall"] = round(ex.link_recall, 4)
        out.update(self.health.metrics())
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "gold": self.gold,
            "gold_sha256": self.gold_sha256,
            "sides": self.sides,
            "metrics": self.metrics(),
            "questions": [q.to_dict() for q in self.questions],
            "extraction": self.extraction.to_dict() if self.extraction else None,
            "health": self.health.to_dict(),
            "seconds": round(self.seconds, 3),
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def evaluate_tenant(
    ctx: TenantContext,
    gold: GoldSet | Path | None = None,
    *,
    semantic: bool = False,
) -> EvalReport:
    """Measure ``ctx`` against ``gold`` (default: the tenant's ``evals/gold.yaml``)."""
    from dossier.okf.validate import validate_bundle
    from dossier.serve.index import SearchIndex
    from dossier.serve.search import search_index

    started = time.perf_counter()
    if not isinstance(gold, GoldSet):
        gold = load_gold(gold_path(ctx, gold))
    digest = hashlib.sha256(Path(gold.path).read_bytes()).hexdigest() if gold.path else ""
    sources = SourceMap(ctx)
    concepts = load_concepts(ctx, sources)
    by_id = {c.concept_id: c for c in concepts}

    sides: dict[str, Any] = {}
    if gold.questions and concepts:
        index = SearchIndex(ctx)
        sides["bm25"] = dossier_searcher(
            lambda q, n: search_index(index, q, limit=n, mode="keyword").hits, by_id
        )
        if semantic:
            sides["hybrid"] = dossier_searcher(
                lambda q, n: search_index(index, q, limit=n, mode="hybrid").hits, by_id
            )
    elif gold.questions:
        sides["bm25"] = lambda q: []
    if gold.questions:
        sides["baseline"] = Baseline(sources.snapshots).results

    questions = [QuestionReport(q.q, list(q.expect), q.answer) for q in gold.questions]
    retrieval: dict[str, dict[str, float]] = {}
    for side, searcher in sides.items():
        scores = score_questions(gold.questions, searcher)
        for report, score in zip(questions, scores, strict=True):
            report.sides[side] = score
        retrieval[side] = figures(scores)

    extraction = (
        score_extraction([Extracted.of(c) for c in concepts], gold) if gold.concepts else None
    )
    warnings = (
        len(validate_bundle(ctx.bundle_dir).warnings) if ctx.bundle_dir.is_dir() else 0
    )
    health = measure_health(concepts, len(sources), warnings)
    return EvalReport(
        tenant=ctx.client_id,
        gold=gold.path,
        gold_sha256=digest,
        sides=list(sides),
        questions=questions,
        retrieval=retrieval,
        extraction=extraction,
        health=health,
        seconds=time.perf_counter() - started,
    )
