"""Changelogs and other flat text: a release cut into entries, and what those entries name.

A release in a changelog is a run of *entries* — a list item, an identifier-led line
(``#789 #814  CVE-2023-52425 -- Fix …``, ``ABC-12 — Name``), a paragraph — grouped under
*labels* (``Security fixes:``, ``Fixed:``, ``### Stable style``).  Continuation lines are
recognised from indentation alone, so the same code reads fixed-width plain text and
Markdown.  Each entry is cited with its own lines: a footnote (and the search passage
built from it) then names one change, not a whole release.

Some entries name something of their own and become units besides:

* an identifier-led entry is the thing its identifier names: titled by the words after
  the identifier, the identifier its identity (so later mentions link to it);
* a bold-led entry (``- **Remove Python 2 support** (#2740)``) is a named change, its
  single issue reference an alias; a bold phrase closed by a colon (``**Note**: …``,
  ``**The following changes are also included**:``) is a label leading the text in, not
  a name;
* an entry that adds, introduces, deprecates, renames or removes a command-line option
  (``Add the `--x` flag``) says what that option is (a Glossary Term, the option's
  history across releases);
* a component prefix the changelog keeps using (``xmlwf: Support …``) names a System.

Nothing here names a product, heading or file: every rule reads the shape of the lines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from dossier.extract.deterministic import cues
from dossier.extract.deterministic.headings import ID_PATTERN
from dossier.extract.deterministic.markdown import ParsedDoc
from dossier.extract.deterministic.names import STOPWORDS
from dossier.extract.deterministic.shape import score_type, title_from_text
from dossier.extract.model import Unit
from dossier.extract.text import (
    collapse,
    ensure_period,
    first_sentence,
    strip_markdown,
    truncate,
)

_LABEL_LINE = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?(?P<label>[A-Z][A-Za-z0-9 ,/&'()|+.-]{1,48}?)"
    r"(?:\*\*|__)?\s*:(?:\*\*|__)?\s*$"
)
#: a level-2+ outline heading of a plain-text NEWS file, a label of its release
_OUTLINE_LABEL = re.compile(r"^\*{2,6}\s+(?P<label>[^*\s].{0,60}?)\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
#: issue or merge-request numbers heading an entry ("#789 #814  CVE-…", "!212"), ".." wrapped
_LEAD_REFS = re.compile(r"^(?:(?:[#!]\d+[:,]?|\.\.)\s*)+(?=\s|$)")
_ID_LEAD = re.compile(
    rf"^(?:\*\*)?(?P<id>{ID_PATTERN})(?:/{ID_PATTERN})*(?:\*\*)?\s*"
    r"(?:--|—|–|:|-(?=\s)|\s{2,})\s*(?P<rest>\S.*)$"
)
_BOLD_LEAD = re.compile(r"^(?:\*\*|__)(?P<name>[^*_]{3,80}?)(?:\*\*|__)\s*(?P<rest>.*)$")
_LINK_DEFINITION = re.compile(r"^\[[^\]]+\]:\s*\S+$")
_EMPHASISED = re.compile(r"^(\*|_)[^*_]{2,40}\1$")
_REFS = re.compile(r"(?<![\w/])#(\d+)\b")
_OPTION = re.compile(
    r"\b(?:add(?:s|ed)?|introduc(?:e|es|ed)|new|deprecat(?:e|es|ed)|remov(?:e|es|ed)|"
    r"drop(?:s|ped)?|renam(?:e|es|ed))\b[^.]{0,60}?(?<![\w-])`?"
    r"(?P<opt>--[a-z][a-z0-9-]+)", re.I)
_SECURITY_LABEL = re.compile(r"secur|vulnerab", re.I)
_COMPONENT = re.compile(r"^(?P<comp>[A-Za-z][\w.+]*(?:\|[A-Za-z][\w.+]*)*):\s+\S")
_DECIDING_VERB = re.compile(
    r"^(?:remove|drop|deprecate|require|stop|switch|adopt|replace|retire)s?\b", re.I)
_NAME_CUT = re.compile(r"(?<=[.!?;,])\s|\s(?:that|which|so that|in order to|--|—|–)\s|\s\(")

#: a component prefix names a System once entries are filed under it this many times
MIN_COMPONENT_ENTRIES = 3


@dataclass
class Entry:
    """One change of a release: its lines, the label it sits under, its Markdown."""

    start: int
    end: int
    indent: int
    label: str | None
    bullet: bool
    lines: list[int] = field(default_factory=list)
    #: continuation lines sit deeper than the first (plain-text entries)
    hanging: bool = False
    #: the release the entry belongs to (its title)
    release: str = ""
    #: a group label written as an emphasised name (``### _Name_``) names a component
    component: str | None = None

    def raw(self, doc: ParsedDoc) -> list[str]:
        return [doc.lines[number - 1] for number in self.lines]

    def words(self, doc: ParsedDoc) -> str:
        """The entry on one line, bullet and leading issue references dropped."""
        text = collapse(" ".join(line.strip() for line in self.raw(doc)))
        text = _BULLET.sub("", text, count=1)
        return _LEAD_REFS.sub("", text).strip()

    def markdown(self, doc: ParsedDoc) -> str:
        """Markdown for the body: a Markdown list item or paragraph as written (dedented);
        fixed-width plain text (deeply indented, column-aligned) as one list item."""
        raw = self.raw(doc)
        if self.indent <= 3 and (self.bullet or not raw[0].startswith("    ")):
            # dedent by the entry's own indent, never into a less-indented lazy line
            return "\n".join(line[min(self.indent, len(line) - len(line.lstrip())):].rstrip()
                             for line in raw)
        # wrapped lines are one paragraph; a nested bullet is its own item, so a long
        # entry still reads (and is searched) in pieces
        chunks: list[list[str]] = [[]]
        for line in raw:
            if chunks[0] and _BULLET.match(line):
                chunks.append([])
            chunks[-1].append(line.strip())
        out = ["- " + collapse(" ".join(chunks[0]))]
        out += ["  - " + collapse(_BULLET.sub("", " ".join(c), count=1)) for c in chunks[1:]]
        return "\n\n".join(out)


def split_entries(doc: ParsedDoc, numbers: Sequence[int], release: str = "") -> list[Entry]:
    """The entries among ``numbers`` (the lines of one release, its heading excluded)."""
    entries: list[Entry] = []
    label: str | None = None
    component: str | None = None
    current: Entry | None = None
    blank_before = False
    in_comment = False
    for number in numbers:
        index = number - 1
        line = doc.lines[index]
        stripped = line.strip()
        if doc.in_code[index]:
            if current is not None:
                current.lines.append(number)
                current.end = number
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        if not stripped or number in doc.underline or _LINK_DEFINITION.match(stripped):
            blank_before = True
            continue
        indent = len(line) - len(line.lstrip())
        if number in doc.heading_at:
            heading = doc.heading_at[number][1].strip()
            label, current, blank_before = strip_markdown(heading), None, False
            component = label if _EMPHASISED.match(heading) else None
            continue
        outline = _OUTLINE_LABEL.match(line)
        if outline:  # "** Bug fixes" under "* Noteworthy changes in release 1.12"
            label, component = collapse(outline.group("label")), None
            current, blank_before = None, False
            continue
        label_match = _LABEL_LINE.match(line)
        # a plain "We changed the following:" is a sentence; set in bold it is a label
        if label_match and (len(label_match.group("label").split()) <= 5
                            or _BOLD_LEAD.match(stripped)) and (
                current is None or blank_before or indent < current.indent):
            label, component = collapse(strip_markdown(label_match.group("label"))), None
            current, blank_before = None, False
            continue
        bullet = bool(_BULLET.match(line))
        refs = _LEAD_REFS.match(stripped)
        refs_led = refs is not None
        if refs is not None and stripped[refs.end():].strip():
            # right-aligned issue numbers: the entry's column is where its words begin
            rest = stripped[refs.end():]
            indent += refs.end() + len(rest) - len(rest.lstrip())
        if current is None:
            starts = True
        elif _LEAD_REFS.fullmatch(
                " ".join(doc.lines[x - 1].strip() for x in current.lines)):
            starts = False  # "#678 #705 .." wraps onto the entry it heads
            current.indent = indent  # whose words set the entry's column
        elif bullet or refs_led:
            starts = indent <= current.indent
        elif blank_before:
            starts = not (current.bullet and indent > current.indent)
        else:
            # hanging indent: back at the entry's own indent after deeper lines is a new one
            starts = indent <= current.indent and current.hanging
        if current is not None and not starts and indent > current.indent:
            current.hanging = True
        if starts:
            current = Entry(number, number, indent, label, bullet or refs_led,
                            release=release, component=component)
            entries.append(current)
        assert current is not None
        current.lines.append(number)
        current.end = number
        blank_before = False
    return entries


def entry_parts(doc: ParsedDoc, entries: Sequence[Entry]) -> list[tuple[int, int, str]]:
    """One cited part per entry, under its label as a heading.

    Within one label, prose paragraphs (what the release says about itself: "This
    release introduces …") come before the itemised changes, so they read — and are
    searched — as the label's summary instead of being packed among the items.
    """
    groups: list[list[Entry]] = []
    for entry in entries:
        if not groups or groups[-1][0].label != entry.label:
            groups.append([])
        groups[-1].append(entry)
    parts: list[tuple[int, int, str]] = []
    for group in groups:
        ordered = [e for e in group if not e.bullet] + [e for e in group if e.bullet]
        for position, entry in enumerate(ordered):
            text = entry.markdown(doc)
            if position == 0 and entry.label:
                text = f"## {entry.label}\n\n{text}"
            parts.append((entry.start, entry.end, text))
    return parts


def _name(text: str) -> str:
    """A short name from an entry's words: its first clause, at most 12 words."""
    plain = collapse(strip_markdown(text))
    # an aside in parentheses is no part of the name ("Passing (one or more) separators")
    plain = collapse(re.sub(r"\s*\([^()]*\)(?=\s+\w)", "", plain))
    head = _NAME_CUT.split(plain, maxsplit=1)[0].strip(" .,;:")
    words = head.split()
    return " ".join(words[:12]) if words else title_from_text(plain)


def entry_name(doc: ParsedDoc, entry: Entry, rest: str) -> str:
    """The name an identifier is given: ``ID: Name`` on a line of its own (the next line
    opens a new sentence), else the first clause of what the entry says."""
    raw = entry.raw(doc)
    first_rest = rest
    if len(raw) > 1:
        nxt = raw[1].strip()
        tail = _ID_LEAD.match(_LEAD_REFS.sub("", _BULLET.sub("", raw[0].strip())).strip())
        if tail and nxt[:1].isupper():
            first_rest = tail.group("rest")
            if len(first_rest.split()) <= 12:
                return first_rest.strip(" .:;")
    return _name(first_rest)


def _is_lead_in(name: str, rest: str) -> bool:
    """A bold phrase closed by a colon, inside the bold or right after it."""
    return name.rstrip().endswith(":") or rest.startswith(":")


def entry_units(doc: ParsedDoc, entries: Sequence[Entry], release: str) -> list[Unit]:
    """Units named by entries of one release (see the module docstring)."""
    units: list[Unit] = []
    for entry in entries:
        words = entry.words(doc)
        body = f"From {release}:\n\n{entry.markdown(doc)}"
        ident = _ID_LEAD.match(words)
        # an identifier leading an entry names what the entry is about, whatever its
        # prefix (a CVE is no entity in running text, but "CVE-… -- Fix …" defines one)
        if ident:
            rest = ident.group("rest")
            scope = cues.RISK if entry.label and _SECURITY_LABEL.search(entry.label) else None
            type_, weight = score_type(identifier=ident.group("id"), scope=scope, body=rest)
            units.append(Unit(
                kind="item", title=truncate(entry_name(doc, entry, rest), 100),
                identifier=ident.group("id"),
                aliases=(), type_hint=type_, type_weight=weight, body=body,
                start=entry.start, end=entry.end,
                description=truncate(ensure_period(first_sentence(strip_markdown(rest))), 200),
                parent=release,
            ))
            continue
        bold = _BOLD_LEAD.match(words)
        # "**Note**: …" / "**Breaking:** …" lead a paragraph in: a label, not a change's name
        if bold and not _is_lead_in(bold.group("name"), bold.group("rest")):
            name = collapse(bold.group("name")).strip(" .:")
            refs = _REFS.findall(bold.group("rest"))
            deciding = bool(_DECIDING_VERB.match(name))
            units.append(Unit(
                kind="item", title=name, identifier=None,
                aliases=(f"#{refs[0]}",) if len(refs) == 1 else (),
                type_hint=cues.DECISION if deciding else cues.TOPIC,
                type_weight=2 if deciding else 0, body=body,
                start=entry.start, end=entry.end, description=ensure_period(name),
                parent=release,
            ))
        for option in dict.fromkeys(m.group("opt") for m in _OPTION.finditer(words)):
            units.append(Unit(
                kind="item", title=option, identifier=None, aliases=(),
                type_hint=cues.GLOSSARY, type_weight=3, body=body,
                start=entry.start, end=entry.end,
                description=truncate(ensure_period(first_sentence(strip_markdown(words))),
                                     200),
                parent=release,
            ))
    return units


def component_units(doc: ParsedDoc, entries: Sequence[Entry]) -> list[Unit]:
    """A System per component prefix (``xmlwf: …``) filed on enough entries.

    Its body lists those entries, each cited with its own lines, under the release it
    came with: what the changelog says about the component, in order.
    """
    filed: dict[str, list[Entry]] = {}
    for entry in entries:
        match = _COMPONENT.match(entry.words(doc))
        named = match.group("comp").split("|") if match else []
        if entry.component:
            named.append(entry.component)
        for part in dict.fromkeys(named):
            if part.lower() in STOPWORDS or len(part) < 3:
                continue
            filed.setdefault(part, []).append(entry)
    units: list[Unit] = []
    for name, mine in sorted(filed.items()):
        if len(mine) < MIN_COMPONENT_ENTRIES:
            continue
        parts: list[tuple[int, int, str]] = []
        shown: str | None = None
        for entry in mine:
            text = entry.markdown(doc)
            if entry.release and entry.release != shown:
                text = f"## {entry.release}\n\n{text}"
            shown = entry.release
            parts.append((entry.start, entry.end, text))
        units.append(Unit(
            kind="item", title=name, identifier=None, aliases=(),
            type_hint=cues.SYSTEM, type_weight=2, body="",
            start=mine[0].start, end=mine[-1].end,
            description=f"A component named by {len(mine)} changelog entries.",
            parts=tuple(parts),
        ))
    return units


def release_index(children: Sequence[Unit]) -> list[tuple[int, int, str]]:
    """The changelog's own list of its releases, each line citing that release's heading:
    the document stays a concept that lists its entries, not one giant citation."""
    releases = [c for c in children if c.kind == "section"]
    return [(unit.start, unit.start, ("## Releases\n\n" if i == 0 else "") + f"- {unit.title}")
            for i, unit in enumerate(releases)]


_NAMED_VERSION = re.compile(r"(?<![\w./-])([A-Z][\w+]{1,30})\s+(?:[<>=]=?\s*)?v?\d+\.\d+")
#: a name must come before a version this often to be the product a changelog is about
MIN_PRODUCT_VERSIONS = 3


def product_units(doc: ParsedDoc, title: str, path: str,
                  framing: tuple[int, int] | None) -> list[Unit]:
    """The product a changelog is about, as a System.

    The product is a name the changelog writes before version numbers ("Foo 2.1",
    "Foo >=2.4.0") that is also the name of the folder holding the changelog or a word
    of its title; it is cited where the changelog's opening lines name it.  A
    ``lib<name>`` form the text uses is its alias.
    """
    counts: Counter[str] = Counter()
    for index, line in enumerate(doc.lines):
        if not doc.in_code[index]:
            counts.update(m.group(1) for m in _NAMED_VERSION.finditer(line))
    parts = path.replace("\\", "/").split("/")
    folder = parts[-2].lower() if len(parts) >= 2 else ""
    title_words = {w.lower() for w in re.findall(r"[A-Za-z][\w+]*", title)}
    lo, hi = framing if framing is not None else (1, 0)
    for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if count < MIN_PRODUCT_VERSIONS:
            break
        if name.lower() != folder and name.lower() not in title_words:
            continue
        pattern = re.compile(rf"(?<![\w-])(?:lib)?{re.escape(name)}(?![\w-])", re.I)
        lines = [x for x in range(lo, hi + 1) if pattern.search(doc.lines[x - 1])]
        if not lines:
            return []
        said = [collapse(doc.lines[x - 1].strip(" !#*=|")) for x in lines]
        lib = f"lib{name.lower()}"
        has_lib = any(re.search(rf"\b{lib}\b", line, re.I) for line in doc.lines)
        return [Unit(
            kind="item", title=name, identifier=None, aliases=(lib,) if has_lib else (),
            type_hint=cues.SYSTEM, type_weight=3,
            body=f"The product {title} records the changes of:\n\n"
                 + "\n".join(f"> {line}" for line in said),
            start=lines[0], end=lines[-1],
            description=f"The product whose changes {title} records (named with a version "
                        f"{count} times).",
        )]
    return []


_DATE_LEAD = re.compile(
    r"^(?:#{1,6}\s+)?\[?(?P<date>\d{4}-\d{2}-\d{2})\]?(?P<rest>(?:\s+\S.{0,80})?)$")
_EMAIL = re.compile(r"\s*<[^>\s]+@[^>\s]+>")
_RELEASE_MARK = re.compile(
    r"\b(?:release|version)\b|^(?:#{1,6}\s+)?\[?v\d|\d{4}-\d{2}-\d{2}|\b\d+\.\d+\.\d+\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b.*\d{4}",
    re.I)


def date_starts(doc: ParsedDoc) -> list[tuple[int, str, str]]:
    """Lines that open a dated entry group (``2024-03-01  Jane Doe <jane@…>``, the GNU
    ChangeLog form, or ``## 2024-03-01``): (line, date, title without the e-mail)."""
    out: list[tuple[int, str, str]] = []
    for index, line in enumerate(doc.lines):
        if doc.in_code[index] or line[:1] in (" ", "\t"):
            continue
        match = _DATE_LEAD.match(line.rstrip())
        if match:
            title = collapse(_EMAIL.sub("", strip_markdown(line.strip().lstrip("#"))))
            out.append((index + 1, match.group("date"), title.strip("[] ")))
    return out


def marked_version_lines(doc: ParsedDoc, version_of: Callable[[str], str | None]) -> int:
    """Version lines that also say they are releases (a release/version word, a ``v``,
    a date, three-part version): enough of them make a changelog whatever its file name,
    where a bare ``2.1 Scope`` is only a numbered heading."""
    return sum(1 for index, line in enumerate(doc.lines)
               if not doc.in_code[index] and version_of(line) is not None
               and _RELEASE_MARK.search(line))


def release_lines(children: Sequence[Unit]) -> set[int]:
    """The lines of a changelog's releases (their entries make their own units here)."""
    return {x for unit in children if unit.kind == "section"
            for x in range(unit.start, unit.end + 1)}


def log_description(children: Sequence[Unit]) -> str | None:
    """What a changelog is, said from its releases (its opening lines are often a banner
    or a note to contributors, which describe nothing)."""
    releases = [c for c in children if c.kind == "section"]
    if not releases:
        return None
    if len(releases) == 1:
        return f"A changelog with one release: {releases[0].title}."
    return truncate(f"A changelog of {len(releases)} releases, from {releases[-1].title} "
                    f"to {releases[0].title}.", 200)


def release_description(doc: ParsedDoc, entries: Sequence[Entry]) -> str | None:
    """A release said in one line: what its own prose says first, else how many changes
    it lists and under which labels (never the first entry's issue numbers)."""
    for entry in entries:
        words = strip_markdown(entry.words(doc))
        # prose: a sentence of the release's own, not a list of names under a label
        if not entry.bullet and words.endswith((".", "!", "?", ":")):
            sentence = first_sentence(words)
            if len(sentence.split()) >= 4:
                return truncate(ensure_period(sentence), 200)
    if not entries:
        return None
    labels = list(dict.fromkeys(e.label for e in entries if e.label))
    count = f"{len(entries)} change" + ("s" if len(entries) != 1 else "")
    if labels:
        return truncate(f"{count}: {', '.join(labels)}.", 200)
    first = first_sentence(strip_markdown(entries[0].words(doc)))
    return truncate(ensure_period(f"{count}, the first: {first}"), 200)
