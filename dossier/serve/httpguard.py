"""The gate in front of the MCP endpoint: a bearer token, then a per-client session budget.

It wraps the SDK's streamable-HTTP app as plain ASGI middleware and keeps to what
the HTTP exchange shows (headers, status codes), so it does not depend on the SDK's
internals.  Order matters: a request without the right token is answered 401 before
it can open a session or reach a tool.  Host/Origin checks (DNS rebinding) stay with
the SDK's transport security, configured from :class:`~dossier.serve.httpconfig.HttpConfig`.

The token is held only as a SHA-256 digest and compared with ``hmac.compare_digest``
on digests of equal length, so neither its value nor its length shows in timing;
refusals are logged with the client address, never with what was presented.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dossier.serve.sessionledger import SessionLedger

log = logging.getLogger("dossier.serve.http")

_SESSION_HEADER = b"mcp-session-id"
_INVALID_REQUEST = -32600


class BearerToken:
    """A shared secret checked in constant time; its value is never kept or shown."""

    def __init__(self, token: str) -> None:
        self._digest = hashlib.sha256(token.encode("utf-8")).digest()

    def __repr__(self) -> str:
        return "BearerToken(<hidden>)"

    def accepts(self, authorization: bytes | None) -> bool:
        """True when an ``Authorization`` header value is ``Bearer <this token>``."""
        scheme, _, credential = (authorization or b"").strip().partition(b" ")
        presented = hashlib.sha256(credential.strip()).digest()
        return hmac.compare_digest(presented, self._digest) and scheme.lower() == b"bearer"


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value)
    return None


async def _refuse(send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]]) -> None:
    """A JSON-RPC error body (no request id) with an HTTP status, as the SDK answers."""
    body = json.dumps(
        {"jsonrpc": "2.0", "id": None, "error": {"code": _INVALID_REQUEST, "message": message}}
    ).encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class HttpGuard:
    """ASGI middleware: 401 without the token, 429 past a client's session limit."""

    def __init__(
        self, app: ASGIApp, *, token: BearerToken | None, ledger: SessionLedger, path: str
    ) -> None:
        self.app = app
        self.token = token
        self.ledger = ledger
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: start and stop the session manager
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        if self.token is not None and not self.token.accepts(_header(scope, b"authorization")):
            log.warning("refused a request from %s: missing or wrong bearer token", client)
            await _refuse(
                send, 401, "missing or wrong bearer token",
                [(b"www-authenticate", b'Bearer realm="dossier"')],
            )
            return
        session_id = _header(scope, _SESSION_HEADER)
        if scope["path"] != self.path:  # not the MCP endpoint: no session to account for
            await self.app(scope, receive, send)
        elif session_id is not None:
            await self._existing(session_id.decode("latin-1"), scope, receive, send)
        elif scope["method"] == "POST":
            await self._opening(client, scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _opening(self, client: str, scope: Scope, receive: Receive, send: Send) -> None:
        """A request without a session id may open a session: it needs a free slot."""
        if not self.ledger.reserve(client):
            limit = self.ledger.limit
            log.warning("refused a new session from %s: %d sessions open", client, limit)
            await _refuse(
                send, 429,
                f"too many open sessions from this client (limit {limit}): end one "
                f"(DELETE) or let an idle one expire after {self.ledger.idle_timeout:g}s",
                [(b"retry-after", str(max(1, round(self.ledger.idle_timeout))).encode("ascii"))],
            )
            return
        opened: str | None = None

        async def watch(message: Message) -> None:
            nonlocal opened
            if message["type"] == "http.response.start" and message["status"] < 400:
                for key, value in message.get("headers", ()):
                    if bytes(key).lower() == _SESSION_HEADER:
                        opened = bytes(value).decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            self.ledger.settle(client, opened)

    async def _existing(self, session_id: str, scope: Scope, receive: Receive, send: Send) -> None:
        """A request inside a session; notice when the answer shows the session ended."""
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.ledger.begin(session_id)
        try:
            await self.app(scope, receive, watch)
        finally:
            deleted = scope["method"] == "DELETE" and 200 <= status < 300
            self.ledger.end(session_id, gone=deleted or status == 404)
