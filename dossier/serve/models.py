"""The shapes the serve layer returns: MCP structured output and ``--json`` alike.

One set of pydantic models serves both edges so a CLI user and an agent see the
same fields with the same meaning; the JSON schema MCP advertises for each tool is
derived from these classes, so field descriptions here are what the model reads.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TrustTier = Literal["unverified", "machine-confirmed", "human-reviewed"]
Direction = Literal["outgoing", "incoming"]


class _Shape(BaseModel):
    """A model whose validator and schema are built on first use, not at import.

    Building all fourteen at import cost ``dossier search`` ~0.1 s of its 0.5 s budget
    at the shell, where one search needs four of them.
    """

    model_config = ConfigDict(defer_build=True)


class PassageRef(_Shape):
    """The passage a hit quotes (ordinal, heading) and the lines its snippet covers."""

    ordinal: int = Field(
        description="The passage's position in its concept (0 = title and description)."
    )
    heading: list[str] = Field(
        default_factory=list, description="Headings above the passage, outermost first."
    )
    line_start: int = Field(
        description="First line the snippet quotes in the concept file (1-based)."
    )
    line_end: int = Field(description="Last line the snippet quotes (inclusive).")


class Citation(_Shape):
    """The source a passage was taken from: its concept's sources[] entry, resolved."""

    source_id: str = Field(description="The sources[].id the passage's footnote names.")
    path: str = Field(
        description="The source as a path from the tenant root (sources/...), or its URI."
    )
    line_start: int | None = Field(default=None, description="First cited line of the source.")
    line_end: int | None = Field(default=None, description="Last cited line (inclusive).")
    original_line_start: int | None = Field(
        default=None,
        description="First cited line in the original file, when it numbers its lines"
        " differently from the snapshot at path (a converted HTML page); else null.",
    )
    original_line_end: int | None = Field(
        default=None, description="Last cited line in the original file (inclusive)."
    )


class SearchHit(_Shape):
    """One search result."""

    id: str = Field(description="Concept id (its path in the bundle without .md).")
    uri: str = Field(description="MCP resource URI of the concept (okf://<id>).")
    title: str
    type: str
    description: str
    tags: list[str] = Field(default_factory=list)
    snippet: str = Field(
        description="The concept's passage that best covers the query, with the passage"
        " before or after it, as plain text (at most 1,600 characters)."
    )
    score: float = Field(description="Relevance after trust/status/staleness tie-breakers.")
    trust_tier: TrustTier
    status: str = Field(description="draft | stable | deprecated (absent means stable).")
    stale: bool = Field(description="True when now >= stale_after.")
    passage: PassageRef | None = Field(
        default=None, description="Where the snippet's passage sits in the concept file."
    )
    citation: Citation | None = Field(
        default=None, description="The source lines the snippet's passage cites, if any."
    )


class SearchResults(_Shape):
    """Ranked hits for one query."""

    query: str
    mode: Literal["keyword", "hybrid"]
    hits: list[SearchHit]


class Vocabulary(_Shape):
    """The types and tags a tenant's concepts use, with how many carry each."""

    concepts: int
    types: dict[str, int]
    tags: dict[str, int]


class LinkView(_Shape):
    """A link between two concepts, with the sentence that makes it."""

    source_id: str
    target_id: str | None = Field(description="None for links to URLs or non-concept files.")
    href: str
    text: str
    context: str = Field(description="The sentence of the body holding the link.")
    line: int
    broken: bool


class ConceptView(_Shape):
    """A whole concept: frontmatter, body and its place in the link graph."""

    id: str
    uri: str
    frontmatter: dict[str, Any]
    body: str
    trust_tier: TrustTier
    status: str
    stale: bool
    links: list[LinkView] = Field(description="Links in this concept's body.")
    backlinks: list[LinkView] = Field(description="Links from other concepts to this one.")


class RelatedConcept(_Shape):
    """A neighbour reached through the link graph."""

    id: str
    title: str
    type: str
    direction: Direction = Field(
        description="outgoing: `via` links to this concept; incoming: this concept links to `via`."
    )
    distance: int = Field(description="Hops from the starting concept (1 = direct neighbour).")
    via: str = Field(description="The concept on the path one hop closer to the start.")
    context: str = Field(description="The sentence that holds the link.")


class RelatedResult(_Shape):
    """Neighbours of a concept, nearest first."""

    concept_id: str
    depth: int
    related: list[RelatedConcept]
    truncated: bool = Field(description="True when more neighbours exist than `limit`.")


class ConceptSummary(_Shape):
    """One row of a concept listing."""

    id: str
    title: str
    type: str
    description: str
    tags: list[str] = Field(default_factory=list)
    status: str
    trust_tier: TrustTier


class ConceptPage(_Shape):
    """One page of a listing; pass `next_cursor` back as `cursor` for the next."""

    concepts: list[ConceptSummary]
    next_cursor: str | None = Field(description="Opaque; None on the last page.")
    total: int = Field(description="Concepts matching the filters, over all pages.")


class HistoryEntry(_Shape):
    """One loop iteration (commit with a Dossier-Run-Id trailer) that touched a concept."""

    run_id: str
    date: str
    commit: str
    summary: str


class ConceptHistory(_Shape):
    """Loop iterations that touched a concept, newest first."""

    concept_id: str
    iterations: list[HistoryEntry]


class IndexReport(_Shape):
    """What an index sync or rebuild did."""

    concepts: int = Field(description="Concepts in the index after the operation.")
    upserted: int
    removed: int
    skipped: list[str] = Field(
        default_factory=list, description="Concept files that could not be read (id: reason)."
    )
    rebuilt: bool
    head: str | None = Field(description="The tenant git HEAD the index reflects.")
    seconds: float
