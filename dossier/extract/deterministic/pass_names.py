"""The names pass: every identifier and candidate term with the mention to cite,
the definitions prose states, and the alias pairs it writes.

It reads every block independently of which units were made: ``assemble`` decides across
sources which names become concepts, so the per-source result keeps them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dossier.extract.deterministic.aliases import stated_abbreviations
from dossier.extract.deterministic.blocks import Block
from dossier.extract.deterministic.headings import clean_heading
from dossier.extract.deterministic.mention_weight import MentionWeights
from dossier.extract.deterministic.names import (
    Found,
    acronyms,
    alias_pairs,
    bold_terms,
    identifiers,
    mask_non_prose,
    phrases,
    prose_definition,
)
from dossier.extract.deterministic.pass_sections import SectionMap
from dossier.extract.deterministic.single_names import article_names
from dossier.extract.deterministic.state import Source
from dossier.extract.model import Definition, Occurrence
from dossier.extract.text import sentence_around, truncate

_MAYBE_DEFINITION = re.compile(r"\s(?:is|are|means|refers to|stands for|defined as)\s")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")


@dataclass
class _Tally:
    """One name's count so far and what its first occurrence said (local to this pass)."""

    count: int
    line: int
    snippet: str
    bold: bool
    scope: str | None
    role: str | None
    weight: int
    person: bool = False


@dataclass(frozen=True)
class NameScan:
    """What the names pass found in one source."""

    identifiers: tuple[Occurrence, ...]
    terms: tuple[Occurrence, ...]
    definitions: list[Definition]
    alias_pairs: frozenset[tuple[str, str]]


def scan_names(source: Source, sections: SectionMap) -> NameScan:
    """Identifiers (headings first), terms, prose definitions and alias pairs."""
    id_occ: dict[str, _Tally] = {}
    term_occ: dict[str, _Tally] = {}
    pairs: set[tuple[str, str]] = set()
    definitions: list[Definition] = []

    weights = MentionWeights(source.parsed, source.blocks)
    for number, (_level, heading) in sorted(source.parsed.heading_at.items()):
        cleaned: str | None = None  # once per heading, not once per identifier in it
        for found in identifiers(heading):
            entry = id_occ.get(found.text)
            if entry is None:
                if cleaned is None:
                    cleaned = clean_heading(heading, source.forms)
                id_occ[found.text] = _Tally(1, number, cleaned, False,
                                            sections.scope_at(number), None,
                                            weights.weight(number))
            else:
                entry.count += 1

    for block in source.blocks:
        if block.kind == "header":
            continue
        # code spans, URLs, paths and colours are never names (same offsets, blanked)
        btext = mask_non_prose(block.text)
        scope = sections.scope_at(block.start)
        found_ids = list(identifiers(btext))
        for found in found_ids:
            _note(id_occ, found, block, weights, scope=scope)
        found_phrases = list(phrases(btext, source.lower_vocab, block.text))
        for found in found_phrases:
            _note(term_occ, found, block, weights)
        for found in article_names(btext, source.lower_vocab):  # "the Forge"
            _note(term_occ, found, block, weights)
        for found in bold_terms(btext):
            _note(term_occ, found, block, weights, bold=True)
        found_acronyms = list(acronyms(btext))
        for found in found_acronyms:
            _note(term_occ, found, block, weights)
        pairs.update(alias_pairs(btext, found_ids + found_phrases + found_acronyms))
        pairs.update(stated_abbreviations(btext))  # "SLA stands for Service Level Agreement"
        if block.kind in ("row", "header"):
            continue
        definitions.extend(_prose_definitions(block))

    return NameScan(_occurrences(id_occ), _occurrences(term_occ), definitions,
                    frozenset(pairs))


def _note(table: dict[str, _Tally], found: Found, block: Block, weights: MentionWeights, *,
          bold: bool = False, scope: str | None = None) -> None:
    line = block.line_at(found.start)
    weight = weights.weight(line)
    entry = table.get(found.text)
    if entry is None:
        # the scope is where the name first appears; the line and snippet, the mention a
        # citation of it shows: the one that carries the most about it (the earliest of
        # equals), not an agenda line that repeats the discussion below
        table[found.text] = _Tally(1, line, sentence_around(block.text, found.start, found.end),
                                   bold, scope, found.role, weight, found.person)
    else:
        entry.count += 1
        entry.bold = entry.bold or bold
        if entry.role is None and found.role is not None:
            entry.role = found.role
        entry.person = entry.person or found.person
        if weight > entry.weight:
            entry.line, entry.weight = line, weight
            entry.snippet = sentence_around(block.text, found.start, found.end)


def _prose_definitions(block: Block) -> list[Definition]:
    """"X is …", "X means …": the definitions a prose block's sentences state."""
    if not _MAYBE_DEFINITION.search(block.text):
        return []
    out: list[Definition] = []
    for sentence_start, sentence in _sentences(block.text):
        result = prose_definition(sentence)
        if result is not None:
            term, definition, strength = result
            out.append(Definition(term, truncate(definition, 600),
                                  block.line_at(sentence_start), strength))
    return out


def _occurrences(table: dict[str, _Tally]) -> tuple[Occurrence, ...]:
    return tuple(
        Occurrence(text=key, count=v.count, line=v.line, snippet=v.snippet, bold=v.bold,
                   scope_type=v.scope, role=v.role, weight=v.weight, person=v.person)
        for key, v in sorted(table.items())
    )


def _sentences(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    position = 0
    for part in _SENTENCE_SPLIT.split(text):
        start = text.find(part, position)
        out.append((start, part))
        position = start + len(part)
    return out
