"""Title Case lines are sentences, not names (the capitalised-phrase name path).

Minutes often carry an emphasis or sub-title line written in Title Case ("Sign Off",
"Water Rates Go Up Again For The Season"); recurring across meetings, such a line used to
become a Topic.  A name is a short noun phrase: real multi-word names, with or without a
connector, still become concepts.
"""

from __future__ import annotations

from extract_helpers import make_doc, run

from dossier.extract.deterministic.names import phrases

_MINUTES = """# Allotment society committee — {date}

Present: Priya Natarajan, Tomasz Wojcik, Helen Ashdown

## Water supply

Water Rates Go Up Again For The Season

The council letter arrived. Priya Natarajan will write to Severn Trent Water about the
meter by the plot shed; Tomasz Wojcik compared it with the Bank of England figures.

## Closing

**Sign Off**

Helen Ashdown closed the meeting. The Department for Transport liaison comes next time.
"""

_DATES = ("3 March 2026", "7 April 2026", "5 May 2026", "2 June 2026")


def _titles() -> set[str]:
    docs = [make_doc(f"m{i}", _MINUTES.format(date=d), path=f"/corpus/allotment/m{i}.md")
            for i, d in enumerate(_DATES)]
    return {c.title for c in run(docs)}


def test_title_case_lines_in_minutes_become_no_concept() -> None:
    titles = _titles()
    assert not {t for t in titles if "Sign Off" in t or "Season" in t or "Rates" in t}
    # the names around them still do, connectors and all
    assert {"Bank of England", "Department for Transport", "Severn Trent Water",
            "Priya Natarajan"} <= titles


def test_phrase_finder_keeps_names_and_drops_title_case_sentences() -> None:
    def found(text: str) -> list[str]:
        return [f.text for f in phrases(text, frozenset())]

    assert found("Budget Cuts Are Coming For Everyone\n") == []
    assert found("we then Hand Over To The Chair today") == []
    assert found("Quarterly Review Notes Sent Around Today\n") == []  # a whole Title Case line
    assert found("a letter from the Bank of England arrived") == ["Bank of England"]
    assert found("ask the Department For Transport first") == ["Department For Transport"]
    assert found("When The Council Tax Office replied") == ["Council Tax Office"]


def test_names_with_lower_case_connectors_and_list_items_of_names_are_kept() -> None:
    """Only capitalised words make a run a sentence; a list item is no emphasis line."""
    cases = {
        "We met the Centre for Protection of National Infrastructure today.":
            "Centre for Protection of National Infrastructure",
        "A visit to the Vincent van Gogh Museum of Amsterdam was planned.":
            "Vincent van Gogh Museum of Amsterdam",
        "- Greater Manchester Combined Authority Board\n":
            "Greater Manchester Combined Authority Board",
        "1. Northern Rivers Catchment Partnership Trust\n":
            "Northern Rivers Catchment Partnership Trust",
    }
    for text, name in cases.items():
        assert name in [f.text for f in phrases(text, frozenset())], text
    # and a Title Case line that is a sentence still names nothing
    assert [f.text for f in phrases("Water Rates Go Up Again For The Season\n",
                                    frozenset())] == []
