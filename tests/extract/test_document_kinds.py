"""Document kinds recognised from structure: decision records, meetings, template slots."""

from __future__ import annotations

from extract_helpers import make_doc, run

from dossier.extract import ProposedConcept


def _record(number: int, title: str, status: str, decision: str) -> str:
    return (f"# {number}. {title}\n\nDate: 2020-01-0{number}\n\n## Status\n\n{status}\n\n"
            "## Context\n\nWe need a way to keep hosts reachable from the monitoring stack "
            "without manual steps.\n\n"
            f"## Decision\n\n{decision}\n\n## Consequences\n\nOperators must learn the new "
            "layout and the old scripts are retired over the next quarter.\n")


def _by_title(concepts: list[ProposedConcept], title: str) -> list[ProposedConcept]:
    return [c for c in concepts if c.title == title]


def test_decision_records_are_one_decision_each_with_status_and_supersession() -> None:
    old = make_doc("adr-1", _record(1, "DNS names", "Superseded by [DNS zones](0002-dns-zones.md)",
                                    "Each stack gets a private zone for its internal services."),
                   path="/corpus/0001-dns-names.md")
    new = make_doc("adr-2", _record(2, "DNS zones", "Accepted",
                                    "We run one shared zone and delegate per environment."),
                   path="/corpus/0002-dns-zones.md")
    same = make_doc("adr-3", _record(3, "DNS names", "Proposed",
                                     "Names follow the service, not the host."),
                    path="/corpus/0003-dns-names.md")
    concepts = run([old, new, same])
    # the template headings stay inside each record; nothing merges across records
    for slot in ("Decision", "Consequences", "Context", "Status"):
        assert not _by_title(concepts, slot)
    names = _by_title(concepts, "DNS names")
    zones = _by_title(concepts, "DNS zones")
    assert len(names) == 2 and len(zones) == 1
    assert {c.type for c in names + zones} == {"Decision"}
    assert sorted(c.status or "" for c in names) == ["deprecated", "draft"]
    assert zones[0].status == "stable"
    superseded = next(c for c in names if c.status == "deprecated")
    assert "ADR 1" in superseded.aliases
    assert f"(/{zones[0].concept_id}.md)" in superseded.body  # the superseding record, linked
    assert "private zone" in superseded.body and "Operators must" in superseded.body


MINUTES = """# 2024-03-01

## Attendance

Ada Lovelace, Grace Hopper, Linus

## Minutes

- Release schedule (*Ada*)
    - Grace: we keep slipping because nobody owns the calendar.
    - **Decision**: Releases ship every six weeks from now on.
- Hiring
    - Linus: two candidates are in the pipeline for the platform role.
    - **Action items**:
        - Grace to schedule the final interviews
        - Ada to write the offer template
"""


def test_meeting_minutes_give_one_meeting_with_attendees_decisions_and_actions() -> None:
    doc = make_doc("m", MINUTES, path="/corpus/sync-meeting/2024-03-01.md")
    concepts = run([doc])
    meetings = [c for c in concepts if c.type == "Meeting"]
    assert [m.title for m in meetings] == ["Sync meeting 2024-03-01"]
    people = {c.title for c in concepts if c.type == "Stakeholder"}
    assert {"Ada Lovelace", "Grace Hopper", "Linus"} <= people
    decision = next(c for c in concepts if c.type == "Decision")
    assert decision.title == "Releases ship every six weeks from now on"
    assert "Release schedule" in decision.aliases  # the agenda topic it settles
    assert [(s.start, s.end) for s in decision.sources] == [(11, 11)]
    actions = sorted((c.title, c.sources[0].start) for c in concepts if c.type == "Action Item")
    assert actions == [("Ada to write the offer template", 16),
                       ("Grace to schedule the final interviews", 15)]
    # no date-only stub, and no sources entry cites the whole file
    assert not _by_title(concepts, "2024-03-01")
    assert all(s.end - s.start < 15 for c in concepts for s in c.sources)


def _design_doc(name: str, topic: str) -> str:
    return (f"# {name}\n\n## Abstract\n\nThis document proposes how the {topic} service "
            "is split so that each team can deploy it on its own schedule.\n\n"
            f"## Implementation\n\nThe {topic} service moves behind a queue and the old "
            "endpoint is kept for one release before it is removed entirely.\n")


def test_a_heading_recurring_across_documents_is_a_slot_not_a_concept() -> None:
    docs = [make_doc(f"d{i}", _design_doc(f"Plan {topic}", topic))
            for i, topic in enumerate(["billing", "search", "upload"])]
    concepts = run(docs)
    assert not _by_title(concepts, "Implementation")
    assert not _by_title(concepts, "Abstract")
    for topic in ("billing", "search", "upload"):
        (own,) = _by_title(concepts, f"Plan {topic}")
        assert f"The {topic} service moves behind a queue" in own.body
        assert len({s.source_id for s in own.sources}) == 1


def test_a_recognised_meeting_is_titled_by_its_meeting_part() -> None:
    text = ("# Project Kestrel - Steering Committee Meeting, 12 March 2024\n\n"
            "Attendees: Ann Lee, Bo Chan\n\n- Budget reviewed.\n"
            "- Decision: Adopt the weekly cut-over rehearsal\n")
    meeting = [c for c in run([make_doc("steer", text)]) if c.type == "Meeting"]
    assert [c.title for c in meeting] == ["Steering Committee Meeting, 12 March 2024"]
    assert "Project Kestrel - Steering Committee Meeting, 12 March 2024" in meeting[0].aliases
