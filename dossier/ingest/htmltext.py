"""HTML → markdown-flavoured text with the standard library's ``html.parser``.

The goal is text the extractor can read the way a person reads the page:
headings stay headings (``#``), list items stay items (``- `` / ``1. ``), tables
become pipe tables, paragraphs are separated by blank lines.  Everything that is
not content is dropped: ``<script>``, ``<style>``, ``<noscript>``, ``<template>``,
``<svg>`` and the ``<head>`` — except its ``<title>``, which becomes the ``#``
title when the page has no ``<h1>``.  Links keep their text (not their URL);
images are dropped.  The parser is forgiving: unclosed ``<p>``, ``<li>``, ``<td>``
and a ``<head>`` never closed before ``<body>`` all come out right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from dossier.ingest.limits import Budget

_FEED_CHARS = 256 * 1024  # the deadline is checked after each chunk fed to the parser

_BR = "\x00"  # stands for <br> inside an inline buffer until the block is rendered
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe"})
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "footer", "nav", "aside",
        "address", "figure", "figcaption", "details", "summary", "dl", "dt", "dd", "form",
        "fieldset", "legend", "center", "hr", "body", "html",
    }
)  # fmt: skip
_HEADINGS = {f"h{n}": n for n in range(1, 7)}


@dataclass
class _Table:
    rows: list[list[str]] = field(default_factory=list)
    row: list[str] | None = None
    cell: list[str] | None = None
    caption: list[str] | None = None

    def close_cell(self) -> None:
        if self.cell is not None:
            if self.row is None:
                self.row = []
            self.row.append(_inline(self.cell).replace(_BR, " ").strip())
            self.cell = None

    def close_row(self) -> None:
        self.close_cell()
        if self.row is not None:
            if any(self.row):
                self.rows.append(self.row)
            self.row = None


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
        self.blocks: list[tuple[str, int, int]] = []  # (text, list group or 0, quote depth)
        self.list_groups = 0
        self.inline: list[str] = []
        self.skip: list[str] = []
        self.title: list[str] | None = None
        self.title_text = ""
        self.heading: int | None = None
        self.lists: list[_ListLevel] = []
        self.pre: list[str] | None = None
        self.quote = 0
        self.tables: list[_Table] = []

    # -- block emission -------------------------------------------------------------

    def _emit(self, text: str, *, list_item: bool = False) -> None:
        if self.quote:
            prefix = "> " * self.quote
            text = "\n".join(
                prefix + line if line else prefix.rstrip() for line in text.split("\n")
            )
        self.blocks.append((text, self.list_groups if list_item else 0, self.quote))

    def _flush(self) -> None:
        """End the current inline run: render it as a heading, list item or paragraph."""
        if self.pre is not None:
            return
        if self.tables and self.tables[-1].cell is not None:
            self.tables[-1].cell.append(" ")  # block boundaries inside a cell are spaces
            return
        text = _inline(self.inline)
        self.inline = []
        if not text.replace(_BR, "").strip():
            return
        if self.heading is not None:
            self._emit("#" * self.heading + " " + " ".join(text.replace(_BR, " ").split()))
            return
        lines = [line.strip() for line in text.split(_BR)]
        lines = [line for line in lines if line]
        if self.lists:
            level = self.lists[-1]
            indent = "  " * (len(self.lists) - 1)
            marker = f"{level.counter}. " if level.ordered else "- "
            lead = indent + (marker if level.marker_pending else " " * len(marker))
            level.marker_pending = False
            body = [lead + lines[0]] + [indent + " " * len(marker) + ln for ln in lines[1:]]
            self._emit("\n".join(body), list_item=True)
            return
        self._emit("\n".join(lines))

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
            return
        if tag == "br":
            target = self._text_target()
            if target is not None:
                target.append(_BR if self.pre is None else "\n")
        elif tag == "pre":
            self._flush()
            self.pre = []
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
            self.tables[-1].close_row()
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
        if tag == "pre" and self.pre is not None:
            code = "".join(self.pre).strip("\n")
            self.pre = None
            if code.strip():
                self._flush()
                fence = "````" if "```" in code else "```"
                self._emit(f"{fence}\n{code}\n{fence}", list_item=bool(self.lists))
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
                self._emit(caption)
        elif tag in ("td", "th") and self.tables:
            self.tables[-1].close_cell()
        elif tag == "tr" and self.tables:
            self.tables[-1].close_row()
        elif tag == "table" and self.tables:
            self._end_table()
        elif tag in _BLOCK_TAGS:
            self._flush()

    def _end_table(self) -> None:
        table = self.tables.pop()
        table.close_row()
        if not table.rows:
            return
        if self.tables and self.tables[-1].cell is not None:
            # A table nested in a cell cannot be a pipe table: flatten it into the cell.
            flat = "; ".join(" / ".join(c for c in row if c) for row in table.rows)
            self.tables[-1].cell.append(" " + flat + " ")
            return
        self._emit(render_table(table.rows))

    def _text_target(self) -> list[str] | None:
        if self.pre is not None:
            return self.pre
        if self.tables:
            table = self.tables[-1]
            if table.caption is not None:
                return table.caption
            return table.cell  # text between rows/cells is layout whitespace
        return self.inline

    def handle_data(self, data: str) -> None:
        if self.title is not None:
            self.title.append(data)
            return
        if self.skip:
            return
        target = self._text_target()
        if target is not None:
            target.append(data)

    def close(self) -> None:
        super().close()
        while self.tables:
            self._end_table()
        if self.pre is not None:
            self.handle_endtag("pre")
        self._flush()

    def result(self) -> str:
        # Items of one list are tight; consecutive blocks of one quote stay one quote.
        parts: list[str] = []
        previous = (0, 0)
        for text, group, quote in self.blocks:
            if parts:
                if group and group == previous[0]:
                    parts.append("\n")
                elif quote and quote == previous[1]:
                    parts.append("\n" + ("> " * quote).rstrip() + "\n")
                else:
                    parts.append("\n\n")
            parts.append(text)
            previous = (group, quote)
        body = "".join(parts)
        has_h1 = any(text.startswith("# ") for text, _, _ in self.blocks)
        if self.title_text and not has_h1:
            body = f"# {self.title_text}\n\n{body}" if body else f"# {self.title_text}"
        return body + "\n" if body else ""


def html_to_text(html: str, budget: Budget | None = None) -> tuple[str, str | None]:
    """Convert an HTML document; returns (markdown text, the <title> or None).

    The input is already bounded by ``max_source_bytes`` (HTML is not
    compressed); it is fed in chunks so the deadline is checked while parsing
    and the text cap as the result is built.
    """
    budget = budget or Budget()
    converter = _Converter()
    for start in range(0, len(html), _FEED_CHARS):
        converter.feed(html[start : start + _FEED_CHARS])
        budget.check_time()
    converter.close()
    text = converter.result()
    budget.add_text(len(text))
    return text, (converter.title_text or None)
