"""A hit cites the source lines its passage was copied from, not its whole section.

The extractor cites a long section of a document with one footnote over the whole
section's range.  Search cuts that section into passages of about 200 words, and the
hit's citation used to name the section's range whatever part it quoted: a reader
checking a claim was sent to thirty lines for one sentence.  When the section was
copied line for line (links and footnote markers added within lines, a "Source."
line after a code block), each passage now cites its own lines.  The corpus is run
through the real loop, in words of my own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier.runtime.default import DefaultOrchestrator
from dossier.runtime.orchestrator import LoopOptions
from dossier.serve import search
from dossier.tenancy import Registry

FILLER = (
    "Paragraph {n} of the design walks through how a worker treats a thumbnail it\n"
    "has not seen before, which tier it asks first, and what it writes back to the\n"
    "tiers above once the answer arrives, so the next request is cheaper.\n"
)
EXPIRY = (
    "Entries expire after ninety seconds so an edited upload shows its new\n"
    "thumbnail within two minutes.\n"
)


def proposal() -> str:
    design = "\n".join(FILLER.format(n=n) for n in range(1, 7))
    code = "```\nlookup(key):\n  memory.get(key) or disk.get(key) or render(key)\n```\n"
    return (
        "# Tiered cache for the image service\n\n"
        "## Summary\n\nPut a small memory tier in front of the disk cache.\n\n"
        f"## Design\n\n{design}\n{code}\n{FILLER.format(n=7)}\n{EXPIRY}\n"
        "## Alternatives\n\nA shared network cache was rejected: one more service to run.\n"
    )


def test_a_passage_of_a_long_section_cites_its_own_lines(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = proposal()
    (corpus / "tiered-cache.md").write_text(text, encoding="utf-8")
    ctx = Registry(tmp_path / "tenants").provision("images", sources=[corpus])
    record = DefaultOrchestrator().run_iteration(ctx, LoopOptions())
    assert record.status == "committed", record.message

    lines = text.split("\n")
    design = lines.index("## Design") + 1
    expiry = next(n for n, line in enumerate(lines, start=1) if line.startswith("Entries expire"))
    alternatives = lines.index("## Alternatives") + 1

    top = search(ctx, "How long until an edited upload shows its new thumbnail?", limit=3)[0]
    assert "ninety seconds" in top.snippet
    cite = top.citation
    assert cite is not None and cite.line_start is not None and cite.line_end is not None
    assert cite.line_start <= expiry <= expiry + 1 <= cite.line_end < alternatives
    # the passage's own lines, not the section from its heading on
    assert cite.line_start > design + 10
    snapshot = (ctx.path / cite.path).read_text(encoding="utf-8").split("\n")
    cited = "\n".join(snapshot[cite.line_start - 1 : cite.line_end])
    assert "Entries expire after ninety seconds" in cited


POLICY = """## Refunds

Refunds are paid within fourteen days of
a written request to support, in the
original currency, minus any bank fees,
and only for the current billing period.

## Discounts

Volume discounts start at ten seats and
reach twenty percent at one hundred seats,
agreed by sales each quarter with finance
and never stacked with promotions.
"""


def swapped_note(resource: str, by: str) -> str:
    """The policy rewritten with its two sections swapped, one footnote over L1-L13."""
    return (
        "---\ntype: Note\ntitle: Refund and discount policy\n"
        f"generated:\n  by: {by}\n"
        f"sources:\n  - id: s\n    resource: {resource}#L1-L13\n---\n"
        "## Discounts\n\nVolume discounts start at ten seats and\n"
        "reach twenty percent at one hundred seats,\n"
        "agreed by sales each quarter with finance\n"
        "and never stacked with promotions.[^s]\n\n"
        "## Refunds\n\nRefunds are paid within fourteen days of\n"
        "a written request to support, in the\n"
        "original currency, minus any bank fees,\n"
        "and only for the current billing period.[^s]\n"
    )


@pytest.mark.parametrize(
    "by",
    [
        "human:kim",  # a person's note: never narrowed
        "dossier-deterministic/0.1.0",  # an extracted concept a person reordered by hand
    ],
)
def test_a_reordered_passage_keeps_the_whole_cited_range(tmp_path: Path, by: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "policy.md").write_text(POLICY, encoding="utf-8")
    ctx = Registry(tmp_path / "tenants").provision("shop", sources=[corpus])
    record = DefaultOrchestrator().run_iteration(ctx, LoopOptions())
    assert record.status == "committed", record.message
    snapshot = next(ctx.path.glob("sources/**/policy*.md")).relative_to(ctx.path).as_posix()
    assert (ctx.path / snapshot).read_text(encoding="utf-8").split("\n")[:13] == POLICY.split(
        "\n"
    )[:13]
    (ctx.bundle_dir / "notes").mkdir(exist_ok=True)
    (ctx.bundle_dir / "notes" / "policy.md").write_text(
        swapped_note(f"../../{snapshot}", by), encoding="utf-8"
    )

    hits = search(ctx, "When are refunds paid after a written request?", limit=10)
    hit = next(h for h in hits if h.id == "notes/policy")
    assert "Refunds are paid within fourteen days" in hit.snippet
    cite = hit.citation
    assert cite is not None and cite.path == snapshot
    # Lines 10-13 hold the discounts: the passage may only cite the whole range.
    assert (cite.line_start, cite.line_end) == (1, 13)


def test_the_narrowed_producer_is_the_deterministic_extractor() -> None:
    from dossier.extract.document import PRODUCER
    from dossier.serve.passages import DETERMINISTIC_BY

    # search does not import the extractor, so the prefix is written twice: keep them one
    assert f"{PRODUCER}/" == DETERMINISTIC_BY
