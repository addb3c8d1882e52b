"""``dossier eval``: measure a tenant's bundle against its gold set, or show the figures' history.

A thin adapter over :func:`dossier.evals.tenant_eval.evaluate_tenant`; rendering
(rich tables, or ``--json``) lives here.  Needs no network and no key.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dossier.cli.options import JsonOption, RootOption, TenantArgument
from dossier.cli.output import console, handle_errors, print_json, styled
from dossier.errors import DossierError, UsageError

if TYPE_CHECKING:
    from rich.text import Text

    from dossier.evals.tenant_eval import EvalReport
    from dossier.tenancy import TenantContext

#: Figures shown in ``dossier history``'s quality column and ``eval --history``.
HEADLINE = ("hit@5", "answer@5", "mrr", "baseline.answer@5", "concept_recall", "stub_share")
_SIDE_NAMES = {"bm25": "Dossier BM25", "hybrid": "Dossier hybrid", "baseline": "raw BM25"}


class GoldExistsError(DossierError):
    """``--init`` would overwrite a gold file someone wrote."""


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"
    return str(value)


def quality_cell(metrics: dict[str, float | None] | None) -> str:
    """The ``dossier history`` quality column: a few headline figures, or '-'."""
    if not metrics:
        return "-"
    shown = [(name, metrics.get(name)) for name in ("answer@5", "mrr", "concept_recall")]
    return " ".join(f"{name} {_fmt(value)}" for name, value in shown if value is not None) or "-"


def _rank(value: int | None) -> str:
    return "-" if value is None else str(value)


def _verdict(dossier: Any, baseline: Any) -> Text | str:
    """Does the bundle beat raw BM25 on this question? Answer rank first, then hit rank."""

    def key(score: Any) -> tuple[int, int]:
        return (score.answer_rank or 99, score.hit_rank or 99)

    ours, theirs = key(dossier), key(baseline)
    if ours < theirs:
        return styled("beats", "green")
    if ours > theirs:
        return styled("loses", "red")
    return "ties"


def _render(report: EvalReport) -> None:
    from rich.table import Table

    metrics = report.metrics()
    if report.retrieval:
        table = Table(title=f"{report.tenant}: retrieval ({len(report.questions)} questions)")
        table.add_column("figure")
        for side in report.retrieval:
            table.add_column(_SIDE_NAMES.get(side, side), justify="right")
        for name in next(iter(report.retrieval.values())):
            table.add_row(name, *(_fmt(report.retrieval[s][name]) for s in report.retrieval))
        console.print(table)
        per = Table(title="per question: rank of first hit / first answer (- = not in top 10)")
        per.add_column("#", justify="right")
        per.add_column("question", overflow="fold", max_width=60)
        for side in report.retrieval:
            per.add_column(_SIDE_NAMES.get(side, side), justify="center")
        per.add_column("bundle vs raw")
        for number, question in enumerate(report.questions, start=1):
            cells = [
                f"{_rank(question.sides[s].hit_rank)} / {_rank(question.sides[s].answer_rank)}"
                for s in report.retrieval
            ]
            per.add_row(str(number), question.q, *cells,
                        _verdict(question.sides["bm25"], question.sides["baseline"]))
        console.print(per)
    if report.extraction is not None:
        ex = report.extraction
        table = Table(title="extraction")
        table.add_column("figure")
        table.add_column("value", justify="right")
        table.add_column("of")
        table.add_row("concept_recall", _fmt(metrics["concept_recall"]),
                      f"{ex.found_concepts}/{ex.gold_concepts} gold concepts")
        table.add_row("concept_recall_by_lines", _fmt(metrics["concept_recall_by_lines"]),
                      f"{ex.found_by_lines}/{ex.gold_concepts}, or of its type at its lines")
        table.add_row("type_accuracy", _fmt(metrics["type_accuracy"]),
                      f"of {ex.found_concepts} found")
        table.add_row("source_accuracy", _fmt(metrics["source_accuracy"]),
                      f"{ex.cites_source}/{ex.sourced} found with gold sources")
        table.add_row("line_accuracy", _fmt(metrics["line_accuracy"]),
                      f"{ex.cites_lines}/{ex.sourced}")
        if "link_recall" in metrics:
            table.add_row("link_recall", _fmt(metrics["link_recall"]),
                          f"{ex.found_links}/{ex.gold_links} gold links")
        console.print(table)
        for miss in ex.misses[:10]:
            console.print(styled("missed concept", "yellow"), miss)
        if len(ex.misses) > 10:
            console.print(styled(f"… and {len(ex.misses) - 10} more missed", "yellow"))
    health = report.health
    table = Table(title=f"health ({health.concepts} concepts, {health.sources} sources)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in health.metrics().items():
        table.add_row(name, _fmt(value))
    console.print(table)
    for concept_id in health.broad[:5]:
        console.print(styled("broad concept", "yellow"), concept_id)
    console.print(f"evaluated in {report.seconds:.2f} s against {report.gold}")


def _init(ctx: TenantContext, target: Path | None) -> None:
    from dossier.evals.template import GOLD_TEMPLATE
    from dossier.evals.tenant_eval import TENANT_GOLD
    from dossier.fsutil import atomic_write_text

    path = target if target is not None else ctx.confine(TENANT_GOLD)
    if path.exists():
        raise GoldExistsError(f"{path} already exists; edit it, or move it away first")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, GOLD_TEMPLATE)
    console.print(f"wrote an example gold set to {path}; replace the examples with "
                  "your own questions and concepts, then run: dossier eval " + ctx.client_id)


def _history(ctx: TenantContext, json_out: bool) -> None:
    from dossier.runtime.eval_history import figures_by_run
    from dossier.tenancy import TenantRepo

    iterations = TenantRepo(ctx).iterations()
    figures = figures_by_run(ctx, iterations)
    rows: list[dict[str, Any]] = [
        {"run_id": it.run_id, "commit": it.sha, "date": it.date,
         "gold_sha256": figures[it.run_id].gold_sha256, "metrics": figures[it.run_id].metrics}
        for it in reversed(iterations) if it.run_id in figures
    ]
    if json_out:
        print_json({"tenant": ctx.client_id, "history": rows})
        return
    if not rows:
        console.print(f"{ctx.client_id}: no evaluated iterations yet (the loop records figures "
                      "when the tenant has evals/gold.yaml, or runs with --gate)")
        return
    from rich.table import Table

    table = Table(title=f"{ctx.client_id}: eval figures over time (oldest first)")
    table.add_column("date")
    table.add_column("run id")
    for name in HEADLINE:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(str(row["date"])[:19], str(row["run_id"]),
                      *(_fmt(row["metrics"].get(name)) for name in HEADLINE))
    console.print(table)


@handle_errors
def eval_command(
    tenant: TenantArgument,
    gold: Annotated[
        Path | None,
        typer.Option("--gold", help="Gold file to use (default: the tenant's evals/gold.yaml).",
                     show_default=False),
    ] = None,
    semantic: Annotated[
        bool,
        typer.Option("--semantic", help="Also measure hybrid search (needs dossier[semantic])."),
    ] = False,
    init: Annotated[
        bool,
        typer.Option("--init", help="Write a commented example gold file and exit."),
    ] = False,
    history: Annotated[
        bool,
        typer.Option("--history", help="Show the figures recorded by past loop iterations."),
    ] = False,
    root: RootOption = None,
    json_out: JsonOption = False,
) -> None:
    """Measure a tenant's bundle: retrieval vs raw BM25, extraction, structural health.

    Questions and concepts come from the tenant's evals/gold.yaml (or --gold FILE);
    docs/evals.md defines every figure. Needs no network and no key.
    """
    from dossier.tenancy import Registry

    if init and history:
        raise UsageError("--init and --history cannot be combined")
    ctx = Registry(root).get(tenant)
    if init:
        _init(ctx, gold)
        return
    if history:
        _history(ctx, json_out)
        return
    from dossier.evals.tenant_eval import evaluate_tenant

    if gold is not None and not gold.is_file():
        raise UsageError(f"gold file {gold} not found")
    report = evaluate_tenant(ctx, gold, semantic=semantic)
    if json_out:
        print_json(report.to_dict())
    else:
        _render(report)


def register(app: typer.Typer) -> None:
    """Attach ``dossier eval`` to the root app."""
    app.command("eval")(eval_command)
