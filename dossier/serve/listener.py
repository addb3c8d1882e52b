"""Open the HTTP server's listening socket before the server is announced.

uvicorn binds inside its own start-up and, on failure, logs the OS error and exits
with its private status 3 - after Dossier has already printed where it serves.
Binding here first turns a busy port into a :class:`ListenError` (one line, exit 1)
and leaves no window between "the port is free" and "the port is ours": the socket
handed to uvicorn is the one that was checked.
"""

from __future__ import annotations

import os
import socket

from dossier.serve.errors import ListenError
from dossier.serve.httpconfig import HttpConfig


def open_listener(config: HttpConfig) -> socket.socket:
    """A listening TCP socket on the config's address and port, or ListenError."""
    try:
        infos = socket.getaddrinfo(
            config.host, config.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {config.address}: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    try:
        return socket.create_server(address, family=family)
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise ListenError(f"cannot listen on {config.address}: {reason}") from None
