"""Pass 1 — title and kind: what the document is called and what kind of document it is.

Everything later depends on it: the kind decides whether sections are concepts of their own
(a reference page) or parts of one whole (minutes, a decision record, a changelog), and a
recognised kind brings its own shape (``kinds.Shape``) with the document's child units.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from dossier.extract.deterministic import cues, kind_docs, kind_meeting, kinds
from dossier.extract.deterministic.headings import clean_heading, strip_kind_label
from dossier.extract.deterministic.markdown import ParsedDoc, Section
from dossier.extract.deterministic.state import Recognition, Source
from dossier.extract.model import SourceLike
from dossier.extract.text import capitalize_first, strip_markdown

#: File names that say what role a file plays in its folder, never what it is about.
GENERIC_STEMS = frozenset({"readme", "index", "_index"})


def recognise_document(doc: SourceLike, source: Source) -> Recognition:
    """The document's title, kind and (for a structurally recognised kind) its shape."""
    parsed, n = source.parsed, source.n
    title_section = _title_section(parsed)
    opening = kind_meeting.plain_title(parsed) if title_section is None else None
    title = _title(doc, source, title_section, opening)
    kind = cues.doc_kind(title, source.original_path)
    # a kind recognised from structure (decision record, meeting, design doc, changelog,
    # personal note) is one concept of its own whose sections stay inside it
    front, hidden = kinds.frontmatter(parsed)
    keys = kinds.heading_keys(parsed)
    shaped_kind = kinds.recognise(parsed, title, source.original_path, kind, keys, front)
    shape = (kinds.shape_document(parsed, shaped_kind, title, source.original_path, n, keys)
             if shaped_kind is not None else None)
    if shape is None and kind_docs.is_docs_page(source.original_path):
        shape = kind_docs.shape_page(parsed, title, title_section, n)
    if shape is not None:
        kind = shape.kind
    # meeting notes and process write-ups are one unit of knowledge each: their sections
    # are parts of that meeting/process, not concepts of their own
    return Recognition(
        title=title,
        title_section=title_section,
        opening_line=opening[0] if opening is not None else None,
        kind=kind,
        doc_type=cues.DOC_KIND_TYPES.get(kind),
        shape=shape,
        hidden=frozenset(hidden),
        is_meeting=kind in ("meeting", "process") or shape is not None,
    )


def _title_section(parsed: ParsedDoc) -> Section | None:
    """The one level-1 heading that opens the document (no prose above it), if any."""
    top = parsed.root.children
    level_one = [s for s in top if s.level == 1]
    if top and top[0].level == 1 and len(level_one) == 1 and not parsed.root_has_prose(
        top[0].line
    ):
        return top[0]
    return None


def _title(doc: SourceLike, source: Source, title_section: Section | None,
           opening: tuple[int, str] | None) -> str:
    """Title heading, minutes' opening line, ingest title, or the file name — in that order.

    A generic file name (README, index) falls back to its one top heading, else the
    folder's name, instead of titling a concept "README".
    """
    explicit_title = getattr(doc, "title", None)
    stem = PurePosixPath(source.original_path.replace("\\", "/")).stem
    if title_section is not None:
        title = strip_kind_label(clean_heading(title_section.heading, source.forms))
        if kind_docs.is_docs_page(source.original_path):  # a <title>, written for tabs
            return _undecorated(title, title_section, source)
        return title
    if opening is not None:  # plain-text minutes: "Harbour Board meeting, 4 March 2025"
        return opening[1]
    if isinstance(explicit_title, str) and _names_document(explicit_title, source.parsed, stem):
        return explicit_title.strip()
    if stem.lower() in GENERIC_STEMS:
        # "README.md" names no subject: its one top heading does, else the folder it describes
        heading = _sole_top_heading(source.parsed)
        if heading is not None and clean_heading(heading, source.forms):
            return strip_kind_label(clean_heading(heading, source.forms))
        stem = PurePosixPath(source.original_path.replace("\\", "/")).parent.name or stem
    # "0042-min-version" → "Min version": the number is the record's, not its name;
    # a date in the name stays a date ("sync-2024-03-01" → "Sync 2024-03-01")
    words = re.sub(r"[-_]+(?!\d)|(?<!\d)[-_]+", " ",
                   re.sub(r"^\d+[-_ ]+(?=\D)", "", stem)).strip()
    return capitalize_first(words) or doc.source_id


#: what joins a page's own name to its site's in a web page title
_DECORATION = re.compile(r"\s+[(\[]|\s+[—–|·-]\s+|:\s+")


def _undecorated(title: str, title_section: Section, source: Source) -> str:
    """The page's own heading when the title is that heading plus the site's name.

    A web page's ``<title>`` often carries the site: "Memory Usage (libffi: the portable
    foreign function interface library)", "Install — Widget 2.1 documentation",
    "Widget docs | Install"; the first heading under it says "Memory Usage".  The site
    part names no concept, and kept it made the page a second concept beside the one
    other pages mention by its plain name.
    """
    stem = PurePosixPath(source.original_path.replace("\\", "/")).stem
    named = _words(stem)
    for split in _DECORATION.finditer(title):
        # "Introduction (libffi: …)" in introduction.html: the file names the page
        if split.start() and _words(title[:split.start()]) == named:
            return title[:split.start()]
    first = min((line for line in source.parsed.heading_at if line > title_section.line),
                default=None)
    if first is None:
        return title
    heading = strip_kind_label(clean_heading(source.parsed.heading_at[first][1], source.forms))
    if not heading or heading == title or len(heading) >= len(title):
        return title
    key = heading.casefold()  # compared slice by slice: casing may change a length
    if title[:len(heading)].casefold() == key and _DECORATION.match(title, len(heading)):
        return heading
    if title[len(title) - len(heading):].casefold() == key:
        cut = len(title) - len(heading)
        if any(m.end() == cut for m in _DECORATION.finditer(title, 0, cut)):
            return heading
    return title


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _sole_top_heading(parsed: ParsedDoc) -> str | None:
    """The first heading, when no other heading shares the document's top level.

    One heading above all others names the whole file ("## Seed library" over its
    "###" parts); the first of several peers ("## Install", "## Usage") names only a
    section, and a README titled "Install" hides what it describes.
    """
    if not parsed.heading_at:
        return None
    top = min(level for level, _ in parsed.heading_at.values())
    peers = [text for _, (level, text) in sorted(parsed.heading_at.items()) if level == top]
    first_level, first_text = parsed.heading_at[min(parsed.heading_at)]
    return first_text if len(peers) == 1 and first_level == top else None


def _names_document(title: str, parsed: ParsedDoc, stem: str) -> bool:
    """Does an ingest title name the document, rather than its first section or file?

    Ingest falls back to the first heading of any level: in a document without a title
    heading that is a section ("Summary", "Reference"), which names no document; and a
    title that is the file name with its extension is no better than the file's stem.
    """
    title = title.strip()
    if not title or title.lower() in (stem.lower(), f"{stem}.md".lower()) or re.search(
            r"\.(md|markdown|txt|html?)$", title, re.I):
        return False
    return not any(level > 1 and strip_markdown(text).strip() == title
                   for level, text in parsed.heading_at.values())
