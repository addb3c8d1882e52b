"""Tools and prompts that hand an agent a picture, not a pile of lookups.

Three additions to the tenant's MCP server, all read-only:

- ``get_context``: a concept with its neighbourhood within a token budget
  (:mod:`dossier.serve.context`);
- ``list_changes``: what the bundle's history says changed since a date
  (:mod:`dossier.serve.changes`);
- the prompts ``brief_me`` ("brief me on this client") and ``what_changed``, which
  a client shows its user as ready-made requests.  A prompt's text carries the
  facts the model needs to start (the vocabulary, the change list) and names the
  tools to go deeper, so the answer is grounded in this tenant's knowledge and
  cites concept ids.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from dossier.serve.changes import ChangesSince, changes_since
from dossier.serve.context import (
    DEFAULT_BUDGET,
    MAX_BUDGET,
    MIN_BUDGET,
    ConceptContext,
    build_context,
)
from dossier.serve.knowledge import KnowledgeBase
from dossier.serve.write_tools import READ_ONLY, Guard
from dossier.tenancy import TenantContext

_LISTED_CHANGES = 60  # ids named in the what_changed prompt; list_changes has them all


def register_context_tools(
    server: MCPServer, ctx: TenantContext, kb: KnowledgeBase,
    guarded: Guard,
) -> None:
    """Add get_context, list_changes and the two prompts to ``server``."""

    @server.tool(annotations=READ_ONLY)
    def get_context(
        concept_id: Annotated[str, Field(description="Concept id, e.g. 'decisions/use-kafka'.")],
        budget_tokens: Annotated[
            int,
            Field(
                description=f"Most tokens to return ({MIN_BUDGET}-{MAX_BUDGET}), estimated as "
                "characters/4.",
                json_schema_extra={"minimum": MIN_BUDGET, "maximum": MAX_BUDGET},
            ),
        ] = DEFAULT_BUDGET,
    ) -> ConceptContext:
        """A concept and its neighbourhood in one call, sized to a token budget.

        Returns the concept's body (cut at a paragraph if it would take most of the
        budget) and then linked concepts nearest first (title, type, description and
        the sentence that links them) until the budget is used; omitted_neighbours
        says how many did not fit. Use it to brief yourself on a topic before
        answering; use get_concept for one concept's full text.
        """
        return guarded(lambda: build_context(kb, concept_id, budget_tokens))

    @server.tool(annotations=READ_ONLY)
    def list_changes(
        since: Annotated[
            str, Field(description="ISO date (2026-11-30) or date-time (2026-11-30T09:00:00Z).")
        ],
    ) -> ChangesSince:
        """What changed in this knowledge base since a date, from its git history.

        Each commit (newest first) with who made it (the loop, an agent, a person) and
        the concept ids it added, changed and removed, plus the net totals.
        """
        return guarded(lambda: changes_since(ctx, since))

    @server.prompt(title="Brief me on this client")
    def brief_me() -> str:
        """A briefing on this client from its knowledge base: what it is, key decisions,
        systems, people, risks and open actions, citing concept ids."""
        vocabulary = guarded(kb.vocabulary)
        types = ", ".join(f"{name} ({count})" for name, count in vocabulary.types.items())
        return (
            f"Brief me on client '{ctx.client_id}' using only its Dossier knowledge base "
            f"({vocabulary.concepts} concepts; types: {types or 'none yet'}).\n\n"
            "Read the okf://index resource first. Then cover, in this order: what the "
            "client does and what the engagement is about; the decisions in force (skip "
            "deprecated ones, say which superseded which); the main systems and how they "
            "connect; the people and their roles; open risks and action items. Use "
            "list_concepts with a type filter to enumerate, get_context to read a concept "
            "with its neighbours, and search_concepts for anything specific. Cite every "
            "claim with the concept id it comes from, say when a concept is a draft or "
            "unverified, and say plainly what the knowledge base does not cover."
        )

    @server.prompt(title="What changed since a date")
    def what_changed(
        since: Annotated[str, Field(description="ISO date, e.g. 2026-11-30.")],
    ) -> str:
        """A summary of what changed in this client's knowledge since a date."""
        changes = guarded(lambda: changes_since(ctx, since))

        def named(ids: list[str]) -> str:
            shown = ", ".join(ids[:_LISTED_CHANGES])
            more = len(ids) - _LISTED_CHANGES
            return (shown + (f" and {more} more" if more > 0 else "")) or "none"

        actors = sorted({c.actor for c in changes.commits})
        return (
            f"Summarise what changed in client '{ctx.client_id}''s knowledge since "
            f"{changes.since}: {len(changes.commits)} commit(s) by {', '.join(actors) or 'nobody'}."
            f"\n\nAdded: {named(changes.added)}.\nChanged: {named(changes.changed)}."
            f"\nRemoved: {named(changes.removed)}.\n\n"
            "Group the changes by theme, lead with decisions and anything that "
            "contradicts what was known before, and note drafts written by agents that "
            "still await review. Read concepts with get_context or get_concept and their "
            "history with get_concept_history; list_changes gives the full per-commit list. "
            "Cite concept ids."
        )
