"""Link parsing and resolution (§6.1), with property tests for path handling."""

from __future__ import annotations

import posixpath

from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.okf import parse_links
from dossier.okf.links import MAX_CONTEXT, resolve_href


def targets(body: str, source: str = "dir/here") -> list[str | None]:
    return [link.target_id for link in parse_links(body, source)]


def test_link_forms_resolve_relative_to_the_linking_concept() -> None:
    body = (
        "[abs](/tables/orders.md) [dot](./sibling.md) [up](../top.md) [bare](bare.md) "
        "[deep](sub/inner.md#section) [query](q.md?x=1) [angle](<with space.md>) "
        '[encoded](my%20file.md) [titled](t.md "Title")'
    )
    assert targets(body) == [
        "tables/orders",
        "dir/sibling",
        "top",
        "dir/bare",
        "dir/sub/inner",
        "dir/q",
        "dir/with space",
        "dir/my file",
        "dir/t",
    ]


def test_non_concept_links() -> None:
    links = parse_links(
        "[web](https://example.com/x.md) [mail](mailto:a@b.c) [proto](//cdn/x.md) "
        "[dir](tables/) [idx](tables/index.md) [log](/log.md) [file](script.py) "
        "[anchor](#top) ![image](pic.md)",
        "dir/here",
    )
    assert [(link.href, link.target_id, link.broken) for link in links] == [
        ("https://example.com/x.md", None, False),
        ("mailto:a@b.c", None, False),
        ("//cdn/x.md", None, False),
        ("tables/", None, False),
        ("tables/index.md", None, False),
        ("/log.md", None, False),
        ("script.py", None, False),
    ]


def test_links_in_code_are_ignored() -> None:
    body = (
        "Real [one](a.md).\n"
        "```sql\nSELECT '[not](b.md)'\n```\n"
        "~~~~\n[no](c.md)\n~~~~\n"
        "Inline `[code](d.md)` and ``[double](e.md)`` but [two](f.md).\n"
        "    ```python\n"
    )
    assert targets(body, "x") == ["a", "f"]


def test_unclosed_fence_hides_the_rest() -> None:
    assert targets("[a](a.md)\n```\n[b](b.md)\n", "x") == ["a"]


def test_line_and_context() -> None:
    body = (
        "# Title\n\n"
        "First sentence here. The **orders** table joins [customers](/customers.md) on id. "
        "Another sentence follows.\n"
        "* [Item](item.md) - a list entry\n"
    )
    first, second = parse_links(body, "x", line_offset=10)
    assert first.line == 13 and second.line == 14
    assert first.context == "The orders table joins customers on id."
    assert first.text == "customers"
    assert second.context == "Item - a list entry"


def test_context_is_capped() -> None:
    body = "word " * 200 + "[x](x.md) " + "word " * 200
    (link,) = parse_links(body, "a")
    assert len(link.context) <= MAX_CONTEXT


def test_escape_above_root_is_broken_not_resolved() -> None:
    (link,) = parse_links("[up](../../../etc/passwd.md)", "a/b")
    assert link.target_id is None and link.broken


def test_exists_marks_broken() -> None:
    links = parse_links("[a](a.md) [b](b.md)", "x", exists=lambda cid: cid == "a")
    assert [link.broken for link in links] == [False, True]


def test_pathological_brackets_parse_to_no_links() -> None:
    body = "[" * 5000 + "](" * 5000 + "\n" + "[a](" * 3000
    assert parse_links(body, "x") == []


SEGMENT = st.text(alphabet="abcxyz-_0123456789", min_size=1, max_size=6)
PATHS = st.lists(SEGMENT, min_size=1, max_size=4).map("/".join)


@settings(max_examples=300, deadline=None)
@given(source=PATHS, target=PATHS)
def test_absolute_and_relative_forms_resolve_to_the_same_id(source: str, target: str) -> None:
    folder = posixpath.dirname(source)
    relative = posixpath.relpath(target + ".md", folder or ".")
    assert resolve_href("/" + target + ".md", source).target_id == target
    assert resolve_href(relative, source).target_id == target
    assert resolve_href("./" + relative, source).target_id == target


@settings(max_examples=300, deadline=None)
@given(
    source=PATHS,
    parts=st.lists(st.sampled_from(["..", ".", "a", "b", "", "c.md", "..."]), max_size=8),
    absolute=st.booleans(),
)
def test_resolution_never_escapes_the_root(source: str, parts: list[str], absolute: bool) -> None:
    href = ("/" if absolute else "") + "/".join(parts) + ".md"
    resolution = resolve_href(href, source)
    if resolution.target_id is not None:
        segments = resolution.target_id.split("/")
        assert ".." not in segments and "." not in segments and "" not in segments
        assert not resolution.target_id.startswith("/")
        assert not any(segment.startswith(".") for segment in segments)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_arbitrary_bodies_never_crash(text: str) -> None:
    for link in parse_links(text, "some/concept"):
        assert len(link.context) <= MAX_CONTEXT
        assert link.line >= 1
