"""HTML → markdown-flavoured text with the standard library's ``html.parser``.

The goal is text the extractor can read the way a person reads the page:
headings stay headings (``#``), list items stay items (``- `` / ``1. ``), tables
become pipe tables, paragraphs are separated by blank lines.  Everything that is
not content is dropped: ``<script>``, ``<style>``, ``<noscript>``, ``<template>``,
``<svg>`` and the ``<head>`` — except its ``<title>``, which becomes the ``#``
title when the page has no ``<h1>``.  Links keep their text (not their URL);
images are dropped.  The parser is forgiving: unclosed ``<p>``, ``<li>``, ``<td>``
and a ``<head>`` never closed before ``<body>`` all come out right.

Every output line also gets the span of original lines its text came from
(``html.parser``'s ``getpos()`` where each piece of text starts), so a citation of
the converted text can name the page's own lines (dossier/ingest/origins.py).  Line
breaks are normalized first, as the HTML standard does, so ``getpos()`` counts
``\r\n`` and a lone ``\r`` as one line each, the way an editor does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from dossier.ingest.limits import Budget
from dossier.ingest.origins import Span

_FEED_CHARS = 256 * 1024  # the deadline is checked after each chunk fed to the parser

_BR = "\x00"  # stands for <br> inside an inline buffer until the block is rendered
#: never text: code, styling, embedded documents, and navigation (<nav>: menus, tables of
#: contents, pagers) that every page of a site repeats
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "head", "iframe", "nav"})
#: ``rel`` values of a pager's links ("Next: …, Previous: …, Up: …" over every page of a
#: manual): the paragraph holding one is navigation, not text
_PAGER_RELS = frozenset({"next", "prev", "previous"})
#: links a pager bar holds besides next/prev, and the words around them
_NAV_RELS = _PAGER_RELS | {"up", "index", "contents", "start", "first", "last", "home"}
_PAGER_WORDS = re.compile(r"(?i)\b(?:next|previous|prev|up|index|contents|top|home|back)\b|"
                          r"[\W_]+")
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "footer", "nav", "aside",
        "address", "figure", "figcaption", "details", "summary", "dl", "dt", "dd", "form",
        "fieldset", "legend", "center", "hr", "body", "html",
    }
)  # fmt: skip
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
#: the glyph a documentation generator links each heading's (and API entry's) anchor with
#: ("Install¶", "name: str¶"): no part of the text
_PERMALINKS = "¶§🔗"


def _only_navigation(text: str, nav_text: str) -> bool:
    """Is a run holding a next/prev link a pager bar ("Next: A, Previous: B, Up: C")?

    Only when nothing but its navigation links' text and the pager's own words is left:
    a paragraph of real text that links to the next page stays.
    """
    rest = text
    for piece in sorted(set(nav_text.split()), key=len, reverse=True):
        rest = rest.replace(piece, " ")
    return not _PAGER_WORDS.sub("", rest).strip()


def _content_span(data: str, line: int) -> Span | None:
    """The original lines holding ``data``'s text (it starts on ``line``); None if blank."""
    stripped = data.lstrip()
    if not stripped:
        return None
    first_at = len(data) - len(stripped)
    last_at = len(data.rstrip()) - 1
    return (line + data.count("\n", 0, first_at), line + data.count("\n", 0, last_at))


def _union(a: Span | None, b: Span | None) -> Span | None:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), max(a[1], b[1]))


def _gap(before: Span, after: Span) -> Span:
    """A separator line between two blocks: the first original line after ``before``."""
    line = max(before[1], min(before[1] + 1, after[0]))
    return (line, line)


@dataclass
class _Table:
    rows: list[list[str]] = field(default_factory=list)
    row: list[str] | None = None
    cell: list[str] | None = None
    caption: list[str] | None = None
    #: original lines of the open cell, the open row, each kept row and the caption
    cell_span: Span | None = None
    row_span: Span | None = None
    row_spans: list[Span] = field(default_factory=list)
    caption_span: Span | None = None

    def close_cell(self) -> None:
        if self.cell is not None:
            if self.row is None:
                self.row = []
            self.row.append(_inline(self.cell).replace(_BR, " ").strip())
            self.cell = None
            self.row_span = _union(self.row_span, self.cell_span)
            self.cell_span = None

    def close_row(self, here: int) -> None:
        self.close_cell()
        if self.row is not None:
            if any(self.row):
                self.rows.append(self.row)
                self.row_spans.append(self.row_span or (here, here))
            self.row = None
            self.row_span = None

    def span(self) -> Span | None:
        """All the original lines the kept rows came from."""
        first = [s[0] for s in self.row_spans]
        last = [s[1] for s in self.row_spans]
        return (min(first), max(last)) if first else None


@dataclass
class _ListLevel:
    ordered: bool
    counter: int = 0
    marker_pending: bool = False


def _inline(parts: list[str]) -> str:
    """Collapse HTML whitespace while keeping explicit <br> breaks."""
    return _BR.join(" ".join(seg.split()) for seg in "".join(parts).split(_BR)).strip(" ")


def _escape_cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_table(rows: list[list[str]]) -> str:
    """A markdown pipe table; the first row is the header (markdown requires one)."""
    width = max(len(r) for r in rows)
    padded = [[_escape_cell(c) for c in r] + [""] * (width - len(r)) for r in rows]
    out = ["| " + " | ".join(padded[0]) + " |", "|" + " --- |" * width]
    out.extend("| " + " | ".join(r) + " |" for r in padded[1:])
    return "\n".join(out)


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # (text, list group or 0, quote depth, original lines of each line of text)
        self.blocks: list[tuple[str, int, int, list[Span]]] = []
        self.list_groups = 0
        self.inline: list[str] = []
        #: original lines of each <br>-separated segment of ``inline``
        self.inline_spans: list[Span | None] = [None]
        self.skip: list[str] = []
        self.title: list[str] | None = None
        self.title_text = ""
        self.title_span: Span | None = None
        self.heading: int | None = None
        self.lists: list[_ListLevel] = []
        self.pre: list[str] | None = None
        self.pre_tag = 0  # the original line of the open <pre> tag
        self.pre_first: int | None = None  # the original line the <pre> text starts on
        self.pre_breaks: list[int] = []  # the original line each line after a break starts on
        self.quote = 0
        self.tables: list[_Table] = []
        self.pager = False  # the inline run holds a pager link (rel="next"/"prev")
        self.nav_link = False  # inside a link of a pager bar (rel next/prev/up/index …)
        self.nav_text: list[str] = []  # the text of those links in this inline run

    # -- block emission -------------------------------------------------------------

    def _here(self) -> int:
        return self.getpos()[0]

    def _emit(self, text: str, spans: list[Span], *, list_item: bool = False) -> None:
        if self.quote:
            prefix = "> " * self.quote
            text = "\n".join(
                prefix + line if line else prefix.rstrip() for line in text.split("\n")
            )
        self.blocks.append((text, self.list_groups if list_item else 0, self.quote, spans))

    def _flush(self) -> None:
        """End the current inline run: render it as a heading, list item or paragraph."""
        if self.pre is not None:
            return
        if self.tables and self.tables[-1].cell is not None:
            self.tables[-1].cell.append(" ")  # block boundaries inside a cell are spaces
            return
        text = _inline(self.inline)
        segment_spans = self.inline_spans
        self.inline = []
        self.inline_spans = [None]
        pager, nav_text = self.pager, " ".join(self.nav_text)
        self.pager, self.nav_text = False, []
        if pager and self.heading is None and _only_navigation(text, nav_text):
            return
        if not text.replace(_BR, "").strip():
            return
        here = (self._here(), self._here())
        if self.heading is not None:
            whole: Span | None = None
            for span in segment_spans:
                whole = _union(whole, span)
            words = " ".join(text.replace(_BR, " ").split()).rstrip(_PERMALINKS).rstrip()
            if not words:
                return
            heading = "#" * self.heading + " " + words
            self._emit(heading, [whole or here])
            return
        segments = text.split(_BR)
        # one span per <br>-separated segment (padded: a missing one is "here", not a crash)
        segment_spans = (segment_spans + [None] * len(segments))[: len(segments)]
        kept = [
            (line.strip().rstrip(_PERMALINKS).rstrip(), span or here)
            for line, span in zip(segments, segment_spans, strict=True)
            if line.strip().rstrip(_PERMALINKS).strip()
        ]
        if not kept:  # nothing but permalink glyphs
            return
        lines = [line for line, _ in kept]
        spans = [span for _, span in kept]
        if self.lists:
            level = self.lists[-1]
            indent = "  " * (len(self.lists) - 1)
            marker = f"{level.counter}. " if level.ordered else "- "
            lead = indent + (marker if level.marker_pending else " " * len(marker))
            level.marker_pending = False
            body = [lead + lines[0]] + [indent + " " * len(marker) + ln for ln in lines[1:]]
            self._emit("\n".join(body), spans, list_item=True)
            return
        self._emit("\n".join(lines), spans)

    # -- parser callbacks -----------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and not (self.skip and self.skip[-1] == "svg"):
            self.title = []
            return
        if tag == "body" and "head" in self.skip:  # <head> left open: body content counts
            self.skip = [t for t in self.skip if t != "head"]
        if tag in _SKIP_TAGS:
            self.skip.append(tag)
            return
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.append(tag)  # nested alike: its end tag must not end the skip
            return
        if tag == "a" and self.pre is None and not self.tables:
            rels = set((dict(attrs).get("rel") or "").lower().split())
            self.pager = self.pager or bool(_PAGER_RELS & rels)
            self.nav_link = bool(_NAV_RELS & rels)
        if tag == "br":
            target = self._text_target()
            if target is not None:
                target.append(_BR if self.pre is None else "\n")
            if self.pre is not None:
                self._pre_break(self._here())  # the text after <br> is on this same line
            elif target is self.inline:
                self.inline_spans.append(None)
        elif tag == "pre":
            self._flush()
            self.pre = []
            self.pre_tag = self._here()
            self.pre_first = None
            self.pre_breaks = []
        elif tag in _HEADINGS:
            self._flush()
            self.heading = _HEADINGS[tag]
        elif tag in ("ul", "ol"):
            self._flush()
            if not self.lists:
                self.list_groups += 1
            self.lists.append(_ListLevel(ordered=tag == "ol"))
        elif tag == "li":
            self._flush()
            if not self.lists:
                self.list_groups += 1
                self.lists.append(_ListLevel(ordered=False))
            self.lists[-1].counter += 1
            self.lists[-1].marker_pending = True
        elif tag == "blockquote":
            self._flush()
            self.quote += 1
        elif tag == "table":
            self._flush()
            self.tables.append(_Table())
        elif tag == "caption" and self.tables:
            self.tables[-1].caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1].close_row(self._here())
            self.tables[-1].row = []
        elif tag in ("td", "th") and self.tables:
            table = self.tables[-1]
            table.close_cell()
            if table.row is None:
                table.row = []
            table.cell = []
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            if self.title is not None:
                self.title_text = " ".join("".join(self.title).split())
                self.title = None
            return
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        if tag == "a":
            self.nav_link = False
        if tag == "pre" and self.pre is not None:
            raw = "".join(self.pre)
            code = raw.strip("\n")
            self.pre = None
            if code.strip():
                self._flush()
                fence = "````" if "```" in code else "```"
                lead = len(raw) - len(raw.lstrip("\n"))
                starts = [self.pre_first or self.pre_tag, *self.pre_breaks]
                spans = [(n, n) for n in starts[lead : lead + code.count("\n") + 1]]
                spans = [(self.pre_tag, self.pre_tag), *spans, (self._here(), self._here())]
                self._emit(f"{fence}\n{code}\n{fence}", spans, list_item=bool(self.lists))
        elif tag in _HEADINGS:
            self._flush()
            self.heading = None
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag == "li":
            self._flush()
        elif tag == "blockquote":
            self._flush()
            self.quote = max(0, self.quote - 1)
        elif tag == "caption" and self.tables and self.tables[-1].caption is not None:
            caption = _inline(self.tables[-1].caption).replace(_BR, " ")
            self.tables[-1].caption = None
            if caption:
                span = self.tables[-1].caption_span or (self._here(), self._here())
                self._emit(caption, [span])
        elif tag in ("td", "th") and self.tables:
            self.tables[-1].close_cell()
        elif tag == "tr" and self.tables:
            self.tables[-1].close_row(self._here())
        elif tag == "table" and self.tables:
            self._end_table()
        elif tag in _BLOCK_TAGS:
            self._flush()

    def _end_table(self) -> None:
        table = self.tables.pop()
        table.close_row(self._here())
        if not table.rows:
            return
        if self.tables and self.tables[-1].cell is not None:
            # A table nested in a cell cannot be a pipe table: flatten it into the cell.
            flat = "; ".join(" / ".join(c for c in row if c) for row in table.rows)
            self.tables[-1].cell.append(" " + flat + " ")
            self.tables[-1].cell_span = _union(self.tables[-1].cell_span, table.span())
            return
        # header, its rule (from the header's lines), then one line per further row
        spans = [table.row_spans[0], *table.row_spans]
        self._emit(render_table(table.rows), spans)

    def _text_target(self) -> list[str] | None:
        if self.pre is not None:
            return self.pre
        if self.tables:
            table = self.tables[-1]
            if table.caption is not None:
                return table.caption
            return table.cell  # text between rows/cells is layout whitespace
        return self.inline

    def _pre_break(self, line: int) -> None:
        if self.pre_first is None:
            self.pre_first = line
        self.pre_breaks.append(line)

    def handle_data(self, data: str) -> None:
        line = self._here()
        if self.title is not None:
            self.title.append(data)
            self.title_span = _union(self.title_span, _content_span(data, line))
            return
        if self.skip:
            return
        target = self._text_target()
        if target is None:
            return
        target.append(data)
        if self.nav_link and target is self.inline:
            self.nav_text.append(data)
        if self.pre is not None:
            if self.pre_first is None:
                self.pre_first = line
            self.pre_breaks.extend(line + n for n in range(1, data.count("\n") + 1))
            return
        span = _content_span(data, line)
        if target is self.inline:
            self.inline_spans[-1] = _union(self.inline_spans[-1], span)
        elif self.tables and target is self.tables[-1].caption:
            self.tables[-1].caption_span = _union(self.tables[-1].caption_span, span)
        elif self.tables:
            self.tables[-1].cell_span = _union(self.tables[-1].cell_span, span)

    def close(self) -> None:
        super().close()
        while self.tables:
            self._end_table()
        if self.pre is not None:
            self.handle_endtag("pre")
        self._flush()

    def result(self) -> tuple[str, list[Span]]:
        """The text, and the original lines of each of its lines."""
        # Items of one list are tight; consecutive blocks of one quote stay one quote.
        lines: list[str] = []
        spans: list[Span] = []
        previous = (0, 0)
        for text, group, quote, block_spans in self.blocks:
            if lines and not (group and group == previous[0]):
                lines.append(("> " * quote).rstrip() if quote and quote == previous[1] else "")
                spans.append(_gap(spans[-1], block_spans[0]))
            lines.extend(text.split("\n"))
            spans.extend(block_spans)
            previous = (group, quote)
        has_h1 = any(text.startswith("# ") for text, _, _, _ in self.blocks)
        if self.title_text and not has_h1:
            title = self.title_span or (1, 1)
            head = [f"# {self.title_text}"] + ([""] if lines else [])
            spans = [title] + ([_gap(title, spans[0])] if lines else []) + spans
            lines = head + lines
        return ("\n".join(lines) + "\n" if lines else ""), spans


def html_to_text(html: str, budget: Budget | None = None) -> tuple[str, str | None]:
    """Convert an HTML document; returns (markdown text, the <title> or None)."""
    text, title, _ = html_to_mapped_text(html, budget)
    return text, title


def html_to_mapped_text(
    html: str, budget: Budget | None = None
) -> tuple[str, str | None, list[Span]]:
    """Convert an HTML document: (text, the <title> or None, original lines per text line).

    The input is already bounded by ``max_source_bytes`` (HTML is not
    compressed); it is fed in chunks so the deadline is checked while parsing
    and the text cap as the result is built.
    """
    budget = budget or Budget()
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    converter = _Converter()
    for start in range(0, len(html), _FEED_CHARS):
        converter.feed(html[start : start + _FEED_CHARS])
        budget.check_time()
    converter.close()
    text, spans = converter.result()
    budget.add_text(len(text))
    return text, (converter.title_text or None), spans
