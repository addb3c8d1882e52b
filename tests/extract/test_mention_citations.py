"""A concept built from passing mentions cites, in each document, the mention that says most.

Minutes that open with an agenda repeating the items discussed below, a page with a table
of contents, a report with a short summary list: the first mention of a name is there, and
citing it checks nothing.  The fixtures are written for these tests in a style of their own.
"""

from __future__ import annotations

from dossier.extract.model import ProposedConcept
from tests.extract.extract_helpers import make_doc, named, run


def _minutes(day: str, topic: str, said: str) -> str:
    return f"""# Harbour works call {day}

## Agenda

1. Welcome
2. {topic}
3. Any other business

## Notes

Present: Ines, Tomas, Priya

### Welcome

Ines opened the call and thanked everyone for joining on short notice.

### {topic}

- {topic}
  - Tomas: {said}
  - Priya agreed and will write it up.

### Any other business

Nothing was raised.
"""


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def _cited_lines(concept: ProposedConcept) -> dict[str, tuple[int, int]]:
    return {s.source_id: (s.start, s.end) for s in concept.sources}


def test_minutes_cite_the_discussion_not_the_agenda_line_repeating_it() -> None:
    docs = {
        "calls/2025-03-04": _minutes("4 March", "Moving the Tide Gauge Feed",
                                     "the feed has to leave the old rack before April."),
        "calls/2025-03-11": _minutes("11 March", "Tide Gauge Feed outage",
                                     "the outage lasted two hours and nobody was paged."),
        "calls/2025-03-18": _minutes("18 March", "Tide Gauge Feed budget",
                                     "the budget covers a second receiver this year."),
    }
    concept = named(run([make_doc(k, v) for k, v in docs.items()]), "Tide Gauge Feed")
    cited = _cited_lines(concept)
    assert set(cited) == set(docs)
    for source_id, text in docs.items():
        discussion = _line(text, "  - Tomas:") - 1  # the item the discussion sits under
        agenda = _line(text, "2. ")
        assert cited[source_id] == (discussion, discussion), (source_id, cited[source_id],
                                                               agenda)


def test_a_table_of_contents_line_is_never_the_mention_cited() -> None:
    def page(n: int) -> str:
        return (f"# Station report {n}\n\nContents:\n\n- Summary\n- Quayside Beacon checks\n"
                f"- Open questions\n\n## Summary\n\nAll lights worked this month.\n\n"
                f"## Quayside Beacon checks\n\nThe Quayside Beacon was tested {n} times and "
                f"answered every call.\n\n## Open questions\n\nNone.\n")
    pages = {f"reports/r{n}": page(n) for n in (1, 2, 3)}
    concept = named(run([make_doc(k, v) for k, v in pages.items()]), "Quayside Beacon")
    for source_id, (start, _end) in _cited_lines(concept).items():
        assert start == _line(pages[source_id], "was tested"), source_id


def test_a_bare_summary_list_yields_to_prose_but_a_first_definition_stays() -> None:
    summary = ("# Weekly digest\n\n- Pier lighting\n- North Crane Link\n- Staff rota\n\n"
               "The North Crane Link dropped twice on Tuesday while loading.\n")
    defined = ("# Crane network\n\nThe North Crane Link (NCL) is the radio path between the "
               "cranes and the control room.\n\nLater, the North Crane Link got a spare "
               "antenna and a second power supply for the winter storms.\n")
    third = "# Notes\n\nAsk about the North Crane Link spare parts.\n"
    docs = {"digest": summary, "network": defined, "notes": third}
    concept = named(run([make_doc(k, v) for k, v in docs.items()]), "North Crane Link")
    cited = _cited_lines(concept)
    assert cited["digest"][0] == _line(summary, "dropped twice")
    assert cited["network"][0] == _line(defined, "(NCL)")  # the earliest prose, its definition
