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


# -- a person's edit to a concept the loop wrote ------------------------------------------

OTHER = (
    "# Yard notes\n\n## SYS-40 Yard Gate Scanner\n\nThe Yard Gate Scanner is the system that "
    "records every trailer at the yard gate.\n"
)
NOTE = "\nKim: the printer at door 4 jams on glossy labels.\n"


def _two_concepts(tmp_path: Path) -> tuple[Path, Path, Bundle, str, str]:
    corpus = write_corpus(tmp_path / "m", {"ops.md": DOC, "yard.md": OTHER})
    root = tmp_path / "t"
    cli("provision", "demo", "--root", str(root), "--source", str(corpus))
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 0
    bundle = Bundle(root / "demo" / "bundle")
    ids = bundle.concept_ids()
    return (root, corpus, bundle, next(i for i in ids if "sys-12" in i),
            next(i for i in ids if "sys-40" in i))


def _change_both_sources(corpus: Path) -> None:
    (corpus / "ops.md").write_text(DOC.replace("carrier labels", "carrier and customs labels"))
    (corpus / "yard.md").write_text(OTHER.replace("every trailer", "every trailer and chassis"))


def _edit(bundle: Bundle, concept_id: str) -> bytes:
    path = bundle.path_for(concept_id)
    path.write_text(path.read_text() + NOTE)
    return path.read_bytes()


def _protected(row: dict[str, object], concept_id: str) -> list[dict[str, str]]:
    rows = row["protected"]
    assert isinstance(rows, list)
    return [p for p in rows if p["concept_id"] == concept_id]


def test_uncommitted_edit_survives_a_source_change(tmp_path: Path) -> None:
    root, corpus, bundle, edited, other = _two_concepts(tmp_path)
    kept = _edit(bundle, edited)
    _change_both_sources(corpus)
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed"
    assert bundle.path_for(edited).read_bytes() == kept
    assert _protected(row, edited) and _protected(row, edited)[0]["reason"]
    # The concept nobody touched still learns.
    assert "chassis" in bundle.path_for(other).read_text()
    assert not _protected(row, other)
    # And the edit stays protected on the next runs (the loop committed it as it was).
    _change_both_sources(corpus)
    (corpus / "ops.md").write_text(DOC.replace("carrier labels", "pallet labels"))
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert bundle.path_for(edited).read_bytes() == kept
    assert _protected(row, edited)


def test_committed_edit_survives_and_is_reported(tmp_path: Path) -> None:
    root, corpus, bundle, edited, other = _two_concepts(tmp_path)
    kept = _edit(bundle, edited)
    git(root / "demo", "commit", "-qam", "Kim's note on the printer")
    _change_both_sources(corpus)
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed"
    assert bundle.path_for(edited).read_bytes() == kept
    assert _protected(row, edited)
    assert "chassis" in bundle.path_for(other).read_text()
    record = json.loads((root / "demo" / "runs" / f"{row['run_id']}.json").read_text())
    assert any(p["concept_id"] == edited for p in record["protected"])


def test_edit_survives_a_lost_cache(tmp_path: Path) -> None:
    """The record of what the loop wrote is committed: losing .dossier/ protects nothing less
    and freezes nothing more."""
    import shutil

    root, corpus, bundle, edited, other = _two_concepts(tmp_path)
    kept = _edit(bundle, edited)
    git(root / "demo", "commit", "-qam", "Kim's note")
    shutil.rmtree(root / "demo" / ".dossier")
    _change_both_sources(corpus)
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed"
    assert bundle.path_for(edited).read_bytes() == kept
    assert "chassis" in bundle.path_for(other).read_text()


def test_edit_survives_a_failing_iteration(tmp_path: Path) -> None:
    root, corpus, bundle, edited, _other = _two_concepts(tmp_path)
    kept = _edit(bundle, edited)
    draft = root / "demo" / "bundle" / "draft.md"
    draft.write_text("---\ntitle: no type yet\n---\nWIP\n")  # fails OKF validation
    _change_both_sources(corpus)
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 1
    assert bundle.path_for(edited).read_bytes() == kept
    draft.unlink()
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 0
    assert bundle.path_for(edited).read_bytes() == kept


def test_edited_concept_is_handed_back_by_deleting_or_checking_out(tmp_path: Path) -> None:
    root, corpus, bundle, edited, _other = _two_concepts(tmp_path)
    tenant = root / "demo"
    loop_commit = git(tenant, "rev-parse", "HEAD").strip()
    _edit(bundle, edited)
    git(tenant, "commit", "-qam", "Kim's note")
    # git checkout of the loop's own version hands it back: the next change is applied.
    git(tenant, "checkout", loop_commit, "--", f"bundle/{edited}.md")
    git(tenant, "commit", "-qam", "Give the printer back to the loop")
    _change_both_sources(corpus)
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert not _protected(row, edited)
    assert "customs" in bundle.path_for(edited).read_text()
    # Deleting the file hands it back too.
    _edit(bundle, edited)
    (corpus / "ops.md").write_text(DOC.replace("carrier labels", "pallet labels"))
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert _protected(row, edited)
    bundle.path_for(edited).unlink()
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed"
    text = bundle.path_for(edited).read_text()
    assert "pallet labels" in text and NOTE.strip() not in text


def test_edited_concept_whose_sources_are_gone_is_kept(tmp_path: Path) -> None:
    root, corpus, bundle, edited, other = _two_concepts(tmp_path)
    kept = _edit(bundle, edited)
    (corpus / "ops.md").unlink()
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed"
    assert bundle.path_for(edited).read_bytes() == kept
    assert _protected(row, edited)
    assert bundle.exists(other)
