"""Shaping a stretch of source lines into a unit: markdown body, type guess, description.

Shared by sections, table rows and list items, so every kind of unit is re-levelled,
scored and described the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dossier.extract.deterministic import cues
from dossier.extract.deterministic.blocks import Block
from dossier.extract.deterministic.markdown import ParsedDoc
from dossier.extract.text import (
    collapse,
    first_sentence,
    strip_markdown,
    truncate,
    word_count,
)
from dossier.okf.codeblocks import code_ranges, inside

LABEL = re.compile(r"^\*\*(?P<label>[^*]{1,40}?)[.:]\*\*\s*(?P<rest>.*)$")
_DESCRIPTIVE_LABELS = frozenset(
    [
        "decision", "description", "summary", "definition", "purpose", "proposal", "requirement",
        "risk", "overview", "what", "outcome",
    ]
)


def score_type(
    *,
    explicit: str | None = None,
    identifier: str | None = None,
    scope: str | None = None,
    heading: str | None = None,
    header: str | None = None,
    body: str = "",
) -> tuple[str, int]:
    scores: dict[str, int] = {}

    def add(type_: str | None, weight: int) -> None:
        if type_ is not None and type_ != cues.TOPIC:
            scores[type_] = scores.get(type_, 0) + weight

    add(explicit, 4)
    add(cues.prefix_type(identifier) if identifier else None, 4)
    add(header, 3)
    add(scope, 2)
    add(cues.heading_type(heading) if heading else None, 2)
    # an FAQ entry ("Does it have an API?") is about its question, whatever words answer it
    if not (heading and cues.is_question(heading)):
        for type_, weight in cues.body_type_scores(body).items():
            add(type_, weight)
    if not scores:
        return cues.TOPIC, 0
    order = {t: i for i, t in enumerate(cues.TYPE_ORDER)}
    best = max(scores.items(), key=lambda kv: (kv[1], -order.get(kv[0], 99)))
    # body words alone are weak: two stray "must"s do not make a requirement
    if best[1] < 2:
        return cues.TOPIC, 0
    return best


# A link inside a source to another file of the *source* corpus means nothing in the
# bundle (and would be a broken link there): keep its text, which the linker may link.
_LOCAL_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?![a-z][a-z0-9+.-]*:)[^)\n]*\)", re.I)


def _reduce_local_links(text: str) -> str:
    """``text`` with its links into the source corpus reduced to their text, outside code
    (as the body will read it: ``codeblocks``, the answer the other writers use too)."""
    code = code_ranges(text)
    return _LOCAL_LINK.sub(
        lambda m: m.group(0) if inside(code, m.start(), m.end()) else m.group(1), text)


def render_lines(doc: ParsedDoc, numbers: Iterable[int], base_level: int) -> str:
    """Markdown of the given lines; headings re-levelled so the unit's children are ``##``."""
    out: list[str] = []
    for number in numbers:
        if number in doc.underline:
            continue
        line = doc.line(number)
        if number in doc.heading_at and not doc.in_code[number - 1]:
            level, text = doc.heading_at[number]
            new_level = min(6, max(2, level - base_level + 1))
            if out and out[-1].strip():
                out.append("")
            out.append("#" * new_level + " " + strip_markdown(text))
            out.append("")
            continue
        out.append(line.rstrip())
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)
    if "](" in text:
        text = _reduce_local_links(text)
    return text.strip("\n")


def description_from(blocks: list[Block]) -> str | None:
    fallback: str | None = None
    for block in blocks:
        if block.kind in ("row", "header"):
            continue
        label = LABEL.match(block.text)
        if label:
            name = label.group("label").strip().lower()
            rest = label.group("rest").strip()
            if name in _DESCRIPTIVE_LABELS and word_count(rest) >= 4:
                return first_sentence(rest)
            continue
        if fallback is None and block.kind == "para" and word_count(block.text) >= 6:
            fallback = first_sentence(block.text)
    if fallback is None:
        for block in blocks:
            if (block.kind == "item" and not LABEL.match(block.text)
                    and word_count(block.text) >= 4):
                return first_sentence(block.text)
    return fallback


def title_from_text(text: str) -> str:
    plain = collapse(strip_markdown(text))
    plain = re.split(r"(?<=[.!?;])\s|\s[—–]\s", plain, maxsplit=1)[0].rstrip(".;")
    return truncate(plain, 80)
