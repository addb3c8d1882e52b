"""Mention linking: turn the first mention of each known concept into an OKF link.

One matcher is built per assembly from every concept's title, aliases and identifiers:
a single regular expression shaped as a trie over the names' words (so the regex engine,
in C, walks each body once; no O(concepts × text) scan), plus a dict from the matched
words to the concept.  Multi-word names match case-insensitively; single-word names
(``SYS-02``, ``LabelHub``, ``WMS``) only as written, so "hub" is not "Hub".
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass, field

from dossier.okf.codeblocks import code_line_starts, code_spans

_PROTECTED = re.compile(
    r"!?\[[^\]\n]*\]\([^)\n]*\)|\[\^[^\]\n]*\]|<[^>\n]+>|https?://\S+"
    r"|\[[^\]\n]*\]\[[^\]\n]*\]"
)
# *italic* text (source titles in mention lists) is never linked either
_ITALIC = re.compile(r"(?<![*\w])\*(?!\*)[^*\n]+(?<!\*)\*(?![*\w])")


def _key(text: str) -> tuple[str, ...]:
    return tuple(text.lower().split())


_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")


@dataclass
class Matcher:
    """Names → concept ids.  Ambiguous names (two concepts) are dropped, deterministically."""

    targets: dict[tuple[str, ...], str] = field(default_factory=dict)  # lowercase words
    exact: dict[str, str] = field(default_factory=dict)  # single-word names, as written
    longest: dict[str, int] = field(default_factory=dict)  # lowercase first word → words
    starter_keys: frozenset[str] = frozenset()
    seconds: dict[str, frozenset[str]] = field(default_factory=dict)  # first → second words
    gaps: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    signatures: dict[str, str] = field(default_factory=dict)  # starter word → names' hash

    @classmethod
    def build(cls, names: list[tuple[str, str]]) -> Matcher:
        """``names`` are (surface name, concept id) pairs, in any order."""
        by_key: dict[tuple[str, ...], set[str]] = {}
        exact: dict[str, set[str]] = {}
        gaps: dict[tuple[str, ...], tuple[str, ...]] = {}
        for name, target in names:
            spans = [m.span() for m in _TOKEN.finditer(name)]
            words = tuple(name[a:b] for a, b in spans)
            if not words or len(words) > 12:
                continue
            if len(words) > 1:
                # what separates the words of this name: spaces, or "#", " — " …
                separators = tuple(
                    _gap_form(name[spans[k][1] : spans[k + 1][0]]) for k in range(len(words) - 1)
                )
                for form_words in (words, (*words[:-1], words[-1] + "s")):
                    gaps.setdefault(_key(" ".join(form_words)), separators)
            if len(words) == 1:
                word = words[0]
                if len(word) < 2 or word.isdigit():
                    continue
                for form in (word, word + "s"):
                    exact.setdefault(form, set()).add(target)
            else:
                for form_words in (words, (*words[:-1], words[-1] + "s")):
                    by_key.setdefault(_key(" ".join(form_words)), set()).add(target)
        matcher = cls()
        matcher.targets = {k: next(iter(v)) for k, v in by_key.items() if len(v) == 1}
        matcher.gaps = {k: gaps[k] for k in matcher.targets}
        matcher.exact = {k: next(iter(v)) for k, v in exact.items() if len(v) == 1}
        for key in matcher.targets:
            matcher.longest[key[0]] = max(matcher.longest.get(key[0], 0), len(key))
        # every word that may start a name, lowercased (single-word names are re-checked
        # as written)
        matcher.starter_keys = frozenset(matcher.longest) | {w.lower() for w in matcher.exact}
        seconds: dict[str, set[str]] = {}
        for key in matcher.targets:
            seconds.setdefault(key[0], set()).add(key[1])
        # what a body that contains the word ``s`` could link to: if this signature is the
        # same in the next run, so is the linking of that body (see linkcache.py)
        entries: dict[str, list[str]] = {}
        for key, target in matcher.targets.items():
            entries.setdefault(key[0], []).append(
                "m\x1f" + "\x1f".join(key) + "\x1e" + "\x1f".join(matcher.gaps[key]) + "\x1e"
                + target
            )
        for word, target in matcher.exact.items():
            entries.setdefault(word.lower(), []).append("x\x1f" + word + "\x1e" + target)
        matcher.signatures = {
            word: hashlib.sha1("\x1d".join(sorted(items)).encode("utf-8")).hexdigest()[:16]
            for word, items in entries.items()
        }
        matcher.seconds = {k: frozenset(v) for k, v in seconds.items()}
        return matcher

    def link(self, body: str, self_id: str, href: dict[str, str]) -> tuple[str, list[str]]:
        """Link the first mention of each target in ``body``; returns (body, targets in order)."""
        linked, order, _ = self.link_tracked(body, self_id, href)
        return linked, order

    def link_tracked(
        self, body: str, self_id: str, href: dict[str, str]
    ) -> tuple[str, list[str], list[str]]:
        """``link`` plus the starter words the body contains (what its result depends on).

        The words of the body are listed once by the regex engine and filtered against
        the set of words that start some name; only those positions are examined, and
        only a position about to become a link is checked against code, headings and
        existing links.  The cost follows the text's length, not the number of names.
        """
        words = _TOKEN.findall(body)
        if not words:
            return body, [], []
        lower_words = list(map(str.lower, words))
        starters = self.starter_keys
        candidates = [i for i, low in enumerate(lower_words) if low in starters]
        if not candidates:
            return body, [], []
        present = sorted({lower_words[i] for i in candidates})
        exact = self.exact
        spans = _Spans(body)
        guard = _Guard(body)
        targets = self.targets
        longest = self.longest
        seconds = self.seconds
        gaps = self.gaps
        linked: set[str] = set()
        order: list[str] = []
        pieces: list[str] = []
        cursor = 0
        next_free = 0  # first word index not yet consumed by a match
        count = len(words)
        for i in candidates:
            if i < next_free:
                continue
            found: tuple[str, int] | None = None
            low = lower_words[i]
            if i + 1 < count and lower_words[i + 1] in seconds.get(low, ()):
                for size in range(min(longest.get(low, 0), count - i), 1, -1):
                    key = tuple(lower_words[i : i + size])
                    target = targets.get(key)
                    if target is None or target == self_id:
                        continue
                    if target in linked:  # a repeat: consume it, no need to check further
                        found = (target, size)
                        break
                    expected = gaps[key]
                    if all(_gap_form(body[spans[j][1] : spans[j + 1][0]]) == expected[j - i]
                           for j in range(i, i + size - 1)):
                        found = (target, size)
                        break
            if found is None:
                single = exact.get(words[i])
                if single is not None and single != self_id:
                    found = (single, 1)
            if found is None:
                continue
            target, size = found
            if target in linked:
                next_free = i + size
                continue
            start = spans[i][0]
            end = _closing(body, start, spans[i + size - 1][1])
            if (start and body[start - 1] in "-'’") or guard.protected(start, end):
                continue  # inside "x-Name"/"it's", code, a heading, a footnote or a link
            next_free = i + size
            linked.add(target)
            order.append(target)
            pieces.append(body[cursor:start])
            pieces.append(f"[{body[start:end]}]({href[target]})")
            cursor = end
        pieces.append(body[cursor:])
        return "".join(pieces), order, present


class _Spans:
    """Offsets of the n-th word, computed on demand in ascending order.

    Skipping ahead goes through ``itertools.islice`` (C), so words far from any name cost
    no Python bytecode; the few spans looked at are cached.
    """

    def __init__(self, body: str) -> None:
        self._iter = _TOKEN.finditer(body)
        self._next = 0  # index of the word the iterator yields next
        self._cache: dict[int, tuple[int, int]] = {}

    def __getitem__(self, index: int) -> tuple[int, int]:
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        if index < self._next:
            raise IndexError(index)  # pragma: no cover - callers ask in ascending order
        match = next(itertools.islice(self._iter, index - self._next, None))
        self._next = index + 1
        span = match.span()
        self._cache[index] = span
        return span


class _Guard:
    """Answers "is this span inside code, a heading, a footnote, a link or a URL?" lazily.

    Code (blocks and spans) is ``codeblocks``' answer, the one every writer
    into bodies shares.

    Only positions about to become links are asked about, so the (regex-heavy) scan of a
    line happens for a handful of lines per body, not for the whole text.
    """

    def __init__(self, body: str) -> None:
        self.body = body
        self.code: frozenset[int] | None = None  # starts of code lines, on first ask
        self.lines: dict[int, list[tuple[int, int]] | None] = {}

    def protected(self, start: int, end: int) -> bool:
        if self.code is None:
            self.code = code_line_starts(self.body)
        line_start = self.body.rfind("\n", 0, start) + 1
        if line_start in self.code:
            return True
        if line_start in self.lines:
            spans = self.lines[line_start]
        else:
            line_end = self.body.find("\n", start)
            line = self.body[line_start : line_end if line_end >= 0 else len(self.body)]
            if _SKIPPED_LINE.match(line):
                spans = None
            else:
                found = [m.span() for m in _PROTECTED.finditer(line)] + code_spans(line)
                if "*" in line.replace("**", ""):
                    found += [m.span() for m in _ITALIC.finditer(line)]
                spans = [(line_start + a, line_start + b) for a, b in found]
            self.lines[line_start] = spans
        if spans is None:
            return True
        return any(a < end and start < b for a, b in spans)


def _closing(body: str, start: int, end: int) -> int:
    """``end`` moved past the ``)`` that close a bracket the name opened.

    Words end at letters and digits, so "Release 1.2 (3 May 2024)" is matched without
    its last ``)``; a link around that span would open a bracket in its text and close it
    outside, after the link target.
    """
    depth = body.count("(", start, end) - body.count(")", start, end)
    while depth > 0 and body.startswith(")", end):
        end += 1
        depth -= 1
    return end


def _gap_form(gap: str) -> str:
    """Separator between two words, spaces folded; a line break never joins a name."""
    if "\n" in gap:
        return "\n"
    return re.sub(r"\s+", " ", gap) if gap.strip() else " "


_SKIPPED_LINE = re.compile(r"^(?:[ \t]*#|\[\^[^\]\n]+\]:)")
