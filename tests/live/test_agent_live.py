"""Opt-in live check: the default loop vs the agent orchestrator on one fixture document.

Runs only with ``DOSSIER_LIVE=1`` and a real key (``ANTHROPIC_API_KEY`` or
``DOSSIER_ANTHROPIC_KEY_FILE``) and the ``agent`` extra; the session is held to a small
turn and USD budget.  ``DOSSIER_LIVE=1 pytest -s tests/live/`` prints the ``dossier eval``
figures side by side, with the session's tokens and cost.  As for the claude extractor,
figures printed here are the only agent figures Dossier's docs may quote, marked as live.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live.test_claude_live import (
    pytestmark,
    side_by_side,
)

__all__ = ["pytestmark"]


def _register_agent(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Register ``agent`` from this checkout (an install may predate it), as any plugin is."""
    info = folder / "dossier_agent_live-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dossier-agent-live\n"
                                   "Version: 0\n")
    (info / "entry_points.txt").write_text(
        "[dossier.orchestrators]\nagent = dossier.runtime.agent.orchestrator:AgentOrchestrator\n")
    monkeypatch.syspath_prepend(str(folder))


def test_default_vs_agent_on_one_document(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("claude_agent_sdk")
    _register_agent(tmp_path / "site", monkeypatch)
    monkeypatch.setenv("DOSSIER_AGENT_MAX_TURNS", "30")
    monkeypatch.setenv("DOSSIER_AGENT_MAX_BUDGET_USD", "0.50")
    side_by_side(tmp_path, {"default": ["--orchestrator", "default"],
                            "agent": ["--orchestrator", "agent"]})
