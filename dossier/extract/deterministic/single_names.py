"""One-word names: "the Forge", "a Puppetmaster", "our Zulip".

A multi-word capitalised phrase or a CamelCase word is a name candidate by its shape
(``names.phrases``); a plain capitalised word is not, since every sentence starts with
one and treating them all as names filled bundles with stubs.  A one-word name is
recognised by how it is *used* instead:

- written after an article or possessive (``the Forge``, ``a Puppetmaster``, ``our
  Puppetmaster``; the article may open the sentence, "The Forge is down", since the name
  after it is still capitalised where the grammar does not ask for it), and not
  followed by another capitalised word (then it is part of a longer phrase);
- written in a prose line: not a heading, not a short list item, not a line whose words
  are mostly capitalised (an agenda item "1. Review the Roadmap" or a Title Case line
  capitalises words the grammar does not need, so its capitals say nothing);
- never written in lowercase in the same document ("the Pipeline" in a document that
  also says "pipeline" is emphasis, not a name);
- and used so in at least ``MIN_NAMED_DOCUMENTS`` documents (``assemble`` decides, like
  every recurrence rule; the substance rule still wants its mentions in three).

``names.phrases`` never yields a plain capitalised single word, so a term of that shape
(``is_plain_name``) comes from here.  When the corpus also writes the name once in full
(``Rust Forge`` beside ``the Forge``), the full form joins it (``full_forms``).  Such a
name is a thing the documents use: a System, or an Organization when the word names a
body of people (``the Foundation``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from dossier.extract.deterministic import cues
from dossier.extract.deterministic.names import STOPWORDS, Found
from dossier.okf.codeblocks import LIST_MARKER

#: A one-word name must be used with an article in this many documents.
MIN_NAMED_DOCUMENTS = 2

_ARTICLE_NAME = re.compile(
    r"(?<![\w@/.-])(?:[Tt]he|[Aa]n?|[Oo]ur|[Tt]heir|[Yy]our|[Ii]ts)(?:[ \t]+|[ \t]*\n[ \t]*)"
    r"(?P<name>[A-Z][a-z]{2,})(?![\w@/.-]|[ \t]+[A-Z0-9])"
    # the name is the head of its phrase: punctuation, the end, or a function word or verb
    # follows ("the Forge can", "our Puppetmaster uses"), never a noun it qualifies ("the
    # Northfield go-live", "the Cargo team": there the name is part of a longer name)
    r"(?=[ \t]*(?:$|[.,;:!?()\]'’\"”—–]|[ \t]-[ \t]|\n)"
    r"|[ \t]+(?:is|are|was|were|will|would|can|could|should|must|may|might|has|have|had"
    r"|does|did|uses|used|runs|ran|itself|to|for|in|on|at|by|from|with|as|and|or|but"
    r"|about|into|over|under|through|via|within|without|across|against|behind"
    r"|which|that|who|while|when|if|so|then|every|each|before|after|until|since"
    r"|now|also|only|instead)\b)"
)
_PLAIN = re.compile(r"[A-Z][a-z]{2,}")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_LIST_OR_HEADING = re.compile(rf"^\s*(?:#|{LIST_MARKER}\s)")
#: A list item of at most this many words is a label or agenda line, not prose.
_SHORT_ITEM_WORDS = 8
#: Words that make a one-word name a body of people rather than a thing, including the
#: parties a contract capitalises ("the Client", "the Supplier").
ORGANIZATION_WORDS = frozenset({
    "foundation", "council", "board", "committee", "society", "institute", "association",
    "company", "agency", "ministry", "department", "university", "consortium", "union",
    "federation", "trust", "bank", "government", "commission", "authority", "client",
    "customer", "supplier", "vendor", "contractor", "provider", "partner", "regulator",
})
#: Parts of a document a writer refers to by name ("see the Appendix"): never a concept.
_DOCUMENT_PARTS = frozenset({"section", "chapter", "figure", "table", "page", "part",
                             "annex", "paragraph", "clause", "schedule", "exhibit"})


def article_names(text: str, lowercase_vocab: frozenset[str]) -> Iterator[Found]:
    """One-word names used with an article in ``text`` (see the module docstring)."""
    for match in _ARTICLE_NAME.finditer(text):
        name = match.group("name")
        low = name.lower()
        if low in STOPWORDS or low in lowercase_vocab or f"{low}s" in lowercase_vocab or (
                low.endswith("s") and low[:-1] in lowercase_vocab):
            continue
        if low in _DOCUMENT_PARTS or cues.is_generic(name) or cues.is_boilerplate(name):
            continue  # "the Introduction", "the Appendix": a part of the document
        if not _in_prose(text, match.start(), match.end()):
            continue  # "2. Approve the Minutes": capitals of a Title Case or list line
        yield Found(name, match.start("name"), match.end("name"))


def _in_prose(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` sits in a prose line, where a capital means a name.

    The line (or the two lines an article and its name wrap across) is prose unless it
    is a heading, a list item of few words, or mostly capitalised words.
    """
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    line = text[first:last if last >= 0 else len(text)]
    words = _WORD.findall(line)
    if not words:
        return False
    if _LIST_OR_HEADING.match(line) and (
            line.lstrip().startswith("#") or len(words) <= _SHORT_ITEM_WORDS):
        return False
    capitals = sum(1 for word in words if word[0].isupper())
    return capitals * 2 <= len(words)


def is_plain_name(form: str) -> bool:
    """A term of the one shape only ``article_names`` yields: one capitalised word."""
    return bool(_PLAIN.fullmatch(form))


def is_named_term(forms: Mapping[str, int], bold: bool) -> bool:
    """A recurring term that only ``article_names`` found (not a bold label, no phrase)."""
    return bool(forms) and not bold and all(is_plain_name(f) for f in forms)


def named_type(title: str) -> str:
    """A one-word name's type: Organization for a body of people, else System."""
    return cues.ORGANIZATION if title.split()[-1].lower() in ORGANIZATION_WORDS else cues.SYSTEM


def full_forms(names: list[str], term_forms: Mapping[str, Mapping[str, int]]) -> dict[str, str]:
    """Short name key → the key of the one full form the corpus writes ("Rust Forge").

    A full form is a term of two words, the second the name, the first no stopword and
    opening at least one other multi-word name of the corpus (a family of names).  A name
    written with two different first words ("Rust Forge", "Old Forge") keeps neither:
    which one "the Forge" means is not known.
    """
    longer: dict[str, set[str]] = {}
    wanted = set(names)
    heads: dict[str, int] = {}  # first word → how many multi-word names it opens
    for key in term_forms:
        words = key.split()
        if len(words) >= 2:
            heads[words[0]] = heads.get(words[0], 0) + 1
    for key in sorted(term_forms):
        words = key.split()
        if len(words) != 2 or words[1] not in wanted or words[0] in STOPWORDS:
            continue
        # the first word names a family ("Rust Forge", "Rust Project"): a sentence that
        # merely starts with a capital ("Still Northfield …") opens no other name
        if heads.get(words[0], 0) >= 2:
            longer.setdefault(words[1], set()).add(key)
    return {short: next(iter(keys)) for short, keys in sorted(longer.items()) if len(keys) == 1}
