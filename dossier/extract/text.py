"""Small text helpers shared by the per-source scan and the global assembly.

Everything here is a pure function of its input (no locale, no hash order), because
concept ids and bodies must be byte-identical across runs and machines; that also makes
the name-key functions safe to memoize (assembly calls them tens of thousands of times).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache

#: Built-in identifier shape: an uppercase prefix of 2–6 letters, a dash, digits, and
#: optionally more ``-digits`` groups (``SYS-12``, ``INV-2024-7``).
IDENTIFIER_RE = re.compile(r"(?<![A-Za-z0-9-])([A-Z]{2,6}-\d+(?:-\d+)*)(?![A-Za-z0-9]|-\d)")
_IDENTIFIER_FULL = re.compile(r"[A-Z]{2,6}-\d+(?:-\d+)*")

#: Prefixes that look like identifiers but name standards, encodings or versions.
NON_ENTITY_PREFIXES = frozenset(
    [
        "UTF", "ISO", "SHA", "MD", "COVID", "IPV", "TLS", "SSL", "HTTP", "GPT", "AES", "RSA",
        "ECMA", "IEC", "EN", "BS", "DIN", "PEP", "CVE",
    ]
)

_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_KEY_DROP = re.compile(r"[^0-9a-z]+")
_INLINE_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]*\]")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
#: ``_word_`` emphasis: opened and closed at word edges, so ``snake_case`` is left alone
_UNDERSCORE_EMPHASIS = re.compile(r"(?<![\w`])_(?=[^\s_])([^_`\n]*?[^\s_])_(?![\w`])")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”)]?\s+(?=[A-Z0-9\"“(])")


def is_identifier(text: str) -> bool:
    """True for a whole built-in identifier such as ``DEC-003``."""
    if not _IDENTIFIER_FULL.fullmatch(text):
        return False
    return text.split("-", 1)[0] not in NON_ENTITY_PREFIXES


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """ASCII-fold accents so ``Café`` and ``Cafe`` slug and match alike."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def singular(word: str) -> str:
    """Singular and plural as one key ("elections" → "election", "policies" → "policy").

    Words ending in -ss, -us, -is ("process", "status", "analysis") and short words
    ("bus", "gas") are left alone: they are not plurals.  Case is kept; callers compare
    lower-case words.
    """
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def slugify(text: str, max_len: int = 80) -> str:
    """Lowercase ``[a-z0-9-]`` slug, cut on a dash boundary at ``max_len``."""
    slug = _SLUG_DROP.sub("-", fold(text).lower()).strip("-")
    if len(slug) > max_len:
        cut = slug[:max_len]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[max_len // 2 :] else cut
        slug = slug.strip("-")
    return slug or "untitled"


@lru_cache(maxsize=65536)
def norm_key(text: str) -> str:
    """Case-, whitespace- and punctuation-insensitive key used to consolidate names."""
    return _KEY_DROP.sub(" ", fold(text).lower()).strip()


@lru_cache(maxsize=65536)
def entity_key(text: str) -> str:
    """``norm_key`` with a trailing plural folded: "Dock Doors" and "Dock Door" are one name."""
    key = norm_key(text)
    head, _, last = key.rpartition(" ")
    if len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        last = last[:-1]
        return f"{head} {last}" if head else last
    return key


def strip_markdown(text: str) -> str:
    """Plain text of an inline markdown fragment: links keep their text, marks go."""
    text = _INLINE_LINK.sub(r"\1", text)
    text = _FOOTNOTE_REF.sub("", text)
    text = _UNDERSCORE_EMPHASIS.sub(r"\1", text)
    return _EMPHASIS.sub("", text).strip()


def collapse(text: str) -> str:
    return " ".join(text.split())


def first_sentence(text: str, max_chars: int = 200) -> str:
    """The first sentence of ``text`` (plain), cut on a word boundary with an ellipsis."""
    plain = collapse(strip_markdown(text))
    if not plain:
        return ""
    parts = _SENTENCE_END.split(plain, maxsplit=1)
    sentence = parts[0].strip()
    return truncate(sentence, max_chars)


def truncate(text: str, max_chars: int) -> str:
    text = text.strip()
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;:—–- ")
    return cut + "…"


@lru_cache(maxsize=8)
def _sentence_marks(line: str) -> tuple[list[int], list[int]]:
    """Positions of ". "/"? "/"! " (sentence starts follow them) and of ". "/"? " (ends).

    Found once per line: searching the line again for every span made extraction
    quadratic in line length (a one-line file has thousands of spans).  The cache
    is keyed on the line itself, whose hash Python computes once per string.
    """
    starts = sorted(m.start() for m in _SENTENCE_MARK.finditer(line))
    ends = [i for i in starts if line[i] != "!"]
    return starts, ends


def sentence_around(line: str, start: int, end: int, max_chars: int = 200) -> str:
    """The sentence of ``line`` that holds the span ``start:end`` (plain, ≤ max_chars)."""
    starts, ends = _sentence_marks(line)
    # the last mark that lies wholly before ``start`` (as ``rfind(mark, 0, start)``)
    index = bisect.bisect_right(starts, start - 2) - 1
    begin = 0 if index < 0 else starts[index] + 2
    # the first ". " or "? " at or after ``end`` (as ``find(mark, end)``)
    index = bisect.bisect_left(ends, end)
    stop = ends[index] + 1 if index < len(ends) else len(line)
    text = collapse(strip_markdown(line[begin:stop].lstrip("-*+>#| ").strip()))
    text = re.sub(r"^\d+[.)]\s+", "", text)
    return truncate(text, max_chars)


_SENTENCE_MARK = re.compile(r"[.?!](?= )")
_WORD = re.compile(r"[A-Za-z0-9]+")


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def ensure_period(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?…:":
        return text + "."
    return text


def capitalize_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
