"""Markdown links between concepts (§6.1): parsing, resolution to ids, context.

Only inline links ``[text](href)`` in the body count.  Links inside code (fenced or
indented code blocks, code spans: ``codeblocks``) are text, not links.  An href
resolves to a concept id when it names a ``.md`` file that is not reserved: absolute
hrefs (``/x.md``) from the bundle root, everything else from the linking concept's
directory.  A ``..`` that would climb above the root is a broken link, never an escape.
``target_id`` is None for anything that is not a concept link (URLs, other files,
directory indexes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import unquote

from dossier.okf.codeblocks import code_ranges, may_hold_code_blocks
from dossier.okf.ids import RESERVED_FILENAMES, SUFFIX

MAX_CONTEXT = 300

# Possessive quantifiers: a long line with many '[' must not backtrack.
_LINK = re.compile(
    r"\[((?:[^\[\]\\\n]++|\\.|\[[^\[\]\n]*+\])*+)\]"
    r"\([ \t]*+(<[^<>\n]*+>|(?:[^\s()\\]++|\\.|\([^\s()]*+\))*+)"
    r"(?:[ \t]++(?:\"[^\"\n]*+\"|'[^'\n]*+'|\([^)\n]*+\)))?[ \t]*+\)"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_LEADER = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[*+-]\s+|\d+[.)]\s+|\|\s*)*")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")
_EMPHASIS = re.compile(r"\*\*|__|`")


@dataclass(frozen=True)
class Link:
    """One link found in a concept body."""

    source_id: str
    href: str
    text: str
    target_id: str | None
    line: int
    context: str
    broken: bool = False


def concept_href(concept_id: str) -> str:
    """The recommended bundle-absolute href for a concept (``/`` + id + ``.md``).

    Characters that would end or break a markdown link destination (space,
    parentheses, angle brackets, ``%``, ``#``, ``?``) are percent-encoded;
    resolution decodes them again.
    """
    encoded = "".join(f"%{ord(ch):02X}" if ch in " ()<>%#?" else ch for ch in concept_id)
    return f"/{encoded}{SUFFIX}"


class Resolution(NamedTuple):
    """Where an href points: a concept id, or why it is not one (a tuple: built per link)."""

    target_id: str | None
    broken: bool


_RESOLVED: dict[tuple[str, str], Resolution] = {}
_SEGMENT = r"[^/.#?%\\\s\x00][^/#?%\\\s\x00]*"
_PLAIN_ABSOLUTE = re.compile(rf"/(?:{_SEGMENT}/)*{_SEGMENT}\.md")


def resolve_href(href: str, source_id: str) -> Resolution:
    """Resolve ``href`` written in concept ``source_id`` to a concept id (existence unchecked)."""
    if _PLAIN_ABSOLUTE.fullmatch(href):  # the recommended form, by far the most common
        name = href.rsplit("/", 1)[-1]
        plain = name not in RESERVED_FILENAMES and name != SUFFIX
        if plain and "/../" not in href and "/./" not in href:
            return Resolution(href[1 : -len(SUFFIX)], False)
    folder = source_id.rsplit("/", 1)[0] if "/" in source_id else ""
    key = (folder, href)
    cached = _RESOLVED.get(key)
    if cached is None:
        cached = _resolve(href, folder)
        if len(_RESOLVED) < 8192:
            _RESOLVED[key] = cached
    return cached


def _resolve(href: str, folder: str) -> Resolution:
    target = href.strip()
    if target.startswith("<") and target.endswith(">"):
        target = target[1:-1].strip()
    if not target or target.startswith("#") or target.startswith("//") or _SCHEME.match(target):
        return Resolution(None, False)
    target = target.split("#", 1)[0].split("?", 1)[0]
    target = unquote(target).replace("\\", "/")
    if not target:
        return Resolution(None, False)
    if target.endswith("/"):
        return Resolution(None, False)  # a directory, i.e. its index: not a concept
    if target.startswith("/"):
        parts: list[str] = []
        rest = target
    else:
        parts = folder.split("/") if folder else []
        rest = target
    for segment in rest.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not parts:
                return Resolution(None, True)  # climbs above the bundle root
            parts.pop()
            continue
        parts.append(segment)
    if not parts:
        return Resolution(None, False)
    name = parts[-1]
    if not name.endswith(SUFFIX) or name in RESERVED_FILENAMES or name == SUFFIX:
        return Resolution(None, False)
    if any(part.startswith(".") or "\x00" in part for part in parts):
        return Resolution(None, True)  # hidden paths are not part of the bundle
    return Resolution("/".join(parts)[: -len(SUFFIX)], False)


def masked_body(body: str) -> str:
    """``body`` with its code blanked out: fenced and indented code blocks, code spans.

    The result has the same length and line breaks as ``body``, so a match position in it
    is a position in the body.  What is code is ``codeblocks``' answer (CommonMark's, line
    by line), the same the extractor's writers use: a link in an indented snippet is text.
    An unclosed fence runs to the end.  A body with no backtick, fence, tab or 4-space run
    (most of them) is returned as is, without a scan.
    """
    if "`" not in body and not may_hold_code_blocks(body):
        return body
    ranges = code_ranges(body)
    if not ranges:
        return body
    pieces: list[str] = []
    last = 0
    for begin, end in ranges:
        pieces.append(body[last:begin])
        pieces.append("\x01" * (end - begin))  # a range never holds a line break
        last = end
    pieces.append(body[last:])
    return "".join(pieces)


class RawLink(NamedTuple):
    """A link as found: position in the body, 1-based body line, resolution."""

    start: int
    text: str
    href: str
    line: int
    resolution: Resolution


def scan_links(body: str, source_id: str, masked: str | None = None) -> list[RawLink]:
    """Links of ``body`` without context (the cheap core of :func:`parse_links`).

    ``masked`` is ``masked_body(body)`` when the caller already has it.
    """
    if "](" not in body:
        return []
    if masked is None:
        masked = masked_body(body)
    found: list[RawLink] = []
    line = 1
    position = 0
    for match in _LINK.finditer(masked):
        start = match.start()
        if start and masked[start - 1] in "!\\":
            continue  # an image, or an escaped bracket
        href = body[match.start(2) : match.end(2)]
        resolution = resolve_href(href, source_id)
        if resolution.target_id is None and not resolution.broken:
            stripped = href.strip().strip("<>").strip()
            if not stripped or stripped.startswith("#"):
                continue  # in-page anchors are not links between concepts
        line += masked.count("\n", position, match.start())
        position = match.start()
        found.append(
            RawLink(
                match.start(), body[match.start(1) : match.end(1)], href.strip(), line, resolution
            )
        )
    return found


def _plain(text: str) -> str:
    text = _LINK.sub(lambda m: m.group(1), text.replace("![", "["))
    text = _ESCAPE.sub(r"\1", text)
    text = _LEADER.sub("", text)
    text = _EMPHASIS.sub("", text)
    return " ".join(text.replace("|", " ").split())


def link_context(line: str, start: int) -> str:
    """The sentence of ``line`` holding the character at ``start``, as plain text."""
    begin = 0
    end = len(line)
    for match in _SENTENCE_END.finditer(line):
        if match.end() <= start:
            begin = match.end()
        elif match.start() >= start:
            end = match.start()
            break
    plain = _plain(line[begin:end])
    if len(plain) > MAX_CONTEXT:
        plain = plain[: MAX_CONTEXT - 1].rstrip() + "…"
    return plain


def escape_link_text(text: str) -> str:
    """Text safe inside ``[...]`` of a markdown link (backslash first, then brackets)."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def parse_links(
    body: str,
    source_id: str,
    *,
    exists: Callable[[str], bool] | None = None,
    line_offset: int = 0,
) -> list[Link]:
    """Every inline link of ``body`` in order.

    ``exists`` (concept id → bool), when given, marks links to missing concepts
    ``broken``; without it only links that climb out of the bundle are broken.
    ``line_offset`` shifts line numbers (pass ``body_line - 1`` for file lines).
    """
    links: list[Link] = []
    for raw in scan_links(body, source_id):
        broken = raw.resolution.broken
        if raw.resolution.target_id is not None and exists is not None:
            broken = not exists(raw.resolution.target_id)
        line_start = body.rfind("\n", 0, raw.start) + 1
        line_end = body.find("\n", raw.start)
        text_line = body[line_start : line_end if line_end >= 0 else len(body)]
        links.append(
            Link(
                source_id=source_id,
                href=raw.href,
                text=raw.text,
                target_id=raw.resolution.target_id,
                line=raw.line + line_offset,
                context=link_context(text_line, raw.start - line_start),
                broken=broken,
            )
        )
    return links


def relative_href(href: str, source_id: str) -> str | None:
    """``href`` rewritten relative to ``source_id``'s folder, or None to keep it as written.

    Only bundle-absolute hrefs (one leading ``/``) are rewritten; the fragment and
    query (``#L1-L9``) are kept, percent-escapes stay as written.  A relative link
    works wherever the bundle sits: in a tenant repository (whose root is the
    tenant folder), on a forge, in a notes app whose vault is any ancestor folder.
    An href whose ``..`` climbs above the root is left alone (it is broken anyway).
    """
    wrapped = href.startswith("<") and href.endswith(">")
    inner = href[1:-1] if wrapped else href
    if not inner.startswith("/") or inner.startswith("//"):
        return None
    cut = len(inner)
    for mark in ("#", "?"):
        found = inner.find(mark)
        if found != -1:
            cut = min(cut, found)
    path, tail = inner[:cut], inner[cut:]
    parts: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not parts:
                return None
            parts.pop()
            continue
        parts.append(segment)
    here = source_id.split("/")[:-1] if "/" in source_id else []
    # Only folders can be shared: the last part names the target itself.
    shared = 0
    limit = min(len(here), len(parts) - 1) if parts else 0
    while shared < limit and here[shared] == parts[shared]:
        shared += 1
    pieces = [".."] * (len(here) - shared) + parts[shared:]
    if not parts:
        rel = "/".join(pieces) + "/" if pieces else "./"
    else:
        rel = "/".join(pieces) + ("/" if path.endswith("/") else "")
        if ":" in pieces[0]:
            rel = "./" + rel  # RFC 3986 §4.2: else "a:b.md" would read as a URL scheme
    rel += tail
    return f"<{rel}>" if wrapped else rel


def relativize_links(body: str, source_id: str) -> str:
    """``body`` with every bundle-absolute link (and image) written relative to its folder.

    Links in code are text and stay as written; so does everything but the hrefs.
    Idempotent, and a pure function of (body, id): the same concept renders to the
    same bytes.  Readers accept both forms (:func:`resolve_href`).
    """
    if "](/" not in body and "](</" not in body and "]( " not in body and "](\t" not in body:
        return body
    masked = masked_body(body)
    pieces: list[str] = []
    last = 0
    for match in _LINK.finditer(masked):
        start = match.start()
        if start and masked[start - 1] == "\\":
            continue  # an escaped bracket: not a link
        begin, end = match.start(2), match.end(2)
        rewritten = relative_href(body[begin:end], source_id)
        if rewritten is None:
            continue
        pieces.append(body[last:begin])
        pieces.append(rewritten)
        last = end
    if not pieces:
        return body
    pieces.append(body[last:])
    return "".join(pieces)
