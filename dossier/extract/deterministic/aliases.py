"""Which short forms are aliases: only those the corpus defines, and defines one way.

A short form joins a name only when the text says so — ``Long Name (LN)`` where the
letters are the name's initials (``names.alias_pairs``), or ``LN stands for Long Name``
(``stated_abbreviations``, here) — and only when nowhere else in the corpus is it
defined as something else: ``PM`` defined as "Project Manager" in one document and as
"Product Marketing" in another names neither (``consistent_pairs``).  Merging on a
coincidental short form would join two unrelated concepts for good.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from dossier.extract.text import entity_key, is_identifier

_ABBREVIATION = r"[A-Z][A-Za-z]{0,2}[A-Z]{1,5}"
_LONG_NAME = r"[A-Z][\w'’-]*(?:[ \t]+(?:(?:of|for|and|&|the|de|du)[ \t]+)?[A-Z][\w'’-]*){0,7}"
_STATED = re.compile(
    rf"(?<![\w-])(?P<short>{_ABBREVIATION})s?[ \t]+(?:stands[ \t]+for|is[ \t]+short[ \t]+for"
    rf"|is[ \t]+an[ \t]+abbreviation[ \t]+(?:of|for)|abbreviates)[ \t]+(?:the[ \t]+)?"
    rf"[\"“]?(?P<long>{_LONG_NAME})"
)


def stated_abbreviations(text: str) -> Iterator[tuple[str, str]]:
    """``SLA stands for Service Level Agreement`` → ("Service Level Agreement", "SLA")."""
    if "stand" not in text and "short" not in text and "abbreviat" not in text:
        return
    for match in _STATED.finditer(text):
        long_name = match.group("long").strip()
        if len(long_name.split()) >= 2:
            yield long_name, match.group("short")


def _short_side(a: str, b: str) -> tuple[str, str] | None:
    """(short, long) when one side of a pair is an abbreviation of the other, else None."""
    for short, long_name in ((b, a), (a, b)):
        if (re.fullmatch(rf"{_ABBREVIATION}s?", short) and not is_identifier(short)
                and " " in long_name.strip()):
            return short, long_name
    return None


def consistent_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The alias pairs whose short form the corpus defines one way only (sorted)."""
    unique = sorted(set(pairs))
    meanings: dict[str, set[str]] = {}
    for a, b in unique:
        sides = _short_side(a, b)
        if sides is not None:
            meanings.setdefault(entity_key(sides[0]), set()).add(entity_key(sides[1]))
    out: list[tuple[str, str]] = []
    for a, b in unique:
        sides = _short_side(a, b)
        if sides is not None and len(meanings[entity_key(sides[0])]) > 1:
            continue  # "PM" is two things in this corpus: an alias of neither
        out.append((a, b))
    return out
