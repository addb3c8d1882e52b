"""Helpers shared by the loop tests: a CLI runner and git inspection of a tenant."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from dossier.cli import app

REPO_ROOT = Path(__file__).resolve().parents[2]
ACME_CORPUS = REPO_ROOT / "fixtures" / "acme" / "corpus"
DOSSIER_BIN = Path(sys.executable).parent / "dossier"


def cli(*args: str) -> Result:
    """Invoke the real typer app in-process."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def cli_json(*args: str) -> Any:
    result = cli(*args, "--json")
    assert result.stdout.strip(), result.output
    return json.loads(result.stdout)


def git(tenant: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(tenant), *args], capture_output=True, text=True, check=True
    ).stdout


def commit_count(tenant: Path) -> int:
    return int(git(tenant, "rev-list", "--count", "HEAD").strip())


def tree_digest(path: Path) -> str:
    """Hash of every file under ``path`` (names and bytes), .git included."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() or p.is_symlink()):
        digest.update(str(file.relative_to(path)).encode())
        digest.update(os.readlink(file).encode() if file.is_symlink() else file.read_bytes())
    return digest.hexdigest()


def write_corpus(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
