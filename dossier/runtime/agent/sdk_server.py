"""Serve :class:`AgentTools` in-process as an Agent SDK MCP server.

The SDK routes the CLI's MCP calls to this server through its control protocol;
the server lives in this process, so the tools run against this tenant's
context and nothing else.  A refusal comes back to the model as an error result it
can read (and is already in :attr:`AgentTools.refused` for the record).

Imports ``claude_agent_sdk``: import this module only after the extra was checked.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from claude_agent_sdk import McpSdkServerConfig, SdkMcpTool, create_sdk_mcp_server

from dossier.runtime.agent.tools import AgentTools, ToolRefused

SERVER_NAME = "dossier"


def _text(s: str) -> dict[str, Any]:
    return {"type": "string", "description": s}


def _object(required: list[str], **properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}


_STRINGS = {"type": "array", "items": {"type": "string"}}

#: name -> (description, JSON schema of the arguments)
TOOL_SPECS: dict[str, tuple[str, dict[str, Any]]] = {
    "list_sources": ("List this client's ingested sources (path, title, media type).",
                     _object([])),
    "read_source": (
        "Read lines of one source; path as list_sources gives it (relative to the sources "
        "folder).",
        _object(["path"], path=_text("Source path from list_sources."),
                start_line={"type": "integer", "minimum": 1},
                max_lines={"type": "integer", "minimum": 1, "maximum": 400}),
    ),
    "search_concepts": ("Search the knowledge base's concepts by words.",
                        _object(["query"], query=_text("Words to look for."),
                                limit={"type": "integer", "minimum": 1, "maximum": 25})),
    "get_concept": ("One concept: frontmatter, body, links and backlinks.",
                    _object(["concept_id"], concept_id=_text("e.g. 'systems/ledger'."))),
    "propose_concept": (
        "Propose a new concept (it lands as your draft for a person to review).",
        _object(["type", "title"], type=_text("e.g. System, Person, Decision, Term."),
                title=_text("Name of the concept."),
                description=_text("One sentence saying what it is."),
                body=_text("Markdown body."),
                sources={**_STRINGS, "description": "Source paths (from list_sources), "
                         "optionally with #Lstart-Lend."},
                links={**_STRINGS, "description": "Ids of existing concepts it relates to."},
                tags=_STRINGS),
    ),
    "link_concepts": ("Link one concept to another.",
                      _object(["from_id", "to_id"], from_id=_text("Concept to link from."),
                              to_id=_text("Concept to link to."),
                              label=_text("Kind of link, e.g. 'Depends on'."))),
    "amend_concept": ("Change a concept's description or body (not a person's concept).",
                      _object(["concept_id"], concept_id=_text("Concept id."),
                              description=_text("New one-sentence description."),
                              body=_text("New markdown body."))),
    "deprecate_concept": (
        "Mark a concept no longer current, e.g. a duplicate, naming what supersedes it.",
        _object(["concept_id", "reason"], concept_id=_text("Concept id."),
                reason=_text("Why."), superseded_by=_text("Id of the concept that replaces "
                                                          "it."))),
    "finish": ("Say you are done, with a short summary of what you did.",
               _object(["summary"], summary=_text("What you proposed and why."))),
}

#: The names the model calls them by (``mcp__<server>__<tool>``).
QUALIFIED_NAMES = tuple(f"mcp__{SERVER_NAME}__{name}" for name in TOOL_SPECS)


def _handler(tools: AgentTools, name: str) -> Callable[[dict[str, Any]], Awaitable[dict[str,
                                                                                          Any]]]:
    async def handle(arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            result = tools.call(name, dict(arguments))
        except ToolRefused as exc:
            return {"content": [{"type": "text", "text": f"refused: {exc}"}], "is_error": True}
        return {"content": [{"type": "text", "text": json.dumps(result, ensure_ascii=False)}]}

    return handle


def build_server(tools: AgentTools) -> McpSdkServerConfig:
    """An in-process MCP server exposing ``tools`` under :data:`SERVER_NAME`."""
    defs = [SdkMcpTool(name=name, description=description, input_schema=schema,
                       handler=_handler(tools, name))
            for name, (description, schema) in TOOL_SPECS.items()]
    return create_sdk_mcp_server(SERVER_NAME, tools=defs)
