"""Gold sets: what a careful consultant would extract from a fixture corpus.

A gold file is YAML: ``concepts`` (title, aliases, type) and ``links`` (from, to — each
a title or alias of a gold concept).  Loading validates references up front so a typo
in a gold file is reported as such, not as a recall drop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dossier.errors import UsageError
from dossier.extract.text import fold


def match_key(name: str) -> str:
    """Case-, whitespace- and punctuation-insensitive form used for matching names."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(name).lower()).split())


def singular_key(name: str) -> str:
    """``match_key`` with a trailing plural dropped ("Dock Doors" ~ "Dock Door")."""
    key = match_key(name)
    if len(key) > 3 and key.endswith("s") and not key.endswith("ss"):
        return key[:-1]
    return key


@dataclass(frozen=True)
class GoldConcept:
    title: str
    aliases: tuple[str, ...]
    type: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.title, *self.aliases)


@dataclass(frozen=True)
class GoldLink:
    source: str
    target: str


@dataclass(frozen=True)
class GoldSet:
    concepts: tuple[GoldConcept, ...]
    links: tuple[GoldLink, ...]
    path: str = ""

    def concept_named(self, name: str) -> GoldConcept | None:
        key = match_key(name)
        for concept in self.concepts:
            if any(match_key(n) == key for n in concept.names):
                return concept
        return None


def load_gold(path: Path | str) -> GoldSet:
    """Read and check a gold YAML file (UsageError naming the file on any problem)."""
    file = Path(path)
    if file.is_dir():
        file = file / "gold.yaml"
    try:
        raw: Any = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read gold set {file}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"gold set {file} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("concepts"), list):
        raise UsageError(f"gold set {file} needs a 'concepts' list")
    concepts: list[GoldConcept] = []
    for index, item in enumerate(raw["concepts"]):
        if not isinstance(item, dict) or not isinstance(item.get("title"), str):
            raise UsageError(f"gold set {file}: concept #{index + 1} needs a string 'title'")
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise UsageError(f"gold set {file}: concept {item['title']!r} has bad 'aliases'")
        concepts.append(GoldConcept(item["title"], tuple(aliases), str(item.get("type") or "")))
    gold = GoldSet(tuple(concepts), (), str(file))
    links: list[GoldLink] = []
    for index, item in enumerate(raw.get("links") or []):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("from", "to")
        ):
            raise UsageError(f"gold set {file}: link #{index + 1} needs string 'from' and 'to'")
        for end in ("from", "to"):
            if gold.concept_named(item[end]) is None:
                raise UsageError(
                    f"gold set {file}: link #{index + 1} names {item[end]!r}, not a gold concept"
                )
        links.append(GoldLink(item["from"], item["to"]))
    return GoldSet(tuple(concepts), tuple(links), str(file))
