"""Which names become concepts of their own, and which stay plain text.

A concept whose body would only say where its name was mentioned is noise in the
bundle; labels, code, paths, colours and URLs are never names; and nothing is ever
injected into a code block.
"""

from __future__ import annotations

from extract_helpers import make_doc, run

from dossier.extract import ProposedConcept


def _titles(concepts: list[ProposedConcept]) -> set[str]:
    return {c.title for c in concepts} | {a for c in concepts for a in c.aliases}


def _note(index: int, mention: str) -> str:
    return (f"# Weekly report {index}\n\nThe team shipped the batch export on time and "
            f"{mention} came up in passing while the team reviewed the open tickets.\n")


def test_a_name_only_mentioned_in_passing_in_two_documents_is_no_concept() -> None:
    docs = [make_doc(f"r{i}", _note(i, "the Zephyr Console")) for i in range(2)]
    concepts = run(docs)
    assert "Zephyr Console" not in _titles(concepts)
    for concept in concepts:  # and no body links to a concept that does not exist
        assert "zephyr-console" not in concept.body


def test_a_name_mentioned_in_three_documents_or_defined_once_is_a_concept() -> None:
    three = [make_doc(f"r{i}", _note(i, "the Zephyr Console")) for i in range(3)]
    assert "Zephyr Console" in _titles(run(three))
    defined = [make_doc("r0", _note(0, "the Zephyr Console")),
               make_doc("r1", _note(1, "the Zephyr Console")
                        + "\nThe Zephyr Console is the operator screen for batch jobs.\n")]
    assert "Zephyr Console" in _titles(run(defined))


def test_an_identifier_cited_once_in_passing_is_no_concept() -> None:
    docs = [make_doc("r0", _note(0, "ticket INC-4411")), make_doc("r1", _note(1, "nothing"))]
    assert "INC-4411" not in _titles(run(docs))


def _page(index: int, extra: str) -> str:
    return (f"# Service page {index}\n\n{extra}\n\nThe team shipped the batch export on time "
            "and reviewed the open tickets with the operators.\n")


def test_labels_code_paths_colours_and_urls_are_never_names() -> None:
    extra = ("- Feature Name: batch-export\n- Start Date: 2024-01-02\n\n"
             "Run `Zephyr Console` from src/zephyr/main.py:42 or https://Quartz.Example.org, "
             "painted #ABCDEF.")
    titles = _titles(run([make_doc(f"p{i}", _page(i, extra)) for i in range(4)]))
    for noise in ("Feature Name", "Start Date", "Zephyr Console", "ABCDEF", "Quartz"):
        assert noise not in titles, noise


def test_bold_remark_labels_and_code_examples_are_no_glossary_terms() -> None:
    text = ("# Glossary\n\n**Note:** every term below is used in contracts.\n\n"
            "**Cut-off Time:** the latest time an order can still be released.\n\n"
            "## Terms of Use\n\n- Bad: `User-Agent: lib/1.0`\n- Better: `User-Agent: my_bot`\n")
    titles = _titles(run([make_doc("g", text)]))
    assert "Cut-off Time" in titles
    assert not {"Note", "Bad", "Better"} & titles


def test_nothing_is_injected_into_a_code_block() -> None:
    guide = ("# Export guide\n\nThe Zephyr Console is the operator screen for batch jobs.\n\n"
             "To start an export:\n\n```\nzephyr start  # opens the Zephyr Console\n"
             "Zephyr Console > export --all\n```\n\nThe Zephyr Console then reports progress.\n")
    other = ("# Runbook\n\nRestart the Zephyr Console when the export stalls; the Zephyr "
             "Console keeps its queue.\n\n```text\nZephyr Console restart\n```\n")
    for concept in run([make_doc("guide", guide), make_doc("runbook", other)]):
        fenced = False
        for line in concept.body.splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            if fenced:
                assert "](" not in line and "[^" not in line, (concept.concept_id, line)


def test_a_heading_led_by_an_identifier_without_separator_is_that_identifier() -> None:
    text = "# Yard\n\n## SYS-20 Yard Manager\n\nThe Yard Manager tracks trailers in the yard.\n"
    concept = [c for c in run([make_doc("yard", text)]) if "SYS-20" in (c.title, *c.aliases)]
    assert [(c.concept_id, c.title) for c in concept] == [
        ("systems/sys-20-yard-manager", "Yard Manager")]


def test_a_sentence_opening_subordinator_is_no_part_of_a_name() -> None:
    """'Since Zephyr is …' across many pages names Zephyr at most, never 'Since Zephyr'."""
    openers = ("Since", "Although", "Unless", "However", "Once")
    docs = [make_doc(f"p{i}", f"# Page {i}\n\n{word} Zephyr is large, the team reviews "
                     f"it in parts.\n") for i, word in enumerate(openers * 4)]
    titles = _titles(run(docs))
    for word in openers:
        assert f"{word} Zephyr" not in titles, word
