"""A loopback stand-in for the Anthropic Messages API, for the real bundled Claude CLI.

It serves ``POST /v1/messages`` on 127.0.0.1 as a stream of server-sent events,
the way the API does, and answers each request with the next scripted step: a
tool call or a closing text.  Every request is kept (headers and body), so a test
can check what the CLI sent: the tools it offered the model, the tool results, the
key it authenticated with.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Step:
    """One model turn: call ``tool`` with ``args``, or (tool None) say ``text`` and stop."""

    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    text: str = "done"


@dataclass
class Seen:
    """One request the stub received."""

    headers: dict[str, str]
    body: dict[str, Any]


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


class MessagesStub:
    """The stub server; ``url`` goes into ``ANTHROPIC_BASE_URL``."""

    def __init__(self, steps: list[Step]) -> None:
        self.steps = steps
        self.requests: list[Seen] = []
        self._next = 0
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append(Seen(dict(self.headers.items()), body))
                if "count_tokens" in self.path:
                    payload = json.dumps({"input_tokens": 10}).encode()
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for chunk in stub._answer(str(body.get("model", "stub"))):
                    self.wfile.write(chunk)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def _answer(self, model: str) -> list[bytes]:
        with self._lock:
            n = self._next
            self._next += 1
        step = self.steps[min(n, len(self.steps) - 1)]
        out = [_event("message_start", {"type": "message_start", "message": {
            "id": f"msg_{n:03d}", "type": "message", "role": "assistant", "model": model,
            "content": [], "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": 5, "output_tokens": 1}}})]
        if step.tool is not None:
            block = {"type": "tool_use", "id": f"toolu_{n:03d}", "name": step.tool, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(step.args)}
            stop = "tool_use"
        else:
            block = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": step.text}
            stop = "end_turn"
        out += [
            _event("content_block_start", {"type": "content_block_start", "index": 0,
                                           "content_block": block}),
            _event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                           "delta": delta}),
            _event("content_block_stop", {"type": "content_block_stop", "index": 0}),
            _event("message_delta", {"type": "message_delta", "delta": {
                "stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": 5}}),
            _event("message_stop", {"type": "message_stop"}),
        ]
        return out

    def tool_results(self) -> dict[str, dict[str, Any]]:
        """Every tool result the CLI sent back to the model, by tool-use id."""
        results: dict[str, dict[str, Any]] = {}
        for seen in self.requests:
            for message in seen.body.get("messages", []):
                content = message.get("content")
                for block in content if isinstance(content, list) else []:
                    if block.get("type") == "tool_result":
                        results[block["tool_use_id"]] = block
        return results

    @contextmanager
    def running(self) -> Iterator[MessagesStub]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
