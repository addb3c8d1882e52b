"""Meeting notes: the parts that need more than the labelled-line rules in ``kinds``.

- **People across a series.** Minutes write the same person as "Jack Huey", "Jack",
  "J. Huey", "jhuey", "JackH" or "JH". ``merge_people`` (global, in ``assemble``) folds a
  short form into the one full name of the corpus it can stand for, so a person is one
  Stakeholder; a short form that fits two full names ("Eric" for two Erics) stays apart.
- **Outcomes written as proposals.** "Proposal: …" followed by "No objections" / "motion
  carried" is a decision even without a ``Decision:`` label (``approved_proposals``).
- **Plain-text minutes** open with a line naming the meeting instead of a heading
  (``plain_title``).
- **Index pages** of a series (a table of dates and links) are a list on the series'
  page, never one date-titled meeting per row (``is_series_index``, ``date_cell``).

Everything is structural (labels, dates, name shapes), never one corpus's words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from dossier.extract.deterministic import cues, kind_flat
from dossier.extract.deterministic.markdown import SPEAKER_PREFIX, ParsedDoc
from dossier.extract.model import Unit
from dossier.extract.text import collapse, strip_markdown

_T = TypeVar("_T")

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
#: A date written in any common way: 2025-03-04, 2025/03/04, 04.03.2025, 4 March 2025,
#: March 4, 2025, Mar 4th 2025.
DATE_RE = re.compile(
    r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+\d{{4}}"
    rf"|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b",
    re.I,
)
_MEETING_WORD = re.compile(
    r"\b(meeting|minutes|sync|call|stand-?up|retro|review|workshop|board|committee|council"
    r"|session|notes)\b", re.I)
#: Words an attendance line uses for "everybody", never a person.
NOT_PEOPLE = frozenset({"all", "everyone", "everybody", "none", "nobody", "n/a", "na", "tbd",
                        "team", "the team", "whole team"})

# ---------------------------------------------------------------------------- titles


_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def iso_date(text: str) -> str | None:
    """The first unambiguous date in ``text`` as YYYY-MM-DD (dd/mm forms are ambiguous)."""
    match = DATE_RE.search(text)
    if match is None:
        return None
    found = match.group(0)
    iso = re.match(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$", found)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    else:
        words = re.findall(r"[A-Za-z]+|\d+", found)
        month_word = next((w for w in words if w[:3].lower() in _MONTHS and not w.isdigit()), None)
        numbers = [int(w) for w in words if w.isdigit()]
        if month_word is None or len(numbers) != 2:
            return None
        month = _MONTHS[month_word[:3].lower()]
        day, year = (numbers[0], numbers[1]) if numbers[1] > 31 else (numbers[1], numbers[0])
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= 2199):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def date_cell(text: str) -> bool:
    """Is this table cell (or title) a date and nothing much else?"""
    plain = collapse(strip_markdown(text))
    match = DATE_RE.search(plain)
    return match is not None and len(plain) - len(match.group(0)) <= 12


def plain_title(doc: ParsedDoc) -> tuple[int, str] | None:
    """A plain-text minutes' opening line naming the meeting: (line, text), or None.

    The line stands alone (a blank line or the end follows), is short, and carries a date
    or a meeting word ("Harbour Board meeting, 4 March 2025").
    """
    for index, line in enumerate(doc.lines[:5]):
        if not line.strip():
            continue
        if doc.in_code[index] or (index + 1) in doc.heading_at or ":" in line:
            return None
        following = doc.lines[index + 1] if index + 1 < len(doc.lines) else ""
        text = collapse(strip_markdown(line))
        if (following.strip() or len(text.split()) > 12 or text.endswith((".", ","))
                or re.match(r"^(?:[-*+]|\d{1,3}[.)])\s", line)):
            return None
        if not (DATE_RE.search(text) or _MEETING_WORD.search(text)):
            return None
        # a line opening one of several dated groups (a GNU ChangeLog) is an entry
        dated = {line for line, _, _ in kind_flat.date_starts(doc)}
        if index + 1 in dated and len(dated) >= 2:
            return None
        return index + 1, text
    return None


def is_series_index(doc: ParsedDoc) -> bool:
    """A page listing a series' meetings: its tables' rows (≥ 2) are mostly led by dates."""
    rows = [cells for table in doc.tables for _, cells in table.rows if cells]
    if len(rows) < 2:
        return False
    dated = sum(1 for cells in rows if any(date_cell(c) for c in cells[:2]))
    return dated >= 0.6 * len(rows)


_AGENDA_HEADERS = frozenset({"agenda", "agenda item", "time", "duration", "slot", "minutes",
                             "presenter", "speaker", "facilitator", "topic"})


def is_schedule(headers: Sequence[str], rows: Sequence[Sequence[str]],
                names_a_kind: bool) -> bool:
    """A table of meetings by date, or an agenda: its rows are no concepts of their own.

    An index of a series ("| 4 March 2025 | Chair | [minutes](…) |") would otherwise
    make one date-titled stub per row, and an agenda ("| 10:00 | Budget | Presenter |")
    one Stakeholder per topic.  A dated table whose header names a kind ("| Date |
    Decision | Rationale |", a decision log) is no index: its rows stay concepts.
    """
    if any(h in ("agenda", "agenda item") for h in headers) or (
            sum(1 for h in headers if h in _AGENDA_HEADERS) >= 2):
        return True
    if names_a_kind or len(rows) < 2:
        return False
    dated = sum(1 for cells in rows if cells and date_cell(cells[0]))
    return dated >= 0.6 * len(rows)


def dated_sections(doc: ParsedDoc, n: int) -> list[tuple[int, int, str]]:
    """A running log's meetings: sections headed by a date, (heading line, last line, heading).

    A notes file that keeps every meeting under its own dated heading ("## 2024-03-01",
    "### March 8, 2024 — planning") is a series: each dated section is one meeting.  Two
    distinct dates at the same heading level are needed.
    """
    dated: list[tuple[int, int, str]] = []
    for line, (level, text) in sorted(doc.heading_at.items()):
        plain = collapse(strip_markdown(text))
        match = DATE_RE.search(plain)
        if match is not None and len(plain.split()) <= 10:
            dated.append((line, level, plain))
    if len({iso_date(t) or t for _, _, t in dated}) < 2:
        return []
    levels = sorted({lv for _, lv, _ in dated},
                    key=lambda lv: (-sum(1 for _, x, _ in dated if x == lv), lv))
    level = levels[0]
    heads = [(line, text) for line, lv, text in dated if lv == level]
    if len({iso_date(t) or t for _, t in heads}) < 2:
        return []
    out: list[tuple[int, int, str]] = []
    for line, text in heads:
        end = n
        for other, (other_level, _) in sorted(doc.heading_at.items()):
            if other > line and other_level <= level:
                end = other - 1
                break
        while end > line and not doc.lines[end - 1].strip():
            end -= 1
        out.append((line, end, text))
    return out


# ---------------------------------------------------------------------------- outcomes

_PROPOSAL = re.compile(
    rf"^(?P<indent>\s*)(?:[-*+]\s+)?(?:{SPEAKER_PREFIX})?(?:\*\*|__)?"
    r"(?:decision\s+)?(?:proposal|proposed|motion)(?:\*\*|__)?\s*(?:[:：]|\s[—–-])\s*"
    r"(?:\*\*|__)?\s*(?P<text>\S.*)$",
    re.I,
)
_APPROVED = re.compile(
    r"\b(?:no objections?(?!\s+to\b)|without objection|motion (?:passes|passed|carried)"
    r"|(?:proposal|motion) (?:is |was )?(?:approved|accepted|adopted|carried)|consensus reached"
    r"|decision made|unanimously)\b",
    re.I,
)
_NEGATED = re.compile(r"\b(?:not|no longer|wasn't|isn't)\s+(?:approved|accepted|adopted)\b",
                      re.I)
_CHECKBOX = re.compile(r"^(?P<indent>\s*)[-*+]\s+\[[ xX]\]\s+(?P<text>\S.*)$")
_AI_LABEL = re.compile(
    r"^(?P<indent>\s*)(?:[-*+]\s+)?(?:\*\*|__)?(?:AI|ACTION)(?:\*\*|__)?\s*[:：]\s*"
    r"(?:\*\*|__)?\s*(?P<text>\S.*)$")
#: Lines looked at after a proposal for its approval.
APPROVAL_WINDOW = 12


def approved_proposals(doc: ParsedDoc, n: int) -> list[tuple[str, int, int, int]]:
    """Proposals the meeting approved: (text, first line, approval line, indent).

    The approval ("No objections", "motion carried") must follow within a few lines, before
    another proposal or heading, and be no less indented than the topic the proposal sits in.
    """
    out: list[tuple[str, int, int, int]] = []
    for index in range(n):
        if doc.in_code[index] or (index + 1) in doc.heading_at:
            continue
        match = _PROPOSAL.match(doc.lines[index])
        if match is None:
            continue
        indent = len(match.group("indent"))
        for sub in range(index, min(n, index + APPROVAL_WINDOW)):
            line = doc.lines[sub]
            if sub > index and ((sub + 1) in doc.heading_at or _PROPOSAL.match(line)):
                break
            lead = len(line) - len(line.lstrip())
            if sub > index and line.strip() and lead < indent:
                break
            approval = _APPROVED.search(line)
            if approval and not _NEGATED.search(line) and (
                    sub > index or approval.start() > match.start("text") + 20):
                out.append((match.group("text"), index + 1, sub + 1, indent))
                break
    return out


_CLAUSE_BREAK = re.compile(r"(?:[.;]\s+|\s+(?:whose|which|so that|because|in order to)\s+)")
#: An outcome longer than this many words is titled by its first clause.
MAX_OUTCOME_WORDS = 12


def outcome_title(text: str) -> str:
    """A long outcome titled by its first clause; the whole line stays in its body.

    "Establish a subteam with A and B whose first task is a charter for …" is titled
    "Establish a subteam with A and B": a title names the outcome, the body tells it.
    """
    if len(text.split()) <= MAX_OUTCOME_WORDS:
        return text
    for match in _CLAUSE_BREAK.finditer(text):
        head = text[:match.start()].rstrip(" ,")
        if len(head.split()) >= 4:
            return head
    return text


_INLINE_LABEL = re.compile(
    r"[.!?;]\s+(?:\*\*|__)?(?P<label>decisions?|decided|conclusions?|resolution|agreed"
    r"|action items?|actions?)(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*(?P<text>\S.*)$",
    re.I,
)


def inline_outcomes(doc: ParsedDoc, n: int) -> list[tuple[str, str, int]]:
    """A label after a sentence ("No objections. **Decision:** Mara coordinates."):
    (type, text, line)."""
    out: list[tuple[str, str, int]] = []
    for index in range(n):
        line = doc.lines[index]
        if doc.in_code[index] or ":" not in line:
            continue
        match = _INLINE_LABEL.search(line)
        if match is not None:
            type_ = cues.ACTION if match.group("label").lower().startswith("action") else (
                cues.DECISION)
            out.append((type_, match.group("text"), index + 1))
    return out


def heading_topic(heading: str) -> str | None:
    """A heading as the agenda topic of the outcomes under it (not "Notes", "Decisions" …)."""
    text = collapse(re.sub(r"^\s*\d+(?:\.\d+)*[.)]?\s+", "", heading)).strip(" :")
    key = cues.heading_key(text)
    if (not key or cues.is_boilerplate(text) or cues.is_generic(text)
            or cues.container_type(key) is not None or DATE_RE.search(text)
            or _MEETING_WORD.search(text)):
        return None
    return text


def listed_under(doc: ParsedDoc, index: int) -> list[int]:
    """Lines of the list right under a bare label line (up to a blank line or heading)."""
    out: list[int] = []
    for sub in range(index + 1, min(len(doc.lines), index + 40)):
        line = doc.lines[sub]
        if not line.strip() or (sub + 1) in doc.heading_at or doc.in_code[sub]:
            break
        if not re.match(r"^\s*(?:[-*+]|\d{1,3}[.)])\s", line):
            break
        out.append(sub + 1)
    return out


_SPEAKER = re.compile(
    r"^\s*(?:[-*+]\s+)?(?P<name>[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){1,2}):\s+\S")


def speakers(doc: ParsedDoc, n: int) -> list[tuple[str, int]]:
    """People the minutes quote ("- Eric Holk: we could …"): (name, first line).

    Only plain full names (two or three capitalised words, not bold) none of whose words
    the document also writes in lowercase (singular or plural), so a label ("**Previous
    Discussion**: …", "Next Steps: …") is never taken for a person.
    """
    lower = set(re.findall(r"\b[a-z][a-z]+\b", "\n".join(doc.lines)))
    seen: dict[str, int] = {}
    for index in range(n):
        if doc.in_code[index] or (index + 1) in doc.heading_at:
            continue
        match = _SPEAKER.match(doc.lines[index])
        if match is None:
            continue
        name = match.group("name")
        if any(word.lower() in lower or word.lower().rstrip("s") in lower
               or f"{word.lower()}s" in lower for word in name.split()):
            continue
        seen.setdefault(name, index + 1)
    return sorted(seen.items(), key=lambda item: item[1])


def plain_actions(doc: ParsedDoc, n: int) -> list[tuple[str, int, int]]:
    """``- [ ] Owner: task`` checkboxes and ``AI:`` / ``ACTION:`` lines: (text, line, indent)."""
    out: list[tuple[str, int, int]] = []
    for index in range(n):
        if doc.in_code[index]:
            continue
        line = doc.lines[index]
        match = _CHECKBOX.match(line) or _AI_LABEL.match(line)
        if match is not None:
            out.append((match.group("text"), index + 1, len(match.group("indent"))))
    return out


def paragraph_end(doc: ParsedDoc, index: int, n: int) -> int:
    """Last line of the plain paragraph opened at ``index`` (a wrapped ``Decision:`` line)."""
    end = index + 1
    for sub in range(index + 1, n):
        line = doc.lines[sub]
        if (not line.strip() or (sub + 1) in doc.heading_at or doc.in_code[sub]
                or re.match(r"^\s*(?:[-*+]|\d{1,3}[.)])\s", line)):
            break
        end = sub + 1
    return end


# ---------------------------------------------------------------------------- people


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split()).lower()


def full_name_for(short: str, full_names: Sequence[str]) -> str | None:
    """The one full name ``short`` can stand for, or None (none, or more than one).

    ``Jack`` → "Jack Huey" (first name), ``J. Huey`` → "Jack Huey" (initial and surname),
    ``jhuey`` / ``JackH`` → "Jack Huey" (handles), ``JH`` → "Jack Huey" (initials).
    """
    words = short.replace(".", ". ").split()
    if not words or short in full_names:
        return None
    low = short.lower()
    hits: set[str] = set()
    for full in full_names:
        parts = full.split()
        first, last = parts[0].lower(), parts[-1].lower()
        if len(words) == 1:
            by_first = low == first
            by_initials = short.isupper() and 2 <= len(short) <= 3 and low == _initials(full)
            by_handle = bool(re.fullmatch(r"[A-Za-z]{4,}", short)) and low in (
                first[0] + last, first + last[0])
            if by_first or by_initials or by_handle:
                hits.add(full)
        elif (len(words) == 2 and re.fullmatch(r"[A-Z]\.?", words[0])
              and words[1].lower() == last and first.startswith(words[0][0].lower())):
            hits.add(full)
    return next(iter(hits)) if len(hits) == 1 else None


def merge_people(units: list[tuple[_T, Unit]]) -> list[tuple[_T, Unit]]:
    """Attendee/author units retitled to the one full name their short form stands for.

    The short form stays as an alias, so its mentions ("Jack: fine with …") join the same
    Stakeholder.  Only Stakeholder units a document's structure named (attendance lines,
    authors) take part: a word in prose is never guessed to be a person here.
    """
    people = [u for _, u in units
              if u.type_hint == cues.STAKEHOLDER and u.parent and u.kind == "item"]
    full = sorted({u.title for u in people if len(u.title.split()) >= 2
                   and all(w[:1].isupper() for w in u.title.split())
                   and not re.match(r"^[A-Z]\.", u.title)})
    mapping: dict[str, str] = {}
    for title in sorted({u.title for u in people}):
        target = full_name_for(title, full)
        if target is not None:
            mapping[title] = target
    if not mapping:
        return units
    out: list[tuple[_T, Unit]] = []
    for owner, unit in units:
        target = mapping.get(unit.title)
        if target is not None and unit.type_hint == cues.STAKEHOLDER and unit.parent:
            unit = replace(unit, title=target, aliases=(*unit.aliases, unit.title))
        out.append((owner, unit))
    return out
