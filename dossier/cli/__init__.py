"""The ``dossier`` command line.

The CLI is a package with one small module per command group; each module exposes
``register(app)`` and stays a thin adapter over the layers.  Heavy libraries are
imported inside command functions so ``dossier --help`` starts quickly.
"""

from __future__ import annotations

import sys

import typer

from dossier import __version__
from dossier.cli import (
    eval_cmds,
    graph_cmds,
    import_cmds,
    loop_cmds,
    okf_cmds,
    review_cmds,
    serve_cmds,
    tenant_cmds,
)
from dossier.cli.output import print_error
from dossier.errors import DossierError

app = typer.Typer(
    name="dossier",
    help=(
        "Dossier turns a client's raw material into an OKF v0.2 knowledge bundle in the "
        "client's own git repository, and serves it to agents over MCP.\n\n"
        "Typical flow: dossier provision acme --source ./notes → dossier run-loop acme → "
        "dossier serve-mcp acme."
    ),
    no_args_is_help=True,
    # Help strings are plain text: "dossier[semantic]" must not be read as rich markup.
    rich_markup_mode=None,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"dossier {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version_callback,
        is_eager=True,
    ),
) -> None:
    """Dossier: per-tenant, git-backed OKF knowledge."""


for _module in (okf_cmds, tenant_cmds, loop_cmds, serve_cmds, eval_cmds, review_cmds,
                graph_cmds, import_cmds):
    _module.register(app)


def main() -> None:
    """Console-script entry point: run the app, turning DossierErrors into clean exits."""
    try:
        app(standalone_mode=True)
    except DossierError as exc:  # pragma: no cover - typer re-raises only outside standalone
        print_error(str(exc))
        sys.exit(exc.exit_code)
