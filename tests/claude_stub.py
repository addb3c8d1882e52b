"""A loopback stand-in for the Anthropic Messages API, for offline tests of the real SDK.

``MessagesStub`` is a stdlib ``http.server`` on 127.0.0.1 (a port of its own) that answers
``POST /v1/messages`` and the Message Batches endpoints with scripted JSON.  Tests point
the real ``anthropic`` client at it (``DOSSIER_CLAUDE_BASE_URL``), so request building,
response parsing, error classes and timeouts are the SDK's own, not a mock's.

Replies come from ``script`` (a queue, consumed first) and then from ``responder`` (a
function of the request body).  Every request is kept in ``requests`` for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

TOOL = "record_concepts"


@dataclass
class Reply:
    """One scripted HTTP answer; ``delay`` seconds pass before it is sent."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def tool_reply(tool_input: dict[str, Any], *, input_tokens: int = 1000,
               output_tokens: int = 200, cache_read: int = 0, cache_write: int = 0,
               stop_reason: str = "tool_use") -> Reply:
    """A Messages API response whose one content block calls the extraction tool."""
    return Reply(body={
        "id": "msg_stub",
        "type": "message",
        "role": "assistant",
        "model": "stub-model",
        "content": [{"type": "tool_use", "id": "toolu_stub", "name": TOOL, "input": tool_input}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                  "cache_creation_input_tokens": cache_write,
                  "cache_read_input_tokens": cache_read},
    })


def error_reply(status: int, kind: str, message: str = "stub error") -> Reply:
    """An API error in the shape the service sends (``{"type": "error", ...}``)."""
    return Reply(status=status, body={"type": "error",
                                      "error": {"type": kind, "message": message}})


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


Responder = Callable[[dict[str, Any]], Reply]


class MessagesStub:
    """The loopback server; use as a context manager or through the ``messages_stub`` fixture."""

    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.responder: Responder | None = None
        self.requests: list[Seen] = []
        self._batches: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> MessagesStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def messages(self) -> list[Seen]:
        """The ``POST /v1/messages`` requests received, in order."""
        return [r for r in self.requests if r.path == "/v1/messages"]

    def _answer(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self.script:
                return self.script.popleft()
        if self.responder is None:
            return error_reply(500, "api_error", "stub has no reply scripted")
        return self.responder(body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _send(self, reply: Reply, raw: bytes | None = None) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                data = raw if raw is not None else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def _record(self, body: Any) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                with stub._lock:
                    stub.requests.append(Seen(self.command, self.path.split("?")[0],
                                              headers, body))

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                self._record(body)
                path = self.path.split("?")[0]
                if path == "/v1/messages":
                    self._send(stub._answer(body))
                elif path == "/v1/messages/batches":
                    batch_id = f"msgbatch_{len(stub._batches) + 1}"
                    stub._batches[batch_id] = body["requests"]
                    self._send(Reply(body=_batch(batch_id, "in_progress", None)))
                else:
                    self._send(error_reply(404, "not_found_error"))

            def do_GET(self) -> None:
                self._record(None)
                parts = self.path.split("?")[0].strip("/").split("/")
                if len(parts) >= 4 and parts[:3] == ["v1", "messages", "batches"]:
                    batch_id = parts[3]
                    if batch_id not in stub._batches:
                        self._send(error_reply(404, "not_found_error"))
                    elif len(parts) == 5 and parts[4] == "results":
                        lines = []
                        for request in stub._batches[batch_id]:
                            reply = stub._answer(request["params"])
                            result = ({"type": "succeeded", "message": reply.body}
                                      if reply.status == 200 else
                                      {"type": "errored", "error": reply.body})
                            lines.append(json.dumps({"custom_id": request["custom_id"],
                                                     "result": result}))
                        self._send(Reply(), raw=("\n".join(lines) + "\n").encode())
                    else:
                        results = f"{stub.url}/v1/messages/batches/{batch_id}/results"
                        self._send(Reply(body=_batch(batch_id, "ended", results)))
                else:
                    self._send(error_reply(404, "not_found_error"))

        return Handler


def _batch(batch_id: str, status: str, results_url: str | None) -> dict[str, Any]:
    return {
        "id": batch_id, "type": "message_batch", "processing_status": status,
        "request_counts": {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0,
                           "expired": 0},
        "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-01-02T00:00:00Z",
        "ended_at": None, "archived_at": None, "cancel_initiated_at": None,
        "results_url": results_url,
    }


@pytest.fixture
def messages_stub() -> Iterator[MessagesStub]:
    """A running stub; its URL is ``stub.url``."""
    with MessagesStub() as stub:
        yield stub


def register_claude(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Register the ``claude`` entry point from this checkout (an install may predate it).

    A dist-info on ``sys.path`` is how any installed plugin is found, so this is the seam's
    real discovery path; returns the folder, for a subprocess's PYTHONPATH.
    """
    info = folder / "dossier_claude_test-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dossier-claude-test\n"
                                   "Version: 0\n")
    (info / "entry_points.txt").write_text(
        "[dossier.extractors]\nclaude = dossier.extract.claude:ClaudeExtractor\n")
    monkeypatch.syspath_prepend(str(folder))
    return folder
