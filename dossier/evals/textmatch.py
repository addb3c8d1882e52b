"""How an answer string is found in a text, the same way on both sides of the eval.

A concept body is Markdown the extractor wrote (links added, emphasis kept, lines
re-wrapped); a baseline window is a raw snapshot.  Both sides, and the answer, go
through :func:`answer_key` before a substring test, so neither side wins on markup:
link markup is reduced to its text, footnote references dropped, ``*``, `````
and ``\\`` removed, Unicode NFKC + case-folded, and every run of whitespace made
one space.
"""

from __future__ import annotations

import re
import unicodedata

_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]*\]")
_MARKUP = re.compile(r"[*`\\]")


def answer_key(text: str) -> str:
    """``text`` normalised for answer matching (see the module docstring)."""
    text = _LINK.sub(r"\1", text)
    text = _FOOTNOTE_REF.sub(" ", text)
    text = _MARKUP.sub("", text)
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split())


def contains_answer(text: str, answer: str) -> bool:
    """True when ``answer`` occurs in ``text`` after both are normalised."""
    key = answer_key(answer)
    return bool(key) and key in answer_key(text)
