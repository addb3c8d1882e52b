"""``dossier validate``: exit codes 0/1/2, grouped text output, and the --json shape."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from dossier.cli import app

runner = CliRunner()


def bundle(tmp_path: Path, *files: tuple[str, str]) -> Path:
    root = tmp_path / "bundle"
    root.mkdir()
    for rel, text in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_clean_bundle_exits_zero(tmp_path: Path) -> None:
    root = bundle(tmp_path, ("a.md", "---\ntype: A\ntitle: A\ndescription: D\n---\n"))
    result = runner.invoke(app, ["validate", str(root)])
    assert result.exit_code == 0, result.output
    assert "1 concepts, 0 errors, 0 warnings" in result.output
    assert "conformant" in result.output


def test_errors_exit_one_and_are_grouped_by_file(tmp_path: Path) -> None:
    root = bundle(
        tmp_path,
        ("bad.md", "no frontmatter\n"),
        ("warn.md", "---\ntype: A\n---\n[x](/missing.md)\n"),
    )
    result = runner.invoke(app, ["validate", str(root)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "bad.md"
    assert "error" in lines[1] and "OKF001" in lines[1]
    assert "warn.md" in lines
    assert "not conformant" in lines[-1]


def test_json_output(tmp_path: Path) -> None:
    root = bundle(tmp_path, ("bad.md", "---\ntype: [\n---\n"))
    result = runner.invoke(app, ["validate", "--json", str(root)])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert {"ok", "errors", "warnings", "findings"} <= set(data)
    assert data["ok"] is False and data["errors"] == 1
    (finding,) = data["findings"]
    assert finding["path"] == "bad.md" and finding["code"] == "OKF003"
    assert set(finding) == {"path", "line", "code", "severity", "message"}


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "absent")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert runner.invoke(app, ["validate"]).exit_code == 2


def test_real_bundle_passes(shared_bundles: dict[str, Path]) -> None:
    result = runner.invoke(app, ["validate", "--json", str(shared_bundles["ga4"])])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["ok"] is True
