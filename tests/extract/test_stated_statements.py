"""Risks and requirements a decision record or minutes state in prose, end to end.

The fixture ``fixtures/statements`` is written for this test: a MADR-style record with
bullet metadata (the dev pack's records use ``## Status`` sections) and terse ops-review
minutes quoting people by full name.
"""

from __future__ import annotations

import re
from pathlib import Path

from extract_helpers import loop_bundle, make_doc, run

FIXTURE = Path(__file__).parent / "fixtures" / "statements"


def _bundle(tmp_path: Path) -> dict[str, dict[str, object]]:
    return loop_bundle(FIXTURE, tmp_path, "ops")


def _lines(concept: dict[str, object]) -> list[tuple[int, int]]:
    spans = []
    for source in concept["sources"]:  # type: ignore[attr-defined]
        match = re.search(r"#L(\d+)(?:-L(\d+))?$", str(source["resource"]))
        assert match
        spans.append((int(match.group(1)), int(match.group(2) or match.group(1))))
    return spans


def _of_type(concepts: dict[str, dict[str, object]], type_: str) -> dict[str, dict[str, object]]:
    return {t: c for t, c in concepts.items() if c["type"] == type_}


def test_a_stated_risk_is_a_risk_citing_its_own_lines_and_a_denied_one_is_not(
        tmp_path: Path) -> None:
    concepts = _bundle(tmp_path)
    risks = _of_type(concepts, "Risk")
    record_risk = next(c for t, c in risks.items() if "single point of failure" in t)
    assert _lines(record_risk) == [(22, 23)]  # the paragraph, not the record
    assert "Put order intake behind a message queue" in str(record_risk["_body"])
    # the remark that calls a one-person deploy "not sustainable", from the minutes
    minutes_risk = next(c for t, c in risks.items() if "billing service" in t)
    assert _lines(minutes_risk) == [(7, 8)]
    # titled by the remark, without its speaker
    assert next(t for t in risks if "billing service" in t).startswith("Only one of us")
    # "lowers the risk of", "no risk to": no risk stated
    assert not any("slow page" in t or "audit" in t for t in risks)
    # a register row saying "is a risk" is the table's row concept, not a second one
    assert len([t for t in risks if "on-call rota" in t]) == 1
    assert len(risks) == 3
    # the decision and the action of the same minutes stay what they are
    assert "Tomas pairs with Priya on the next two billing releases" in _of_type(
        concepts, "Decision")


def test_upper_case_must_and_shall_sentences_are_requirements(tmp_path: Path) -> None:
    requirements = _of_type(_bundle(tmp_path), "Requirement")
    # one paragraph, one requirement, titled by its first normative sentence
    assert list(requirements) == [
        "Every producer SHALL retry a rejected message with exponential backoff, and a "
        "consumer MUST NOT acknowledge a message before it is stored"
    ]
    assert _lines(next(iter(requirements.values()))) == [(17, 18)]


# Inline records in a terse bullet style of their own: the statements a held-out record
# makes in everyday grammar, none of them worded like the fixture above.
_PLAIN_RECORD = """# Decision 12: Host the queue on a managed service

* Status: accepted
* Date: 2025-02-11

## Context

Our broker runs on two hand-built machines that only Marta can patch.

## Decision

Move the broker to the cloud provider's managed queue.

## Consequences

The main risk is vendor lock-in, because the managed queue speaks a dialect of its own.

We risk losing the retail client if the cut-over slips past March.

The import job risks dropping messages while both brokers run side by side.

Billing gets simpler, since the provider charges per message.
"""


def _risk_titles(text: str) -> list[str]:
    doc = make_doc("decision-12", text, path="/corpus/records/decision-12.md")
    return sorted(c.title for c in run([doc]) if c.type == "Risk")


def test_risks_stated_by_their_grammar_are_found_not_by_a_corpus_phrase() -> None:
    titles = _risk_titles(_PLAIN_RECORD)
    assert [t.split(",")[0] for t in titles] == [
        "The import job risks dropping messages while both brokers run side by side",
        "The main risk is vendor lock-in",
        "We risk losing the retail client if the cut-over slips past March",
    ]


_DENIALS = """# Decision 13: Keep one database server

* Status: accepted

## Context

A second server doubles the bill.

## Decision

Stay on one server with hourly snapshots.

## Consequences

Running a single server is not a risk for us, since a restore takes minutes.

Losing a night of analytics is hardly a danger to anyone.

Nobody is at risk when the reporting box reboots.

A failed snapshot isn't a threat either: the previous one is kept.

Restores remain a risk until someone rehearses one.
"""


def test_a_risk_denied_inside_the_statement_is_no_risk() -> None:
    assert [t.split(",")[0] for t in _risk_titles(_DENIALS)] == [
        "Restores remain a risk until someone rehearses one"]
