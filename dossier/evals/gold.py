"""Gold files: what a user asks and what a careful human would make a concept.

One format for every corpus (docs/evals.md has its JSON schema):

* ``questions``: ``{q, expect: [source paths], answer}`` — a question, the registered
  source paths (relative to the registered folder) that answer it, and words the right
  text contains;
* ``concepts``: ``{title, type, aliases, sources: [{path, lines: "A-B"}]}``;
* ``links`` (optional): ``{from, to}`` pairs of gold concept names.

Loading validates everything up front, so a typo in a gold file is reported as a
usage error naming the file and entry, not as a drop in a figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from dossier.errors import UsageError
from dossier.extract.text import fold

_LINES = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$")


@lru_cache(maxsize=65536)
def match_key(name: str) -> str:
    """Case-, whitespace- and punctuation-insensitive form used for matching names."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(name).lower()).split())


@lru_cache(maxsize=65536)
def singular_key(name: str) -> str:
    """``match_key`` with a trailing plural dropped ("Dock Doors" ~ "Dock Door")."""
    key = match_key(name)
    if len(key) > 3 and key.endswith("s") and not key.endswith("ss"):
        return key[:-1]
    return key


@dataclass(frozen=True)
class GoldSource:
    """Where a gold concept is defined: a registered source path and 1-based lines."""

    path: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class GoldConcept:
    title: str
    aliases: tuple[str, ...]
    type: str
    sources: tuple[GoldSource, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.title, *self.aliases)


@dataclass(frozen=True)
class GoldLink:
    source: str
    target: str


@dataclass(frozen=True)
class GoldQuestion:
    """A question, the source paths that answer it, and a string the answer contains."""

    q: str
    expect: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class GoldSet:
    concepts: tuple[GoldConcept, ...]
    links: tuple[GoldLink, ...] = ()
    path: str = ""
    questions: tuple[GoldQuestion, ...] = field(default=())

    def concept_named(self, name: str) -> GoldConcept | None:
        key = match_key(name)
        for concept in self.concepts:
            if any(match_key(n) == key for n in concept.names):
                return concept
        return None


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _parse_lines(file: Path, where: str, value: object) -> tuple[int | None, int | None]:
    if value is None:
        return None, None
    match = _LINES.match(str(value))
    if not match:
        raise UsageError(f"gold set {file}: {where} has lines {value!r}; write 'A-B' or 'A'")
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if start < 1 or end < start:
        raise UsageError(f"gold set {file}: {where} has lines {value!r} out of order")
    return start, end


def _parse_concept(file: Path, index: int, item: object) -> GoldConcept:
    if not isinstance(item, dict) or not isinstance(item.get("title"), str):
        raise UsageError(f"gold set {file}: concept #{index + 1} needs a string 'title'")
    title = item["title"]
    aliases = item.get("aliases") or []
    if not _strings(aliases):
        raise UsageError(f"gold set {file}: concept {title!r} has bad 'aliases'")
    sources: list[GoldSource] = []
    raw_sources = item.get("sources") or []
    if not isinstance(raw_sources, list):
        raise UsageError(f"gold set {file}: concept {title!r} has bad 'sources'")
    for source in raw_sources:
        if not isinstance(source, dict) or not isinstance(source.get("path"), str):
            raise UsageError(f"gold set {file}: concept {title!r} has a source without 'path'")
        start, end = _parse_lines(file, f"concept {title!r}", source.get("lines"))
        sources.append(GoldSource(source["path"], start, end))
    return GoldConcept(title, tuple(aliases), str(item.get("type") or ""), tuple(sources))


def _parse_question(file: Path, index: int, item: object) -> GoldQuestion:
    where = f"gold set {file}: question #{index + 1}"
    if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not item["q"].strip():
        raise UsageError(f"{where} needs a string 'q'")
    expect = item.get("expect")
    if not _strings(expect) or not expect:
        raise UsageError(f"{where} needs 'expect', a non-empty list of source paths")
    answer = item.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise UsageError(f"{where} needs a string 'answer'")
    return GoldQuestion(item["q"], tuple(expect), answer)


def parse_gold(raw: Any, file: Path) -> GoldSet:
    """Check a loaded gold mapping; every problem is a UsageError naming ``file``."""
    if not isinstance(raw, dict):
        raise UsageError(f"gold set {file} must be a mapping with 'questions' and/or 'concepts'")
    for key in ("questions", "concepts", "links"):
        if raw.get(key) is not None and not isinstance(raw.get(key), list):
            raise UsageError(f"gold set {file}: '{key}' must be a list")
    if not raw.get("questions") and not raw.get("concepts"):
        raise UsageError(f"gold set {file} needs a 'questions' or a 'concepts' list")
    concepts = tuple(_parse_concept(file, i, c) for i, c in enumerate(raw.get("concepts") or []))
    questions = tuple(
        _parse_question(file, i, q) for i, q in enumerate(raw.get("questions") or [])
    )
    gold = GoldSet(concepts, (), str(file), questions)
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
    return GoldSet(concepts, tuple(links), str(file), questions)


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
    return parse_gold(raw, file)
