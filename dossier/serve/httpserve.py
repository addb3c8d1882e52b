"""Run a tenant's MCP server over streamable HTTP on an already-listening socket.

Puts the pieces together in the order a request meets them: :class:`HttpGuard`
(token, per-client session budget), then the SDK's app with transport security on
for every bind (Host/Origin allow-lists from :class:`HttpConfig`), its own idle
timeout and a total session cap.  uvicorn serves the socket that
:func:`~dossier.serve.listener.open_listener` bound, with proxy headers ignored so a
client cannot pick its own address (and with it a fresh session budget) by sending
``X-Forwarded-For``.
"""

from __future__ import annotations

import socket

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings

from dossier.serve.httpconfig import MAX_TOTAL_SESSIONS, MCP_PATH, HttpConfig
from dossier.serve.httpguard import BearerToken, HttpGuard
from dossier.serve.sessionledger import SessionLedger

#: Seconds uvicorn waits for open streams on shutdown before closing them.
SHUTDOWN_GRACE = 5


def http_app(server: MCPServer, config: HttpConfig) -> HttpGuard:
    """The guarded ASGI app of ``server`` under ``config``."""
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=config.allowed_hosts(),
        allowed_origins=config.allowed_origins(),
    )
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        transport_security=security,
        session_idle_timeout=config.idle_timeout,
        max_sessions=MAX_TOTAL_SESSIONS,
        host=config.host,
    )
    return HttpGuard(
        app,
        token=BearerToken(config.token) if config.token is not None else None,
        ledger=SessionLedger(config.max_sessions, config.idle_timeout),
        path=MCP_PATH,
    )


def serve_http(server: MCPServer, config: HttpConfig, listener: socket.socket) -> None:
    """Serve until the process is stopped (SIGINT/SIGTERM)."""
    uvicorn_config = uvicorn.Config(
        http_app(server, config),
        host=config.host,
        port=config.port,
        log_level="warning",
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )
    uvicorn.Server(uvicorn_config).run(sockets=[listener])
