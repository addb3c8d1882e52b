"""``dossier serve-mcp`` as a real process: over stdio and over streamable HTTP on loopback.

The HTTP tests start the server on a free port of a 127.x address, talk to it with a
real ``mcp.Client`` or with raw HTTP (to control Host, Origin, Authorization and the
client's source address), and stop it themselves.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from typer.testing import CliRunner

from dossier.cli import app
from dossier.serve.httpconfig import TOKEN_ENV
from dossier.tenancy import TenantContext

Run = Callable[..., Any]
DOSSIER = Path(sys.executable).parent / "dossier"


def child_env() -> dict[str, str]:
    """The test's isolated environment (HOME, git config) for the server process."""
    keep = (
        "PATH", "HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "LANG", "LC_ALL", "TMPDIR",
        "PYTHONPATH",  # a worktree run must serve the code under test, not the installed one
    )
    env = {k: os.environ[k] for k in keep if k in os.environ}
    return env


def test_stdio_server_answers_tools_and_resources(alpha: TenantContext, run: Run) -> None:
    params = StdioServerParameters(
        command=str(DOSSIER),
        args=["serve-mcp", "alpha", "--root", str(alpha.root)],
        env=child_env(),
    )

    async def body() -> tuple[Any, Any, Any]:
        async with Client(params, read_timeout_seconds=60) as client:
            tools = await client.list_tools()
            hits = await client.call_tool("search_concepts", {"query": "orders", "limit": 2})
            index = await client.read_resource("okf://index")
            return tools, hits, index

    tools, hits, index = run(body)
    assert {t.name for t in tools.tools} >= {"search_concepts", "get_concept"}
    assert hits.structured_content["hits"][0]["id"] == "tables/orders"
    assert index.contents[0].text == (alpha.bundle_dir / "index.md").read_text("utf-8")


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    """A running ``serve-mcp --transport streamable-http`` process."""

    proc: subprocess.Popen[bytes]
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/mcp"


@contextmanager
def serving(
    ctx: TenantContext, *options: str, host: str = "127.0.0.1", env: dict[str, str] | None = None
) -> Iterator[Served]:
    """Start the HTTP server on a free port of ``host`` (a 127.x address); stop it after."""
    port = _free_port(host)
    proc = subprocess.Popen(
        [
            str(DOSSIER), "serve-mcp", "alpha", "--root", str(ctx.root),
            "--transport", "streamable-http", "--host", host, "--port", str(port), *options,
        ],
        env={**child_env(), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection((host, port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"server did not start on port {port}: {err[-2000:]}")
                time.sleep(0.1)
        yield Served(proc, host, port)
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


def stop(served: Served) -> str:
    """Stop the server now and return everything it wrote to stderr."""
    served.proc.terminate()
    try:
        _, err = served.proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        served.proc.kill()
        _, err = served.proc.communicate(timeout=10)
    return err.decode("utf-8", "replace")


@pytest.fixture
def http_server(alpha: TenantContext) -> Iterator[str]:
    with serving(alpha) as served:
        yield served.url


@dataclass
class Reply:
    status: int
    session_id: str | None
    body: bytes


def post(
    served: Served,
    message: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    method: str = "POST",
) -> Reply:
    """One raw HTTP request to the MCP endpoint (default: an initialize, opening a session)."""
    message = message or {
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw-test", "version": "0"},
        },
    }
    conn = http.client.HTTPConnection(
        served.host, served.port, timeout=30, source_address=(source, 0)
    )
    try:
        conn.request(
            method,
            "/mcp",
            body=json.dumps(message) if method == "POST" else None,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json, text/event-stream",
                **(headers or {}),
            },
        )
        response = conn.getresponse()
        return Reply(response.status, response.getheader("mcp-session-id"), response.read())
    finally:
        conn.close()


def in_session(session_id: str, token: str | None = None) -> dict[str, str]:
    """Headers of a request inside an open session."""
    headers = {"mcp-session-id": session_id, "mcp-protocol-version": "2025-06-18"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


PING = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
TOKEN = "dossier-test-token-0123456789abcdef"


def test_streamable_http_server_answers_on_loopback(http_server: str, run: Run) -> None:
    async def body() -> Any:
        async with Client(http_server, read_timeout_seconds=60) as client:
            return await client.call_tool("get_concept", {"concept_id": "people/jane"})

    result = run(body)
    assert not result.is_error
    assert result.structured_content["frontmatter"]["title"] == "Jane Doe"


def test_stdio_mode_writes_only_protocol_messages_to_stdout(alpha: TenantContext) -> None:
    request = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw-test", "version": "0"},
        },
    }
    proc = subprocess.run(
        [str(DOSSIER), "serve-mcp", "alpha", "--root", str(alpha.root)],
        input=(json.dumps(request) + "\n").encode(),
        env=child_env(),
        capture_output=True,
        timeout=60,
    )
    lines = [line for line in proc.stdout.decode().splitlines() if line.strip()]
    assert lines, proc.stderr.decode()[-2000:]
    messages = [json.loads(line) for line in lines]  # every stdout line is JSON-RPC
    assert all(m.get("jsonrpc") == "2.0" for m in messages)
    assert messages[0]["id"] == 1 and "serverInfo" in messages[0]["result"]
    assert "serving tenant alpha over stdio" in proc.stderr.decode()


def test_http_checks_host_and_origin_on_every_loopback_bind(alpha: TenantContext) -> None:
    # The SDK protects only 127.0.0.1/localhost/::1 by itself; 127.0.0.2 was open to rebinding.
    with serving(alpha, host="127.0.0.2") as served:
        assert post(served, headers={"Host": "evil.example.com"}).status == 421
        assert post(served, headers={"Host": f"evil.example.com:{served.port}"}).status == 421
        assert post(served, headers={"Origin": "http://evil.example.com"}).status == 403
        assert post(served).status == 200  # Host 127.0.0.2:PORT, as a client sends it


def test_http_allow_host_admits_a_reverse_proxy_name(alpha: TenantContext) -> None:
    with serving(
        alpha, "--allow-host", "mcp.example.com", "--allow-origin", "https://app.example.com"
    ) as served:
        assert post(served, headers={"Host": "mcp.example.com"}).status == 200
        assert post(served, headers={"Host": "mcp.example.com:8443"}).status == 200
        assert post(served, headers={"Origin": "https://app.example.com"}).status == 200
        assert post(served, headers={"Host": "other.example.com"}).status == 421
        assert post(served, headers={"Origin": "https://other.example.com"}).status == 403


def test_http_token_admits_a_real_client_and_refuses_the_rest(
    alpha: TenantContext, run: Run
) -> None:
    with serving(alpha, env={TOKEN_ENV: TOKEN}) as served:

        async def body() -> Any:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            timeout = httpx2.Timeout(30.0, read=300.0)  # the SDK default client's timeouts
            async with httpx2.AsyncClient(headers=auth, timeout=timeout) as http_client:
                transport = streamable_http_client(served.url, http_client=http_client)
                async with Client(transport, read_timeout_seconds=60) as client:
                    return await client.call_tool("get_concept", {"concept_id": "people/jane"})

        result = run(body)
        assert not result.is_error
        assert result.structured_content["frontmatter"]["title"] == "Jane Doe"

        assert post(served).status == 401
        assert post(served, headers={"Authorization": f"Bearer {TOKEN}x"}).status == 401
        assert post(served, headers={"Authorization": f"Bearer {TOKEN[:-1]}"}).status == 401
        assert post(served, headers={"Authorization": f"Basic {TOKEN}"}).status == 401
        opened = post(served, headers={"Authorization": f"Bearer {TOKEN}"})
        assert opened.status == 200 and opened.session_id
        # a session id is no substitute for the token
        assert post(served, PING, headers=in_session(opened.session_id)).status == 401
        err = stop(served)
    assert "serving tenant alpha at" in err
    assert TOKEN not in err
    shown = CliRunner().invoke(app, ["serve-mcp", "--help"], env={TOKEN_ENV: TOKEN})
    assert shown.exit_code == 0 and TOKEN_ENV in shown.output and TOKEN not in shown.output


def test_http_beyond_loopback_refuses_to_start_without_a_good_token(
    alpha: TenantContext,
) -> None:
    # 192.0.2.1 (TEST-NET-1) is never this machine's: the check must come before any bind.
    base = [
        str(DOSSIER), "serve-mcp", "alpha", "--root", str(alpha.root),
        "--transport", "streamable-http", "--host", "192.0.2.1", "--port", str(_free_port()),
    ]
    for extra in ([], ["--token", "short-secret"]):
        proc = subprocess.run(
            base + extra, env=child_env(), capture_output=True, timeout=60
        )
        err = proc.stderr.decode()
        assert proc.returncode == 2, err
        assert "serving tenant" not in err and "Traceback" not in err
        assert "short-secret" not in err


def test_http_session_limit_is_per_client_address(alpha: TenantContext) -> None:
    with serving(alpha, "--max-sessions", "2") as served:
        opened = [post(served) for _ in range(2)]
        assert [reply.status for reply in opened] == [200, 200]
        refused = post(served)
        assert refused.status == 429
        assert json.loads(refused.body)["error"]["message"]
        # a spoofed forwarding header does not buy a fresh budget
        assert post(served, headers={"X-Forwarded-For": "203.0.113.7"}).status == 429
        # another client still gets in
        assert post(served, source="127.0.0.2").status == 200
        # ending a session frees its slot
        first = opened[0].session_id
        assert first
        assert post(served, headers=in_session(first), method="DELETE").status in (200, 204)
        assert post(served).status == 200


def test_http_idle_session_is_closed_after_the_timeout(alpha: TenantContext) -> None:
    with serving(alpha, "--max-sessions", "1", "--idle-timeout", "1") as served:
        opened = post(served)
        assert opened.status == 200 and opened.session_id
        assert post(served).status == 429
        time.sleep(2.5)
        assert post(served).status == 200  # the idle session's slot is free again
        assert post(served, PING, headers=in_session(opened.session_id)).status == 404


def test_http_busy_port_is_one_line_and_exit_1(alpha: TenantContext) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        proc = subprocess.run(
            [
                str(DOSSIER), "serve-mcp", "alpha", "--root", str(alpha.root),
                "--transport", "streamable-http", "--port", str(port),
            ],
            env=child_env(),
            capture_output=True,
            timeout=60,
        )
    lines = [line for line in proc.stderr.decode().splitlines() if line.strip()]
    assert proc.returncode == 1, lines
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0], lines
