"""Mention tiers (``mention_weight``): cost on a long flat list.

A release history of thousands of one-line entries is one long list; the tiering pass
must stay linear in it.
"""

from __future__ import annotations

import time

from dossier.extract.deterministic.blocks import build_blocks
from dossier.extract.deterministic.markdown import parse
from dossier.extract.deterministic.mention_weight import MentionWeights, _bare_items


def _history(entries: int) -> str:
    return "# Release history\n\n## 3.0\n\n" + "".join(
        f"- Tidy up the importer for record batch {n}\n" for n in range(entries))


def _cost(entries: int) -> float:
    blocks = build_blocks(parse(_history(entries)))
    best = float("inf")
    for _ in range(2):
        began = time.perf_counter()
        _bare_items(blocks)  # the summary-list pass, where a per-item copy hid
        best = min(best, time.perf_counter() - began)
    return best


def test_tiering_a_long_flat_list_grows_linearly() -> None:
    small, large = _cost(5000), _cost(20000)
    # four times the entries: about four times the work (a copy per item gives ~16)
    assert large < 8 * small, (small, large)


def test_short_sub_points_stay_in_a_summary_list_a_discussion_does_not() -> None:
    from dossier.extract.deterministic.mention_weight import BARE, PLAIN

    text = ("# Parish hall committee\n\n"
            "- Heating\n  - quotes in\n- Car park\n- Fete\n\n"
            "- Bookings\n  - the Tuesday yoga group wants the hall until nine from May\n"
            "- Keys\n- Bins\n")
    doc = parse(text)
    weights = MentionWeights(doc, build_blocks(doc))
    tier = {line.strip(): weights.weight(n) for n, line in enumerate(doc.lines, 1)}
    # an agenda with a two-word sub-point: all four lines are one summary run
    assert [tier[x] for x in ("- Heating", "- quotes in", "- Car park", "- Fete")] == [BARE] * 4
    # a discussion under an item makes the item a line of its own
    assert tier["- Bookings"] == PLAIN
