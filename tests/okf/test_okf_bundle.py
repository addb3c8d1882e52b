"""Bundle: ids ↔ paths, confinement, reads/writes, the link graph."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dossier.okf import (
    Bundle,
    ConceptDocument,
    ConceptNotFoundError,
    InvalidConceptIdError,
    OKFDocumentError,
    concept_href,
)


def doc(concept_id: str, body: str = "", **fm: object) -> ConceptDocument:
    return ConceptDocument(concept_id, {"type": "Note", "title": concept_id, **fm}, body)


@pytest.fixture
def bundle(tmp_path: Path) -> Bundle:
    b = Bundle(tmp_path / "bundle")
    b.root.mkdir()
    (b.root / "index.md").write_text('---\nokf_version: "0.2"\n---\n', encoding="utf-8")
    (b.root / "log.md").write_text("# Log\n", encoding="utf-8")
    b.write(doc("a", "See [b](/sub/b.md) and [c](./c.md)."))
    b.write(doc("sub/b", "Back to [a](../a.md). The [directory](./index.md) is not a concept."))
    b.write(doc("c", "Nothing here."))
    return b


def test_concept_ids_skip_reserved_and_hidden(bundle: Bundle) -> None:
    (bundle.root / "sub" / "index.md").write_text("# Note\n", encoding="utf-8")
    (bundle.root / "sub" / "log.md").write_text("# Log\n", encoding="utf-8")
    hidden = bundle.root / ".git"
    hidden.mkdir()
    (hidden / "x.md").write_text("---\ntype: A\n---\n", encoding="utf-8")
    (bundle.root / ".draft.md").write_text("---\ntype: A\n---\n", encoding="utf-8")
    (bundle.root / "notes.txt").write_text("not markdown", encoding="utf-8")
    assert bundle.concept_ids() == ["a", "c", "sub/b"]
    assert [d.concept_id for d in bundle.iter_documents()] == ["a", "c", "sub/b"]


def test_read_write_delete_exists(bundle: Bundle) -> None:
    assert bundle.exists("sub/b")
    assert not bundle.exists("missing")
    assert not bundle.exists("../escape")
    assert bundle.read("sub/b").frontmatter["title"] == "sub/b"
    assert bundle.write(doc("c", "Nothing here.")) is False  # same bytes
    assert bundle.write(doc("c", "Changed.")) is True
    bundle.delete("c")
    assert not bundle.exists("c")
    with pytest.raises(ConceptNotFoundError, match="'c'"):
        bundle.read("c")
    with pytest.raises(ConceptNotFoundError):
        bundle.delete("c")


def test_write_refuses_a_document_without_type(bundle: Bundle) -> None:
    with pytest.raises(OKFDocumentError, match="type"):
        bundle.write(ConceptDocument("x", {"title": "no type"}, ""))
    assert not bundle.exists("x")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "../outside",
        "a/../../outside",
        "/etc/passwd",
        "a\\b",
        "a\x00b",
        "%2e%2e/x",
        "a/%2F/b",
        "a//b",
        "./a",
        ".hidden/x",
        "index",
        "sub/log",
        "C:/windows",
        "tab\there",
    ],
)
def test_path_for_rejects_bad_ids(bundle: Bundle, bad: str) -> None:
    with pytest.raises(InvalidConceptIdError) as info:
        bundle.path_for(bad)
    assert info.value.exit_code == 2
    with pytest.raises(InvalidConceptIdError):
        bundle.write(ConceptDocument(bad, {"type": "Note"}, ""))


def test_path_for_follows_symlinks_and_refuses_escapes(bundle: Bundle, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, bundle.root / "link")
    with pytest.raises(InvalidConceptIdError, match="leaves"):
        bundle.path_for("link/secret")
    assert bundle.path_for("sub/b") == (bundle.root / "sub" / "b.md").resolve()


def test_links_from_marks_broken_links(bundle: Bundle) -> None:
    bundle.write(doc("c", "Go to [nowhere](/missing.md) or [a](a.md)."))
    links = bundle.links_from("c")
    assert [(link.target_id, link.broken) for link in links] == [("missing", True), ("a", False)]
    assert links[0].line == 5  # a file line: after four frontmatter lines


def test_backlinks_and_cache_invalidation(bundle: Bundle) -> None:
    assert [link.source_id for link in bundle.backlinks("a")] == ["sub/b"]
    assert [link.source_id for link in bundle.backlinks("sub/b")] == ["a"]
    with pytest.raises(InvalidConceptIdError):
        bundle.backlinks("sub/index")  # index.md is never a concept
    # The directory index link in sub/b is not a concept link.
    assert all(link.target_id != "sub/index" for link in bundle.links_from("sub/b"))
    bundle.write(doc("c", f"Also [a]({concept_href('a')})."))
    assert [link.source_id for link in bundle.backlinks("a")] == ["c", "sub/b"]
    bundle.delete("sub/b")
    assert [link.source_id for link in bundle.backlinks("a")] == ["c"]


def test_backlinks_see_outside_edits_after_refresh(bundle: Bundle) -> None:
    assert [link.source_id for link in bundle.backlinks("c")] == ["a"]
    (bundle.root / "a.md").write_text("---\ntype: Note\n---\nno links\n", encoding="utf-8")
    bundle.refresh()
    assert bundle.backlinks("c") == []


def test_backlinks_validates_the_id(bundle: Bundle) -> None:
    with pytest.raises(InvalidConceptIdError):
        bundle.backlinks("../x")


def test_iter_documents_raises_or_skips_bad_files(bundle: Bundle) -> None:
    (bundle.root / "broken.md").write_text("no frontmatter\n", encoding="utf-8")
    with pytest.raises(OKFDocumentError, match=r"broken\.md"):
        list(bundle.iter_documents())
    assert [d.concept_id for d in bundle.iter_documents(skip_invalid=True)] == ["a", "c", "sub/b"]


def test_symlink_loop_does_not_hang_discovery(bundle: Bundle) -> None:
    os.symlink(bundle.root, bundle.root / "sub" / "loop")
    os.symlink(bundle.root / "self.md", bundle.root / "self.md")
    assert bundle.concept_ids() == ["a", "c", "sub/b"]
    codes = {issue.code for issue in bundle.tree().issues}
    assert codes == {"OKF402"}


def test_concept_href_round_trips_through_links() -> None:
    from dossier.okf import parse_links

    for concept_id in ["a", "dir/sub/concept", "with space/and (parens)", "naïve/ü"]:
        links = parse_links(f"[x]({concept_href(concept_id)})", "elsewhere/here")
        assert [link.target_id for link in links] == [concept_id]
    assert concept_href("tables/orders") == "/tables/orders.md"


def test_concept_files_are_the_walks_concepts_as_strings(bundle: Bundle, tmp_path: Path) -> None:
    """The search index's stat walk (``concept_files``, no ``pathlib`` objects) finds
    exactly the concepts of ``walk_bundle``: hidden, reserved and escaping entries out,
    a file symlink inside the bundle in, a directory symlink not followed."""
    from dossier.okf.walk import concept_files, walk_bundle

    (bundle.root / "sub" / "index.md").write_text("# Note\n", encoding="utf-8")
    (bundle.root / ".hidden").mkdir()
    (bundle.root / ".hidden" / "x.md").write_text("---\ntype: A\n---\n", encoding="utf-8")
    outside = tmp_path / "outside.md"
    outside.write_text("---\ntype: A\n---\n", encoding="utf-8")
    os.symlink(outside, bundle.root / "escape.md")
    os.symlink(bundle.root / "c.md", bundle.root / "sub" / "alias.md")
    os.symlink(bundle.root / "sub", bundle.root / "dirlink")
    found = concept_files(bundle.root)
    assert found == [(cid, str(path)) for cid, path in walk_bundle(bundle.root).concepts.items()]
    assert [cid for cid, _ in found] == ["a", "c", "sub/alias", "sub/b"]
