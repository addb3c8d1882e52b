"""Drafts from every chunk and source → one ProposedConcept per concept, deterministically.

Resolution follows the deterministic extractor's rules and reuses its helpers: names are
compared by ``entity_key`` (case, punctuation, accents and a trailing plural folded), a
union-find joins a name to its identifier and to another concept's name given as an alias
but never joins two different identifiers, and ids come from the same ``assign_ids`` (same
folders per type, same slugs, same collision suffixes).  The model's answers may come back
in any order; everything here iterates in sorted order, so the same drafts give the same
bundle.

Optionally (``adjudicate``), the concepts the rules kept apart are offered to a judge
(``adjudicate.py``: close candidates put to the model) and the pairs it confirms are joined
by the same union-find, after the rules and in sorted order, so a confirmed pair merges
exactly as if a draft had given one name as the other's alias.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from dossier.extract.claude.candidates import Side
from dossier.extract.claude.drafts import CONCEPT_TYPES, ConceptDraft, LineRange
from dossier.extract.claude.result import ClaudeSourceResult
from dossier.extract.deterministic.bodies import dedupe_aliases
from dossier.extract.deterministic.consolidate import Component, UnionFind, assign_ids
from dossier.extract.deterministic.provenance import (
    cite,
    footnote_text,
    snapshot_resource,
    source_label,
)
from dossier.extract.labels import unique_label
from dossier.extract.model import (
    ExtractSettings,
    ProposedConcept,
    ProposedSource,
    SourceExtraction,
    Unit,
)
from dossier.extract.text import collapse, entity_key, truncate
from dossier.okf import sections
from dossier.okf.links import concept_href, escape_link_text


@dataclass(frozen=True)
class _Mention:
    """One concept draft as one chunk of one source stated it."""

    source: ClaudeSourceResult
    position: int  # order of appearance over all sources, chunks and drafts
    draft: ConceptDraft

    @property
    def name_key(self) -> str:
        return entity_key(self.draft.name)

    @property
    def first_line(self) -> int:
        return min(span.start for span in self.draft.lines)


#: Given every concept the rules resolved, the pairs of keys (``Side.key``) to join.
Adjudicate = Callable[[list[Side]], Iterable[tuple[str, str]]]


def merge(
    results: Sequence[ClaudeSourceResult], settings: ExtractSettings,
    adjudicate: Adjudicate | None = None,
) -> list[ProposedConcept]:
    """Proposed concepts from all results (sorted by source id first)."""
    ordered = sorted(results, key=lambda r: r.source_id)
    order = {r.source_id: i for i, r in enumerate(ordered)}
    mentions = [
        _Mention(result, position, draft)
        for position, (result, draft) in enumerate(
            (result, draft)
            for result in ordered
            for chunk in result.chunks
            for draft in chunk.draft.concepts
        )
    ]
    groups = _resolve(mentions)
    if adjudicate is not None:
        joins = sorted({tuple(sorted(pair)) for pair in
                        adjudicate([_side(keys, members) for keys, members in groups])})
        if joins:
            groups = _resolve(mentions, [(a, b) for a, b in joins])
    comps: list[Component] = []
    by_comp: dict[int, list[_Mention]] = {}
    for keys, members in groups:
        comp = _component(keys, members)
        by_comp[id(comp)] = members
        comps.append(comp)
    assign_ids(comps, order)
    key_to_id = {key: comp.concept_id for comp in comps for key in comp.keys}
    titles = {comp.concept_id: comp.title for comp in comps}
    relations = _relations(ordered, key_to_id)
    proposals = [
        _proposal(comp, by_comp[id(comp)], relations.get(comp.concept_id, []), titles, settings)
        for comp in comps
    ]
    return sorted(proposals, key=lambda p: p.concept_id)


def _primary(mention: _Mention) -> str:
    """The key a draft is filed under: its identifier when it has one, else its name."""
    ident = mention.draft.identifier
    return entity_key(ident) if ident and entity_key(ident) else mention.name_key


def _resolve(mentions: list[_Mention], joins: Sequence[tuple[str, str]] = ()
             ) -> list[tuple[list[str], list[_Mention]]]:
    uf = UnionFind()
    for mention in mentions:
        primary = _primary(mention)
        uf.add(primary, identifier=primary != mention.name_key, unit=True)
        uf.add(mention.name_key)
        uf.union(primary, mention.name_key)  # refused when the name has another identifier
    # an alias joins only a name some draft uses as its own: aliases never chain by themselves
    for mention in mentions:
        for alias in mention.draft.aliases:
            key = entity_key(alias)
            if key and key in uf.parent:
                uf.union(_primary(mention), key)
    # confirmed by adjudication: joined like an alias, still never across two identifiers
    for a, b in joins:
        if a in uf.parent and b in uf.parent:
            uf.union(a, b)
    members: dict[str, list[_Mention]] = {}
    for mention in mentions:
        members.setdefault(uf.find(_primary(mention)), []).append(mention)
    keys: dict[str, list[str]] = {}
    for key in sorted(uf.parent):
        keys.setdefault(uf.find(key), []).append(key)
    return [(keys[root], members[root]) for root in sorted(members)]


def _title(members: list[_Mention]) -> str:
    """The name most drafts use; the first seen among equals."""
    forms = Counter(m.draft.name for m in members)
    first_seen = {m.draft.name: m.position for m in reversed(members)}
    return max(forms, key=lambda f: (forms[f], -first_seen[f]))


def _type(members: list[_Mention]) -> str:
    """The type most drafts give; the deterministic extractor's order breaks ties."""
    types = Counter(m.draft.type for m in members)
    rank = {t: i for i, t in enumerate(CONCEPT_TYPES)}
    return max(types, key=lambda t: (types[t], -rank[t]))


def _side(keys: list[str], members: list[_Mention]) -> Side:
    """What adjudication sees of one resolved concept."""
    names = {m.draft.name.strip() for m in members}
    names |= {a.strip() for m in members for a in m.draft.aliases if a.strip()}
    names |= {m.draft.identifier.strip() for m in members
              if m.draft.identifier and m.draft.identifier.strip()}
    return Side(key=keys[0], title=_title(members), type=_type(members),
                names=tuple(sorted(names)),
                description=collapse(members[0].draft.description))


def _component(keys: list[str], members: list[_Mention]) -> Component:
    forms = Counter(m.draft.name for m in members)
    title = _title(members)
    ctype = _type(members)
    identifiers = sorted({m.draft.identifier.strip() for m in members
                          if m.draft.identifier and m.draft.identifier.strip()})
    first = members[0]
    src = first.source
    anchor = SourceExtraction(source_id=src.source_id, sha256=src.sha256, title=src.title,
                              doc_kind="document", line_count=src.line_count, text="")
    unit = Unit(kind="section", title=title, identifier=identifiers[0] if identifiers else None,
                aliases=(), type_hint=ctype, type_weight=1, body="",
                start=first.first_line, end=first.first_line)
    return Component(keys=keys, units=[(anchor, unit)], identifiers=identifiers,
                     forms=dict(forms), title=title, type=ctype, entity=True)


@dataclass(frozen=True)
class _Relation:
    kind: str
    target: str
    source_id: str
    lines: tuple[LineRange, ...]


def _relations(results: list[ClaudeSourceResult],
               key_to_id: dict[str, str]) -> dict[str, list[_Relation]]:
    out: dict[str, list[_Relation]] = {}
    for result in results:
        for chunk in result.chunks:
            for rel in chunk.draft.relations:
                a = key_to_id.get(entity_key(rel.source))
                b = key_to_id.get(entity_key(rel.target))
                if a is None or b is None or a == b:
                    continue  # a relation to something no draft described is not a link
                out.setdefault(a, []).append(
                    _Relation(collapse(rel.kind).lower(), b, result.source_id, tuple(rel.lines)))
    return out


def _proposal(comp: Component, members: list[_Mention], relations: list[_Relation],
              titles: dict[str, str], settings: ExtractSettings) -> ProposedConcept:
    concept_id = comp.concept_id
    sources: dict[str, ClaudeSourceResult] = {}
    spans: dict[str, list[int]] = {}
    paragraphs: dict[str, list[str]] = {}

    def cover(source: ClaudeSourceResult, lines: Sequence[LineRange]) -> None:
        sources.setdefault(source.source_id, source)
        span = spans.setdefault(source.source_id, [lines[0].start, lines[0].end])
        for r in lines:
            span[0], span[1] = min(span[0], r.start), max(span[1], r.end)

    for m in members:
        cover(m.source, m.draft.lines)
        text = m.draft.summary.strip()
        seen = paragraphs.setdefault(m.source.source_id, [])
        if text and text not in seen:
            seen.append(text)
    related: list[tuple[str, str, str]] = []
    for rel in relations:
        source = next((m.source for m in members if m.source.source_id == rel.source_id), None)
        if source is not None:
            cover(source, rel.lines)
        related.append((rel.kind, rel.target, rel.source_id))

    labels: dict[str, str] = {}
    for source_id in sorted(sources, key=lambda s: (s != members[0].source.source_id, s)):
        labels[source_id] = unique_label(source_label(source_id), set(labels.values()))

    blocks: list[str] = []
    for source_id in labels:
        if source_id not in paragraphs:
            continue
        cited = "\n\n".join(cite(p, labels[source_id]) for p in paragraphs[source_id])
        if source_id == members[0].source.source_id:
            blocks.append(cited)
        else:
            blocks.append(f"## From {sources[source_id].title}\n\n{cited}")
    lines: list[str] = []
    for kind, target, source_id in sorted(set(related), key=lambda r: (r[0], titles[r[1]], r[1])):
        marker = f"[^{labels[source_id]}]" if source_id in labels else ""
        lines.append(f"- {kind}: [{escape_link_text(titles[target])}]({concept_href(target)})"
                     f"{marker}")
    if lines:
        blocks.append(sections.generated_heading(sections.RELATED) + "\n\n"
                      + "\n".join(lines[: settings.max_list_entries * 2]))
    proposed_sources = [
        ProposedSource(
            id=labels[source_id],
            resource=snapshot_resource(concept_id, source_id, *spans[source_id]),
            title=sources[source_id].title,
            source_id=source_id,
            start=spans[source_id][0],
            end=spans[source_id][1],
            last_modified=sources[source_id].last_modified,
        )
        for source_id in labels
    ]
    blocks.append("\n".join(f"[^{s.id}]: {footnote_text(s.title, s.start, s.end)}"
                            for s in proposed_sources))
    title_key = entity_key(comp.title)
    names = {m.draft.name for m in members} | {a for m in members for a in m.draft.aliases}
    names |= set(comp.identifiers)
    aliases = sorted((n.strip() for n in names
                      if n.strip() and entity_key(n) != title_key),
                     key=lambda f: (f.lower(), f))
    description = truncate(collapse(members[0].draft.description), settings.max_description_chars)
    return ProposedConcept(
        concept_id=concept_id,
        type=comp.type,
        title=comp.title,
        description=description or None,
        tags=(),
        aliases=tuple(dedupe_aliases(aliases)),
        body="\n\n".join(blocks).strip() + "\n",
        sources=tuple(proposed_sources),
    )
