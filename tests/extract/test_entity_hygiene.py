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
