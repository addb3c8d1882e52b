"""Line-level units: identifier-led entries, glossary-form definitions, typed list items.

"ACT-01  Draft the schema …", "- **REQ-003** — Every invoice line …", "**Billing Trigger** —
the event that …": each is one unit of knowledge even without a heading of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dossier.extract.deterministic import cues
from dossier.extract.deterministic.blocks import Block
from dossier.extract.deterministic.headings import ID_PATTERN
from dossier.extract.deterministic.markdown import ParsedDoc
from dossier.extract.deterministic.names import (
    STOPWORDS,
    is_admonition,
    mask_non_prose,
    split_term_alias,
)
from dossier.extract.deterministic.shape import LABEL, score_type, title_from_text
from dossier.extract.model import Definition, Unit
from dossier.extract.text import (
    capitalize_first,
    collapse,
    ensure_period,
    first_sentence,
    is_identifier,
    strip_markdown,
    word_count,
)

STATEMENT_TYPES = frozenset({cues.ACTION, cues.DECISION, cues.RISK, cues.REQUIREMENT})
_ITEM_ID = re.compile(
    rf"^(?:\*\*)?({ID_PATTERN})(?:\*\*)?\s*(?::|—|–|-(?=\s))\s*(?:\*\*)?\s*(?P<rest>\S.*)$"
)
_GLOSS_BOLD = re.compile(r"^\*\*(?P<term>[^*]{1,80}?)\*\*\s*(?:—|–|-|:)\s*(?P<def>\S.{2,})$")
_GLOSS_BOLD_COLON = re.compile(r"^\*\*(?P<term>[^*]{1,80}?):\*\*\s*(?P<def>\S.{2,})$")
_GLOSS_PLAIN = re.compile(
    r"^(?P<term>[A-Z][A-Za-z0-9/&'’()\- ]{0,60}?)\s*(?::|\s—|\s–)\s+(?P<def>\S.{8,})$"
)
GLOSSARY_FORM_SCOPES = frozenset({cues.GLOSSARY, cues.STAKEHOLDER, cues.SYSTEM})
_ID_LINE_SEP = re.compile(rf"^(?:\*\*)?({ID_PATTERN})(?:\*\*)?\s{{2,}}(?P<rest>\S.*)$")


def item_candidates(
    parsed: ParsedDoc,
    blocks: list[Block],
    scope_at: Callable[[int], str | None],
    definitions: list[Definition],
) -> dict[int, Unit]:
    """Identifier-led items, glossary-form lines and typed list items, by start line."""
    found: dict[int, Unit] = {}
    for block in blocks:
        if block.kind in ("row", "header"):
            continue
        scope = scope_at(block.start)
        text_ = block.text
        # one logical entry: its wrapped lines (and the padding plain-text notes use to
        # align columns) become one paragraph, or one list item when it was one
        body = ("- " if block.kind == "item" else "") + collapse(block.text)
        id_match = _ITEM_ID.match(text_) or _ID_LINE_SEP.match(text_)
        if id_match and is_identifier(id_match.group(1)):
            identifier = id_match.group(1)
            rest = id_match.group("rest")
            type_, weight = score_type(identifier=identifier, scope=scope, body=rest)
            description = ensure_period(first_sentence(rest))
            found[block.start] = Unit(
                kind="item", title=title_from_text(rest) or identifier, identifier=identifier,
                aliases=(), type_hint=type_, type_weight=weight, body=body,
                start=block.start, end=block.end, description=description,
            )
            definitions.append(Definition(identifier, description, block.start, 2))
            continue
        gloss = glossary_line(text_, strict=scope != cues.GLOSSARY)
        if gloss is not None:
            term, definition = gloss
            name, aliases = split_term_alias(term)
            strength = 3 if scope == cues.GLOSSARY else 2
            description = ensure_period(capitalize_first(first_sentence(definition)))
            definitions.append(Definition(name, description, block.start, strength))
            for alias in aliases:
                definitions.append(Definition(alias, description, block.start, strength))
            if scope in GLOSSARY_FORM_SCOPES and len(name.split()) <= 6:
                found[block.start] = Unit(
                    kind="item", title=name, identifier=None, aliases=aliases,
                    type_hint=scope, type_weight=3, body=body,
                    start=block.start, end=block.end, description=description,
                )
            continue
        if (
            block.kind == "item" and block.indent == 0 and scope in STATEMENT_TYPES
            and word_count(text_) >= 4 and not LABEL.match(text_)
        ):
            found[block.start] = Unit(
                kind="list", title=title_from_text(text_), identifier=None, aliases=(),
                type_hint=scope, type_weight=2, body=body, start=block.start, end=block.end,
                description=ensure_period(first_sentence(text_)),
            )
    return found


def glossary_line(text: str, *, strict: bool) -> tuple[str, str] | None:
    """``**Term** — definition`` (anywhere) or ``Term: definition`` (glossary scope only)."""
    match = _GLOSS_BOLD.match(text)
    if match and not match.group("term").rstrip().endswith((".", ":")):
        term = strip_markdown(match.group("term")).strip()
        definition = match.group("def").strip()
        if (term and term.lower() not in STOPWORDS and not is_identifier(term)
                and not is_admonition(term)
                and word_count(mask_non_prose(definition)) >= 2):
            return term, definition
    if strict:
        return None
    match = _GLOSS_BOLD_COLON.match(text) or _GLOSS_PLAIN.match(text)
    if match:
        term = strip_markdown(match.group("term")).strip()
        definition = match.group("def").strip()
        # "Bad: `User-Agent: x`" shows an example; a definition says something in words
        if (term and len(term.split()) <= 6 and not is_identifier(term)
                and not is_admonition(term) and word_count(mask_non_prose(definition)) >= 2):
            return term, definition
    return None
