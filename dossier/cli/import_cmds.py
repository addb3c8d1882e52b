"""``dossier import``: bring an existing OKF bundle into a tenant (docs/cli.md, docs/okf.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dossier.cli.options import JsonOption, LockTimeoutOption, RootOption, TenantArgument
from dossier.cli.output import console, handle_errors, print_json, styled

IMPORT_HELP = (
    "Import an existing OKF bundle into a tenant as one commit, and serve it."
    "\n\n"
    "Every file of the bundle is copied byte for byte: concepts, index.md files (section "
    "names, descriptions, entries) and log.md. PATH must lie outside the workspace; links "
    "in it are never followed (a symlink refuses the import) and nothing outside PATH is "
    "read. The commit carries a run record (runs/<run_id>.json) and the Dossier-Run-Id trailer."
    "\n\n"
    "A path the tenant already holds with other bytes (a concept a person or the loop wrote) "
    "is a conflict: nothing is imported and the paths are named. Afterwards the loop never "
    "rewrites the imported concepts and merges into their index.md and log.md files."
    "\n\n"
    "Exit code 0 on success (or when already imported), 1 when refused, 2 on a usage error. "
    "See docs/okf.md."
)


@handle_errors
def import_cmd(
    tenant: TenantArgument,
    path: Annotated[Path, typer.Argument(help="Folder of the OKF bundle to import (its root "
                                         "holds index.md or concept files).",
                                         show_default=False)],
    root: RootOption = None,
    lock_timeout: LockTimeoutOption = None,
    json_out: JsonOption = False,
) -> None:
    from dossier.runtime.importer import import_bundle
    from dossier.tenancy import Registry

    ctx = Registry(root).get(tenant)
    result = import_bundle(ctx, path, lock_timeout=lock_timeout)
    if json_out:
        print_json(result.to_dict())
        return
    if result.status == "up-to-date":
        console.print(styled("up to date", "green"),
                      f"{result.client_id}: the tenant already holds every file of "
                      f"{result.source}")
        return
    console.print(
        styled("imported", "green"),
        f"{result.client_id}: {result.concepts} concepts, {len(result.files_written)} files "
        f"from {result.source} in commit {(result.commit or '-')[:12]} "
        f"(run {result.run_id}); {result.warnings} validation warnings",
    )
    console.print(f"Next: dossier search {result.client_id} \"...\"  ·  "
                  f"dossier serve-mcp {result.client_id}")


def register(app: typer.Typer) -> None:
    app.command("import", help=IMPORT_HELP)(import_cmd)
