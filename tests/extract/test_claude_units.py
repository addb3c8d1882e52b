"""The claude extractor's pure parts: chunking by lines and the deterministic merge.

No SDK, no server: these hold for any answer the model gives.
"""

from __future__ import annotations

import random
from itertools import pairwise
from typing import Any

import pytest

from dossier.extract.claude.chunks import cut
from dossier.extract.claude.drafts import ChunkDraft
from dossier.extract.claude.merge import merge
from dossier.extract.claude.result import ChunkResult, ClaudeSourceResult
from dossier.extract.model import ExtractSettings


def test_chunks_cover_every_line_with_overlap_and_keep_line_numbers() -> None:
    text = "".join(f"line {n}\n" for n in range(1, 101))
    chunks = cut("s", text, max_lines=30, max_chars=10_000, overlap=5)
    assert chunks[0].start == 1 and chunks[-1].end == 100
    for before, after in pairwise(chunks):
        assert after.start == before.end + 1 - 5  # five lines seen twice
    assert all(len(c.lines) <= 30 for c in chunks)
    numbered = chunks[1].numbered().splitlines()
    assert numbered[0].split("| ", 1) == [str(chunks[1].start), f"line {chunks[1].start}"]


def test_chunks_respect_the_character_limit_and_never_split_a_line() -> None:
    text = "short\n" + "x" * 500 + "\nshort again\n"
    chunks = cut("s", text, max_lines=100, max_chars=100, overlap=0)
    assert [(c.start, c.end) for c in chunks] == [(1, 1), (2, 2), (3, 3)]
    assert chunks[1].lines == ("x" * 500,)


def _result(source_id: str, concepts: list[dict[str, Any]]) -> ClaudeSourceResult:
    draft = ChunkDraft.model_validate({"concepts": concepts, "relations": []})
    return ClaudeSourceResult(source_id=source_id, sha256="0" * 64, title=source_id.title(),
                              line_count=20, last_modified=None,
                              chunks=(ChunkResult(1, 20, draft),))


def _c(name: str, ctype: str, line: int, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": ctype, "description": f"{name}.", "summary": f"About {name}.",
            "lines": [{"start": line, "end": line}], **extra}


def test_merge_is_order_independent_and_keeps_identifiers_apart() -> None:
    results = [
        _result("a", [_c("Use Postgres", "Decision", 2, identifier="DEC-001"),
                      _c("Order Store", "System", 3)]),
        _result("b", [_c("Use Postgres", "Decision", 4, identifier="DEC-002"),
                      _c("order stores", "System", 5, aliases=["OS"])]),
        _result("c", [_c("DEC-001", "Decision", 6, identifier="DEC-001")]),
    ]
    first = merge(results, ExtractSettings())
    for seed in range(5):
        shuffled = results[:]
        random.Random(seed).shuffle(shuffled)
        assert merge(shuffled, ExtractSettings()) == first
    by_id = {p.concept_id: p for p in first}
    assert set(by_id) == {"decisions/dec-001-use-postgres", "decisions/dec-002-use-postgres",
                          "systems/order-store"}
    # one identifier across sources is one concept; a plural form is the same name
    assert len(by_id["decisions/dec-001-use-postgres"].sources) == 2
    store = by_id["systems/order-store"]
    assert [s.source_id for s in store.sources] == ["a", "b"]
    assert store.sources[1].resource.endswith("sources/b.md#L5")
    assert "OS" in store.aliases


def test_plugin_settings_model_covers_every_setting_and_feeds_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dataclasses import fields
    from typing import get_type_hints

    from dossier.errors import UsageError
    from dossier.extract.claude.settings import ClaudePluginSettings, ClaudeSettings

    assert set(ClaudePluginSettings.model_fields) == {f.name for f in fields(ClaudeSettings)}
    # same type as the knob (or unset), never a default of its own: the two cannot drift
    hints = get_type_hints(ClaudeSettings)
    for name, field in ClaudePluginSettings.model_fields.items():
        assert field.annotation == (hints[name] | None), name
        assert field.default is None, name
    manifest = ClaudePluginSettings(model="claude-haiku-4-5", budget_usd=2.5)
    loaded = ClaudeSettings.load(manifest, environ={"DOSSIER_CLAUDE_BUDGET_USD": "1"})
    assert loaded.model == "claude-haiku-4-5" and loaded.budget_usd == 1.0  # env wins
    with pytest.raises(UsageError) as bad:
        ClaudeSettings.load({}, environ={"DOSSIER_CLAUDE_CONCURRENCY": "many"})
    assert "DOSSIER_CLAUDE_CONCURRENCY" in str(bad.value)


def test_close_candidates_are_same_typed_bounded_and_deterministic() -> None:
    from dossier.extract.claude.candidates import Side, find_candidates

    def side(title: str, ctype: str = "System", *aliases: str) -> Side:
        from dossier.extract.text import entity_key
        return Side(key=entity_key(title), title=title, type=ctype,
                    names=tuple(sorted({title, *aliases})), description=f"{title}.")

    sides = [side("Billing Service", "System", "Billing"), side("Billing Svc"),
             side("Postgres"), side("Postgress"), side("Order Store"),
             side("Billing", "Topic"), side("Maria Lopez", "Stakeholder")]
    found = find_candidates(sides, limit=10)
    pairs = [(c.a.title, c.b.title) for c in found]
    # contained words (through an alias) and a near spelling; never across types
    assert ("Billing Service", "Billing Svc") in pairs and ("Postgres", "Postgress") in pairs
    assert all(c.a.type == c.b.type for c in found)
    assert ("Billing Service", "Order Store") not in pairs
    for seed in range(5):
        shuffled = sides[:]
        random.Random(seed).shuffle(shuffled)
        assert find_candidates(shuffled, limit=10) == found
    assert find_candidates(sides, limit=1) == found[:1]  # closest first, bounded


def test_confirmed_joins_merge_order_independently_but_never_two_identifiers() -> None:
    from dossier.extract.claude.candidates import Side

    results = [
        _result("a", [_c("Billing Service", "System", 2, aliases=["Billing"]),
                      _c("Use Postgres", "Decision", 3, identifier="DEC-001")]),
        _result("b", [_c("Billing Svc", "System", 4),
                      _c("Use Postgres now", "Decision", 5, identifier="DEC-002")]),
    ]
    asked: list[list[Side]] = []

    def confirm_all(sides: list[Side]) -> list[tuple[str, str]]:
        asked.append(sides)
        by_type: dict[str, list[str]] = {}
        for s in sides:
            by_type.setdefault(s.type, []).append(s.key)
        return [(keys[0], keys[1]) for keys in by_type.values() if len(keys) == 2]

    first = merge(results, ExtractSettings(), confirm_all)
    for seed in range(5):
        shuffled = results[:]
        random.Random(seed).shuffle(shuffled)
        assert merge(shuffled, ExtractSettings(), confirm_all) == first
    by_id = {p.concept_id: p for p in first}
    billing = by_id["systems/billing-service"]
    assert {"Billing", "Billing Svc"} <= set(billing.aliases)
    assert [s.source_id for s in billing.sources] == ["a", "b"]
    # a confirmed pair with two identifiers stays two concepts, as in the rules
    assert {"decisions/dec-001-use-postgres", "decisions/dec-002-use-postgres-now"} <= set(by_id)
    assert merge(results, ExtractSettings()) != first  # without the judge: apart


def test_sources_whose_ids_slug_alike_get_distinct_footnote_labels() -> None:
    """Two sources of one concept that slug to the same ``src-`` label are told apart
    (``-2``), the way the deterministic extractor numbers them, and every footnote
    marker in the body names one ``sources[]`` entry."""
    import re

    from dossier.extract.labels import unique_label

    results = [_result("notes/a.md", [_c("Order Store", "System", 3)]),
               _result("notes-a.md", [_c("Order Store", "System", 5)])]
    [store] = merge(results, ExtractSettings())
    ids = [s.id for s in store.sources]
    assert ids == ["src-notes-a-md", "src-notes-a-md-2"]
    assert set(re.findall(r"\[\^([^\]]+)\]:", store.body)) == set(ids)
    assert unique_label("src-x", {"src-x", "src-x-2"}) == "src-x-3"
