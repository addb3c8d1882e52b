"""``dossier graph``: write a self-contained HTML picture of a tenant's concepts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dossier.cli.options import JsonOption, RootOption, TenantArgument
from dossier.cli.output import console, handle_errors, print_json

GRAPH_HELP = (
    "Write one HTML page showing a tenant's concepts as a graph."
    "\n\n"
    "Nodes are concepts coloured by type (the legend hides or shows a type), edges are the "
    "links between them. A search box highlights matching concepts (Enter opens the first); "
    "a click opens a concept with its description, links, body and the sources it cites. "
    "The page needs no network and no server: data, style and script are inline. By default "
    "it is written to the tenant's gitignored .dossier/graph.html."
)


@handle_errors
def graph_cmd(
    client_id: TenantArgument,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the page (an .html file).",
                     show_default=False),
    ] = None,
    root: RootOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write the tenant's concept graph as HTML (see GRAPH_HELP)."""
    from dossier.serve.graph import write_graph
    from dossier.tenancy import Registry

    ctx = Registry(root).get(client_id)
    target = output if output is not None else ctx.confine(ctx.cache_dir / "graph.html")
    summary = write_graph(ctx, target)
    if json_out:
        print_json(summary.to_dict())
        return
    console.print(
        f"Wrote {summary.path}: {summary.nodes} concepts, {summary.edges} links "
        f"({len(summary.types)} types). Open it in a browser; it needs no network."
    )


def register(app: typer.Typer) -> None:
    """Attach ``graph`` to the root app."""
    app.command("graph", help=GRAPH_HELP)(graph_cmd)
