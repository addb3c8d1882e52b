"""A wheel installed outside the source tree runs ``dossier quickstart`` (issue 12).

The demo corpus is package data; this builds the real wheel, installs it into a
folder of its own, and runs quickstart from an unrelated working directory, with
that folder first on the import path so the source tree cannot help.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _pip(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                   cwd=cwd, check=True, capture_output=True, text=True, timeout=600)


def test_quickstart_runs_from_an_installed_wheel(tmp_path: Path) -> None:
    pytest.importorskip("setuptools", reason="building the wheel offline needs setuptools")
    # Build from a copy: a build writes build/ and *.egg-info beside the sources.
    source = tmp_path / "src"
    shutil.copytree(
        REPO_ROOT, source, symlinks=True,
        ignore=shutil.ignore_patterns(".git", ".venv", ".nox", "tenants", "build", "dist",
                                      "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"),
    )
    wheels = tmp_path / "wheels"
    _pip("wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels), ".", cwd=source)
    wheel = next(wheels.glob("dossier-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "dossier/demo/corpus/decision-log.md" in names
    assert "dossier/serve/graph_assets/graph.js" in names
    assert "dossier/extract/claude/prompts/extract-v1.md" in names  # the versioned prompt

    target = tmp_path / "site"
    _pip("install", "-q", "--no-deps", "--target", str(target), str(wheel), cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(target))
    env.pop("DOSSIER_ROOT", None)
    run = subprocess.run(
        [sys.executable, "-m", "dossier.cli", "quickstart", "--json"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert '"status": "committed"' in run.stdout
    assert (elsewhere / "tenants" / "acme" / "bundle" / "index.md").is_file()
    origin = subprocess.run(
        [sys.executable, "-c", "import dossier; print(dossier.__file__)"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout
    assert origin.startswith(str(target))
