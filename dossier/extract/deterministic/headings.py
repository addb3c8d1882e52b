"""Heading text: cleaned, un-shouted, and read for an identifier, a type or a person.

"1.2 DEC-003: Adopt events", "Vantage WMS (SYS-10)", "Maria Okafor — COO" and
"PROJECT X - STEERING MEETING" all carry more than a title; this module splits that out.
"""

from __future__ import annotations

import re

from dossier.extract.deterministic import cues
from dossier.extract.deterministic.names import split_term_alias
from dossier.extract.text import (
    collapse,
    is_identifier,
    strip_markdown,
    truncate,
)

MAX_TITLE_CHARS = 120
ID_PATTERN = r"[A-Z]{2,6}-\d+(?:-\d+)*"
_VERSION_LEAD = re.compile(r"^v?\d+\.\d+(?:\.\d+)*\s")
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[A-Z]\.|[IVX]+\.)\s+")
_ID_LEAD = re.compile(rf"^({ID_PATTERN})(?:\s*(?:[:—–.]|-\s)\s*|\s+)(.+)$")
_ID_TRAIL = re.compile(rf"^(.+?)\s*[\(\[]({ID_PATTERN})[\)\]]\s*$")
_ID_ONLY = re.compile(rf"^({ID_PATTERN})$")
_ID_PAREN = re.compile(rf"\s*\(({ID_PATTERN})\)")
_TYPE_PREFIX = re.compile(
    r"^(decision|adr|risk|requirement|action item|action|process|system|meeting|term)"
    r"(?:\s+\d+)?\s*[:—–]\s*(.+)$",
    re.I,
)
_PREFIX_TYPE_WORDS = {
    "decision": cues.DECISION, "adr": cues.DECISION, "risk": cues.RISK,
    "requirement": cues.REQUIREMENT, "action item": cues.ACTION, "action": cues.ACTION,
    "process": cues.PROCESS, "system": cues.SYSTEM, "meeting": cues.MEETING,
    "term": cues.GLOSSARY,
}
_SMALL_WORDS = frozenset([
    "a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "per", "the", "to",
    "vs", "via", "with",
])


def _smart_case(text: str, forms: dict[str, set[str]]) -> str:
    """Un-shout an ALL-CAPS heading: Title Case, keeping acronyms the prose writes in caps."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 or not all(c.isupper() for c in letters):
        return text
    position = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal position
        word = match.group(0)
        first = position == 0
        position += 1
        if word in forms.get(word.lower(), set()) and len(word) > 1:
            return word
        low = word.lower()
        if low in _SMALL_WORDS and not first:
            return low
        return low[:1].upper() + low[1:]

    return re.sub(r"[A-Za-z][A-Za-z'’]*", fix, text)


def clean_heading(raw: str, forms: dict[str, set[str]]) -> str:
    text = collapse(strip_markdown(raw))
    rest = _NUMBERING.sub("", text)
    # "2.4.0 (3rd May, 2025)": what follows a version only qualifies it, so the number is
    # the heading's name; "1. (Optional) Configure" is still section 1
    if not (rest.startswith(("(", "[")) and _VERSION_LEAD.match(text)):
        text = rest
    return _smart_case(text, forms).strip()


_NAME_ROLE = re.compile(
    r"^(?P<name>[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){1,3})\s+(?:—|–|-|,)\s+(?P<role>.+)$"
)
_ID_SUBJECT = re.compile(rf"^(?P<name>.+?)\s*\(({ID_PATTERN})\)\s+(?:and|&|—|–|-|:)\s+.+$")


def heading_role(title: str) -> tuple[str, str] | None:
    """``Maria Okafor — Chief Operating Officer (COO)`` → (name, role)."""
    match = _NAME_ROLE.match(title)
    if match and cues.is_role_phrase(re.split(r",|\(", match.group("role"))[0]):
        return match.group("name"), match.group("role").strip()
    return None


def parse_heading(title: str) -> tuple[str, str | None, tuple[str, ...], str | None]:
    """(title, identifier, aliases, explicit type) of a cleaned heading."""
    identifier: str | None = None
    explicit: str | None = None
    person = heading_role(title)
    if person is not None:
        return person[0], None, (), cues.STAKEHOLDER
    subject = _ID_SUBJECT.match(title)
    if subject and is_identifier(subject.group(2)):
        # "Meridian ERP (SYS-01) and rate-card billing" is about SYS-01
        title = f"{subject.group('name')} ({subject.group(2)})"
    match = _ID_ONLY.match(title)
    if match and is_identifier(match.group(1)):
        return title, title, (), cues.prefix_type(title)
    match = _ID_LEAD.match(title)
    if match and is_identifier(match.group(1)):
        identifier, title = match.group(1), match.group(2).strip()
    else:
        match = _ID_TRAIL.match(title)
        if match and is_identifier(match.group(2)):
            title, identifier = match.group(1).strip(), match.group(2)
    typed = _TYPE_PREFIX.match(title)
    if typed:
        explicit = _PREFIX_TYPE_WORDS[typed.group(1).lower()]
        title = typed.group(2).strip()
        lead = _ID_LEAD.match(title)
        if identifier is None and lead and is_identifier(lead.group(1)):
            identifier, title = lead.group(1), lead.group(2).strip()
    title = _ID_PAREN.sub("", title).strip() or title
    name, aliases = split_term_alias(title)
    if identifier is not None and explicit is None:
        explicit = cues.prefix_type(identifier)
    return truncate(name, MAX_TITLE_CHARS), identifier, aliases, explicit


_KIND_LABEL = re.compile(
    r"^(?:process notes|process description|notes|working notes)\s*[—–:-]\s+(?=\S)", re.I
)


def strip_kind_label(title: str) -> str:
    """"Process Notes — Returns Processing" → "Returns Processing": the label is the kind."""
    return _KIND_LABEL.sub("", title) or title


_TITLE_SPLIT = re.compile(r"\s+[—–-]\s+")
_MEETING_WORDS = re.compile(
    r"\b(meeting|minutes|workshop|interview|stand-?up|call|sync|retro|kick-?off|session)\b", re.I
)


def specific_title(title: str, kind: str) -> tuple[str, tuple[str, ...]]:
    """"Project X - Steering Committee Meeting, 12 March" → the meeting part, full as alias."""
    if kind != "meeting":
        return title, ()
    parts = _TITLE_SPLIT.split(title, maxsplit=1)
    if len(parts) == 2 and _MEETING_WORDS.search(parts[1]) and not _MEETING_WORDS.search(parts[0]):
        return parts[1].strip(), (title,)
    return title, ()
