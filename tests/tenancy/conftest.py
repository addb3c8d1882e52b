"""Fixtures for the tenancy tests: a workspace root, a registry, subtree snapshots."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from dossier.tenancy import Registry, TenantContext, TenantRepo


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "tenants"


@pytest.fixture
def registry(root: Path) -> Registry:
    return Registry(root, lock_timeout=5.0)


def snapshot(path: Path) -> dict[str, str]:
    """Every entry under ``path`` (``.git`` included) with its type, mode and content hash."""
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        for name in sorted(dirnames + filenames):
            full = Path(dirpath) / name
            rel = full.relative_to(path).as_posix()
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[rel] = f"link {os.readlink(full)}"
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = f"dir {oct(info.st_mode)}"
            else:
                digest = hashlib.sha256(full.read_bytes()).hexdigest()
                found[rel] = f"file {oct(info.st_mode)} {digest}"
    return found


@pytest.fixture
def tree_snapshot() -> Callable[[Path], dict[str, str]]:
    return snapshot


def loop_commit(ctx: TenantContext, run_id: str, status: str = "committed",
                concept: str | None = None) -> str:
    """Do what a loop iteration does to git: a run record and a concept, one trailer commit."""
    ctx.runs_dir.mkdir(exist_ok=True)
    (ctx.runs_dir / f"{run_id}.json").write_text(
        json.dumps({"run_id": run_id, "status": status}) + "\n", encoding="utf-8"
    )
    name = concept or f"concept-{run_id.lower()}"
    (ctx.bundle_dir / "notes").mkdir(exist_ok=True)
    (ctx.bundle_dir / "notes" / f"{name}.md").write_text(
        f"---\ntype: note\ntitle: {name}\n---\n# {name}\n", encoding="utf-8"
    )
    sha = TenantRepo(ctx).commit_all(f"dossier: loop {run_id}", {"Dossier-Run-Id": run_id})
    assert sha is not None
    return sha


@pytest.fixture
def make_loop_commit() -> Callable[..., str]:
    return loop_commit
