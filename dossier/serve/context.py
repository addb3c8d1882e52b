"""A concept with its neighbourhood, cut to fit a token budget.

An agent that wants "everything relevant about X" would otherwise call
get_concept, then get_related, then get_concept on each neighbour, and still not
know when to stop.  :func:`build_context` answers in one call and never exceeds the
budget the agent states: the concept's own body first (cut at a paragraph when it
alone would take more than most of the budget), then its neighbours nearest first,
each as title, type, description and the sentence that links it.  What did not fit
is counted, so the agent knows the picture is partial and can ask for more.

Tokens are estimated as characters / 4 (the usual rule of thumb for English text
with Claude-family and GPT-family tokenizers); the estimate is conservative enough
for budgeting and needs no tokenizer dependency.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, Field

from dossier.serve.knowledge import MAX_RELATED, KnowledgeBase
from dossier.serve.models import TrustTier
from dossier.serve.search import check_limit

MIN_BUDGET = 200
MAX_BUDGET = 50_000
DEFAULT_BUDGET = 2_000
BODY_SHARE = 0.6  # at most this share of the budget goes to the concept's own body
_CHARS_PER_TOKEN = 4
_TRUNCATION_MARK = "\n\n[... cut to fit the token budget; read the whole concept with get_concept]"


def estimate_tokens(text: str) -> int:
    """Rough token count of ``text`` (characters / 4, rounded up)."""
    return math.ceil(len(text) / _CHARS_PER_TOKEN)


class ContextNeighbour(BaseModel):
    """A concept near the requested one, summarised."""

    id: str
    title: str
    type: str
    description: str
    distance: int = Field(description="Link hops from the requested concept (1 = direct).")
    direction: str = Field(description="outgoing (this links to it) or incoming (it links here).")
    context: str = Field(description="The sentence that holds the link.")


class ConceptContext(BaseModel):
    """A concept and as much of its neighbourhood as fits the budget."""

    concept_id: str
    uri: str
    title: str
    type: str
    description: str
    status: str
    trust_tier: TrustTier
    body: str = Field(description="The concept's markdown body, cut at a paragraph if needed.")
    body_truncated: bool
    neighbours: list[ContextNeighbour] = Field(description="Nearest first, within the budget.")
    omitted_neighbours: int = Field(description="Neighbours found but left out for the budget.")
    budget_tokens: int
    tokens_estimate: int = Field(description="Estimated tokens of everything returned.")


def _cut_body(body: str, allowance: int) -> tuple[str, bool]:
    """``body`` itself when it fits ``allowance`` tokens, else its leading paragraphs."""
    if estimate_tokens(body) <= allowance:
        return body, False
    room = max(0, allowance * _CHARS_PER_TOKEN - len(_TRUNCATION_MARK))
    kept: list[str] = []
    used = 0
    for paragraph in body.split("\n\n"):
        cost = len(paragraph) + 2
        if used + cost > room:
            break
        kept.append(paragraph)
        used += cost
    if not kept:  # one huge first paragraph: cut it at a line, else at a character
        head = body[:room]
        newline = head.rfind("\n")
        kept = [head[:newline] if newline > room // 2 else head]
    return "\n\n".join(kept).rstrip() + _TRUNCATION_MARK, True


def _neighbour_cost(n: ContextNeighbour) -> int:
    return estimate_tokens(f"{n.id} {n.title} {n.type} {n.description} {n.context}") + 12


def build_context(
    kb: KnowledgeBase, concept_id: str, budget_tokens: int = DEFAULT_BUDGET, depth: int = 2
) -> ConceptContext:
    """``concept_id`` with its neighbourhood, never more than ``budget_tokens`` (estimated)."""
    check_limit("budget_tokens", budget_tokens, MIN_BUDGET, MAX_BUDGET)
    view = kb.get_concept(concept_id)
    meta = view.frontmatter
    title = str(meta.get("title") or view.id)
    ctype = str(meta.get("type") or "")
    description = str(meta.get("description") or "")
    header = estimate_tokens(f"{view.id} {view.uri} {title} {ctype} {description}") + 40
    body, cut = _cut_body(view.body, max(0, int(budget_tokens * BODY_SHARE) - header))
    used = header + estimate_tokens(body)

    related = kb.get_related(view.id, depth=depth, limit=MAX_RELATED).related
    rows = kb.index.rows_by_id([r.id for r in related], ["description"])
    neighbours: list[ContextNeighbour] = []
    omitted = 0
    for item in related:  # breadth-first: nearest first
        candidate = ContextNeighbour(
            id=item.id,
            title=item.title,
            type=item.type,
            description=str((rows.get(item.id) or {}).get("description") or ""),
            distance=item.distance,
            direction=item.direction,
            context=item.context,
        )
        cost = _neighbour_cost(candidate)
        if used + cost > budget_tokens:
            omitted += 1
            continue
        neighbours.append(candidate)
        used += cost
    return ConceptContext(
        concept_id=view.id,
        uri=view.uri,
        title=title,
        type=ctype,
        description=description,
        status=view.status,
        trust_tier=view.trust_tier,
        body=body,
        body_truncated=cut,
        neighbours=neighbours,
        omitted_neighbours=omitted,
        budget_tokens=budget_tokens,
        tokens_estimate=used,
    )
