"""Mention tiers (``mention_weight``): which lines of a summary list are bare.

(The pass must stay linear in a long flat list: ``python -m benchmarks scaling``.)
"""

from __future__ import annotations

from dossier.extract.deterministic.blocks import build_blocks
from dossier.extract.deterministic.markdown import parse
from dossier.extract.deterministic.mention_weight import MentionWeights


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
