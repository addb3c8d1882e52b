"""The global pass: many cached SourceExtractions in, one consistent set of concepts out.

Here — and only here — information from different sources meets: a name seen in five
documents becomes one concept with five sources; an identifier that heads a section is
the same concept as that section; types are resolved by summing local cues; descriptions
come from the strongest definition; bodies get links to every other concept they mention.
Every collection is sorted before it is iterated, so the output is byte-stable.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dossier.extract import cues
from dossier.extract.linkcache import LinkCache
from dossier.extract.linker import Matcher
from dossier.extract.model import (
    Definition,
    ExtractSettings,
    Occurrence,
    ProposedConcept,
    ProposedSource,
    SourceExtraction,
    Unit,
)
from dossier.extract.names import COMMON_ACRONYMS, STOPWORDS
from dossier.extract.provenance import cite, footnote_text, snapshot_resource, source_label
from dossier.extract.text import (
    entity_key as norm_key,
)
from dossier.extract.text import (
    first_sentence,
    is_identifier,
    sentence_around,
    slugify,
    truncate,
)
from dossier.okf import concept_href

MAX_ID_CHARS = 80
_KIND_RANK = {"section": 0, "document": 1, "row": 2, "item": 3, "list": 4}
_CONNECTORS = frozenset([
    "at", "for", "in", "on", "with", "and", "to", "from", "by", "under", "during", "via",
])
_CAMEL = re.compile(r"^[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*$")
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


class _UnionFind:
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
class _TermStats:
    count: int = 0
    sources: set[str] = field(default_factory=set)
    forms: dict[str, int] = field(default_factory=dict)
    bold: bool = False
    role: str | None = None


@dataclass
class _Mention:
    source_id: str
    line: int
    snippet: str


@dataclass
class _Component:
    keys: list[str]
    units: list[tuple[SourceExtraction, Unit]]
    identifiers: list[str]
    forms: dict[str, int]  # surface form → frequency
    concept_id: str = ""
    title: str = ""
    type: str = cues.TOPIC
    entity: bool = False


def assemble(
    extractions: Sequence[SourceExtraction], settings: ExtractSettings | None = None
) -> list[ProposedConcept]:
    settings = settings or ExtractSettings()
    exts = sorted(extractions, key=lambda e: e.source_id)
    by_source = {e.source_id: e for e in exts}
    order = {e.source_id: i for i, e in enumerate(exts)}

    ident_occ: dict[str, dict[str, Occurrence]] = {}
    for ext in exts:
        for occ in ext.identifiers:
            ident_occ.setdefault(occ.text, {})[ext.source_id] = occ
        for occ in _pattern_occurrences(ext, settings):
            ident_occ.setdefault(occ.text, {}).setdefault(ext.source_id, occ)

    uf = _UnionFind()
    forms: dict[str, dict[str, int]] = {}

    def register(key: str, form: str, weight: int = 1, **flags: bool) -> None:
        uf.add(key, **flags)
        bucket = forms.setdefault(key, {})
        bucket[form] = bucket.get(form, 0) + weight

    # ---- structural units
    units: list[tuple[SourceExtraction, Unit]] = []
    for ext in exts:
        for unit in ext.units:
            if unit.kind == "list" and not settings.list_item_units:
                continue
            units.append((ext, unit))
    unit_home: list[str] = []
    for _ext, unit in units:
        keys: list[str] = []
        if unit.identifier:
            key = norm_key(unit.identifier)
            register(key, unit.identifier, 100, identifier=True, unit=True)
            keys.append(key)
        for name in (unit.title, *unit.aliases):
            key = norm_key(name)
            if not key:
                continue
            register(key, name, 10 if name == unit.title else 1, unit=True,
                     identifier=is_identifier(name))
            keys.append(key)
        for key in keys[1:]:
            uf.union(keys[0], key)
        unit_home.append(keys[0] if keys else "")

    # ---- identifiers (all of them are entities)
    for identifier in sorted(ident_occ):
        register(norm_key(identifier), identifier, 0, identifier=True)

    # ---- recurring terms
    stats: dict[str, _TermStats] = {}
    for ext in exts:
        for occ in ext.terms:
            key = norm_key(occ.text)
            if not key:
                continue
            entry = stats.setdefault(key, _TermStats())
            entry.count += occ.count
            entry.sources.add(ext.source_id)
            entry.forms[occ.text] = entry.forms.get(occ.text, 0) + occ.count
            entry.bold = entry.bold or occ.bold
            if entry.role is None and occ.role:
                entry.role = occ.role
    definitions, def_source = _best_definitions(exts, order)
    pair_keys: set[str] = set()
    for ext in exts:
        for a, b in ext.alias_pairs:
            pair_keys.update((norm_key(a), norm_key(b)))

    selected: set[str] = set()
    for key in sorted(stats):
        entry = stats[key]
        if key in uf.parent:
            selected.add(key)
            continue
        if not _term_qualifies(key, entry, settings, definitions, pair_keys):
            continue
        selected.add(key)
    for key in sorted(selected):
        for form, count in sorted(stats[key].forms.items()):
            register(key, form, count)

    # ---- alias pairs ("Name (SYS-02)", "Full Name (FN)")
    for ext in exts:
        for a, b in ext.alias_pairs:
            ka, kb = norm_key(a), norm_key(b)
            if ka in uf.parent and kb in uf.parent:
                uf.union(ka, kb, allow_two_units=False)

    # ---- short forms of structural titles ("Integration Hub" for "Acme Integration Hub")
    _merge_short_forms(uf, forms, units)

    # ---- components
    custom = {occ_name for occ_name in ident_occ if not is_identifier(occ_name)}
    comps = _components(uf, forms, units, unit_home, custom)
    _resolve(comps, stats, definitions)
    _assign_ids(comps, order)

    # ---- bodies, sources, links
    return _build(comps, exts, by_source, order, ident_occ, stats, definitions, def_source,
                  settings)


# --------------------------------------------------------------------------- selection


def _pattern_occurrences(ext: SourceExtraction, settings: ExtractSettings) -> list[Occurrence]:
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


def _term_qualifies(
    key: str,
    entry: _TermStats,
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
    defined = key in definitions and (len(words) >= 2 or bool(_CAMEL.match(form)))
    # a person written with a role ("Dana Whitby (CFO)") and named again is a stakeholder
    defined = defined or (entry.role is not None and entry.count >= 2)
    if not (recurring or defined):
        return False
    if len(form.split()) == 1:
        if form in COMMON_ACRONYMS:
            return False
        if _CAMEL.match(form) or entry.bold:
            return True
        # a bare acronym is an entity only when the corpus defines or expands it
        return key in definitions or key in pair_keys
    return True


def _best_definitions(
    exts: Sequence[SourceExtraction], order: dict[str, int]
) -> tuple[dict[str, Definition], dict[str, str]]:
    """The strongest definition per name key, and the source it came from."""
    best: dict[str, tuple[tuple[int, int, int], Definition, str]] = {}
    for ext in exts:
        for definition in ext.definitions:
            key = norm_key(definition.term)
            rank = (-definition.strength, order[ext.source_id], definition.line)
            current = best.get(key)
            if current is None or rank < current[0]:
                best[key] = (rank, definition, ext.source_id)
    return {k: v[1] for k, v in best.items()}, {k: v[2] for k, v in best.items()}


def _merge_short_forms(
    uf: _UnionFind, forms: dict[str, dict[str, int]], units: list[tuple[SourceExtraction, Unit]]
) -> None:
    """Fold a non-structural name into the one structural title it abbreviates."""
    unit_titles = sorted({norm_key(u.title) for _, u in units if u.kind != "list"})
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
            short_to_titles.setdefault(short, set()).add(title)
    for short in sorted(short_to_titles):
        titles = short_to_titles[short]
        if len(titles) != 1 or short not in uf.parent:
            continue
        root = uf.find(short)
        if uf.has_unit[root]:
            continue
        surface = max(sorted(forms.get(short, {"": 0})), key=lambda f: forms[short].get(f, 0))
        if len(short.split()) == 1 and not (_CAMEL.match(surface) or surface.isupper()):
            continue
        uf.union(next(iter(titles)), short)


def _components(
    uf: _UnionFind,
    forms: dict[str, dict[str, int]],
    units: list[tuple[SourceExtraction, Unit]],
    unit_home: list[str],
    custom: set[str],
) -> list[_Component]:
    groups: dict[str, list[str]] = {}
    for key in sorted(uf.parent):
        groups.setdefault(uf.find(key), []).append(key)
    comps: dict[str, _Component] = {}
    for root in sorted(groups):
        keys = groups[root]
        merged: dict[str, int] = {}
        for key in keys:
            for form, count in forms.get(key, {}).items():
                merged[form] = merged.get(form, 0) + count
        idents = sorted(
            f for f in merged if (is_identifier(f) or f in custom) and norm_key(f) in keys
        )
        comps[root] = _Component(keys=keys, units=[], identifiers=idents, forms=merged)
    for (ext, unit), home in zip(units, unit_home, strict=True):
        if home:
            comps[uf.find(home)].units.append((ext, unit))
    return [comps[r] for r in sorted(comps)]


# --------------------------------------------------------------------------- resolution


def _resolve(
    comps: list[_Component], stats: dict[str, _TermStats], definitions: dict[str, Definition]
) -> None:
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
            if entry is not None and entry.role and len(key.split()) in (2, 3):
                scores[cues.STAKEHOLDER] = scores.get(cues.STAKEHOLDER, 0) + 3
            definition = definitions.get(key)
            if definition is not None and _PROCESS_DEFINITION.search(definition.text):
                scores[cues.PROCESS] = scores.get(cues.PROCESS, 0) + 3
            if definition is not None and _GERUND_START.match(definition.text):
                scores[cues.PROCESS] = scores.get(cues.PROCESS, 0) + 3
            if not comp.units and key.split()[-1] in _SYSTEM_WORDS and len(key.split()) >= 2:
                scores[cues.SYSTEM] = scores.get(cues.SYSTEM, 0) + 1
        # an activity named by a gerund ("Wave Picking", "Cross-Dock Scheduling") is a process
        if (comp.entity and _GERUND_NAME.search(norm_key(comp.title))
                and len(comp.title.split()) >= 2):
            scores[cues.PROCESS] = scores.get(cues.PROCESS, 0) + 3
        rank = {t: i for i, t in enumerate(cues.TYPE_ORDER)}
        if scores:
            best = max(sorted(scores), key=lambda t: (scores[t], -rank.get(t, 99)))
            comp.type = best if scores[best] >= 1 else cues.TOPIC
        else:
            comp.type = cues.TOPIC


def _assign_ids(comps: list[_Component], order: dict[str, int]) -> None:
    wanted: dict[str, list[_Component]] = {}
    for comp in comps:
        folder = cues.FOLDERS.get(comp.type, "topics")
        identifier = comp.identifiers[0] if comp.identifiers else ""
        base = comp.title
        if identifier and norm_key(identifier) not in norm_key(comp.title):
            base = f"{identifier} {comp.title}"
        slug = slugify(base, MAX_ID_CHARS - len(folder) - 4)
        wanted.setdefault(f"{folder}/{slug}", []).append(comp)
    for concept_id in sorted(wanted):
        group = wanted[concept_id]
        group.sort(key=lambda c: (_first_source(c, order), c.title, c.keys[0]))
        for index, comp in enumerate(group):
            comp.concept_id = concept_id if index == 0 else f"{concept_id}-{index + 1}"


def _first_source(comp: _Component, order: dict[str, int]) -> tuple[int, int]:
    if comp.units:
        ext, unit = comp.units[0]
        return order[ext.source_id], unit.start
    return (len(order), 0)


# --------------------------------------------------------------------------- output


def _build(
    comps: list[_Component],
    exts: Sequence[SourceExtraction],
    by_source: dict[str, SourceExtraction],
    order: dict[str, int],
    ident_occ: dict[str, dict[str, Occurrence]],
    stats: dict[str, _TermStats],
    definitions: dict[str, Definition],
    def_source: dict[str, str],
    settings: ExtractSettings,
) -> list[ProposedConcept]:
    term_occ: dict[str, dict[str, Occurrence]] = {}
    for ext in exts:
        for occ in ext.terms:
            key = norm_key(occ.text)
            current = term_occ.setdefault(key, {}).get(ext.source_id)
            if current is None or occ.line < current.line:
                term_occ[key][ext.source_id] = occ

    href = {c.concept_id: concept_href(c.concept_id) for c in comps}
    names: list[tuple[str, str]] = []
    for comp in comps:
        for name in _names_for_linking(comp):
            names.append((name, comp.concept_id))
    matcher = Matcher.build(sorted(names))
    cache = LinkCache(Path(settings.cache_dir) if settings.cache_dir else None, matcher)

    drafts: dict[str, tuple[_Component, str, list[ProposedSource], str | None, list[str]]] = {}
    edges: dict[str, list[str]] = {}
    for comp in comps:
        definition = _definition_for(comp, definitions, def_source)
        sources, blocks = _sources_and_blocks(comp, by_source, order, ident_occ, term_occ,
                                              definition, settings)
        body = "\n\n".join(blocks)
        cache_key = cache.key(comp.concept_id, body)
        hit = cache.lookup(cache_key, body)
        if hit is not None:
            body, targets = hit
        else:
            linked, targets, starters = matcher.link_tracked(body, comp.concept_id, href)
            cache.store(cache_key, linked, targets, starters)
            body = linked
        edges[comp.concept_id] = targets
        description = _description(comp, definitions, stats, settings,
                                    fallback=_first_mention(blocks))
        tags = sorted({ext.doc_kind for ext, _ in comp.units if ext.doc_kind != "document"})
        drafts[comp.concept_id] = (comp, body, sources, description, tags)

    cache.save()

    mentioned_by: dict[str, list[str]] = {}
    for source_id in sorted(edges):
        for target in edges[source_id]:
            mentioned_by.setdefault(target, []).append(source_id)

    proposals: list[ProposedConcept] = []
    titles = {c.concept_id: c.title for c in comps}
    for concept_id in sorted(drafts):
        comp, body, sources, description, tags = drafts[concept_id]
        parts = [body] if body.strip() else []
        backlinks = sorted(mentioned_by.get(concept_id, []), key=lambda i: (titles[i], i))
        if comp.entity and backlinks:
            shown = backlinks[: settings.max_list_entries]
            lines = [f"- [{_escape(titles[i])}]({href[i]})" for i in shown]
            if len(backlinks) > len(shown):
                lines.append(f"- … and {len(backlinks) - len(shown)} more")
            parts.append("## Related\n\nMentioned in:\n\n" + "\n".join(lines))
        if sources:
            parts.append("\n".join(
                f"[^{s.id}]: {footnote_text(s.title, s.start, s.end)}" for s in sources
            ))
        aliases = sorted(
            {f for f in comp.forms if norm_key(f) != norm_key(comp.title) and f.strip()},
            key=lambda f: (f.lower(), f),
        )
        aliases = _dedupe_aliases(aliases)
        proposals.append(ProposedConcept(
            concept_id=concept_id,
            type=comp.type,
            title=comp.title,
            description=description,
            tags=tuple(tags),
            aliases=tuple(aliases),
            body="\n\n".join(parts).strip() + "\n",
            sources=tuple(sources),
        ))
    return proposals


def _dedupe_aliases(aliases: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for alias in aliases:
        key = norm_key(alias)
        if key in seen:
            continue
        seen.add(key)
        out.append(alias)
    return out


def _escape(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


def _names_for_linking(comp: _Component) -> Iterable[str]:
    names = {comp.title, *comp.forms}
    for name in sorted(names):
        words = name.split()
        if not words:
            continue
        if len(words) == 1:
            token = words[0]
            if token.lower() in STOPWORDS or len(token) < 2:
                continue
            if not (is_identifier(token) or token.isupper() or _CAMEL.match(token)
                    or token[:1].isupper()):
                continue
            if token in COMMON_ACRONYMS:
                continue
        if len(words) > 12:
            continue
        yield name


def _sources_and_blocks(
    comp: _Component,
    by_source: dict[str, SourceExtraction],
    order: dict[str, int],
    ident_occ: dict[str, dict[str, Occurrence]],
    term_occ: dict[str, dict[str, Occurrence]],
    definition: tuple[Definition, str] | None,
    settings: ExtractSettings,
) -> tuple[list[ProposedSource], list[str]]:
    ranges: dict[str, list[int]] = {}
    source_order: list[str] = []
    blocks: list[str] = []
    primary_source = comp.units[0][0].source_id if comp.units else None
    labels: dict[str, str] = {}

    def label_for(source_id: str) -> str:
        if source_id not in labels:
            base = source_label(source_id)
            label = base
            taken = set(labels.values())
            suffix = 2
            while label in taken:
                label = f"{base}-{suffix}"
                suffix += 1
            labels[source_id] = label
        return labels[source_id]

    # units: the primary body first, then the others under a heading naming their source
    seen_bodies: set[str] = set()
    for index, (ext, unit) in enumerate(comp.units):
        span = ranges.setdefault(ext.source_id, [unit.start, unit.end])
        span[0], span[1] = min(span[0], unit.start), max(span[1], unit.end)
        if ext.source_id not in source_order:
            source_order.append(ext.source_id)
        body = unit.body.strip()
        if not body or body in seen_bodies:
            continue
        seen_bodies.add(body)
        cited = cite(body, label_for(ext.source_id))
        if index == 0:
            blocks.append(cited)
        else:
            heading = ext.title if ext.source_id != primary_source else comp.title
            blocks.append(f"## From {heading}\n\n{cited}" if ext.source_id != primary_source
                          else cited)

    # an entity without a section of its own opens with its definition, cited
    if not comp.units and definition is not None:
        text, source_id = definition[0].text, definition[1]
        ranges[source_id] = [definition[0].line, definition[0].line]
        source_order.append(source_id)
        blocks.append(cite(text, label_for(source_id)))

    # mentions in sources that carry no unit of this concept
    mentions: dict[str, _Mention] = {}
    pools = [ident_occ.get(ident, {}) for ident in comp.identifiers]
    pools += [term_occ[key] for key in comp.keys if key in term_occ]
    for pool in pools:
        for source_id, occ in pool.items():
            if source_id in ranges:
                continue
            current = mentions.get(source_id)
            if current is None or occ.line < current.line:
                mentions[source_id] = _Mention(source_id, occ.line, occ.snippet)
    mention_ids = sorted(mentions, key=lambda s: order[s])
    if mention_ids:
        lines = []
        for source_id in mention_ids[: settings.max_list_entries]:
            mention = mentions[source_id]
            ranges[source_id] = [mention.line, mention.line]
            source_order.append(source_id)
            title = by_source[source_id].title
            snippet = mention.snippet or title
            lines.append(f"- *{title}*: {snippet}[^{label_for(source_id)}]")
        if comp.units:
            blocks.append("## Mentioned in\n\n" + "\n".join(lines))
        else:
            blocks.append("## Mentions\n\n" + "\n".join(lines))

    sources: list[ProposedSource] = []
    for source_id in source_order:
        start, end = ranges[source_id]
        ext = by_source[source_id]
        sources.append(ProposedSource(
            id=label_for(source_id),
            resource=snapshot_resource(comp.concept_id, source_id, start, end),
            title=ext.title,
            source_id=source_id,
            start=start,
            end=end,
            last_modified=ext.last_modified,
        ))
    return sources, blocks


def _first_mention(blocks: list[str]) -> str | None:
    """The first "Mentions" snippet, as a last-resort description for a bare entity."""
    for block in blocks:
        if block.startswith("## Mention"):
            first = block.split("\n- ", 1)[1] if "\n- " in block else ""
            text = re.sub(r"\[\^[^\]]+\]$", "", first.split("\n", 1)[0])
            text = re.sub(r"^\*[^*\n]+\*: ", "", text)
            return first_sentence(text) or None
    return None


def _definition_for(
    comp: _Component, definitions: dict[str, Definition], def_source: dict[str, str]
) -> tuple[Definition, str] | None:
    candidates = [k for k in comp.keys if k in definitions]
    if not candidates:
        return None
    key = min(candidates, key=lambda k: (-definitions[k].strength, def_source[k],
                                         definitions[k].line, k))
    return definitions[key], def_source[key]


def _description(
    comp: _Component,
    definitions: dict[str, Definition],
    stats: dict[str, _TermStats],
    settings: ExtractSettings,
    fallback: str | None = None,
) -> str | None:
    limit = settings.max_description_chars
    described = [u.description for _, u in comp.units if u.description]
    informative = [d for d in described if len(d.split()) >= 6]
    if informative or described:
        return truncate((informative or described)[0], limit)
    for key in sorted(comp.keys, key=lambda k: (-(definitions[k].strength
                                                  if k in definitions else 0), k)):
        if key in definitions:
            return truncate(definitions[key].text, limit)
    for key in comp.keys:
        entry = stats.get(key)
        if entry is not None and entry.role:
            return truncate(f"{comp.title}, {entry.role}.", limit)
    return truncate(fallback, limit) if fallback else None
