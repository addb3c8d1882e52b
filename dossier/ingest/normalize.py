"""Text normalization and title finding.

The normalized text is what gets snapshotted and what citations count lines in,
so normalization must make every way of counting lines agree: ``str.splitlines``
treats ``\\r``, ``\\v``, ``\\f``, ``\\x1c-\\x1e``, ``\\x85``, ``\\u2028`` and
``\\u2029`` as line breaks, ``split("\\n")`` and editors do not.  After
:func:`normalize_text` the only line break left is ``\\n``, so both agree.  It is
also what makes snapshots byte-stable: the same input always yields the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from dossier.ingest.origins import Span

# C0 controls other than tab and newline, plus DEL: they carry no text and would
# corrupt YAML or markdown downstream.  (Line-break controls are gone by then.)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ATX_RE = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FM_TITLE_RE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$")
_LIST_OR_QUOTE_RE = re.compile(r"^ {0,3}([-*+>]|\d+[.)])(\s|$)")

MAX_TITLE_CHARS = 200
#: Every line break ``str.splitlines`` knows; at most one ends each of its pieces.
_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def normalize_text(text: str) -> str:
    """NFC, ``\\n`` line endings, no trailing whitespace, one trailing newline.

    Tabs are kept (they can matter in pasted tables); leading and trailing blank
    lines are dropped; interior blank lines are the author's and are kept.
    Returns ``""`` when nothing but whitespace remains.
    """
    return normalize_mapped(text)[0]


def normalize_mapped(text: str, spans: Sequence[Span] | None = None) -> tuple[str, list[Span]]:
    """:func:`normalize_text`, and the original lines of every line of the result.

    Without ``spans`` the input *is* the original, and its lines are counted the way
    a reader's editor counts them: ``\\n``, ``\\r\\n`` and ``\\r`` each end one (the
    rarer breaks ``str.splitlines`` knows, such as a form feed, split a snapshot line
    but not an original one).  With ``spans`` (a converter's output) ``spans[k]`` is
    the origin of the text's ``k``-th ``\\n``-ended line.  Either way the result has
    one span per line of the normalized text, so dropping leading blank lines or
    splitting a line cannot shift a citation (dossier/ingest/origins.py).
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    ends = ("\n",) if spans is not None else ("\n", "\r")
    lines: list[str] = []
    origins: list[Span] = []
    row = 0
    for piece in text.splitlines(keepends=True):
        body = piece.rstrip(_BREAKS)  # one break ends a piece (\r\n counts as one)
        # Controls go before NFC: "e<BEL><U+0301>" must compose to "é" once BEL is gone.
        lines.append(unicodedata.normalize("NFC", _CONTROL_RE.sub("", body)).rstrip())
        if spans is None:
            origins.append((row + 1, row + 1))
        else:
            origins.append(spans[min(row, len(spans) - 1)] if spans else (1, 1))
        if piece.endswith(ends):
            row += 1
    start = 0
    while start < len(lines) and not lines[start]:
        start += 1
    end = len(lines)
    while end > start and not lines[end - 1]:
        end -= 1
    if start == end:
        return "", []
    return "\n".join(lines[start:end]) + "\n", origins[start:end]


def collapse_inline(text: str) -> str:
    """One line of prose: runs of whitespace (including newlines) become one space."""
    return " ".join(text.split())


def find_title(text: str) -> str | None:
    """The document's title as the author wrote it, or None.

    Order: a ``title:`` in YAML frontmatter; else the first heading of the
    highest rank present (the first ``#`` heading if there is one, else the first
    ``##``, ...), ATX or setext, ignoring fenced code.
    """
    lines = text.split("\n")
    index = 0
    if lines and lines[0] == "---":
        for end in range(1, len(lines)):
            if lines[end] in ("---", "..."):
                for line in lines[1:end]:
                    match = _FM_TITLE_RE.match(line)
                    if match:
                        value = match.group(1).strip().strip("\"'").strip()
                        if value:
                            return _clip(value)
                index = end + 1
                break
    best: tuple[int, str] | None = None
    fence: str | None = None
    previous = ""
    for line in lines[index:]:
        fence_match = _FENCE_RE.match(line)
        if fence is not None:
            if (
                fence_match
                and fence_match.group(1)[0] == fence[0]
                and (len(fence_match.group(1)) >= len(fence))
            ):
                fence = None
            previous = ""
            continue
        if fence_match:
            fence = fence_match.group(1)
            previous = ""
            continue
        heading: tuple[int, str] | None = None
        atx = _ATX_RE.match(line)
        if atx:
            heading = (len(atx.group(1)), atx.group(2))
        else:
            setext = _SETEXT_RE.match(line)
            if (
                setext
                and previous.strip()
                and not _LIST_OR_QUOTE_RE.match(previous)
                and not _ATX_RE.match(previous)
            ):
                heading = (1 if setext.group(1)[0] == "=" else 2, previous.strip())
        if heading is not None and heading[1].strip() and (best is None or heading[0] < best[0]):
            best = heading
            if best[0] == 1:
                break
        previous = line
    return _clip(best[1].strip()) if best else None


def _clip(title: str) -> str:
    title = collapse_inline(title)
    if len(title) <= MAX_TITLE_CHARS:
        return title
    return title[: MAX_TITLE_CHARS - 1].rstrip() + "…"
