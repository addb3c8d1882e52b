"""A scripted stand-in for the Claude Code CLI, for offline tests of the agent orchestrator.

It is a real ``claude_agent_sdk.Transport``: the SDK's own ``query()`` and control
protocol run unchanged on top of it.  It plays the CLI's side the way the CLI does:
it answers ``initialize``, reports a session id, connects to the SDK MCP server
through ``mcp_message`` control requests (initialize, tools/list, tools/call), asks
the SDK's ``PreToolUse`` hook about every tool call, and feeds each tool result back
as the user turn.  Only the model's decisions are scripted: which tool to call
with which arguments.

What the CLI would decide from the options (which tools exist) is taken from the
options the orchestrator built, so a test sees the same refusals a real session
would: with ``tools=[]`` there is no built-in tool to run.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from claude_agent_sdk import ClaudeAgentOptions, Transport


@dataclass
class Call:
    """The model calls ``tool`` (its full name, e.g. ``mcp__dossier__read_source``)."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What came back for one call: the text and whether it was an error."""

    tool: str
    text: str
    is_error: bool


@dataclass
class Script:
    """The model's side of one session, and what the CLI reports at the end."""

    calls: list[Call]
    session_id: str = "5e55a0de-0000-4000-8000-000000000001"
    result_subtype: str = "success"
    #: Stop after this many calls without a result (a crashed CLI), if set.
    crash_after: int | None = None
    #: False: the CLI fails before reporting any session (e.g. it cannot resume one).
    starts: bool = True
    #: What the result message reports as spent (the SDK's ``usage`` and cost).
    input_tokens: int = 1200
    output_tokens: int = 340
    cost_usd: float = 0.0125


class ScriptedCLI(Transport):
    """Plays ``script`` against the SDK; ``outcomes`` and ``options`` are kept for asserts."""

    def __init__(self, options: ClaudeAgentOptions, script: Script) -> None:
        self.options = options
        self.script = script
        self.outcomes: list[Outcome] = []
        self.mcp_tools: list[str] = []
        self.prompts: list[dict[str, Any]] = []
        self._out: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._hook_ids: list[str] = []
        self._counter = 0
        self._task: asyncio.Task[None] | None = None
        self._ready = False

    # -- Transport --------------------------------------------------------------------------

    async def connect(self) -> None:
        self._ready = True

    def is_ready(self) -> bool:
        return self._ready

    async def end_input(self) -> None:
        return None

    async def close(self) -> None:
        self._ready = False
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._out.put_nowait(None)

    async def write(self, data: str) -> None:
        for line in data.splitlines():
            if not line.strip():
                continue
            message = json.loads(line)
            kind = message.get("type")
            if kind == "control_request":
                await self._answer_sdk_request(message)
            elif kind == "control_response":
                response = message["response"]
                future = self._waiting.pop(response["request_id"], None)
                if future is not None and not future.done():
                    future.set_result(response)
            elif kind == "user":
                self.prompts.append(message)
                self._task = asyncio.get_running_loop().create_task(self._play())

    async def read_messages(self) -> AsyncIterator[dict[str, Any]]:  # type: ignore[override]
        while True:
            message = await self._out.get()
            if message is None:
                return
            yield message

    # -- the CLI's side -----------------------------------------------------------------------

    async def _answer_sdk_request(self, message: dict[str, Any]) -> None:
        request = message["request"]
        if request.get("subtype") == "initialize":
            for matcher in (request.get("hooks") or {}).get("PreToolUse", []):
                self._hook_ids.extend(matcher.get("hookCallbackIds", []))
        await self._out.put({"type": "control_response", "response": {
            "subtype": "success", "request_id": message["request_id"], "response": {}}})

    async def _request(self, request: dict[str, Any]) -> dict[str, Any]:
        self._counter += 1
        request_id = f"cli_{self._counter}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        await self._out.put({"type": "control_request", "request_id": request_id,
                             "request": request})
        response = await asyncio.wait_for(future, timeout=30)
        assert response["subtype"] == "success", response
        return dict(response.get("response") or {})

    async def _mcp(self, method: str, params: dict[str, Any] | None = None,
                   notify: bool = False) -> dict[str, Any]:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        if not notify:
            self._counter += 1
            message["id"] = self._counter
        response = await self._request({"subtype": "mcp_message", "server_name": "dossier",
                                        "message": message})
        return dict(response.get("mcp_response") or {})

    def _session(self) -> dict[str, Any]:
        return {"session_id": self.script.session_id}

    async def _play(self) -> None:
        try:
            await self._play_script()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # surface a broken script as the test failure it is
            await self._out.put({"type": "assistant", "message": {
                "role": "assistant", "model": "scripted",
                "content": [{"type": "text", "text": f"script failed: {exc!r}"}]}})
            raise
        finally:
            self._out.put_nowait(None)

    async def _play_script(self) -> None:
        if not self.script.starts:
            return
        await self._out.put({"type": "system", "subtype": "init", "cwd": os.fspath(
            self.options.cwd or ""), "tools": [], "model": "scripted", **self._session()})
        servers = self.options.mcp_servers
        if isinstance(servers, dict) and "dossier" in servers:
            await self._mcp("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                           "clientInfo": {"name": "scripted", "version": "0"}})
            await self._mcp("notifications/initialized", notify=True)
            listed = await self._mcp("tools/list", {})
            self.mcp_tools = [t["name"] for t in listed["result"]["tools"]]
        builtins = self.options.tools  # [] = every built-in tool switched off
        for n, call in enumerate(self.script.calls):
            if self.script.crash_after is not None and n >= self.script.crash_after:
                return  # the process died: no result, the stream just ends
            tool_use_id = f"toolu_{n:03d}"
            await self._out.put({"type": "assistant", "parent_tool_use_id": None,
                                 "message": {"role": "assistant", "model": "scripted",
                                             "content": [{"type": "tool_use", "id": tool_use_id,
                                                          "name": call.tool,
                                                          "input": call.args}]},
                                 **self._session()})
            text, is_error = await self._run_tool(call, tool_use_id, builtins)
            self.outcomes.append(Outcome(call.tool, text, is_error))
            await self._out.put({"type": "user", "parent_tool_use_id": None, "message": {
                "role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use_id,
                                             "content": text, "is_error": is_error}]},
                **self._session()})
        await self._out.put({
            "type": "result", "subtype": self.script.result_subtype,
            "is_error": self.script.result_subtype != "success", "duration_ms": 1,
            "duration_api_ms": 1, "num_turns": len(self.script.calls) + 1,
            "total_cost_usd": self.script.cost_usd,
            "usage": {"input_tokens": self.script.input_tokens,
                      "output_tokens": self.script.output_tokens,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
            "result": "scripted session done", **self._session()})

    async def _run_tool(self, call: Call, tool_use_id: str,
                        builtins: Any) -> tuple[str, bool]:
        for callback_id in self._hook_ids:  # PreToolUse hooks run for every call
            output = await self._request({
                "subtype": "hook_callback", "callback_id": callback_id,
                "tool_use_id": tool_use_id,
                "input": {"hook_event_name": "PreToolUse", "tool_name": call.tool,
                          "tool_input": call.args, "tool_use_id": tool_use_id,
                          **self._session()}})
            specific = output.get("hookSpecificOutput") or {}
            if specific.get("permissionDecision") == "deny":
                return f"denied by hook: {specific.get('permissionDecisionReason')}", True
        prefix = "mcp__dossier__"
        if call.tool.startswith(prefix):
            response = await self._mcp("tools/call", {"name": call.tool[len(prefix):],
                                                      "arguments": call.args})
            result = response.get("result") or {}
            text = "\n".join(c.get("text", "") for c in result.get("content", []))
            return text, bool(result.get("isError"))
        if isinstance(builtins, list) and call.tool not in builtins:
            return f"No such tool available: {call.tool}", True
        return f"scripted CLI ran built-in {call.tool}", False  # would be a leak: tests fail
