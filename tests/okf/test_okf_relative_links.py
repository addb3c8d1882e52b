"""Concepts are written with relative links; every reader accepts both forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier.extract import content_fingerprint
from dossier.okf import Bundle, ConceptDocument, parse_concept, render_concept
from dossier.okf.links import parse_links, relative_href, relativize_links
from dossier.okf.validate import validate_bundle


@pytest.mark.parametrize(
    ("href", "source", "expected"),
    [
        ("/systems/x.md", "decisions/d", "../systems/x.md"),
        ("/systems/x.md", "systems/y", "x.md"),
        ("/systems/x.md", "top", "systems/x.md"),
        ("/a/b/c.md#L1-L9", "a/x/y/z", "../../b/c.md#L1-L9"),
        ("/a.md", "a/b", "../a.md"),
        ("/a/", "a/b", "../a/"),
        ("/", "a/b", "../"),
        ("</a b.md>", "x/y", "<../a b.md>"),
        ("/x/../y.md", "q/r", "../y.md"),
        ("/notes/mailto:x.md", "notes/y", "./mailto:x.md"),
    ],
)
def test_bundle_absolute_hrefs_become_relative(href: str, source: str, expected: str) -> None:
    assert relative_href(href, source) == expected


def test_a_relative_href_never_reads_as_a_url() -> None:
    href = relative_href("/notes/mailto:x.md", "notes/y")
    assert href is not None
    assert parse_links(f"[x]({href})", "notes/y")[0].target_id == "notes/mailto:x"


@pytest.mark.parametrize("href", ["x.md", "../x.md", "https://e.org/x.md", "//host/x", "#top",
                                  "/../escape.md"])
def test_other_hrefs_are_kept(href: str) -> None:
    assert relative_href(href, "a/b") is None


def test_rendering_writes_relative_links_and_keeps_code_and_targets() -> None:
    body = (
        "Uses [orders](/tables/orders.md \"t\") and ![chart](/img/c.png).\n"
        "Code `[x](/tables/orders.md)` and\n```\n[y](/tables/orders.md)\n```\n"
        "[ext](https://e.org/a) [esc]\\(/no.md)\n"
    )
    doc = ConceptDocument("metrics/revenue", {"type": "Metric"}, body)
    text = render_concept(doc)
    again = parse_concept(text, "metrics/revenue")
    assert "[orders](../tables/orders.md \"t\")" in again.body
    assert "![chart](../img/c.png)" in again.body
    assert "`[x](/tables/orders.md)`" in again.body and "[y](/tables/orders.md)" in again.body
    assert "[ext](https://e.org/a)" in again.body
    assert [link.target_id for link in parse_links(again.body, doc.concept_id)] == [
        link.target_id for link in parse_links(body, doc.concept_id)
    ]
    assert render_concept(again) == text  # idempotent: same input, same bytes
    assert relativize_links(again.body, doc.concept_id) == again.body


def test_the_fingerprint_is_the_same_for_either_link_form() -> None:
    absolute = ConceptDocument("a/b", {"type": "T"}, "See [c](/c/d.md#x).\n")
    relative = ConceptDocument("a/b", {"type": "T"}, "See [c](../c/d.md#x).\n")
    other = ConceptDocument("a/b", {"type": "T"}, "See [c](/c/e.md#x).\n")
    assert content_fingerprint(absolute) == content_fingerprint(relative)
    assert content_fingerprint(absolute) != content_fingerprint(other)


def test_graph_and_validation_read_both_forms(tmp_path: Path) -> None:
    (tmp_path / "index.md").write_text('---\nokf_version: "0.2"\n---\n', encoding="utf-8")
    bundle = Bundle(tmp_path)
    bundle.write(ConceptDocument("c/d", {"type": "T", "title": "D", "description": "d"}, "x\n"))
    for concept_id, body in (("a/abs", "[d](/c/d.md)\n"), ("a/rel", "[d](../c/d.md)\n")):
        path = tmp_path / f"{concept_id}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"---\ntype: T\ntitle: t\ndescription: d\n---\n{body}", encoding="utf-8")
    assert sorted(link.source_id for link in bundle.backlinks("c/d")) == ["a/abs", "a/rel"]
    assert validate_bundle(tmp_path).findings == []


def test_validate_reports_links_that_name_nothing_from_their_folder(tmp_path: Path) -> None:
    (tmp_path / "index.md").write_text('---\nokf_version: "0.2"\n---\n', encoding="utf-8")
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "index.md").write_text("", encoding="utf-8")
    (tmp_path / "tables" / "orders.md").write_text(
        "---\ntype: T\ntitle: t\ndescription: d\n---\n"
        "[all](./) [up](../tables/) [idx](/tables/index.md) [data](orders.csv)\n"
        "[pic](/img/p.png#x) [web](https://e.org/x.csv) [top](#h)\n",
        encoding="utf-8",
    )
    (tmp_path / "log.md").write_text(
        "# Log\n\n## 2026-01-02\n* **Update**: [orders](tables/orders.md), "
        "[gone](/tables/gone.md), [out](../x.md), [pic](p.png)\n",
        encoding="utf-8",
    )
    report = validate_bundle(tmp_path)
    found = sorted((f.path, f.line, f.code) for f in report.findings)
    assert found == [  # a log is history: a concept it names may be gone, not reported
        ("log.md", 4, "OKF113"),
        ("log.md", 4, "OKF113"),
        ("tables/orders.md", 6, "OKF113"),
        ("tables/orders.md", 7, "OKF113"),
    ]
    assert report.ok  # a warning: §6.1 tolerates broken links


def test_validate_has_no_unresolved_links_in_the_shared_bundles(
    shared_bundles: dict[str, Path],
) -> None:
    for name, root in shared_bundles.items():
        codes = {f.code for f in validate_bundle(root).findings}
        assert "OKF113" not in codes, name
