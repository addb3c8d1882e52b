"""Keys: git child processes (and so a tenant's git hooks) never see Dossier's secrets."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.runtime.helpers import cli, cli_json, write_corpus

KEY = "sk-ant-test-0123456789abcdef-never-leak"
HOOKS = ("pre-commit", "post-commit", "reference-transaction", "post-index-change")


def _install_env_dumping_hooks(tenant: Path, dump: Path) -> None:
    hooks = tenant / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    for name in HOOKS:
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\necho '== {name}' >> '{dump}'\nenv >> '{dump}'\nexit 0\n")
        hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def test_tenant_git_hooks_do_not_see_the_api_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("DOSSIER_TEST_OTHER_SECRET", KEY)
    corpus = write_corpus(tmp_path / "m", {"ops.md": "# Ops\n\n## SYS-12 Printer\n\nPrints.\n"})
    root = tmp_path / "t"
    assert cli("provision", "demo", "--root", str(root), "--source", str(corpus)).exit_code == 0
    dump = tmp_path / "hook-env.txt"
    _install_env_dumping_hooks(root / "demo", dump)
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed"
    seen = dump.read_text()
    assert "== post-commit" in seen  # the hooks ran, with the environment git gave them
    assert "ANTHROPIC_API_KEY" not in seen and KEY not in seen
    assert "DOSSIER_TEST_OTHER_SECRET" not in seen
    assert f"GIT_DIR={root / 'demo' / '.git'}" in seen  # what Dossier sets still arrives
