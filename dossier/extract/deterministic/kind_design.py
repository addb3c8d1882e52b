"""Terms a design doc or decision record defines for itself, and the teams it names.

RFCs and ADRs fix their vocabulary the way any careful writer does: ``The term
"warm standby" here refers to …``, ``… will be referred to as "short-lived keys"``, or a
definitions list ``- "Edge node": a host that …``.  Each such term is a Glossary Term of
its own (it may recur in other documents, so it is not local to the one defining it),
citing the line that defines it.  Only the quoting is relied on, never the words.
A team the document names ("the Storage team", "the docs.example team") is a
Stakeholder, cited where the document first names it.
"""

from __future__ import annotations

import re

from dossier.extract.deterministic import cues
from dossier.extract.deterministic.markdown import ParsedDoc
from dossier.extract.model import Unit
from dossier.extract.text import (
    capitalize_first,
    collapse,
    sentence_around,
    strip_markdown,
    truncate,
)

_Q = r"[\"“«]"
_QE = r"[\"”»]"
_TERM = r"(?P<term>[^\"“”«»\n]{2,60}?)"
#: ``the term "X" refers to`` / ``"X" means`` / ``by "X" we mean``
_TERM_FIRST = re.compile(
    rf"(?:\bthe\s+(?:term|word|phrase|name)\s+|\bby\s+){_Q}{_TERM}{_QE}\s*(?:\([^)]*\)\s*)?"
    r"(?:here\s+|below\s+|in this (?:document|rfc|adr|record)\s+)?"
    r"(?:refers? to|means?|denotes?|describes?|is used (?:for|to)|we mean)\b", re.I)
#: ``referred to as "X"`` / ``called "X"`` / ``known as "X"``
_NAME_AFTER = re.compile(
    rf"\b(?:referred to as|(?:we\s+)?call(?:ed)?|known as|termed|dubbed|named)\s+{_Q}{_TERM}{_QE}",
    re.I)
#: ``- "X": definition`` (a definitions list)
_LIST_DEF = re.compile(
    rf"^\s*(?:[-*+]|\d+[.)])\s+(?:\*\*)?{_Q}{_TERM}{_QE}(?:\*\*)?\s*(?::|—|–|\s-\s)\s*(?P<text>\S.*)$")


#: ``the Platform team`` / ``the docs.example team`` / ``the Release working group``
_TEAM = re.compile(
    r"\b[Tt]he\s+(?P<name>(?:[A-Z][\w-]*|[a-z][\w-]*\.[a-z][\w.-]*)(?:\s+[A-Z][\w-]*){0,2})\s+"
    r"(?P<kind>team|subteam|working group|committee|council|board|guild)\b", re.I)


def teams(doc: ParsedDoc, parent: str) -> list[Unit]:
    """The teams a document names ("the Storage team"): a Stakeholder each, first mention.

    A team is named by a capitalised word or a dotted name, so "the only team" or "the
    whole team" never is.
    """
    seen: set[str] = set()
    out: list[Unit] = []
    for index, line in enumerate(doc.lines):
        if doc.in_code[index] or ("team" not in line.lower() and not re.search(
                r"group|committee|council|board|guild", line, re.I)):
            continue
        for match in _TEAM.finditer(line):
            name = match.group("name")
            if not (name[:1].isupper() or "." in name) or name.lower() in ("the", "this"):
                continue
            title = f"{name} {match.group('kind').lower()}"
            key = title.lower()
            if key in seen:
                continue
            seen.add(key)
            sentence = strip_markdown(sentence_around(line, match.start(), match.end()))
            out.append(Unit(
                kind="item", title=title, identifier=None, aliases=(),
                type_hint=cues.STAKEHOLDER, type_weight=3,
                body=f"From {parent}:\n\n{sentence}", start=index + 1, end=index + 1,
                description=truncate(collapse(sentence), 200), parent=parent,
            ))
    return out


def _term_ok(term: str) -> bool:
    words = term.split()
    return 1 <= len(words) <= 5 and term[:1].isalnum() and not term.endswith((".", ","))


def defined_terms(doc: ParsedDoc, parent: str, hidden: set[int] | None = None) -> list[Unit]:
    """One Glossary Term unit per term the document defines in quotes (first definition)."""
    seen: set[str] = set()
    out: list[Unit] = []
    for index, line in enumerate(doc.lines):
        number = index + 1
        if doc.in_code[index] or (hidden and number in hidden) or number in doc.heading_at:
            continue
        if '"' not in line and "“" not in line and "«" not in line:
            continue
        found: list[tuple[str, str]] = []
        listed = _LIST_DEF.match(line)
        if listed is not None:
            found.append((listed.group("term"), strip_markdown(listed.group("text"))))
        else:
            for pattern in (_TERM_FIRST, _NAME_AFTER):
                found.extend(
                    (m.group("term"),
                     strip_markdown(sentence_around(line, m.start("term"), m.end("term"))))
                    for m in pattern.finditer(line))
        for term, definition in found:
            term = collapse(term.strip())
            key = term.lower()
            if not _term_ok(term) or key in seen:
                continue
            seen.add(key)
            out.append(Unit(
                kind="item", title=capitalize_first(term), identifier=None, aliases=(),
                type_hint=cues.GLOSSARY, type_weight=4,
                body=f"From {parent}:\n\n{line.strip()}", start=number, end=number,
                description=truncate(collapse(definition), 200), parent=parent,
            ))
    return out
