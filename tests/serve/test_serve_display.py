"""A search reads a passage's display fields from one packed column, unchanged.

The passages table keeps what a hit shows (concept summary, heading, lines,
citation, whether it is a generated list) in one ``display`` column so a search
selects four columns, not two dozen (dossier/serve/display.py).  Neighbours are not
stored on a row: a search reads them by pid, and the quote it builds from them is
checked here against the concept file too.  These tests check that every field a hit
is built from comes back from a real index exactly as the concept file gave it,
including text that could break a packed format: newlines, quotes, backslashes,
JSON-looking text, non-ASCII, and empty values next to missing ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dossier.serve import SearchIndex, search
from dossier.serve.display import DISPLAY_FIELDS, pack, unpack
from dossier.serve.records import PassageRow, row_from_bytes
from dossier.tenancy import Registry

Put = Callable[..., None]
Commit = Callable[..., str]

HOSTILE = 'quote " back\\slash {"a": [1]} \\n newline\nline two \u00e9t\u00e9 \u2014 \U0001f680 end'

BODY = "\n".join(
    [
        "Opening paragraph about the zebrafish tank, with a footnote.[^s1]",
        "",
        '## Section "one" \\ {json} été',
        "",
        "Zebrafish feeding happens at dawn; the tank light turns on at 06:00.[^s1]",
        "",
        "## Second — section",
        "",
        "Water changes: a quarter of the tank weekly, zebrafish moved first.",
        "",
        "## Third",
        "",
        "Spawning log kept in the blue binder beside the zebrafish tank.",
        "",
        "[^s1]: Husbandry notes",
        "",
    ]
)


def test_search_rows_carry_every_passage_field_as_built(
    tmp_path: Path, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = Registry(tmp_path / "tenants").provision("acme")
    put_concept(
        ctx,
        "labs/zebrafish",
        BODY,
        type="Runbook",
        title='Zebrafish "tank" \\ care été',
        description="How the zebrafish tank is kept.\nSecond line {x}.",
        tags=["fish", "lab"],
        stale_after="2030-01-01T00:00:00Z",
        sources=[{"id": "s1", "resource": "../../sources/husbandry.md#L3-L9", "title": "N"}],
    )
    commit_iteration(ctx, "run-1", "learn the tank")
    path = ctx.bundle_dir / "labs" / "zebrafish.md"
    built = row_from_bytes("labs/zebrafish", path.read_bytes(), "bundle/labs/zebrafish.md")
    expected = {p.pid: p for p in built.passages}
    assert len(expected) == 5

    found = SearchIndex(ctx).fts("zebrafish tank", 50, None)
    assert sorted(row["pid"] for row in found) == sorted(expected)
    for row in found:
        want = expected[row["pid"]]
        for name in ("id", "text", *DISPLAY_FIELDS):
            assert row[name] == getattr(want, name), (row["pid"], name)
    # A row's neighbours are read back by pid as built, the quote cut from their own text.
    neighbours = SearchIndex(ctx).passages_by_pid(["labs/zebrafish#1", "labs/zebrafish#3"])
    for pid in ("labs/zebrafish#1", "labs/zebrafish#3"):
        assert neighbours[pid]["text"] == expected[pid].text
        assert neighbours[pid]["heading"] == expected[pid].heading

    hit = search(ctx, "zebrafish dawn feeding", limit=1)[0]
    assert hit.title == 'Zebrafish "tank" \\ care été'
    assert hit.passage is not None and hit.passage.heading == ['Section "one" \\ {json} été']
    assert hit.citation is not None and hit.citation.path == "sources/husbandry.md"
    assert (hit.citation.line_start, hit.citation.line_end) == (3, 9)
    # The quote joins the best passage and a neighbour read at query time.
    assert "06:00" in hit.snippet and "Water changes" in hit.snippet


def passage(**changes: Any) -> PassageRow:
    base = PassageRow(
        pid="a/b#1",
        id="a/b",
        ordinal=1,
        type="T",
        title="t",
        description="d",
        tags=[],
        status="stable",
        trust_tier="unverified",
        stale_after=None,
        heading=[],
        text="x",
        text_offset=0,
        line_start=1,
        line_end=2,
        cite_source=None,
        cite_path=None,
        cite_start=None,
        cite_end=None,
    )
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def test_packed_fields_survive_hostile_text_and_keep_none_apart_from_empty() -> None:
    cases = [
        passage(),
        passage(heading=[], cite_path="", cite_source=None, generated=True),
        passage(tags=[""], heading=[""], description=""),
        passage(
            title=HOSTILE,
            description=HOSTILE,
            tags=[HOSTILE, "\n"],
            heading=[HOSTILE, "\n-1\n"],
            cite_path=HOSTILE,
            cite_source="s\n1",
            stale_after=1.5e9 + 0.25,
        ),
    ]
    for item in cases:
        row = unpack({"pid": item.pid, "display": pack(item)})
        assert row == {"pid": item.pid, **{n: getattr(item, n) for n in DISPLAY_FIELDS}}
