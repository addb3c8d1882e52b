"""A concept body → retrieval units (passages), each with its place and its citation.

Search ranks passages, not whole concepts: a question is usually answered by one
paragraph of one section, and BM25 over a whole long concept dilutes that paragraph
among everything else the concept says.  A passage is a run of blocks (paragraphs,
lists, tables, code) of one section, packed up to :data:`MAX_WORDS` and never across
a heading, so the snippet an agent reads is the part that answers.

The splitter reads OKF body structure only: ATX headings, blank-line separated
blocks, fenced code, and footnote markers whose label is a ``sources[].id`` (SPEC
§5.1).  The footnote that cites a block maps, through that ``sources`` entry, to the
source path and line range the passage came from (``…/x.md#L12-L30``).  Passage 0 is
the concept's title and description, so a concept is still found by its name.

A citation is narrowed to a passage's own lines only when that is known to be safe
(see :func:`line_maps`): the concept was written by the deterministic extractor, and
the source snapshot, read through :func:`sources_under` at index time, holds the
passage's words on the lines the narrowed citation names.
"""

from __future__ import annotations

import itertools
import operator
import posixpath
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from dossier.okf import Concept, ConceptDocument
from dossier.okf.sections import is_generated_heading

#: A passage grows by whole blocks until the next would pass this many words.
MAX_WORDS = 200
#: A block longer than MAX_WORDS is cut into pieces of about this many words.
PIECE_WORDS = 150
#: A citation of at least this many lines is narrowed to the lines a passage holds
#: (when its lines map one to one, see :class:`LineMap`).
NARROW_LINES = 10
#: ``generated.by`` prefix of the deterministic extractor (``dossier.extract.document.PRODUCER``,
#: not imported: search must not load the extractor).  Only its concepts copy source
#: lines verbatim, so only theirs are narrowed, and only theirs hold generated lists.
DETERMINISTIC_BY = "dossier-deterministic/"
#: Where a narrowable citation must point: the tenant's source snapshots.
SNAPSHOT_DIR = "sources/"

#: A source path (``sources/x.md``) → its lines, or None when it cannot be read.
SourceLines = Callable[[str], Sequence[str] | None]
_SOURCES: ContextVar[SourceLines | None] = ContextVar("dossier_passage_sources", default=None)

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")
_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
#: Possessive (``*+``, ``++``): the target's text is consumed in runs, not a character
#: per alternation step, and never backtracked into (no other match is possible).
#: ``(?:!\[|\[)`` rather than ``!?\[``: the same matches, but a pattern that starts with
#: one of two characters lets the search skip to them (with an optional first
#: character it tried a match at every position; the index build's largest regex cost).
_IMAGE_OR_LINK = re.compile(r"(?:!\[|\[)([^\]]*)\]\((?:[^()]++|\([^)]*\))*+\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_LINES = re.compile(r"#L(\d+)(?:-L(\d+))?$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
#: Group 1 of a match (every pattern above that keeps text has it participate).
_GROUP_1 = operator.itemgetter(1)
#: What a line's first character after at most three spaces must be for a heading,
#: a code fence or a footnote definition (the line loop skips their patterns otherwise).
_MARKS = frozenset("#`~[")


@dataclass(frozen=True)
class Citation:
    """Where a passage's text came from: a ``sources`` entry, resolved."""

    source_id: str
    #: The source as a path from the tenant root (``sources/x.md``), or the URI as given.
    path: str
    line_start: int | None = None
    line_end: int | None = None
    title: str | None = None


@dataclass
class Passage:
    """One retrieval unit of a concept."""

    concept_id: str
    ordinal: int
    #: Headings above the passage, outermost first (empty before the first heading).
    heading: list[str]
    #: Plain text: footnote markers dropped, link syntax reduced to its text.
    text: str
    #: Lines of the concept file the passage spans (1-based, inclusive).
    line_start: int
    line_end: int
    citation: Citation | None = None
    #: A list the extractor generated (mentions, backlinks; :mod:`dossier.okf.sections`):
    #: searchable, but never quoted as another passage's neighbour.
    generated: bool = False


@dataclass
class _Block:
    lines: list[str]
    first: int  # 1-based line in the concept file
    last: int
    kind: str = "text"  # text | list | table | code
    labels: list[str] = field(default_factory=list)
    _plain: str | None = None
    _words: int = -1

    @property
    def text(self) -> str:
        """The block as plain text (computed once)."""
        if self._plain is None:
            self._plain = _block_text(self)
        return self._plain

    @property
    def words(self) -> int:
        """Words of :attr:`text` (counted once: cutting and packing both ask).

        :attr:`text` is whitespace-normalised (words joined by one space), so its
        spaces count the words without splitting it again.
        """
        if self._words < 0:
            text = self.text
            self._words = text.count(" ") + 1 if text else 0
        return self._words


def plain(markdown: str) -> str:
    """Inline markdown reduced to the words a reader sees, on one line.

    Link and image syntax keeps its text, footnote markers go; other characters
    (backticks, quotes, punctuation) stay, so quoted answers survive verbatim.
    """
    text = markdown
    # Each pattern needs a literal pair of characters ("[^", "](", "][", "<"): a text
    # without it skips that substitution (index build time), checked on the text as the
    # substitution before left it.  The replacement is a C callable returning group 1,
    # the same text ``r"\1"`` gives, without a Python template expansion per match.
    if "[^" in text:
        text = _FOOTNOTE_REF.sub("", text)
    if "](" in text:
        text = _IMAGE_OR_LINK.sub(_GROUP_1, text)
    if "][" in text:
        text = _REF_LINK.sub(_GROUP_1, text)
    if "<" in text:
        text = _AUTOLINK.sub(_GROUP_1, text)
    return " ".join(text.split())


def _block_text(block: _Block) -> str:
    if block.kind == "code":
        inner = block.lines[1:-1] if len(block.lines) > 1 else block.lines
        return " ".join(" ".join(inner).split())
    out = []
    for line in block.lines:
        if block.kind == "table" and _TABLE_RULE.match(line):
            continue
        stripped = line.strip()
        if block.kind == "table":
            stripped = " ".join(cell.strip() for cell in stripped.strip("|").split("|"))
        elif stripped.startswith(">"):
            stripped = stripped.lstrip("> ")
        out.append(stripped)
    return plain("\n".join(out))


def _kind(lines: Sequence[str]) -> str:
    first = lines[0]
    if _FENCE.match(first):
        return "code"
    if first.lstrip().startswith("|"):
        return "table"
    if _LIST_ITEM.match(first):
        return "list"
    return "text"


def _sections(body: str, body_line: int) -> list[tuple[list[str], list[_Block]]]:
    """(heading path, blocks) per section, in order; footnote definitions left out."""
    sections: list[tuple[list[str], list[_Block]]] = [([], [])]
    path: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    fence: str | None = None

    def flush(end: int) -> None:
        nonlocal current
        if current:
            block = _Block(current, start, end, _kind(current))
            joined = "\n".join(current)
            block.labels = _FOOTNOTE_REF.findall(joined) if "[^" in joined else []
            sections[-1][1].append(block)
        current = []

    lines = body.split("\n")
    for offset, line in enumerate(lines):
        number = body_line + offset
        if fence is not None:
            current.append(line)
            match = _FENCE.match(line)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
                flush(number)
            continue
        if line[:4].lstrip(" ")[:1] not in _MARKS:
            # No heading, fence or footnote definition can start this line.
            if not line.strip():
                flush(number - 1)
                continue
            if not current:
                start = number
            current.append(line)
            continue
        fence_match = _FENCE.match(line)
        if fence_match:
            flush(number - 1)
            fence = fence_match.group(1)
            current, start = [line], number
            continue
        heading = _HEADING.match(line)
        if heading:
            flush(number - 1)
            level = len(heading.group(1))
            path = [(lvl, text) for lvl, text in path if lvl < level]
            path.append((level, plain(heading.group(2))))
            sections.append(([text for _, text in path], []))
            continue
        if not line.strip() or _FOOTNOTE_DEF.match(line):
            flush(number - 1)
            continue
        if not current:
            start = number
        current.append(line)
    flush(body_line + len(lines) - 1)
    return [(heading, blocks) for heading, blocks in sections if blocks]


def _pieces(block: _Block) -> list[_Block]:
    """A block of more than MAX_WORDS cut into pieces (by line, then by sentence)."""
    if block.words <= MAX_WORDS:
        return [block]
    units: list[tuple[str, int]] = []  # (raw text, line number)
    if block.kind in ("list", "table", "code") or len(block.lines) > 1:
        units = [(line, block.first + i) for i, line in enumerate(block.lines)]
    else:
        units = [(s, block.first) for s in _SENTENCE_END.split(block.lines[0])]
    pieces: list[_Block] = []
    group: list[tuple[str, int]] = []
    words = 0
    for raw, line in units:
        count = len(raw.split())
        if group and words + count > PIECE_WORDS:
            pieces.append(_piece(block, group))
            group, words = [], 0
        group.append((raw, line))
        words += count
    if group:
        pieces.append(_piece(block, group))
    return pieces


def _piece(block: _Block, group: list[tuple[str, int]]) -> _Block:
    lines = [raw for raw, _ in group]
    piece = _Block(lines, group[0][1], group[-1][1], "text" if block.kind == "code" else block.kind)
    # Every piece keeps the block's citation: the footnote ends the block, not the piece.
    piece.labels = list(block.labels)
    return piece


def source_citations(doc: ConceptDocument, concept: Concept | None = None) -> dict[str, Citation]:
    """``sources[].id`` → its citation (path from the tenant root and line range).

    ``concept`` is ``doc.concept`` when the caller has it (validating the frontmatter
    again costs a 10,000-concept index build ~0.2 s).
    """
    found: dict[str, Citation] = {}
    folder = posixpath.dirname(f"bundle/{doc.concept_id}.md")
    for source in (concept or doc.concept).sources:
        if not source.id or not source.resource:
            continue
        resource = source.resource
        start = end = None
        match = _LINES.search(resource)
        if match:
            start = int(match.group(1))
            end = int(match.group(2) or match.group(1))
            resource = resource[: match.start()]
        if not urlsplit(resource).scheme and not resource.startswith("/"):
            joined = posixpath.normpath(posixpath.join(folder, resource))
            resource = joined if not joined.startswith("..") else resource
        found[source.id] = Citation(source.id, resource, start, end, source.title)
    return found


@contextmanager
def sources_under(root: Path) -> Iterator[None]:
    """Let :func:`split_passages` read the source snapshots of the tenant at ``root``
    while the block runs (the index wraps each concept it reads in this).

    Without it no citation is narrowed: a narrowed citation must be checked against
    the snapshot's text, and a caller that cannot read it keeps every whole range.
    """
    token = _SOURCES.set(lambda path: _snapshot_lines(root, path))
    try:
        yield
    finally:
        _SOURCES.reset(token)


def _snapshot_lines(root: Path, path: str) -> Sequence[str] | None:
    """The lines of snapshot ``path`` under ``root`` (None: not a snapshot, or unreadable)."""
    if not path.startswith(SNAPSHOT_DIR) or posixpath.normpath(path) != path:
        return None
    file = root / path
    try:
        stat = file.stat()
    except OSError:
        return None
    return _read_lines(str(file), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _read_lines(file: str, mtime_ns: int, size: int) -> tuple[str, ...] | None:
    """A snapshot's lines, cached by (path, mtime, size): many concepts cite one source."""
    del mtime_ns, size  # part of the cache key only
    try:
        with open(file, encoding="utf-8", errors="replace", newline=None) as handle:
            return tuple(handle.read().split("\n"))
    except OSError:
        return None


def is_extracted(doc: ConceptDocument) -> bool:
    """True when the deterministic extractor wrote ``doc`` (``generated.by``)."""
    generated = doc.frontmatter.get("generated")
    by = generated.get("by") if isinstance(generated, dict) else None
    return isinstance(by, str) and by.startswith(DETERMINISTIC_BY)


def split_passages(
    doc: ConceptDocument, title: str, description: str, concept: Concept | None = None
) -> list[Passage]:
    """The passages of one concept: passage 0 is title and description, then the body's
    (``concept``: ``doc.concept`` when the caller validated it already)."""
    citations = source_citations(doc, concept)
    head_line = max(1, doc.body_line - 1)
    passages = [
        Passage(doc.concept_id, 0, [], f"{title}. {description}" if description else title,
                1, head_line)
    ]
    sections = _sections(doc.body, doc.body_line)
    for _, blocks in sections:
        _label_marked_blocks(blocks)
    extracted = is_extracted(doc)
    sources = _SOURCES.get()
    maps = (
        line_maps(doc.body, doc.body_line, [b for _, blocks in sections for b in blocks],
                  citations, sources)
        if extracted and sources is not None
        else {}
    )
    for heading, blocks in sections:
        group: list[_Block] = []
        words = 0
        for piece in (p for block in blocks for p in _pieces(block)):
            count = piece.words
            if group and words + count > MAX_WORDS:
                passages.append(_passage(doc.concept_id, len(passages), heading, group,
                                         citations, maps, extracted))
                group, words = [], 0
            group.append(piece)
            words += count
        if group:
            passages.append(_passage(doc.concept_id, len(passages), heading, group,
                                     citations, maps, extracted))
    return passages


@dataclass(frozen=True)
class LineMap:
    """Concept lines → source lines for the blocks that cite one ``sources`` entry.

    The extractor copies a document's section into a concept line for line (links and
    footnote markers added within lines), except for the two lines it adds after a
    code block or table ("", "Source.[^label]").  When that holds for a label, a
    passage holding part of the section cites the source lines of that part, not the
    whole section's range (issue 10: "footnotes cite the lines that carry the claim").
    """

    #: A concept line and the source line it was copied from.
    anchor: int
    source: int
    #: Concept lines of the inserted "Source." marker lines (each with a blank before it).
    inserted: tuple[int, ...]

    def __call__(self, line: int) -> int:
        """The source line of concept ``line``."""
        low, high = min(line, self.anchor), max(line, self.anchor)
        step = 2 * sum(1 for m in self.inserted if low < m <= high)
        return self.source + (line - self.anchor) + (step if line < self.anchor else -step)


def _label_marked_blocks(blocks: list[_Block]) -> None:
    """A code block or table takes the labels of the "Source." line written after it
    (it cannot carry a footnote marker itself)."""
    for block, following in itertools.pairwise(blocks):
        if not block.labels and _is_marker(following):
            block.labels = list(following.labels)


def _is_marker(block: _Block) -> bool:
    """The "Source.[^label]" line the extractor writes after a code block or table."""
    return len(block.lines) == 1 and bool(block.labels) and block.text == "Source."


def line_maps(
    body: str,
    body_line: int,
    blocks: list[_Block],
    citations: dict[str, Citation],
    sources: SourceLines,
) -> dict[str, LineMap]:
    """A :class:`LineMap` per footnote label whose blocks copy their cited range line for
    line; labels that do not (a range shared by separate blocks, text re-flowed,
    reordered or dropped) keep their whole range.

    The map is built so the label's last block ends on the range's last line, so
    that end proves nothing.  What is checked: the label's first block (with the
    heading and blank lines right above it) maps to the range's start, and in the
    source snapshot (``sources``) the first and last line of every block citing the
    label hold that line's words.  Callers only pass concepts the deterministic
    extractor wrote (:func:`is_extracted`): a person's or an agent's text cites a
    range without copying it.
    """
    lines = body.split("\n")
    out: dict[str, LineMap] = {}
    order = {id(b): i for i, b in enumerate(blocks)}
    by_label: dict[str, list[_Block]] = {}
    for block in blocks:
        for label in dict.fromkeys(block.labels):
            by_label.setdefault(label, []).append(block)
    for label, held in by_label.items():
        cite = citations.get(label)
        if cite is None or cite.line_start is None or cite.line_end is None:
            continue
        if cite.line_end - cite.line_start + 1 < NARROW_LINES:
            continue  # short already, and a re-flowed short block can match by chance
        first, last = order[id(held[0])], order[id(held[-1])]
        if last - first + 1 != len(held):
            continue  # another label's block in between: not one copied range
        real = [b for b in held if not _is_marker(b)]
        if not real:
            continue
        markers = tuple(b.first for b in held if _is_marker(b))
        line_map = LineMap(real[-1].last, cite.line_end, markers)
        top = held[0].first
        above = top - 1
        while above >= body_line and (
            not lines[above - body_line].strip() or _HEADING.match(lines[above - body_line])
        ):
            above -= 1
        start = above + 1
        while start < top and not lines[start - body_line].strip():
            start += 1  # the range starts at its first written line (a heading or the text)
        # the heading above may be the extractor's own ("## From …"): then the text starts it
        if cite.line_start not in (line_map(start), line_map(top)):
            continue
        snapshot = sources(cite.path)
        if snapshot is not None and _holds_words(lines, body_line, held, line_map, snapshot):
            out[label] = line_map
    return out


def _holds_words(
    lines: list[str], body_line: int, held: list[_Block], line_map: LineMap,
    snapshot: Sequence[str],
) -> bool:
    """True when each block's first and last concept line has the words of the source
    line it maps to (a marker line stands for the line above it, already checked)."""
    for block in held:
        if _is_marker(block):
            continue
        for number in dict.fromkeys((block.first, block.last)):
            source = line_map(number)
            if not 1 <= source <= len(snapshot):
                return False
            if _words(lines[number - body_line]) != _words(_labels(snapshot[source - 1])):
                return False
    return True


_WORD = re.compile(r"\w+")
#: A source's ``[[target#part|label]]``: the extractor writes its label (or the target's
#: last part) in its place (``dossier/extract/deterministic/wikilinks.py``).
_WIKILINK = re.compile(r"!?\[\[([^\[\]|#\n]*)(?:#[^\[\]|\n]*)?(?:\|([^\[\]\n]*))?\]\]")


def _labels(line: str) -> str:
    """A source line with each wikilink reduced to what the extractor writes for it."""
    if "[[" not in line:
        return line
    return _WIKILINK.sub(
        lambda m: (m.group(2) or "").strip() or m.group(1).strip().rsplit("/", 1)[-1], line
    )


def _words(line: str) -> list[str]:
    """A line's words as a reader sees them (link syntax and footnote markers gone)."""
    return _WORD.findall(plain(line).casefold())


def _passage(
    concept_id: str,
    ordinal: int,
    heading: list[str],
    group: list[_Block],
    citations: dict[str, Citation],
    maps: dict[str, LineMap] | None = None,
    extracted: bool = False,
) -> Passage:
    text = " ".join(b.text for b in group if b.text)
    cited = [
        c for b in group for c in (_cited(b, label, citations, maps) for label in b.labels) if c
    ]
    return Passage(
        concept_id=concept_id,
        ordinal=ordinal,
        heading=list(heading),
        text=text,
        line_start=group[0].first,
        line_end=group[-1].last,
        citation=_merge(cited),
        generated=extracted and _generated(heading, group),
    )


def _cited(
    block: _Block, label: str, citations: dict[str, Citation], maps: dict[str, LineMap] | None
) -> Citation | None:
    """The citation of ``label`` for ``block``: the block's own source lines when the
    label's lines map one to one (:class:`LineMap`), else the label's whole range."""
    cite = citations.get(label)
    line_map = (maps or {}).get(label)
    if cite is None or line_map is None:
        return cite
    if _is_marker(block):  # it stands for the block above it: that block's last line
        start = end = line_map(block.first - 2)
    else:
        start, end = line_map(block.first), line_map(block.last)
    return Citation(cite.source_id, cite.path, start, end, cite.title)


def _generated(heading: list[str], group: list[_Block]) -> bool:
    """A generated section of an extracted concept: under a generated heading, made of
    lists (and list labels such as "Mentioned in:"), so prose a person wrote under such a
    heading is not.  A person's or agent's concept has none (the caller checks)."""
    if not heading or not is_generated_heading(heading[-1]):
        return False
    return all(
        b.kind == "list" or (len(b.lines) == 1 and b.text.endswith(":")) for b in group
    )


def _merge(cited: list[Citation]) -> Citation | None:
    """One citation for a passage: the first source it cites, its line ranges joined.

    Blocks citing the same source file are merged into one span; a passage whose
    blocks cite different files keeps the first (the rest are in the concept).
    """
    if not cited:
        return None
    first = cited[0]
    same = [c for c in cited if c.path == first.path]
    starts = [c.line_start for c in same if c.line_start is not None]
    ends = [c.line_end for c in same if c.line_end is not None]
    return Citation(
        first.source_id,
        first.path,
        min(starts) if starts else None,
        max(ends) if ends else None,
        first.title,
    )
