"""The typed records the per-source passes hand each other (see ``scan.extract``).

Each pass reads what earlier passes decided and returns a new value: nothing is shared
mutable state, so one document kind can be followed from ``scan.extract`` down, pass by pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dossier.extract.deterministic import kinds
from dossier.extract.deterministic.blocks import Block, build_blocks
from dossier.extract.deterministic.markdown import ParsedDoc, Section, parse
from dossier.extract.model import SourceLike


@dataclass(frozen=True)
class Source:
    """One source as every pass reads it: parsed once, with its blocks and word forms."""

    source_id: str
    #: the path the writer gave the file (the kind of a ``.html`` page or ``adr/`` record)
    original_path: str
    parsed: ParsedDoc
    blocks: list[Block]
    #: words the prose writes in lowercase ("pipeline" makes "Pipeline" no proper name)
    lower_vocab: frozenset[str]
    #: every written form of each word, by its lowercase form (for heading casing)
    forms: dict[str, set[str]]

    @property
    def n(self) -> int:
        """The number of lines in the source."""
        return len(self.parsed.lines)


@dataclass(frozen=True)
class Recognition:
    """What the title-and-kind pass decided: it steers every later pass."""

    title: str
    #: the single level-1 heading that titles the document, if it has one
    title_section: Section | None
    #: the line of a plain-text minutes' opening that names the meeting, if any
    opening_line: int | None
    #: the word kind ("decision log", "meeting" …) or the structural kind of ``shape``
    kind: str
    #: the type a document of this kind gives its sections by default
    doc_type: str | None
    #: the document-level concept of a structurally recognised kind and its child units
    shape: kinds.Shape | None
    #: lines no body may show (YAML frontmatter)
    hidden: frozenset[int]
    #: one unit of knowledge as a whole: its sections are its parts, not concepts
    is_meeting: bool

    @property
    def title_line(self) -> int:
        """The line that titles the document (0 when the title came from elsewhere)."""
        if self.title_section is not None:
            return self.title_section.line
        return self.opening_line if self.opening_line is not None else 0

    @property
    def base_level(self) -> int:
        """The heading level the document's body is rendered relative to."""
        return self.title_section.level if self.title_section else 1

    def skipped(self, parsed: ParsedDoc) -> set[int]:
        """Lines a document-level body leaves out: the title, its underline, frontmatter."""
        return {self.title_line} | parsed.underline_of(self.title_line) | set(self.hidden)


def read_source(doc: SourceLike) -> Source:
    """Parse a source once; every pass reads the same parse, blocks and vocabulary."""
    parsed = parse(doc.text)
    lower_vocab, forms = _vocab(parsed)
    return Source(
        source_id=doc.source_id,
        original_path=str(getattr(doc, "original_path", "") or doc.source_id),
        parsed=parsed,
        blocks=build_blocks(parsed),
        lower_vocab=lower_vocab,
        forms=forms,
    )


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
