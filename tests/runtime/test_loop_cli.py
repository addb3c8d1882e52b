"""The learning loop end to end through the CLI: one commit per iteration that
changes anything, provenance in the run record, no-op re-runs, removals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dossier.okf import Bundle
from dossier.okf.validate import validate_bundle
from tests.runtime.helpers import (
    ACME_CORPUS,
    cli,
    cli_json,
    commit_count,
    git,
    tree_digest,
    write_corpus,
)


@pytest.fixture
def acme(tmp_path: Path) -> tuple[Path, Path]:
    """A tenant provisioned from a private copy of the Acme corpus."""
    corpus = tmp_path / "material"
    shutil.copytree(ACME_CORPUS, corpus)
    root = tmp_path / "tenants"
    result = cli("provision", "acme", "--root", str(root), "--source", str(corpus))
    assert result.exit_code == 0, result.output
    return root, corpus


def test_first_iteration_is_one_commit_with_trailers_and_run_record(
    acme: tuple[Path, Path],
) -> None:
    root, _ = acme
    tenant = root / "acme"
    before = commit_count(tenant)
    data = cli_json("run-loop", "acme", "--root", str(root))
    assert data["ok"] is True
    row = data["tenants"][0]
    assert row["status"] == "committed"
    assert row["added"] > 20 and row["sources"] == 10
    assert commit_count(tenant) == before + 1
    message = git(tenant, "log", "-1", "--format=%B")
    run_id = row["run_id"]
    assert message.startswith(f"dossier: loop {run_id} (+{row['added']} ~0 -0 concepts from 10")
    assert f"Dossier-Run-Id: {run_id}" in message
    assert "Dossier-Orchestrator: default" in message
    assert "Dossier-Extractor: deterministic/" in message
    assert "Dossier-Sources: 10" in message
    # The run record is part of the same commit, with stages, inputs and hashes.
    files = git(tenant, "show", "--name-only", "--format=", "HEAD").split()
    assert f"runs/{run_id}.json" in files
    record = json.loads((tenant / "runs" / f"{run_id}.json").read_text())
    # The committed record covers the stages before the commit (a commit cannot hold
    # its own timing); the run's own report adds the commit stage.
    assert [s["name"] for s in record["stages"]] == ["ingest", "extract", "okf", "validate"]
    assert [s["name"] for s in row["stages"]][-1] == "commit"
    assert len(record["inputs"]) == 10
    assert all(len(i["sha256"]) == 64 for i in record["inputs"])
    assert record["status"] == "committed"
    # The bundle is conformant and its log has a dated entry.
    assert validate_bundle(tenant / "bundle").ok
    assert "**Update**: loop iteration added" in (tenant / "bundle" / "log.md").read_text()
    assert git(tenant, "status", "--porcelain").strip() == ""


def test_rerun_with_same_inputs_is_up_to_date_and_changes_nothing(
    acme: tuple[Path, Path],
) -> None:
    root, _ = acme
    tenant = root / "acme"
    assert cli("run-loop", "acme", "--root", str(root)).exit_code == 0
    digest, commits = tree_digest(tenant / "bundle"), commit_count(tenant)
    data = cli_json("run-loop", "acme", "--root", str(root))
    assert data["tenants"][0]["status"] == "up-to-date"
    assert commit_count(tenant) == commits
    assert tree_digest(tenant / "bundle") == digest
    # Even with the fast path's memo gone, a full iteration finds nothing to change.
    shutil.rmtree(tenant / ".dossier")
    data = cli_json("run-loop", "acme", "--root", str(root), "--verify-hashes")
    assert data["tenants"][0]["status"] == "up-to-date"
    assert commit_count(tenant) == commits
    assert tree_digest(tenant / "bundle") == digest


def test_changed_and_removed_sources_update_and_remove_concepts(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "m", {
        "alpha.md": "# Alpha notes\n\n## SYS-41 Billing Engine\n\nThe Billing Engine is the "
                    "system that rates every shipment and produces invoices for customers "
                    "each night.\n",
        "beta.md": "# Beta notes\n\n## DEC-77: Retire the fax gateway\n\nWe decided to retire "
                   "the fax gateway because SYS-41 now sends every invoice electronically "
                   "to customers.\n",
    })
    root = tmp_path / "t"
    assert cli("provision", "demo", "--root", str(root), "--source", str(corpus)).exit_code == 0
    first = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert first["status"] == "committed"
    bundle = Bundle(root / "demo" / "bundle")
    ids_before = set(bundle.concept_ids())
    assert any("dec-77" in i for i in ids_before)
    (corpus / "beta.md").unlink()
    second = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert second["status"] == "committed"
    assert second["removed"] >= 1
    ids_after = set(Bundle(root / "demo" / "bundle").concept_ids())
    assert not any("dec-77" in i for i in ids_after)
    # The system named in both files survives, now with one source.
    system = [i for i in ids_after if "sys-41" in i]
    assert system
    doc = Bundle(root / "demo" / "bundle").read(system[0])
    assert all("beta" not in s.resource for s in doc.concept.sources)


def test_history_lists_iterations_and_concept_history(acme: tuple[Path, Path]) -> None:
    root, corpus = acme
    cli("run-loop", "acme", "--root", str(root))
    with (corpus / "glossary.md").open("a", encoding="utf-8") as handle:
        handle.write("\n**Yard Jockey**: the driver who moves trailers between dock doors.\n")
    cli("run-loop", "acme", "--root", str(root))
    data = cli_json("history", "acme", "--root", str(root))
    assert len(data["iterations"]) == 2
    assert all(it["run_id"] for it in data["iterations"])
    concept = Bundle(root / "acme" / "bundle").concept_ids()[0]
    one = cli_json("history", "acme", "--root", str(root), "--concept", concept)
    assert 1 <= len(one["iterations"]) <= 2
    bad = cli("history", "acme", "--root", str(root), "--concept", "../../etc/passwd")
    assert bad.exit_code != 0
    assert "Traceback" not in bad.output


def test_skipped_files_are_reported_never_silently_dropped(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "m", {"ok.md": "# Fine\n\nSome useful text here.\n"})
    (corpus / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (corpus / "latin.txt").write_bytes(b"caf\xe9 \xff\xfe\x00 broken")
    root = tmp_path / "t"
    cli("provision", "demo", "--root", str(root), "--source", str(corpus))
    result = cli("run-loop", "demo", "--root", str(root))
    assert result.exit_code == 0, result.output
    assert "image.png" in result.output and "latin.txt" in result.output
    row = cli_json("run-loop", "demo", "--root", str(root), "--verify-hashes")["tenants"][0]
    assert row["status"] == "up-to-date"
    run_file = sorted((root / "demo" / "runs").glob("*.json"))[-1]
    rows = json.loads(run_file.read_text())["skipped"]
    skipped = {Path(s["path"]).name: s["reason"] for s in rows}
    assert set(skipped) == {"image.png", "latin.txt"}
    assert all(reason for reason in skipped.values())


def test_unknown_orchestrator_is_a_clear_error(acme: tuple[Path, Path]) -> None:
    root, _ = acme
    result = cli("run-loop", "acme", "--root", str(root), "--orchestrator", "nope")
    assert result.exit_code == 2
    assert "unknown orchestrator 'nope'" in result.output
    assert "default" in result.output


def test_run_loop_on_one_tenant_leaves_another_untouched(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "m", {"a.md": "# A\n\n## SYS-1 Core\n\nThe Core is the "
                                                   "system of record for every order.\n"})
    root = tmp_path / "t"
    for tenant in ("alpha", "beta"):
        cli("provision", tenant, "--root", str(root), "--source", str(corpus))
    beta_before = tree_digest(root / "beta")
    assert cli("run-loop", "alpha", "--root", str(root)).exit_code == 0
    assert tree_digest(root / "beta") == beta_before


def test_run_loop_all_tenants_in_parallel(tmp_path: Path) -> None:
    root = tmp_path / "t"
    for index, tenant in enumerate(("t1", "t2", "t3")):
        corpus = write_corpus(tmp_path / f"m{index}", {
            "n.md": f"# Notes {index}\n\n## REQ-{index + 1}0 Tracking\n\nEvery parcel must "
                    f"carry a tracking id printed by the label service number {index}.\n"})
        cli("provision", tenant, "--root", str(root), "--source", str(corpus))
    data = cli_json("run-loop", "--root", str(root), "--jobs", "2")
    assert data["ok"] is True
    assert [row["tenant"] for row in data["tenants"]] == ["t1", "t2", "t3"]
    assert {row["status"] for row in data["tenants"]} == {"committed"}
    for tenant in ("t1", "t2", "t3"):
        assert "Dossier-Run-Id" in git(root / tenant, "log", "-1", "--format=%B")


def test_validation_error_aborts_with_nothing_committed(acme: tuple[Path, Path]) -> None:
    root, _ = acme
    tenant = root / "acme"
    broken = tenant / "bundle" / "notes" / "hand-written.md"
    broken.parent.mkdir(parents=True)
    broken.write_text("---\ntitle: no type here\n---\nA person forgot the type.\n")
    commits = commit_count(tenant)
    result = cli("run-loop", "acme", "--root", str(root))
    assert result.exit_code == 1
    assert "failed OKF validation" in result.output
    assert "hand-written.md" in result.output
    assert commit_count(tenant) == commits
    failed = list((tenant / ".dossier" / "failed-runs").glob("*.json"))
    assert len(failed) == 1
    # Fixing the file lets the next run commit everything.
    broken.write_text("---\ntype: Note\ntitle: Fixed\n---\nNow it has a type.\n")
    assert cli("run-loop", "acme", "--root", str(root)).exit_code == 0
    assert commit_count(tenant) == commits + 1


def test_progress_counts_sources_and_keeps_one_line_per_stage(acme: tuple[Path, Path]) -> None:
    """Off a terminal, progress is plain lines on stderr: a running count of the sources
    being extracted, then each stage's closing line."""
    root, _ = acme
    result = cli("run-loop", "acme", "--root", str(root))
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert "acme: extract…: 1/10 sources" in lines
    for stage in ("ingest", "extract", "okf"):
        assert any(line.startswith(f"acme: {stage}: ") for line in lines), (stage, lines)
    assert any("concepts proposed from 10 sources" in line for line in lines)
