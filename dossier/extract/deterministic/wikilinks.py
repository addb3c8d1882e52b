"""``[[wikilinks]]`` of personal notes, resolved to links to the target note's concept.

A vault links notes by file name (``[[./thread pool|pools]]``, ``[[Git#Objects]]``), not
by the concept titles the extractor writes, so the mention linker cannot follow them.  In
``assemble`` every note's concept is known by its file name, title and aliases; a
wikilink whose target is one of them becomes an OKF link carrying the writer's label, and
one pointing outside the corpus keeps only its label (nothing the writer wrote is lost,
no dangling ``[[…]]`` is left for the mention linker to link inside).  An embed
(``![[image.png]]``) that is no note is kept as its label in italics, which the mention
linker never touches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dossier.extract.model import SourceExtraction, Unit
from dossier.okf.codeblocks import code_ranges, inside
from dossier.okf.links import escape_link_text

_WIKILINK = re.compile(r"(?P<embed>!?)\[\[(?P<target>[^\[\]|#\n]*)(?:#[^\[\]|\n]*)?"
                       r"(?:\|(?P<label>[^\[\]\n]*))?\]\]")
_NOTE_SUFFIX = re.compile(r"-(?:md|markdown|txt)$")


def note_key(name: str) -> str:
    """A note's name as a lookup key: last path part, no extension, slug-like."""
    name = name.strip().replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"\.(?:md|markdown|txt)$", "", name, flags=re.I)
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def note_index(homes: Iterable[tuple[SourceExtraction, Unit, str]]) -> dict[str, str]:
    """Note name → concept id, from each note's own (document) unit and where it went.

    ``homes`` yields (extraction, unit, concept id).  A file name is the surest key, so
    it is registered first; titles and aliases only fill names no file has.
    """
    index: dict[str, str] = {}
    later: list[tuple[str, str]] = []
    for ext, unit, concept_id in homes:
        if ext.doc_kind != "note" or unit.kind != "document":
            continue
        stem = _NOTE_SUFFIX.sub("", ext.source_id.rsplit("/", 1)[-1])
        index.setdefault(note_key(stem), concept_id)
        later.extend((note_key(name), concept_id) for name in (unit.title, *unit.aliases))
    for key, concept_id in later:
        index.setdefault(key, concept_id)
    return index


def resolve(body: str, index: dict[str, str], href: dict[str, str], self_id: str
            ) -> tuple[str, list[str]]:
    """``body`` with its wikilinks as links (or labels), and the concepts linked to."""
    if "[[" not in body:
        return body, []
    targets: list[str] = []
    code = code_ranges(body)  # `[[ -f x ]]` in a shell snippet is code, not a wikilink

    def replace(match: re.Match[str]) -> str:
        if inside(code, match.start(), match.end()):
            return match.group(0)
        target = match.group("target").strip()
        label = (match.group("label") or "").strip() or target.rsplit("/", 1)[-1] or target
        concept_id = index.get(note_key(target)) if target else None
        if concept_id is None or concept_id not in href:
            return f"*{label}*" if match.group("embed") else label
        if concept_id == self_id:
            return label
        if concept_id not in targets:
            targets.append(concept_id)
        return f"[{escape_link_text(label)}]({href[concept_id]})"

    return _WIKILINK.sub(replace, body), targets


def plain(text: str | None) -> str | None:
    """``text`` (a description) with each wikilink written as its label."""
    if not text or "[[" not in text:
        return text
    return _WIKILINK.sub(
        lambda m: (m.group("label") or "").strip()
        or m.group("target").strip().rsplit("/", 1)[-1], text)
