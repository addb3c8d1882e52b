"""Dossier's serve layer: a tenant's bundle behind a search index and an MCP server.

Import cost matters (the CLI imports this at command time, ``dossier --help`` must
stay fast, and every ``dossier search`` is a fresh process), so the mcp SDK is
imported only when a server is built, and the embedder seam (with its plugin
registry) only when it is first asked for.  Public API:

* :func:`search` / :class:`SearchIndex` - BM25 (and optional hybrid) search
* :func:`sync_index`, :func:`refresh_index`, :func:`rebuild_index` - keep the index current
* :class:`KnowledgeBase` - concepts, links, listings, history of one tenant
* :func:`build_server` / :func:`run_server` - the tenant-bound MCP server
* :class:`HttpConfig` - address, token, allowed hosts and session limits for HTTP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from dossier.serve.errors import (
    HttpConfigError,
    IndexUnavailableError,
    InvalidArgumentError,
    ListenError,
    SemanticUnavailableError,
    ServeError,
)
from dossier.serve.index import SearchIndex
from dossier.serve.models import (
    ConceptHistory,
    ConceptPage,
    ConceptView,
    IndexReport,
    RelatedResult,
    SearchHit,
    SearchResults,
)
from dossier.serve.search import search, search_index

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from dossier.serve.embed import Embedder, get_embedder, semantic_available
    from dossier.serve.httpconfig import HttpConfig
    from dossier.serve.knowledge import KnowledgeBase
    from dossier.serve.server import Transport
    from dossier.tenancy import TenantContext


#: Names served from :mod:`dossier.serve.embed` on first use (PEP 562).
_FROM_EMBED = frozenset({"Embedder", "get_embedder", "semantic_available"})


def __getattr__(name: str) -> Any:
    """Names imported when first asked for: the embedder seam (it loads the plugin
    registry, ``importlib.metadata``), the knowledge base and the HTTP settings, which a
    keyword search (a fresh process per ``dossier search``) never needs."""
    if name in _FROM_EMBED:
        from dossier.serve import embed

        return getattr(embed, name)
    if name == "KnowledgeBase":  # reads concept files (the OKF model, YAML): not for search
        from dossier.serve.knowledge import KnowledgeBase

        return KnowledgeBase
    if name == "HttpConfig":
        from dossier.serve.httpconfig import HttpConfig

        return HttpConfig
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sync_index(ctx: TenantContext, *, full: bool = False) -> IndexReport:
    """Bring ``ctx``'s index up to date with its bundle (rebuilding it if unusable)."""
    return SearchIndex(ctx).sync(full=full)


def refresh_index(
    ctx: TenantContext, changed_ids: Iterable[str], removed_ids: Iterable[str]
) -> IndexReport:
    """Re-index the given concepts now, before they are committed (tests and tools)."""
    return SearchIndex(ctx).refresh(changed_ids, removed_ids)


def rebuild_index(ctx: TenantContext) -> IndexReport:
    """Throw the index away and build it again from the bundle."""
    return SearchIndex(ctx).rebuild()


def build_server(ctx: TenantContext, **kwargs: Any) -> MCPServer:
    """The MCP server bound to ``ctx`` (imports the mcp SDK on first call)."""
    from dossier.serve.server import build_server as _build

    return _build(ctx, **kwargs)


def run_server(
    ctx: TenantContext,
    transport: Transport = "stdio",
    *,
    http: HttpConfig | None = None,
    on_listening: Callable[[str], None] | None = None,
    allow_writes: bool = False,
    agent_name: str = "mcp",
) -> None:
    """Serve ``ctx`` over stdio or streamable HTTP (see :class:`HttpConfig`) until stopped."""
    from dossier.serve.server import run_server as _run

    _run(ctx, transport, http=http, on_listening=on_listening, allow_writes=allow_writes,
         agent_name=agent_name)


__all__ = [
    "ConceptHistory",
    "ConceptPage",
    "ConceptView",
    "Embedder",
    "HttpConfig",
    "HttpConfigError",
    "IndexReport",
    "IndexUnavailableError",
    "InvalidArgumentError",
    "KnowledgeBase",
    "ListenError",
    "RelatedResult",
    "SearchHit",
    "SearchIndex",
    "SearchResults",
    "SemanticUnavailableError",
    "ServeError",
    "build_server",
    "get_embedder",
    "rebuild_index",
    "refresh_index",
    "run_server",
    "search",
    "search_index",
    "semantic_available",
    "sync_index",
]
