"""A very long line is extracted as correctly as short ones (its speed is in benchmarks/).

Exports and scraped pages often arrive as one line of hundreds of KB.  Names, their
roles, alias pairs, definitions and the sentence quoted for each must not depend on
where in the line they sit; ``python -m benchmarks extract`` measures that the work is
linear in the line's length (the "long one-line file" rows).
"""

from __future__ import annotations

from dossier.extract import DeterministicExtractor
from tests.extract.extract_helpers import make_doc

FILLER = "the team reviewed current volumes and agreed on the weekly plan. "


def _one_line(repeats: int) -> str:
    return (
        "Vantage WMS (SYS-10) runs the warehouse floor. "
        + FILLER * repeats
        + "Dana Reyes, the Operations Director, owns every returns exception. "
        + FILLER * repeats
        + "Meridian ERP (SYS-01) replaces the old ledger for Vantage WMS. "
        + "Proof of Delivery means the signed receipt a driver brings back.\n"
    )


def test_names_roles_aliases_and_definitions_anywhere_in_one_long_line() -> None:
    text = _one_line(3000)  # ~400 KB on a single line
    assert text.count("\n") == 1 and len(text) > 350_000
    extraction = DeterministicExtractor().extract_source(make_doc("notes/export", text))

    assert extraction.line_count == 1
    ids = {o.text: o for o in extraction.identifiers}
    assert set(ids) == {"SYS-01", "SYS-10"}
    assert ids["SYS-10"].snippet == "Vantage WMS (SYS-10) runs the warehouse floor."
    assert ids["SYS-01"].snippet == "Meridian ERP (SYS-01) replaces the old ledger for Vantage WMS."
    assert all(o.line == 1 for o in ids.values())

    terms = {o.text: o for o in extraction.terms}
    assert terms["Vantage WMS"].count == 2
    assert terms["Vantage WMS"].snippet == "Vantage WMS (SYS-10) runs the warehouse floor."
    assert terms["Dana Reyes"].role == "Operations Director"
    assert terms["Dana Reyes"].snippet == (
        "Dana Reyes, the Operations Director, owns every returns exception."
    )
    assert ("Meridian ERP", "SYS-01") in extraction.alias_pairs
    assert ("Vantage WMS", "SYS-10") in extraction.alias_pairs
    definitions = {d.term: d.text for d in extraction.definitions}
    assert definitions["Proof of Delivery"] == (
        "Proof of Delivery means the signed receipt a driver brings back."
    )


def test_a_long_heading_line_is_cleaned_once_and_keeps_its_identifiers() -> None:
    """A one-line file that starts with '#' is one huge heading full of identifiers."""
    mentions = " ".join(f"REQ-{n} ships on time." for n in range(3000))
    text = f"# Requirements {mentions}\n"
    extraction = DeterministicExtractor().extract_source(make_doc("notes/reqs", text))
    ids = {o.text: o for o in extraction.identifiers}
    assert len(ids) == 3000
    assert ids["REQ-2999"].line == 1 and ids["REQ-2999"].count == 1
