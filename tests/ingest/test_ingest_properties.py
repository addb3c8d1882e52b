"""Properties that must hold for any input: ids are safe paths, conversion never crashes."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dossier.ingest import is_valid_source_id, normalize_text
from dossier.ingest.htmltext import html_to_text
from dossier.ingest.ids import base_source_id, disambiguate, file_slug, slug

names = st.text(
    st.characters(blacklist_characters="/\x00", blacklist_categories=["Cs"]), min_size=1
)


@given(location=names, folders=st.lists(names, max_size=4), name=names)
def test_any_path_gives_a_safe_readable_id(location: str, folders: list[str], name: str) -> None:
    source_id = base_source_id(slug(location, keep_dots=False), (*folders, name))
    assert is_valid_source_id(source_id)
    parts = source_id.split("/")
    assert ".." not in parts and not source_id.startswith("/")
    assert all("." not in p for p in parts[:-1])  # folders can never look like snapshot files
    assert is_valid_source_id(disambiguate(source_id, {source_id}))


def test_slug_examples() -> None:
    assert file_slug("Interview Ops.md") == "interview-ops-md"
    assert file_slug("Zürich – Q3 Review.v2.PDF") == "zurich-q3-review.v2-pdf"
    assert file_slug("README") == "readme"
    assert file_slug("日本語.md") == "untitled-md"
    assert slug("Acme Docs (2024)", keep_dots=False) == "acme-docs-2024"
    assert slug("v1.2", keep_dots=False) == "v1-2"


tags = st.sampled_from(
    ["p", "div", "h1", "h3", "ul", "ol", "li", "table", "tr", "td", "th", "pre", "br",
     "blockquote", "script", "style", "head", "title", "body", "b", "a", "caption", "svg"]
)  # fmt: skip
fragments = st.lists(
    st.one_of(
        tags.map(lambda t: f"<{t}>"),
        tags.map(lambda t: f"</{t}>"),
        st.text(st.characters(blacklist_categories=["Cs"]), max_size=12),
    ),
    max_size=40,
)


@settings(max_examples=200)
@given(fragments)
def test_html_conversion_never_crashes_and_is_normalizable(parts: list[str]) -> None:
    text, _title = html_to_text("".join(parts))
    normalized = normalize_text(text)
    assert normalize_text(normalized) == normalized


@given(st.text(st.characters(blacklist_categories=["Cs"])))
@example("e\x07\u0301")  # a control between a letter and its accent
def test_normalize_is_idempotent_and_lines_agree(raw: str) -> None:
    text = normalize_text(raw)
    assert normalize_text(text) == text
    if text:
        assert text.endswith("\n") and not text.endswith("\n\n")
        assert text.splitlines() == text.split("\n")[:-1]
