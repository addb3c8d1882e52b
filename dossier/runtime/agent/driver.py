"""Run one Claude Agent SDK session over :class:`AgentTools` and report what happened.

The session sees Dossier's tools and nothing else:

* ``tools=[]`` switches every built-in tool of the CLI off (file, shell, web,
  sub-agents), ``disallowed_tools`` names them again, and ``allowed_tools`` lists
  only Dossier's tools;
* ``permission_mode="dontAsk"`` denies whatever is not pre-approved instead of
  asking, and no tool can raise it;
* a ``PreToolUse`` hook, which the CLI calls for *every* tool call whatever the
  permission rules, refuses any tool that is not Dossier's and records the refusal;
* ``setting_sources=[]`` and ``strict_mcp_config`` keep user/project settings, hooks
  and MCP servers out; the working directory is an empty folder in the tenant cache;
* the CLI child process gets an allow-listed environment (:class:`ConfinedCLITransport`):
  the key, locale, PATH, proxies — not the rest of the caller's environment.

Tests pass a ``transport_factory`` that plays the CLI's side of the protocol.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dossier.errors import UsageError
from dossier.runtime.agent.keys import KEY_ENV, ApiKey
from dossier.runtime.agent.settings import AgentConfig
from dossier.runtime.agent.tools import AgentTools

if TYPE_CHECKING:
    from claude_agent_sdk import ClaudeAgentOptions, Transport

#: The CLI's built-in tools, refused by name as well as switched off.
BUILTIN_TOOLS = (
    "Agent", "Bash", "BashOutput", "Edit", "ExitPlanMode", "Glob", "Grep", "KillShell",
    "LS", "MultiEdit", "NotebookEdit", "NotebookRead", "Read", "Skill", "SlashCommand",
    "Task", "TodoWrite", "WebFetch", "WebSearch", "Write",
)
#: Inherited variables the CLI child keeps; everything else is removed.
CHILD_ENV_ALLOWED = frozenset({
    "PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR", "USER", "LOGNAME", "TERM",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "ANTHROPIC_BASE_URL",
})
EXTRA_HINT = "install it with: pip install -c constraints.txt -e '.[agent]'"

TransportFactory = Callable[["ClaudeAgentOptions"], "Transport"]


def require_sdk() -> None:
    """Raise a UsageError saying how to install the extra when the SDK is missing."""
    try:
        import claude_agent_sdk  # noqa: F401
    except ImportError:
        raise UsageError(
            f"the agent orchestrator needs the claude-agent-sdk extra; {EXTRA_HINT}"
        ) from None


@dataclass
class SessionOutcome:
    """What one session did; ``stop`` is ``finished`` or why it stopped early."""

    session_id: str | None = None
    stop: str = "no result"
    ok: bool = False
    turns: int | None = None
    cost_usd: float | None = None
    result: str = ""
    denied: list[str] = field(default_factory=list)
    #: the result message's token counts (``input_tokens``, ``output_tokens``, ...)
    usage: dict[str, Any] | None = None


def child_env_keeps(name: str) -> bool:
    """Whether an inherited variable reaches the CLI child (``LC_*`` and the SDK's own)."""
    return name in CHILD_ENV_ALLOWED or name.startswith(("LC_", "CLAUDE_CODE_",
                                                         "CLAUDE_AGENT_SDK_"))


def build_options(
    tools: AgentTools,
    config: AgentConfig,
    *,
    system_prompt: str,
    workdir: Path,
    config_dir: Path,
    key: ApiKey,
    resume: str | None,
) -> ClaudeAgentOptions:
    """The SDK options for a session confined to ``tools``."""
    from claude_agent_sdk import ClaudeAgentOptions, HookMatcher

    from dossier.runtime.agent.sdk_server import QUALIFIED_NAMES, SERVER_NAME, build_server

    allowed = set(QUALIFIED_NAMES)

    async def guard(data: Any, tool_use_id: str | None, context: Any) -> Any:
        name = str((data or {}).get("tool_name", ""))
        if name in allowed:
            return {}
        tools.refuse(name or "?", f"tool {name!r} is not available: only Dossier's tools are",
                     tool_use_id)
        return {"hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": f"{name} is disabled; use Dossier's tools "
                                        "(mcp__dossier__*)",
        }}

    return ClaudeAgentOptions(
        tools=[],
        allowed_tools=list(QUALIFIED_NAMES),
        disallowed_tools=list(BUILTIN_TOOLS),
        permission_mode="dontAsk",
        setting_sources=[],
        strict_mcp_config=True,
        mcp_servers={SERVER_NAME: build_server(tools)},
        hooks={"PreToolUse": [HookMatcher(matcher=None, hooks=[guard])]},
        system_prompt=system_prompt,
        model=config.model,
        max_turns=config.max_turns,
        max_budget_usd=config.max_budget_usd,
        resume=resume,
        cwd=workdir,
        env={KEY_ENV: key.reveal(), "CLAUDE_CONFIG_DIR": str(config_dir),
             "HOME": str(workdir),
             # No telemetry, error reporting or auto-update: only the model API is called.
             "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"},
    )


def confined_transport(options: ClaudeAgentOptions) -> Transport:
    """The real transport: the bundled CLI, started with an allow-listed environment."""
    from claude_agent_sdk._internal.transport.subprocess_cli import SubprocessCLITransport

    class ConfinedCLITransport(SubprocessCLITransport):
        """Starts the CLI through ``env -u NAME ...`` for every inherited name not allowed.

        The SDK merges the caller's whole environment into the child's; removing
        names (never values) on the command line keeps secrets out of the child and
        out of its argv.
        """

        def _build_command(self) -> list[str]:
            command = super()._build_command()
            env_tool = shutil.which("env") or "/usr/bin/env"
            drop = sorted(n for n in os.environ if not child_env_keeps(n)
                          and n not in (options.env or {}))
            prefix = [env_tool]
            for name in drop:
                prefix.extend(["-u", name])
            return [*prefix, *command]

    return ConfinedCLITransport(prompt="", options=options)


async def run_session(
    prompt: str,
    options: ClaudeAgentOptions,
    transport: Transport,
    on_session: Callable[[str], None] = lambda session_id: None,
    tools: AgentTools | None = None,
    on_turn: Callable[[int], None] = lambda turn: None,
) -> SessionOutcome:
    """Drive the session to its result; the SDK's failures become ``stop`` reasons.

    ``on_session`` is told the session id as soon as it is known, so a run killed
    later can still be resumed.  With ``tools``, a call to a tool other than
    Dossier's that the CLI itself refused (it has no such tool) is recorded there
    too, so every refusal reaches the run record whoever made it.  ``on_turn`` is
    told the number of each model turn (assistant message) as it arrives, for
    progress; ``outcome.turns`` is that count until the result message gives the
    SDK's own.
    """
    from claude_agent_sdk import (
        AssistantMessage,
        ResultMessage,
        SystemMessage,
        ToolResultBlock,
        ToolUseBlock,
        UserMessage,
        query,
    )

    from dossier.runtime.agent.sdk_server import QUALIFIED_NAMES

    outcome = SessionOutcome()
    foreign: dict[str, str] = {}  # tool-use id -> name, for calls to tools not Dossier's
    try:
        async for message in query(prompt=prompt, options=options, transport=transport):
            if isinstance(message, AssistantMessage):
                outcome.turns = (outcome.turns or 0) + 1
                on_turn(outcome.turns)
                for block in message.content:
                    if isinstance(block, ToolUseBlock) and block.name not in QUALIFIED_NAMES:
                        foreign[block.id] = block.name
            elif isinstance(message, UserMessage) and tools is not None:
                for block in message.content if isinstance(message.content, list) else []:
                    if (isinstance(block, ToolResultBlock) and block.is_error
                            and block.tool_use_id in foreign):
                        name = foreign[block.tool_use_id]
                        tools.refuse(name, f"tool {name!r} is not available in this session",
                                     block.tool_use_id)
            if isinstance(message, SystemMessage) and message.subtype == "init":
                session = message.data.get("session_id")
                if isinstance(session, str) and session and session != outcome.session_id:
                    outcome.session_id = session
                    on_session(session)
            elif isinstance(message, ResultMessage):
                outcome.session_id = message.session_id or outcome.session_id
                outcome.turns = message.num_turns
                outcome.cost_usd = message.total_cost_usd
                outcome.usage = dict(message.usage) if isinstance(message.usage, dict) else None
                outcome.result = (message.result or "")[:2000]
                outcome.ok = not message.is_error
                outcome.stop = "finished" if outcome.ok else (message.subtype or "error")
                outcome.denied = [str(d) for d in message.permission_denials or []]
    except Exception as exc:  # the SDK raises bare Exceptions too; the run must fail cleanly
        outcome.ok = False
        outcome.stop = f"{type(exc).__name__}: {exc}"
    return outcome
