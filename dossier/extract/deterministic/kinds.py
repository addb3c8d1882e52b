"""Document kinds recognised from structure, not from one corpus's vocabulary.

A decision record, a meeting's minutes, a design doc / RFC, a changelog or a personal
note is recognised by how it is built — its section headings, a status line, an
attendance line, a metadata block, version lines, YAML frontmatter — and each kind is
ONE concept of its own (the document), whose sections stay inside it.  What a kind
carries besides (a record's status, a meeting's attendees, decisions and actions, an
RFC's authors, a changelog's releases) becomes typed fields or child units here.

Every function is pure over one parsed document, so the result is cached per source.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

import yaml

from dossier.extract.deterministic import cues, kind_flat, kind_meeting
from dossier.extract.deterministic.headings import specific_title
from dossier.extract.deterministic.kind_design import defined_terms, teams
from dossier.extract.deterministic.kind_notes import note_type
from dossier.extract.deterministic.kind_statements import requirements, stated_risks
from dossier.extract.deterministic.markdown import ParsedDoc, item_end
from dossier.extract.deterministic.shape import render_lines
from dossier.extract.model import Unit
from dossier.extract.text import collapse, strip_markdown, truncate

DECISION_RECORD = "decision-record"
MEETING = "meeting"
DESIGN = "design"
CHANGELOG = "changelog"
NOTE = "note"

_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_DATE_ONLY = re.compile(r"^\s*(?:meeting\s+)?\d{4}-\d{2}-\d{2}\s*$", re.I)
_STATUS_LINE = re.compile(
    r"^\s*[-*]?\s*(?:\*\*|__)?status(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(\S.*)$", re.I)
_META_LINE = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?(?P<key>[A-Z][A-Za-z ()/'-]{1,30}?)(?:\*\*|__)?\s*:"
    r"(?:\*\*|__)?\s+(?P<value>\S.*)$"
)
_ISSUE_REF = re.compile(r"\b([\w.-]+/[\w.-]+#\d+)\b")
_CODE_NAME = re.compile(r"^`?([a-z][a-z0-9]*(?:[_-][a-z0-9]+)+|[a-z][a-z0-9_]{3,})`?$")
_FILE_NUMBER = re.compile(r"^(\d{1,5})(?=[-_ ])")
_VERSION = r"v?\d+\.\d+(?:\.\d+)*(?:[-.]?(?:a|b|rc|alpha|beta|dev|post)\.?\d*)?"
_VERSION_LINE = re.compile(
    rf"^(?:#{{1,6}}\s+)?(?:\[)?(?:(?:release|version)\s+)?(?P<version>{_VERSION})(?:\])?"
    rf"(?P<rest>(?:\s+.*)?)$",
    re.I,
)
_UNRELEASED = re.compile(r"^(?:#{1,6}\s+)?\[?unreleased\]?\s*:?\s*$", re.I)
#: version lines marked as releases that make a changelog of a file not named like one
MIN_UNNAMED_RELEASES = 5
_CHANGELOG_NAME = re.compile(
    r"\b(change\s*log|changes|history|news|release\s*notes|releases|what'?s\s*new)\b", re.I)
_LABELLED = (
    r"^(?P<indent>\s*)(?:[-*+]\s+)?(?:[A-Z][\w .'-]{{0,30}}:\s+)?(?:\*\*|__)?"
    r"(?P<label>{labels})(?:\*\*|__)?\s*(?:[:：]|\s[—–-])\s*(?:\*\*|__)?\s*(?P<text>.*)$"
)
_DECISION_LINE = re.compile(
    _LABELLED.format(labels=r"decisions?|decided|conclusions?|resolution|resolved|agreed"),
    re.I)
_ACTION_LINE = re.compile(
    _LABELLED.format(labels=r"action items?|actions?|todo|follow[- ]ups?"), re.I)
_ATTENDANCE = re.compile(
    r"^(?:in\s+)?(?:attendees|attendance|present|participants|attending|members\s+present)"
    r"(?:\s*\([^)]*\))?$", re.I)
_NOT_ATTENDANCE = re.compile(r"^(?:agenda|topics?|items|notes|minutes|discussion|actions?)$",
                             re.I)
_ABSENT = re.compile(r"^(?:missing|unavailable|absent|apologies|regrets|excused)\b", re.I)
_URL = re.compile(r"https?://\S+")
#: a cheap test run before the two labelled-line patterns: most lines carry no label word
_OUTCOME_WORD = re.compile(r"decid|decision|conclu|resol|agreed|action|todo|follow", re.I)
_PART_START = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s")
_LIST_INDENT = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(.*)$")

#: Section headings that make a document a design doc / RFC (3 of them are needed).
_DESIGN_SECTIONS = frozenset({
    "summary", "abstract", "motivation", "background", "goals", "non goals", "proposal",
    "design", "detailed design", "alternatives", "rationale", "drawbacks", "implementation",
    "unresolved questions", "prior art", "future possibilities", "compatibility",
    "security considerations", "guide level explanation", "reference level explanation",
    "rationale and alternatives", "open issues", "specification",
})
_RECORD_SECTIONS = frozenset({
    "status", "context", "consequences", "context and problem statement",
    "considered options", "decision drivers", "decision outcome",
})


@dataclass
class Shape:
    """What the kind of one document adds to its document-level unit."""

    kind: str
    type: str
    title: str
    aliases: list[str] = field(default_factory=list)
    status: str | None = None
    tags: list[str] = field(default_factory=list)
    children: list[Unit] = field(default_factory=list)
    #: a slice of the body that describes the whole document best (lines)
    describe_from: tuple[int, int] | None = None
    #: frontmatter lines, never pasted into a body
    hidden: set[int] = field(default_factory=set)
    #: the document's description when its kind says it better than its first paragraph
    description: str | None = None


def map_status(text: str) -> str | None:
    """A record's written status as OKF ``status`` (None: not a status word)."""
    low = text.lower()
    if "supersed" in low and "partly" not in low and "partially" not in low:
        return "deprecated"
    if re.search(r"\b(reject|deprecat|withdrawn|obsolete|abandon|retired)", low):
        return "deprecated"
    if re.search(r"\b(accept|approv|adopt|agreed|done|implemented|final|amend|supersed)", low):
        return "stable"
    if re.search(r"\b(propos|pending|draft|review|open|wip|discuss)", low):
        return "draft"
    return None


def heading_keys(doc: ParsedDoc) -> dict[str, int]:
    """Each heading's key (``cues.heading_key``) → its first line; computed once per document."""
    keys: dict[str, int] = {}
    for number, (_level, text) in sorted(doc.heading_at.items()):
        keys.setdefault(cues.heading_key(strip_markdown(text)), number)
    return keys


def frontmatter(doc: ParsedDoc) -> tuple[dict[str, object], set[int]]:
    """YAML frontmatter (``---`` … ``---`` at line 1) and the lines it occupies."""
    lines = doc.lines
    if not lines or lines[0].strip() != "---":
        return {}, set()
    for index in range(1, min(len(lines), 200)):
        if lines[index].strip() in ("---", "..."):
            try:
                data = yaml.safe_load("\n".join(lines[1:index]))
            except yaml.YAMLError:
                return {}, set()
            if not isinstance(data, dict):
                return {}, set()
            return {str(k): v for k, v in data.items()}, set(range(1, index + 2))
    return {}, set()


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if isinstance(v, (str, int, float)) and str(v)]
    return []


def _metadata(doc: ParsedDoc, limit: int = 12) -> list[tuple[int, str, str]]:
    """``Key: value`` lines opening the document (before or just under its title)."""
    out: list[tuple[int, str, str]] = []
    seen_text = False
    for index, line in enumerate(doc.lines[:limit * 2]):
        number = index + 1
        if not line.strip() or doc.in_code[index]:
            continue
        if number in doc.heading_at:
            if seen_text or doc.heading_at[number][0] > 1:
                break
            continue
        match = _META_LINE.match(line)
        if match is None:
            if out:
                break
            seen_text = True
            continue
        out.append((number, match.group("key").strip(), match.group("value").strip()))
        if len(out) >= limit:
            break
    return out


def _humanize(stem: str) -> str:
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:]


def recognise(doc: ParsedDoc, title: str, path: str, word_kind: str,
              keys: dict[str, int], front: dict[str, object]) -> str | None:
    """The structural kind of a document, or None (``keys``: ``heading_keys(doc)``)."""
    statuses = [i for i, line in enumerate(doc.lines[:30]) if _STATUS_LINE.match(line)]
    has_decision = any(k in keys for k in ("decision", "decisions", "decision outcome"))
    record_sections = len(_RECORD_SECTIONS & keys.keys())
    if (has_decision and (record_sections >= 1 or statuses)) or record_sections >= 3:
        return DECISION_RECORD
    if word_kind == "meeting" or _DATE_ONLY.match(title) or _attendance_lines(doc, keys.items()):
        return MEETING
    stem = PurePosixPath(path).name
    named = _CHANGELOG_NAME.search(title) or _CHANGELOG_NAME.search(stem)
    if named and (sum(1 for line in doc.lines if _version_of(line) is not None) >= 3
                  or len(kind_flat.date_starts(doc)) >= 3):
        return CHANGELOG
    if kind_flat.marked_version_lines(doc, _version_of) >= MIN_UNNAMED_RELEASES:
        return CHANGELOG
    meta = _metadata(doc)
    design_sections = len(_DESIGN_SECTIONS & keys.keys())
    if design_sections >= 3 or (len(meta) >= 2 and design_sections >= 2):
        return DESIGN
    if front:
        return NOTE
    return None


def _attendance_lines(doc: ParsedDoc, keys: Iterable[tuple[str, int]]) -> list[int]:
    """Lines naming who attended: an ``Attendees:`` line or an attendance section's lines.

    ``keys`` are heading keys and their lines: a document's, or (a running log) each
    session's, so two sessions' "Attendees" headings both count.
    """
    out: list[int] = []
    for index, line in enumerate(doc.lines):
        if doc.in_code[index]:
            continue
        label = line.split(":", 1)[0].strip(" -*_#") if ":" in line else ""
        if label and _ATTENDANCE.match(label):
            out.append(index + 1)
            if not line.split(":", 1)[1].strip(" *_"):
                # "**Attendees:**" alone on its line: the names are the list under it
                out.extend(kind_meeting.listed_under(doc, index))
    for key, number in keys:
        if _ATTENDANCE.match(key):
            seen = False
            for index in range(number, min(len(doc.lines), number + 20)):
                if index + 1 in doc.heading_at:
                    break
                line = doc.lines[index]
                if not line.strip():
                    continue
                # the names end where something else starts ("Agenda:", prose); a
                # "Observers: …" line after a blank still names people
                label = line.split(":", 1)[0].strip(" -*_#") if ":" in line else ""
                blank_before = index > 0 and not doc.lines[index - 1].strip()
                if seen and blank_before and not (label and len(label.split()) <= 2
                                                  and not _NOT_ATTENDANCE.match(label)):
                    break
                if label and _NOT_ATTENDANCE.match(label):
                    break
                out.append(index + 1)
                seen = True
    return sorted(set(out))


def _names_in(text: str) -> list[str]:
    """People named in one attendance line (``Council: A, B (2nd half), C``)."""
    head, sep, rest = text.partition(":")
    if sep and len(head.split()) <= 3 and not rest.startswith("//"):
        if _ABSENT.match(head.strip(" -*_")):
            return []
        text = rest
    text = re.sub(r"\([^)]*\)", "", strip_markdown(text))
    out = []
    for part in re.split(r",|;|\band\b|\n", text):
        name = collapse(part.strip(" -*_.\t"))
        words = name.split()
        if (1 <= len(words) <= 4 and name[:1].isalpha() and not _URL.search(name)
                and name.lower() not in kind_meeting.NOT_PEOPLE):
            out.append(name)
    return out


#: an outline heading of a plain-text NEWS file: ``* Noteworthy changes in release 1.12``
_OUTLINE_HEADING = re.compile(r"^\*{1,3}\s+(?=\S)")
#: words leading a version in a release heading, said as such: "Noteworthy changes in
#: release 1.12", "Changes in version 4.9", "User-visible changes for version 2.0", "New in
#: version 3" — never a sentence that merely names a version ("Drop Python version 2.7")
_LEAD_TO_VERSION = re.compile(
    r"^(?P<lead>(?:[A-Z][\w'’-]*\s+){0,3}?(?:changes|news|new|release\s+notes)\s+"
    r"(?:in|for|of)\s+(?:release|version)\s+)(?=v?\d+\.\d+)", re.I)


def _version_of(line: str) -> str | None:
    """The version a changelog line opens (``## 24.1.0``, ``Release 2.6.0 Tue …``,
    ``* Noteworthy changes in release 1.12 (2022-04-07) [stable]``)."""
    outline = _OUTLINE_HEADING.match(line)
    if outline:
        # an outline star heads a release only with release wording ("* Noteworthy
        # changes in release …"): a Markdown bullet ("* 1.2.3 support") is an item
        line = line[outline.end():]
        if not _LEAD_TO_VERSION.match(line.strip()):
            return None
    if line[:1] in (" ", "\t", "-", "*") or not line.strip():
        return None
    line = _LEAD_TO_VERSION.sub("Release ", line.strip())
    match = _VERSION_LINE.match(line)
    if match is None:
        return None
    rest = match.group("rest").strip()
    if rest and (len(rest) > 60 or rest.endswith((".", ","))):
        return None
    return match.group("version")


def _clean_item(text: str) -> str:
    text = _URL.sub("", strip_markdown(re.sub(r"^\s*\[[ xX]\]\s+", "", text)))
    return collapse(text).strip(" .:;-—–")


# --------------------------------------------------------------------------- per kind


def shape_document(doc: ParsedDoc, kind: str, title: str, path: str, n: int,
                   keys: dict[str, int]) -> Shape:
    """The document-level concept of a recognised kind and its child units."""
    stem = PurePosixPath(path.replace("\\", "/")).stem
    number_match = _FILE_NUMBER.match(stem)
    number = int(number_match.group(1)) if number_match else None
    if kind == DECISION_RECORD:
        return _decision_record(doc, title, number, number_match, keys, n)
    if kind == MEETING:
        return _meeting(doc, title, path, keys, n)
    if kind == DESIGN:
        return _design(doc, title, number, n)
    if kind == CHANGELOG:
        shape = _changelog(doc, title, n)
        shape.children += kind_flat.product_units(doc, title, path, shape.describe_from)
        return shape
    return _note(doc, title, stem)


def _decision_record(doc: ParsedDoc, title: str, number: int | None,
                     number_match: re.Match[str] | None, keys: dict[str, int],
                     n: int) -> Shape:
    shape = Shape(DECISION_RECORD, cues.DECISION, re.sub(r"^\d+[.:]\s*", "", title) or title)
    if number is not None and number_match is not None:
        written = number_match.group(1)
        shape.aliases += [f"ADR {number}"] + ([f"ADR {written}"] if written != str(number) else [])
    status_text = None
    if "status" in keys:
        for index in range(keys["status"], min(n, keys["status"] + 10)):
            if index + 1 in doc.heading_at:
                break
            if doc.lines[index].strip():
                status_text = doc.lines[index].strip()
                break
    if status_text is None:
        for line in doc.lines[:30]:
            match = _STATUS_LINE.match(line)
            if match:
                status_text = match.group(1)
                break
    if status_text:
        shape.status = map_status(status_text)
        word = re.match(r"[A-Za-z][A-Za-z -]*", strip_markdown(status_text))
        if word:
            shape.tags.append(word.group(0).strip().lower().replace(" ", "-"))
    shape.children.extend(defined_terms(doc, shape.title) + teams(doc, shape.title))
    shape.children.extend(stated_risks(doc, shape.title, n, set())
                          + requirements(doc, shape.title, n))
    for key in ("decision", "decision outcome", "decisions"):
        if key in keys:
            start = keys[key]
            end = start
            while end < n and end + 1 not in doc.heading_at:
                end += 1
            shape.describe_from = (start + 1, end)
            break
    return shape


def _meeting(doc: ParsedDoc, title: str, path: str, keys: dict[str, int], n: int) -> Shape:
    parts = PurePosixPath(path.replace("\\", "/")).parts
    date = _DATE.search(title)
    # "Project X - Steering Committee Meeting, 12 March": the meeting part, full as alias
    meeting_title, specific_aliases = specific_title(title, MEETING)
    aliases: list[str] = list(specific_aliases)
    if _DATE_ONLY.match(title) and date:
        folder = parts[-2] if len(parts) >= 2 else ""
        series = _humanize(folder) if folder and not folder.isdigit() else "Meeting"
        if not re.search(r"\b(meeting|minutes|sync|call|notes)\b", series, re.I):
            series = f"{series} meeting"
        meeting_title = f"{series} {date.group(1)}"
        aliases.append(f"{date.group(1)} {series.lower()}")
    elif date is None and (iso := kind_meeting.iso_date(title)) is not None:
        # "Harbour Board meeting, 4 March 2025" → alias "2025-03-04 harbour board meeting"
        series = collapse(kind_meeting.DATE_RE.sub("", meeting_title)).strip(" ,—–-:")
        if series:
            aliases.append(f"{iso} {series.lower()}")
    sessions = kind_meeting.dated_sections(doc, n)
    if len(sessions) >= 2:
        return _meeting_log(doc, meeting_title, n, sessions)
    attendance = _attendance_lines(doc, keys.items())
    if not attendance and kind_meeting.is_series_index(doc):
        # the index page of a series: its table lists the meetings, it is none of them
        return Shape(MEETING, cues.TOPIC, title)
    shape = Shape(MEETING, cues.MEETING, meeting_title, aliases)
    shape.children.extend(_attendees(doc, attendance, meeting_title))
    shape.children.extend(_outcomes_and_risks(doc, meeting_title, n))
    shape.children.extend(_speakers(doc, n, meeting_title))
    return shape


def _speakers(doc: ParsedDoc, n: int, meeting_title: str) -> list[Unit]:
    """People quoted by full name in the minutes: Stakeholders, like attendees."""
    return [Unit(kind="item", title=name, identifier=None, aliases=(),
                 type_hint=cues.STAKEHOLDER, type_weight=2,
                 body=f"Spoke at {meeting_title}.", start=line, end=line, parent=meeting_title)
            for name, line in kind_meeting.speakers(doc, n)]


def _attendees(doc: ParsedDoc, numbers: Sequence[int], meeting_title: str) -> list[Unit]:
    out: list[Unit] = []
    for number in numbers:
        line = doc.lines[number - 1]
        label = line.split(":", 1)[0].strip(" -*_#") if ":" in line else ""
        text = line.split(":", 1)[1] if label and _ATTENDANCE.match(label) else line
        for name in _names_in(text):
            out.append(Unit(
                kind="item", title=name, identifier=None, aliases=(),
                type_hint=cues.STAKEHOLDER, type_weight=3,
                body=f"Attended {meeting_title}.", start=number, end=number,
                parent=meeting_title,
            ))
    return out


def _meeting_log(doc: ParsedDoc, title: str, n: int,
                 sessions: list[tuple[int, int, str]]) -> Shape:
    """A running notes file: the series (its intro) and one Meeting per dated section."""
    shape = Shape(MEETING, cues.TOPIC, title)
    names: list[tuple[int, int, str]] = []
    # one pass over the file for every session (a per-session scan of the whole file made
    # a long running log quadratic): the attendance lines of the file, with each session's
    # headings keyed as if the session were a document of its own
    starts = [start for start, _end, _heading in sessions]
    keys_of: list[dict[str, int]] = [{} for _ in sessions]
    for number, (_level, text) in sorted(doc.heading_at.items()):
        at = bisect.bisect_left(starts, number) - 1  # the session with start < number
        if at >= 0 and number <= sessions[at][1]:
            keys_of[at].setdefault(cues.heading_key(strip_markdown(text)), number)
    in_sessions = _attendance_lines(doc, [kv for keys in keys_of for kv in keys.items()])
    for start, end, heading in sessions:
        iso = kind_meeting.iso_date(heading)
        session_title = (f"{title} {heading}" if kind_meeting.date_cell(heading) else heading)
        # "2024-03-08 tooling working group notes": the date as an ISO alias
        aliases: tuple[str, ...] = (f"{iso} {title.lower()}",) if iso else ()
        names.append((start, end, session_title))
        shape.children.append(Unit(
            kind="section", title=session_title, identifier=None, aliases=aliases,
            type_hint=cues.MEETING, type_weight=4, body="", start=start, end=end, local=True,
            parent=title,
        ))
        low, high = bisect.bisect_right(in_sessions, start), bisect.bisect_right(in_sessions, end)
        attendance = in_sessions[low:high]
        shape.children.extend(_attendees(doc, attendance, session_title))
    for unit in _outcomes_and_risks(doc, title, n):
        session = next((s for s in names if s[0] < unit.start <= s[1]), None)
        if session is not None:
            unit = replace(unit, parent=session[2],
                           body=unit.body.replace(f"From {title}", f"From {session[2]}", 1))
        shape.children.append(unit)
    return shape


def _outcomes_and_risks(doc: ParsedDoc, parent: str, n: int) -> list[Unit]:
    """A meeting's decisions and actions, then the risks it states outside them."""
    outcomes = _decisions_and_actions(doc, parent, n)
    taken = {line for u in outcomes for line in range(u.start, u.end + 1)}
    return outcomes + stated_risks(doc, parent, n, taken)


def _decisions_and_actions(doc: ParsedDoc, parent: str, n: int) -> list[Unit]:
    """``Decision: …`` / ``**Action items**:`` lines (and the items under them) as units."""
    found: list[tuple[str, str, int, int, str | None]] = []  # type, text, start, end, topic
    heading_type: str | None = None
    heading_end = 0
    for index in range(n):
        number = index + 1
        if doc.in_code[index]:
            continue
        line = doc.lines[index]
        if number in doc.heading_at:
            key = cues.heading_key(strip_markdown(doc.heading_at[number][1]))
            heading_type = cues.container_type(key) if len(key.split()) <= 4 else None
            if heading_type not in (cues.DECISION, cues.ACTION):
                heading_type = None
            heading_end = number
            continue
        item = _LIST_INDENT.match(line)
        if heading_type and item and len(item.group(1)) <= 1 and number > heading_end:
            end = _item_end(doc, index, len(item.group(1)), n)
            found.append((heading_type, item.group(2), number, end, None))
            continue
        # a label sits within the first 40 characters (bullet, "Council: " prefix, bold)
        if not _OUTCOME_WORD.search(line.lstrip()[:48]):
            continue
        for pattern, type_ in ((_DECISION_LINE, cues.DECISION), (_ACTION_LINE, cues.ACTION)):
            match = pattern.match(line)
            if match is None:
                continue
            indent = len(match.group("indent"))
            text = match.group("text").strip()
            topic = _topic_of(doc, index, indent)
            end = (_item_end(doc, index, indent, n) if _LIST_INDENT.match(line)
                   else kind_meeting.paragraph_end(doc, index, n))
            if text and not _LIST_INDENT.match(line):  # a wrapped paragraph is one outcome
                text = " ".join([text, *(doc.lines[i].strip() for i in range(index + 1, end))])
            if text and not text.startswith("**"):
                found.append((type_, text, number, end, topic))
            else:
                for sub in range(index + 1, end):
                    sub_item = _LIST_INDENT.match(doc.lines[sub])
                    if sub_item and len(sub_item.group(1)) > indent:
                        sub_end = _item_end(doc, sub, len(sub_item.group(1)), n)
                        found.append((type_, sub_item.group(2), sub + 1, sub_end, topic))
            break
    # outcomes written without a Decision/Action label: approved proposals, checkboxes, AI:
    taken = {start for _type, _text, start, _end, _topic in found}
    brief: set[int] = set()  # a proposal's body is it and its approval, not the debate
    for text, start, approval, indent in kind_meeting.approved_proposals(doc, n):
        if start not in taken:
            brief.add(start)
            found.append((cues.DECISION, text, start, approval, _topic_of(doc, start - 1, indent)))
            taken.add(start)
    for type_, text, start in kind_meeting.inline_outcomes(doc, n):
        if start not in taken:
            line = doc.lines[start - 1]
            indent = len(line) - len(line.lstrip())
            end = start if _LIST_INDENT.match(line) else kind_meeting.paragraph_end(
                doc, start - 1, n)
            text = " ".join([text, *(doc.lines[i].strip() for i in range(start, end))])
            found.append((type_, text, start, end, _topic_of(doc, start - 1, indent)))
            taken.add(start)
    for text, start, indent in kind_meeting.plain_actions(doc, n):
        if start not in taken:
            found.append((cues.ACTION, text, start, _item_end(doc, start - 1, indent, n),
                          _topic_of(doc, start - 1, indent)))
    found.sort(key=lambda f: (f[2], f[0]))
    per_topic: dict[str | None, int] = {}
    for _type, _text, _s, _e, topic in found:
        per_topic[topic] = per_topic.get(topic, 0) + 1
    units: list[Unit] = []
    for type_, text, start, end, topic in found:
        title = truncate(kind_meeting.outcome_title(_clean_item(text)), 120)
        if len(title.split()) < 2 or title.endswith("?"):
            continue  # a question raised is no outcome
        # the agenda topic an outcome settles names it, when it settles only that one
        aliases = ((topic,) if topic and per_topic[topic] == 1 and topic != title
                   and len(topic.split()) <= 8 else ())
        lines = [doc.lines[i - 1].strip() for i in range(start, end + 1)
                 if start not in brief or i in (start, end)]
        body = "\n".join(["- " + re.sub(r"^[-*+]\s+", "", lines[0]), *lines[1:]])
        where = f"From {parent}" + (f", on “{truncate(topic, 160)}”" if topic else "")
        units.append(Unit(
            kind="item", title=title, identifier=None, aliases=aliases, type_hint=type_,
            type_weight=4, body=f"{where}:\n\n{body}", start=start, end=end,
            description=truncate(title, 200), local=True, parent=parent,
        ))
    return units


def _item_end(doc: ParsedDoc, index: int, indent: int, n: int) -> int:
    """Last line of the list item at ``index`` (its more-indented continuation lines)."""
    return item_end(doc, index, indent, n)


def _topic_of(doc: ParsedDoc, index: int, indent: int) -> str | None:
    """The agenda topic a labelled line sits under: its parent list item, else its heading."""
    for sub in range(index - 1, max(-1, index - 80), -1):
        line = doc.lines[sub]
        if sub + 1 in doc.heading_at:
            return kind_meeting.heading_topic(strip_markdown(doc.heading_at[sub + 1][1]))
        item = _LIST_INDENT.match(line)
        if item and len(item.group(1)) < indent:
            topic = _clean_item(re.sub(r"\([^)]*\)\s*\??$", "", item.group(2)))
            return topic or None
    return None


def _design(doc: ParsedDoc, title: str, number: int | None, n: int) -> Shape:
    shape = Shape(DESIGN, cues.DECISION, title)
    for line_no, key, value in _metadata(doc):
        low = key.lower()
        plain = strip_markdown(value).strip()
        if low.startswith("status"):
            shape.status = map_status(plain)
            continue
        if re.match(r"authors?|owners?|by$|written by|champions?", low):
            for name in _names_in(re.sub(r"\([^)]*\)|<[^>]*>|@\S+", "", plain)):
                shape.children.append(Unit(
                    kind="item", title=name, identifier=None, aliases=(),
                    type_hint=cues.STAKEHOLDER, type_weight=3,
                    body=f"Author of {title}.", start=line_no, end=line_no, parent=title,
                    description=f"Author of {title}.",
                ))
            continue
        code = _CODE_NAME.match(plain)
        if code and ("name" in low or "feature" in low or "id" in low.split()):
            shape.aliases.append(code.group(1))
        for ref in _ISSUE_REF.findall(value):
            if re.search(r"\b(rfc|pr|proposal|pull)\b", low):
                shape.aliases.append(ref)
    if number is not None and re.search(r"\brfcs?\b", " ".join([*shape.aliases, title]), re.I):
        shape.aliases.append(f"RFC {number}")
    shape.children.extend(defined_terms(doc, title) + teams(doc, title))
    return shape


def _changelog(doc: ParsedDoc, title: str, n: int) -> Shape:
    shape = Shape(CHANGELOG, cues.TOPIC, title)
    starts: list[tuple[int, str, str]] = []
    for index, line in enumerate(doc.lines):
        if doc.in_code[index]:
            continue
        version = _version_of(line)
        if version is None and _UNRELEASED.match(line):
            version = ""  # changes not released yet: a release of their own, unnumbered
        if version is not None:
            heading = _LEAD_TO_VERSION.sub(
                "Release ", _OUTLINE_HEADING.sub("", re.sub(r"^#{1,6}\s+", "", line.strip())))
            heading = strip_markdown(heading)
            heading = collapse(re.sub(r"^\[([^\]]*)\]", r"\1", heading))  # "[2.1.0] - date"
            if version and heading.startswith(version) and heading != version:
                heading = f"Release {heading}"
            starts.append((index + 1, version, heading))
    if len(starts) < 3:  # a log keyed by dates (GNU ChangeLog) rather than versions
        dated = kind_flat.date_starts(doc)
        starts = dated if len(dated) >= 3 else starts
    for position, (start, version, heading) in enumerate(starts):
        end = starts[position + 1][0] - 1 if position + 1 < len(starts) else n
        while end > start and not doc.lines[end - 1].strip():
            end -= 1
        release_title = heading if not re.fullmatch(_VERSION, heading, re.I) else (
            f"Release {version}")
        body = render_lines(doc, range(start + 1, end + 1), 1)
        shape.children.append(Unit(
            kind="section", title=truncate(release_title, 100), identifier=None,
            aliases=(version,) if version else (), type_hint=cues.RELEASE, type_weight=4, body=body,
            start=start, end=end, local=True,
        ))
    shape.describe_from = (1, starts[0][0] - 1) if starts else None
    shape.description = kind_flat.log_description(shape.children)
    return shape


def _note(doc: ParsedDoc, title: str, stem: str) -> Shape:
    front, hidden = frontmatter(doc)
    shape = Shape(NOTE, cues.TOPIC, str(front.get("title") or title), hidden=hidden)
    shape.aliases += [a for a in _strings(front.get("aliases") or front.get("alias"))
                      if a.lower() != shape.title.lower()]
    shape.tags += [t.lstrip("#") for t in _strings(front.get("tags") or front.get("tag"))]
    status = front.get("status")
    if isinstance(status, str):
        shape.status = map_status(status)
    # its type from what the note says about itself (kind_notes)
    shape.type = note_type(doc, str(front.get("title") or stem), shape.aliases, shape.tags,
                           front, hidden, stem)
    return shape


def render_parts(doc: ParsedDoc, numbers: Sequence[int], base_level: int,
                 split_level: int, max_lines: int) -> list[tuple[int, int, str]]:
    """The body of ``numbers`` cut at headings of ``split_level`` or higher: (start, end, text).

    A part longer than ``max_lines`` is cut again before its top-level list items and
    paragraphs, so each footnote names the passage carrying a claim, never the whole
    document.
    """
    groups: list[list[int]] = []
    for number in numbers:
        heading = doc.heading_at.get(number)
        new_group = not groups or (
            heading is not None and heading[0] <= split_level and groups[-1])
        if not new_group and len(groups[-1]) >= max_lines and not doc.in_code[number - 1]:
            line = doc.lines[number - 1]
            previous = doc.lines[number - 2] if number >= 2 else ""
            new_group = bool(line.strip()) and (
                bool(_PART_START.match(line))
                or not previous.strip() or heading is not None)
        if new_group:
            groups.append([])
        groups[-1].append(number)
    out: list[tuple[int, int, str]] = []
    for group in groups:
        text = render_lines(doc, group, base_level)
        if text.strip():
            content = [x for x in group if doc.lines[x - 1].strip()]
            out.append((content[0], content[-1], text))
    return out


def tags_in(lines: Iterable[str]) -> list[str]:
    """Inline ``#tags`` of a note (not headings, not issue numbers)."""
    out: set[str] = set()
    for line in lines:
        if line.lstrip().startswith("#"):
            continue
        out.update(re.findall(r"(?<![\w&/#])#([A-Za-z][\w/-]{1,40})", line))
    return sorted(out)
