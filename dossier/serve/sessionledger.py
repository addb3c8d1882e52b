"""Which client opened which live MCP session, and whether it may open another.

The SDK's session manager caps the total number of sessions, so one client opening
sessions in a loop fills the table and every other client gets 503 until they time
out.  The ledger gives each client address its own budget.  It learns about a
session from the HTTP exchange alone (the ``mcp-session-id`` a successful opening
request is answered with) and forgets it the three ways a session ends:

* the client deletes it (a successful ``DELETE``);
* the server answers 404 for it (it is already gone);
* no request has been in flight for ``idle_timeout`` seconds - the rule the SDK uses
  to close idle sessions, given the same timeout.  The ledger's clock starts when the
  response has left the SDK, so it frees a slot no earlier than the SDK closes the
  session.

Opening requests reserve their slot before they are served, so concurrent openers
cannot overshoot the limit.  Single-threaded (one event loop): no locking needed.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Session:
    client: str
    idle_since: float
    in_flight: int = 0


class SessionLedger:
    """Live sessions per client address, with a per-client limit."""

    def __init__(
        self, limit: int, idle_timeout: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.idle_timeout = idle_timeout
        self._clock = clock
        self._sessions: dict[str, _Session] = {}
        self._opening: Counter[str] = Counter()

    def held_by(self, client: str) -> int:
        """Sessions ``client`` holds, counting opening requests still being served."""
        self._forget_idle()
        return self._opening[client] + sum(s.client == client for s in self._sessions.values())

    def reserve(self, client: str) -> bool:
        """Claim a slot for an opening request; False when ``client`` is at its limit."""
        if self.held_by(client) >= self.limit:
            return False
        self._opening[client] += 1
        return True

    def settle(self, client: str, session_id: str | None) -> None:
        """The opening request is over: keep its slot for ``session_id``, or free it."""
        self._opening[client] -= 1
        if self._opening[client] <= 0:
            del self._opening[client]
        if session_id is not None:
            self._sessions[session_id] = _Session(client, self._clock())

    def begin(self, session_id: str) -> None:
        """A request for an existing session started (idle time stops counting)."""
        session = self._sessions.get(session_id)
        if session is not None:
            session.in_flight += 1

    def end(self, session_id: str, *, gone: bool) -> None:
        """A request for ``session_id`` finished; ``gone`` when it ended the session."""
        session = self._sessions.get(session_id)
        if session is None:
            return
        session.in_flight = max(0, session.in_flight - 1)
        session.idle_since = self._clock()
        if gone:
            del self._sessions[session_id]

    def _forget_idle(self) -> None:
        cutoff = self._clock() - self.idle_timeout
        for session_id, session in list(self._sessions.items()):
            if session.in_flight == 0 and session.idle_since <= cutoff:
                del self._sessions[session_id]
