"""The tenant commands end to end through the CLI: output, --json, exit codes, messages."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dossier.cli import app, tenant_cmds


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def root(tmp_path: Path) -> str:
    return str(tmp_path / "tenants")


def test_provision_human_and_json(root: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    code, out = run("provision", "acme", "--root", root, "--name", "Acme Corp",
                    "--source", str(notes))
    assert code == 0 and "Provisioned tenant acme" in out
    code, out = run("provision", "acme", "--root", root, "--name", "Acme Corp",
                    "--source", str(notes), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["created"] is False and data["status"] == "already provisioned"
    assert data["path"] == str(Path(root).resolve() / "acme") and len(data["head"]) == 40
    code, out = run("provision", "acme", "--root", root)
    assert code == 0 and "already provisioned" in out and "nothing changed" in out


def test_conflicting_provision_exits_1(root: str) -> None:
    run("provision", "acme", "--root", root, "--name", "Acme")
    code, out = run("provision", "acme", "--root", root, "--name", "Other")
    assert code == 1
    assert "already provisioned with display name 'Acme'" in out


def test_missing_source_exits_2(root: str, tmp_path: Path) -> None:
    code, out = run("provision", "acme", "--root", root, "--source", str(tmp_path / "nope"))
    assert code == 2 and "does not exist" in out


def test_dossier_root_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSSIER_ROOT", str(tmp_path / "from-env"))
    assert run("provision", "acme")[0] == 0
    code, out = run("tenants", "list", "--json")
    assert code == 0 and [r["client_id"] for r in json.loads(out)] == ["acme"]
    assert (tmp_path / "from-env" / "acme").is_dir()


def test_list_and_show(root: str) -> None:
    code, out = run("tenants", "list", "--root", root)
    assert code == 0 and "No tenants" in out
    assert json.loads(run("tenants", "list", "--root", root, "--json")[1]) == []
    run("provision", "acme", "--root", root, "--name", "Acme Corp")
    run("provision", "beta", "--root", root)
    code, out = run("tenants", "list", "--root", root)
    assert code == 0 and "acme" in out and "Acme Corp" in out and "beta" in out
    rows = json.loads(run("tenants", "list", "--root", root, "--json")[1])
    assert [r["client_id"] for r in rows] == ["acme", "beta"]
    assert set(rows[0]) >= {"display_name", "concepts", "last_loop_commit", "last_loop_date",
                            "last_run_status", "problem"}
    code, out = run("tenants", "show", "acme", "--root", root)
    assert code == 0 and "Acme Corp" in out and "head" in out and "concepts" in out
    data = json.loads(run("tenants", "show", "acme", "--root", root, "--json")[1])
    assert data["manifest"]["display_name"] == "Acme Corp" and data["concepts"] == 0
    code, out = run("tenants", "show", "ghost", "--root", root)
    assert code == 1 and "no tenant 'ghost'" in out


def test_deprovision_needs_yes_without_a_terminal(root: str) -> None:
    run("provision", "acme", "--root", root)
    code, out = run("deprovision", "acme", "--root", root)
    assert code == 2 and "pass --yes" in out
    assert (Path(root) / "acme").is_dir()


def test_deprovision_asks_on_a_terminal(root: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tenant_cmds, "_stdin_is_terminal", lambda: True)
    run("provision", "acme", "--root", root)
    code, out = run("deprovision", "acme", "--root", root, input="n\n")
    assert code == 1 and "aborted" in out and (Path(root) / "acme").is_dir()
    code, out = run("deprovision", "acme", "--root", root, input="y\n")
    assert code == 0 and not (Path(root) / "acme").exists()


def test_deprovision_restore_round_trip(root: str, tmp_path: Path) -> None:
    run("provision", "acme", "--root", root)
    head = json.loads(run("tenants", "show", "acme", "--root", root, "--json")[1])["head"]
    code, out = run("deprovision", "acme", "--root", root, "--yes", "--json")
    assert code == 0
    archive = json.loads(out)["archive"]
    assert Path(archive).is_file() and not (Path(root) / "acme").exists()
    code, out = run("restore", archive, "--root", root, "--json")
    assert code == 0 and json.loads(out) == {
        "client_id": "acme", "path": str(Path(root).resolve() / "acme"), "head": head,
        "archive": archive,
    }
    code, out = run("restore", archive, "--root", root)
    assert code == 1 and "already exists" in out and "--as" in out
    code, out = run("restore", archive, "--root", root, "--as", "acme-copy")
    assert code == 0 and "Restored tenant acme-copy" in out
    code, out = run("restore", archive, "--root", root, "--as", "Bad Id")
    assert code == 2 and "invalid client id" in out


def test_restore_refuses_junk(root: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bundle"
    junk.write_bytes(os.urandom(1000))
    code, out = run("restore", str(junk), "--root", root)
    assert code == 1 and "not a git bundle" in out
    assert not Path(root).exists() or os.listdir(root) == []


def test_deprovision_dirty_and_busy(root: str, tmp_path: Path) -> None:
    run("provision", "acme", "--root", root)
    (Path(root) / "acme" / "draft.md").write_text("x", encoding="utf-8")
    code, out = run("deprovision", "acme", "--root", root, "--yes")
    assert code == 1 and "uncommitted changes" in out and "--force" in out
    from dossier.tenancy import Registry, tenant_lock

    ctx = Registry(Path(root)).get("acme")
    with tenant_lock(ctx, timeout=0):
        import threading

        result: list[tuple[int, str]] = []
        worker = threading.Thread(target=lambda: result.append(
            run("deprovision", "acme", "--root", root, "--yes", "--force",
                "--lock-timeout", "0.2")))
        worker.start()
        worker.join(timeout=30)
    [(code, out)] = result
    assert code == 1 and "tenant acme is busy (pid" in out
    code, out = run("deprovision", "acme", "--root", root, "--yes", "--force",
                    "--archive", str(tmp_path))
    assert code == 0 and str(tmp_path) in out


def test_help_texts_explain_commands() -> None:
    for args in (["provision"], ["deprovision"], ["restore"], ["tenants", "list"],
                 ["tenants", "show"]):
        code, out = run(*args, "--help")
        assert code == 0 and "--root" in out and "--json" in out
