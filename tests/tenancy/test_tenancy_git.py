"""TenantRepo: commits with no global identity, trailers round trip, history, recovery."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from dossier.tenancy import GitError, Registry, TenantContext, TenantRepo


@pytest.fixture
def acme(registry: Registry) -> TenantContext:
    return registry.provision("acme")


def _git(path: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(path), *args], check=True, capture_output=True, text=True
    ).stdout


def test_no_global_identity_is_configured_here() -> None:
    """The premise of this file: conftest isolates git from any user identity."""
    probe = subprocess.run(["git", "config", "--global", "user.email"], capture_output=True)
    assert probe.returncode != 0


def test_commit_all_works_without_global_identity_and_parses_trailers(
    acme: TenantContext,
) -> None:
    repo = TenantRepo(acme)
    (acme.bundle_dir / "a.md").write_text("---\ntype: note\n---\nA\n", encoding="utf-8")
    trailers = {"Dossier-Run-Id": "20260101T000000Z-abcdef", "Dossier-Sources": "3"}
    sha = repo.commit_all("dossier: loop one\n\nbody line", trailers)
    assert sha is not None and sha == repo.head()
    assert _git(acme.path, "log", "-1", "--format=%an <%ae>").strip() == (
        "Dossier <dossier@acme.invalid>"
    )
    [it] = repo.iterations()
    assert it.sha == sha
    assert it.run_id == "20260101T000000Z-abcdef"
    assert it.trailers == trailers
    assert it.summary == "dossier: loop one"
    assert it.date == _git(acme.path, "log", "-1", "--format=%cI").strip()
    interpreted = _git(acme.path, "log", "-1", "--format=%(trailers:key=Dossier-Sources,valueonly)")
    assert interpreted.strip() == "3"


def test_nothing_to_commit_returns_none(acme: TenantContext) -> None:
    repo = TenantRepo(acme)
    head = repo.head()
    assert repo.commit_all("no change", {"Dossier-Run-Id": "r"}) is None
    assert repo.head() == head
    acme.cache_dir.mkdir(exist_ok=True)
    (acme.cache_dir / "index").write_text("ignored cache", encoding="utf-8")
    assert repo.commit_all("cache only", {}) is None


def test_iterations_skip_commits_without_run_id(acme: TenantContext) -> None:
    repo = TenantRepo(acme)
    for i, trailers in enumerate([{"Dossier-Run-Id": "r1"}, {}, {"Dossier-Run-Id": "r2"}]):
        (acme.runs_dir / f"f{i}.txt").write_text(str(i), encoding="utf-8")
        repo.commit_all(f"commit {i}", trailers)
    assert [it.run_id for it in repo.iterations()] == ["r2", "r1"]
    assert [it.run_id for it in repo.iterations(limit=1)] == ["r2"]
    everything = repo.iterations(include_all=True)
    assert [it.run_id for it in everything] == ["r2", None, "r1", None]
    assert everything[-1].summary == "dossier: provision acme"


def test_a_run_id_mentioned_in_the_body_is_not_an_iteration(acme: TenantContext) -> None:
    repo = TenantRepo(acme)
    (acme.runs_dir / "x.txt").write_text("x", encoding="utf-8")
    repo.commit_all("manual\n\nDossier-Run-Id: fake\n\nnot a trailer block", {})
    assert repo.iterations() == []


def test_file_history(acme: TenantContext) -> None:
    repo = TenantRepo(acme)
    concept = acme.bundle_dir / "people" / "ada.md"
    concept.parent.mkdir()
    concept.write_text("v1", encoding="utf-8")
    first = repo.commit_all("one", {"Dossier-Run-Id": "r1"})
    (acme.runs_dir / "other.txt").write_text("x", encoding="utf-8")
    repo.commit_all("two", {"Dossier-Run-Id": "r2"})
    concept.write_text("v2", encoding="utf-8")
    third = repo.commit_all("three", {"Dossier-Run-Id": "r3"})
    assert [it.sha for it in repo.file_history("bundle/people/ada.md")] == [third, first]
    assert [it.sha for it in repo.file_history(str(concept))] == [third, first]
    (acme.bundle_dir / "*.md").write_text("glob-named", encoding="utf-8")
    repo.commit_all("four", {"Dossier-Run-Id": "r4"})
    assert [it.run_id for it in repo.file_history("bundle/*.md")] == ["r4"]  # literal, not glob
    assert repo.file_history("bundle/never-existed.md") == []


def test_invalid_trailers_are_refused(acme: TenantContext) -> None:
    repo = TenantRepo(acme)
    (acme.runs_dir / "x.txt").write_text("x", encoding="utf-8")
    for bad in ({"Bad Key": "v"}, {"K": "two\nlines"}, {"K": ""}, {"": "v"}):
        with pytest.raises(GitError):
            repo.commit_all("msg", bad)
    with pytest.raises(GitError, match="empty"):
        repo.commit_all("   ", {})


def test_recover_removes_a_stale_index_lock(acme: TenantContext) -> None:
    repo = TenantRepo(acme)
    lock = acme.git_dir / "index.lock"
    lock.write_text("", encoding="utf-8")
    (acme.runs_dir / "x.txt").write_text("x", encoding="utf-8")
    with pytest.raises(GitError, match=r"index\.lock"):
        repo.commit_all("blocked", {})
    assert repo.recover() == []  # too fresh: a live git may own it
    old = time.time() - 60
    os.utime(lock, (old, old))
    assert repo.recover() == [lock]
    assert repo.commit_all("unblocked", {}) is not None
    assert _git(acme.path, "fsck") == ""


def test_git_environment_from_a_hook_cannot_redirect_commits(
    acme: TenantContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hook exports GIT_DIR/GIT_INDEX_FILE; tenant commits must still land in the tenant."""
    outer = tmp_path / "outer"
    outer.mkdir()
    _git(outer, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(outer / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(outer / ".git" / "index"))
    monkeypatch.setenv("GIT_WORK_TREE", str(outer))
    (acme.runs_dir / "x.txt").write_text("x", encoding="utf-8")
    sha = TenantRepo(acme).commit_all("in the tenant", {})
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_INDEX_FILE")
    monkeypatch.delenv("GIT_WORK_TREE")
    assert _git(acme.path, "rev-parse", "HEAD").strip() == sha
    assert not (outer / ".git" / "index").exists()


def test_missing_git_dir_never_falls_through_to_an_enclosing_repo(
    acme: TenantContext,
) -> None:
    import shutil

    shutil.rmtree(acme.git_dir)
    with pytest.raises(GitError, match="no git repository"):
        TenantRepo(acme).commit_all("x", {})


def test_commit_of_many_files(acme: TenantContext) -> None:
    folder = acme.bundle_dir / "bulk"
    folder.mkdir()
    for i in range(2000):
        (folder / f"c{i:05d}.md").write_text(f"# {i}\n", encoding="utf-8")
    repo = TenantRepo(acme)
    assert repo.commit_all("bulk", {"Dossier-Run-Id": "bulk"}) is not None
    (folder / "c00007.md").write_text("# changed\n", encoding="utf-8")
    sha = repo.commit_all("one change", {"Dossier-Run-Id": "one"})
    assert sha is not None
    changed = _git(acme.path, "show", "--name-only", "--format=", sha).split()
    assert changed == ["bundle/bulk/c00007.md"]


def _contents_hashing_to_bucket_17(count: int) -> list[bytes]:
    """File contents whose git blob id starts with ``17`` (the bucket gc --auto samples)."""
    import hashlib

    found: list[bytes] = []
    n = 0
    while len(found) < count:
        data = f"filler {n}\n".encode()
        if hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest().startswith("17"):
            found.append(data)
        n += 1
    return found


def test_commit_runs_git_maintenance_when_gits_threshold_is_reached(
    acme: TenantContext,
) -> None:
    from dossier.tenancy.git import maintenance_due

    repo = TenantRepo(acme)
    assert not maintenance_due(acme.git_dir)
    folder = acme.path / "fill"
    folder.mkdir()
    for i, data in enumerate(_contents_hashing_to_bucket_17(30)):
        (folder / f"{i}.txt").write_bytes(data)
    _git(acme.path, "-c", "maintenance.auto=false", "add", "-A")
    assert maintenance_due(acme.git_dir)  # 30 loose objects in objects/17 > 27
    assert repo.commit_all("fill", {"Dossier-Run-Id": "fill"}) is not None
    deadline = time.monotonic() + 30
    while maintenance_due(acme.git_dir) and time.monotonic() < deadline:
        time.sleep(0.1)  # gc --auto may finish in the background
    assert not maintenance_due(acme.git_dir)
    assert list((acme.git_dir / "objects" / "pack").glob("*.pack"))
    assert repo.iterations()[0].run_id == "fill"  # the fast reader falls back to git
    assert _git(acme.path, "fsck") == ""
