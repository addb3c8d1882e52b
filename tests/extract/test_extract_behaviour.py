"""What the deterministic extractor finds in small inline corpora, and how it writes it.

Each test states one behaviour a consultant (or the runtime) relies on: entities are
consolidated across documents, definitions become descriptions, the bundle is a linked
graph with provenance, and the output is byte-stable.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from extract_helpers import by_title, make_doc, named, run, write_bundle

from dossier.errors import UsageError
from dossier.extract import (
    ExtractionCacheError,
    ExtractSettings,
    SourceExtraction,
    content_fingerprint,
    get_extractor,
    proposal_fingerprint,
    to_concept_document,
)
from dossier.okf import parse_links
from dossier.okf.validate import validate_bundle

DECISIONS = """# Decision Log

Decisions agreed by the steering group.

## DEC-003: Adopt event-driven integration

- **Status:** Agreed

**Decision.** The Order Hub (SYS-11) publishes events; the Ledger Service (SYS-01)
subscribes. This replaces the nightly batch from the Legacy Warehouse (SYS-02).

## DEC-004: Retire the Legacy Warehouse

**Decision.** SYS-02 is switched off after the Parallel Run. See DEC-003.
"""

INVENTORY = """# System Inventory

| ID | Name | Owner | Purpose |
|----|------|-------|---------|
| SYS-01 | Ledger Service | Finance | General ledger and invoicing. |
| SYS-02 | Legacy Warehouse | Operations | The old warehouse system, on-premises. |
| SYS-11 | Order Hub | IT | Event broker between all systems. |
"""

GLOSSARY = """# Glossary

| Term | Definition |
|------|------------|
| Parallel Run | A period in which the old and the new system run side by side. |
| Cut-off Time | The latest time an order can be released and still make its departure. |

**Billing Trigger** — the business event that makes a charge invoiceable.
"""

MEETING = """# Steering Meeting — 12 March

## Attendees

- Dana Whitby (CFO), Omar Reyes (Head of Operations)

## Agenda

1. Status
2. Risks

## Discussion

Omar Reyes said the Legacy Warehouse (SYS-02) froze again. Dana Whitby asked whether the
Order Hub can be ready before the Parallel Run. The Ledger Service team agreed.

Wave Picking means releasing pick work in batches grouped by carrier cut-off.

## Action items

- ACT-07: Omar Reyes to plan the Parallel Run for SYS-02. Due 1 April.
"""


def corpus() -> list:  # type: ignore[type-arg]
    return [
        make_doc("decision-log", DECISIONS),
        make_doc("inventory", INVENTORY),
        make_doc("glossary", GLOSSARY),
        make_doc("steering-meeting", MEETING),
    ]


def test_identifier_seen_in_many_documents_is_one_concept_with_every_source() -> None:
    concepts = run(corpus())
    legacy = named(concepts, "SYS-02")
    assert legacy.title == "Legacy Warehouse"
    assert legacy.type == "System"
    assert legacy.concept_id == "systems/sys-02-legacy-warehouse"
    # the inventory row, and mentions in the decision log and the meeting
    assert {s.source_id for s in legacy.sources} == {"inventory", "decision-log",
                                                     "steering-meeting"}
    assert len([c for c in concepts if "SYS-02" in c.aliases or c.title == "SYS-02"]) == 1


def test_identifier_heading_and_its_mentions_are_the_same_concept() -> None:
    concepts = run(corpus())
    decision = named(concepts, "DEC-003")
    assert decision.title == "Adopt event-driven integration"
    assert decision.type == "Decision"
    assert decision.concept_id == "decisions/dec-003-adopt-event-driven-integration"
    assert decision.description is not None
    assert decision.description.startswith("The Order Hub (SYS-11) publishes events")
    # DEC-004 cites DEC-003: a link, not a second DEC-003 concept
    retire = named(concepts, "DEC-004")
    assert "/decisions/dec-003-adopt-event-driven-integration.md" in retire.body


def test_definitions_fill_descriptions() -> None:
    concepts = run(corpus())
    assert named(concepts, "Parallel Run").description == (
        "A period in which the old and the new system run side by side."
    )
    assert named(concepts, "Billing Trigger").description == (
        "The business event that makes a charge invoiceable."
    )
    # "X means …" in running prose, for a name used once, is still a defined entity
    wave = named(concepts, "Wave Picking")
    assert wave.description is not None and "releasing pick work" in wave.description
    assert wave.type == "Process"
    # a table row's purpose column describes the system
    assert named(concepts, "Order Hub").description == "Event broker between all systems."


def test_types_follow_cues() -> None:
    concepts = run(corpus())
    assert named(concepts, "Cut-off Time").type == "Glossary Term"
    assert named(concepts, "ACT-07").type == "Action Item"
    meeting = [c for c in concepts if c.type == "Meeting"]
    assert [m.title for m in meeting] == ["Steering Meeting — 12 March"]
    people = {c.title: c for c in concepts if c.type == "Stakeholder"}
    assert "Omar Reyes" in people and "Dana Whitby" in people
    assert "Head of Operations" in (people["Omar Reyes"].description or "")


def test_boilerplate_sections_are_not_concepts() -> None:
    titles = set(by_title(run(corpus())))
    assert not titles & {"Attendees", "Agenda", "Discussion", "Action items"}


def test_risk_register_rows_and_sections_merge() -> None:
    register = """# Risk Register

| ID | Risk | Likelihood | Impact | Owner |
|----|------|-----------|--------|-------|
| RISK-01 | Poor master data delays migration | 4 | 4 | Ops |
| RISK-02 | Go-live slips into peak | 3 | 5 | COO |

## RISK-01: Poor master data delays migration

**Mitigation.** A cleansing sprint per site.
"""
    concepts = run([make_doc("risks", register)])
    risks = sorted(c.concept_id for c in concepts if c.type == "Risk")
    assert risks == [
        "risks/risk-01-poor-master-data-delays-migration",
        "risks/risk-02-go-live-slips-into-peak",
    ]
    first = named(concepts, "RISK-01")
    assert "cleansing sprint" in first.body and "**Likelihood:** 4" in first.body


def test_links_are_bundle_absolute_resolve_and_never_point_home() -> None:
    concepts = run(corpus())
    ids = {c.concept_id for c in concepts}
    total = 0
    for concept in concepts:
        targets = []
        for link in parse_links(concept.body, concept.concept_id):
            if link.href.startswith("http"):
                continue
            assert link.href.startswith("/") and link.href.endswith(".md"), link.href
            assert link.target_id in ids, (concept.concept_id, link.href)
            assert link.target_id != concept.concept_id, "self-link"
            targets.append(link.target_id)
        # the body links each target once (the Related list may repeat a target)
        body_only = concept.body.split("\n## Related")[0]
        body_targets = [
            link.target_id for link in parse_links(body_only, concept.concept_id)
        ]
        assert len(body_targets) == len(set(body_targets)), concept.concept_id
        total += len(targets)
    assert total >= 10


def test_links_skip_code_and_existing_links() -> None:
    notes = """# Notes

The Order Hub is described in `Order Hub` docs and in [the hub](https://example.com/hub).
These notes collect what the integration team learned while planning the first release of
the event model and its adapters.

```
Order Hub config
```

Order Hub again.
"""
    concepts = run([make_doc("inventory", INVENTORY), make_doc("notes", notes)])
    topic = by_title(concepts)["Notes"]
    assert "`Order Hub`" in topic.body
    assert "[the hub](https://example.com/hub)" in topic.body
    assert "\nOrder Hub config\n" in topic.body
    assert "[Order Hub](/systems/sys-11-order-hub.md) is described" in topic.body
    assert topic.body.count("/systems/sys-11-order-hub.md") == 1


def test_entities_list_the_concepts_that_mention_them() -> None:
    concepts = run(corpus())
    hub = named(concepts, "Order Hub")
    related = hub.body.split("## Related", 1)[1]
    assert "/decisions/dec-003-adopt-event-driven-integration.md" in related


def test_provenance_sources_footnotes_and_resources() -> None:
    concepts = run(corpus())
    for concept in concepts:
        ids = [s.id for s in concept.sources]
        assert concept.sources, concept.concept_id
        assert len(ids) == len(set(ids))
        used = set(re.findall(r"\[\^([^\]]+)\](?!:)", concept.body))
        defined = set(re.findall(r"^\[\^([^\]]+)\]:", concept.body, re.M))
        assert used <= set(ids), concept.concept_id
        assert defined == set(ids), concept.concept_id
        depth = concept.concept_id.count("/") + 1
        for source in concept.sources:
            assert source.resource == (
                "../" * depth + f"sources/{source.source_id}.md#L{source.start}"
                + ("" if source.start == source.end else f"-L{source.end}")
            )
    decision = named(concepts, "DEC-003")
    first = decision.sources[0]
    assert first.id == "src-decision-log"
    assert first.resource == "../../sources/decision-log.md#L5-L11"
    assert first.title == "Decision Log"
    assert "[^src-decision-log]: Decision Log, lines 5–11" in decision.body


def test_same_inputs_give_byte_identical_files(tmp_path: Path) -> None:
    first = write_bundle(run(corpus()), tmp_path / "a")
    second = write_bundle(run(list(reversed(corpus()))), tmp_path / "b")
    assert first == second
    assert all(re.fullmatch(r"[a-z-]+/[a-z0-9-]{1,80}", cid) for cid in first)


def test_rendered_bundle_validates(tmp_path: Path) -> None:
    write_bundle(run(corpus()), tmp_path / "bundle")
    report = validate_bundle(tmp_path / "bundle")
    assert report.errors == [], report.errors


def test_generated_and_fingerprint_ignore_time() -> None:
    concept = named(run(corpus()), "DEC-003")
    old = to_concept_document(concept, "2026-01-01T00:00:00Z")
    new = to_concept_document(concept, "2026-02-02T00:00:00Z")
    assert old.frontmatter["generated"]["by"].startswith("dossier-deterministic/")
    assert old.frontmatter["generated"]["at"] == "2026-01-01T00:00:00Z"
    assert "last_modified" not in old.frontmatter["sources"][0]
    assert content_fingerprint(old) == content_fingerprint(new) == proposal_fingerprint(concept)
    changed = to_concept_document(concept, "2026-01-01T00:00:00Z")
    changed.body += "\nMore."
    assert content_fingerprint(changed) != content_fingerprint(old)


def test_tenant_entity_patterns_find_custom_identifiers() -> None:
    notes = make_doc("notes", "# Notes\n\nShipment ship#4411 was late; ship#4411 again.\n")
    other = make_doc("other", "# Other\n\nCustomer asked about ship#4411 twice.\n")
    plain = run([notes, other])
    assert not [c for c in plain if "ship#4411" in (c.title, *c.aliases)]
    custom = run([notes, other], ExtractSettings(entity_patterns=(r"ship#\d+",)))
    shipment = named(custom, "ship#4411")
    assert {s.source_id for s in shipment.sources} == {"notes", "other"}
    with pytest.raises(UsageError, match="not a valid regex"):
        ExtractSettings(entity_patterns=("ship#(",))


def test_same_title_sections_in_two_documents_stay_two_concepts() -> None:
    a = make_doc("a", "# A\n\n## Cut-over plan\n\nThe cut-over plan for the northern site is "
                      "a weekend move with a full stock count and a rollback at noon.\n")
    b = make_doc("b", "# B\n\n## Cut-over plan\n\nThe cut-over plan for the southern site "
                      "runs over two weekends with cycle counts and no rollback.\n")
    concepts = run([a, b])
    plans = [c for c in concepts if c.title == "Cut-over plan"]
    # equal titles are not evidence of one concept: each plan keeps its own source
    assert len(plans) == 2
    assert sorted(p.sources[0].source_id for p in plans) == ["a", "b"]
    assert all(len(p.sources) == 1 for p in plans)
    assert len({p.concept_id for p in plans}) == 2


def test_source_extraction_round_trips_through_json() -> None:
    extractor = get_extractor("deterministic")
    extraction = extractor.extract_source(make_doc("decision-log", DECISIONS))
    blob = extraction.to_json()
    assert SourceExtraction.from_json(blob) == extraction
    assert SourceExtraction.from_json(blob).to_json() == blob
    with pytest.raises(ExtractionCacheError):
        SourceExtraction.from_json(blob.replace('"schema":', '"schema":-1,"old":'))
    with pytest.raises(ExtractionCacheError):
        SourceExtraction.from_json("{not json")


def test_get_extractor_names_the_available_ones() -> None:
    assert get_extractor("deterministic").name == "deterministic"
    with pytest.raises(UsageError, match="deterministic"):
        get_extractor("no-such-extractor")


def test_link_cache_never_changes_the_output(tmp_path: Path) -> None:
    cache = ExtractSettings(cache_dir=str(tmp_path / "cache"))
    docs = corpus()
    plain = run(docs)
    cold = run(docs, cache)
    assert (tmp_path / "cache" / "links.json").is_file()
    warm = run(docs, cache)
    assert plain == cold == warm
    # a new document names something an unchanged body already mentions in passing:
    # the cached body must gain the link
    extra = make_doc("zz-notes", "# Northern Annex\n\n## Northern Annex site\n\nThe Northern "
                                 "Annex is a cross-dock site opened to relieve the main "
                                 "warehouse during peak.\n")
    meeting = MEETING.replace("The Ledger Service team agreed.",
                              "The Ledger Service team agreed to use the Northern Annex.")
    docs2 = [*docs[:3], make_doc("steering-meeting", meeting), extra]
    run(docs2, cache)  # warm the cache with the annex known
    docs3 = [*docs[:3], make_doc("steering-meeting", meeting)]  # annex page removed again
    assert run(docs3, cache) == run(docs3)
    assert run(docs2, cache) == run(docs2)


def test_links_to_other_source_files_become_plain_text() -> None:
    notes = make_doc("notes", "# Notes\n\nThe [Order Hub](../inventory.md) replaces the batch; "
                              "see [the design](design/overview.md#events) and "
                              "[the vendor page](https://example.com/hub) for the adapters, "
                              "retries and the event catalogue of the first release.\n")
    concepts = run([make_doc("inventory", INVENTORY), notes])
    body = by_title(concepts)["Notes"].body
    assert "../inventory.md" not in body and "design/overview.md" not in body
    assert "[Order Hub](/systems/sys-11-order-hub.md)" in body  # re-linked into the bundle
    assert "the design and" in body
    assert "[the vendor page](https://example.com/hub)" in body


def test_entity_patterns_find_identifiers_in_a_page_of_role_headings() -> None:
    # a "Name — Role" heading makes its section's description from the role; that must
    # not replace the source text the tenant's entity patterns are matched against
    people = make_doc("people", "# Team\n\n## Dana Reyes — Head of Operations\n\n"
                                "Runs the northern depots and owns ship#4411 end to end.\n")
    other = make_doc("other", "# Other\n\nCustomer asked about ship#4411 twice.\n")
    extraction = get_extractor("deterministic").extract_source(people)
    assert extraction.text == people.text
    custom = run([people, other], ExtractSettings(entity_patterns=(r"ship#\d+",)))
    assert {s.source_id for s in named(custom, "ship#4411").sources} == {"people", "other"}
