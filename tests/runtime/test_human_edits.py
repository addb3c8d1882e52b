"""Merge, never clobber: a concept a person wrote or confirmed survives every loop."""

from __future__ import annotations

import json
from pathlib import Path

from dossier.okf import Bundle, ConceptDocument
from tests.runtime.helpers import cli, cli_json, git, write_corpus

DOC = (
    "# Ops notes\n\n## SYS-12 Label Printer Service\n\nThe Label Printer Service is the "
    "system that prints carrier labels at every dock door during wave picking.\n"
)


def _setup(tmp_path: Path) -> tuple[Path, Path, str]:
    corpus = write_corpus(tmp_path / "m", {"ops.md": DOC})
    root = tmp_path / "t"
    cli("provision", "demo", "--root", str(root), "--source", str(corpus))
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 0
    ids = Bundle(root / "demo" / "bundle").concept_ids()
    target = next(i for i in ids if "sys-12" in i)
    return root, corpus, target


def test_human_verified_concept_is_not_overwritten(tmp_path: Path) -> None:
    root, corpus, target = _setup(tmp_path)
    bundle = Bundle(root / "demo" / "bundle")
    doc = bundle.read(target)
    frontmatter = dict(doc.frontmatter)
    frontmatter["verified"] = [{"by": "human:kim", "at": "2026-11-01T09:00:00Z"}]
    bundle.write(ConceptDocument(target, frontmatter, doc.body + "\nReviewed by Kim.\n"))
    git(root / "demo", "commit", "-qam", "Kim reviewed the label printer")
    human_bytes = bundle.path_for(target).read_bytes()

    (corpus / "ops.md").write_text(DOC.replace("carrier labels", "carrier and customs labels"))
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed"
    assert bundle.path_for(target).read_bytes() == human_bytes
    assert target in [p["concept_id"] for p in row["protected"]]
    record = json.loads((root / "demo" / "runs" / f"{row['run_id']}.json").read_text())
    assert any(p["concept_id"] == target for p in record["protected"])


def test_human_owned_concept_survives_removal_of_its_source(tmp_path: Path) -> None:
    root, corpus, target = _setup(tmp_path)
    bundle = Bundle(root / "demo" / "bundle")
    doc = bundle.read(target)
    frontmatter = dict(doc.frontmatter)
    frontmatter["generated"] = {"by": "human:kim", "at": "2026-11-02T10:00:00Z"}
    bundle.write(ConceptDocument(target, frontmatter, doc.body))
    git(root / "demo", "commit", "-qam", "Kim took over this concept")
    (corpus / "ops.md").unlink()
    (corpus / "other.md").write_text("# Other\n\nNothing about printers at all, only trucks.\n")
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 0
    assert bundle.exists(target)
