"""The pure per-source pass: one SourceDocument in, one SourceExtraction out.

It decides everything that depends on a single document — which sections, table rows and
list items are units of knowledge, their local type guesses, bodies and line ranges, and
every candidate name with its first occurrence — so the result can be cached by the
source's text hash and reused across runs.  Nothing here looks at other sources.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any

from dossier.extract.deterministic import cues, kind_docs, kind_flat, kind_meeting, kinds
from dossier.extract.deterministic.aliases import stated_abbreviations
from dossier.extract.deterministic.blocks import Block, build_blocks
from dossier.extract.deterministic.headings import (
    clean_heading,
    heading_role,
    parse_heading,
    specific_title,
    strip_kind_label,
)
from dossier.extract.deterministic.items import item_candidates
from dossier.extract.deterministic.markdown import ParsedDoc, Section, parse
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
from dossier.extract.deterministic.shape import description_from, render_lines, score_type
from dossier.extract.deterministic.tables import row_units
from dossier.extract.model import Definition, Occurrence, SourceExtraction, SourceLike, Unit
from dossier.extract.text import (
    IDENTIFIER_RE,
    capitalize_first,
    ensure_period,
    sentence_around,
    strip_markdown,
    truncate,
    word_count,
)

#: A section needs this many words of its own (or an identifier) to be a concept.
MIN_SECTION_WORDS = 12
#: Left-over document content needs this many words to make a document-level concept.
MIN_DOCUMENT_WORDS = 25
#: ... and a collection (decision log, glossary …) needs real commentary, not an intro.
MIN_CONTAINER_WORDS = 100

_MAYBE_DEFINITION = re.compile(r"\s(?:is|are|means|refers to|stands for|defined as)\s")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")


@dataclass
class _SectionInfo:
    section: Section
    title: str
    identifier: str | None
    aliases: tuple[str, ...]
    explicit_type: str | None
    container: str | None
    scope: str | None
    is_unit: bool = False
    role: str | None = None


# --------------------------------------------------------------------------- helpers


def _vocab(doc: ParsedDoc) -> tuple[frozenset[str], dict[str, set[str]]]:
    """Words the prose writes in lowercase, and every written form of each word."""
    prose = "\n".join(
        line for index, line in enumerate(doc.lines) if not doc.is_structural(index + 1)
    )
    words = set(re.findall(r"[A-Za-z][A-Za-z'’-]*", prose))
    lower = frozenset(w for w in words if w.islower())
    forms: dict[str, set[str]] = {}
    for word in words:
        forms.setdefault(word.lower(), set()).add(word)
    return lower, forms


# --------------------------------------------------------------------------- main pass


def extract(doc: SourceLike) -> SourceExtraction:
    """The deterministic per-source pass (see module docstring)."""
    text: str = doc.text
    parsed = parse(text)
    blocks = build_blocks(parsed)
    lower_vocab, forms = _vocab(parsed)
    n = len(parsed.lines)
    original_path = str(getattr(doc, "original_path", "") or doc.source_id)

    # ---- title and document kind
    top = parsed.root.children
    title_section: Section | None = None
    level_one = [s for s in top if s.level == 1]
    if top and top[0].level == 1 and len(level_one) == 1 and not parsed.root_has_prose(
        top[0].line
    ):
        title_section = top[0]
    explicit_title = getattr(doc, "title", None)
    stem = PurePosixPath(original_path.replace("\\", "/")).stem
    opening = kind_meeting.plain_title(parsed) if title_section is None else None
    if title_section is not None:
        title = strip_kind_label(clean_heading(title_section.heading, forms))
    elif opening is not None:  # plain-text minutes: "Harbour Board meeting, 4 March 2025"
        title = opening[1]
    elif isinstance(explicit_title, str) and _names_document(explicit_title, parsed, stem):
        title = explicit_title.strip()
    else:
        # "0042-min-version" → "Min version": the number is the record's, not its name;
        # a date in the name stays a date ("sync-2024-03-01" → "Sync 2024-03-01")
        words = re.sub(r"[-_]+(?!\d)|(?<!\d)[-_]+", " ",
                       re.sub(r"^\d+[-_ ]+(?=\D)", "", stem)).strip()
        title = capitalize_first(words) or doc.source_id
    kind = cues.doc_kind(title, original_path)
    # a kind recognised from structure (decision record, meeting, design doc, changelog,
    # personal note) is one concept of its own whose sections stay inside it
    front, hidden = kinds.frontmatter(parsed)
    keys = kinds.heading_keys(parsed)
    shaped_kind = kinds.recognise(parsed, title, original_path, kind, keys, front)
    shape = (kinds.shape_document(parsed, shaped_kind, title, original_path, n, keys)
             if shaped_kind is not None else None)
    if shape is None and kind_docs.is_docs_page(original_path):
        shape = kind_docs.shape_page(parsed, title, title_section, n)
    if shape is not None:
        kind = shape.kind
    doc_type = cues.DOC_KIND_TYPES.get(kind)
    # meeting notes and process write-ups are one unit of knowledge each: their sections
    # are parts of that meeting/process, not concepts of their own
    is_meeting = kind in ("meeting", "process") or shape is not None

    # ---- sections
    infos: dict[int, _SectionInfo] = {}
    line_section: list[Section] = [parsed.root] * (n + 2)

    def walk(section: Section, scope: str | None) -> None:
        for child in section.children:
            for number in range(child.line, child.end + 1):
                line_section[number] = child
            ctitle = clean_heading(child.heading, forms)
            name, identifier, aliases, explicit = parse_heading(ctitle)
            container = None
            # a container heading is short ("Key risks", "Open questions and follow-ups");
            # a long one that merely contains the word names one thing
            if (identifier is None and explicit is None
                    and len(cues.heading_key(ctitle).split()) <= 5):
                container = cues.container_type(ctitle)
            info = _SectionInfo(child, name, identifier, aliases, explicit, container,
                                container or scope)
            person = heading_role(ctitle)
            if person is not None:
                info.role = person[1]
            infos[child.line] = info
            walk(child, info.scope)

    for number in range(1, n + 1):
        line_section[number] = parsed.root
    walk(parsed.root, doc_type)
    if title_section is not None:
        infos[title_section.line].scope = doc_type

    def scope_at(number: int) -> str | None:
        section = line_section[number] if 0 < number <= n else parsed.root
        if section.line in infos:
            return infos[section.line].scope
        return doc_type

    definitions: list[Definition] = []
    item_units = item_candidates(parsed, blocks, scope_at, definitions)

    block_starts = [b.start for b in blocks]

    def own_blocks(section: Section) -> list[Block]:
        lo = bisect.bisect_left(block_starts, section.content_start)
        hi = bisect.bisect_right(block_starts, section.own_end)
        return [b for b in blocks[lo:hi] if b.start not in item_units]

    # A collection document that names its items by identifier (a decision log with
    # "DEC-001: …" headings, an inventory table of SYS ids) uses its other sections for
    # commentary: those fold into the document-level concept instead of standing alone.
    identified_items = sum(1 for i in infos.values() if i.identifier) + sum(
        1 for t in parsed.tables for _, cells in t.rows
        if cells and IDENTIFIER_RE.search(cells[0])
    )
    commentary_only = kind in cues.CONTAINER_KINDS and identified_items >= 2

    for line_no in sorted(infos):
        info = infos[line_no]
        section = info.section
        if section is title_section:
            continue
        if info.identifier or (info.explicit_type and not is_meeting):
            info.is_unit = True
            continue
        if info.explicit_type and is_meeting:
            info.is_unit = True
            continue
        heading = info.title
        if (cues.is_boilerplate(heading) or cues.is_generic(heading) or info.container
                or is_meeting or commentary_only):
            continue
        own_words = sum(word_count(b.text) for b in own_blocks(section))
        if own_words >= MIN_SECTION_WORDS:
            info.is_unit = True

    units: list[Unit] = []
    unit_sections = [infos[k] for k in sorted(infos) if infos[k].is_unit]
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
            said = f"{info.role} — {rest[:1].lower()}{rest[1:]}" if rest else info.role
            description = truncate(ensure_period(said), 200)
        parent = section.parent
        parent_scope = (
            infos[parent.line].scope if parent is not None and parent.line in infos else doc_type
        )
        type_, weight = score_type(explicit=info.explicit_type, identifier=info.identifier,
                               scope=parent_scope, heading=info.title, body=body)
        units.append(Unit(
            kind="section", title=info.title, identifier=info.identifier, aliases=info.aliases,
            type_hint=type_, type_weight=weight, body=body, start=section.line,
            end=max(section.line, numbers[-1] if numbers else section.line),
            description=description,
        ))

    def in_unit_section(number: int) -> _SectionInfo | None:
        section: Section | None = line_section[number]
        while section is not None and section.line != 0:
            info = infos.get(section.line)
            if info is not None and info.is_unit:
                return info
            section = section.parent
        return None

    # ---- table rows
    for table in parsed.tables:
        if kind == kind_docs.DOCS_PAGE:  # a manual's task lists are not action items
            units.extend(kind_docs.table_units(table, title, definitions))
        else:
            units.extend(row_units(table, scope_at(table.start), definitions))

    # ---- list items and glossary lines (decided before sections; see item_candidates)
    # a changelog's releases are cut into entries by kind_flat, which makes their units
    in_release = kind_flat.release_lines(shape.children) if shape is not None else set()
    for start in sorted(item_units):
        unit = item_units[start]
        if start in in_release:
            continue
        owner = in_unit_section(start)
        if owner is not None and (
            owner.identifier == unit.identifier
            or unit.kind == "list"
        ):
            continue
        units.append(unit)

    # ---- document-level unit
    title_line = (title_section.line if title_section is not None
                  else opening[0] if opening is not None else 0)
    skipped = {title_line} | parsed.underline_of(title_line) | hidden
    base_level = title_section.level if title_section else 1
    if shape is not None:
        units.extend(_shaped_units(parsed, blocks, shape, skipped, base_level, n))
    elif is_meeting:
        numbers = [x for x in range(1, n + 1) if x not in skipped]
        body = render_lines(parsed, numbers, title_section.level if title_section else 1)
        doc_title, doc_aliases = specific_title(title, kind)
        if body.strip():
            units.append(Unit(
                kind="document", title=doc_title, identifier=None, aliases=doc_aliases,
                type_hint=cues.MEETING if kind == "meeting" else cues.PROCESS,
                type_weight=3, body=body, start=1, end=n,
                description=description_from(blocks),
            ))
    else:  # a document's framing sections and commentary
        numbers = [
            x for x in range(1, n + 1)
            if x not in covered and x not in skipped
        ]
        wanted = set(numbers)
        orphan_blocks = [
            b for b in blocks
            if b.start in wanted and b.kind not in ("row", "header")
            and b.start not in item_units
        ]
        needed = MIN_CONTAINER_WORDS if kind in cues.CONTAINER_KINDS else MIN_DOCUMENT_WORDS
        if sum(word_count(b.text) for b in orphan_blocks) >= needed:
            body = render_lines(parsed, numbers, title_section.level if title_section else 1)
            # a collection's own page is about the collection, not one of its items
            type_ = cues.TOPIC if kind in cues.CONTAINER_KINDS else (doc_type or cues.TOPIC)
            units.append(Unit(
                kind="document", title=title, identifier=None, aliases=(),
                type_hint=type_, type_weight=0 if type_ == cues.TOPIC else 2, body=body,
                start=numbers[0] if numbers else 1, end=numbers[-1] if numbers else n,
                description=description_from(orphan_blocks),
            ))

    # ---- a document of no recognised kind that yielded nothing is still one Topic
    if not units and any(b.kind not in ("row", "header") for b in blocks):
        numbers = [x for x in range(1, n + 1) if x not in skipped]
        body = render_lines(parsed, numbers, title_section.level if title_section else 1)
        if body.strip():
            content = [x for x in numbers if parsed.lines[x - 1].strip()]
            units.append(Unit(
                kind="document", title=title, identifier=None, aliases=(),
                type_hint=cues.TOPIC, type_weight=0, body=body,
                start=content[0] if content else 1, end=content[-1] if content else n,
                description=description_from(blocks),
            ))

    # ---- names, definitions, alias pairs
    id_occ: dict[str, list[Any]] = {}
    term_occ: dict[str, list[Any]] = {}
    pairs: set[tuple[str, str]] = set()

    def note(table: dict[str, list[Any]], found: Found, block: Block, *,
             bold: bool = False, scope: str | None = None) -> None:
        entry = table.get(found.text)
        if entry is None:
            # the snippet is only ever shown for a name's first occurrence in a source
            table[found.text] = [1, block.line_at(found.start),
                                 sentence_around(block.text, found.start, found.end), bold,
                                 scope, found.role]
        else:
            entry[0] += 1
            entry[3] = entry[3] or bold
            if entry[5] is None and found.role is not None:
                entry[5] = found.role

    for number, (_level, heading) in sorted(parsed.heading_at.items()):
        cleaned: str | None = None  # once per heading, not once per identifier in it
        for found in identifiers(heading):
            entry = id_occ.get(found.text)
            if entry is None:
                if cleaned is None:
                    cleaned = clean_heading(heading, forms)
                id_occ[found.text] = [1, number, cleaned, False, scope_at(number), None]
            else:
                entry[0] += 1

    for block in blocks:
        if block.kind == "header":
            continue
        # code spans, URLs, paths and colours are never names (same offsets, blanked)
        btext = mask_non_prose(block.text)
        scope = scope_at(block.start)
        found_ids = list(identifiers(btext))
        for found in found_ids:
            note(id_occ, found, block, scope=scope)
        found_phrases = list(phrases(btext, lower_vocab))
        for found in found_phrases:
            note(term_occ, found, block)
        for found in bold_terms(btext):
            note(term_occ, found, block, bold=True)
        found_acronyms = list(acronyms(btext))
        for found in found_acronyms:
            note(term_occ, found, block)
        pairs.update(alias_pairs(btext, found_ids + found_phrases + found_acronyms))
        pairs.update(stated_abbreviations(btext))  # "SLA stands for Service Level Agreement"
        if block.kind in ("row", "header"):
            continue
        if not _MAYBE_DEFINITION.search(block.text):
            continue
        for sentence_start, sentence in _sentences(block.text):
            result = prose_definition(sentence)
            if result is not None:
                term, definition, strength = result
                definitions.append(Definition(term, truncate(definition, 600),
                                              block.line_at(sentence_start), strength))

    def occurrences(table: dict[str, list[Any]]) -> tuple[Occurrence, ...]:
        return tuple(
            Occurrence(text=key, count=v[0], line=v[1], snippet=v[2], bold=v[3],
                       scope_type=v[4], role=v[5])
            for key, v in sorted(table.items())
        )

    units.sort(key=lambda u: (u.start, u.kind, u.title))
    return SourceExtraction(
        source_id=doc.source_id,
        sha256=doc.sha256,
        title=title,
        doc_kind=kind,
        line_count=n,
        text=text,
        last_modified=_last_modified(doc),
        units=tuple(units),
        identifiers=occurrences(id_occ),
        terms=occurrences(term_occ),
        definitions=tuple(sorted(set(definitions), key=lambda d: (d.line, d.term, d.text))),
        alias_pairs=tuple(sorted(pairs)),
    )


#: A part of a whole-document body longer than this is cut at its top-level list items.
MAX_PART_LINES = 25


def _shaped_units(parsed: ParsedDoc, blocks: list[Block], shape: kinds.Shape,
                  skipped: set[int], base_level: int, n: int) -> list[Unit]:
    """The document's own unit (cited part by part) and its kind's child units."""
    out: list[Unit] = []
    release_lines: set[int] = set()
    children: list[Unit] = []
    all_entries: list[kind_flat.Entry] = []
    for child in shape.children:
        if child.kind == "section":  # a changelog release: cited entry by entry
            numbers = [x for x in range(child.start + 1, child.end + 1) if x not in skipped]
            release_lines.update(range(child.start, child.end + 1))
            entries = kind_flat.split_entries(parsed, numbers, child.title)
            all_entries.extend(entries)
            parts = kind_flat.entry_parts(parsed, entries)
            mine = [b for b in blocks if child.start < b.start <= child.end]
            children.append(replace(child, body="", parts=tuple(parts), description=(
                kind_flat.release_description(parsed, entries) or description_from(mine)
                or child.description)))
            children.extend(kind_flat.entry_units(parsed, entries, child.title))
        else:
            children.append(child)
    children.extend(kind_flat.component_units(parsed, all_entries))
    numbers = [x for x in range(1, n + 1) if x not in skipped and x not in release_lines]
    parts = kinds.render_parts(parsed, numbers, base_level, base_level + 2, MAX_PART_LINES)
    parts += kind_flat.release_index(shape.children)
    if shape.describe_from is not None:
        lo, hi = shape.describe_from
        described = [b for b in blocks if lo <= b.start <= hi]
    else:
        described = [b for b in blocks if b.start not in skipped]
    if parts:
        out.append(Unit(
            kind="document", title=shape.title, identifier=None, aliases=tuple(shape.aliases),
            type_hint=shape.type, type_weight=4, body="", start=parts[0][0], end=parts[-1][1],
            description=(shape.description or description_from(described)
                         or description_from(blocks)),
            status=shape.status, local=True, tags=tuple(shape.tags), parts=tuple(parts),
        ))
    return out + children


def _names_document(title: str, parsed: ParsedDoc, stem: str) -> bool:
    """Does an ingest title name the document, rather than its first section or file?

    Ingest falls back to the first heading of any level: in a document without a title
    heading that is a section ("Summary", "Reference"), which names no document; and a
    title that is the file name with its extension is no better than the file's stem.
    """
    title = title.strip()
    if not title or title.lower() in (stem.lower(), f"{stem}.md".lower()) or re.search(
            r"\.(md|markdown|txt|html?)$", title, re.I):
        return False
    return not any(level > 1 and strip_markdown(text).strip() == title
                   for level, text in parsed.heading_at.values())


def _last_modified(doc: Any) -> str | None:
    value = getattr(doc, "last_modified", None)
    return value if isinstance(value, str) and value else None


def _sentences(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    position = 0
    for part in _SENTENCE_SPLIT.split(text):
        start = text.find(part, position)
        out.append((start, part))
        position = start + len(part)
    return out


