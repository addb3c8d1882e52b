"""``dossier validate``: check an OKF bundle for conformance (SPEC §11) and softer issues."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from dossier.cli.output import console, handle_errors, print_json

VALIDATE_HELP = (
    "Validate an OKF v0.2 bundle: conformance errors and softer warnings, grouped by file."
    "\n\n"
    "Errors are conformance failures (a concept without parseable frontmatter or without a "
    "non-empty type, a log.md date heading not in YYYY-MM-DD form, unreadable, non-UTF-8 or "
    "oversized files). Warnings are everything softer: missing title or description, broken "
    "links, footnotes that match no source id, stale concepts, malformed actors or timestamps."
    "\n\n"
    "Exit code 0 when there are no errors, 1 when there are, 2 when PATH is not a directory. "
    "Rule codes are listed in docs/okf.md."
)


@handle_errors
def validate(
    path: Path = typer.Argument(
        ..., help="Bundle root directory (the folder holding the root index.md)."
    ),
    json_output: bool = typer.Option(
        False, "--json", help="Print {ok, errors, warnings, findings[]} as JSON instead of text."
    ),
) -> None:
    """Validate an OKF v0.2 bundle (see VALIDATE_HELP)."""
    from dossier.okf.validate import validate_bundle

    report = validate_bundle(path)
    if json_output:
        print_json(report.to_dict())
    else:
        current: str | None = None
        for finding in report.findings:
            if finding.path != current:
                current = finding.path
                console.print(f"[bold]{escape(current)}[/]")
            colour = "red" if finding.severity == "error" else "yellow"
            where = f"{finding.line}" if finding.line is not None else "-"
            console.print(
                f"  {where:>5}  [{colour}]{finding.severity:<7}[/] {finding.code}  "
                f"{escape(finding.message)}"
            )
        verdict = "[green]conformant[/]" if report.ok else "[red]not conformant[/]"
        console.print(
            f"{escape(str(path))}: {report.concepts} concepts, {len(report.errors)} errors, "
            f"{len(report.warnings)} warnings — {verdict}"
        )
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach the OKF commands to the root app."""
    app.command("validate", help=VALIDATE_HELP)(validate)
