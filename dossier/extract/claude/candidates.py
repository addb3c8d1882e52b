"""Close candidates: concepts the deterministic merge kept apart that may be one entity.

The merge joins names only when their ``entity_key`` is equal (or one is the other's
alias), so "Billing" and "Billing Service", or "Postgres" and "Postgress", stay two
concepts.  This module finds such pairs with cheap, deterministic measures on the folded
names — one name's words contained in the other's, word-set overlap, edit similarity,
and shared aliases (every name and alias of a concept is compared) — so that the optional
adjudication step (``adjudicate.py``) can ask the model about them.  Only concepts of
the same type are paired, and at most ``limit`` pairs are returned, closest first, in an
order that depends only on the concepts, never on the order the answers arrived in.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import combinations

from dossier.extract.text import entity_key

#: word-set overlap (Jaccard) at or above which two names are close
MIN_OVERLAP = 0.5
#: edit similarity (difflib ratio on folded names) at or above which two names are close
MIN_SIMILARITY = 0.85
#: a word shared by more concepts than this is too common to suggest a pair by itself
MAX_BLOCK = 60


@dataclass(frozen=True)
class Side:
    """One concept as the merge resolved it, reduced to what a judgement needs."""

    #: one of the concept's name keys (its smallest): what a confirmed join unites
    key: str
    title: str
    type: str
    #: every name, alias and identifier the drafts gave it, sorted
    names: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Candidate:
    """Two same-typed concepts whose names are close; ``a.key < b.key``."""

    a: Side
    b: Side
    score: float
    why: str

    def label(self) -> str:
        return f"{self.a.title} / {self.b.title} ({self.a.type})"

    def cache_key(self, prompt: str, model: str) -> str:
        """A digest of both sides' names and types, the prompt version and the model.

        Descriptions are left out: a reworded summary of the same names does not make
        the question a new one, so an unchanged corpus never pays twice.
        """
        sides = sorted([[self.a.type, *self.a.names], [self.b.type, *self.b.names]])
        text = json.dumps([prompt, model, sides], ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def closeness(a: Side, b: Side) -> tuple[float, str]:
    """The best measure over every pair of names (0.0, "" when none is close)."""
    best = (0.0, "")
    for name_a in a.names:
        key_a = entity_key(name_a)
        words_a = set(key_a.split())
        for name_b in b.names:
            key_b = entity_key(name_b)
            words_b = set(key_b.split())
            if not key_a or not key_b:
                continue
            if key_a == key_b:
                found = (1.0, f"shared name {name_a!r}")
            elif words_a <= words_b or words_b <= words_a:
                found = (0.9, f"{name_a!r} and {name_b!r}: one contains the other")
            else:
                overlap = len(words_a & words_b) / len(words_a | words_b)
                ratio = SequenceMatcher(None, key_a, key_b).ratio()
                if ratio >= MIN_SIMILARITY and ratio >= overlap:
                    found = (round(ratio, 3), f"{name_a!r} and {name_b!r}: similar spelling")
                elif overlap >= MIN_OVERLAP:
                    found = (round(overlap, 3), f"{name_a!r} and {name_b!r}: shared words")
                else:
                    continue
            if found[0] > best[0]:
                best = found
    return best


def _blocks(side: Side) -> set[str]:
    """Keys under which a side meets the sides it may be close to: words and prefixes."""
    out: set[str] = set()
    for name in side.names:
        key = entity_key(name)
        out.update(f"w:{word}" for word in key.split())
        if len(key) >= 4:
            out.add(f"p:{key[:4]}")
    return out


def find_candidates(sides: list[Side], limit: int) -> list[Candidate]:
    """At most ``limit`` close pairs among ``sides``, closest first, deterministically."""
    by_block: dict[tuple[str, str], list[Side]] = defaultdict(list)
    for side in sorted(sides, key=lambda s: s.key):
        for block in _blocks(side):
            by_block[(side.type, block)].append(side)
    seen: set[tuple[str, str]] = set()
    found: list[Candidate] = []
    for members in by_block.values():
        if len(members) > MAX_BLOCK:
            continue
        for a, b in combinations(members, 2):
            if (a.key, b.key) in seen:
                continue
            seen.add((a.key, b.key))
            score, why = closeness(a, b)
            if score > 0:
                found.append(Candidate(a, b, score, why))
    found.sort(key=lambda c: (-c.score, c.a.key, c.b.key))
    return found[:limit]
