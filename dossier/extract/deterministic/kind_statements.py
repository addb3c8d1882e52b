"""Risks and requirements a decision record or minutes state in prose, without a label.

A decision record's Consequences rarely say "Risk:"; they say "this is an acceptable
risk", "X is a single point of failure", "the team is not sustainable at two people".
Minutes do the same in a remark.  And a record that adopts RFC 2119 wording states its
requirements as sentences with an upper-case ``MUST`` / ``SHALL``.  Each such paragraph
or list item is a concept of its own citing its own lines (a Risk, a Requirement), child
of its document, so the knowledge is typed and findable instead of buried in the record.

Only the *form* of the statement is relied on (risk vocabulary with its negations
excluded, upper-case normative keywords used as verbs), never one corpus's words.
"""

from __future__ import annotations

import re

from dossier.extract.deterministic import cues
from dossier.extract.deterministic.markdown import (
    LIST_PREFIX,
    SPEAKER_PREFIX,
    ParsedDoc,
    item_end,
)
from dossier.extract.model import Unit
from dossier.extract.text import (
    capitalize_first,
    collapse,
    first_sentence,
    strip_markdown,
    truncate,
)

#: "Name: remark" in minutes: the remark is the statement.
_SPEAKER = re.compile(rf"^{SPEAKER_PREFIX}(?=\S)")

#: Nouns that name a risk.
_NOUN = r"(?:risks?|dangers?|threats?|exposures?)"
#: Words after "risk" that make it a modifier ("a risk register"), not the noun.
_NOT_NOUN = (r"(?!\s+(?:register|log|matrix|assessment|owner|score|level|rating|profile"
             r"|appetite|management|review)\b)")
#: How a risk is stated, by grammatical form, never by one corpus's wording:
#: the noun as subject ("the main risk is …"), as complement ("… is a risk", "there is a
#: real danger that …", "poses a threat"), "risk" as a verb ("we risk losing …", "the change
#: risks breaking …"), and general phrases of the trade ("single point of failure", "bus
#: factor", "at risk", "not sustainable").  A denied risk is none (``_RISK_DENIED`` before
#: the phrase, ``_DENIED_INSIDE`` within it).
_RISK_PHRASE = re.compile(
    r"\bsingle points? of failure\b"
    r"|\b(?:not|isn't|aren't|never|no longer)\s+(?:a\s+|an\s+|very\s+|really\s+)?sustainable\b"
    r"|\bunsustainable\b"
    r"|\bbus factor\b"
    r"|\b(?:at risk|in danger)\b"
    rf"|\b{_NOUN}\s+(?:here\s+)?(?:is|are|was|were|remains?|(?:would|will|may|might)\s+be)\b"
    r"(?!\s+(?:low|lower|minimal|negligible|small|limited|none|nil|zero|gone|mitigated)\b)"
    r"|\b(?:is|are|be|been|was|were|seems?\s+like|becomes?|remains?|poses?|presents?"
    r"|carr(?:y|ies)|introduces?|creates?)\s+"
    rf"(?:\w+\s+){{0,2}}?(?:an?|the)\s+(?:\w+\s+){{0,2}}?{_NOUN}\b{_NOT_NOUN}"
    r"|\b(?:we|they|you|i|he|she|it|who|which|would|could|might|may|will|to)\s+risks?\b"
    r"(?!\s+(?:is|are|was|were|of)\b)"
    r"|\b[a-z]+\s+risks\s+(?!including\b)\w+ing\b",
    re.I,
)
#: A denial just before the phrase ("no single point of failure", "lowers the risk of").
_RISK_DENIED = re.compile(
    r"\b(?:no|not|without|avoids?|avoiding|reduc\w*|mitigat\w*|lower\w*|minimi\w*|eliminat\w*"
    r"|remov\w*|less|limits?|nobody|nothing|none|never|hardly|barely|scarcely|neither|nor)"
    r"\s+(?:\w+\s+){0,3}$",
    re.I,
)
#: A denial inside the phrase ("is not a risk", "is hardly a danger", "isn't a threat").
_DENIED_INSIDE = re.compile(
    r"\b(?:no|not|never|hardly|barely|scarcely|nobody|nothing|none)\b|n't\b", re.I)
#: An upper-case normative keyword used as a verb ("MUST be", "SHALL NOT use"), not the
#: keywords listed ("MUST, MUST NOT and MAY") when a record introduces them.
_NORMATIVE = re.compile(r"\b(?:MUST|SHALL)(?:\s+NOT)?\s+(?!and\b|or\b|nor\b)[a-z]")
_KEYWORD_INTRO = re.compile(r"\b(?:RFC\s*2119|BCP\s*14|RFC\s*8174)\b", re.I)


def _block(doc: ParsedDoc, index: int, n: int) -> tuple[int, int]:
    """1-based (first, last) line of the paragraph or list item holding line ``index``."""
    start = index
    while start > 0 and not LIST_PREFIX.match(doc.lines[start]):
        above = start - 1
        if (not doc.lines[above].strip() or doc.in_code[above] or (above + 1) in doc.heading_at):
            break
        start = above
    item = LIST_PREFIX.match(doc.lines[start])
    if item is not None:  # one statement: a blank or code line ends it
        return start + 1, item_end(doc, start, len(item.group(1)), n, code="ends")
    end = start + 1
    for sub in range(start + 1, n):
        line = doc.lines[sub]
        if not line.strip() or doc.in_code[sub] or (sub + 1) in doc.heading_at:
            break
        if LIST_PREFIX.match(line):
            break
        end = sub + 1
    return start + 1, end


def _text(doc: ParsedDoc, start: int, end: int) -> str:
    lines = [doc.lines[i - 1].strip() for i in range(start, end + 1)]
    lines[0] = LIST_PREFIX.sub("", lines[0])
    return collapse(strip_markdown(" ".join(lines)))


def _unit(doc: ParsedDoc, start: int, end: int, type_: str, title: str,
          parent: str) -> Unit:
    body_lines = [doc.lines[i - 1].strip() for i in range(start, end + 1)]
    if LIST_PREFIX.match(doc.lines[start - 1]):
        body_lines[0] = "- " + LIST_PREFIX.sub("", body_lines[0])
    body = "\n".join(body_lines)
    return Unit(
        kind="item", title=title, identifier=None, aliases=(), type_hint=type_,
        type_weight=4, body=f"From {parent}:\n\n{body}", start=start, end=end,
        description=truncate(_text(doc, start, end), 200), local=True, parent=parent,
    )


def _usable(doc: ParsedDoc, index: int) -> bool:
    """Prose or a list item: not code, a heading or a table row (rows are units already)."""
    return (not doc.in_code[index] and (index + 1) not in doc.heading_at
            and not doc.lines[index].lstrip().startswith("|"))


def stated_risks(doc: ParsedDoc, parent: str, n: int, taken: set[int]) -> list[Unit]:
    """A Risk per paragraph or list item that states one, titled by its first sentence.

    ``taken`` holds lines already an outcome of the document (a decision that mentions
    a risk stays a decision).
    """
    out: list[Unit] = []
    seen: set[int] = set()
    for index in range(n):
        line = doc.lines[index]
        if not _usable(doc, index) or not _has_risk(line):
            continue
        start, end = _block(doc, index, n)
        if start in seen or any(number in taken for number in range(start, end + 1)):
            continue
        seen.add(start)
        title = capitalize_first(truncate(
            first_sentence(_SPEAKER.sub("", _text(doc, start, end)), 400).rstrip(" .:;"), 120))
        if len(title.split()) < 3 or title.endswith("?"):
            continue
        out.append(_unit(doc, start, end, cues.RISK, title, parent))
    return out


def _has_risk(line: str) -> bool:
    lowered = line.lower()
    if not any(word in lowered for word in (
            "risk", "sustain", "failure", "bus factor", "danger", "threat", "exposure")):
        return False
    for match in _RISK_PHRASE.finditer(line):
        phrase = match.group(0)
        if phrase.lower().startswith(("not", "isn", "aren", "never", "no longer")):
            return True  # "not sustainable": the negation is the risk
        if _DENIED_INSIDE.search(phrase):
            continue
        if not _RISK_DENIED.search(line[max(0, match.start() - 40):match.start()]):
            return True
    return False


def requirements(doc: ParsedDoc, parent: str, n: int) -> list[Unit]:
    """A Requirement per sentence with an upper-case ``MUST`` / ``SHALL`` verb."""
    if not any(_NORMATIVE.search(line) for line in doc.lines[:n]):
        return []
    out: list[Unit] = []
    seen: set[int] = set()
    for index in range(n):
        line = doc.lines[index]
        if not _usable(doc, index) or _KEYWORD_INTRO.search(line):
            continue
        match = _NORMATIVE.search(line)
        if match is None:
            continue
        start, end = _block(doc, index, n)
        if start in seen:
            continue
        seen.add(start)
        text = _text(doc, start, end)
        sentence = next((s for s in re.split(r"(?<=[.!?])\s+", text) if _NORMATIVE.search(s)),
                        text)
        title = truncate(sentence.rstrip(" ."), 160)
        out.append(_unit(doc, start, end, cues.REQUIREMENT, title, parent))
    return out
