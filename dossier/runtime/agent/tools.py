"""The agent's tool set: one tenant's sources and bundle, and nothing else.

Plain Python, bound to one :class:`TenantContext` at construction; no tool takes
a tenant or an absolute path.  Source paths are relative to the tenant's
``sources/`` folder and resolved with symlinks followed (``resolve_within``, then
the tenant gate), so ``../other-tenant/...``, an absolute path or a symlink that
leads out are refused.  Concepts are read from and written to the session's
:class:`~dossier.runtime.agent.staging.StagedBundle` (a copy of the bundle in the
tenant cache with this iteration's extraction over it), never ``bundle/`` itself:
writes go through :class:`StagingWriter` (KnowledgeWriter's checks, OKF validation)
and reach the bundle only through the harness.

Every refusal is a :class:`ToolRefused` whose message has the tenant's absolute
paths masked, and is kept in :attr:`AgentTools.refused` for the run record.
:mod:`.sdk_server` serves these methods to the Agent SDK.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from dossier.errors import DossierError, UsageError
from dossier.fsutil import resolve_within
from dossier.ingest.catalogue import read_catalogue
from dossier.okf import concept_href
from dossier.okf.links import escape_link_text
from dossier.runtime.agent.staging import StagedBundle, StagingWriter
from dossier.runtime.records import RefusedCall
from dossier.serve.knowledge import KnowledgeBase
from dossier.tenancy import TenantContext

#: The agent's actor name: its drafts are ``generated.by: agent:claude``.
AGENT_ACTOR = "agent:claude"
MAX_LINES = 400
MAX_SEARCH = 25


class ToolRefused(UsageError):
    """The tool call was refused; nothing was read or changed."""


@dataclass
class AgentTools:
    """The tools of one agent session over one tenant."""

    ctx: TenantContext
    view: StagedBundle
    writer: StagingWriter = field(init=False)
    knowledge: KnowledgeBase = field(init=False)
    refused: list[RefusedCall] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)
    summary: str | None = None

    def __post_init__(self) -> None:
        self.writer = StagingWriter(self.ctx, AGENT_ACTOR, self.view)
        self._refused_ids: set[str] = set()
        self.knowledge = KnowledgeBase(self.view.ctx)
        self._hidden = sorted({str(p) for c in (self.ctx, self.view.ctx)
                               for p in (c.path, c.root, c.path.resolve(), c.root.resolve())},
                              key=len, reverse=True)

    # -- the guard every tool runs through ------------------------------------------

    def public(self, text: str) -> str:
        """``text`` with the tenant's absolute paths masked."""
        for path in self._hidden:
            text = text.replace(path, "<tenant>")
        return text

    def refuse(self, tool: str, reason: str, call_id: str | None = None) -> ToolRefused:
        """Record a refusal for the run record and return the error to raise.

        ``call_id`` (the model's tool-use id) keeps one call from being recorded twice
        when both the hook and the session transcript report it.
        """
        reason = self.public(reason)
        if call_id is None or call_id not in self._refused_ids:
            self.refused.append(RefusedCall(tool=tool, reason=reason))
        if call_id is not None:
            self._refused_ids.add(call_id)
        return ToolRefused(reason)

    def call(self, tool: str, arguments: dict[str, Any]) -> Any:
        """Run ``tool`` with ``arguments``; a DossierError becomes a recorded refusal."""
        method = getattr(self, f"tool_{tool}", None)
        if method is None:
            raise self.refuse(tool, f"no tool {tool!r}")
        try:
            return method(**arguments)
        except ToolRefused:
            raise
        except DossierError as exc:
            raise self.refuse(tool, str(exc)) from None

    # -- sources --------------------------------------------------------------------------

    def tool_list_sources(self) -> dict[str, Any]:
        """The tenant's ingested sources: path (for read_source), title, media type."""
        catalogue = read_catalogue(self.ctx.sources_dir)
        rows = [
            {"path": f"{source_id}.md", "title": entry.title, "media_type": entry.media_type}
            for source_id, entry in sorted(catalogue.entries.items())
        ]
        return {"sources": rows}

    def tool_read_source(self, path: str, start_line: int = 1,
                         max_lines: int = 200) -> dict[str, Any]:
        """Lines of one source snapshot; ``path`` is relative to the sources folder."""
        if not isinstance(path, str) or not path.strip():
            raise self.refuse("read_source", "path is required")
        if os.path.isabs(path) or path.startswith("~"):
            raise self.refuse("read_source", f"{path!r} is absolute; use a path from "
                              "list_sources (relative to the sources folder)")
        sources = self.ctx.sources_dir
        try:
            target = self.ctx.confine(resolve_within(sources, path))
        except DossierError as exc:
            raise self.refuse("read_source", f"{path!r} is outside this tenant's sources: "
                              f"{exc}") from None
        if not target.is_file():
            raise self.refuse("read_source", f"no source {path!r}; list_sources shows them")
        if start_line < 1 or not 1 <= max_lines <= MAX_LINES:
            raise self.refuse("read_source", f"start_line >= 1 and max_lines 1-{MAX_LINES}")
        lines = target.read_text(encoding="utf-8", errors="replace").splitlines()
        chunk = lines[start_line - 1:start_line - 1 + max_lines]
        return {"path": path, "start_line": start_line, "total_lines": len(lines),
                "text": "\n".join(chunk)}

    # -- concepts ------------------------------------------------------------------------

    def tool_search_concepts(self, query: str, limit: int = 10) -> dict[str, Any]:
        """Ranked concepts matching ``query`` (BM25 over the bundle)."""
        if not 1 <= limit <= MAX_SEARCH:
            raise self.refuse("search_concepts", f"limit must be 1-{MAX_SEARCH}")
        return self.knowledge.search(query, limit=limit).model_dump(mode="json")

    def tool_get_concept(self, concept_id: str) -> dict[str, Any]:
        """One concept: frontmatter, body, links and backlinks."""
        return self.knowledge.get_concept(concept_id).model_dump(mode="json")

    def tool_propose_concept(
        self, type: str, title: str, description: str = "", body: str = "",
        sources: list[str] | None = None, links: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> dict[str, Any]:
        """A new concept, as this agent's draft; ``sources`` are paths from list_sources."""
        result = self.writer.propose(type=type, title=title, description=description, body=body,
                                     sources=sources, links=links, tags=tags)
        return self._done(result.concept_id, result.action)

    def tool_link_concepts(self, from_id: str, to_id: str, label: str = "Related") -> dict[str,
                                                                                           Any]:
        """Add a link from one concept to another (the source becomes this agent's draft)."""
        label = " ".join(str(label).split())[:40] or "Related"
        target = self.knowledge.read_document(to_id)
        title = str(target.frontmatter.get("title") or target.concept_id)
        line = f"- {escape_link_text(label)}: [{escape_link_text(title)}]" \
               f"({concept_href(target.concept_id)})"
        result = self.writer.amend(from_id, append=line)
        return self._done(result.concept_id, "linked")

    def tool_amend_concept(self, concept_id: str, description: str | None = None,
                           body: str | None = None) -> dict[str, Any]:
        """Change a concept's description or body (not a person's concept)."""
        result = self.writer.amend(concept_id, description=description, body=body)
        return self._done(result.concept_id, result.action)

    def tool_deprecate_concept(self, concept_id: str, reason: str,
                               superseded_by: str | None = None) -> dict[str, Any]:
        """Mark a concept no longer current (e.g. a duplicate), naming what replaces it."""
        result = self.writer.deprecate(concept_id, reason, superseded_by)
        return self._done(result.concept_id, result.action)

    def tool_finish(self, summary: str) -> dict[str, Any]:
        """Say the work is done; the summary goes into the run record."""
        self.summary = " ".join(str(summary).split())[:1000]
        return {"finished": True, "proposals": len(self.proposals)}

    def _done(self, concept_id: str, action: str) -> dict[str, Any]:
        self.proposals.append(f"{action} {concept_id}")
        return {"concept_id": concept_id, "action": action, "status": "draft",
                "note": "staged; committed with this iteration if the bundle validates"}
