"""A loop killed with SIGKILL at any point leaves a usable tenant, and the next run
ends in the same committed knowledge as an uninterrupted run."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from dossier.okf import Bundle
from tests.runtime.helpers import DOSSIER_BIN, cli, git

STAGE_LINE = re.compile(r"^demo: (ingest|extract|okf|validate|commit): ")


def _corpus(folder: Path, docs: int = 60) -> Path:
    folder.mkdir(parents=True)
    for n in range(docs):
        other = (n + 1) % docs
        (folder / f"note-{n:03}.md").write_text(
            f"# Site report {n}\n\n## SYS-{n} Dock Scanner {n}\n\nThe Dock Scanner {n} is the "
            f"system that records every pallet at door {n}. It feeds SYS-{other}.\n\n"
            f"## DEC-{n}: Replace scanner firmware {n}\n\nWe decided to replace the firmware "
            f"of SYS-{n} because the old build drops pallets during wave picking.\n",
            encoding="utf-8",
        )
    return folder


def _knowledge(tenant: Path, corpus: Path) -> dict[str, str]:
    """Concept id → file text with generated.at blanked, plus sources and the log.

    The corpus folder's absolute path (in the source catalogue) differs between the
    two runs being compared, so it is replaced by a placeholder.
    """
    out: dict[str, str] = {}
    bundle = Bundle(tenant / "bundle")
    for concept_id in bundle.concept_ids():
        text = bundle.path_for(concept_id).read_text()
        out[concept_id] = re.sub(r"at: '?[0-9T:\-Z]+'?", "at: -", text)
    for path in sorted((tenant / "sources").rglob("*")):
        if path.is_file():
            out[str(path.relative_to(tenant))] = path.read_text().replace(str(corpus), "<m>")
    out["log"] = (tenant / "bundle" / "log.md").read_text()
    return out


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200"}


def _kill_after(root: Path, stage: str | None, delay: float = 0.0) -> None:
    """Start run-loop and SIGKILL it right after ``stage`` reports (or after ``delay``)."""
    proc = subprocess.Popen(
        [str(DOSSIER_BIN), "run-loop", "demo", "--root", str(root)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_env(),
    )
    assert proc.stderr is not None
    try:
        if stage is None:
            time.sleep(delay)
        else:
            for line in proc.stderr:
                match = STAGE_LINE.match(line)
                if match and match.group(1) == stage:
                    break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("ref")
    corpus = _corpus(base / "m")
    root = base / "t"
    assert cli("provision", "demo", "--root", str(root), "--source", str(corpus)).exit_code == 0
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 0
    return _knowledge(root / "demo", corpus)


@pytest.mark.parametrize(
    ("stage", "delay"),
    [("ingest", 0.0), ("extract", 0.0), ("okf", 0.0), ("validate", 0.0), (None, 0.8)],
)
def test_killed_run_then_rerun_matches_uninterrupted(
    tmp_path: Path, reference: dict[str, str], stage: str | None, delay: float
) -> None:
    corpus = _corpus(tmp_path / "m")
    root = tmp_path / "t"
    assert cli("provision", "demo", "--root", str(root), "--source", str(corpus)).exit_code == 0
    tenant = root / "demo"
    _kill_after(root, stage, delay)
    # The repository is usable right after the kill.
    git(tenant, "fsck", "--no-progress")
    result = cli("run-loop", "demo", "--root", str(root))
    assert result.exit_code == 0, result.output
    assert git(tenant, "status", "--porcelain").strip() == ""
    assert _knowledge(tenant, corpus) == reference
    # Exactly one loop iteration landed, and no temp file is left in the bundle.
    assert git(tenant, "log", "--format=%s").count("dossier: loop") == 1
    assert not [p for p in tenant.rglob(".*.tmp")]
    assert len(list((tenant / "runs").glob("*.json"))) == 1


def test_stale_git_index_lock_is_handled(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "m", docs=3)
    root = tmp_path / "t"
    cli("provision", "demo", "--root", str(root), "--source", str(corpus))
    lock = root / "demo" / ".git" / "index.lock"
    lock.write_text("")
    old = time.time() - 120
    os.utime(lock, (old, old))
    result = cli("run-loop", "demo", "--root", str(root))
    assert result.exit_code == 0, result.output
    assert not lock.exists()


def test_a_file_a_person_put_in_runs_survives_the_next_run(tmp_path: Path) -> None:
    """The loop clears a killed run's own record, never anything else under runs/."""
    corpus = _corpus(tmp_path / "m", docs=3)
    root = tmp_path / "t"
    cli("provision", "demo", "--root", str(root), "--source", str(corpus))
    tenant = root / "demo"
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 0
    runs = tenant / "runs"
    mine = runs / "review-notes.md"
    mine.write_text("what I checked in this run\n", encoding="utf-8")
    leftover = runs / "20260101T000000Z-abcdef.json"  # a killed run's uncommitted record
    leftover.write_text("{}", encoding="utf-8")
    (corpus / "note-000.md").write_text("# Site report 0\n\nChanged.\n", encoding="utf-8")
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 0
    assert mine.read_text(encoding="utf-8") == "what I checked in this run\n"
    assert not leftover.exists()
