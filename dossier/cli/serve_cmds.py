"""Serve commands: ``serve-mcp``, ``search``, ``index``.

Thin adapters over :mod:`dossier.serve`.  ``search`` calls the same function as
the MCP tool ``search_concepts``, so both give the same hits.  In stdio mode
``serve-mcp`` writes nothing but MCP messages to stdout; every human line goes to
stderr.  The serve layer (LanceDB, the mcp SDK) is imported inside each command.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dossier.cli.options import JsonOption, RootOption, TenantArgument
from dossier.cli.output import console, err_console, handle_errors, print_json, styled

if TYPE_CHECKING:
    from dossier.serve.models import SearchHit
    from dossier.tenancy import TenantContext

#: Environment variable for the HTTP bearer token (same name as dossier.serve.httpconfig).
TOKEN_ENV = "DOSSIER_MCP_TOKEN"


class TransportChoice(StrEnum):
    """The two MCP transports, offered as a choice in --help and completion."""

    stdio = "stdio"
    http = "streamable-http"


SEMANTIC_NOTE = "needs pip install 'dossier\\[semantic]'"

SERVE_HELP = (
    "Serve one tenant's knowledge bundle over MCP."
    "\n\n"
    "The server is bound to this tenant for its whole life: no tool takes a tenant argument, "
    "so an agent can only ever read this client's bundle. Tools: search_concepts, get_concept, "
    "get_related, list_concepts, get_concept_history; resources okf://index and "
    "okf://<concept_id>. In stdio mode stdout carries only MCP messages; logs go to stderr."
    "\n\n"
    "Over streamable-http every request's Host (and browser Origin) must name the bind "
    "address or an --allow-host; with a token set, requests without it get 401; each "
    "client address may hold --max-sessions sessions, and idle sessions close after "
    "--idle-timeout seconds. A port that cannot be bound exits 1 before anything is served."
)
SEARCH_HELP = (
    "Search a tenant's concepts, with the same ranking as the MCP tool search_concepts."
    "\n\n"
    "Keyword (BM25) search over titles, descriptions, tags and bodies; reviewed, current "
    "concepts win ties, deprecated and stale ones are demoted. The index is brought up to "
    "date first, so results reflect the latest commit."
)
INDEX_HELP = (
    "Bring a tenant's search index up to date with its bundle; report counts and time."
    "\n\n"
    "The index lives in the tenant's gitignored .dossier/index folder: a cache that search "
    "and the MCP server keep current on their own. Without --rebuild every concept file is "
    "compared with the index and only changed ones are re-read."
)


def _tenant(client_id: str, root: Path | None) -> TenantContext:
    """The tenant, through the registry's own gates (without loading the registry: a
    search is a fresh process, and the manifest's models are not needed to read one)."""
    from dossier.tenancy.lookup import find_tenant

    return find_tenant(root, client_id)


@handle_errors
def serve_mcp(
    client_id: TenantArgument,
    root: RootOption = None,
    transport: Annotated[
        TransportChoice,
        typer.Option(
            "--transport",
            case_sensitive=False,
            help="stdio (default; for Claude Desktop/Code and the inspector) or "
            "streamable-http (a long-running HTTP server at http://HOST:PORT/mcp).",
        ),
    ] = TransportChoice.stdio,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to bind for streamable-http. Beyond loopback a token is required.",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port for streamable-http.")
    ] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar=TOKEN_ENV,
            show_envvar=True,
            show_default=False,
            help="Bearer token every HTTP request must carry (Authorization: Bearer ...). "
            "Required when --host is not a loopback address. Prefer the environment "
            "variable: a command line is visible to other users.",
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            show_default=False,
            help="Also accept this Host header (NAME, NAME:PORT), e.g. a reverse proxy's "
            "public name; repeatable. The bind address is always accepted.",
        ),
    ] = None,
    allow_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-origin",
            show_default=False,
            help="Also accept this browser Origin (https://NAME[:PORT]); repeatable.",
        ),
    ] = None,
    max_sessions: Annotated[
        int | None,
        typer.Option(
            "--max-sessions",
            min=1,
            show_default=False,
            # the defaults are stated, not imported: dossier.serve is too slow to load for --help
            help="Open sessions allowed per client address (default 16); more get HTTP 429.",
        ),
    ] = None,
    idle_timeout: Annotated[
        float | None,
        typer.Option(
            "--idle-timeout",
            min=1,
            show_default=False,
            help="Seconds a session may sit with no request in flight before it is closed "
            "(default 600).",
        ),
    ] = None,
    allow_writes: Annotated[
        bool,
        typer.Option(
            "--allow-writes",
            help="Add the tools through which an agent records knowledge (propose_concept, "
            "record_decision, record_note, amend_concept, deprecate_concept). Each write is a "
            "draft owned by agent:NAME and its own commit; review with 'dossier review'.",
        ),
    ] = False,
    agent_name: Annotated[
        str,
        typer.Option("--agent-name", help="NAME in agent:NAME, the owner of what agents write."),
    ] = "mcp",
) -> None:
    """Serve one tenant over MCP (see SERVE_HELP)."""
    from dossier.serve import HttpConfig, run_server
    from dossier.serve.httpconfig import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_SESSIONS
    from dossier.serve.writes import check_actor_name

    http: HttpConfig | None = None
    if transport == "streamable-http":
        http = HttpConfig(
            host=host,
            port=port,
            token=token,
            allow_hosts=tuple(allow_host or ()),
            allow_origins=tuple(allow_origin or ()),
            max_sessions=DEFAULT_MAX_SESSIONS if max_sessions is None else max_sessions,
            idle_timeout=DEFAULT_IDLE_TIMEOUT if idle_timeout is None else idle_timeout,
        )
    ctx = _tenant(client_id, root)
    check_actor_name(agent_name)

    if http is None:
        err_console.print(f"dossier: serving tenant {ctx.client_id} over stdio")
        run_server(ctx, "stdio", allow_writes=allow_writes, agent_name=agent_name)
        return
    config = http

    def announce(url: str) -> None:
        if not config.loopback:
            err_console.print(
                styled("warning:", "yellow"),
                f"{config.host} is reachable from the network and plain HTTP is unencrypted: "
                "put a TLS-terminating proxy in front",
            )
        err_console.print(f"dossier: serving tenant {ctx.client_id} at {url}")

    run_server(ctx, "streamable-http", http=config, on_listening=announce,
               allow_writes=allow_writes, agent_name=agent_name)


@handle_errors
def search_cmd(
    client_id: TenantArgument,
    query: Annotated[str, typer.Argument(help="Words to search for.")],
    root: RootOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Hits to show (1-100).")] = 10,
    type_: Annotated[
        str | None,
        typer.Option("--type", help="Only concepts of this OKF type.", show_default=False),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", help="Only concepts with this tag (repeatable: all must match).",
            show_default=False,
        ),
    ] = None,
    semantic: Annotated[
        bool,
        typer.Option(
            "--semantic",
            help=f"Hybrid search: BM25 fused with sentence embeddings ({SEMANTIC_NOTE}).",
        ),
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Search one tenant (see SEARCH_HELP)."""
    from dossier.serve import search

    ctx = _tenant(client_id, root)
    hits = search(
        ctx, query, limit=limit, type=type_, tags=tag or None,
        mode="hybrid" if semantic else "keyword",
    )
    if json_out:
        print_json([hit.model_dump() for hit in hits])
        return
    if not hits:
        console.print(f"No concepts match {query!r} in tenant {ctx.client_id}.")
        return
    for rank, hit in enumerate(hits, start=1):
        flags = [hit.trust_tier, hit.status] + (["stale"] if hit.stale else [])
        console.print(
            styled(f"{rank}. {hit.title}", "bold"), "", styled(hit.id, "cyan"),
            f" ({hit.type}; {', '.join(flags)}; score {hit.score:.3f})",
        )
        if hit.snippet:
            console.print(f"   {hit.snippet}")
        where = _provenance(hit)
        if where:
            console.print(styled(f"   {where}", "dim"))


def _provenance(hit: SearchHit) -> str:
    """Where the snippet sits and what it cites: ``§ Heading › Sub · sources/x.md:12-30``,
    and ``(original lines 236-238)`` for a converted source whose original numbers its
    lines differently."""
    parts = []
    if hit.passage is not None and hit.passage.heading:
        parts.append("§ " + " › ".join(hit.passage.heading))
    if hit.citation is not None:
        cite = hit.citation
        lines = ""
        if cite.line_start is not None:
            lines = ":" + _range(cite.line_start, cite.line_end)
        if cite.original_line_start is not None:
            first, last = cite.original_line_start, cite.original_line_end
            word = "line" if last in (None, first) else "lines"
            lines += f" (original {word} {_range(first, last)})"
        parts.append(f"source {cite.path}{lines}")
    return " · ".join(parts)


def _range(start: int, end: int | None) -> str:
    return str(start) if end is None or end == start else f"{start}-{end}"


@handle_errors
def index_cmd(
    client_id: TenantArgument,
    root: RootOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Discard the index and build it from the bundle.")
    ] = False,
    semantic: Annotated[
        bool,
        typer.Option(
            "--semantic",
            help=f"Also compute sentence embeddings for hybrid search ({SEMANTIC_NOTE}).",
        ),
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Sync or rebuild one tenant's index (see INDEX_HELP)."""
    import time

    from dossier.serve import SearchIndex, get_embedder

    ctx = _tenant(client_id, root)
    index = SearchIndex(ctx)
    report = index.rebuild() if rebuild else index.sync(full=True)
    embedded: int | None = None
    if semantic:
        started = time.perf_counter()
        embedded = index.sync_vectors(get_embedder())
        report.seconds = round(report.seconds + time.perf_counter() - started, 4)
    if json_out:
        data = report.model_dump()
        if embedded is not None:
            data["embedded"] = embedded
        print_json(data)
        return
    verb = "Rebuilt" if report.rebuilt else "Synced"
    console.print(
        f"{verb} the index of {ctx.client_id}: {report.concepts} concepts "
        f"({report.upserted} indexed, {report.removed} removed) in {report.seconds:.2f}s"
        + (f"; {embedded} embedded" if embedded is not None else "")
    )
    for problem in report.skipped:
        err_console.print(styled("skipped", "yellow"), problem)


def register(app: typer.Typer) -> None:
    """Attach ``serve-mcp``, ``search`` and ``index`` to the root app."""
    app.command("serve-mcp", help=SERVE_HELP)(serve_mcp)
    app.command("search", help=SEARCH_HELP)(search_cmd)
    app.command("index", help=INDEX_HELP)(index_cmd)
