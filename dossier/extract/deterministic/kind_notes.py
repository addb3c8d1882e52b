"""Personal notes (Obsidian/Logseq-style vaults): the type of a note from its own structure.

A note with YAML frontmatter is one concept (``kinds._note``).  Its type is read, in this
order, from what the note says about itself, never from one vault's vocabulary:

1. a frontmatter ``type:``/``kind:``/``category:`` value, or a tag (any ``/`` segment)
   that names a type (``person``, ``meeting``, ``decision``, ``term``, ``tool`` …);
2. frontmatter that only a person or a meeting has (``email``/``role``…, or a date
   with ``attendees``/``participants``);
3. a folder's ``index``/``README`` note is a Topic; a hub ("map of content"): most of
   its body is list items of ``[[wikilinks]]``.  A hub named by one proper name
   (``Kubernetes``, ``HTTP``) is the System its notes hang under; any other hub a Topic;
4. a note whose opening defines its subject (the title or an alias in bold, or
   "X is/are/means …"), or a short lower-case term title (``lock striping``) over prose:
   a Glossary Term;
5. anything else — an essay, a journal entry — a Topic.
"""

from __future__ import annotations

import re

from dossier.extract.deterministic import cues
from dossier.extract.deterministic.markdown import ParsedDoc
from dossier.extract.text import strip_markdown

#: type words a note may give itself (frontmatter ``type:`` or a tag segment)
_TYPE_WORDS: dict[str, str] = {
    "person": cues.STAKEHOLDER, "people": cues.STAKEHOLDER, "contact": cues.STAKEHOLDER,
    "stakeholder": cues.STAKEHOLDER,
    "meeting": cues.MEETING, "meetings": cues.MEETING, "minutes": cues.MEETING,
    "decision": cues.DECISION, "decisions": cues.DECISION, "adr": cues.DECISION,
    "term": cues.GLOSSARY, "definition": cues.GLOSSARY, "glossary": cues.GLOSSARY,
    "concept": cues.GLOSSARY,
    "tool": cues.SYSTEM, "system": cues.SYSTEM, "software": cues.SYSTEM,
    "service": cues.SYSTEM, "library": cues.SYSTEM,
    "risk": cues.RISK, "requirement": cues.REQUIREMENT,
    "task": cues.ACTION, "todo": cues.ACTION,
    "process": cues.PROCESS, "howto": cues.PROCESS, "runbook": cues.PROCESS,
    "organization": cues.ORGANIZATION, "organisation": cues.ORGANIZATION,
    "company": cues.ORGANIZATION,
    "topic": cues.TOPIC, "moc": cues.TOPIC, "index": cues.TOPIC, "hub": cues.TOPIC,
}
_PERSON_KEYS = frozenset({"email", "e-mail", "phone", "role", "company", "employer",
                          "birthday", "pronouns", "linkedin", "github", "twitter"})
_MEETING_KEYS = frozenset({"attendees", "participants", "attendance"})
_WIKILINK_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:.{0,20}?)!?\[\[[^\]]+\]\]")
#: grammar words that make a title a sentence ("tests are cheap"), not a term
_SENTENCE_WORDS = frozenset({
    "is", "are", "was", "were", "be", "can", "could", "should", "would", "will", "may",
    "might", "must", "do", "does", "not", "never", "always", "only", "you", "i", "we",
    "my", "your", "on", "why", "how", "what", "when", "rather", "than", "vs", "vs.",
})
_PROPER = re.compile(r"^(?:[A-Z][A-Za-z0-9+#.-]*|[A-Z0-9]{2,}[a-z]?)$")


def _type_word(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    for segment in reversed(re.split(r"[/.:]", value.strip().lstrip("#").lower())):
        found = _TYPE_WORDS.get(segment.strip())
        if found is not None:
            return found
    return None


def declared_type(front: dict[str, object], tags: list[str]) -> str | None:
    """The type a note declares: frontmatter ``type``-like key first, then its tags."""
    for key in ("type", "kind", "category", "class"):
        value = front.get(key)
        values = value if isinstance(value, list) else [value]
        for item in values:
            found = _type_word(item)
            if found is not None:
                return found
    keys = {k.lower() for k in front}
    if keys & _PERSON_KEYS:
        return cues.STAKEHOLDER
    if keys & _MEETING_KEYS and ("date" in keys or "time" in keys):
        return cues.MEETING
    for tag in tags:
        found = _type_word(tag)
        if found is not None:
            return found
    return None


def is_hub(doc: ParsedDoc, hidden: set[int]) -> bool:
    """Most content lines are list items of wikilinks (a map of content)."""
    content = [i for i, line in enumerate(doc.lines)
               if i + 1 not in hidden and line.strip() and i + 1 not in doc.heading_at]
    if len(content) < 3:
        return False
    linked = sum(1 for i in content if _WIKILINK_ITEM.match(doc.lines[i]))
    return linked >= 0.6 * len(content)


def _proper_name(title: str) -> bool:
    words = title.split()
    return len(words) == 1 and bool(_PROPER.match(words[0]))


def _opening_defines(doc: ParsedDoc, hidden: set[int], names: list[str]) -> bool:
    """Does the first prose paragraph put one of ``names`` in bold, or define it?"""
    first = ""
    for index, line in enumerate(doc.lines):
        if index + 1 in hidden or index + 1 in doc.heading_at or not line.strip():
            if first:
                break
            continue
        if line.lstrip().startswith(("!", "|", "```", ">")) and not first:
            continue
        first += " " + line.strip()
    if not first:
        return False
    low = first.lower()
    plain = strip_markdown(first).lower()
    bolds = [b.strip().lower() for b in re.findall(r"\*\*([^*]+)\*\*|__([^_]+)__", first)
             for b in b if b]
    for name in names:
        key = name.lower().strip()
        stem = re.escape(key.rstrip("s"))
        if not key:
            continue
        if any(stem and re.search(rf"\b{stem}", bold) for bold in bolds):
            return True
        # "The Git **Index**": the bold word ends the name the sentence writes out
        if bolds and key in plain and any(key.endswith(bold) for bold in bolds):
            return True
        if re.match(rf"^\s*(?:an?\s+|the\s+)?{stem}\w*\s+(?:is|are|means|refers to|occurs|"
                    rf"happens)\b", low):
            return True
    return False


def _term_title(title: str) -> bool:
    words = title.split()
    return (1 <= len(words) <= 3 and title == title.lower()
            and not any(w.strip("'\"?!.,") in _SENTENCE_WORDS for w in words)
            and not title.endswith(("?", "!", ".")))


def note_type(doc: ParsedDoc, title: str, aliases: list[str], tags: list[str],
              front: dict[str, object], hidden: set[int], stem: str = "") -> str:
    """The type of one note (see the module docstring for the order of the evidence)."""
    declared = declared_type(front, tags)
    if declared is not None and declared != cues.TOPIC:
        return declared
    if stem.lower().lstrip("_") in ("index", "readme"):  # a folder's own page
        return cues.TOPIC
    if is_hub(doc, hidden) or declared == cues.TOPIC:
        return cues.SYSTEM if _proper_name(title) else cues.TOPIC
    if _opening_defines(doc, hidden, [title, *aliases]):
        return cues.GLOSSARY
    if _term_title(title):
        return cues.GLOSSARY
    return cues.TOPIC
