"""The pure per-source pass: one SourceDocument in, one SourceExtraction out.

It decides everything that depends on a single document — which sections, table rows and
list items are units of knowledge, their local type guesses, bodies and line ranges, and
every candidate name with its first occurrence — so the result can be cached by the
source's sha256 and reused across runs.  Nothing here looks at other sources.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Protocol

from dossier.extract import cues
from dossier.extract.blocks import Block, build_blocks
from dossier.extract.markdown import ParsedDoc, Section, Table, parse
from dossier.extract.model import Definition, Occurrence, SourceExtraction, Unit
from dossier.extract.names import (
    STOPWORDS,
    Found,
    acronyms,
    alias_pairs,
    bold_terms,
    identifiers,
    phrases,
    prose_definition,
    split_term_alias,
)
from dossier.extract.text import (
    IDENTIFIER_RE,
    capitalize_first,
    collapse,
    ensure_period,
    first_sentence,
    is_identifier,
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
MAX_TITLE_CHARS = 120

_ID = r"[A-Z]{2,6}-\d+(?:-\d+)*"
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[A-Z]\.|[IVX]+\.)\s+")
_ID_LEAD = re.compile(rf"^({_ID})\s*(?:[:—–.]|-\s)\s*(.+)$")
_ID_TRAIL = re.compile(rf"^(.+?)\s*[\(\[]({_ID})[\)\]]\s*$")
_ID_ONLY = re.compile(rf"^({_ID})$")
_ID_PAREN = re.compile(rf"\s*\(({_ID})\)")
_TYPE_PREFIX = re.compile(
    r"^(decision|adr|risk|requirement|action item|action|process|system|meeting|term)"
    r"(?:\s+\d+)?\s*[:—–]\s*(.+)$",
    re.I,
)
_PREFIX_TYPE_WORDS = {
    "decision": cues.DECISION, "adr": cues.DECISION, "risk": cues.RISK,
    "requirement": cues.REQUIREMENT, "action item": cues.ACTION, "action": cues.ACTION,
    "process": cues.PROCESS, "system": cues.SYSTEM, "meeting": cues.MEETING,
    "term": cues.GLOSSARY,
}
_ITEM_ID = re.compile(
    rf"^(?:\*\*)?({_ID})(?:\*\*)?\s*(?::|—|–|-(?=\s))\s*(?:\*\*)?\s*(?P<rest>\S.*)$"
)
_GLOSS_BOLD = re.compile(r"^\*\*(?P<term>[^*]{1,80}?)\*\*\s*(?:—|–|-|:)\s*(?P<def>\S.{2,})$")
_GLOSS_BOLD_COLON = re.compile(r"^\*\*(?P<term>[^*]{1,80}?):\*\*\s*(?P<def>\S.{2,})$")
_GLOSS_PLAIN = re.compile(
    r"^(?P<term>[A-Z][A-Za-z0-9/&'’()\- ]{0,60}?)\s*(?::|\s—|\s–)\s+(?P<def>\S.{8,})$"
)
_LABEL = re.compile(r"^\*\*(?P<label>[^*]{1,40}?)[.:]\*\*\s*(?P<rest>.*)$")
_DESCRIPTIVE_LABELS = frozenset(
    [
        "decision", "description", "summary", "definition", "purpose", "proposal", "requirement",
        "risk", "overview", "what", "outcome",
    ]
)
_MAYBE_DEFINITION = re.compile(r"\s(?:is|are|means|refers to|stands for|defined as)\s")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_ID_HEADERS = frozenset({"id", "ref", "reference", "key", "#", "code", "no", "identifier",
                         "number", "nr"})
_NAME_HEADERS = ("name", "title", "term", "system", "application", "risk", "decision",
                 "requirement", "action", "task", "stakeholder", "person", "process",
                 "abbreviation", "acronym", "item", "component", "service", "topic")
_DESC_HEADERS = ("description", "definition", "purpose", "role", "summary", "meaning",
                 "details", "explanation", "notes", "function")
_KV_HEADERS = frozenset({"", "field", "value", "key", "property", "attribute", "detail",
                         "item"})
_ITEM_UNIT_TYPES = frozenset({cues.ACTION, cues.DECISION, cues.RISK, cues.REQUIREMENT})


class SourceLike(Protocol):
    """The fields of dossier.ingest.SourceDocument the extractor reads."""

    source_id: str
    sha256: str
    text: str


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


_SMALL_WORDS = frozenset([
    "a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "per", "the", "to",
    "vs", "via", "with",
])


def _smart_case(text: str, forms: dict[str, set[str]]) -> str:
    """Un-shout an ALL-CAPS heading: Title Case, keeping acronyms the prose writes in caps."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 or not all(c.isupper() for c in letters):
        return text
    position = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal position
        word = match.group(0)
        first = position == 0
        position += 1
        if word in forms.get(word.lower(), set()) and len(word) > 1:
            return word
        low = word.lower()
        if low in _SMALL_WORDS and not first:
            return low
        return low[:1].upper() + low[1:]

    return re.sub(r"[A-Za-z][A-Za-z'’]*", fix, text)


def clean_heading(raw: str, forms: dict[str, set[str]]) -> str:
    text = collapse(strip_markdown(raw))
    text = _NUMBERING.sub("", text)
    return _smart_case(text, forms).strip()


_NAME_ROLE = re.compile(
    r"^(?P<name>[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){1,3})\s+(?:—|–|-|,)\s+(?P<role>.+)$"
)
_ID_SUBJECT = re.compile(rf"^(?P<name>.+?)\s*\(({_ID})\)\s+(?:and|&|—|–|-|:)\s+.+$")


def heading_role(title: str) -> tuple[str, str] | None:
    """``Maria Okafor — Chief Operating Officer (COO)`` → (name, role)."""
    match = _NAME_ROLE.match(title)
    if match and cues.is_role_phrase(re.split(r",|\(", match.group("role"))[0]):
        return match.group("name"), match.group("role").strip()
    return None


def parse_heading(title: str) -> tuple[str, str | None, tuple[str, ...], str | None]:
    """(title, identifier, aliases, explicit type) of a cleaned heading."""
    identifier: str | None = None
    explicit: str | None = None
    person = heading_role(title)
    if person is not None:
        return person[0], None, (), cues.STAKEHOLDER
    subject = _ID_SUBJECT.match(title)
    if subject and is_identifier(subject.group(2)):
        # "Meridian ERP (SYS-01) and rate-card billing" is about SYS-01
        title = f"{subject.group('name')} ({subject.group(2)})"
    match = _ID_ONLY.match(title)
    if match and is_identifier(match.group(1)):
        return title, title, (), cues.prefix_type(title)
    match = _ID_LEAD.match(title)
    if match and is_identifier(match.group(1)):
        identifier, title = match.group(1), match.group(2).strip()
    else:
        match = _ID_TRAIL.match(title)
        if match and is_identifier(match.group(2)):
            title, identifier = match.group(1).strip(), match.group(2)
    typed = _TYPE_PREFIX.match(title)
    if typed:
        explicit = _PREFIX_TYPE_WORDS[typed.group(1).lower()]
        title = typed.group(2).strip()
        lead = _ID_LEAD.match(title)
        if identifier is None and lead and is_identifier(lead.group(1)):
            identifier, title = lead.group(1), lead.group(2).strip()
    title = _ID_PAREN.sub("", title).strip() or title
    name, aliases = split_term_alias(title)
    if identifier is not None and explicit is None:
        explicit = cues.prefix_type(identifier)
    return truncate(name, MAX_TITLE_CHARS), identifier, aliases, explicit


def _score(
    *,
    explicit: str | None = None,
    identifier: str | None = None,
    scope: str | None = None,
    heading: str | None = None,
    header: str | None = None,
    body: str = "",
) -> tuple[str, int]:
    scores: dict[str, int] = {}

    def add(type_: str | None, weight: int) -> None:
        if type_ is not None and type_ != cues.TOPIC:
            scores[type_] = scores.get(type_, 0) + weight

    add(explicit, 4)
    add(cues.prefix_type(identifier) if identifier else None, 4)
    add(header, 3)
    add(scope, 2)
    add(cues.heading_type(heading) if heading else None, 2)
    for type_, weight in cues.body_type_scores(body).items():
        add(type_, weight)
    if not scores:
        return cues.TOPIC, 0
    order = {t: i for i, t in enumerate(cues.TYPE_ORDER)}
    best = max(scores.items(), key=lambda kv: (kv[1], -order.get(kv[0], 99)))
    # body words alone are weak: two stray "must"s do not make a requirement
    if best[1] < 2:
        return cues.TOPIC, 0
    return best


# A link inside a source to another file of the *source* corpus means nothing in the
# bundle (and would be a broken link there): keep its text, which the linker may link.
_LOCAL_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?![a-z][a-z0-9+.-]*:)[^)\n]*\)", re.I)


def _render(doc: ParsedDoc, numbers: Iterable[int], base_level: int) -> str:
    """Markdown of the given lines; headings re-levelled so the unit's children are ``##``."""
    out: list[str] = []
    for number in numbers:
        if number in doc.underline:
            continue
        line = doc.line(number)
        if number in doc.heading_at and not doc.in_code[number - 1]:
            level, text = doc.heading_at[number]
            new_level = min(6, max(2, level - base_level + 1))
            if out and out[-1].strip():
                out.append("")
            out.append("#" * new_level + " " + strip_markdown(text))
            out.append("")
            continue
        if not doc.in_code[number - 1] and "](" in line:
            line = _LOCAL_LINK.sub(r"\1", line)
        out.append(line.rstrip())
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def _description_from(blocks: list[Block]) -> str | None:
    fallback: str | None = None
    for block in blocks:
        if block.kind in ("row", "header"):
            continue
        label = _LABEL.match(block.text)
        if label:
            name = label.group("label").strip().lower()
            rest = label.group("rest").strip()
            if name in _DESCRIPTIVE_LABELS and word_count(rest) >= 4:
                return first_sentence(rest)
            continue
        if fallback is None and block.kind == "para" and word_count(block.text) >= 6:
            fallback = first_sentence(block.text)
    if fallback is None:
        for block in blocks:
            if (block.kind == "item" and not _LABEL.match(block.text)
                    and word_count(block.text) >= 4):
                return first_sentence(block.text)
    return fallback


def _title_from_text(text: str) -> str:
    plain = collapse(strip_markdown(text))
    plain = re.split(r"(?<=[.!?;])\s|\s[—–]\s", plain, maxsplit=1)[0].rstrip(".;")
    return truncate(plain, 80)


# --------------------------------------------------------------------------- main pass


def extract(doc: Any) -> SourceExtraction:
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
    if title_section is not None:
        title = _strip_kind_label(clean_heading(title_section.heading, forms))
    elif isinstance(explicit_title, str) and explicit_title.strip():
        title = explicit_title.strip()
    else:
        stem = PurePosixPath(original_path.replace("\\", "/")).stem
        title = capitalize_first(re.sub(r"[-_]+", " ", stem).strip()) or doc.source_id
    kind = cues.doc_kind(title, original_path)
    doc_type = cues.DOC_KIND_TYPES.get(kind)
    # meeting notes and process write-ups are one unit of knowledge each: their sections
    # are parts of that meeting/process, not concepts of their own
    is_meeting = kind in ("meeting", "process")

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
    item_units = _item_candidates(parsed, blocks, scope_at, definitions)

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
        body = _render(parsed, numbers, section.level)
        number_set = set(numbers)
        mine = [b for b in blocks if b.start in number_set]
        description = _description_from(mine)
        if info.role:
            # one sentence: "Head of Operations — runs Northfield DC, Harbourside DC …"
            rest = (description or "").rstrip(".")
            text = f"{info.role} — {rest[:1].lower()}{rest[1:]}" if rest else info.role
            description = truncate(ensure_period(text), 200)
        parent = section.parent
        parent_scope = (
            infos[parent.line].scope if parent is not None and parent.line in infos else doc_type
        )
        type_, weight = _score(explicit=info.explicit_type, identifier=info.identifier,
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
        units.extend(_row_units(table, scope_at(table.start), definitions))

    # ---- list items and glossary lines (decided before sections; see item_candidates)
    for start in sorted(item_units):
        unit = item_units[start]
        owner = in_unit_section(start)
        if owner is not None and (
            owner.identifier == unit.identifier
            or unit.kind == "list"
        ):
            continue
        units.append(unit)

    # ---- document-level unit
    title_line = title_section.line if title_section is not None else 0
    if is_meeting:
        skipped = {title_line} | parsed.underline_of(title_line)
        numbers = [x for x in range(1, n + 1) if x not in skipped]
        body = _render(parsed, numbers, title_section.level if title_section else 1)
        doc_title, doc_aliases = _specific_title(title, kind)
        if body.strip():
            units.append(Unit(
                kind="document", title=doc_title, identifier=None, aliases=doc_aliases,
                type_hint=cues.MEETING if kind == "meeting" else cues.PROCESS,
                type_weight=3, body=body, start=1, end=n,
                description=_description_from(blocks),
            ))
    else:  # a document's framing sections and commentary
        numbers = [
            x for x in range(1, n + 1)
            if x not in covered and x != title_line and x not in parsed.underline_of(title_line)
        ]
        wanted = set(numbers)
        orphan_blocks = [
            b for b in blocks
            if b.start in wanted and b.kind not in ("row", "header")
            and b.start not in item_units
        ]
        needed = MIN_CONTAINER_WORDS if kind in cues.CONTAINER_KINDS else MIN_DOCUMENT_WORDS
        if sum(word_count(b.text) for b in orphan_blocks) >= needed:
            body = _render(parsed, numbers, title_section.level if title_section else 1)
            # a collection's own page is about the collection, not one of its items
            type_ = cues.TOPIC if kind in cues.CONTAINER_KINDS else (doc_type or cues.TOPIC)
            units.append(Unit(
                kind="document", title=title, identifier=None, aliases=(),
                type_hint=type_, type_weight=0 if type_ == cues.TOPIC else 2, body=body,
                start=numbers[0] if numbers else 1, end=numbers[-1] if numbers else n,
                description=_description_from(orphan_blocks),
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
        for found in identifiers(heading):
            entry = id_occ.get(found.text)
            if entry is None:
                id_occ[found.text] = [1, number, clean_heading(heading, forms), False,
                                      scope_at(number), None]
            else:
                entry[0] += 1

    for block in blocks:
        if block.kind == "header":
            continue
        btext = block.text
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
        if block.kind in ("row", "header"):
            continue
        if not _MAYBE_DEFINITION.search(btext):
            continue
        for sentence_start, sentence in _sentences(btext):
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


_GLOSS_UNIT_SCOPES = frozenset({cues.GLOSSARY, cues.STAKEHOLDER, cues.SYSTEM})
_ID_LINE_SEP = re.compile(rf"^(?:\*\*)?({_ID})(?:\*\*)?\s{{2,}}(?P<rest>\S.*)$")


def _item_candidates(
    parsed: ParsedDoc,
    blocks: list[Block],
    scope_at: Any,
    definitions: list[Definition],
) -> dict[int, Unit]:
    """Identifier-led items, glossary-form lines and typed list items, by start line."""
    found: dict[int, Unit] = {}
    for block in blocks:
        if block.kind in ("row", "header"):
            continue
        scope = scope_at(block.start)
        text_ = block.text
        body = _render(parsed, range(block.start, block.end + 1), 1)
        id_match = _ITEM_ID.match(text_) or _ID_LINE_SEP.match(text_)
        if id_match and is_identifier(id_match.group(1)):
            identifier = id_match.group(1)
            rest = id_match.group("rest")
            type_, weight = _score(identifier=identifier, scope=scope, body=rest)
            description = ensure_period(first_sentence(rest))
            found[block.start] = Unit(
                kind="item", title=_title_from_text(rest) or identifier, identifier=identifier,
                aliases=(), type_hint=type_, type_weight=weight, body=body,
                start=block.start, end=block.end, description=description,
            )
            definitions.append(Definition(identifier, description, block.start, 2))
            continue
        gloss = _glossary_line(text_, strict=scope != cues.GLOSSARY)
        if gloss is not None:
            term, definition = gloss
            name, aliases = split_term_alias(term)
            strength = 3 if scope == cues.GLOSSARY else 2
            description = ensure_period(capitalize_first(first_sentence(definition)))
            definitions.append(Definition(name, description, block.start, strength))
            for alias in aliases:
                definitions.append(Definition(alias, description, block.start, strength))
            if scope in _GLOSS_UNIT_SCOPES and len(name.split()) <= 6:
                found[block.start] = Unit(
                    kind="item", title=name, identifier=None, aliases=aliases,
                    type_hint=scope, type_weight=3, body=body,
                    start=block.start, end=block.end, description=description,
                )
            continue
        if (
            block.kind == "item" and block.indent == 0 and scope in _ITEM_UNIT_TYPES
            and word_count(text_) >= 4 and not _LABEL.match(text_)
        ):
            found[block.start] = Unit(
                kind="list", title=_title_from_text(text_), identifier=None, aliases=(),
                type_hint=scope, type_weight=2, body=body, start=block.start, end=block.end,
                description=ensure_period(first_sentence(text_)),
            )
    return found


_KIND_LABEL = re.compile(
    r"^(?:process notes|process description|notes|working notes)\s*[—–:-]\s+(?=\S)", re.I
)


_TITLE_SPLIT = re.compile(r"\s+[—–-]\s+")
_MEETING_WORDS = re.compile(
    r"\b(meeting|minutes|workshop|interview|stand-?up|call|sync|retro|kick-?off|session)\b", re.I
)


def _specific_title(title: str, kind: str) -> tuple[str, tuple[str, ...]]:
    """"Project X - Steering Committee Meeting, 12 March" → the meeting part, full as alias."""
    if kind != "meeting":
        return title, ()
    parts = _TITLE_SPLIT.split(title, maxsplit=1)
    if len(parts) == 2 and _MEETING_WORDS.search(parts[1]) and not _MEETING_WORDS.search(parts[0]):
        return parts[1].strip(), (title,)
    return title, ()


def _strip_kind_label(title: str) -> str:
    """"Process Notes — Returns Processing" → "Returns Processing": the label is the kind."""
    return _KIND_LABEL.sub("", title) or title


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


def _glossary_line(text: str, *, strict: bool) -> tuple[str, str] | None:
    """``**Term** — definition`` (anywhere) or ``Term: definition`` (glossary scope only)."""
    match = _GLOSS_BOLD.match(text)
    if match and not match.group("term").rstrip().endswith((".", ":")):
        term = strip_markdown(match.group("term")).strip()
        if term and term.lower() not in STOPWORDS and not is_identifier(term):
            return term, match.group("def").strip()
    if strict:
        return None
    match = _GLOSS_BOLD_COLON.match(text) or _GLOSS_PLAIN.match(text)
    if match:
        term = strip_markdown(match.group("term")).strip()
        if term and len(term.split()) <= 6 and not is_identifier(term):
            return term, match.group("def").strip()
    return None


def _row_units(table: Table, scope: str | None, definitions: list[Definition]) -> list[Unit]:
    headers = [strip_markdown(h).strip() for h in table.headers]
    lowered = [h.lower() for h in headers]
    width = len(headers)
    if width < 2 or not table.rows:
        return []
    if width == 2 and all(h in _KV_HEADERS for h in lowered):
        return []
    rows = [(line, (cells + [""] * width)[:width]) for line, cells in table.rows]
    id_col: int | None = None
    for index, header in enumerate(lowered):
        if header in _ID_HEADERS:
            id_col = index
            break
    if id_col is None:
        for index in range(width):
            values = [strip_markdown(c[index]) for _, c in rows if c[index].strip()]
            if values and sum(1 for v in values if is_identifier(v)) >= 0.8 * len(values):
                id_col = index
                break
    header_type = cues.header_type(headers)
    table_type = header_type or scope
    if table_type is None and id_col is None:
        return []
    if table_type in (None, cues.TOPIC, cues.MEETING, cues.PROCESS) and id_col is None:
        return []
    name_col: int | None = None
    for word in _NAME_HEADERS:
        for index, header in enumerate(lowered):
            if index != id_col and re.search(rf"\b{word}\b", header):
                name_col = index
                break
        if name_col is not None:
            break
    if name_col is None:
        name_col = next((i for i in range(width) if i != id_col), None)
    if name_col is None:
        return []
    desc_col: int | None = None
    for word in _DESC_HEADERS:
        for index, header in enumerate(lowered):
            if index not in (id_col, name_col) and word in header:
                desc_col = index
                break
        if desc_col is not None:
            break
    units: list[Unit] = []
    for line, cells in rows:
        name_cell = strip_markdown(cells[name_col])
        identifier = None
        if id_col is not None:
            found = IDENTIFIER_RE.search(cells[id_col])
            if found and is_identifier(found.group(1)):
                identifier = found.group(1)
        if not name_cell and identifier is None:
            continue
        title, aliases = split_term_alias(name_cell) if name_cell else (identifier or "", ())
        title = truncate(title, MAX_TITLE_CHARS)
        fields = [
            f"- **{headers[i] or f'Column {i + 1}'}:** {cells[i].strip()}"
            for i in range(width)
            if cells[i].strip()
        ]
        body = "\n".join(fields)
        description: str | None = None
        if desc_col is not None and cells[desc_col].strip():
            description = ensure_period(capitalize_first(first_sentence(cells[desc_col])))
        elif table_type in _ITEM_UNIT_TYPES:
            description = ensure_period(first_sentence(name_cell))
        type_, weight = _score(identifier=identifier, header=header_type, scope=scope)
        if description:
            for term in (title, *aliases):
                definitions.append(Definition(term, description, line, 3 if header_type else 2))
        units.append(Unit(
            kind="row", title=title or (identifier or ""), identifier=identifier,
            aliases=aliases, type_hint=type_, type_weight=weight, body=body, start=line,
            end=line, description=description,
        ))
    return units
