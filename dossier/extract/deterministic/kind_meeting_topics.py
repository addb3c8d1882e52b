"""Recurring meeting topics: a subject a series of meetings keeps coming back to.

Minutes carry one subject as agenda items over many meetings, each time worded a little
differently ("Budget review", "Update on the budget", "Budget (Treasurer, 10 min)").  No
single meeting names it as a concept, so without this step the subject is nowhere.  Here,
over all meetings at once (so it runs in ``assemble``, never in the cached per-source
pass), the agenda items and section headings of every meeting are compared:

- an item's **wording** is its text without owner/time annotations (parentheses, a
  trailing bold or italic note, "— Name"), a leading bold label and numbering; a short
  line grouping items ("Old business") gives its items instead, and an attendance
  section (mostly people's names) is none;
- **framing words** are learned from the corpus, never listed: a word found in at least
  ``MIN_FRAMING`` (or ``FRAMING_SHARE`` of all) wordings that otherwise share no word
  ("Librarians update", "Edition status update") frames items rather than naming a
  subject; a subject's own words recur with each other;
- a **core** is a run of words shared by items of at least ``MIN_MEETINGS`` meetings,
  neither end a framing word, to which an item adds fewer than twice as many words;
- a core met in more than ``GENERIC_SHARE`` of the meetings ("Announcements", "Any other
  business") is the series' routine, never a topic; nor is a one-word core that
  meetings qualify differently ("Old business", "New business") or a person's name.

Each recurring core becomes one Topic titled by its most common wording, the others as
aliases, with one unit per meeting whose parts cite each mention's own lines (the item and
the discussion nested under it), so a footnote points at where it came up.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from dossier.extract.deterministic import cues, kind_meeting
from dossier.extract.deterministic.markdown import LIST_ITEM, SPEAKER, ParsedDoc, item_end, parse
from dossier.extract.model import SourceExtraction, Unit
from dossier.extract.text import collapse, entity_key, singular, strip_markdown

#: A subject is a topic when items of this many meetings raise it ...
MIN_MEETINGS = 3
#: ... and a series needs this many meetings before routine and subject can be told apart.
MIN_SERIES = 4
#: A core met in more than this share of the meetings is routine (check-in, announcements):
#: raised at almost every meeting, about nothing in particular.
GENERIC_SHARE = 0.75
#: A word in this many wordings that share nothing else frames items ("X update") ...
MIN_FRAMING = 3
#: ... or in this share of all distinct wordings, in a large series (a subject's word
#: meets more unrelated items as the series grows; a framing word meets far more).
FRAMING_SHARE = 0.02
#: A section whose words are mostly people's names is a roster (attendance), no subject.
ROSTER_SHARE = 0.5
MAX_ROSTER_LINES = 30
#: Longer items are sentences, not agenda items.
MAX_ITEM_WORDS = 12

Placed = tuple[SourceExtraction, Unit]

#: "(*Owner*, **Time**: 5 min)", "(i.e., …)": an annotation, not part of the subject.
_ANNOTATION = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\)(?=\s|$|[.,;:?!])")
#: a trailing bold/italic note ("Budget **Treasurer, 10 min**")
_TRAILING_MARK = re.compile(r"(?<=\S)\s+(?:\*\*|__|\*|_)[^*_]+(?:\*\*|__|\*|_)\s*$")
#: "Budget — Treasurer, 10 min": a dash-separated owner or time note
_TRAILING_NOTE = re.compile(r"\s+[—–-]\s+(?:[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,2}"
                            r"|.*\b\d+\s*(?:min(?:ute)?s?|h|hours?)\b.*)$")
#: "**Decide**: X", "[NEW] X": a bold label or a bracketed tag before the subject
_LEAD_LABEL = re.compile(r"^\s*(?:(?:\*\*|__)[^*_]{1,20}(?:\*\*|__)\s*:?\s*|\[[A-Z]{2,10}\]\s+)")
_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*[.)]?|[A-Za-z][.)])\s+")
#: "(s)elections", "member(s)": an optional letter group inside a word
_OPTIONAL = re.compile(r"\((\w{1,3})-?\)(?=\w)|(?<=\w)\((\w{1,3})\)")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Mention:
    """One agenda item or heading of one meeting: where it is and how it is worded."""

    ext: SourceExtraction
    meeting: str  # the meeting's title (its unit's title)
    meeting_key: tuple[str, int]  # (source id, first line of the meeting)
    start: int
    end: int
    wording: str
    tokens: tuple[str, ...]


@lru_cache(maxsize=8192)
def wording(text: str) -> str:
    """An item's subject as written: annotations, marks, numbering and links dropped."""
    text = _NUMBERING.sub("", text)
    text = _LEAD_LABEL.sub("", text)
    text = _ANNOTATION.sub("", text)
    text = _TRAILING_MARK.sub("", text)
    text = collapse(strip_markdown(text.replace("~~", "")))
    text = _TRAILING_NOTE.sub("", text)
    return text.strip(" :?!.,;—–-")


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[str, ...]:
    """The folded lower-case words of a wording."""
    plain = _OPTIONAL.sub("", text.lower())
    return tuple(singular(w) for w in _WORD.findall(plain))


def _item_end(doc: ParsedDoc, index: int, indent: int) -> int:
    """Last line of the list item at ``index``: its nested lines (the discussion under an
    agenda item, blank lines and code included), up to a sibling or heading."""
    return item_end(doc, index, indent, through_blank_lines=True, code="inside")


def _section_end(doc: ParsedDoc, headings: Sequence[int], line: int, level: int) -> int:
    """Last non-blank line of the section a heading at ``line`` opens.

    ``headings`` is ``doc.heading_at``'s line numbers sorted once per document: the scan
    starts after ``line`` instead of sorting every heading for every heading.
    """
    end = len(doc.lines)
    for other in headings[bisect_right(headings, line):]:
        if doc.heading_at[other][0] <= level:
            end = other - 1
            break
    while end > line and not doc.lines[end - 1].strip():
        end -= 1
    return end


def _children(doc: ParsedDoc, index: int, indent: int, end: int) -> list[int]:
    """Indexes of the list items one level under the item at ``index``."""
    nested = [(sub, len(m.group(1))) for sub in range(index + 1, end)
              if not doc.in_code[sub] and (m := LIST_ITEM.match(doc.lines[sub])) is not None
              and len(m.group(1)) > indent]
    level = min((lead for _, lead in nested), default=0)
    return [sub for sub, lead in nested if lead == level]


def _agenda_like(text: str) -> bool:
    """A short line that could be an agenda item (not a sentence, a link or a label)."""
    written = wording(text)
    return (_is_subject(written) and len(written.split()) <= 8
            and not text.rstrip().endswith(".") and "://" not in written)


def _groups(text: str, children: Sequence[str]) -> bool:
    """Is this line a group of agenda items ("Old business", "Agenda items")?

    It carries no owner/time annotation itself and the lines under it read as agenda
    items: one that does carry one ("Updates from the committees" over "Budget (Ana, 5
    min)"), or, under a line of few words, two or more short subjects.  The items are
    the subjects, the group is the series' layout.
    """
    if _ANNOTATION.search(text):
        return False
    items = [c for c in children if _agenda_like(c) or _LEAD_LABEL.match(c)]
    if any(_ANNOTATION.search(c) for c in items):
        return True
    return len(wording(text).split()) <= 3 and len(items) >= 2


def _item_text(doc: ParsedDoc, index: int) -> tuple[int, str] | None:
    """(indent, text) of the list item at ``index``, or None for any other line."""
    match = None if doc.in_code[index] else LIST_ITEM.match(doc.lines[index])
    return (len(match.group(1)), match.group(2)) if match is not None else None


def _candidates(doc: ParsedDoc) -> list[tuple[int, int, str]]:
    """(first line, last line, text) of every agenda item and sub-heading of a document.

    A group of items ("Old business", a heading over the agenda) gives its items instead.
    """
    out: list[tuple[int, int, str]] = []
    headings = sorted(doc.heading_at)
    for index in range(len(doc.lines)):
        number = index + 1
        if doc.in_code[index]:
            continue
        if number in doc.heading_at:
            level, text = doc.heading_at[number]
            end = _section_end(doc, headings, number, level)
            inside: list[str] = []
            for sub in range(number, end):
                item = _item_text(doc, sub)
                if sub + 1 in doc.heading_at:
                    inside.append(doc.heading_at[sub + 1][1])
                elif item is not None and item[0] <= 1:
                    inside.append(item[1])
            if level > 1 and not _groups(text, inside):
                out.append((number, end, text))
            continue
        item = _item_text(doc, index)
        if item is None or item[0] > 1:
            continue
        indent, text = item
        end = _item_end(doc, index, indent)
        children = [(sub, found) for sub in _children(doc, index, indent, end)
                    if (found := _item_text(doc, sub)) is not None]
        if not _groups(text, [child[1] for _, child in children]):
            out.append((number, end, text))
            continue
        for sub, (lead, child_text) in children:
            out.append((sub + 1, _item_end(doc, sub, lead), child_text))
    return out


def _collection(key: str) -> bool:
    """A heading that collects a kind's items ("Action items", "Decisions", "Risks")."""
    return (cues.container_type(key) is not None and len(key.split()) <= 2
            and key.endswith("s"))


@lru_cache(maxsize=8192)
def _is_subject(text: str) -> bool:
    """Could this wording name a subject (not a section label, a date or a sentence)?"""
    key = cues.heading_key(text)
    words = text.split()
    return bool(key) and 1 <= len(words) <= MAX_ITEM_WORDS and not (
        cues.is_boilerplate(text) or cues.is_generic(text)
        or _collection(key) or kind_meeting.DATE_RE.search(text)
        or SPEAKER.match(text))


def people_words(units: Sequence[Placed]) -> frozenset[str]:
    """The words of the people's names the meetings give (attendance, speakers)."""
    return frozenset(w for _, u in units if u.type_hint == cues.STAKEHOLDER
                     for w in tokens(u.title))


def _roster(doc: ParsedDoc, start: int, end: int, people: frozenset[str]) -> bool:
    """Is the body of this item a list of people (an attendance section)?"""
    if end - start > MAX_ROSTER_LINES:
        return False  # a roster is short; the minutes are not one
    words = [w for line in doc.lines[start:end] for w in tokens(strip_markdown(line))]
    return bool(words) and sum(1 for w in words if w in people) >= ROSTER_SHARE * len(words)


def _meeting_docs(units: Sequence[Placed]
                  ) -> list[tuple[SourceExtraction, ParsedDoc, list[Unit]]]:
    """Each source holding meetings, parsed, with its meeting units (one, or a log's)."""
    meetings: dict[str, list[Unit]] = {}
    exts: dict[str, SourceExtraction] = {}
    for ext, unit in units:
        if unit.type_hint == cues.MEETING and unit.kind in ("document", "section"):
            meetings.setdefault(ext.source_id, []).append(unit)
            exts[ext.source_id] = ext
    return [(exts[s], parse(exts[s].text), sorted(meetings[s], key=lambda u: (u.start, u.end)))
            for s in sorted(meetings)]


class _Holders:
    """The meeting a line belongs to (a log's dated section, or the one meeting).

    ``spans`` are sorted by (start, end); the holder of a line is the first span that
    starts at or before it and ends at or after it.  The running maximum of the ends
    rises exactly at such spans, so two bisections find it: a long running log costs
    a logarithm per line, not a scan of every session.
    """

    def __init__(self, spans: Sequence[Unit]) -> None:
        self.spans = spans
        self.starts = [u.start for u in spans]
        self.reach: list[int] = []
        for unit in spans:
            self.reach.append(max(unit.end, self.reach[-1]) if self.reach else unit.end)

    def at(self, line: int) -> Unit | None:
        started = bisect_right(self.starts, line)
        first = bisect_left(self.reach, line, 0, started)
        found = self.spans[first] if first < started else None
        return self.spans[0] if found is None and len(self.spans) == 1 else found


def mentions(units: Sequence[Placed]) -> list[Mention]:
    """Every agenda item and heading of every meeting, with the meeting it belongs to."""
    people = people_words(units)
    out: list[Mention] = []
    for ext, doc, spans in _meeting_docs(units):
        holders = _Holders(spans)
        for start, end, text in _candidates(doc):
            holder = holders.at(start)
            if holder is None:
                continue
            written = wording(text)
            if not _is_subject(written) or _roster(doc, start, end, people):
                continue
            found = tokens(written)
            if found:
                out.append(Mention(ext, holder.title, (ext.source_id, holder.start), start,
                                   end, written, found))
    return out


def framing_words(found: Sequence[Mention]) -> frozenset[str]:
    """Words that frame items rather than name subjects, learned from the corpus.

    A word frames items when it occurs in ``MIN_FRAMING`` wordings that otherwise share
    no word ("Librarians update", "Edition status update", "Update on the budget"): a
    subject's own words recur only with each other ("Budget review", "Budget update").
    """
    distinct = sorted({m.tokens for m in found})
    holders: dict[str, list[tuple[str, ...]]] = {}
    for words in distinct:
        for word in sorted(set(words)):
            holders.setdefault(word, []).append(words)
    need = max(MIN_FRAMING, math.ceil(FRAMING_SHARE * len(distinct)))
    out: set[str] = set()
    for word, wordings in holders.items():
        used: set[str] = set()
        apart = 0
        for words in wordings:
            rest = set(words) - {word}
            if rest and not rest & used:
                used |= rest
                apart += 1
        if apart >= need:
            out.add(word)
    return frozenset(out)


def _cores(words: tuple[str, ...], framing: frozenset[str]) -> set[tuple[str, ...]]:
    """Runs of words neither of whose ends frames the item."""
    out: set[tuple[str, ...]] = set()
    for i, first in enumerate(words):
        if first in framing:
            continue
        for j in range(i, len(words)):
            if words[j] not in framing:
                out.add(words[i:j + 1])
    return out


def _raises(mention: Mention, core: tuple[str, ...], framing: frozenset[str]) -> bool:
    """Does ``mention`` name ``core`` as its subject (adding few words of its own)?"""
    words = mention.tokens
    n = len(core)
    if not any(words[i:i + n] == core for i in range(len(words) - n + 1)):
        return False
    extra = [w for w in words if w not in core and w not in framing]
    return len(extra) < 2 * n  # the subject is over a third of what the item says


def _modified(core: tuple[str, ...], found: Sequence[Mention]) -> bool:
    """A one-word core that meetings qualify in different ways ("Old business", "New
    business"; "Edition status", "Trademark status") names a kind of item, not a subject."""
    if len(core) != 1:
        return False
    before = {m.tokens[i - 1] for m in found for i, w in enumerate(m.tokens)
              if w == core[0] and i > 0}
    return len(before) >= 2


@dataclass(frozen=True)
class Topic:
    title: str
    aliases: tuple[str, ...]
    mentions: tuple[Mention, ...]
    core: tuple[str, ...]  # the subject's words, as its mentions write them together


def recurring_topics(found: Sequence[Mention], people: frozenset[str] = frozenset()
                     ) -> list[Topic]:
    """The subjects raised in ``MIN_MEETINGS`` or more meetings, routine left out.

    ``people`` are the words of the names the minutes' attendance gives: "Mark taking
    notes" at every meeting is a role call, not a subject.
    """
    total = len({m.meeting_key for m in found})
    if total < MIN_SERIES:
        return []
    framing = framing_words(found)
    # which mentions hold each run of words (only those can raise it)
    holders: dict[tuple[str, ...], list[int]] = {}
    for index, mention in enumerate(found):
        for core in _cores(mention.tokens, framing):
            if any(len(w) >= 3 and not w.isdigit() for w in core) and not set(core) & people:
                holders.setdefault(core, []).append(index)
    raising = {c: [i for i in held if _raises(found[i], c, framing)]
               for c, held in holders.items()
               if len({found[i].meeting_key for i in held}) >= MIN_MEETINGS}
    reach = {c: len({found[i].meeting_key for i in held}) for c, held in raising.items()}
    order = sorted((c for c in raising if reach[c] >= MIN_MEETINGS),
                   key=lambda c: (-reach[c], -len(c), c))
    taken: set[int] = set()
    topics: list[Topic] = []
    for core in order:
        mine = [i for i in raising[core] if i not in taken]
        meetings = {found[i].meeting_key for i in mine}
        if len(meetings) < MIN_MEETINGS or _modified(core, [found[i] for i in mine]):
            continue
        taken.update(mine)
        if len(meetings) > GENERIC_SHARE * total:
            continue  # the series' routine: raised at most meetings, about nothing in particular
        topics.append(_topic([found[i] for i in mine], framing, core))
    return sorted(topics, key=lambda t: t.title.lower())


def _extend(core: tuple[str, ...], found: Sequence[Mention]) -> tuple[str, ...]:
    """The core grown by the words most of its mentions write next to it ("project" in
    "Project Director election" when every wording has it): the subject's full form."""
    need = math.ceil(2 * len(found) / 3)

    def at(mention: Mention, phrase: tuple[str, ...]) -> int:
        n = len(phrase)
        words = mention.tokens
        return next((i for i in range(len(words) - n + 1) if words[i:i + n] == phrase), -1)

    while True:
        grown = False
        for side in (-1, 1):
            votes: Counter[str] = Counter()
            for mention in found:
                i = at(mention, core)
                j = i - 1 if side < 0 else i + len(core)
                if i >= 0 and 0 <= j < len(mention.tokens):
                    votes[mention.tokens[j]] += 1
            if votes:
                word, count = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))
                if count >= need:
                    core = (word, *core) if side < 0 else (*core, word)
                    grown = True
        if not grown:
            return core


def _trim(mention: Mention, framing: frozenset[str], core: tuple[str, ...]) -> str:
    """The wording without the framing words at its edges ("Update on X group" → "X")."""
    words = mention.wording.split()
    keep = set(core)
    while len(words) > 1 and set(tokens(words[0])) <= framing - keep:
        words = words[1:]
    while len(words) > 1 and set(tokens(words[-1])) <= framing - keep:
        words = words[:-1]
    return " ".join(words)


def _topic(mentions_: list[Mention], framing: frozenset[str], core: tuple[str, ...]) -> Topic:
    core = _extend(core, mentions_)
    forms: dict[tuple[str, ...], set[tuple[str, int]]] = {}
    written: dict[tuple[str, ...], str] = {}
    for mention in mentions_:
        trimmed = _trim(mention, framing, core)
        key = tokens(trimmed)
        forms.setdefault(key, set()).add(mention.meeting_key)
        written.setdefault(key, trimmed)
    def whole(key: tuple[str, ...]) -> bool:  # writes the subject in full
        return any(key[i:i + len(core)] == core for i in range(len(key) - len(core) + 1))

    # the wording most meetings use; among equals, one writing the subject in full and
    # adding the least to it
    best = min(forms, key=lambda k: (-len(forms[k]), not whole(k), len(k), k))
    title = written[best]
    title = title[:1].upper() + title[1:]
    aliases = sorted({m.wording for m in mentions_} | set(written.values()),
                     key=lambda a: (a.lower(), a))
    return Topic(title, tuple(a for a in aliases if a.lower() != title.lower()),
                 tuple(mentions_), core)


def _excerpt(lines_of: dict[str, list[str]], ext: SourceExtraction, start: int, end: int
             ) -> str:
    """Lines ``start``–``end`` of the source, dedented; ``lines_of`` keeps each source
    split once, however many of its items are cited."""
    if ext.source_id not in lines_of:
        lines_of[ext.source_id] = ext.text.split("\n")
    lines = lines_of[ext.source_id][start - 1:end]
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return "\n".join(x[indent:] for x in lines).strip()


def with_recurring_topics(units: Sequence[Placed]) -> list[Placed]:
    """``units`` plus one Topic unit per meeting for each recurring subject, each meeting
    naming the topics it raised (a line citing the item), so the two link both ways."""
    out: list[Placed] = list(units)
    # names other units already carry (an outcome aliased by its agenda item): the topic
    # keeps its own, so a decision is never merged into the subject it settles
    taken = {entity_key(name) for _, u in units for name in (u.title, *u.aliases)}
    raised: dict[tuple[str, int], list[tuple[int, str]]] = {}
    lines_of: dict[str, list[str]] = {}
    for found in recurring_topics(mentions(units), people_words(units)):
        names = [n for n in (found.title, *found.aliases) if entity_key(n) not in taken]
        if not names:
            continue
        topic = Topic(names[0], tuple(names[1:]), found.mentions, found.core)
        meetings = sorted({m.meeting_key for m in topic.mentions})
        first = min(topic.mentions, key=_held).meeting
        last = max(topic.mentions, key=_held).meeting
        description = (f"A subject raised at {len(meetings)} meetings, from {first} to "
                       f"{last}.")
        by_meeting: dict[tuple[str, int], list[Mention]] = {}
        for mention in topic.mentions:
            by_meeting.setdefault(mention.meeting_key, []).append(mention)
        for key in meetings:
            here = _outermost(by_meeting[key])
            parts = tuple((m.start, m.end,
                           f"At {m.meeting}:\n\n{_excerpt(lines_of, m.ext, m.start, m.end)}")
                          for m in here)
            out.append((here[0].ext, Unit(
                kind="item", title=topic.title, identifier=None, aliases=topic.aliases,
                type_hint=cues.TOPIC, type_weight=6, body="", start=here[0].start,
                end=max(m.end for m in here), description=description, parts=parts,
                parent=here[0].meeting,
            )))
            raised.setdefault(key, []).append((here[0].start, topic.title))
    return [(ext, _naming_topics(unit, raised.get((ext.source_id, unit.start), [])))
            if unit.type_hint == cues.MEETING and unit.kind in ("document", "section")
            else (ext, unit) for ext, unit in out]


def _held(mention: Mention) -> tuple[bool, str, tuple[str, int]]:
    """When a mention's meeting was held, for "from … to …": the date its title gives,
    else (undated, after the dated ones) its place in the corpus.  File names order
    nothing: "minutes-march" sorts before "minutes-may" and after "minutes-april"."""
    date = kind_meeting.iso_date(mention.meeting)
    return date is None, date or "", mention.meeting_key


def _outermost(found: Iterable[Mention]) -> list[Mention]:
    """Mentions in line order, one inside another's lines (an item under its heading) left
    out: each passage is cited once."""
    out: list[Mention] = []
    for mention in sorted(found, key=lambda m: (m.start, -m.end)):
        if not out or mention.start > max(m.end for m in out):
            out.append(mention)
    return out


def _naming_topics(meeting: Unit, topics: list[tuple[int, str]]) -> Unit:
    """The meeting unit with a part per recurring topic it raised, citing the item's line."""
    if not topics:
        return meeting
    base = list(meeting.parts) or (
        [(meeting.start, meeting.end, meeting.body)] if meeting.body.strip() else [])
    extra = [(line, line, f"Recurring topic: {title}.") for line, title in sorted(topics)]
    parts = base + extra  # after the minutes, as their index of subjects
    return replace(meeting, body="", parts=tuple(parts),
                   start=min(meeting.start, min(p[0] for p in parts)),
                   end=max(meeting.end, max(p[1] for p in parts)))
