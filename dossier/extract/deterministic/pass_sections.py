"""The section passes: map every heading, choose the sections that are units, render them.

A section is a concept of its own when its heading names one thing (an identifier, an
explicit type) or it says enough under a specific heading; never in a document that is one
whole (minutes, a recognised kind) nor under a container heading ("Open questions") whose
items stand alone instead.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection
from dataclasses import dataclass, replace

from dossier.extract.deterministic import cues
from dossier.extract.deterministic.blocks import Block
from dossier.extract.deterministic.headings import clean_heading, heading_role, parse_heading
from dossier.extract.deterministic.markdown import Section
from dossier.extract.deterministic.shape import description_from, render_lines, score_type
from dossier.extract.deterministic.state import Recognition, Source
from dossier.extract.model import Unit
from dossier.extract.text import IDENTIFIER_RE, ensure_period, truncate, word_count

#: A section needs this many words of its own (or an identifier) to be a concept.
MIN_SECTION_WORDS = 12


@dataclass(frozen=True)
class SectionInfo:
    """One heading's reading: its name, identifier, aliases, type cues and scope."""

    section: Section
    title: str
    identifier: str | None
    aliases: tuple[str, ...]
    explicit_type: str | None
    container: str | None
    #: the type its items default to (its own container's, else its parent's)
    scope: str | None
    is_unit: bool = False
    #: a person's role when the heading names one ("Dana Reyes — Head of Operations")
    role: str | None = None


@dataclass(frozen=True)
class SectionMap:
    """Every heading's ``SectionInfo`` by heading line, and the section each line is in."""

    infos: dict[int, SectionInfo]
    line_section: list[Section]
    root: Section
    doc_type: str | None

    def scope_at(self, number: int) -> str | None:
        """The default type of whatever stands on line ``number``."""
        n = len(self.line_section) - 2
        section = self.line_section[number] if 0 < number <= n else self.root
        if section.line in self.infos:
            return self.infos[section.line].scope
        return self.doc_type

    def unit_section_at(self, number: int) -> SectionInfo | None:
        """The innermost section around line ``number`` that is a unit, if any."""
        section: Section | None = self.line_section[number]
        while section is not None and section.line != 0:
            info = self.infos.get(section.line)
            if info is not None and info.is_unit:
                return info
            section = section.parent
        return None

    def unit_sections(self) -> list[SectionInfo]:
        """The sections chosen as units, in document order."""
        return [self.infos[k] for k in sorted(self.infos) if self.infos[k].is_unit]


@dataclass(frozen=True)
class SectionUnits:
    """The section units and every line they cover (the rest is the document's own)."""

    units: list[Unit]
    covered: frozenset[int]


def map_sections(source: Source, rec: Recognition) -> SectionMap:
    """Read every heading once: name, identifier, container type and inherited scope."""
    parsed, n = source.parsed, source.n
    infos: dict[int, SectionInfo] = {}
    line_section: list[Section] = [parsed.root] * (n + 2)

    def walk(section: Section, scope: str | None) -> None:
        for child in section.children:
            for number in range(child.line, child.end + 1):
                line_section[number] = child
            ctitle = clean_heading(child.heading, source.forms)
            name, identifier, aliases, explicit = parse_heading(ctitle)
            container = None
            # a container heading is short ("Key risks", "Open questions and follow-ups");
            # a long one that merely contains the word names one thing
            if (identifier is None and explicit is None
                    and len(cues.heading_key(ctitle).split()) <= 5):
                container = cues.container_type(ctitle)
            person = heading_role(ctitle)
            info = SectionInfo(child, name, identifier, aliases, explicit, container,
                               container or scope,
                               role=person[1] if person is not None else None)
            infos[child.line] = info
            walk(child, info.scope)

    walk(parsed.root, rec.doc_type)
    if rec.title_section is not None:
        line = rec.title_section.line
        infos[line] = replace(infos[line], scope=rec.doc_type)
    return SectionMap(infos, line_section, parsed.root, rec.doc_type)


def choose_unit_sections(source: Source, rec: Recognition, sections: SectionMap,
                         item_starts: Collection[int]) -> SectionMap:
    """Mark the sections that are concepts of their own (``item_starts``: line units)."""
    parsed, blocks = source.parsed, source.blocks
    block_starts = [b.start for b in blocks]

    def own_blocks(section: Section) -> list[Block]:
        lo = bisect.bisect_left(block_starts, section.content_start)
        hi = bisect.bisect_right(block_starts, section.own_end)
        return [b for b in blocks[lo:hi] if b.start not in item_starts]

    # A collection document that names its items by identifier (a decision log with
    # "DEC-001: …" headings, an inventory table of SYS ids) uses its other sections for
    # commentary: those fold into the document-level concept instead of standing alone.
    infos = sections.infos
    identified_items = sum(1 for i in infos.values() if i.identifier) + sum(
        1 for t in parsed.tables for _, cells in t.rows
        if cells and IDENTIFIER_RE.search(cells[0])
    )
    commentary_only = rec.kind in cues.CONTAINER_KINDS and identified_items >= 2

    def is_unit(info: SectionInfo) -> bool:
        if info.section is rec.title_section:
            return False
        if info.identifier or info.explicit_type:
            return True
        if (cues.is_boilerplate(info.title) or cues.is_generic(info.title) or info.container
                or rec.is_meeting or commentary_only):
            return False
        own_words = sum(word_count(b.text) for b in own_blocks(info.section))
        return own_words >= MIN_SECTION_WORDS

    chosen = {line: replace(info, is_unit=is_unit(info)) for line, info in infos.items()}
    return replace(sections, infos=chosen)


def section_units(source: Source, sections: SectionMap) -> SectionUnits:
    """One unit per chosen section; a unit section nested inside another is cut out of it."""
    parsed, blocks = source.parsed, source.blocks
    units: list[Unit] = []
    unit_sections = sections.unit_sections()
    covered: set[int] = set()
    for info in unit_sections:
        section = info.section
        skip: set[int] = set()
        for other in unit_sections:
            if other is not info and section.line < other.section.line <= section.end:
                skip.update(range(other.section.line, other.section.end + 1))
        numbers = [x for x in range(section.content_start, section.end + 1) if x not in skip]
        covered.update(numbers)
        covered.add(section.line)
        body = render_lines(parsed, numbers, section.level)
        number_set = set(numbers)
        mine = [b for b in blocks if b.start in number_set]
        description = description_from(mine)
        if info.role:
            # one sentence: "Head of Operations — runs Northfield DC, Harbourside DC …"
            rest = (description or "").rstrip(".")
            text = f"{info.role} — {rest[:1].lower()}{rest[1:]}" if rest else info.role
            description = truncate(ensure_period(text), 200)
        parent = section.parent
        parent_scope = (
            sections.infos[parent.line].scope
            if parent is not None and parent.line in sections.infos else sections.doc_type
        )
        type_, weight = score_type(explicit=info.explicit_type, identifier=info.identifier,
                                   scope=parent_scope, heading=info.title, body=body)
        units.append(Unit(
            kind="section", title=info.title, identifier=info.identifier, aliases=info.aliases,
            type_hint=type_, type_weight=weight, body=body, start=section.line,
            end=max(section.line, numbers[-1] if numbers else section.line),
            description=description,
        ))
    return SectionUnits(units, frozenset(covered))
