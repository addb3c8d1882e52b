"""`dossier quickstart`: the README's first command, on the bundled demo corpus."""

from __future__ import annotations

from pathlib import Path

from dossier.okf.validate import validate_bundle
from tests.runtime.helpers import cli, cli_json


def test_quickstart_learns_the_demo_and_is_idempotent(tmp_path: Path) -> None:
    root = tmp_path / "tenants"
    result = cli("quickstart", "--root", str(root))
    assert result.exit_code == 0, result.output
    assert "acme provisioned" in result.output
    assert "Decision" in result.output and "System" in result.output
    assert f"dossier serve-mcp acme --root {root}" in result.output
    assert validate_bundle(root / "acme" / "bundle").ok
    again = cli_json("quickstart", "--root", str(root))
    assert again["ok"] is True
    assert again["provisioned"] is False
    assert again["status"] == "up-to-date"
    assert sum(again["concepts_by_type"].values()) > 50


def test_quickstart_with_a_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    result = cli("quickstart", "--root", str(tmp_path / "t"), "--corpus", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "corpus folder" in result.output and "not found" in result.output
