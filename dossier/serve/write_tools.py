"""MCP tools through which an agent records knowledge (off unless writes are allowed).

The tools are thin: every rule (ownership, draft status, validation, the tenant
lock, one commit per write, idempotency) lives in :class:`KnowledgeWriter`, which
the ``dossier review`` command shares.  The descriptions are written for a model
choosing a tool: when to use it, what it does to the knowledge base, and that a
person reviews what it writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Protocol, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field

from dossier.serve.writes import KnowledgeWriter, PendingList, WriteResult

T = TypeVar("T")


class Guard(Protocol):
    """Runs a tool body, turning DossierErrors into ToolErrors (the server's ``guarded``)."""

    def __call__(self, fn: Callable[[], T]) -> T: ...


#: The annotation of every read-only tool of the tenant's server.
READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
_WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                         open_world_hint=False)
_KEY = Field(
    description="A unique key for this write (e.g. a UUID). Retrying with the same key "
    "writes once and returns the first result. Strongly recommended."
)


def register_write_tools(
    server: MCPServer, writer: KnowledgeWriter, guarded: Guard
) -> None:
    """Add the write tools to ``server``; each call goes through ``writer``."""

    @server.tool(annotations=_WRITE)
    def propose_concept(
        type: Annotated[str, Field(description="OKF type, e.g. Decision, Requirement, Risk, "
                                               "System, Stakeholder, Glossary Term, Note.")],
        title: Annotated[str, Field(description="Short name of the concept.")],
        description: Annotated[str, Field(description="One sentence saying what it is.")] = "",
        body: Annotated[str, Field(description="Markdown body: the knowledge itself.")] = "",
        links: Annotated[list[str] | None, Field(
            description="Ids of existing concepts this one relates to (e.g. "
            "'systems/billing'); each becomes a link.")] = None,
        sources: Annotated[list[str] | None, Field(
            description="Where it came from: https URLs, or source snapshot paths as "
            "cited by other concepts (e.g. 'corpus/notes-md.md#L3-L9').")] = None,
        note: Annotated[str | None, Field(
            description="Where you learned this when there is no source file (e.g. "
            "'call with the CFO, 3 Dec').")] = None,
        tags: Annotated[list[str] | None, Field(description="Tags to file it under.")] = None,
        idempotency_key: Annotated[str | None, _KEY] = None,
    ) -> WriteResult:
        """Record a new concept you learned (a decision, requirement, risk, person...).

        It is saved as a draft owned by this agent, validated as OKF and committed to
        the client's knowledge history; a person reviews it later. Use amend_concept to
        change an existing concept instead of proposing a duplicate (search first).
        """
        return guarded(lambda: writer.propose(
            type=type, title=title, description=description, body=body, links=links,
            sources=sources, note=note, tags=tags, key=idempotency_key))

    @server.tool(annotations=_WRITE)
    def record_decision(
        title: Annotated[str, Field(description="What was decided, as a short title.")],
        decision: Annotated[str, Field(description="The decision in a sentence or two.")],
        rationale: Annotated[str, Field(description="Why, if known.")] = "",
        idempotency_key: Annotated[str | None, _KEY] = None,
    ) -> WriteResult:
        """Record a decision you just heard or made, in a few words (a draft Decision)."""
        return guarded(lambda: writer.record_decision(title, decision, rationale,
                                                      key=idempotency_key))

    @server.tool(annotations=_WRITE)
    def record_note(
        text: Annotated[str, Field(description="What is worth keeping.")],
        title: Annotated[str, Field(description="Optional short title.")] = "",
        idempotency_key: Annotated[str | None, _KEY] = None,
    ) -> WriteResult:
        """Record a note that is not (yet) a typed concept; a person may type it later."""
        return guarded(lambda: writer.record_note(text, title, key=idempotency_key))

    @server.tool(annotations=_WRITE)
    def amend_concept(
        concept_id: Annotated[str, Field(description="Id of the concept to change.")],
        description: Annotated[str | None, Field(description="New one-sentence "
                                                             "description.")] = None,
        body: Annotated[str | None, Field(description="New markdown body (replaces it).")] = None,
        append: Annotated[str | None, Field(description="Markdown to add at the end.")] = None,
        idempotency_key: Annotated[str | None, _KEY] = None,
    ) -> WriteResult:
        """Correct or extend an existing concept; it becomes this agent's draft for review.

        Concepts a person wrote or reviewed cannot be amended by an agent.
        """
        return guarded(lambda: writer.amend(concept_id, description=description, body=body,
                                            append=append, key=idempotency_key))

    @server.tool(annotations=_WRITE)
    def deprecate_concept(
        concept_id: Annotated[str, Field(description="Id of the concept that is no longer "
                                                     "current.")],
        reason: Annotated[str, Field(description="Why it no longer holds.")],
        superseded_by: Annotated[str | None, Field(
            description="Id of the concept that replaces it, if any.")] = None,
        idempotency_key: Annotated[str | None, _KEY] = None,
    ) -> WriteResult:
        """Mark a concept as no longer current (kept for history and links)."""
        return guarded(lambda: writer.deprecate(concept_id, reason, superseded_by,
                                                key=idempotency_key))


def register_review_tool(server: MCPServer, writer: KnowledgeWriter, guarded: Guard) -> None:
    """The read-only list of drafts waiting for a person (always available)."""

    @server.tool(annotations=READ_ONLY)
    def list_pending_reviews() -> PendingList:
        """Concepts agents wrote that no person has reviewed yet (status draft)."""
        return guarded(writer.pending)
