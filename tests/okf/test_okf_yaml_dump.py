"""The fast frontmatter emitter writes exactly what PyYAML's emitter writes, and no aliases."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier.okf import ConceptDocument, parse_concept, render_concept, yamlio

TRICKY = st.sampled_from(
    [
        "", " ", "a ", " a", "yes", "No", "on", "null", "~", "-", "- a", "? x", ": x", "a: b",
        "a #b", "#x", "'q'", '"d"', "[x]", "{y}", "a,b", "x, y", "&a", "*a", "!t", "|", ">",
        "%p", "@a", "`b", "2026-06-30", "2026-06-30T14:00:00Z", "0.2", "1e3", "0x1F", "0o17",
        "1_000", "12:30:00", "=", "<<", "\u00e9t\u00e9", "\u4e2d\u6587", "emoji \U0001f600",
        "tab\there", "nbsp\u00a0x", "bom\ufeffx", "ctl\x07x", "a\nb", "a\rb", "x\u2028y",
        "trailing\n", "https://example.com/a?b=c#d", "YES", "Off", "NULL", "n", "y", "No way",
        "a (b) c.d/e-f_g", "x -", "x -y", "a.", "a  b", "a/-b", "e1", "E10", "abc-.inf",
        "sys-001", "path/to/file.md", "a" * 130,
    ]
)
SCALARS = st.one_of(
    TRICKY,
    st.text(max_size=30),
    st.text(alphabet="abc: #-'\"[]{},&*!|>%@`~\t", max_size=12),
    st.integers(-(10**9), 10**9),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
)
KEYS = st.one_of(
    st.from_regex(r"[a-z_][a-z0-9_-]{0,12}", fullmatch=True),
    TRICKY,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=25),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(KEYS, inner, max_size=4),
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(KEYS, VALUES, min_size=1, max_size=8))
def test_fast_dump_is_byte_identical_to_pyyaml(data: dict[str, Any]) -> None:
    assert yamlio.dump(data) == yamlio.dump_slow(data)


def _generated_concept(sources: int) -> dict[str, Any]:
    return {
        "type": "System",
        "title": "SYS-042 Billing gateway",
        "description": "Mentioned in 12 sources: it's the gateway #1 (see 'ops').",
        "tags": ["system", "billing"],
        "aliases": ["SYS-042", "Billing gateway"],
        "sources": [
            {
                "id": f"src-{n:04}",
                "resource": f"sources/doc-{n:04}.md",
                "title": f"Document {n}: notes",
                "last_modified": "2026-06-30T14:00:00Z",
            }
            for n in range(sources)
        ],
        "generated": {"by": "dossier-deterministic/0.1.0", "at": "2026-11-22T19:00:00Z"},
    }


def test_generated_concepts_take_the_fast_path_and_match() -> None:
    data = _generated_concept(50)
    fast = yamlio._FastDumper.dump(data)  # raises if the shape fell back to PyYAML
    assert fast == yamlio.dump_slow(data)
    doc = ConceptDocument("systems/sys-042", data, "Body.\n")
    assert parse_concept(render_concept(doc), "systems/sys-042").frontmatter == data


def test_shared_objects_are_written_out_not_aliased() -> None:
    shared_map = {"id": "s1", "resource": "sources/a.md"}
    shared_list = ["a", "b" * 60]
    data = {"type": "A", "x": shared_map, "y": shared_map, "l1": shared_list, "l2": shared_list,
            "sources": [shared_map, shared_map]}
    for text in (yamlio.dump(data), yamlio.dump_slow(data)):
        assert "&id" not in text and "*id" not in text
        assert yamlio.load(text).data == data
    doc = ConceptDocument("c", data, "")
    rendered = render_concept(doc)
    assert "&" not in rendered and "*" not in rendered
    assert parse_concept(rendered, "c").frontmatter == data
