"""Consolidation: which names are one concept, of which type, under which id.

A union-find over name keys (never joining two different identifiers) merges units,
identifiers, recurring terms, alias pairs and short forms; then each group gets a title,
a type from the summed cues, and a folder/slug id.  Everything iterates in sorted order.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from dossier.extract.deterministic import cues
from dossier.extract.deterministic.names import COMMON_ACRONYMS, STOPWORDS
from dossier.extract.deterministic.single_names import (
    MIN_NAMED_DOCUMENTS,
    is_named_term,
    is_plain_name,
    named_type,
)
from dossier.extract.model import (
    Definition,
    ExtractSettings,
    Occurrence,
    SourceExtraction,
    Unit,
)
from dossier.extract.text import (
    entity_key,
    is_identifier,
    sentence_around,
    slugify,
)
from dossier.okf.ids import id_problem

MAX_ID_CHARS = 80
_KIND_RANK = {"section": 0, "document": 1, "row": 2, "item": 3, "list": 4}
_CONNECTORS = frozenset([
    "at", "for", "in", "on", "with", "and", "to", "from", "by", "under", "during", "via",
])
CAMEL = re.compile(r"^[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*$")
_SYSTEM_WORDS = frozenset(
    [
        "system", "platform", "portal", "gateway", "hub", "erp", "wms", "tms", "crm", "app",
        "database", "scheduler", "workbook", "api", "service",
    ]
)
_PROCESS_DEFINITION = re.compile(
    r"\b(is|are) (the|a|an) (\w+ ){0,2}(process|procedure|workflow)\b"
    r"|\bprocess (by which|of|that)\b",
    re.I,
)
_GERUND_START = re.compile(r"^(?!during|being|including|according|nothing|something|anything)"
                           r"[A-Z]?[a-z]{3,}ing\b", re.I)
_GERUND_NAME = re.compile(r"\b(?!during|being|building|ceiling|string|thing|spring|morning|evening)"
                          r"[a-z]{3,}ing$")


class UnionFind:
    """Union-find over name keys that never merges two different identifiers."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.idents: dict[str, frozenset[str]] = {}
        self.has_unit: dict[str, bool] = {}

    def add(self, key: str, *, identifier: bool = False, unit: bool = False) -> None:
        if key not in self.parent:
            self.parent[key] = key
            self.idents[key] = frozenset({key}) if identifier else frozenset()
            self.has_unit[key] = unit
        else:
            root = self.find(key)
            if identifier:
                self.idents[root] = self.idents[root] | {key}
            if unit:
                self.has_unit[root] = True

    def find(self, key: str) -> str:
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str, *, allow_two_units: bool = True) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.idents[ra] and self.idents[rb] and self.idents[ra] != self.idents[rb]:
            return False
        if not allow_two_units and self.has_unit[ra] and self.has_unit[rb]:
            return False
        # deterministic root: the smaller key wins
        keep, drop = (ra, rb) if ra < rb else (rb, ra)
        self.parent[drop] = keep
        self.idents[keep] = self.idents[keep] | self.idents[drop]
        self.has_unit[keep] = self.has_unit[keep] or self.has_unit[drop]
        return True


@dataclass
class TermStats:
    count: int = 0
    sources: set[str] = field(default_factory=set)
    forms: dict[str, int] = field(default_factory=dict)
    bold: bool = False
    role: str | None = None
    person: bool = False  # written with a mail address somewhere


@dataclass
class Component:
    keys: list[str]
    units: list[tuple[SourceExtraction, Unit]]
    identifiers: list[str]
    forms: dict[str, int]  # surface form → frequency
    concept_id: str = ""
    title: str = ""
    type: str = cues.TOPIC
    entity: bool = False


def pattern_occurrences(ext: SourceExtraction, settings: ExtractSettings) -> list[Occurrence]:
    if not settings.compiled_patterns:
        return []
    starts = [0]
    for match in re.finditer("\n", ext.text):
        starts.append(match.end())
    found: dict[str, list[object]] = {}
    for pattern in settings.compiled_patterns:
        for match in pattern.finditer(ext.text):
            if "id" in pattern.groupindex and match.group("id"):
                text, begin, end = match.group("id"), match.start("id"), match.end("id")
            elif pattern.groups >= 1 and match.group(1):
                text, begin, end = match.group(1), match.start(1), match.end(1)
            else:
                text, begin, end = match.group(0), match.start(), match.end()
            text = text.strip()
            if not text:
                continue
            line_index = bisect.bisect_right(starts, begin) - 1
            line_text = ext.text[starts[line_index] : (starts[line_index + 1] - 1)
                                 if line_index + 1 < len(starts) else len(ext.text)]
            col = begin - starts[line_index]
            entry = found.get(text)
            if entry is None:
                found[text] = [1, line_index + 1,
                               sentence_around(line_text, col, col + (end - begin))]
            else:
                entry[0] = int(str(entry[0])) + 1
    return [
        Occurrence(text=t, count=int(str(v[0])), line=int(str(v[1])), snippet=str(v[2]))
        for t, v in sorted(found.items())
    ]


def term_qualifies(
    key: str,
    entry: TermStats,
    settings: ExtractSettings,
    definitions: dict[str, Definition],
    pair_keys: set[str],
) -> bool:
    form = max(sorted(entry.forms), key=lambda f: entry.forms[f])
    words = key.split()
    if not words or all(w in STOPWORDS for w in words):
        return False
    recurring = (
        len(entry.sources) >= settings.min_term_documents
        or entry.count >= settings.min_term_occurrences
    )
    # a name the corpus explicitly defines ("Inbound Receiving is the process of …") is
    # knowledge even when it is used only once
    defined = key in definitions and (len(words) >= 2 or bool(CAMEL.match(form)))
    # a person written with a role ("Dana Whitby (CFO)") and named again is a stakeholder
    defined = defined or (entry.role is not None and entry.count >= 2)
    # the expansion of a short form ("Mean Time To Recovery (MTTR)") is its full name
    defined = defined or (len(words) >= 2 and key in pair_keys)
    if not (recurring or defined):
        return False
    if len(form.split()) == 1:
        if form in COMMON_ACRONYMS:
            return False
        if CAMEL.match(form) or entry.bold:
            return True
        if is_plain_name(form):  # "the Forge": named with an article in enough documents
            return len(entry.sources) >= MIN_NAMED_DOCUMENTS
        # a bare acronym is an entity only when the corpus defines or expands it
        return key in definitions or key in pair_keys
    return True


#: A one-word term "defined" this many different ways is a field label, not a term.
LABEL_DEFINITIONS = 3


def field_labels(exts: Sequence[SourceExtraction]) -> set[str]:
    """Keys of one-word bold labels a template fills in again and again (``**Goal**: …``).

    Outside a glossary, a word that opens many lines each saying something different
    labels a field of a template; it defines nothing, so it is no concept.
    """
    texts: dict[str, set[str]] = {}
    glossary: set[str] = set()
    for ext in exts:
        for definition in ext.definitions:
            key = entity_key(definition.term)
            if " " in key or is_identifier(definition.term):
                continue
            texts.setdefault(key, set()).add(definition.text)
            if definition.strength >= 3:
                glossary.add(key)
    return {k for k, v in texts.items() if len(v) >= LABEL_DEFINITIONS and k not in glossary}


def best_definitions(
    exts: Sequence[SourceExtraction], order: dict[str, int]
) -> tuple[dict[str, Definition], dict[str, str]]:
    """The strongest definition per name key, and the source it came from."""
    best: dict[str, tuple[tuple[int, int, int], Definition, str]] = {}
    labels = field_labels(exts)
    for ext in exts:
        for definition in ext.definitions:
            key = entity_key(definition.term)
            if key in labels:
                continue
            rank = (-definition.strength, order[ext.source_id], definition.line)
            current = best.get(key)
            if current is None or rank < current[0]:
                best[key] = (rank, definition, ext.source_id)
    return {k: v[1] for k, v in best.items()}, {k: v[2] for k, v in best.items()}


def merge_short_forms(
    uf: UnionFind, forms: dict[str, dict[str, int]], units: list[tuple[SourceExtraction, Unit]]
) -> None:
    """Fold a non-structural name into the one structural title it abbreviates.

    A document's own concept (a design doc "MSRV resolver") is not what its first word
    abbreviates: "MSRV" names a thing the document is about, so it stays apart.  A
    several-word part ("Performance Platform" of "Performance platform and backdrop
    architecture") still folds into it.
    """
    # a title two documents share is keyed per document (``own_key``): it has no corpus
    # key of its own to fold a short form into
    unit_titles = sorted({key for _, u in units
                          if u.kind != "list" and (key := entity_key(u.title)) in uf.parent})
    documents = {entity_key(u.title) for _, u in units if u.local and u.kind == "document"}
    short_to_titles: dict[str, set[str]] = {}
    for title in unit_titles:
        words = title.split()
        if len(words) < 2 or len(words) > 6:
            continue
        connector = next((i for i, w in enumerate(words) if w in _CONNECTORS), None)
        shorts: set[str] = set()
        if connector is not None:
            if connector >= 1:
                shorts.add(" ".join(words[:connector]))
        else:
            for cut in range(1, len(words)):
                shorts.add(" ".join(words[cut:]))
                shorts.add(" ".join(words[:cut]))
        for short in shorts:
            if title in documents and len(short.split()) < 2:
                continue
            short_to_titles.setdefault(short, set()).add(title)
    for short in sorted(short_to_titles):
        titles = short_to_titles[short]
        if len(titles) != 1 or short not in uf.parent:
            continue
        root = uf.find(short)
        if uf.has_unit[root]:
            continue
        surface = max(sorted(forms.get(short, {"": 0})), key=lambda f: forms[short].get(f, 0))
        if len(short.split()) == 1 and not (CAMEL.match(surface) or surface.isupper()):
            continue
        uf.union(next(iter(titles)), short)


def build_components(
    uf: UnionFind,
    forms: dict[str, dict[str, int]],
    units: list[tuple[SourceExtraction, Unit]],
    unit_home: list[str],
    custom: set[str],
) -> list[Component]:
    groups: dict[str, list[str]] = {}
    for key in sorted(uf.parent):
        groups.setdefault(uf.find(key), []).append(key)
    comps: dict[str, Component] = {}
    for root in sorted(groups):
        keys = groups[root]
        merged: dict[str, int] = {}
        for key in keys:
            for form, count in forms.get(key, {}).items():
                merged[form] = merged.get(form, 0) + count
        idents = sorted(
            f for f in merged if (is_identifier(f) or f in custom) and entity_key(f) in keys
        )
        comps[root] = Component(keys=keys, units=[], identifiers=idents, forms=merged)
    for (ext, unit), home in zip(units, unit_home, strict=True):
        if home:
            comps[uf.find(home)].units.append((ext, unit))
    return [comps[r] for r in sorted(comps)]


def resolve_components(
    comps: list[Component], stats: dict[str, TermStats], definitions: dict[str, Definition],
    expanded: frozenset[str] | set[str] = frozenset(),
) -> None:
    """Title and type of each component (``expanded``: keys written "Full Name (FN)")."""
    for comp in comps:
        comp.units.sort(key=lambda eu: (_KIND_RANK.get(eu[1].kind, 9), eu[0].source_id,
                                        eu[1].start))
        comp.entity = not any(u.kind in ("section", "document") for _, u in comp.units)
        if comp.units:
            title = comp.units[0][1].title
            if is_identifier(title):
                better = [u.title for _, u in comp.units if not is_identifier(u.title)]
                title = better[0] if better else title
        else:
            names = {f: c for f, c in comp.forms.items() if not is_identifier(f)}
            if names:
                title = max(sorted(names), key=lambda f: (names[f], -len(f)))
            else:
                title = comp.identifiers[0] if comp.identifiers else sorted(comp.forms)[0]
        comp.title = title

        scores: dict[str, int] = {}
        for _, unit in comp.units:
            if unit.type_hint != cues.TOPIC:
                scores[unit.type_hint] = scores.get(unit.type_hint, 0) + unit.type_weight
        for identifier in comp.identifiers:
            type_ = cues.prefix_type(identifier)
            if type_:
                scores[type_] = scores.get(type_, 0) + 4
        for key in comp.keys:
            entry = stats.get(key)
            if entry is not None and (entry.role or entry.person) and len(key.split()) in (2, 3):
                scores[cues.STAKEHOLDER] = scores.get(cues.STAKEHOLDER, 0) + 3
            definition = definitions.get(key)
            if definition is not None and _PROCESS_DEFINITION.search(definition.text):
                scores[cues.PROCESS] = scores.get(cues.PROCESS, 0) + 3
            if definition is not None and _GERUND_START.match(definition.text):
                scores[cues.PROCESS] = scores.get(cues.PROCESS, 0) + 3
            if not comp.units and key.split()[-1] in _SYSTEM_WORDS and len(key.split()) >= 2:
                scores[cues.SYSTEM] = scores.get(cues.SYSTEM, 0) + 1
        # a short form the text spells out, met only in passing, is a term of the field
        if not comp.units and not scores and any(k in expanded for k in comp.keys):
            scores[cues.GLOSSARY] = 1
        # a one-word name used with an article ("the Forge") is a thing the documents use
        if not comp.units and not scores and any(
                (entry := stats.get(k)) is not None and is_named_term(entry.forms, entry.bold)
                for k in comp.keys):
            scores[named_type(comp.title)] = 1
        # an activity named by a gerund ("Wave Picking", "Cross-Dock Scheduling") is a process
        if (comp.entity and _GERUND_NAME.search(entity_key(comp.title))
                and len(comp.title.split()) >= 2):
            scores[cues.PROCESS] = scores.get(cues.PROCESS, 0) + 3
        rank = {t: i for i, t in enumerate(cues.TYPE_ORDER)}
        if scores:
            best = max(sorted(scores), key=lambda t: (scores[t], -rank.get(t, 99)))
            comp.type = best if scores[best] >= 1 else cues.TOPIC
        else:
            comp.type = cues.TOPIC


def assign_ids(comps: list[Component], order: dict[str, int]) -> None:
    """Give every component a ``folder/slug`` id that is valid and unique.

    Same components in, same ids out.  A slug that names a reserved file (a term
    "Index" or a heading "### Log" would be ``glossary/index``, and ``index.md`` is
    not a concept) gets the type added (``glossary/index-glossary-term``).  Several
    components wanting one id share it by first source: the first keeps it, the rest
    get ``-2``, ``-3``..., skipping every suffix that is itself some component's
    natural id, so a title "Foo 2" never collides with the second "Foo".
    """
    wanted: dict[str, list[Component]] = {}
    for comp in comps:
        folder = cues.FOLDERS.get(comp.type, "topics")
        identifier = comp.identifiers[0] if comp.identifiers else ""
        base = comp.title
        if identifier and entity_key(identifier) not in entity_key(comp.title):
            base = f"{identifier} {comp.title}"
        limit = MAX_ID_CHARS - len(folder) - 4
        slug = slugify(base, limit)
        if id_problem(f"{folder}/{slug}") is not None:
            slug = slugify(f"{slug} {comp.type}", limit)
        wanted.setdefault(f"{folder}/{slug}", []).append(comp)
    taken = {concept_id for concept_id in wanted if id_problem(concept_id) is None}
    for concept_id in sorted(wanted):
        group = wanted[concept_id]
        group.sort(key=lambda c: (_first_source(c, order), c.title, c.keys[0]))
        suffix = 1
        for index, comp in enumerate(group):
            if index == 0 and id_problem(concept_id) is None:
                comp.concept_id = concept_id
                continue
            suffix += 1
            while f"{concept_id}-{suffix}" in taken:
                suffix += 1
            comp.concept_id = f"{concept_id}-{suffix}"
            taken.add(comp.concept_id)


def _first_source(comp: Component, order: dict[str, int]) -> tuple[int, int]:
    if comp.units:
        ext, unit = comp.units[0]
        return order[ext.source_id], unit.start
    return (len(order), 0)


#: A name with nothing but passing mentions becomes a concept only from this many documents.
MIN_MENTION_DOCUMENTS = 3


def has_substance(
    comp: Component,
    stats: dict[str, TermStats],
    definitions: dict[str, Definition],
    ident_sources: dict[str, set[str]],
    custom: set[str],
) -> bool:
    """Does a group of names carry knowledge of its own, or only "mentioned in" lines?

    A concept whose whole body would be a list of passing mentions is noise in the
    bundle.  It stands only with a unit of its own (a section, a document, a table row,
    an item), a definition, a person's role, a per-tenant pattern the tenant asked for,
    or mentions in at least ``MIN_MENTION_DOCUMENTS`` documents.  Otherwise its name
    stays plain text where it is written.
    """
    if comp.units or any(f in custom for f in comp.identifiers):
        return True
    documents: set[str] = set()
    for key in comp.keys:
        if key in definitions:
            return True
        entry = stats.get(key)
        if entry is not None:
            if entry.role is not None:
                return True
            documents |= entry.sources
    for identifier in comp.identifiers:
        documents |= ident_sources.get(identifier, set())
    return len(documents) >= MIN_MENTION_DOCUMENTS
