"""Frontmatter parse/render: canonical key order, lossless bodies, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier.okf import (
    Concept,
    ConceptDocument,
    OKFDocumentError,
    parse_concept,
    read_concept_file,
    render_concept,
    write_concept_file,
)

TEXT = """---
zeta: last-unknown
sources:
  - id: s1
    resource: https://example.com/a
stale_after: 2026-12-31T00:00:00Z
title: Orders
alpha: [1, 2]
type: BigQuery Table
generated: { by: reference_agent/x-1, at: 2026-06-30T14:00:00Z }
---

# Schema

Body with trailing spaces{SPACES}
and a tab\there.
""".replace("{SPACES}", "   ")


def test_canonical_key_order_then_unknown_keys_in_original_order() -> None:
    doc = parse_concept(TEXT, "tables/orders")
    rendered = render_concept(doc)
    frontmatter = rendered.split("---\n")[1]
    keys = [line.split(":")[0] for line in frontmatter.splitlines() if line[:1].isalpha()]
    assert keys == ["type", "title", "generated", "stale_after", "sources", "zeta", "alpha"]


def test_body_bytes_are_preserved_exactly() -> None:
    doc = parse_concept(TEXT, "tables/orders")
    assert doc.body == "\n# Schema\n\nBody with trailing spaces   \nand a tab\there.\n"
    assert render_concept(doc).endswith("---\n" + doc.body)


def test_timestamps_are_kept_as_text() -> None:
    doc = parse_concept(TEXT, "x")
    assert doc.frontmatter["stale_after"] == "2026-12-31T00:00:00Z"
    assert doc.frontmatter["generated"] == {
        "by": "reference_agent/x-1",
        "at": "2026-06-30T14:00:00Z",
    }
    again = parse_concept(render_concept(doc), "x")
    assert again.frontmatter == doc.frontmatter


def test_render_is_deterministic_and_idempotent() -> None:
    doc = parse_concept(TEXT, "x")
    first = render_concept(doc)
    assert render_concept(doc) == first
    assert render_concept(parse_concept(first, "x")) == first


def test_crlf_and_bom_files_parse() -> None:
    text = "\ufeff---\r\ntype: Note\r\ntitle: T\r\n---\r\nline one\r\nline two\r\n"
    doc = parse_concept(text, "n")
    assert doc.frontmatter == {"type": "Note", "title": "T"}
    assert doc.body == "line one\r\nline two\r\n"
    assert doc.body_line == 5


def test_body_line_counts_frontmatter() -> None:
    doc = parse_concept("---\ntype: A\ntitle: B\n---\nfirst body line\n", "a")
    assert doc.body_line == 5


def test_multiline_strings_and_unicode_round_trip() -> None:
    doc = ConceptDocument(
        "u",
        {"type": "Note", "title": "Zürich — 東京", "notes": "line 1\nline 2\n", "n": 3, "ok": True},
        "body\n",
    )
    text = render_concept(doc)
    assert "Zürich — 東京" in text  # written as UTF-8, not escaped
    assert parse_concept(text, "u").frontmatter == doc.frontmatter


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("# just markdown\n", "OKF001", "no YAML frontmatter"),
        ("---\ntype: A\nno closing line\n", "OKF002", "not closed"),
        ("---\ntype: [unclosed\n---\n", "OKF003", "not valid YAML"),
        ("---\n- a\n- b\n---\n", "OKF004", "list"),
        ("---\njust a scalar\n---\n", "OKF004", "str"),
        ("---\n---\nbody\n", "OKF004", "empty"),
        ("---\ntitle: no type\n---\n", "OKF005", "no 'type'"),
        ("---\ntype: ''\n---\n", "OKF005", "empty"),
        ("---\ntype: [a, b]\n---\n", "OKF005", "non-empty string"),
    ],
)
def test_bad_documents_raise_a_clear_error_naming_the_file(
    text: str, code: str, fragment: str
) -> None:
    with pytest.raises(OKFDocumentError) as info:
        parse_concept(text, "c", path="bundle/c.md")
    assert info.value.code == code
    assert "bundle/c.md" in str(info.value)
    assert fragment in str(info.value)


def test_yaml_error_reports_the_file_line() -> None:
    with pytest.raises(OKFDocumentError) as info:
        parse_concept("---\ntype: A\ntitle: [broken\n---\n", "c", path="c.md")
    assert info.value.line is not None and info.value.line >= 3


def test_unsafe_yaml_tags_are_refused() -> None:
    with pytest.raises(OKFDocumentError):
        parse_concept("---\ntype: !!python/object/apply:os.system ['true']\n---\n", "c")


def test_from_concept_and_typed_view() -> None:
    concept = Concept(type="Metric", title="Revenue", tags=["finance"], owner="fp&a")  # type: ignore[call-arg]
    doc = ConceptDocument.from_concept("metrics/revenue", concept, "# Definition\n")
    assert doc.frontmatter == {
        "type": "Metric",
        "title": "Revenue",
        "tags": ["finance"],
        "owner": "fp&a",
    }
    assert doc.concept.title == "Revenue"
    assert parse_concept(render_concept(doc), "metrics/revenue") == doc


def test_concept_view_reports_unusable_shapes() -> None:
    doc = ConceptDocument("c", {"type": "A", "generated": ["not", "a", "mapping"]}, "")
    with pytest.raises(OKFDocumentError, match="generated"):
        _ = doc.concept


def test_write_skips_unchanged_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a" / "c.md"
    doc = parse_concept(TEXT, "c")
    assert write_concept_file(path, doc) is True
    stamp = path.stat().st_mtime_ns
    inode = path.stat().st_ino
    assert write_concept_file(path, doc) is False
    assert path.stat().st_mtime_ns == stamp and path.stat().st_ino == inode
    doc.frontmatter["title"] = "Changed"
    assert write_concept_file(path, doc) is True
    assert read_concept_file(path, "c").frontmatter["title"] == "Changed"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_read_rejects_non_utf8_and_huge_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"---\ntype: A\ntitle: caf\xe9\n---\n")
    with pytest.raises(OKFDocumentError, match="UTF-8") as info:
        read_concept_file(bad, "bad")
    assert info.value.code == "OKF008" and info.value.line == 3
    huge = tmp_path / "huge.md"
    huge.write_bytes(b"---\ntype: A\n---\n" + b"x" * (6 * 1024 * 1024))
    with pytest.raises(OKFDocumentError, match="limit") as info:
        read_concept_file(huge, "huge")
    assert info.value.code == "OKF007"
