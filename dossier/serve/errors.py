"""Errors of the serve layer.

They are DossierErrors so the CLI prints one line and the MCP server turns them
into a ``ToolError`` the model can read; nothing foreseeable becomes a traceback.
"""

from __future__ import annotations

from dossier.errors import DossierError, UsageError

#: How to get real embeddings; quoted by every "semantic search unavailable" message.
SEMANTIC_INSTALL_HINT = "pip install 'dossier[semantic]'"


class ServeError(DossierError):
    """Base class for serve-layer failures."""


class InvalidArgumentError(ServeError, UsageError):
    """A tool or command argument is out of range or malformed (limit, depth, cursor...)."""


class SemanticUnavailableError(ServeError, UsageError):
    """Semantic/hybrid search was asked for but the optional extra is not installed."""


class IndexUnavailableError(ServeError):
    """The search index could not be opened or rebuilt (disk full, permissions)."""


class HttpConfigError(ServeError, UsageError):
    """The HTTP server options are unsafe or malformed (no token off loopback, bad host...)."""


class ListenError(ServeError):
    """The HTTP server could not listen on its address (port busy, address not on this host)."""


class QueryFailedError(ServeError):
    """The index is healthy but the search engine refused this one request.

    Raised instead of rebuilding: a request cannot damage the index, so a rebuild
    would only cost time (docs/search.md, "A query never rebuilds the index").
    """
