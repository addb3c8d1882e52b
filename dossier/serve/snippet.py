"""A short passage of a concept body around the first query term it contains.

Agents decide from the snippet whether to fetch the whole concept, so it shows
plain text (link targets and emphasis markers removed) near a term of the query,
or the body's opening when no term appears literally (a stemmed or semantic hit).
"""

from __future__ import annotations

import re

SNIPPET_CHARS = 240

_WORD = re.compile(r"\w+", re.UNICODE)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_LINE_MARKERS = re.compile(r"^\s*(?:#{1,6}\s+|>\s?|[-*+]\s+)", re.MULTILINE)
_INLINE_MARKERS = re.compile(r"[*`]+")
_FOOTNOTE = re.compile(r"\[\^[^\]]+\]:?")


def query_terms(query: str) -> list[str]:
    """Lower-cased words of the query, longest first (they locate a passage best)."""
    seen = dict.fromkeys(w.lower() for w in _WORD.findall(query) if len(w) > 1)
    return sorted(seen, key=len, reverse=True)


def plain_text(markdown: str) -> str:
    """Markdown reduced to one line of readable text."""
    text = _LINK.sub(r"\1", markdown)
    text = _FOOTNOTE.sub("", text)
    text = _LINE_MARKERS.sub("", text)
    text = _INLINE_MARKERS.sub("", text).replace("|", " ")
    return " ".join(text.split())


def term_pattern(query: str) -> re.Pattern[str] | None:
    """One case-insensitive pattern for the query's terms (compiled once per search).

    Each term is cut to a stem-like prefix, so "margin" finds "margins" and "events"
    finds "event".
    """
    terms = query_terms(query)
    if not terms:
        return None
    prefixes = dict.fromkeys(re.escape(t[: max(4, len(t) - 2)]) for t in terms)
    return re.compile(r"\b(?:" + "|".join(prefixes) + ")", re.IGNORECASE)


def make_snippet(body: str, pattern: re.Pattern[str] | None, width: int = SNIPPET_CHARS) -> str:
    """``width`` characters of ``body`` around the first match of ``pattern``.

    Only a window of the raw body around the match is turned into plain text, so the
    cost does not grow with the length of the concept.
    """
    match = pattern.search(body) if pattern is not None else None
    if match is None:
        text = plain_text(body[: width * 3])
        return text if len(text) <= width else text[: width - 1].rstrip() + "…"
    position = match.start()
    raw_start = max(0, position - width)
    raw_end = position + width * 2
    text = plain_text(body[raw_start:raw_end])
    clipped_left, clipped_right = raw_start > 0, raw_end < len(body)
    if len(text) <= width and not (clipped_left or clipped_right):
        return text
    inner_match = pattern.search(text) if pattern is not None else None
    inner = inner_match.start() if inner_match is not None else 0
    start = max(0, inner - width // 3)
    end = min(len(text), start + width)
    start = max(0, end - width)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < inner else start
    piece = text[start:end].strip()
    left = "…" if start > 0 or clipped_left else ""
    right = "…" if end < len(text) or clipped_right else ""
    return left + piece + right
