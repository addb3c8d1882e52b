"""validate_concepts: only the listed concepts, plus every index.md and log.md."""

from __future__ import annotations

from pathlib import Path

from dossier.okf.validate import validate_bundle, validate_concepts


def _bundle(tmp_path: Path) -> Path:
    root = tmp_path / "b"
    (root / "topics").mkdir(parents=True)
    (root / "index.md").write_text('---\nokf_version: "0.2"\n---\n', encoding="utf-8")
    (root / "topics" / "good.md").write_text(
        "---\ntype: Topic\ntitle: Good\ndescription: Fine.\n---\nSee [bad](bad.md).\n",
        encoding="utf-8",
    )
    (root / "topics" / "bad.md").write_text("no frontmatter at all\n", encoding="utf-8")
    (root / "log.md").write_text("# Log\n\n## yesterday\n\n* entry\n", encoding="utf-8")
    return root


def test_only_listed_concepts_are_checked_but_reserved_files_always_are(tmp_path: Path) -> None:
    root = _bundle(tmp_path)
    full = validate_bundle(root)
    assert {f.path for f in full.errors} == {"topics/bad.md", "log.md"}

    subset = validate_concepts(root, ["topics/good"])
    assert {f.path for f in subset.errors} == {"log.md"}  # bad.md not listed
    assert subset.concepts == 2

    listed = validate_concepts(root, ["topics/bad", "topics/gone"])
    assert {f.path for f in listed.errors} == {"topics/bad.md", "log.md"}
    assert [f.code for f in listed.errors if f.path == "topics/bad.md"] == [
        f.code for f in full.errors if f.path == "topics/bad.md"
    ]
