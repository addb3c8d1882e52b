"""``dossier serve-mcp`` as a real process: over stdio and over streamable HTTP on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from dossier.tenancy import TenantContext

Run = Callable[..., Any]
DOSSIER = Path(sys.executable).parent / "dossier"


def child_env() -> dict[str, str]:
    """The test's isolated environment (HOME, git config) for the server process."""
    keep = ("PATH", "HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "LANG", "LC_ALL", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["LANCEDB_LOG"] = "error"
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def http_server(alpha: TenantContext) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(DOSSIER),
            "serve-mcp",
            "alpha",
            "--root",
            str(alpha.root),
            "--transport",
            "streamable-http",
            "--port",
            str(port),
        ],
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"server did not start on port {port}: {err[-2000:]}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


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
