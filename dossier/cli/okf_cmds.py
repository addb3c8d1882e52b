"""``dossier validate``: check an OKF bundle for conformance (SPEC §11) and softer issues."""

from __future__ import annotations

from pathlib import Path

import typer

from dossier.cli.output import console, handle_errors, print_json, styled
from dossier.errors import UsageError

VALIDATE_HELP = (
    "Validate an OKF v0.2 bundle: conformance errors and softer warnings, grouped by file."
    "\n\n"
    "Errors are conformance failures (a concept without parseable frontmatter or without a "
    "non-empty type, a log.md date heading not in YYYY-MM-DD form, unreadable, non-UTF-8 or "
    "oversized files). Warnings are everything softer: missing title or description, broken "
    "links, footnotes that match no source id, stale concepts, malformed actors or timestamps."
    "\n\n"
    "Exit code 0 when there are no errors, 1 when there are, 2 when PATH is not a directory "
    "or is a tenant folder rather than its bundle. "
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

    _refuse_tenant_folder(path)
    report = validate_bundle(path)
    if json_output:
        print_json(report.to_dict())
    else:
        current: str | None = None
        for finding in report.findings:
            if finding.path != current:
                current = finding.path
                console.print(styled(current, "bold"))
            colour = "red" if finding.severity == "error" else "yellow"
            where = f"{finding.line}" if finding.line is not None else "-"
            console.print(f"  {where:>5} ", styled(f"{finding.severity:<7}", colour),
                          f"{finding.code}  {finding.message}")
        verdict = styled("conformant", "green") if report.ok else styled("not conformant", "red")
        console.print(
            f"{path}: {report.concepts} concepts, {len(report.errors)} errors, "
            f"{len(report.warnings)} warnings —", verdict
        )
    if not report.ok:
        raise typer.Exit(1)


def _refuse_tenant_folder(path: Path) -> None:
    """Point at the bundle when PATH is a tenant folder (its git root), not a bundle.

    Validating the tenant folder would read sources/, runs/ and the manifest as concepts
    and bury the user in findings that mean nothing.
    """
    from dossier.tenancy.context import MANIFEST_NAME

    bundle = path / "bundle"
    if (path / MANIFEST_NAME).is_file() and bundle.is_dir():
        raise UsageError(
            f"{path} is a Dossier tenant folder, not a bundle; its bundle is {bundle} "
            f"(dossier validate {bundle})"
        )


def register(app: typer.Typer) -> None:
    """Attach the OKF commands to the root app."""
    app.command("validate", help=VALIDATE_HELP)(validate)
