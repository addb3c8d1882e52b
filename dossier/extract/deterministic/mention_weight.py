"""How much one mention carries about the name it mentions: the one a mention-built concept cites.

A concept made from a name mentioned in passing cites one mention per document.  The
first is often the weakest: minutes open with an agenda that repeats the items discussed
below, a long page with a table of contents that repeats its headings, a report with a
summary list.  So every mention is put in a tier, and the concept cites the earliest
mention of the highest tier, from weakest to strongest:

1. a line that repeats a later heading (a table of contents, an agenda of the sections);
2. a line that repeats a later line (an agenda item restated where it is discussed);
3. a bare line of a summary list: a run of 3 or more consecutive one-line list items of
   at most 6 words each, the words of the items nested under an item counted with it (an
   agenda's short sub-points are part of the summary and join the run; a longer
   discussion under an item makes it tier 4);
4. any other line: a paragraph, a list item with words of context or a discussion under it;
5. a heading (the section is about it).

Within a tier the earliest wins, on purpose: a document usually introduces or defines a
name where it first uses it in prose ("… the recovery point objective (RPO)"), so a
later, longer paragraph — even under a heading naming it — is not preferred to it (tried;
it moved definitional citations away on the dev pack's design documents).  Only the document's own
structure is read, no heading text or vocabulary, so it holds for any document with a
summary list at the top.
"""

from __future__ import annotations

import re

from dossier.extract.deterministic.blocks import Block
from dossier.extract.deterministic.markdown import LIST_ITEM, ParsedDoc
from dossier.extract.text import collapse, strip_markdown, word_count

_NON_WORD = re.compile(r"[^\w\s]+")
REPEATS_HEADING, REPEATS_LINE, BARE, PLAIN, HEADING = range(5)
#: a run of at least this many list items of at most _BARE_WORDS words is a summary list
_BARE_RUN = 3
_BARE_WORDS = 6


def _norm(line: str) -> str:
    """A line as a reader compares it: no list marker, marks, links or punctuation."""
    item = LIST_ITEM.match(line)
    text = item.group(2) if item else line.strip().lstrip("#>").strip()
    return collapse(_NON_WORD.sub(" ", strip_markdown(text)).lower())


class MentionWeights:
    """The tier of every line of one parsed document (built once per source)."""

    def __init__(self, doc: ParsedDoc, blocks: list[Block]) -> None:
        count = len(doc.lines)
        self.tier = [PLAIN] * (count + 1)  # by 1-based line
        later_lines: set[str] = set()
        later_headings: set[str] = set()
        for number in range(count, 0, -1):
            if doc.in_code[number - 1]:
                continue
            if number in doc.heading_at:
                text = _norm(doc.heading_at[number][1])
                self.tier[number] = HEADING
                later_headings.add(text)
                later_lines.add(text)
                continue
            text = _norm(doc.lines[number - 1])
            if not text:
                continue
            if text in later_headings:
                self.tier[number] = REPEATS_HEADING
            elif text in later_lines:
                self.tier[number] = REPEATS_LINE
            later_lines.add(text)
        for start in _bare_items(blocks):
            if self.tier[start] == PLAIN:
                self.tier[start] = BARE

    def weight(self, line: int) -> int:
        """The tier of a mention at ``line``: higher carries more about the name."""
        return self.tier[line]


def _bare_items(blocks: list[Block]) -> set[int]:
    """First lines of the one-line items of runs of short list items (agendas, contents)."""
    bare: set[int] = set()
    run: list[int] = []
    for index, block in enumerate([*blocks, None]):
        short = block is not None and block.kind == "item" and block.start == block.end and (
            word_count(block.text) + _nested_words(blocks, index) <= _BARE_WORDS)
        if short and block is not None and (not run or block.start == run[-1] + 1):
            run.append(block.start)
            continue
        if len(run) >= _BARE_RUN:
            bare.update(run)
        run = [block.start] if short and block is not None else []
    return bare


def _nested_words(blocks: list[Block], index: int) -> int:
    """Words of the list items nested under the item ``blocks[index]``."""
    words = 0
    indent = blocks[index].indent
    after = index + 1  # walked by index: a slice would copy the rest of a long list
    while after < len(blocks) and blocks[after].kind == "item" and (
            blocks[after].indent > indent):
        words += word_count(blocks[after].text)
        after += 1
    return words
