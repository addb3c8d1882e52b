"""Tenant commands: provision, tenants list/show, deprovision, restore.

Thin adapters over :mod:`dossier.tenancy`: parse options, call the registry,
render a table / key-value text or ``--json``.  The tenancy layer is imported
inside each command (it pulls in pydantic and yaml), keeping ``--help`` fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dossier.cli.options import JsonOption, LockTimeoutOption, RootOption
from dossier.cli.output import console, handle_errors, print_error, print_json, styled

if TYPE_CHECKING:
    from dossier.tenancy import Registry



def _registry(root: Path | None, lock_timeout: float | None = None) -> Registry:
    from dossier.tenancy import Registry

    return Registry(root, lock_timeout=lock_timeout)


def _stdin_is_terminal() -> bool:
    """Whether a person can answer a prompt (a separate function so tests can say yes)."""
    return sys.stdin.isatty()


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "-"


@handle_errors
def provision(
    client_id: Annotated[str, typer.Argument(help="Tenant id: lowercase a-z, 0-9, '-', '_'.")],
    root: RootOption = None,
    source: Annotated[
        list[Path] | None,
        typer.Option(
            "--source",
            help="A file or folder of the client's material (repeatable); stored as an "
            "absolute path in the manifest.",
            show_default=False,
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="Display name (default: the client id).", show_default=False),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Create a tenant: its own git repository with a manifest and an empty OKF bundle.

    Running the same command again is a no-op ("already provisioned"); a different
    --name or --source set for an existing tenant is an error that changes nothing.
    """
    from dossier.tenancy import TenantRepo

    registry = _registry(root)
    outcome = registry.ensure(client_id, name=name, sources=source or [])
    ctx = outcome.ctx
    head = TenantRepo(ctx).head()
    status = "provisioned" if outcome.created else "already provisioned"
    if json_out:
        print_json(
            {"client_id": ctx.client_id, "path": str(ctx.path), "created": outcome.created,
             "status": status, "head": head}
        )
        return
    if outcome.created:
        console.print(f"Provisioned tenant {ctx.client_id} at {ctx.path} (commit {_short(head)})")
    else:
        console.print(f"Tenant {ctx.client_id} is already provisioned at {ctx.path}; "
                      "nothing changed")


@handle_errors
def list_tenants(root: RootOption = None, json_out: JsonOption = False) -> None:
    """List every tenant: name, concepts, last loop commit and date, last run status."""
    from rich.table import Table

    registry = _registry(root)
    rows = registry.list()
    if json_out:
        print_json([row.to_dict() for row in rows])
        return
    if not rows:
        console.print(f"No tenants under {registry.root}.")
        return
    table = Table(title=f"Tenants under {registry.root}")
    for column in ("id", "name", "concepts", "last loop commit", "date", "last run"):
        table.add_column(column, justify="right" if column == "concepts" else "left")
    for row in rows:
        if row.problem:
            table.add_row(row.client_id, styled(row.problem, "red"), "-", "-", "-", "-")
            continue
        table.add_row(
            row.client_id,
            row.display_name or "",
            str(row.concepts),
            _short(row.last_loop_commit),
            row.last_loop_date or "-",
            row.last_run_status or "-",
        )
    console.print(table)


@handle_errors
def show_tenant(
    client_id: Annotated[str, typer.Argument(help="Tenant id.")],
    root: RootOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show one tenant: manifest, paths, sources, concepts, head and last iteration."""
    info = _registry(root).show(client_id)
    data = info.to_dict()
    if json_out:
        print_json(data)
        return
    manifest = data["manifest"]
    lines: list[tuple[str, Any]] = [
        ("tenant", info.ctx.client_id),
        ("name", manifest["display_name"]),
        ("path", data["paths"]["tenant"]),
        ("bundle", data["paths"]["bundle"]),
        ("created", manifest["created_at"]),
        ("orchestrator", manifest["orchestrator"]),
        ("extractor", manifest["extractor"]),
        ("max source bytes", manifest["max_source_bytes"]),
        ("entity patterns", ", ".join(manifest["entity_patterns"]) or "-"),
        ("concepts", data["concepts"]),
        ("head", data["head"] or "-"),
    ]
    last = info.last_iteration
    lines.append(("last iteration",
                  f"{last.run_id} {_short(last.sha)} {last.date}" if last else "-"))
    run = info.last_run
    lines.append(("last run", f"{run.run_id} ({run.status or 'no status'})" if run else "-"))
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        console.print(f"{key:<{width}}  {value}")
    console.print("sources" + ("" if info.manifest.sources else "  -"))
    for src in info.manifest.sources:
        console.print(f"  {src.path}  (added {src.added_at})")


@handle_errors
def deprovision(
    client_id: Annotated[str, typer.Argument(help="Tenant id.")],
    root: RootOption = None,
    archive: Annotated[
        str | None,
        typer.Option(
            "--archive",
            help="Where to write the git-bundle archive: a file, or a folder (existing, or "
            "ending in '/') for the default name; never inside the workspace. "
            "Default: <root>/.archive/<id>-<UTC timestamp>.bundle.",
            show_default=False,
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Deprovision even with uncommitted changes (they are lost)."),
    ] = False,
    lock_timeout: LockTimeoutOption = None,
    json_out: JsonOption = False,
) -> None:
    """Archive a tenant's whole git history, verify the archive, then delete the tenant.

    The archive restores with 'dossier restore'.  Asks for confirmation on a
    terminal; elsewhere --yes is required.
    """
    registry = _registry(root, lock_timeout)
    ctx = registry.get(client_id)
    if not yes:
        if not _stdin_is_terminal():
            print_error(
                f"refusing to deprovision tenant {client_id} without confirmation: "
                "stdin is not a terminal, pass --yes"
            )
            raise typer.Exit(2)
        if not typer.confirm(
            f"Archive and then delete tenant {client_id} at {ctx.path}?", default=False
        ):
            print_error("aborted; nothing changed")
            raise typer.Exit(1)
    target = registry.deprovision(client_id, archive, force=force)
    if json_out:
        print_json({"client_id": client_id, "archive": str(target), "removed": str(ctx.path)})
        return
    console.print(f"Archived tenant {client_id} to {target} (verified) and removed {ctx.path}")
    console.print(f"Restore it with: dossier restore {target} --root {registry.root}")


@handle_errors
def restore(
    archive: Annotated[Path, typer.Argument(help="A .bundle archive written by deprovision.")],
    root: RootOption = None,
    as_id: Annotated[
        str | None,
        typer.Option("--as", help="Restore under this client id (one extra commit renames it).",
                     show_default=False),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Re-create a tenant from its archive, with the identical git history.

    Refused without creating anything when the archive is corrupt, truncated or not
    a Dossier tenant, or when the tenant id already exists.
    """
    from dossier.tenancy import TenantRepo

    ctx = _registry(root).restore(archive, as_id=as_id)
    head = TenantRepo(ctx).head()
    if json_out:
        print_json({"client_id": ctx.client_id, "path": str(ctx.path), "head": head,
                    "archive": str(archive)})
        return
    console.print(f"Restored tenant {ctx.client_id} at {ctx.path} (head {_short(head)})")


def register(app: typer.Typer) -> None:
    """Attach the tenant commands to the root app."""
    app.command("provision")(provision)
    app.command("deprovision")(deprovision)
    app.command("restore")(restore)
    tenants = typer.Typer(
        help="List and inspect tenants.", no_args_is_help=True, add_completion=False
    )
    tenants.command("list")(list_tenants)
    tenants.command("show")(show_tenant)
    app.add_typer(tenants, name="tenants")
