"""Patterns several extractor modules read alike: plurals, list markers, speakers.

Each had copies that disagreed (a plural fold that made "Status" an alias "Statu", list
markers of 1–3 digits in some readers and 1–9 in the code map); they are now one helper
each (``text.singular``, ``markdown.LIST_MARKER`` / ``LIST_PREFIX``, ``SPEAKER_PREFIX``).
"""

from __future__ import annotations

from extract_helpers import make_doc, run

from dossier.extract.deterministic.codeblocks import code_lines
from dossier.extract.deterministic.markdown import LIST_ITEM, SPEAKER, parse


def test_a_singular_term_ending_in_s_gets_no_made_up_singular_alias() -> None:
    page = ("# Status\n\nA status is the stage a parcel has reached, shown beside its "
            "tracking number on every screen.\n\n## Values\n\nBooked, in transit, delivered.\n")
    [term] = [c for c in run([make_doc("docs/status", page, path="/corpus/docs/status.html")])
              if c.title == "Status"]
    assert term.type == "Glossary Term"
    assert term.aliases == ()  # never "Statu"


def test_every_reader_takes_a_long_ordered_marker_as_a_list_item() -> None:
    # an ordered list numbered past 999 (CommonMark allows nine digits)
    lines = ["1204. Move the archive", "", "      indented code under the item", ""]
    assert LIST_ITEM.match(lines[0]) is not None
    assert parse("\n".join(lines)).lines[0] == lines[0]
    # the code map reads the item the same way: the indented line is its paragraph, no code
    assert code_lines(lines) == [False, False, False, False]


def test_a_risk_in_a_long_numbered_list_is_titled_without_its_number() -> None:
    record = ("# Decision 1204: Archive old parcels\n\n* Status: accepted\n\n"
              "## Context\n\nThe parcel archive grows by a terabyte a month.\n\n"
              "## Decision\n\nDelete parcels older than a year.\n\n"
              "## Consequences\n\n"
              "1203. Storage costs fall by half.\n"
              "1204. We risk losing proof of delivery for disputes older than a year.\n")
    risks = [c.title for c in run([make_doc("decision-1204", record,
                                            path="/corpus/records/decision-1204.md")])
             if c.type == "Risk"]
    assert risks == ["We risk losing proof of delivery for disputes older than a year"]


def test_a_speaker_prefix_is_read_alike_by_minutes_and_statements() -> None:
    assert SPEAKER.match("Noor Haddad: the pump is failing") is not None
    assert SPEAKER.match("the pump: failing") is None


def test_the_end_of_a_list_item_follows_each_readers_stated_policy() -> None:
    from dossier.extract.deterministic.markdown import item_end

    doc = parse("- Pump house roof\n"       # 1
                "  leaks over the filter\n"  # 2
                "\n"                         # 3
                "  Quote from the roofer:\n"  # 4
                "```\n"                      # 5  fenced code at column 0
                "total 1,200\n"              # 6
                "```\n"                      # 7
                "- Fence paint\n")           # 8
    # one statement: the blank line ends it
    assert item_end(doc, 0, 0, code="ends") == 2
    # an agenda item with its discussion: blank lines and code stay in it
    assert item_end(doc, 0, 0, through_blank_lines=True, code="inside") == 7
    # code read by its indentation like any line: the fence at column 0 ends it
    assert item_end(doc, 0, 0, through_blank_lines=True) == 4
