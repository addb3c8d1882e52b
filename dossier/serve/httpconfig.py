"""What the streamable-HTTP server accepts: its address, token, host names and session budget.

Everything is checked here, once, before a socket is opened, so an unsafe combination
(a bind beyond loopback without a token, a wildcard bind that names no host) never
starts.  The Host/Origin allow-lists are derived from the bind address and port rather
than left to the SDK, whose own default protects only ``127.0.0.1``, ``localhost`` and
``::1``: every bind gets DNS-rebinding protection, and a reverse proxy's public name
is added with ``allow_hosts``.  The token is kept out of ``repr`` so it cannot leak
into a log line or a traceback.

This module imports only the standard library; the CLI builds a config before the
mcp SDK is loaded.
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, field

from dossier.serve.errors import HttpConfigError

#: Environment variable holding the bearer token (preferred to ``--token``: not in ``ps``).
TOKEN_ENV = "DOSSIER_MCP_TOKEN"
#: Path of the MCP endpoint.
MCP_PATH = "/mcp"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Sessions one client address may hold open at once.
DEFAULT_MAX_SESSIONS = 16
#: Seconds a session may go without a request in flight before it is closed.
DEFAULT_IDLE_TIMEOUT = 600.0
#: Sessions the whole server holds at most, whoever opened them (bounds memory).
MAX_TOTAL_SESSIONS = 1000
#: Shortest accepted token; shorter secrets are guessable over the network.
MIN_TOKEN_LENGTH = 16

_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_TOKEN = re.compile(r"^[\x21-\x7e]+$")
_ORIGIN = re.compile(r"^(https?)://([^/?#@\s]+)$")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _authority(host: str) -> str:
    """``host`` as it appears in a Host header or URL (IPv6 in brackets)."""
    ip = _ip(host)
    return f"[{ip.compressed}]" if isinstance(ip, ipaddress.IPv6Address) else host


def _split_authority(value: str) -> tuple[str, int | None] | None:
    """``name``, ``name:port``, ``[v6]`` or ``[v6]:port`` -> (authority host, port), or None."""
    port_text: str | None
    if value.startswith("["):
        inner, bracket, rest = value[1:].partition("]")
        ip = _ip(inner)
        if not bracket or not isinstance(ip, ipaddress.IPv6Address):
            return None
        if rest and not rest.startswith(":"):
            return None
        host, port_text = f"[{ip.compressed}]", (rest[1:] if rest else None)
    else:
        host, colon, after = value.partition(":")
        if not (_NAME.match(host) or isinstance(_ip(host), ipaddress.IPv4Address)):
            return None
        port_text = after if colon else None
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return None
    return host, int(port_text)


@dataclass(frozen=True)
class HttpConfig:
    """Options of one streamable-HTTP server; invalid or unsafe values raise HttpConfigError."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = field(default=None, repr=False)
    allow_hosts: tuple[str, ...] = ()
    allow_origins: tuple[str, ...] = ()
    max_sessions: int = DEFAULT_MAX_SESSIONS
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT

    def __post_init__(self) -> None:
        host = self.host.strip()
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        ip = _ip(host)
        host = ip.compressed if ip is not None else host.lower()
        if not host or (ip is None and not _NAME.match(host)):
            raise HttpConfigError(f"--host {self.host!r} is not an IP address or host name")
        object.__setattr__(self, "host", host)
        if not 0 < self.port < 65536:
            raise HttpConfigError(f"--port must be from 1 to 65535, got {self.port}")
        hosts = tuple(self._checked_host(h) for h in self.allow_hosts)
        object.__setattr__(self, "allow_hosts", hosts)
        object.__setattr__(
            self, "allow_origins", tuple(self._checked_origin(o) for o in self.allow_origins)
        )
        if not 1 <= self.max_sessions <= MAX_TOTAL_SESSIONS:
            raise HttpConfigError(
                f"--max-sessions must be from 1 to {MAX_TOTAL_SESSIONS}, got {self.max_sessions}"
            )
        if not (math.isfinite(self.idle_timeout) and self.idle_timeout > 0):
            raise HttpConfigError(
                f"--idle-timeout must be a positive number of seconds, got {self.idle_timeout}"
            )
        self._check_token()
        if self.wildcard and not self.allow_hosts:
            raise HttpConfigError(
                f"--host {self.host} listens on every address, so no host name can be derived "
                "from it: name the host clients will use with --allow-host"
            )

    def _check_token(self) -> None:
        # Messages name the rule, never the value: the token must not reach a terminal or log.
        if self.token is None:
            if not self.loopback:
                raise HttpConfigError(
                    f"--host {self.host} is not a loopback address: set a bearer token in "
                    f"{TOKEN_ENV} (or --token) before serving beyond this machine"
                )
            return
        if len(self.token) < MIN_TOKEN_LENGTH or not _TOKEN.match(self.token):
            raise HttpConfigError(
                f"the bearer token must be at least {MIN_TOKEN_LENGTH} printable ASCII "
                "characters without spaces"
            )

    @staticmethod
    def _checked_host(value: str) -> str:
        parts = _split_authority(value.strip().lower())
        if parts is None:
            raise HttpConfigError(
                f"--allow-host {value!r} is not a host name, IP address or host:port"
            )
        host, port = parts
        return host if port is None else f"{host}:{port}"

    @staticmethod
    def _checked_origin(value: str) -> str:
        match = _ORIGIN.match(value.strip().lower().rstrip("/"))
        if match is None or _split_authority(match.group(2)) is None:
            raise HttpConfigError(
                f"--allow-origin {value!r} is not an origin like https://host or http://host:port"
            )
        return match.group(0)

    @property
    def loopback(self) -> bool:
        """True when only this machine can reach the bind address."""
        ip = _ip(self.host)
        return self.host == "localhost" or (ip is not None and ip.is_loopback)

    @property
    def wildcard(self) -> bool:
        """True for ``0.0.0.0`` / ``::``: every address of the machine."""
        ip = _ip(self.host)
        return ip is not None and ip.is_unspecified

    @property
    def address(self) -> str:
        """``host:port`` as written in a URL, e.g. ``[::1]:8765``."""
        return f"{_authority(self.host)}:{self.port}"

    @property
    def url(self) -> str:
        """Where clients connect, e.g. ``http://[::1]:8765/mcp``."""
        return f"http://{self.address}{MCP_PATH}"

    def _bind_names(self) -> list[str]:
        """Host names that reach this bind: the address itself and its loopback aliases."""
        ip = _ip(self.host)
        if self.host == "localhost" or self.wildcard:
            return ["localhost", "127.0.0.1", "[::1]"]
        if ip == ipaddress.ip_address("127.0.0.1"):
            return ["127.0.0.1", "localhost"]
        if ip == ipaddress.ip_address("::1"):
            return ["[::1]", "localhost"]
        return [_authority(self.host)]

    def _extra_hosts(self) -> list[str]:
        """``--allow-host`` values; one without a port admits any port of that name."""
        hosts: list[str] = []
        for extra in self.allow_hosts:
            hosts += [extra] if ":" in extra.rpartition("]")[2] else [extra, f"{extra}:*"]
        return hosts

    def allowed_hosts(self) -> list[str]:
        """Host header values accepted (SDK syntax: ``name:*`` is any port)."""
        names = self._bind_names()
        hosts = [f"{name}:{self.port}" for name in names]
        if self.port == 80:  # a client omits the default port from Host
            hosts += names
        return hosts + self._extra_hosts()

    def allowed_origins(self) -> list[str]:
        """Origin header values accepted; a request without Origin (not a browser) passes."""
        origins = [f"http://{name}:{self.port}" for name in self._bind_names()]
        if self.port == 80:
            origins += [f"http://{name}" for name in self._bind_names()]
        for extra in self._extra_hosts():
            origins += [f"http://{extra}", f"https://{extra}"]
        return list(dict.fromkeys([*origins, *self.allow_origins]))
