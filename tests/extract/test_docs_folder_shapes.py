"""Shapes found on a real documentation folder nobody here wrote (a formatter's docs).

Its section index and first page were both titled "The Black Code Style" (one as
``# The _Black_ code style``): the extractor crashed assembling the corpus (a short form
was folded into a title that two documents share, which has no corpus key), and the
underscore emphasis stayed in the page's title.  The fixture is written for this test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier.evals.pipeline import extract_folder
from dossier.extract.deterministic.cues import container_type


def _folder(tmp_path: Path) -> Path:
    style = tmp_path / "style"
    style.mkdir()
    (style / "index.md").write_text(
        "# The Harbour Code Style\n\nThe Harbour Code Style is the layout every tide table "
        "script follows.\n\n## Contents\n\n- current\n- future\n", encoding="utf-8")
    (style / "current.md").write_text(
        "# The _Harbour_ code style\n\nLines wrap at eighty characters and every constant "
        "is spelled out in full, as the Harbour Code Style asks.\n", encoding="utf-8")
    (tmp_path / "guide.md").write_text(
        "# Getting started\n\nRead about the Harbour Code Style before your first pull "
        "request. The Harbour Code Style keeps diffs small.\n", encoding="utf-8")
    return tmp_path


def test_two_pages_sharing_a_title_and_its_short_form_extract(tmp_path: Path) -> None:
    titles = [c.title for c in extract_folder(_folder(tmp_path))[1]]
    # both pages keep a concept of their own: equal titles never merge documents
    assert sorted(t for t in titles if t.lower() == "the harbour code style") == [
        "The Harbour Code Style", "The Harbour code style"]


def test_underscore_emphasis_leaves_titles_but_not_identifiers(tmp_path: Path) -> None:
    (tmp_path / "naming.md").write_text(
        "# Naming _rules_\n\nA constant such as max_tide_height keeps its snake_case name "
        "in every table.\n", encoding="utf-8")
    titles = {c.title for c in extract_folder(tmp_path)[1]}
    assert "Naming rules" in titles
    assert not [t for t in titles if "_" in t and "snake_case" not in t
                and "max_tide_height" not in t]


def test_a_page_named_after_a_product_is_no_list_of_that_kind(tmp_path: Path) -> None:
    """"GitHub Actions integration" documents one integration; its sections are no Action
    Items (the real page's "Versions" and "CLI Options" were)."""
    (tmp_path / "ci.md").write_text(
        "# GitHub Actions integration\n\nThe formatter ships an action for pipelines.\n\n"
        "## Usage\n\n### Versions\n\nThe version the action uses can be set through the "
        "version input or read from the project file in the repository root.\n\n"
        "### CLI Options\n\nThe arguments passed to the formatter are set through the "
        "options input, which defaults to checking and showing a diff.\n\n"
        "## Key risks\n\n### Style drift\n\nThe pipeline fails whenever a new release of "
        "the formatter changes the style of code that passed before.\n",
        encoding="utf-8")
    types = {c.title: c.type for c in extract_folder(tmp_path)[1]}
    assert types.get("Versions") != "Action Item"
    assert types.get("CLI Options") != "Action Item"
    # a collection heading still types what it lists
    assert types.get("Style drift") == "Risk"


def test_a_question_heading_is_not_the_thing_it_asks_about(
        tmp_path: Path) -> None:
    """An FAQ's "Does Black have an API?" was typed System (the word "API")."""
    (tmp_path / "faq.md").write_text(
        "# Frequently asked questions\n\n## Does the press have an API?\n\nNot a stable one: "
        "scripts call the command line, because the internal functions change between "
        "releases without notice.\n\n## Is there a database behind the press?\n\nThe "
        "database of stamping profiles is a flat file; the module that reads it is no public "
        "interface and its API may change.\n", encoding="utf-8")
    types = {c.title: c.type for c in extract_folder(tmp_path)[1]}
    assert types["Does the press have an API?"] == "Topic"
    # nor do the words of its answer ("database", "module", "interface", "API") make it one
    assert types["Is there a database behind the press?"] == "Topic"


@pytest.mark.parametrize(("heading", "kind"), [
    ("GitHub Actions integration", None),
    ("AWS Systems Manager", None),
    ("Project Risks and Mitigations", "Risk"),
    ("Agreed Actions for Next Sprint", "Action Item"),
    ("Outstanding Actions from Last Meeting", "Action Item"),
    ("Major Risks identified", "Risk"),
    ("Key Decisions and Next Steps", "Decision"),
])
def test_only_a_product_name_keeps_a_collection_word_from_typing(
        heading: str, kind: str | None) -> None:
    """Title-case collection headings of minutes and registers still type their items."""
    assert container_type(heading) == kind
