"""Prose blocks of a parsed document: paragraphs, list items and table rows as joined text.

Sentences wrap across lines in real notes ("Inbound Receiving is the process of …\nthe
Advance Shipping Notice …"), so names, definitions and snippets are found on joined
blocks, with an offset → line map to keep provenance exact.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from dossier.extract.deterministic.markdown import LIST_ITEM, ParsedDoc

_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}")
_HR = re.compile(r"^ {0,3}([-*_=])( *\1){2,}\s*$")
_QUOTE = re.compile(r"^\s*>\s?")
# Lines that start a new block even without a blank line before them: an identifier-led
# entry ("DEC-006  Retire …", "ACT-01: …") or a speaker/label prefix ("Maria Okafor (COO): …").
_ENTRY = re.compile(r"^\s*(?:\*\*)?[A-Z]{2,6}-\d+(?:-\d+)*(?:\*\*)?(?:\s{2,}|\s*[:—–]\s)")
_SPEAKER = re.compile(r"^[A-Z][^:\n]{0,60}:\s")


@dataclass
class Block:
    kind: str  # "para" | "item" | "row" | "header" (a table's header row)
    text: str
    start: int  # 1-based line
    end: int
    offsets: list[int]  # text offset where each line begins
    indent: int = 0

    def line_at(self, offset: int) -> int:
        return self.start + max(0, bisect.bisect_right(self.offsets, offset) - 1)


def build_blocks(doc: ParsedDoc) -> list[Block]:
    blocks: list[Block] = []
    current: Block | None = None

    def close() -> None:
        nonlocal current
        if current is not None and current.text.strip():
            blocks.append(current)
        current = None

    for index, raw in enumerate(doc.lines):
        number = index + 1
        if doc.is_structural(number) or not raw.strip() or _HR.match(raw):
            close()
            continue
        if _TABLE_ROW.match(raw):
            close()
            if _TABLE_SEP.match(raw):
                continue
            cells = [c.strip() for c in raw.strip().strip("|").split("|")]
            following = doc.lines[index + 1] if index + 1 < len(doc.lines) else ""
            # a header row ("Field Name | Type") names columns, not things
            kind = "header" if _TABLE_SEP.match(following) else "row"
            blocks.append(Block(kind, " | ".join(cells), number, number, [0]))
            continue
        line = _QUOTE.sub("", raw)
        item = LIST_ITEM.match(line)
        if item:
            close()
            current = Block("item", item.group(2).strip(), number, number, [0],
                            indent=len(item.group(1)))
            continue
        if current is None or _ENTRY.match(line) or _SPEAKER.match(line):
            close()
            current = Block("para", line.strip(), number, number, [0])
            continue
        current.offsets.append(len(current.text) + 1)
        current.text = current.text + " " + line.strip()
        current.end = number
    close()
    return blocks
