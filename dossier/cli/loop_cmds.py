"""Loop commands: ingest, run-loop, history, quickstart.

Thin adapters over :mod:`dossier.runtime`: they resolve tenants, start the
iteration(s), show progress (a live rich display on a terminal, plain lines
otherwise) and render a summary table or ``--json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dossier.cli.options import JsonOption, LockTimeoutOption, RootOption, TenantArgument
from dossier.cli.output import console, err_console, handle_errors, print_json, styled
from dossier.errors import UsageError

if TYPE_CHECKING:
    from dossier.runtime.records import RunRecord

OrchestratorOption = Annotated[
    str | None,
    typer.Option(
        "--orchestrator",
        help="Orchestrator to drive the loop (default: the tenant manifest's 'orchestrator').",
        show_default=False,
    ),
]


def _ok(record: RunRecord) -> bool:
    return record.status in ("committed", "up-to-date", "dry-run")


def _summary_row(record: RunRecord) -> dict[str, Any]:
    counts = record.counts
    return {
        "tenant": record.client_id,
        "run_id": record.run_id,
        "status": record.status,
        "message": record.message,
        "added": counts.added,
        "updated": counts.updated,
        "removed": counts.removed,
        "sources": counts.sources,
        "skipped": [s.model_dump() for s in record.skipped],
        "protected": [p.model_dump() for p in record.protected],
        "dropped": [d.model_dump() for d in record.dropped],
        "missing_locations": record.missing_locations,
        "refused_locations": [r.model_dump() for r in record.refused_locations],
        "commit": record.commit,
        "stages": [s.model_dump() for s in record.stages],
        "errors": record.errors,
        "evals": record.evals.model_dump() if record.evals else None,
        "concepts": record.concepts.model_dump(),
        "usage": record.usage.model_dump() if record.usage else None,
        "notes": record.notes,
    }


def _print_summary(records: list[RunRecord]) -> None:
    from rich.table import Table

    table = Table(title="run-loop", show_lines=False)
    for column in ("tenant", "status", "+", "~", "-", "sources", "skipped", "commit", "seconds"):
        table.add_column(column, justify="right" if column in "+~-" else "left")
    for record in records:
        seconds = sum(s.seconds for s in record.stages)
        style = "green" if _ok(record) else "red"
        table.add_row(
            record.client_id,
            styled(record.status, style),
            str(record.counts.added),
            str(record.counts.updated),
            str(record.counts.removed),
            str(record.counts.sources),
            str(len(record.skipped)),
            (record.commit or "-")[:12],
            f"{seconds:.2f}",
        )
    console.print(table)
    for record in records:
        for skip in record.skipped:
            console.print(styled("skipped", "yellow"),
                          f"{record.client_id}: {skip.path} — {skip.reason}")
        for missing in record.missing_locations:
            console.print(styled("missing source location", "yellow"),
                          f"{record.client_id}: {missing}")
        for refused in record.refused_locations:
            console.print(styled("refused source location", "red"),
                          f"{record.client_id}: {refused.path} — {refused.reason}; "
                          "nothing was read from it")
        for change in record.protected:
            console.print(styled("kept human/foreign/edited concept", "cyan"),
                          f"{record.client_id}: {change.concept_id} — {change.reason}")
        for dropped in record.dropped:
            console.print(styled("dropped proposed concept", "yellow"),
                          f"{record.client_id}: {dropped.concept_id} — {dropped.reason}")
        if record.status == "dry-run":
            for label, ids in (("would add", record.concepts.added),
                               ("would change", record.concepts.changed),
                               ("would remove", record.concepts.removed)):
                for concept_id in ids:
                    console.print(styled(label, "cyan"), f"{record.client_id}: {concept_id}")
            console.print(styled("dry run", "cyan"), f"{record.client_id}: {record.message}")
        if record.usage is not None:
            spend = _spend_text({"tokens": record.usage.total_tokens,
                                 "cost_usd": record.usage.cost_usd}).strip(" ()")
            console.print(styled("spend", "cyan"), f"{record.client_id}: {spend}")
            for chunk in record.usage.skipped_chunks:
                console.print(styled("skipped chunk", "yellow"),
                              f"{record.client_id}: {chunk.source_id} lines {chunk.lines} — "
                              f"{chunk.reason}")
            if record.usage.adjudication is not None:
                for pair in record.usage.adjudication.skipped_pairs:
                    console.print(styled("undecided pair", "yellow"),
                                  f"{record.client_id}: {pair.pair} — {pair.reason}")
        if not _ok(record):
            console.print(styled("failed", "red"), f"{record.client_id}: {record.message}")


def _run_with_display(
    root: Path,
    client_ids: list[str],
    orchestrator: str | None,
    jobs: int,
    lock_timeout: float | None,
    verify_hashes: bool,
    quiet: bool,
    gate: bool = False,
    dry_run: bool = False,
    extractor: str | None = None,
) -> list[RunRecord]:
    from dossier.runtime.batch import run_tenants
    from dossier.runtime.orchestrator import RUNNING, LoopOptions
    from dossier.tenancy import default_lock_timeout

    options = LoopOptions(
        lock_timeout=default_lock_timeout() if lock_timeout is None else lock_timeout,
        verify_hashes=verify_hashes,
        gate=gate,
        dry_run=dry_run,
        extractor=extractor,
    )
    if quiet:
        return run_tenants(root, client_ids, orchestrator=orchestrator, options=options,
                           jobs=jobs)
    if err_console.is_terminal:
        from rich.progress import Progress, SpinnerColumn, TextColumn

        with Progress(
            SpinnerColumn(), TextColumn("[bold]{task.fields[tenant]}"),
            TextColumn("{task.description}", markup=False), console=err_console, transient=True,
        ) as progress:
            tasks = {cid: progress.add_task("waiting", tenant=cid) for cid in client_ids}

            def on_event(client_id: str, stage: str, detail: str) -> None:
                text = stage if not detail else f"{stage}: {detail}"
                progress.update(tasks[client_id], description=text)
                if detail and not stage.endswith(RUNNING) and stage != "done":
                    # a finished stage keeps its line above the live display
                    progress.console.print(f"{client_id}: {text}", markup=False,
                                           highlight=False)

            return run_tenants(root, client_ids, orchestrator=orchestrator, options=options,
                               jobs=jobs, on_event=on_event)

    def plain(client_id: str, stage: str, detail: str) -> None:
        if detail:
            err_console.print(f"{client_id}: {stage}: {detail}")

    return run_tenants(root, client_ids, orchestrator=orchestrator, options=options, jobs=jobs,
                       on_event=plain)


@handle_errors
def run_loop(
    tenants: Annotated[
        list[str] | None,
        typer.Argument(help="Tenant ids to run (default: every tenant under the root).",
                       show_default=False),
    ] = None,
    root: RootOption = None,
    orchestrator: OrchestratorOption = None,
    extractor: Annotated[
        str | None,
        typer.Option("--extractor",
                     help="Extractor for this run instead of the manifest's "
                     "(deterministic, or claude with the dossier[claude] extra and a key).",
                     show_default=False),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, help="Tenants to run in parallel processes.")
    ] = 1,
    verify_hashes: Annotated[
        bool,
        typer.Option("--verify-hashes",
                     help="Hash every source even when its size and mtime are unchanged."),
    ] = False,
    lock_timeout: LockTimeoutOption = None,
    gate: Annotated[
        bool,
        typer.Option("--gate",
                     help="Evaluate before committing; an iteration below the manifest's "
                     "evals bars goes to dossier/rejected/<run_id>, not main."),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run",
                     help="Compute what the iteration would add, change and remove, then put "
                     "the tree back; nothing is committed."),
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Run one iteration of the learning loop (ingest → extract → OKF → commit) per tenant.

    Each iteration that changes anything is exactly one commit in the tenant's own
    repository, with a run record in runs/<run_id>.json. Nothing changed: no commit,
    and the run says "up to date". With --gate (or evals.gate in the manifest) an
    iteration that misses the eval bars is committed to dossier/rejected/<run_id>
    instead and main is unchanged. With --dry-run the iteration is computed, the
    concept ids it would add, change and remove are shown, and the tenant is put
    back as it was. Exit 0 when every tenant succeeded, 1 otherwise.
    """
    from dossier import plugins
    from dossier.runtime.batch import preflight
    from dossier.tenancy import Registry

    registry = Registry(root)
    if orchestrator is not None:
        plugins.load("orchestrator", orchestrator)  # unknown name: fails before anything
    if extractor is not None:
        plugins.load("extractor", extractor)  # unknown or not installed: fails before anything
    if tenants:
        client_ids = [registry.get(t).client_id for t in tenants]
    else:
        client_ids = [row.client_id for row in registry.list() if row.problem is None]
        if not client_ids:
            raise UsageError(f"no tenants under {registry.root}; create one with "
                             "'dossier provision <client_id> --source PATH'")
    # Unknown plugins, missing extras or keys, bad plugin settings: one clear error
    # before any tenant is touched.
    preflight(registry.root, client_ids, orchestrator, extractor)
    records = _run_with_display(registry.root, client_ids, orchestrator, jobs, lock_timeout,
                                verify_hashes, quiet=json_out, gate=gate, dry_run=dry_run,
                                extractor=extractor)
    if json_out:
        print_json({"ok": all(_ok(r) for r in records),
                    "tenants": [_summary_row(r) for r in records]})
    else:
        _print_summary(records)
    if not all(_ok(r) for r in records):
        raise typer.Exit(1)


@handle_errors
def ingest(
    tenant: TenantArgument,
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders of the client's material.")
    ],
    root: RootOption = None,
    lock_timeout: LockTimeoutOption = None,
    json_out: JsonOption = False,
) -> None:
    """Register files or folders as sources of a tenant and snapshot them now.

    The locations are recorded in the tenant manifest; every later run-loop rescans
    them (new and changed files by sha256, removed files recorded). Unsupported,
    binary, undecodable or oversized files are skipped with the reason shown.
    """
    from dossier.runtime.ingest_sources import ingest_paths
    from dossier.tenancy import Registry

    ctx = Registry(root).get(tenant)
    result = ingest_paths(ctx, paths, lock_timeout=lock_timeout)
    if json_out:
        print_json(result.to_dict())
        return
    console.print(
        f"{ctx.client_id}: {len(result.added_locations)} location(s) registered, "
        f"{result.new} new, {result.changed} changed, {result.removed} removed, "
        f"{result.unchanged} unchanged source(s)"
        + (f"; commit {result.commit[:12]}" if result.commit else "; nothing to commit")
    )
    for path, reason in result.skipped:
        console.print(styled("skipped", "yellow"), f"{path} — {reason}")
    for path, reason in result.refused_locations:
        console.print(styled("refused source location", "red"),
                      f"{path} — {reason}; nothing was read from it")
    console.print("next: dossier run-loop " + ctx.client_id)


@handle_errors
def history(
    tenant: TenantArgument,
    concept: Annotated[
        str | None,
        typer.Option("--concept", help="Show the iterations that changed this concept id."),
    ] = None,
    root: RootOption = None,
    json_out: JsonOption = False,
) -> None:
    """List the tenant's loop iterations (from git trailers), or one concept's history."""
    from dossier.cli.eval_cmds import quality_cell
    from dossier.okf import Bundle
    from dossier.okf.errors import ConceptNotFoundError
    from dossier.runtime.eval_history import (
        read_record,
        rejected_figures,
        rejected_iterations,
    )
    from dossier.tenancy import Registry, TenantRepo

    ctx = Registry(root).get(tenant)
    repo = TenantRepo(ctx)
    rejected = []
    if concept is not None:
        path = Bundle(ctx.bundle_dir).path_for(concept)
        rows = repo.file_history(str(path.relative_to(ctx.path)))
        if not rows and not path.is_file():
            # A concept deleted since still has its history; one that never was is a typo.
            raise ConceptNotFoundError(
                f"tenant {ctx.client_id} has no concept {concept!r} and none in its history"
            )
    else:
        rows = repo.iterations()
        rejected = rejected_iterations(repo)
    data: list[dict[str, Any]] = []
    for it in rows:
        record = read_record(ctx, it.run_id)  # once: its evals and its concept ids
        data.append({
            "run_id": it.run_id, "commit": it.sha, "date": it.date, "summary": it.summary,
            "trailers": it.trailers, "status": "committed", "spend": _spend(it.trailers),
            "evals": record.evals.metrics if record and record.evals else None,
            "concepts": record.concepts.model_dump() if record else None,
        })
    for it in rejected:
        found = rejected_figures(repo, it)
        data.append({"run_id": it.run_id, "commit": it.sha, "date": it.date,
                     "summary": it.summary, "trailers": it.trailers, "status": "rejected",
                     "spend": _spend(it.trailers),
                     "evals": found.metrics if found else None, "concepts": None})
    data.sort(key=lambda row: str(row["date"]), reverse=True)
    if json_out:
        print_json({"tenant": ctx.client_id, "concept": concept, "iterations": data})
        return
    if not data:
        console.print(f"{ctx.client_id}: no loop iterations yet" +
                      (f" touched {concept}" if concept else ""))
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{ctx.client_id} history" + (f" of {concept}" if concept else ""))
    for column in ("date", "run id", "commit", "quality", "summary"):
        table.add_column(column)
    for row in data:
        summary = Text()
        if row["status"] == "rejected":
            summary.append("rejected", style="red")
            summary.append(f" (dossier/rejected/{row['run_id']}) ")
        summary.append(str(row["summary"]) + _spend_text(row["spend"]))
        table.add_row(str(row["date"]), str(row["run_id"] or "-"), str(row["commit"])[:12],
                      quality_cell(row["evals"]), summary)
    console.print(table)


def _spend(trailers: Any) -> dict[str, Any] | None:
    """Tokens and estimated USD of an iteration a metered extractor (claude) paid for."""
    if not isinstance(trailers, dict) or "Dossier-Tokens" not in trailers:
        return None
    try:
        tokens = int(trailers["Dossier-Tokens"])
        cost = float(trailers["Dossier-Cost-USD"]) if "Dossier-Cost-USD" in trailers else None
    except ValueError:
        return None
    return {"tokens": tokens, "cost_usd": cost}


def _spend_text(spend: dict[str, Any] | None) -> str:
    if spend is None:
        return ""
    cost = spend["cost_usd"]
    return f" ({spend['tokens']} tokens" + (f", ~${cost:.4f}" if cost is not None else "") + ")"


def default_fixture() -> Path:
    """The demo corpus, shipped inside the package (so a wheel install has it too)."""
    from dossier.demo import demo_corpus

    return demo_corpus()


@handle_errors
def quickstart(
    root: RootOption = None,
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="Folder to learn from (default: the bundled Acme demo).",
                     show_default=False),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Provision the demo tenant 'acme' from the bundled demo corpus, run the loop, show it."""
    from dossier.runtime.quickstart import run_quickstart

    source = corpus or default_fixture()
    if corpus is not None and not source.is_dir():
        raise UsageError(f"corpus folder {source} not found (--corpus needs a directory)")
    if not source.is_dir():
        raise UsageError(
            f"demo corpus not found at {source}; reinstall Dossier (the package ships it) "
            "or pass --corpus DIR"
        )
    summary = run_quickstart(root, source)
    if json_out:
        print_json(summary.to_dict())
    else:
        summary.render(console)
    if not summary.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach the loop commands to the root app."""
    app.command("ingest")(ingest)
    app.command("run-loop")(run_loop)
    app.command("history")(history)
    app.command("quickstart")(quickstart)


