"""HttpConfig: the URL the server announces and the hosts it derives from its bind address.

What the server does with these lists is tested end to end in test_serve_transports.py;
here are the cases no test may bind a real server for (IPv6, addresses beyond 127.x).
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from dossier.cli import app
from dossier.serve import HttpConfig, HttpConfigError
from dossier.serve.httpconfig import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_SESSIONS, TOKEN_ENV

TOKEN = "dossier-test-token-0123456789abcdef"


def test_ipv6_url_and_hosts_are_bracketed() -> None:
    config = HttpConfig(host="::1", port=8765)
    assert config.url == "http://[::1]:8765/mcp"
    assert HttpConfig(host="[::1]", port=8765).url == "http://[::1]:8765/mcp"
    assert "[::1]:8765" in config.allowed_hosts()
    assert HttpConfig(host="0:0:0:0:0:0:0:1", port=1).address == "[::1]:1"


def test_hosts_come_from_the_bind_address_and_port() -> None:
    assert HttpConfig(host="127.0.0.2", port=9000).allowed_hosts() == ["127.0.0.2:9000"]
    assert HttpConfig(port=9000).allowed_hosts() == ["127.0.0.1:9000", "localhost:9000"]
    remote = HttpConfig(host="192.0.2.1", port=9000, token=TOKEN, allow_hosts=("MCP.example.com",))
    assert remote.allowed_hosts() == ["192.0.2.1:9000", "mcp.example.com", "mcp.example.com:*"]
    assert "https://mcp.example.com" in remote.allowed_origins()


@pytest.mark.parametrize(
    "options",
    [
        {"host": "192.0.2.1"},  # beyond loopback without a token
        {"host": "::", "token": TOKEN},  # wildcard: no host to derive
        {"host": "0.0.0.0", "token": TOKEN},
        {"allow_hosts": ("https://mcp.example.com",)},
        {"allow_origins": ("mcp.example.com",)},
        {"max_sessions": 0},
        {"idle_timeout": 0.0},
    ],
)
def test_unsafe_or_malformed_options_are_usage_errors(options: dict[str, object]) -> None:
    with pytest.raises(HttpConfigError) as caught:
        HttpConfig(**options)  # type: ignore[arg-type]
    assert caught.value.exit_code == 2


def test_the_token_never_shows() -> None:
    config = HttpConfig(token=TOKEN)
    assert TOKEN not in repr(config)
    with pytest.raises(HttpConfigError) as caught:
        HttpConfig(token="short secret")
    assert "short secret" not in str(caught.value)


def test_cli_help_states_the_real_defaults() -> None:
    # serve-mcp states the defaults in its help without importing dossier.serve (start-up cost).
    shown = CliRunner().invoke(app, ["serve-mcp", "--help"], env={"COLUMNS": "400"})
    assert shown.exit_code == 0
    text = " ".join(shown.output.split())
    assert f"(default {DEFAULT_MAX_SESSIONS})" in text
    assert f"(default {DEFAULT_IDLE_TIMEOUT:g})" in text
    assert f"[env var: {TOKEN_ENV}]" in text
