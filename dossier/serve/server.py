"""The MCP server of one tenant: tools and resources over its OKF bundle.

A server is bound to exactly one tenant when it is built.  No tool or resource
takes a tenant argument (extra arguments are ignored by the SDK), so a prompt
cannot steer it to another client's data; concept ids are confined to the
tenant's bundle by :class:`~dossier.serve.knowledge.KnowledgeBase`.  Foreseeable
failures (unknown id, bad limit, missing extra) become ``ToolError`` messages
the model can act on; the tenant's absolute paths are masked out of them.

This module imports the mcp SDK at import time; import it lazily (``dossier.serve``
does) so the CLI starts fast.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from pydantic import Field

from dossier import __version__
from dossier.errors import DossierError
from dossier.okf import ConceptNotFoundError
from dossier.serve.httpconfig import HttpConfig
from dossier.serve.httpserve import serve_http
from dossier.serve.knowledge import MAX_DEPTH, MAX_PAGE, MAX_RELATED, KnowledgeBase
from dossier.serve.listener import open_listener
from dossier.serve.models import (
    ConceptHistory,
    ConceptPage,
    ConceptView,
    RelatedResult,
    SearchResults,
    Vocabulary,
)
from dossier.serve.search import MAX_LIMIT
from dossier.serve.write_tools import READ_ONLY
from dossier.tenancy import TenantContext

log = logging.getLogger("dossier.serve")

T = TypeVar("T")
Transport = Literal["stdio", "streamable-http"]



def _range(description: str, low: int, high: int) -> Any:
    """Advertise a range in the schema; the range check itself gives a clear ToolError."""
    return Field(description=description, json_schema_extra={"minimum": low, "maximum": high})


def _instructions(ctx: TenantContext) -> str:
    return (
        f"Knowledge base of client '{ctx.client_id}' as an OKF bundle: concepts (tables, "
        "metrics, decisions, people, ...) in markdown with YAML frontmatter, linked to each "
        "other. Start with search_concepts, open hits with get_concept (or get_context for a "
        "concept with its neighbours within a token budget), follow links with "
        "get_related, check provenance with get_concept_history, and ask list_changes "
        "what changed since a date. Concept ids are paths "
        "like 'tables/orders'. Trust tiers: unverified < machine-confirmed < human-reviewed; "
        "prefer current (not deprecated, not stale) concepts."
    )


def build_server(
    ctx: TenantContext,
    *,
    knowledge: KnowledgeBase | None = None,
    allow_writes: bool = False,
    agent_name: str = "mcp",
) -> MCPServer:
    """An MCPServer serving ``ctx``'s bundle and nothing else.

    ``allow_writes`` adds the tools through which an agent records knowledge, as
    ``agent:<agent_name>`` drafts (see :mod:`dossier.serve.writes`); off by default.
    """
    kb = knowledge or KnowledgeBase(ctx)
    server: MCPServer = MCPServer(
        name=f"dossier-{ctx.client_id}",
        title=f"Dossier: {ctx.client_id}",
        instructions=_instructions(ctx),
        version=__version__,
        log_level="WARNING",
    )
    hidden = sorted({str(ctx.path), str(ctx.root), str(ctx.path.resolve())}, key=len, reverse=True)

    def public(exc: Exception) -> str:
        message = str(exc)
        for path in hidden:
            message = message.replace(path, "<tenant>")
        return message

    def guarded(fn: Callable[[], T]) -> T:
        try:
            return fn()
        except DossierError as exc:
            raise ToolError(public(exc)) from None

    @server.tool(annotations=READ_ONLY)
    def search_concepts(
        query: Annotated[str, Field(description="Words to look for (names, terms, phrases).")],
        limit: Annotated[int, _range(f"Hits to return, 1-{MAX_LIMIT}.", 1, MAX_LIMIT)] = 10,
        type: Annotated[
            str | None,
            Field(description="Only concepts of this type, case-insensitive (e.g. 'Decision'); "
                  "list_types_and_tags shows which exist."),
        ] = None,
        tags: Annotated[
            list[str] | None, Field(description="Only concepts carrying every one of these tags.")
        ] = None,
        mode: Annotated[
            Literal["keyword", "hybrid"],
            Field(description="keyword (BM25, default) or hybrid (needs dossier[semantic])."),
        ] = "keyword",
    ) -> SearchResults:
        """Search this client's concepts; ranked hits, each quoting the passage that best
        covers the query with one neighbour (snippet), where it sits (passage) and the
        source lines it cites (citation)."""
        return guarded(lambda: kb.search(query, limit=limit, type=type, tags=tags, mode=mode))

    @server.tool(annotations=READ_ONLY)
    def get_concept(
        concept_id: Annotated[str, Field(description="Concept id, e.g. 'tables/orders'.")],
    ) -> ConceptView:
        """One concept: frontmatter, markdown body, outgoing links and backlinks."""
        return guarded(lambda: kb.get_concept(concept_id))

    @server.tool(annotations=READ_ONLY)
    def get_related(
        concept_id: Annotated[str, Field(description="Concept id to start from.")],
        depth: Annotated[int, _range(f"Link hops to follow, 1-{MAX_DEPTH}.", 1, MAX_DEPTH)] = 1,
        limit: Annotated[
            int, _range(f"Neighbours to return, 1-{MAX_RELATED}.", 1, MAX_RELATED)
        ] = 20,
    ) -> RelatedResult:
        """Concepts linked to or from this one, with the sentence that links them."""
        return guarded(lambda: kb.get_related(concept_id, depth=depth, limit=limit))

    @server.tool(annotations=READ_ONLY)
    def list_concepts(
        type: Annotated[str | None, Field(description="Only concepts of this type.")] = None,
        tag: Annotated[str | None, Field(description="Only concepts with this tag.")] = None,
        prefix: Annotated[
            str | None, Field(description="Only ids starting with this, e.g. 'tables/'.")
        ] = None,
        limit: Annotated[int, _range(f"Page size, 1-{MAX_PAGE}.", 1, MAX_PAGE)] = 50,
        cursor: Annotated[
            str | None, Field(description="next_cursor from the previous page.")
        ] = None,
    ) -> ConceptPage:
        """List concepts in id order, a page at a time."""
        return guarded(
            lambda: kb.list_concepts(type=type, tag=tag, prefix=prefix, limit=limit, cursor=cursor)
        )

    @server.tool(annotations=READ_ONLY)
    def list_types_and_tags() -> Vocabulary:
        """The concept types and tags this knowledge base uses, each with its count.

        Call it first to learn the vocabulary for the type and tag filters of
        search_concepts and list_concepts (type filters are case-insensitive).
        """
        return guarded(kb.vocabulary)

    @server.tool(annotations=READ_ONLY)
    def get_concept_history(
        concept_id: Annotated[str, Field(description="Concept id.")],
    ) -> ConceptHistory:
        """Loop iterations (run id, date, commit, summary) that changed this concept."""
        return guarded(lambda: kb.history(concept_id))

    from dossier.serve.write_tools import register_review_tool, register_write_tools
    from dossier.serve.writes import KnowledgeWriter

    writer = KnowledgeWriter(ctx, f"agent:{agent_name}")
    register_review_tool(server, writer, guarded)
    if allow_writes:
        register_write_tools(server, writer, guarded)

    from dossier.serve.prompts import register_context_tools

    register_context_tools(server, ctx, kb, guarded)

    @server.resource(
        "okf://index",
        name="index",
        title="Bundle index",
        description="The bundle's root index.md: what the knowledge base contains.",
        mime_type="text/markdown",
    )
    def bundle_index() -> str:
        return kb.index_markdown()

    @server.resource(
        "okf://{+concept_id}",
        name="concept",
        title="Concept",
        description="One concept's markdown file (frontmatter and body), by concept id.",
        mime_type="text/markdown",
    )
    def concept_resource(concept_id: str) -> str:
        try:
            if concept_id == "index" or concept_id.endswith("/index"):
                return kb.folder_index_markdown(concept_id[: -len("index")])
            return kb.read_markdown(concept_id)
        except ConceptNotFoundError as exc:
            raise ResourceNotFoundError(public(exc)) from None
        except DossierError as exc:
            raise ResourceError(public(exc)) from None

    return server


def run_server(
    ctx: TenantContext,
    transport: Transport = "stdio",
    *,
    http: HttpConfig | None = None,
    on_listening: Callable[[str], None] | None = None,
    allow_writes: bool = False,
    agent_name: str = "mcp",
) -> None:
    """Serve until the client disconnects (stdio) or the process is stopped (HTTP).

    Over HTTP the socket is bound first: a busy port raises ListenError before
    ``on_listening(url)`` announces anything.  The index is brought up to date in a
    background thread so the handshake is not delayed by a first-time build; the
    first query waits for it if needed.
    """
    config = http or HttpConfig()
    listener = open_listener(config) if transport == "streamable-http" else None
    kb = KnowledgeBase(ctx)
    server = build_server(ctx, knowledge=kb, allow_writes=allow_writes, agent_name=agent_name)

    def warm() -> None:
        try:
            kb.index.ensure_current()
        except Exception:  # the first query retries and reports
            log.exception("could not prepare the search index of %s", ctx.client_id)

    threading.Thread(target=warm, name="dossier-index-warmup", daemon=True).start()
    if listener is None:
        server.run("stdio")
        return
    with listener:
        if on_listening is not None:
            on_listening(config.url)
        serve_http(server, config, listener)
