"""The read-only view of one tenant's knowledge that the MCP tools expose.

Everything is bound to one :class:`TenantContext` at construction; no method takes
a tenant, so nothing an agent sends can point it at another client.  Concept ids
from outside go through :meth:`Bundle.path_for` (no ``..``, absolute paths,
backslashes, percent-escapes; symlinks must resolve inside the bundle) before any
file is read.  Whole-bundle questions (listing, backlinks) are answered from the
search index rather than by parsing every file, so they stay fast at 50,000 concepts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections import deque
from collections.abc import Sequence
from typing import Any

from dossier.okf import Bundle, ConceptDocument, ConceptNotFoundError, Link
from dossier.serve.errors import InvalidArgumentError
from dossier.serve.index import SearchIndex
from dossier.serve.models import (
    ConceptHistory,
    ConceptPage,
    ConceptSummary,
    ConceptView,
    HistoryEntry,
    LinkView,
    RelatedConcept,
    RelatedResult,
    SearchResults,
    Vocabulary,
)
from dossier.serve.search import (
    SearchMode,
    check_label,
    check_limit,
    resolve_type,
    search_index,
    vocabulary,
)
from dossier.serve.sqlstore import filter_clause
from dossier.tenancy import TenantContext, TenantRepo

MAX_DEPTH = 3
MAX_RELATED = 100
MAX_PAGE = 100
MAX_ID_CHARS = 500


def _link_view(link: Link) -> LinkView:
    return LinkView(
        source_id=link.source_id,
        target_id=link.target_id,
        href=link.href,
        text=link.text,
        context=link.context,
        line=link.line,
        broken=link.broken,
    )


def _json_safe(value: Any) -> Any:
    """Frontmatter as JSON: YAML may hold dates or odd keys that JSON cannot."""
    return json.loads(json.dumps(value, default=str))


class KnowledgeBase:
    """Read one tenant's bundle: search, concepts, links, listings, history."""

    def __init__(self, ctx: TenantContext, index: SearchIndex | None = None) -> None:
        self.ctx = ctx
        self.bundle = Bundle(ctx.bundle_dir)
        self.index = index or SearchIndex(ctx)

    # -- single concepts ----------------------------------------------------------------

    def _check_id(self, concept_id: object) -> str:
        if not isinstance(concept_id, str) or not concept_id.strip():
            raise InvalidArgumentError("concept_id must be a non-empty string")
        if len(concept_id) > MAX_ID_CHARS:
            raise InvalidArgumentError(f"concept_id is longer than {MAX_ID_CHARS} characters")
        concept_id = concept_id.strip()
        if concept_id.endswith(".md"):
            concept_id = concept_id[:-3]  # agents often pass the file name
        self.bundle.path_for(concept_id)  # InvalidConceptIdError for escapes
        return concept_id

    def read_document(self, concept_id: str) -> ConceptDocument:
        """The concept's document; ConceptNotFoundError / InvalidConceptIdError otherwise."""
        concept_id = self._check_id(concept_id)
        try:
            return self.bundle.read(concept_id)
        except ConceptNotFoundError:
            raise ConceptNotFoundError(
                f"no concept {concept_id!r} in tenant {self.ctx.client_id!r}; "
                "use search_concepts or list_concepts to find ids"
            ) from None

    def read_markdown(self, concept_id: str) -> str:
        """The concept file's text as stored (for the ``okf://<id>`` resource)."""
        concept_id = self._check_id(concept_id)
        path = self.bundle.path_for(concept_id)
        if not path.is_file():
            raise ConceptNotFoundError(
                f"no concept {concept_id!r} in tenant {self.ctx.client_id!r}"
            )
        return path.read_text(encoding="utf-8")

    def vocabulary(self) -> Vocabulary:
        """How many concepts carry each type and each tag."""
        types, tags = vocabulary(self.index)
        return Vocabulary(types=types, tags=tags, concepts=sum(types.values()))

    def folder_index_markdown(self, folder: str) -> str:
        """A folder's ``index.md`` (``okf://decisions/index``), confined to the bundle.

        Concept ids may not end in ``index`` (a reserved name), but the root index links
        to these files, so an agent following a link must be able to read them.
        """
        if not isinstance(folder, str) or "\x00" in folder or len(folder) > MAX_ID_CHARS:
            raise InvalidArgumentError("not a folder of this bundle")
        folder = folder.strip().strip("/")
        if not folder:
            return self.index_markdown()
        if any(part in ("", ".", "..") or part.startswith(".") for part in folder.split("/")):
            raise InvalidArgumentError(f"{folder!r} is not a folder of this bundle")
        path = self.ctx.confine(self.ctx.bundle_dir / folder / "index.md")
        bundle = self.ctx.bundle_dir.resolve()
        if not path.is_relative_to(bundle) or path.is_symlink() or not path.is_file():
            raise ConceptNotFoundError(
                f"no index for folder {folder!r} in tenant {self.ctx.client_id!r}"
            )
        return path.read_text(encoding="utf-8")

    def index_markdown(self) -> str:
        """The bundle's root ``index.md`` (an empty-bundle note when absent)."""
        path = self.ctx.bundle_dir / "index.md"
        if path.is_symlink() or not path.is_file():
            return f"# {self.ctx.client_id}\n\nThis bundle has no index.md yet.\n"
        return path.read_text(encoding="utf-8")

    def _incoming(self, concept_id: str) -> list[Link]:
        """Links from other concepts to ``concept_id`` (sources found via the index)."""
        links: list[Link] = []
        for source_id in self.index.backlink_sources(concept_id):
            try:
                source_links = self.bundle.links_from(source_id)
            except (ConceptNotFoundError, OSError):
                continue
            links.extend(link for link in source_links if link.target_id == concept_id)
        return links

    def get_concept(self, concept_id: str) -> ConceptView:
        doc = self.read_document(concept_id)
        concept = doc.concept
        outgoing = self.bundle.links_from(doc.concept_id)
        return ConceptView(
            id=doc.concept_id,
            uri=f"okf://{doc.concept_id}",
            frontmatter=_json_safe(doc.frontmatter),
            body=doc.body,
            trust_tier=concept.trust_tier,
            status=concept.effective_status,
            stale=concept.is_stale(),
            links=[_link_view(link) for link in outgoing],
            backlinks=[_link_view(link) for link in self._incoming(doc.concept_id)],
        )

    # -- graph ------------------------------------------------------------------------

    def get_related(self, concept_id: str, depth: int = 1, limit: int = 20) -> RelatedResult:
        """Breadth-first neighbours through links and backlinks, nearest first."""
        check_limit("depth", depth, 1, MAX_DEPTH)
        check_limit("limit", limit, 1, MAX_RELATED)
        start = self.read_document(concept_id).concept_id
        seen = {start}
        found: list[RelatedConcept] = []
        frontier: deque[tuple[str, int]] = deque([(start, 0)])
        truncated = False
        while frontier and not truncated:
            current, distance = frontier.popleft()
            if distance >= depth:
                continue
            try:
                outgoing = self.bundle.links_from(current)
            except (ConceptNotFoundError, OSError):
                outgoing = []
            edges: list[tuple[str, str, str]] = [
                (link.target_id, "outgoing", link.context)
                for link in outgoing
                if link.target_id is not None and not link.broken
            ]
            edges.extend(
                (link.source_id, "incoming", link.context) for link in self._incoming(current)
            )
            for neighbour, direction, context in edges:
                if neighbour in seen:
                    continue
                if len(found) >= limit:
                    truncated = True
                    break
                seen.add(neighbour)
                found.append(
                    RelatedConcept(
                        id=neighbour,
                        title=neighbour,
                        type="",
                        direction=direction,  # type: ignore[arg-type]
                        distance=distance + 1,
                        via=current,
                        context=context,
                    )
                )
                frontier.append((neighbour, distance + 1))
        rows = self.index.rows_by_id([r.id for r in found], ["title", "type"])
        for item in found:
            row = rows.get(item.id)
            if row is not None:
                item.title = row.get("title") or item.id
                item.type = row.get("type") or ""
        return RelatedResult(concept_id=start, depth=depth, related=found, truncated=truncated)

    # -- listing ------------------------------------------------------------------------

    def list_concepts(
        self,
        type: str | None = None,
        tag: str | None = None,
        prefix: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> ConceptPage:
        """A page of concepts in id order, optionally filtered."""
        check_limit("limit", limit, 1, MAX_PAGE)
        if type is not None:
            check_label("type", type)
            type = resolve_type(self.index, type)
        if tag is not None:
            check_label("tag", tag)
        if prefix is not None and (
            not isinstance(prefix, str) or any(ord(ch) < 32 for ch in prefix)
        ):
            raise InvalidArgumentError(f"prefix {prefix!r} is not a valid id prefix")
        fingerprint = hashlib.sha256(
            json.dumps([type, tag, prefix]).encode()
        ).hexdigest()[:12]
        after = _decode_cursor(cursor, fingerprint) if cursor else None
        ids = self.index.ids(filter_clause(type, [tag] if tag else []))
        if prefix:
            ids = [i for i in ids if i.startswith(prefix)]
        remaining = [i for i in ids if after is None or i > after]
        page_ids = remaining[:limit]
        rows = self.index.rows_by_id(
            page_ids, ["title", "type", "description", "tags", "status", "trust_tier"]
        )
        concepts = [
            ConceptSummary(
                id=cid,
                title=rows[cid].get("title") or cid,
                type=rows[cid].get("type") or "",
                description=rows[cid].get("description") or "",
                tags=list(rows[cid].get("tags") or []),
                status=rows[cid].get("status") or "stable",
                trust_tier=rows[cid].get("trust_tier") or "unverified",
            )
            for cid in page_ids
            if cid in rows
        ]
        next_cursor = (
            _encode_cursor(page_ids[-1], fingerprint) if len(remaining) > limit else None
        )
        return ConceptPage(concepts=concepts, next_cursor=next_cursor, total=len(ids))

    # -- search and history -------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 10,
        type: str | None = None,
        tags: Sequence[str] | None = None,
        mode: SearchMode = "keyword",
    ) -> SearchResults:
        return search_index(self.index, query, limit=limit, type=type, tags=tags, mode=mode)

    def history(self, concept_id: str) -> ConceptHistory:
        """Loop iterations whose commits touched the concept's file, newest first."""
        concept_id = self._check_id(concept_id)
        iterations = TenantRepo(self.ctx).file_history(f"bundle/{concept_id}.md")
        if not iterations and not self.bundle.exists(concept_id):
            raise ConceptNotFoundError(
                f"no concept {concept_id!r} in tenant {self.ctx.client_id!r}, and no history for it"
            )
        return ConceptHistory(
            concept_id=concept_id,
            iterations=[
                HistoryEntry(
                    run_id=it.run_id or "",
                    date=it.date,
                    commit=it.sha,
                    summary=it.summary,
                )
                for it in iterations
            ],
        )


def _encode_cursor(after: str, fingerprint: str) -> str:
    raw = json.dumps({"a": after, "f": fingerprint}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, fingerprint: str) -> str:
    """The id a cursor continues after; InvalidArgumentError for a foreign or bad cursor."""
    if not isinstance(cursor, str) or len(cursor) > 2000:
        raise InvalidArgumentError("cursor is not valid; pass the next_cursor of a previous page")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after, mark = data["a"], data["f"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidArgumentError(
            "cursor is not valid; pass the next_cursor of a previous page"
        ) from None
    if not isinstance(after, str) or mark != fingerprint:
        raise InvalidArgumentError(
            "cursor belongs to a listing with other filters; start again without a cursor"
        )
    return after
