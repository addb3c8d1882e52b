"""Shared test fixtures.

Tests run with no global or system git configuration, so they prove that every
tenant repository carries its own commit identity (a fresh machine has none).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("DOSSIER_SHARED", REPO_ROOT.parent / "shared"))
FIXTURES_DIR = REPO_ROOT / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_git_and_root(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No ~/.gitconfig, no system config, no DOSSIER_ROOT leaking from the shell."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("DOSSIER_ROOT", raising=False)
    yield


@pytest.fixture
def shared_dir() -> Path:
    """The ../shared folder beside the checkout (CI has it; a user's clone may not)."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"../shared is absent ({SHARED_DIR}); these tests need the shared corpus")
    return SHARED_DIR


@pytest.fixture
def shared_bundles(shared_dir: Path) -> dict[str, Path]:
    """The four real OKF v0.2 bundles written by others, by name."""
    root = shared_dir / "okf" / "bundles"
    if not root.is_dir():
        pytest.skip(f"{root} is absent; these tests need the shared OKF bundles")
    return {p.name: p for p in sorted(root.iterdir()) if p.is_dir()}
