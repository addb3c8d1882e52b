"""One-word names ("the Ledgerbox") recurring across documents, end to end.

The fixture ``fixtures/single_names`` is written for this test: two short decision
records and a finance sync's minutes that name a made-up appliance, a made-up
consortium, and words that look like names but are not ("the Pipeline" in a document
that also says "pipeline", "the Northgate go-live", "a Proof of Restore").
"""

from __future__ import annotations

from pathlib import Path

from extract_helpers import loop_bundle

from dossier.extract.deterministic.single_names import article_names

FIXTURE = Path(__file__).parent / "fixtures" / "single_names"


def _bundle(tmp_path: Path) -> dict[str, dict[str, object]]:
    return loop_bundle(FIXTURE, tmp_path, "fin")


def test_a_one_word_name_used_with_an_article_across_documents_is_a_concept(
        tmp_path: Path) -> None:
    concepts = _bundle(tmp_path)
    # titled by the full name the minutes write once, the short form an alias
    appliance = concepts["Harbor Ledgerbox"]
    assert appliance["type"] == "System"
    assert "Ledgerbox" in appliance["aliases"]  # type: ignore[operator]
    assert len(appliance["sources"]) == 3  # type: ignore[arg-type]
    # a body of people is an Organization
    assert concepts["Consortium"]["type"] == "Organization"
    # the decision that names it links to it
    linking = [t for t, c in concepts.items() if "harbor-ledgerbox" in str(c["_body"])
               and t != "Harbor Ledgerbox"]
    assert "Keep the ledger on site" in linking
    # look-alikes: emphasis of a common word, a qualifier, the head of a longer name
    assert not {"Pipeline", "Northgate", "Proof"} & set(concepts)


def test_article_names_want_the_name_to_head_its_phrase() -> None:
    def names(text: str, lower: frozenset[str] = frozenset()) -> list[str]:
        return [f.text for f in article_names(text, lower)]

    assert names("Each host checks in with the Ledgerbox every hour.") == ["Ledgerbox"]
    assert names("lose our Ledgerbox (or its disk)") == ["Ledgerbox"]
    assert names("We asked the\nConsortium, twice.") == ["Consortium"]
    assert names("the Ledgerbox database") == []  # qualifies a noun
    assert names("the Harbor Portal is down") == []  # part of a longer name
    assert names("a Proof of Restore") == []
    assert names("The Pipeline runs.", frozenset({"pipeline"})) == []  # written lowercase too
    assert names("as the Appendix and the Introduction say") == []  # parts of a document


def test_a_one_word_name_is_a_system_unless_it_names_a_body_of_people() -> None:
    from dossier.extract.deterministic.single_names import named_type

    assert named_type("Ledgerbox") == "System"
    assert named_type("Consortium") == "Organization"
    assert named_type("Client") == "Organization"


def test_capitals_of_agenda_and_title_case_lines_name_nothing() -> None:
    from extract_helpers import make_doc, run

    docs = []
    for number, day in enumerate(["12 January", "9 February", "9 March"]):
        text = (f"# Allotment society committee, {day} 2026\n\n"
                "Agenda:\n\n"
                "- Inspect the Shed\n"
                "- Sign Off the Accounts\n\n"
                "## Review of the Waiting List\n\n"
                "Water Rates Go Up Again For The Season\n\n"
                "Members agreed that the Rainbarrel is leaking and needs a new tap.\n")
        docs.append(make_doc(f"committee-{number}", text,
                             path=f"/corpus/committee/2026-0{number + 1}.md"))
    titles = {c.title for c in run(docs)}
    assert "Rainbarrel" in titles  # named in a prose sentence in every document
    assert not {"Shed", "Accounts", "List", "Season"} & titles


def test_article_names_want_a_prose_line() -> None:
    def names(text: str) -> list[str]:
        return [f.text for f in article_names(text, frozenset())]

    assert names("1. Review the Roadmap") == []
    assert names("## Approve the Minutes") == []
    assert names("Notes On The Budget For The Quarter") == []
    assert names("- we then asked whether the Ledgerbox could keep a second copy") == [
        "Ledgerbox"]
    # the article may open the sentence: the name after it is still a capital by choice
    assert names("The Ledgerbox is down again, so the nightly export waits.") == ["Ledgerbox"]
