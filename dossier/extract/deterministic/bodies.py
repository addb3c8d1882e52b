"""Bodies and provenance of assembled concepts: unit text, definitions, cited mentions.

Each source a concept draws on becomes one ``sources[]`` entry with a line range, and each
block of text it contributes ends with that entry's footnote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from dossier.extract.deterministic.consolidate import CAMEL, Component, TermStats
from dossier.extract.deterministic.names import COMMON_ACRONYMS, STOPWORDS
from dossier.extract.deterministic.provenance import cite, snapshot_resource, source_label
from dossier.extract.labels import unique_label
from dossier.extract.model import (
    Definition,
    ExtractSettings,
    Occurrence,
    ProposedSource,
    SourceExtraction,
)
from dossier.extract.text import (
    entity_key,
    first_sentence,
    is_identifier,
    truncate,
)
from dossier.ingest.origins import OriginMap
from dossier.okf import sections


@dataclass
class _Mention:
    source_id: str
    line: int
    snippet: str
    weight: int


def heavier(occ: Occurrence | _Mention, than: Occurrence | _Mention) -> bool:
    """Does ``occ`` carry more about its name than ``than`` (equal weight: the earlier)?

    Of the names of one concept in one source, the mention cited is the heaviest
    (``mention_weight``), not the first: an agenda line loses to the discussion.
    """
    return (-occ.weight, occ.line) < (-than.weight, than.line)


def dedupe_aliases(aliases: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for alias in aliases:
        key = entity_key(alias)
        if key in seen:
            continue
        seen.add(key)
        out.append(alias)
    return out


def names_for_linking(comp: Component) -> Iterable[str]:
    names = {comp.title, *comp.forms}
    for name in sorted(names):
        words = name.split()
        if not words:
            continue
        if len(words) == 1:
            token = words[0]
            if token.lower() in STOPWORDS or len(token) < 2:
                continue
            if not (is_identifier(token) or token.isupper() or CAMEL.match(token)
                    or token[:1].isupper()):
                continue
            if token in COMMON_ACRONYMS:
                continue
        if len(words) > 12:
            continue
        yield name


#: Units of one source at most this many lines apart share one ``sources[]`` entry.
NEAR_LINES = 5


def sources_and_blocks(
    comp: Component,
    by_source: dict[str, SourceExtraction],
    order: dict[str, int],
    ident_occ: dict[str, dict[str, Occurrence]],
    term_occ: dict[str, dict[str, Occurrence]],
    definition: tuple[Definition, str] | None,
    settings: ExtractSettings,
) -> tuple[list[ProposedSource], list[str]]:
    # one sources[] entry per cited passage: a source as a whole (key = source id), or
    # one part of a whole-document unit (key = "source id#Lstart"), each with its lines
    ranges: dict[str, list[int]] = {}
    cited_sources: set[str] = set()  # a key is "<source id>" or "<source id>#L<line>"
    source_order: list[str] = []
    blocks: list[str] = []
    primary_source = comp.units[0][0].source_id if comp.units else None
    labels: dict[str, str] = {}
    taken_labels: set[str] = set()

    def label_for(key: str) -> str:
        if key not in labels:
            source_id, _, line = key.partition("#L")
            base = source_label(source_id) + (f"-l{line}" if line else "")
            labels[key] = unique_label(base, taken_labels)
            taken_labels.add(labels[key])
        return labels[key]

    def cover(key: str, start: int, end: int) -> None:
        span = ranges.setdefault(key, [start, end])
        span[0], span[1] = min(span[0], start), max(span[1], end)
        cited_sources.add(key.partition("#L")[0])
        if key not in source_order:
            source_order.append(key)

    # units: the primary body first, then the others under a heading naming their source
    seen_bodies: set[str] = set()
    for index, (ext, unit) in enumerate(comp.units):
        if unit.parts:
            pieces = []
            for start, end, text in unit.parts:
                key = f"{ext.source_id}#L{start}"
                cover(key, start, end)
                pieces.append(cite(text.strip(), label_for(key)))
            body = "\n\n".join(pieces)
            if body in seen_bodies:
                continue
            cited = body
        else:
            # two units of one source far apart (a person at two meetings of one log) are
            # cited apart, never as one range spanning everything between them
            key = ext.source_id
            span = ranges.get(key)
            if span is not None and (unit.start > span[1] + NEAR_LINES
                                     or unit.end < span[0] - NEAR_LINES):
                key = f"{ext.source_id}#L{unit.start}"
            cover(key, unit.start, unit.end)
            body = unit.body.strip()
            if not body or body in seen_bodies:
                continue
            cited = cite(body, label_for(key))
        seen_bodies.add(body)
        if index == 0:
            blocks.append(cited)
        else:
            heading = ext.title if ext.source_id != primary_source else comp.title
            blocks.append(f"## From {heading}\n\n{cited}" if ext.source_id != primary_source
                          else cited)

    # an entity without a section of its own opens with its definition, cited
    if not comp.units and definition is not None:
        text, source_id = definition[0].text, definition[1]
        cover(source_id, definition[0].line, definition[0].line)
        blocks.append(cite(text, label_for(source_id)))

    # mentions in sources that carry no unit of this concept
    mentions: dict[str, _Mention] = {}
    pools = [ident_occ.get(ident, {}) for ident in comp.identifiers]
    pools += [term_occ[key] for key in comp.keys if key in term_occ]
    for pool in pools:
        for source_id, occ in pool.items():
            if source_id in cited_sources:
                continue
            current = mentions.get(source_id)
            if current is None or heavier(occ, current):
                mentions[source_id] = _Mention(source_id, occ.line, occ.snippet, occ.weight)
    # a document's own concept (a record, a meeting, a note) is about that document:
    # passing mentions elsewhere reach it through links, not as citations of its own
    if comp.units and comp.units[0][1].local:
        mentions = {}
    mention_ids = sorted(mentions, key=lambda s: order[s])
    if mention_ids:
        lines = []
        for source_id in mention_ids[: settings.max_list_entries]:
            mention = mentions[source_id]
            cover(source_id, mention.line, mention.line)
            title = by_source[source_id].title
            snippet = mention.snippet or title
            lines.append(f"- *{title}*: {snippet}[^{label_for(source_id)}]")
        heading = sections.MENTIONED_IN if comp.units else sections.MENTIONS
        blocks.append(sections.generated_heading(heading) + "\n\n" + "\n".join(lines))

    sources: list[ProposedSource] = []
    for key in source_order:
        start, end = ranges[key]
        source_id = key.partition("#L")[0]
        ext = by_source[source_id]
        original = (
            OriginMap.decode(ext.origins).original(start, end) if ext.origins else None
        )
        sources.append(ProposedSource(
            id=label_for(key),
            resource=snapshot_resource(comp.concept_id, source_id, start, end),
            title=ext.title,
            source_id=source_id,
            start=start,
            end=end,
            last_modified=ext.last_modified,
            original=original if original != (start, end) else None,
        ))
    return sources, blocks


def first_mention(blocks: list[str]) -> str | None:
    """The first "Mentions" snippet, as a last-resort description for a bare entity."""
    for block in blocks:
        if block.startswith("## Mention"):
            first = block.split("\n- ", 1)[1] if "\n- " in block else ""
            text = re.sub(r"\[\^[^\]]+\]$", "", first.split("\n", 1)[0])
            text = re.sub(r"^\*[^*\n]+\*: ", "", text)
            return first_sentence(text) or None
    return None


def definition_for(
    comp: Component, definitions: dict[str, Definition], def_source: dict[str, str]
) -> tuple[Definition, str] | None:
    candidates = [k for k in comp.keys if k in definitions]
    if not candidates:
        return None
    key = min(candidates, key=lambda k: (-definitions[k].strength, def_source[k],
                                         definitions[k].line, k))
    return definitions[key], def_source[key]


def describe(
    comp: Component,
    definitions: dict[str, Definition],
    stats: dict[str, TermStats],
    settings: ExtractSettings,
    fallback: str | None = None,
) -> str | None:
    limit = settings.max_description_chars
    described = [u.description for _, u in comp.units if u.description]
    informative = [d for d in described if len(d.split()) >= 6]
    if informative or described:
        return truncate((informative or described)[0], limit)
    for key in sorted(comp.keys, key=lambda k: (-(definitions[k].strength
                                                  if k in definitions else 0), k)):
        if key in definitions:
            return truncate(definitions[key].text, limit)
    for key in comp.keys:
        entry = stats.get(key)
        if entry is not None and entry.role:
            return truncate(f"{comp.title}, {entry.role}.", limit)
    if fallback:
        return truncate(fallback, limit)
    # a person named only by attendance: "Attended <meeting>." says who they are here
    part_of = next((u.body for _, u in comp.units if u.parent and u.body.strip()), None)
    return truncate(part_of.strip(), limit) if part_of else None
