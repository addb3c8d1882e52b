"""`dossier import`: a bundle by others becomes a tenant's knowledge, as one commit, intact.

The shared bundles are read from ../shared at test time (never copied into the
repository).  What a user relies on: every file arrives byte for byte, the import
is one commit with a run record, validate finds nothing new, the loop afterwards
keeps the author's index.md and log.md (merging into them), a person's concept is
never overwritten, and links out of PATH are refused.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from dossier.okf.validate import validate_bundle
from tests.runtime.helpers import ACME_CORPUS, cli, cli_json, commit_count, git

SHARED = ("acme_retail", "crypto_bitcoin", "ga4", "stackoverflow")


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def _codes(root: Path) -> Counter[tuple[str, str]]:
    return Counter((f.path, f.code) for f in validate_bundle(root).findings)


@pytest.mark.parametrize("name", SHARED)
def test_each_shared_bundle_imports_byte_for_byte_as_one_commit(
    tmp_path: Path, shared_bundles: dict[str, Path], name: str
) -> None:
    source = shared_bundles[name]
    root = tmp_path / "t"
    assert cli("provision", "client", "--root", str(root)).exit_code == 0
    tenant = root / "client"
    before = commit_count(tenant)
    out = cli_json("import", "client", str(source), "--root", str(root))
    assert out["ok"] is True and out["status"] == "committed"
    assert commit_count(tenant) == before + 1
    trailers = git(tenant, "log", "-1", "--format=%(trailers:only)")
    assert f"Dossier-Run-Id: {out['run_id']}" in trailers
    record = json.loads((tenant / "runs" / f"{out['run_id']}.json").read_text())
    assert record["status"] == "committed" and record["orchestrator"] == "import"
    assert git(tenant, "status", "--porcelain") == ""

    bundle = tenant / "bundle"
    theirs, ours = _files(source), _files(bundle)
    for rel, data in theirs.items():
        assert ours[rel] == data, rel  # concepts, index.md and log.md byte for byte
    extra = set(ours) - set(theirs)
    assert extra <= {"log.md"}  # a bundle without a log gets the tenant's, with the import
    assert _codes(bundle) - _codes(source) == Counter()  # validate finds no new problem

    # The loop afterwards (no sources) leaves every imported file as it was.
    assert cli("run-loop", "client", "--root", str(root)).exit_code == 0
    after = _files(bundle)
    assert all(after[rel] == data for rel, data in theirs.items())

    # Served: search finds an imported concept.
    first = sorted(r for r in theirs if r.endswith(".md") and not r.endswith(("index.md",
                                                                               "log.md")))[0]
    title = next(line for line in theirs[first].decode().splitlines()
                 if line.startswith("title:")).split(":", 1)[1].strip().strip("'\"")
    hits = cli_json("search", "client", title, "--root", str(root))
    assert any(first[:-3] == hit["id"] for hit in hits), hits


def test_the_loop_merges_into_an_imported_index_and_log(
    tmp_path: Path, shared_bundles: dict[str, Path]
) -> None:
    root = tmp_path / "t"
    assert cli("provision", "mix", "--root", str(root), "--source",
               str(ACME_CORPUS)).exit_code == 0
    source = shared_bundles["acme_retail"]
    assert cli("import", "mix", str(source), "--root", str(root)).exit_code == 0
    assert cli("run-loop", "mix", "--root", str(root)).exit_code == 0
    bundle = root / "mix" / "bundle"
    for rel in ("index.md", "log.md"):
        theirs = (source / rel).read_text(encoding="utf-8").splitlines()
        ours = (bundle / rel).read_text(encoding="utf-8").splitlines()
        # Every line the author wrote is still there, in order; the loop only added.
        position = 0
        for line in ours:
            if position < len(theirs) and line == theirs[position]:
                position += 1
        assert position == len(theirs), rel
    index = (bundle / "index.md").read_text(encoding="utf-8")
    assert "(systems/index.md)" in index  # what the loop learned is listed too
    assert "loop iteration added" in (bundle / "log.md").read_text(encoding="utf-8")
    # A second run changes nothing (the merged index is stable).
    again = cli_json("run-loop", "mix", "--root", str(root))
    assert again["tenants"][0]["status"] == "up-to-date"


def test_an_existing_concept_with_human_edits_is_never_overwritten(tmp_path: Path) -> None:
    root = tmp_path / "t"
    assert cli("provision", "c", "--root", str(root)).exit_code == 0
    tenant = root / "c"
    mine = tenant / "bundle" / "tables" / "orders.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\ntype: Table\ntitle: Orders\ngenerated:\n  by: human:ann\n---\nMine.\n",
                    encoding="utf-8")
    git(tenant, "add", "-A")
    git(tenant, "-c", "user.name=a", "-c", "user.email=a@a", "commit", "-qm", "mine")
    source = tmp_path / "b"
    (source / "tables").mkdir(parents=True)
    (source / "tables" / "orders.md").write_text("---\ntype: Table\n---\nTheirs.\n",
                                                 encoding="utf-8")
    (source / "tables" / "new.md").write_text("---\ntype: Table\n---\nNew.\n", encoding="utf-8")
    before = commit_count(tenant)
    result = cli("import", "c", str(source), "--root", str(root))
    assert result.exit_code == 1
    assert "tables/orders.md" in result.output
    assert mine.read_text(encoding="utf-8").endswith("Mine.\n")
    assert not (tenant / "bundle" / "tables" / "new.md").exists()  # all or nothing
    assert commit_count(tenant) == before


def test_a_symlink_in_the_bundle_refuses_the_import(tmp_path: Path) -> None:
    root = tmp_path / "t"
    assert cli("provision", "c", "--root", str(root)).exit_code == 0
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntype: Secret\n---\nkey\n", encoding="utf-8")
    source = tmp_path / "b"
    source.mkdir()
    (source / "ok.md").write_text("---\ntype: T\n---\nfine\n", encoding="utf-8")
    os.symlink(secret, source / "leak.md")
    result = cli("import", "c", str(source), "--root", str(root))
    assert result.exit_code == 1 and "symlink" in result.output
    os.unlink(source / "leak.md")
    os.symlink(tmp_path, source / "folder")
    assert cli("import", "c", str(source), "--root", str(root)).exit_code == 1
    assert not (root / "c" / "bundle" / "ok.md").exists()
    assert not list((root / "c" / "bundle").rglob("secret*"))


def test_import_usage_errors_and_help(tmp_path: Path) -> None:
    root = tmp_path / "t"
    assert cli("provision", "c", "--root", str(root)).exit_code == 0
    assert cli("import", "c", str(tmp_path / "missing"), "--root", str(root)).exit_code == 2
    assert cli("import", "c", str(root / "c"), "--root", str(root)).exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli("import", "c", str(empty), "--root", str(root)).exit_code == 1
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.md").write_text("no frontmatter\n", encoding="utf-8")
    assert cli("import", "c", str(bad), "--root", str(root)).exit_code == 1
    help_text = cli("import", "--help").output
    assert "byte for byte" in help_text and "--json" in help_text


def test_a_persons_uncommitted_log_lines_survive_a_loop_run(tmp_path: Path) -> None:
    root = tmp_path / "t"
    shutil.copytree(ACME_CORPUS, tmp_path / "corpus")
    assert cli("provision", "p", "--root", str(root), "--source",
               str(tmp_path / "corpus")).exit_code == 0
    assert cli("run-loop", "p", "--root", str(root)).exit_code == 0
    log = root / "p" / "bundle" / "log.md"
    text = log.read_text(encoding="utf-8") + "* **Note**: Ann met the client today.\n"
    log.write_text(text, encoding="utf-8")
    (tmp_path / "corpus" / "extra.md").write_text("# Extra\n\nThe Zebra System is new.\n",
                                                  encoding="utf-8")
    assert cli("run-loop", "p", "--root", str(root)).exit_code == 0
    assert "Ann met the client today." in log.read_text(encoding="utf-8")


def test_import_into_a_tenant_with_knowledge_merges_its_index_and_log(
    tmp_path: Path, shared_bundles: dict[str, Path]
) -> None:
    root = tmp_path / "t"
    assert cli("quickstart", "--root", str(root)).exit_code == 0
    bundle = root / "acme" / "bundle"
    demo_log = (bundle / "log.md").read_text(encoding="utf-8").splitlines()
    source = shared_bundles["acme_retail"]
    out = cli_json("import", "acme", str(source), "--root", str(root))
    assert out["status"] == "committed"
    index = (bundle / "index.md").read_text(encoding="utf-8")
    assert index.startswith((source / "index.md").read_text(encoding="utf-8"))
    assert "(systems/index.md)" in index  # the loop's own entries merged back in
    log = (bundle / "log.md").read_text(encoding="utf-8").splitlines()
    assert all(line in log for line in demo_log)
    theirs = (source / "log.md").read_text(encoding="utf-8").splitlines()
    assert all(line in log for line in theirs if line.startswith("- "))
    assert validate_bundle(bundle).ok
    assert git(root / "acme", "status", "--porcelain") == ""
    again = cli_json("run-loop", "acme", "--root", str(root))
    assert again["tenants"][0]["status"] == "up-to-date"


def test_concepts_another_dossier_wrote_survive_the_loop_after_import(tmp_path: Path) -> None:
    """A bundle exported from another Dossier tenant: its concepts say dossier-..., but this
    tenant's loop never wrote them, so it must neither delete nor rewrite them."""
    root = tmp_path / "t"
    assert cli("provision", "c", "--root", str(root)).exit_code == 0
    source = tmp_path / "export"
    (source / "systems").mkdir(parents=True)
    concept = source / "systems" / "erp.md"
    concept.write_text(
        "---\ntype: System\ntitle: ERP\ndescription: d\ngenerated:\n"
        "  by: dossier-deterministic/0.2.0\n  at: '2026-01-01T00:00:00Z'\n---\nThe ERP.\n",
        encoding="utf-8")
    assert cli("import", "c", str(source), "--root", str(root)).exit_code == 0
    assert cli("run-loop", "c", "--root", str(root)).exit_code == 0
    kept = root / "c" / "bundle" / "systems" / "erp.md"
    assert kept.read_bytes() == concept.read_bytes()
