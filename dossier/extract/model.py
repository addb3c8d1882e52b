"""Data shapes of the extract layer: the per-source cache record and the proposed concept.

``SourceExtraction`` is what a pure pass over ONE source yields; the runtime caches it by
the source's sha256, so it must round-trip through JSON exactly (``to_json``/``from_json``)
and carry everything the global ``assemble`` step needs — including the text, because
per-tenant entity patterns are applied in ``assemble`` (they are settings, and settings
must not be baked into a per-source cache entry).

``ProposedConcept`` is the extractor's output before it becomes an OKF document: the
runtime decides ``generated.at`` (it keeps the old one when content is unchanged), so the
proposal carries no timestamp at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from dossier.errors import UsageError

#: Bumped whenever the shape or the meaning of a SourceExtraction changes, so a runtime
#: cache written by an older extractor is treated as a miss instead of being misread.
#: 3: original lines of converted sources; ``Occurrence.person``.
EXTRACTION_SCHEMA = 3


class SourceLike(Protocol):
    """The fields of ``dossier.ingest.SourceDocument`` an extractor relies on.

    ``original_path``, ``title``, ``last_modified`` and ``origins`` (the original file's
    lines, dossier/ingest/origins.py) are read when present.
    """

    @property
    def source_id(self) -> str: ...

    @property
    def sha256(self) -> str: ...

    @property
    def text(self) -> str: ...


class ExtractionCacheError(ValueError):
    """A cached SourceExtraction is unreadable or was written by another schema version."""


@dataclass(frozen=True)
class Unit:
    """A structural candidate concept found in one source: a section, a table row, an item.

    ``type_hint``/``type_weight`` are the local type guess and how sure the local cues are;
    ``assemble`` sums them across sources when one concept is built from several units.
    """

    kind: str  # "section" | "row" | "item" (identified/glossary) | "list" | "document"
    title: str
    identifier: str | None
    aliases: tuple[str, ...]
    type_hint: str
    type_weight: int
    body: str
    start: int  # 1-based first line in the source
    end: int  # 1-based last line in the source (inclusive)
    description: str | None = None
    #: OKF lifecycle (``draft`` / ``stable`` / ``deprecated``) when the source states one
    status: str | None = None
    #: a unit that IS its document (a decision record, a meeting, a design doc): never
    #: merged with another document's unit because their titles are equal
    local: bool = False
    #: tags the source gives itself (frontmatter ``tags``, ``#tags``)
    tags: tuple[str, ...] = ()
    #: the unit this one was found inside (a meeting's decision: the meeting's title)
    parent: str | None = None
    #: the body cut into (start, end, text) parts, each cited with its own lines; when
    #: given, ``body`` is empty (a whole-document unit is cited section by section)
    parts: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True)
class Occurrence:
    """A name (identifier or recurring-term candidate) as it occurs in one source."""

    text: str
    count: int
    line: int  # the mention to cite: the heaviest (``mention_weight``), else the first
    snippet: str  # the sentence around that mention (markdown stripped)
    bold: bool = False
    scope_type: str | None = None  # container type where it first appears (for identifiers)
    role: str | None = None  # e.g. "Head of Operations" when written "Name, Head of ..."
    weight: int = 0  # how much that mention carries about the name (higher: more)
    person: bool = False  # written with a mail address: "Ada Lovelace <ada@example.org>"


@dataclass(frozen=True)
class Definition:
    """``term`` is defined as ``text`` at ``line``; ``strength`` 3 = glossary form, 1 = prose."""

    term: str
    text: str
    line: int
    strength: int


@dataclass(frozen=True)
class SourceExtraction:
    """Everything the deterministic extractor learns from one source, JSON-serializable."""

    source_id: str
    sha256: str
    title: str
    doc_kind: str
    line_count: int
    text: str
    last_modified: str | None = None
    #: the source's original-line map, compact form (``OriginMap.encode``); None: none
    origins: str | None = None
    units: tuple[Unit, ...] = ()
    identifiers: tuple[Occurrence, ...] = ()
    terms: tuple[Occurrence, ...] = ()
    definitions: tuple[Definition, ...] = ()
    alias_pairs: tuple[tuple[str, str], ...] = ()
    schema: int = EXTRACTION_SCHEMA

    def to_json(self) -> str:
        """Compact, key-sorted JSON: the same extraction always gives the same bytes."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str) -> SourceExtraction:
        """Rebuild an extraction; raises ExtractionCacheError for a stale or corrupt entry."""
        try:
            raw = json.loads(data)
        except ValueError as exc:
            raise ExtractionCacheError(f"cached extraction is not JSON: {exc}") from None
        if not isinstance(raw, dict) or raw.get("schema") != EXTRACTION_SCHEMA:
            found = raw.get("schema") if isinstance(raw, dict) else None
            raise ExtractionCacheError(
                f"cached extraction has schema {found!r}, expected {EXTRACTION_SCHEMA}"
            )
        try:
            return cls(
                source_id=raw["source_id"],
                sha256=raw["sha256"],
                title=raw["title"],
                doc_kind=raw["doc_kind"],
                line_count=raw["line_count"],
                text=raw["text"],
                last_modified=raw.get("last_modified"),
                origins=raw.get("origins"),
                units=tuple(
                    Unit(**{**u, "aliases": tuple(u["aliases"]), "tags": tuple(u["tags"]),
                            "parts": tuple((a, b, c) for a, b, c in u["parts"])})
                    for u in raw["units"]
                ),
                identifiers=tuple(Occurrence(**o) for o in raw["identifiers"]),
                terms=tuple(Occurrence(**o) for o in raw["terms"]),
                definitions=tuple(Definition(**d) for d in raw["definitions"]),
                alias_pairs=tuple((a, b) for a, b in raw["alias_pairs"]),
                schema=raw["schema"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ExtractionCacheError(f"cached extraction is malformed: {exc}") from None


@dataclass(frozen=True)
class ProposedSource:
    """One ``sources[]`` entry: ``resource`` is relative to the concept file's own folder."""

    id: str
    resource: str
    title: str
    source_id: str
    start: int
    end: int
    last_modified: str | None = None
    #: ``start``..``end`` as lines of the original file, when they differ (HTML, a text
    #: whose leading blank lines normalization dropped); the footnote names them too
    original: tuple[int, int] | None = None


@dataclass(frozen=True)
class ProposedConcept:
    """A concept the extractor proposes; becomes an OKF document via ``to_concept_document``."""

    concept_id: str
    type: str
    title: str
    description: str | None
    tags: tuple[str, ...]
    aliases: tuple[str, ...]
    body: str
    sources: tuple[ProposedSource, ...]
    #: OKF ``status``; None leaves it out (absent means ``stable``)
    status: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ExtractSettings:
    """Per-tenant knobs; ``entity_patterns`` come from the tenant manifest.

    Each pattern is a Python regex; a match (its named group ``id``, else group 1, else the
    whole match) is an entity name like a built-in identifier.
    """

    entity_patterns: tuple[str, ...] = ()
    #: a capitalised/bold term becomes an entity when seen this many times in total ...
    min_term_occurrences: int = 3
    #: ... or in at least this many distinct sources.
    min_term_documents: int = 2
    #: cap on the "Mentioned in" and "Related" lists of a concept.
    max_list_entries: int = 15
    max_description_chars: int = 200
    #: list items under an "Action items"/"Decisions"/... heading become concepts.
    list_item_units: bool = False
    #: a directory where ``assemble`` keeps its link cache between runs (the runtime passes
    #: a folder under the tenant's gitignored ``.dossier/``); None: no cache.
    cache_dir: str | None = None
    _compiled: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        patterns = tuple(self.entity_patterns)
        object.__setattr__(self, "entity_patterns", patterns)
        compiled: list[re.Pattern[str]] = []
        for pattern in patterns:
            try:
                compiled.append(re.compile(pattern))
            except re.error as exc:
                raise UsageError(
                    f"entity pattern {pattern!r} is not a valid regex: {exc}"
                ) from None
        object.__setattr__(self, "_compiled", tuple(compiled))
        for name in ("min_term_occurrences", "min_term_documents", "max_list_entries"):
            if getattr(self, name) < 1:
                raise UsageError(f"extract setting {name} must be >= 1")

    @property
    def compiled_patterns(self) -> tuple[re.Pattern[str], ...]:
        return self._compiled
