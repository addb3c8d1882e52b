"""Meeting notes end to end on a series written in its own style (tests/extract/meeting_series).

Plain-text minutes opened by a title line, "Present:" / "## Attendees" lists, written-out
dates, checkboxes, "AI:" lines, a proposal carried without a "Decision:" label, an agenda
table and an index page of the series: one Meeting per meeting, one Stakeholder per
person, Decisions and Action Items citing their own lines and linking to their meeting.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from extract_helpers import make_doc, run

from dossier.extract import ProposedConcept
from dossier.okf import concept_href

SERIES = Path(__file__).parent / "meeting_series"


@pytest.fixture(scope="module")
def concepts() -> list[ProposedConcept]:
    docs = [make_doc(p.stem, p.read_text(encoding="utf-8"), path=f"/corpus/board/{p.name}")
            for p in sorted(SERIES.glob("*.md"))]
    return run(docs)


def _typed(concepts: list[ProposedConcept], type_: str) -> dict[str, ProposedConcept]:
    return {c.title: c for c in concepts if c.type == type_}


def _lines(concept: ProposedConcept) -> list[tuple[str, int, int]]:
    return [(s.source_id, s.start, s.end) for s in concept.sources]


def test_one_meeting_per_meeting_and_the_index_page_is_none_of_them(
        concepts: list[ProposedConcept]) -> None:
    meetings = _typed(concepts, "Meeting")
    assert set(meetings) == {"Harbour Board meeting, 4 March 2025",
                             "Harbour Board meeting — 1 April 2025"}
    # the index page lists the series; its rows (dates) are no concepts of their own
    index = next(c for c in concepts if c.title == "Harbour Board minutes")
    assert index.type == "Topic"
    assert "6 May 2025" in index.body and "2 December 2024" in index.body
    assert not [c for c in concepts if "2025" in c.title and c.type != "Meeting"
                and c.type not in ("Decision", "Action Item")]
    assert not [c for c in concepts if c.title.startswith(("4 March", "1 April", "6 May", "2 Dec"))]
    # a long meeting is cited section by section, never as one range
    april = meetings["Harbour Board meeting — 1 April 2025"]
    assert len(april.sources) >= 4
    assert all(end - start <= 15 for _, start, end in _lines(april))


def test_each_person_is_one_stakeholder_whatever_the_spelling(
        concepts: list[ProposedConcept]) -> None:
    people = _typed(concepts, "Stakeholder")
    assert sorted(people) == ["Kofi Mensah", "Priya Natarajan", "Tomas Eriksen", "Wren Abiodun"]
    assert "Tomas" in people["Tomas Eriksen"].aliases
    assert "K. Mensah" in people["Kofi Mensah"].aliases
    # both meetings' attendance lines are cited on the one person
    assert {s for s, _, _ in _lines(people["Kofi Mensah"])} >= {
        "board-2025-03-04", "board-2025-04-01"}
    # apologies are no attendance; agenda rows are no people
    assert not any(c.title in ("Delia Frost", "Dredging contract", "Quay lighting")
                   for c in concepts)


def test_decisions_in_every_form_cite_their_own_lines_and_link_their_meeting(
        concepts: list[ProposedConcept]) -> None:
    decisions = _typed(concepts, "Decision")
    assert _lines(decisions[
        "berths are allocated by the harbour master each Monday instead of first come, "
        "first served"]) == [("board-2025-03-04", 11, 12)]  # a wrapped Decision: paragraph
    assert _lines(decisions["the dredging contract goes to the second-cheapest bidder"]) == [
        ("board-2025-04-01", 24, 24)]  # "Agreed:"
    carried = decisions["replace the east quay floodlights during the summer shutdown"]
    assert _lines(carried) == [("board-2025-04-01", 32, 33)]  # proposal and its approval
    april = next(c for c in concepts if c.title == "Harbour Board meeting — 1 April 2025")
    assert f"({concept_href(april.concept_id)})" in carried.body
    # the agenda topic it settles: named in its body, and its alias (its only outcome)
    assert "Quay lighting" in carried.body and "Quay lighting" in carried.aliases
    # a label after a sentence ("No objections. **Decision:** …")
    assert _lines(decisions["the survey is booked for the June slot"]) == [
        ("board-2025-03-04", 28, 29)]
    assert len(decisions) == 4


def test_actions_from_checkboxes_ai_lines_and_an_actions_section(
        concepts: list[ProposedConcept]) -> None:
    actions = {title: _lines(c) for title, c in _typed(concepts, "Action Item").items()}
    assert actions == {
        "Wren: check the references of the two cheapest dredging bidders":
            [("board-2025-03-04", 19, 19)],
        "Kofi: draft the tender evaluation note for the April meeting":
            [("board-2025-03-04", 20, 20)],
        "Priya to sign the dredging contract by 15 April": [("board-2025-04-01", 26, 26)],
        "Tomas to get two quotes for the floodlights": [("board-2025-04-01", 37, 37)],
        "Wren to brief the night shift on the new berth schedule":
            [("board-2025-04-01", 38, 38)],
    }
    march = next(c for c in concepts if c.title == "Harbour Board meeting, 4 March 2025")
    checkbox = next(c for c in concepts if c.title.startswith("Wren: check"))
    assert f"({concept_href(march.concept_id)})" in checkbox.body


def test_a_first_name_shared_by_two_people_stays_apart() -> None:
    first = make_doc("m1", "# Sync 2025-01-07\n\nPresent: Ana Lima, Ana Souza, Ana\n",
                     path="/corpus/sync/2025-01-07.md")
    concepts = run([first])
    people = sorted(c.title for c in concepts if c.type == "Stakeholder")
    assert people == ["Ana", "Ana Lima", "Ana Souza"]


def test_minutes_named_only_by_their_date_keep_the_date_in_their_title() -> None:
    text = "Attendance: Ana Lima, Rui Costa\n\n- Budget\n    - Decision: we keep it.\n"
    # no title heading: ingest titles the file by its name
    doc = make_doc("m2", text, path="/corpus/sync/2025-01-21.md", title="2025-01-21")
    meetings = [c.title for c in run([doc]) if c.type == "Meeting"]
    assert meetings == ["Sync 2025-01-21"]  # the series (its folder) and the date


RUNNING_LOG = """# Tooling working group notes

Running notes of the tooling working group. Newest first.

## March 8, 2024

Attendees: Lena Vogt, Sam Okoro, Ravi

### Build cache

- Sam showed the remote cache numbers: cold builds are down by half.
- Decision: the remote cache is on by default from the next release.

## March 1, 2024

Attendees: Lena Vogt, Ravi Menon

### Build cache

- Lena asked whether the cache leaks secrets through environment keys.
- AI: Lena to review which environment variables are hashed into cache keys.
"""


def test_a_running_log_is_one_meeting_per_dated_section() -> None:
    concepts = run([make_doc("wg", RUNNING_LOG, path="/corpus/wg/notes.md")])
    meetings = {c.title: c for c in concepts if c.type == "Meeting"}
    assert set(meetings) == {"Tooling working group notes March 8, 2024",
                             "Tooling working group notes March 1, 2024"}
    march8 = meetings["Tooling working group notes March 8, 2024"]
    assert "2024-03-08 tooling working group notes" in march8.aliases
    assert all(s.start >= 5 and s.end <= 12 for s in march8.sources)  # its own section only
    series = next(c for c in concepts if c.title == "Tooling working group notes")
    assert series.type == "Topic"
    decision = next(c for c in concepts if c.type == "Decision")
    assert f"({concept_href(march8.concept_id)})" in decision.body  # its own meeting
    action = next(c for c in concepts if c.type == "Action Item")
    march1 = meetings["Tooling working group notes March 1, 2024"]
    assert f"({concept_href(march1.concept_id)})" in action.body
    ravi = next(c for c in concepts if c.title == "Ravi Menon")
    assert "Ravi" in ravi.aliases
    # one person at two meetings of one file: two citations, not one range over both
    assert [(s.start, s.end) for s in ravi.sources] == [(7, 7), (16, 16)]


def test_attendees_listed_under_a_bare_label_and_in_attendance_lines() -> None:
    text = ("# Ops sync 2025-02-03\n\n**Attendees:**\n- Maya Chen\n- Omar Haddad\n\n"
            "In attendance: Lucia Ortiz\n\nAgenda:\n- Rota changes\n- Budget\n")
    concepts = run([make_doc("ops", text, path="/corpus/ops/2025-02-03.md")])
    people = {c.title: [(s.start, s.end) for s in c.sources]
              for c in concepts if c.type == "Stakeholder"}
    assert people == {"Maya Chen": [(4, 4)], "Omar Haddad": [(5, 5)], "Lucia Ortiz": [(7, 7)]}


def test_a_person_quoted_by_full_name_is_a_stakeholder_and_a_bold_label_is_not() -> None:
    text = ("# Ops sync 2025-02-10\n\nAttendees: Maya Chen\n\n## Notes\n\n"
            "- Rota changes\n    - **Stretch Goal**: cover the Friday gap.\n"
            "    - Idris Bello: the night crew can take one Friday a month.\n"
            "    - Maya Chen: fine by me.\n")
    concepts = run([make_doc("ops2", text, path="/corpus/ops/2025-02-10.md")])
    people = {c.title: c for c in concepts if c.type == "Stakeholder"}
    assert sorted(people) == ["Idris Bello", "Maya Chen"]
    assert people["Maya Chen"].description == "Attended Ops sync 2025-02-10."


def test_a_dated_table_whose_header_names_a_kind_is_no_meeting_index() -> None:
    text = ("# Decision log\n\n| Date | Decision | Rationale |\n| --- | --- | --- |\n"
            "| 2025-01-10 | Move the archive to cold storage | Costs fall by half |\n"
            "| 2025-02-03 | Retire the fax gateway | Nobody has used it since 2022 |\n")
    concepts = run([make_doc("dl", text, path="/corpus/decision-log.md")])
    assert sorted(c.title for c in concepts if c.type == "Decision") == [
        "Move the archive to cold storage", "Retire the fax gateway"]
