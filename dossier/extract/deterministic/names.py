"""Finding names in prose: identifiers, capitalised phrases, bold terms, roles, definitions.

All finders run on one joined block of text and report character offsets; the caller maps
offsets to line numbers.  Recurrence (is this phrase a real entity?) is decided later,
globally, in ``assemble`` — here a name is only a *candidate*.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dossier.extract.deterministic.cues import (
    ACTION,
    DECISION,
    MEETING,
    MONTHS_AND_DAYS,
    REQUIREMENT,
    RISK,
    is_role_phrase,
    prefix_type,
)
from dossier.extract.text import IDENTIFIER_RE, is_identifier, strip_markdown
from dossier.okf.codeblocks import LIST_MARKER

_CAP = r"[A-Z][A-Za-z0-9]*(?:['’][A-Za-z]+|-[A-Za-z][A-Za-z0-9]*)*(?![A-Za-z0-9]|-\d)"
_CONNECT = r"(?:of|for|&|de|du|la|van|von|der|den|di|da)"
PHRASE_RE = re.compile(
    rf"(?<![\w@/.-])({_CAP}(?:[ \t]+(?:{_CONNECT}[ \t]+)?{_CAP})*)"
    rf"(?:[ \t]+(\d{{1,3}})(?![\w.,:/-]))?"
)
CAMEL = re.compile(r"^[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*$")
_ACRONYM_PLURAL = re.compile(r"[A-Z][A-Za-z]{0,2}[A-Z]{1,5}s?")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z]{0,2}[A-Z]{1,5}$")
_BOLD = re.compile(r"\*\*([^*\n]{2,80}?)\*\*")
# Used with ``match(text, pos)``, never on a slice: slicing the rest of a long line
# for every name made extraction quadratic in line length.
_ROLE_AFTER = re.compile(r"\s*(?:,|\(|—|–|-)\s*(?:the\s+|our\s+)?([A-Z][^,;()\n.]{1,60})")
#: a mail address right after a name: "Ada Lovelace <ada@example.org>", "(ada@example.org)"
_MAIL_AFTER = re.compile(
    r"\s*[<(]\s*(?:mailto:)?(?!(?:bugs?|info|support|help|no-?reply|admin|webmaster|"
    r"security|contact|sales|press|team|list)[-@._+])[^\s<>()@]+@[^\s<>()@]+\.[a-z]{2,}\s*[>)]",
    re.I)
_ALIAS_PAREN = re.compile(r"\s*\(([^()]{1,60})\)")

#: Capitalised words that start sentences or label things, never names by themselves.
STOPWORDS = frozenset(
    [
        "a", "an", "the", "this", "that", "these", "those", "it", "its", "we", "our", "they",
        "their", "he", "she", "his", "her", "i", "you", "your", "in", "on", "at", "by", "for",
        "from", "to", "of", "and", "or", "but", "with", "as", "if", "when", "while", "after",
        "before", "because", "so", "then", "also", "not", "only", "more", "most", "very", "can",
        "could", "should", "would", "will", "may", "might", "must", "into", "over", "under",
        "about", "between", "through", "during", "each", "every", "all", "any", "some", "no",
        "yes", "both", "either", "neither", "one", "two", "three", "four", "five", "six", "seven",
        "eight", "nine", "ten", "first", "second", "third", "next", "last", "new", "old", "here",
        "there", "what", "which", "who", "whom", "whose", "why", "how", "where", "today",
        "tomorrow", "yesterday", "now", "later", "mr", "mrs", "ms", "dr", "see", "note", "notes",
        "per", "via", "re", "cc", "fyi", "etc", "e", "g", "ie", "eg", "vs", "am", "pm", "ok",
        "okay", "thanks", "please", "hi", "hello", "dear", "regards", "best", "total", "none",
        "other", "others", "many", "much", "few", "several", "monday", "tuesday", "wednesday",
        "thursday", "friday", "saturday", "sunday",
        # subordinators and sentence adverbs: "Since Ant is large, …" names no "Since Ant"
        "since", "although", "though", "unless", "until", "once", "whether", "whereas",
        "unlike", "despite", "without", "within", "upon", "given", "however", "therefore",
        "thus", "hence", "instead", "otherwise", "perhaps", "maybe", "even", "still",
    ]
) | MONTHS_AND_DAYS

#: Acronyms so common they name nothing specific to a client.
COMMON_ACRONYMS = frozenset(
    [
        "API", "UI", "UX", "ID", "IDS", "OK", "PDF", "CSV", "XML", "JSON", "HTML", "HTTP",
        "HTTPS", "URL", "FAQ", "ETA", "EOD", "EOW", "TBD", "TBC", "NA", "USA", "UK", "EU", "US",
        "AM", "PM", "IT", "HR", "PR", "QA", "CEO", "CFO", "COO", "CTO", "CIO", "CDO", "CMO", "VP",
        "GBP", "USD", "EUR", "SLA", "KPI", "ROI", "Q1", "Q2", "Q3", "Q4", "FY", "RF", "GPS",
        "SSO", "REST", "SQL", "RPG", "VAT", "EDI", "SaaS",
    ]
)

_DEF_VERB = re.compile(r"\s(means|refers to|stands for|is defined as|is|are)\s")
_DEF_STRONG = re.compile(r"\s(means|refers to|stands for|is defined as)\s")
_LEAD = re.compile(r"^(?:The|An?|Our)\s+")
_DETERMINER = re.compile(r"^(a|an|the|one|our|any|acme|its)\b", re.I)


_CITED_TYPES = frozenset({DECISION, REQUIREMENT, RISK, ACTION, MEETING})


@dataclass(frozen=True)
class Found:
    text: str
    start: int
    end: int
    bold: bool = False
    role: str | None = None
    person: bool = False  # a mail address follows it


def at_sentence_start(text: str, start: int) -> bool:
    before = text[max(0, start - 40) : start].rstrip(" \t\"'“(*_`[")
    return not before or before[-1] in ".!?:;—–-|"


def identifiers(text: str) -> Iterator[Found]:
    for match in IDENTIFIER_RE.finditer(text):
        if is_identifier(match.group(1)):
            yield Found(match.group(1), match.start(1), match.end(1))


def _accept_single(token: str) -> bool:
    if re.fullmatch(r"[A-Z][a-z]?[A-Z]+s", token):
        return False  # "PoDs": an acronym's plural, found by acronyms()
    return bool(CAMEL.match(token)) and token.lower() not in STOPWORDS


#: Words that join a sentence, never a name, when written capitalised inside a phrase:
#: articles, pronouns, auxiliaries, prepositions and particles.  "Water Rates Go Up Again
#: For The Season" and "Sign Off" are sentences in Title Case; a name joins its words with
#: at most one connector ("Bank of England", "Department For Transport").
SENTENCE_WORDS = frozenset(
    [
        "the", "a", "an", "we", "our", "us", "you", "your", "it", "its", "they", "their", "he",
        "she", "his", "her", "i", "me", "my", "is", "are", "was", "were", "be", "been", "being",
        "has", "have", "had", "will", "would", "can", "could", "shall", "should", "may",
        "might", "must", "do", "does", "did", "to", "in", "at", "by", "with", "from", "into",
        "onto", "over", "under", "about", "after", "before", "through", "during", "against",
        "up", "off", "out", "down", "again", "away", "back", "not", "no", "then", "than",
        "too", "very", "this", "that", "these", "those", "if", "so", "but", "or",
    ]
)
#: Capitalised connectors a name may carry once ("Bank Of England"); twice is a sentence.
_NAME_CONNECTORS = frozenset(["of", "for", "and", "on", "upon", "de", "la", "van", "von"])
#: A line that is nothing but a capitalised phrase this long is a sub-title, not a name.
TITLE_LINE_WORDS = 5


def is_title_case_sentence(tokens: list[str], line_is_phrase: bool) -> bool:
    """Is this run of capitalised words a sentence written in Title Case, not a name?

    Decided on the words alone, never on what they say: a capitalised article, pronoun,
    auxiliary or particle after the first word (sentence-start words aside), two
    capitalised connectors, or a whole line of :data:`TITLE_LINE_WORDS` or more
    capitalised words (an emphasis or sub-title line).
    """
    rest = list(tokens)
    while rest and rest[0].lower() in STOPWORDS:
        rest = rest[1:]  # "When The Council …": sentence-start words are peeled later
    # only capitalised words count: a lower-case connector is how names are written
    # ("Centre for Protection of National Infrastructure", "Lord of the Rings")
    inner = [t.lower() for t in rest[1:] if t[:1].isupper()]
    if any(t in SENTENCE_WORDS for t in inner):
        return True
    if sum(t in _NAME_CONNECTORS for t in inner) >= 2:
        return True
    return line_is_phrase and len(tokens) >= TITLE_LINE_WORDS


_LIST_ITEM_START = re.compile(rf"[ \t>]*{LIST_MARKER}[ \t]")


def _whole_line(text: str, start: int, end: int) -> bool:
    """Is the text from ``start`` to ``end`` all its line says (emphasis aside)?"""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if _LIST_ITEM_START.match(text, line_start):
        return False  # a list item of names ("- Greater Manchester Combined Authority Board")
    return (not text[line_start:start].strip(" \t*_>#-+")
            and not text[end:line_end].strip(" \t*_.!:"))


def phrases(
    text: str, lowercase_vocab: frozenset[str], unmasked: str | None = None
) -> Iterator[Found]:
    """Capitalised multi-word phrases (and CamelCase words), sentence-start noise removed.

    ``lowercase_vocab`` holds the words the document also writes in lowercase: a
    sentence-initial "Returns" is dropped when the document says "returns" elsewhere.
    ``unmasked`` is ``text`` before mail addresses and URLs were blanked (same offsets):
    a name written with an address there is a person's.
    """
    for match in PHRASE_RE.finditer(text):
        phrase = match.group(1)
        start = match.start(1)
        tokens = phrase.split()
        if len(tokens) >= 2 and is_title_case_sentence(
                tokens, _whole_line(text, match.start(1), match.end(1))):
            continue
        # peel stopwords off the front; a sentence-initial ordinary word ("Finance Meridian
        # ERP …") goes too, but only when what remains is still a name by itself
        while tokens:
            head = tokens[0]
            low = head.lower()
            drop = low in STOPWORDS
            if not drop and start == match.start(1) and at_sentence_start(text, start):
                rest = [t for t in tokens[1:] if not re.fullmatch(_CONNECT, t)]
                drop = (
                    low in lowercase_vocab and not CAMEL.match(head)
                    and (len(rest) >= 2 or (len(rest) == 1 and bool(CAMEL.match(rest[0]))))
                )
            if not drop:
                break
            consumed = text.find(head, start) + len(head)
            tokens = tokens[1:]
            start = consumed
            while start < len(text) and text[start] in " \t":
                start += 1
            if tokens and re.fullmatch(_CONNECT, tokens[0]):
                start = text.find(tokens[0], start) + len(tokens[0])
                tokens = tokens[1:]
                while start < len(text) and text[start] in " \t":
                    start += 1
        if tokens and re.search(r"['’]s$", tokens[-1]):
            tokens[-1] = tokens[-1][:-2]  # "Derek Halloran's" names Derek Halloran
        while tokens and (tokens[-1].lower() in STOPWORDS or re.fullmatch(_CONNECT, tokens[-1])):
            tokens = tokens[:-1]
        if not tokens:
            continue
        number = match.group(2)
        end = start + len(" ".join(tokens)) if tokens else start
        # recompute end exactly from the text (tokens may be separated by tabs)
        end = _span_end(text, start, tokens)
        if number and end == match.end(1) and (len(tokens) >= 2 or CAMEL.match(tokens[-1])):
            tokens = [*tokens, number]  # "StockMaster 7": a version number is part of a name
            end = match.end(2)
        if any(t.lower() in MONTHS_AND_DAYS for t in tokens):
            continue
        if len(tokens) == 1:
            if not _accept_single(tokens[0]):
                continue
        elif all(t.isupper() for t in tokens):
            continue  # SHOUTED headings in plain text, not names
        name = " ".join(tokens)
        if is_role_phrase(name) and len(tokens) <= 4 and not CAMEL.match(tokens[0]):
            continue
        if is_label(text, start, end):
            continue  # "Feature Name: …", "Start Date: …" label a value, they name nothing
        role = None
        person = False
        if 2 <= len(tokens) <= 3 and all(t[:1].isupper() and t[1:].islower() for t in tokens):
            after = _ROLE_AFTER.match(text, end)
            if after and is_role_phrase(after.group(1).split(" and ")[0].split(" at ")[0]):
                role = after.group(1).strip()
            # the caller masks mail addresses; ``unmasked`` has them at the same offsets
            person = mail_follows(unmasked if unmasked is not None else text, end)
        yield Found(name, start, end, role=role, person=person)


def mail_follows(text: str, end: int) -> bool:
    """Does a mail address follow position ``end`` ("Ada Lovelace <ada@example.org>")?"""
    return _MAIL_AFTER.match(text, end) is not None


def _span_end(text: str, start: int, tokens: list[str]) -> int:
    position = start
    for token in tokens:
        position = text.find(token, position) + len(token)
    return position


def acronyms(text: str) -> Iterator[Found]:
    for match in re.finditer(r"(?<![\w-])([A-Z][A-Za-z]{0,2}[A-Z]{1,5}s?)(?![\w-])", text):
        token = match.group(1)
        if len(token) > 2 and token.endswith("s") and token[-2].isupper():
            token = token[:-1]  # "PoDs", "ASNs": the plural of an acronym is the acronym
        if token in COMMON_ACRONYMS or len(token) < 2 or not _ACRONYM.match(token):
            continue
        yield Found(token, match.start(1), match.start(1) + len(token))


def bold_terms(text: str) -> Iterator[Found]:
    for match in _BOLD.finditer(text):
        inner = match.group(1).strip()
        following = text[match.end() : match.end() + 1]
        if not inner or inner[-1] in ":.;,!?" or following == ":" or len(inner.split()) > 5:
            continue
        if inner.lower() in STOPWORDS or is_identifier(inner) or is_admonition(inner):
            continue
        if not re.search(r"[A-Za-z]", inner):
            continue
        if " " not in inner and inner.islower():
            continue  # "**hash**" is emphasis, not a name
        words = inner.split()
        if (len(words) >= 2 and all(w[:1].isupper() for w in words)
                and is_title_case_sentence(words, line_is_phrase=False)):
            continue  # "**Sign Off**": a Title Case sentence in bold is emphasis too
        yield Found(strip_markdown(inner), match.start(1), match.end(1), bold=True)


def acronym_fits(name: str, acronym: str) -> bool:
    """True when ``acronym``'s letters are initials (in order) of ``name``'s words."""
    letters = [c.lower() for c in acronym if c.isalpha() and c.isupper()] or [acronym[0].lower()]
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", name)]
    initials = "".join(w[0] for w in words)
    position = 0
    for letter in letters:
        position = initials.find(letter, position)
        if position < 0:
            return False
        position += 1
    return letters[0] == initials[0] if initials else False


def alias_pairs(text: str, names: list[Found]) -> Iterator[tuple[str, str]]:
    """``Name (SYS-02)``, ``SYS-02 (Name)`` and ``Full Name (FN)`` pairs."""
    for found in names:
        match = _ALIAS_PAREN.match(text, found.end)
        if not match:
            continue
        inner = match.group(1).strip()
        first = re.split(r"[,;]", inner)[0].strip()
        if is_identifier(found.text):
            if PHRASE_RE.fullmatch(first) and not is_identifier(first):
                yield (found.text, first)
        elif is_identifier(first):
            if _names_an_entity(first):
                yield (found.text, first)
        elif _ACRONYM_PLURAL.fullmatch(first) and acronym_fits(found.text, first):
            yield (found.text, first)


def _names_an_entity(identifier: str) -> bool:
    """``Meridian ERP (SYS-01)`` names SYS-01; ``the Hub (DEC-008)`` only cites a decision."""
    return prefix_type(identifier) not in _CITED_TYPES


def split_term_alias(term: str) -> tuple[str, tuple[str, ...]]:
    """``Advance Shipping Notice (ASN)`` → ("Advance Shipping Notice", ("ASN",))."""
    term = strip_markdown(term).strip()
    match = re.fullmatch(r"(.+?)\s*\(([^()]{1,40})\)", term)
    if match:
        name, inner = match.group(1).strip(), match.group(2).strip()
        if is_identifier(inner) or (
            re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,7}", inner) and acronym_fits(name, inner)
        ):
            return name, (inner,)
    return term, ()


def prose_definition(sentence: str) -> tuple[str, str, int] | None:
    """``X is a …`` / ``X means …`` → (term, sentence, strength) when X looks like a name.

    Linear on purpose (one search for the verb, no nested lazy groups): it runs on every
    sentence of every source.
    """
    plain = strip_markdown(sentence).strip()
    verb = _DEF_VERB.search(plain)
    if verb is None:
        return None
    term = _LEAD.sub("", plain[: verb.start()]).strip(" ,\"'“”")
    rest = plain[verb.end() :]
    strength = 0
    if len(term.split()) <= 6:
        weak = verb.group(1) in ("is", "are")
        strength = (1 if _DETERMINER.match(rest) else 0) if weak else 2
    if strength == 0:
        strong = _DEF_STRONG.search(plain)
        if strong is None:
            return None
        head = plain[: strong.start()].rstrip(" ,")
        candidates = list(PHRASE_RE.finditer(head[-120:]))
        if not candidates or candidates[-1].end() != len(head[-120:]):
            return None
        term = candidates[-1].group(0)
        strength = 2
    if not term or len(term.split()) > 6 or not _looks_like_name(term):
        return None
    return term, plain, strength


def _looks_like_name(term: str) -> bool:
    if is_identifier(term):
        return True
    words = term.split()
    if words[0].lower() in STOPWORDS:
        return False
    capitals = sum(1 for w in words if w[:1].isupper())
    return capitals >= max(1, len(words) - 1) and (len(words) >= 2 or bool(CAMEL.match(term))
                                                   or bool(_ACRONYM.match(term)))


#: Text that is never a name: inline code, URLs, e-mail addresses, ``path/file.ext:12``
#: references and hex colours (``#1F6FEB``).
_NOT_PROSE = re.compile(
    r"`[^`\n]*`"
    r"|\b(?:https?|ftp|file|mailto):[^\s)>\]]+"
    r"|\b[\w.+-]+@[\w-]+\.[\w.-]+"
    r"|(?<![\w/])(?:[\w.-]+/)*[\w-]+\.[A-Za-z]{1,5}:\d+(?::\d+)?\b"
    r"|(?<![\w&])#(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})\b"
)


def mask_non_prose(text: str) -> str:
    """``text`` with code spans, URLs, paths and colours blanked (offsets unchanged)."""
    if "`" not in text and ":" not in text and "#" not in text and "@" not in text:
        return text
    return _NOT_PROSE.sub(lambda m: " " * len(m.group(0)), text)


def is_label(text: str, start: int, end: int) -> bool:
    """Does the name at ``start:end`` open its block as a ``Label:`` (``Feature Name: x``)?"""
    if text[:start].strip(" \t*_>") != "":
        return False
    return text[end:end + 3].lstrip("*_ ").startswith(":")


#: Labels a writer puts in bold before a remark ("**Note:**", "**Status:**"): never names.
ADMONITIONS = frozenset({
    "note", "notes", "nb", "warning", "caution", "danger", "tip", "hint", "important",
    "info", "status", "example", "examples", "update", "edit", "tl;dr", "tldr", "see also",
    "todo", "fixme", "question", "answer", "q", "a",
})


def is_admonition(term: str) -> bool:
    """``Note``, ``Status``, ``Warning`` …: a label for a remark, not a term it defines."""
    return term.strip(" *_:.").lower() in ADMONITIONS
