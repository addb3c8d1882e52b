"""Which parts of markdown text are code: the one answer every writer into bodies asks.

Footnote markers (``provenance.cite``), mention links (``linker``), resolved wikilinks
(``wikilinks``) and reduced source links (``shape.render_lines``) are all written into
text a person wrote.  Code must come out byte for byte as written, so each of them asks
this module instead of keeping its own idea of "code" (one of them once knew only
fenced blocks at the left margin, and markers landed in indented shell snippets).

Code, as CommonMark defines it, read line by line:

- **fenced blocks**: a run of 3 or more backticks or tildes opens; only a run of the same
  character at least as long, with nothing after it, closes (so a ```` fence may hold
  ``` lines).  Fences count inside block quotes and list items too;
- **indented code blocks**: lines indented 4 or more columns (a tab stops at 4) beyond
  the content of the list item they sit in, after a blank line — never a paragraph's
  continuation, and never a list item's indented continuation paragraph (``- item``,
  blank, ``    more`` is prose of the item);
- **code spans** within a line: a run of backticks up to the next run of the same length.

It is a line scanner, not a full parser (no HTML blocks, no multi-line code spans): the
writers need line numbers and offsets, and a scan gives both cheaply.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from dossier.extract.deterministic.markdown import LIST_MARKER

_QUOTE = re.compile(r"^(?: {0,3}> ?)+")
_LIST_MARKER = re.compile(rf"^{LIST_MARKER}(?=[ \t]|$)")
_FENCE_OPEN = re.compile(r"^(`{3,}|~{3,})(.*)$")
_TICKS = re.compile(r"`+")
_ATX = re.compile(r"^#{1,6}(?:[ \t]|$)")
_BREAK = re.compile(r"^([-*_])(?: *\1){2,} *$")  # a thematic break (or setext underline)


@dataclass(frozen=True)
class CodeMap:
    """Per line (0-based): is it code, and at which column the content of its container
    (list item) starts — where a line written after it must start to stay in that item."""

    code: tuple[bool, ...]
    column: tuple[int, ...]
    #: the line that would close a fence still open after the last line (a truncated or
    #: careless document), else "": anything written after the text would be code
    unclosed: str = ""


@dataclass
class _Fence:
    char: str
    length: int
    column: int  # content column of the container the fence opened in
    quotes: int  # block-quote depth it opened at


def _expand(text: str) -> str:
    """Leading tabs expanded to 4-column stops (only the indentation matters here)."""
    if "\t" not in text:
        return text
    out: list[str] = []
    col = 0
    for index, char in enumerate(text):
        if char == "\t":
            width = 4 - col % 4
            out.append(" " * width)
            col += width
        elif char == " ":
            out.append(char)
            col += 1
        else:
            return "".join(out) + text[index:]
    return "".join(out)


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def code_map(lines: Sequence[str]) -> CodeMap:
    """Which of ``lines`` are code (fence lines included), and each line's container column."""
    code = [False] * len(lines)
    column = [0] * len(lines)
    fence: _Fence | None = None
    items: list[int] = []  # content columns of the open list items, innermost last
    quotes = 0
    after_blank = True  # the start of the text counts as after a blank line
    in_indented = False  # the previous non-blank line was indented code
    for index, raw in enumerate(lines):
        quote = _QUOTE.match(raw)
        depth = quote.group(0).count(">") if quote else 0
        content = _expand(raw[quote.end():] if quote else raw)
        blank = not content.strip()
        if fence is not None and (depth < fence.quotes or (
                not blank and fence.column and _indent(content) < fence.column)):
            fence = None  # its block quote or list item ended, and the fence with it
        if fence is not None:
            code[index] = True
            column[index] = fence.column
            inner = content[fence.column:] if _indent(content) >= fence.column else content
            if _indent(inner) <= 3:
                closing = inner.strip()
                if (len(closing) >= fence.length and closing == fence.char * len(closing)):
                    fence = None
            after_blank, in_indented = False, False
            continue
        if depth != quotes:
            items, quotes = [], depth
        if blank:
            after_blank = True
            column[index] = items[-1] if items else 0
            continue
        indent = _indent(content)
        start = content[indent:]
        # a list item ends at a line left of its content, unless that line continues its
        # paragraph lazily; a new item, a fence or a heading never does
        if after_blank or _LIST_MARKER.match(start) or _FENCE_OPEN.match(start) or _ATX.match(
                start):
            while items and indent < items[-1]:
                items.pop()
        container = items[-1] if items else 0
        relative = indent - container
        column[index] = container
        if relative >= 4 and (after_blank or in_indented):
            code[index] = True
            after_blank, in_indented = False, True
            continue
        rest = content[indent:]
        if _BREAK.match(rest):
            after_blank, in_indented = True, False  # no paragraph: indented code may follow
            continue
        marker = _LIST_MARKER.match(rest) if relative <= 3 else None
        if marker is not None:
            after = rest[marker.end():]
            spaces = len(after) - len(after.lstrip(" "))
            width = marker.end() + (spaces if 1 <= spaces <= 4 else 1)
            while items and items[-1] > indent:
                items.pop()
            items.append(indent + width)
            column[index] = indent + width
            container, rest = indent + width, after.lstrip(" ")
        opened = _FENCE_OPEN.match(rest) if relative <= 3 or marker else None
        if opened and not (opened.group(1)[0] == "`" and "`" in opened.group(2)):
            fence = _Fence(opened.group(1)[0], len(opened.group(1)), container, depth)
            code[index] = True
        after_blank = False
        in_indented = False
        if _ATX.match(rest):
            after_blank = True  # a heading is no paragraph: indented code may follow it
    unclosed = " " * fence.column + fence.char * fence.length if fence is not None else ""
    return CodeMap(tuple(code), tuple(column), unclosed)


def code_lines(lines: Sequence[str]) -> list[bool]:
    """``code_map(lines).code`` as a list."""
    return list(code_map(lines).code)


def code_spans(line: str) -> list[tuple[int, int]]:
    """Offsets of the code spans in one line (backticks included)."""
    if "`" not in line:
        return []
    runs = [m for m in _TICKS.finditer(line)
            if not (m.start() and line[m.start() - 1] == "\\")]
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        opener = runs[index]
        size = opener.end() - opener.start()
        for later in range(index + 1, len(runs)):
            if runs[later].end() - runs[later].start() == size:
                spans.append((opener.start(), runs[later].end()))
                index = later + 1
                break
        else:
            index += 1
    return spans


def may_hold_code_blocks(text: str) -> bool:
    """False when ``text`` cannot hold a code block: no fence, no 4-column indent.

    Most bodies are plain prose; this lets them skip the line scan.
    """
    return "```" in text or "~~~" in text or "    " in text or "\t" in text


def code_line_starts(text: str) -> frozenset[int]:
    """Offsets in ``text`` where its code lines start (fences included)."""
    if not may_hold_code_blocks(text):
        return frozenset()
    starts: set[int] = set()
    offset = 0
    lines = text.split("\n")
    for line, is_code in zip(lines, code_map(lines).code, strict=True):
        if is_code:
            starts.add(offset)
        offset += len(line) + 1
    return frozenset(starts)


def code_ranges(text: str) -> list[tuple[int, int]]:
    """Offsets in ``text`` of everything that is code: whole code lines and code spans,
    in text order and never overlapping (what ``inside`` relies on)."""
    lines = text.split("\n")
    code = (code_map(lines).code if may_hold_code_blocks(text)
            else (False,) * len(lines))
    ranges: list[tuple[int, int]] = []
    offset = 0
    for line, is_code in zip(lines, code, strict=True):
        if is_code:
            ranges.append((offset, offset + len(line)))
        else:
            ranges.extend((offset + a, offset + b) for a, b in code_spans(line))
        offset += len(line) + 1
    return ranges


def inside(ranges: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Does ``[start, end)`` overlap one of ``ranges``?

    ``ranges`` are in text order and never overlap (``code_ranges``), so their ends rise:
    the only candidate is the first range ending after ``start``, found by bisection, so
    a page with a link and a code span on every line costs a logarithm per link.
    """
    first = bisect_right(ranges, start, key=lambda r: r[1])
    return first < len(ranges) and ranges[first][0] < end
