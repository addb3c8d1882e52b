"""A short form is an alias only when the corpus defines it, and defines it one way.

``Long Name (LN)`` with the name's initials, or ``LN stands for Long Name``, makes ``LN``
an alias; a short form the corpus defines as two different things is an alias of
neither; and an alias is never linked inside code.
"""

from __future__ import annotations

from extract_helpers import make_doc, run

from dossier.extract import ProposedConcept


def _with_alias(concepts: list[ProposedConcept], alias: str) -> list[list[str]]:
    """The names of every concept that has ``alias`` as an alias (title first)."""
    return [[c.title, *sorted(c.aliases)] for c in concepts
            if alias in c.aliases or (alias == c.title and c.aliases)]


def _mentions(index: int, short: str) -> str:
    return (f"# Shift log {index}\n\nThe {short} was checked at the start of the shift and the "
            "night crew signed the handover sheet.\n")


def test_a_defined_short_form_is_an_alias_of_its_name() -> None:
    docs = [
        make_doc("intro", "# Terminal guide\n\nEvery crane move is logged by the Yard "
                          "Planning System (YPS) before the truck is called.\n"),
        make_doc("stated", "# Glossary notes\n\nRTG stands for Rubber Tyred Gantry. The Rubber "
                           "Tyred Gantry lifts boxes in the stack.\n"),
        *(make_doc(f"log{i}", _mentions(i, "YPS and the RTG")) for i in range(3)),
    ]
    concepts = run(docs)
    # one concept each, whichever of its two names is the title
    assert [sorted(n) for n in _with_alias(concepts, "YPS")] == [["YPS", "Yard Planning System"]]
    assert [sorted(n) for n in _with_alias(concepts, "RTG")] == [["RTG", "Rubber Tyred Gantry"]]


def test_a_short_form_defined_as_two_things_is_an_alias_of_neither() -> None:
    docs = [
        make_doc("ops", "# Operations\n\nPilot Dispatch (PD) books every tug and "
                        "Pilot Dispatch keeps the roster.\n"),
        make_doc("fees", "# Fees\n\nPort Dues (PD) are charged per call and "
                         "Port Dues rise each spring.\n"),
        *(make_doc(f"log{i}", _mentions(i, "Pilot Dispatch and Port Dues")) for i in range(3)),
    ]
    concepts = run(docs)
    assert _with_alias(concepts, "PD") == []
    titles = {c.title for c in concepts}
    assert {"Pilot Dispatch", "Port Dues"} <= titles  # still two concepts, not one


def test_a_defined_alias_is_not_linked_inside_code() -> None:
    docs = [
        make_doc("intro", "# Terminal guide\n\nEvery crane move is logged by the Yard "
                          "Planning System (YPS) before the truck is called.\n\n"
                          "Query it with `YPS status` or:\n\n```\nYPS export --all\n```\n"),
        *(make_doc(f"log{i}", _mentions(i, "YPS")) for i in range(3)),
    ]
    for concept in run(docs):
        fenced = False
        for line in concept.body.splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            if fenced:
                assert "](" not in line and "[^" not in line, (concept.concept_id, line)
            assert "`[YPS]" not in line and "[YPS status]" not in line
