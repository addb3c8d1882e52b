"""Property tests: frontmatter round trips, and the fast YAML path agrees with PyYAML."""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier.okf import ConceptDocument, OKFDocumentError, parse_concept, render_concept, yamlio
from dossier.okf.fastyaml import FastParser

KEYS = st.one_of(
    st.sampled_from(
        [
            "type",
            "title",
            "description",
            "tags",
            "status",
            "generated",
            "verified",
            "sources",
            "stale_after",
            "resource",
            "usage_window",
            "runtime",
            "parameters",
            "attester",
        ]
    ),
    st.from_regex(r"[a-z_][a-z0-9_-]{0,12}", fullmatch=True),
)
TIMESTAMPS = st.builds(
    lambda y, mo, d, h, mi, z: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:00{z}",
    st.integers(1990, 2099),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from(["Z", "+00:00", "-05:30", ""]),
)
SCALARS = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="abc: #-'\"[]{},&*!|>%@`~\n\t", max_size=15),
    TIMESTAMPS,
    st.sampled_from(
        [
            "2026-06-30",
            "yes",
            "no",
            "on",
            "null",
            "~",
            "0.2",
            "1e3",
            "0o17",
            "0x1F",
            "1_000",
            "12:30:00",
            "=",
            "<<",
            "-",
            "- a",
            "? x",
            "true",
            "False",
        ]
    ),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), inner, max_size=4),
    ),
    max_leaves=12,
)
FRONTMATTER = st.dictionaries(KEYS, VALUES, max_size=8).map(
    lambda d: {"type": "Concept", **{k: v for k, v in d.items() if k != "type"}}
)
BODIES = st.text(max_size=200).map(lambda t: t.replace("\r", ""))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frontmatter=FRONTMATTER, body=BODIES)
def test_round_trip_preserves_frontmatter_and_body(frontmatter: dict[str, Any], body: str) -> None:
    doc = ConceptDocument("c", frontmatter, body)
    text = render_concept(doc)
    again = parse_concept(text, "c")
    assert again.frontmatter == frontmatter
    assert again.body == body
    assert render_concept(again) == text  # idempotent
    assert render_concept(parse_concept(render_concept(again), "c")) == text


@settings(max_examples=200, deadline=None)
@given(stamp=TIMESTAMPS)
def test_timestamps_survive_as_text(stamp: str) -> None:
    doc = ConceptDocument("c", {"type": "A", "stale_after": stamp, "generated": {"at": stamp}}, "")
    again = parse_concept(render_concept(doc), "c")
    assert again.frontmatter["stale_after"] == stamp
    assert again.frontmatter["generated"]["at"] == stamp
    # ...and other YAML readers do not see a datetime either (the dumper quotes it).
    loaded = yaml.safe_load(render_concept(doc).split("---\n")[1])
    assert loaded["stale_after"] == stamp


SLOW = FastParser(yamlio.FrontmatterLoader.yaml_implicit_resolvers)


def agree(text: str) -> None:
    fast = SLOW.parse(text)
    if fast is None:
        return
    slow = yamlio.load_slow(text)
    assert fast[0] == slow.data, text
    assert _types(fast[0]) == _types(slow.data), text
    assert fast[1] == slow.key_lines, text


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frontmatter=FRONTMATTER, flow=st.booleans(), indent=st.sampled_from([2, 4]))
def test_fast_path_agrees_with_pyyaml_on_dumped_yaml(
    frontmatter: dict[str, Any], flow: bool, indent: int
) -> None:
    agree(yamlio.dump(frontmatter))
    agree(
        yaml.safe_dump(
            frontmatter,
            sort_keys=False,
            default_flow_style=None if flow else False,
            indent=indent,
            allow_unicode=True,
        )
    )


LINE_PIECES = st.sampled_from(
    [
        "type: A",
        "title: x",
        "  - a",
        "- b",
        "tags: [a, b]",
        "g: { by: h:x, at: 2026-01-01T00:00:00Z }",
        "  k: v",
        "    k2: 'q''s'",
        "x:",
        "  -",
        "n: 12",
        "f: 1.50",
        "b: yes",
        "e: ''",
        "# c",
        "",
        'd: "dq"',
        "z: a: b",
        "s: a #c",
        "  - k: v",
        "    w: 1",
        "u: [a, [b]]",
        "v: {a: 1}",
        "m: -1",
        "p: 007",
        "q: ~",
        "r: 2026-01-01",
        "t: x:y",
        "  ",
        "w: a,b",
    ]
)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(LINE_PIECES, min_size=1, max_size=10))
def test_fast_path_agrees_with_pyyaml_on_line_soup(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    try:
        yamlio.load_slow(text)
    except yaml.YAMLError:
        assert SLOW.parse(text) is None or _fast_is_lenient_subset(text)
        return
    agree(text)


def _fast_is_lenient_subset(text: str) -> bool:
    """The fast path must never accept what PyYAML rejects."""
    return False


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["type: A", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    text = "---\n" + "\n".join(lines) + "\n---\n"
    start = time.perf_counter()
    with pytest.raises(OKFDocumentError, match="alias") as info:
        parse_concept(text, "bomb")
    assert info.value.code == "OKF006"
    assert time.perf_counter() - start < 1.0


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(OKFDocumentError, match="recursive alias"):
        parse_concept("---\ntype: A\nx: &x [*x]\n---\n", "loop")


def test_modest_aliases_are_fine() -> None:
    doc = parse_concept("---\ntype: A\nbase: &b {k: 1}\ncopy: *b\n---\n", "ok")
    assert doc.frontmatter["copy"] == {"k": 1}


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    flow = "---\ntype: A\nx: " + "[" * 20000 + "]" * 20000 + "\n---\n"
    block = "---\ntype: A\n" + "".join(" " * (2 * i) + f"k{i}:\n" for i in range(200)) + "---\n"
    for text in (flow, block):
        # The rule code is the contract; the message may come from libyaml's own limit.
        with pytest.raises(OKFDocumentError) as info:
            parse_concept(text, "deep")
        assert info.value.code == "OKF003"
    fine = "---\ntype: A\nx: " + "[" * 30 + "]" * 30 + "\n---\n"
    assert render_concept(parse_concept(fine, "ok"))
