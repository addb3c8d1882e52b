"""A line-oriented reading of normalized source text: headings, sections, tables, code.

Not a full CommonMark parser on purpose: the extractor needs line numbers for provenance
and a handful of block shapes (ATX and setext headings, pipe tables, list items, fenced
code), and a line scanner gives both cheaply on thousands of documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
#: A list marker: a bullet, or 1–9 digits and ``.``/``)`` (CommonMark's ordered marker).
#: The one definition every reader of list items builds on, so they agree on what a list
#: item is (``codeblocks`` included).
LIST_MARKER = r"(?:[-*+]|\d{1,9}[.)])"
#: A list item's marker with its indentation (group 1) and the spaces after it.
LIST_PREFIX = re.compile(rf"^(\s*){LIST_MARKER}\s+")
#: A list item: indentation (group 1) and text (group 2).
LIST_ITEM = re.compile(rf"^(\s*){LIST_MARKER}\s+(.*)$")
#: "Name: …" opening a remark in minutes (a speaker, or a label in its place).
SPEAKER_PREFIX = r"[A-Z][\w .'-]{0,30}:\s+"
SPEAKER = re.compile(rf"^{SPEAKER_PREFIX}")
_HR = re.compile(r"^ {0,3}([-*_])( *\1){2,}\s*$")
# A SHOUTED line standing alone between blank lines is a heading in plain-text notes.
_INDENTED_OR_LIST = re.compile(rf"^(?:[ \t]+\S|{LIST_MARKER}\s)")
_CAPS_LINE = re.compile(r"^[A-Z0-9][A-Z0-9 ,.:;&/'’()—–-]{2,100}$")


@dataclass
class Table:
    start: int  # 1-based line of the header row
    end: int
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line, cells)


@dataclass
class Section:
    heading: str  # inline markdown as written
    level: int
    line: int  # 1-based heading line (0 for the pre-heading root)
    own_end: int  # last line before the next heading of any level
    end: int  # last line before the next heading of the same or a higher level
    children: list[Section] = field(default_factory=list)
    parent: Section | None = field(default=None, repr=False)

    @property
    def content_start(self) -> int:
        """First content line: after the heading (and a setext underline)."""
        return self.line + 1


@dataclass
class ParsedDoc:
    lines: list[str]  # index 0 = line 1
    in_code: list[bool]
    heading_at: dict[int, tuple[int, str]]  # line → (level, text)
    underline: set[int]  # setext underline lines
    tables: list[Table]
    root: Section

    def line(self, number: int) -> str:
        return self.lines[number - 1]

    def root_has_prose(self, before: int) -> bool:
        """Any non-blank, non-code text before line ``before``?"""
        return any(
            self.lines[i].strip() and not self.in_code[i] for i in range(0, max(0, before - 1))
        )

    def underline_of(self, number: int) -> set[int]:
        return {number + 1} if number + 1 in self.underline else set()

    def is_structural(self, number: int) -> bool:
        """Heading, underline or code line: never prose."""
        return (
            number in self.heading_at or number in self.underline or self.in_code[number - 1]
        )


def split_cells(row: str) -> list[str]:
    text = row.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells = re.split(r"(?<!\\)\|", text)
    return [c.strip().replace("\\|", "|") for c in cells]


def _frontmatter_line(in_code: list[bool], index: int) -> bool:
    """True while still inside the leading frontmatter block marked before fences."""
    return all(in_code[: index + 1])


def parse(text: str) -> ParsedDoc:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    n = len(lines)
    in_code = [False] * n
    # YAML frontmatter is metadata, not prose: treat it like a code block
    if n and lines[0].strip() == "---":
        for end in range(1, n):
            if lines[end].strip() in ("---", "..."):
                for k in range(end + 1):
                    in_code[k] = True
                break
    fence: str | None = None
    for i, line in enumerate(lines):
        if in_code[i] and fence is None and i < n and _frontmatter_line(in_code, i):
            continue
        match = _FENCE.match(line)
        if fence is not None:
            in_code[i] = True
            if match and match.group(1) == fence:
                fence = None
        elif match:
            fence = match.group(1)
            in_code[i] = True

    heading_at: dict[int, tuple[int, str]] = {}
    underline: set[int] = set()
    for i, line in enumerate(lines):
        if in_code[i]:
            continue
        atx = _ATX.match(line)
        if atx:
            heading_at[i + 1] = (len(atx.group(1)), atx.group(2).strip())
            continue
        if (
            i + 1 < n
            and not in_code[i + 1]
            and line.strip()
            and _SETEXT.match(lines[i + 1])
            and not _TABLE_ROW.match(line)
            and not _HR.match(line)
            and (i == 0 or not lines[i - 1].strip())
            and len(line.strip()) <= 120
        ):
            level = 1 if lines[i + 1].strip().startswith("=") else 2
            heading_at[i + 1] = (level, line.strip())
            underline.add(i + 2)
            continue
        stripped = line.strip()
        if (
            i + 1 not in underline
            and line == line.lstrip()
            and _CAPS_LINE.match(stripped)
            and sum(c.isalpha() for c in stripped) >= 4
            and (i == 0 or not lines[i - 1].strip())
            and (i + 1 >= n or not lines[i + 1].strip() or _INDENTED_OR_LIST.match(lines[i + 1]))
        ):
            first = not any(lines[j].strip() for j in range(i))
            heading_at[i + 1] = (1 if first else 2, stripped)

    tables: list[Table] = []
    i = 0
    while i < n:
        if (
            not in_code[i]
            and _TABLE_ROW.match(lines[i])
            and i + 1 < n
            and _TABLE_SEP.match(lines[i + 1])
        ):
            headers = split_cells(lines[i])
            rows: list[tuple[int, list[str]]] = []
            j = i + 2
            while j < n and _TABLE_ROW.match(lines[j]) and not in_code[j]:
                rows.append((j + 1, split_cells(lines[j])))
                j += 1
            tables.append(Table(start=i + 1, end=j, headers=headers, rows=rows))
            i = j
            continue
        i += 1

    root = Section(heading="", level=0, line=0, own_end=n, end=n)
    stack = [root]
    numbers = sorted(heading_at)
    for index, number in enumerate(numbers):
        level, heading = heading_at[number]
        next_heading = numbers[index + 1] if index + 1 < len(numbers) else n + 1
        section = Section(heading=heading, level=level, line=number, own_end=next_heading - 1,
                          end=n)
        while stack[-1].level >= level:
            closed = stack.pop()
            closed.end = number - 1
        section.parent = stack[-1]
        stack[-1].children.append(section)
        stack.append(section)
    if numbers:
        root.own_end = numbers[0] - 1
    return ParsedDoc(lines=lines, in_code=in_code, heading_at=heading_at, underline=underline,
                     tables=tables, root=root)


def item_end(doc: ParsedDoc, index: int, indent: int, limit: int | None = None, *,
             through_blank_lines: bool = False,
             code: Literal["ends", "inside", "by_indent"] = "by_indent") -> int:
    """1-based last line of the list item whose marker is on 0-based line ``index``.

    An item runs over the lines indented past its marker (``indent``), up to a heading or
    line ``limit``.  Its readers differ on purpose in two things, named here instead of
    copied: ``through_blank_lines`` keeps a discussion nested under an agenda item after
    a blank line (else a blank line ends one statement); ``code`` says whether a code
    line ends the item (a statement's text has none), always belongs to it, or is read
    by its indentation like any line.
    """
    stop = len(doc.lines) if limit is None else limit
    end = index + 1
    for sub in range(index + 1, stop):
        line = doc.lines[sub]
        if (sub + 1) in doc.heading_at:
            break
        if not line.strip():
            if through_blank_lines:
                continue
            break
        if doc.in_code[sub] and code != "by_indent":
            if code == "ends":
                break
            end = sub + 1
            continue
        if len(line) - len(line.lstrip()) <= indent:
            break
        end = sub + 1
    return end
