"""The global pass: many cached SourceExtractions in, one consistent set of concepts out.

Here — and only here — information from different sources meets: a name seen in five
documents becomes one concept with five sources; an identifier that heads a section is
the same concept as that section; types are resolved by summing local cues; descriptions
come from the strongest definition; bodies get links to every other concept they mention.
Every collection is sorted before it is iterated, so the output is byte-stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dossier.extract.deterministic.aliases import consistent_pairs
from dossier.extract.deterministic.bodies import (
    dedupe_aliases,
    definition_for,
    describe,
    first_mention,
    heavier,
    names_for_linking,
    sources_and_blocks,
)
from dossier.extract.deterministic.consolidate import (
    Component,
    TermStats,
    UnionFind,
    assign_ids,
    best_definitions,
    build_components,
    has_substance,
    merge_short_forms,
    pattern_occurrences,
    resolve_components,
    term_qualifies,
)
from dossier.extract.deterministic.kind_meeting import merge_people
from dossier.extract.deterministic.kind_meeting_topics import with_recurring_topics
from dossier.extract.deterministic.linkcache import LinkCache
from dossier.extract.deterministic.linker import Matcher
from dossier.extract.deterministic.provenance import footnote_text
from dossier.extract.deterministic.single_names import full_forms, is_named_term
from dossier.extract.deterministic.slots import clashing_keys, fold_template_slots, own_key
from dossier.extract.deterministic.wikilinks import note_index, plain, resolve
from dossier.extract.model import (
    Definition,
    ExtractSettings,
    Occurrence,
    ProposedConcept,
    ProposedSource,
    SourceExtraction,
    Unit,
)
from dossier.extract.text import entity_key, is_identifier
from dossier.okf import concept_href, sections
from dossier.okf.links import escape_link_text


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
        for occ in pattern_occurrences(ext, settings):
            ident_occ.setdefault(occ.text, {}).setdefault(ext.source_id, occ)

    uf = UnionFind()
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
    units = fold_template_slots(units)
    units = merge_people(units)  # "Jack", "J. Huey", "jhuey" → the one "Jack Huey"
    units = with_recurring_topics(units)  # a subject a series of meetings comes back to
    clashing = clashing_keys(units)
    unit_home: list[str] = []
    for ext, unit in units:
        keys: list[str] = []
        if unit.identifier:
            key = entity_key(unit.identifier)
            register(key, unit.identifier, 100, identifier=True, unit=True)
            keys.append(key)
        for name in (unit.title, *unit.aliases):
            key = own_key(entity_key(name), ext, unit, clashing)
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
        register(entity_key(identifier), identifier, 0, identifier=True)

    # ---- recurring terms
    stats: dict[str, TermStats] = {}
    for ext in exts:
        for occ in ext.terms:
            key = entity_key(occ.text)
            if not key:
                continue
            entry = stats.setdefault(key, TermStats())
            entry.count += occ.count
            entry.sources.add(ext.source_id)
            entry.forms[occ.text] = entry.forms.get(occ.text, 0) + occ.count
            entry.bold = entry.bold or occ.bold
            if entry.role is None and occ.role:
                entry.role = occ.role
            entry.person = entry.person or occ.person
    definitions, def_source = best_definitions(exts, order)
    # a short form defined two ways in the corpus is an alias of neither
    alias_pairs = consistent_pairs(pair for ext in exts for pair in ext.alias_pairs)
    pair_keys: set[str] = set()
    for a, b in alias_pairs:
        pair_keys.update((entity_key(a), entity_key(b)))

    selected: set[str] = set()
    for key in sorted(stats):
        entry = stats[key]
        if key in uf.parent:
            selected.add(key)
            continue
        if not term_qualifies(key, entry, settings, definitions, pair_keys):
            continue
        selected.add(key)
    for key in sorted(selected):
        for form, count in sorted(stats[key].forms.items()):
            register(key, form, count)
    # ---- a one-word name and the one full form the corpus writes ("Rust Forge")
    plain = [k for k in sorted(selected) if is_named_term(stats[k].forms, stats[k].bold)]
    for short, full in full_forms(plain, {k: v.forms for k, v in stats.items()}).items():
        uses = sum(stats[short].forms.values())  # the full name outweighs its short form
        for form, count in sorted(stats[full].forms.items()):
            register(full, form, count + uses)
        uf.union(short, full)

    # ---- alias pairs ("Name (SYS-02)", "Full Name (FN)")
    for a, b in alias_pairs:
        ka, kb = entity_key(a), entity_key(b)
        if ka in uf.parent and kb in uf.parent:
            uf.union(ka, kb, allow_two_units=False)

    # ---- short forms of structural titles ("Integration Hub" for "Acme Integration Hub")
    merge_short_forms(uf, forms, units)

    # ---- components
    custom = {occ_name for occ_name in ident_occ if not is_identifier(occ_name)}
    comps = build_components(uf, forms, units, unit_home, custom)
    resolve_components(comps, stats, definitions, pair_keys)
    ident_sources = {name: set(by_doc) for name, by_doc in ident_occ.items()}
    comps = [c for c in comps if has_substance(c, stats, definitions, ident_sources, custom)]
    assign_ids(comps, order)

    # ---- bodies, sources, links
    return _build(comps, exts, by_source, order, ident_occ, stats, definitions, def_source,
                  settings)


# --------------------------------------------------------------------------- selection


# --------------------------------------------------------------------------- resolution


# --------------------------------------------------------------------------- output


def _build(
    comps: list[Component],
    exts: Sequence[SourceExtraction],
    by_source: dict[str, SourceExtraction],
    order: dict[str, int],
    ident_occ: dict[str, dict[str, Occurrence]],
    stats: dict[str, TermStats],
    definitions: dict[str, Definition],
    def_source: dict[str, str],
    settings: ExtractSettings,
) -> list[ProposedConcept]:
    term_occ: dict[str, dict[str, Occurrence]] = {}
    for ext in exts:
        for occ in ext.terms:
            key = entity_key(occ.text)
            current = term_occ.setdefault(key, {}).get(ext.source_id)
            if current is None or heavier(occ, current):
                term_occ[key][ext.source_id] = occ

    href = {c.concept_id: concept_href(c.concept_id) for c in comps}
    names: list[tuple[str, str]] = []
    for comp in comps:
        for name in names_for_linking(comp):
            names.append((name, comp.concept_id))
    matcher = Matcher.build(sorted(names))
    cache = LinkCache(Path(settings.cache_dir) if settings.cache_dir else None, matcher)

    notes = note_index((ext, unit, c.concept_id) for c in comps for ext, unit in c.units)
    drafts: dict[str, tuple[Component, str, list[ProposedSource], str | None, list[str]]] = {}
    edges: dict[str, list[str]] = {}
    for comp in comps:
        definition = definition_for(comp, definitions, def_source)
        sources, blocks = sources_and_blocks(comp, by_source, order, ident_occ, term_occ,
                                              definition, settings)
        # a note's [[wikilinks]] become links first, so mentions are never linked inside
        body, wiki_targets = resolve("\n\n".join(blocks), notes, href, comp.concept_id)
        cache_key = cache.key(comp.concept_id, body)
        hit = cache.lookup(cache_key, body)
        if hit is not None:
            body, targets = hit
        else:
            linked, targets, starters = matcher.link_tracked(body, comp.concept_id, href)
            cache.store(cache_key, linked, targets, starters)
            body = linked
        edges[comp.concept_id] = wiki_targets + [t for t in targets if t not in wiki_targets]
        description = plain(describe(comp, definitions, stats, settings,
                                     fallback=first_mention(blocks)))
        tags = sorted({ext.doc_kind for ext, _ in comp.units if ext.doc_kind != "document"}
                      | {tag for _, unit in comp.units for tag in unit.tags})
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
            lines = [f"- [{escape_link_text(titles[i])}]({href[i]})" for i in shown]
            if len(backlinks) > len(shown):
                lines.append(f"- … and {len(backlinks) - len(shown)} more")
            parts.append(sections.generated_heading(sections.RELATED) + "\n\nMentioned in:\n\n"
                         + "\n".join(lines))
        if sources:
            parts.append("\n".join(
                f"[^{s.id}]: {footnote_text(s.title, s.start, s.end, s.original)}"
                for s in sources
            ))
        aliases = sorted(
            {f for f in comp.forms if entity_key(f) != entity_key(comp.title) and f.strip()},
            key=lambda f: (f.lower(), f),
        )
        aliases = dedupe_aliases(aliases)
        proposals.append(ProposedConcept(
            concept_id=concept_id,
            type=comp.type,
            title=comp.title,
            description=description,
            tags=tuple(tags),
            aliases=tuple(aliases),
            body="\n\n".join(parts).strip() + "\n",
            sources=tuple(sources),
            status=next((u.status for _, u in comp.units if u.status), None),
        ))
    return proposals


