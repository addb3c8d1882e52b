"""Third-party orchestrators register through the same entry-point group as the default."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.runtime.helpers import DOSSIER_BIN, cli, write_corpus

PLUGIN = textwrap.dedent('''
    from dossier.runtime.records import RunRecord
    from dossier.runtime.runid import new_run_id, utc_now_iso


    class EchoOrchestrator:
        """Records that it ran, without touching the tenant."""

        name = "echo"

        def run_iteration(self, ctx, options):
            options.progress("echo", ctx.client_id)
            now = utc_now_iso()
            return RunRecord(run_id=new_run_id(), client_id=ctx.client_id,
                             orchestrator=self.name, extractor="none", started_at=now,
                             finished_at=now, status="up-to-date",
                             message="echo ran for " + ctx.client_id)
''')


def _install_plugin(site: Path) -> None:
    """A real installed distribution: a module plus dist-info with entry_points.txt."""
    (site / "echo_orchestrator.py").write_text(PLUGIN)
    info = site / "echo_orchestrator-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: echo-orchestrator\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[dossier.orchestrators]\necho = echo_orchestrator:EchoOrchestrator\n"
    )


def test_plugin_orchestrator_is_discovered_and_run(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install_plugin(site)
    corpus = write_corpus(tmp_path / "m", {"a.md": "# A\n\nText.\n"})
    root = tmp_path / "t"
    assert cli("provision", "demo", "--root", str(root), "--source", str(corpus)).exit_code == 0
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run(
        [str(DOSSIER_BIN), "run-loop", "demo", "--root", str(root), "--orchestrator", "echo",
         "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert '"message": "echo ran for demo"' in run.stdout
    bad = subprocess.run(
        [str(DOSSIER_BIN), "run-loop", "demo", "--root", str(root), "--orchestrator", "nope"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert bad.returncode == 2
    # Every registered name is listed (an install with extras registers more, e.g. agent).
    listed = {name.strip() for name in bad.stderr.split("available:", 1)[1].split(",")}
    assert {"default", "echo"} <= listed, bad.stderr


def test_manifest_chooses_the_orchestrator(tmp_path: Path) -> None:
    import yaml

    site = tmp_path / "site"
    site.mkdir()
    _install_plugin(site)
    corpus = write_corpus(tmp_path / "m", {"a.md": "# A\n\nText.\n"})
    root = tmp_path / "t"
    cli("provision", "demo", "--root", str(root), "--source", str(corpus))
    manifest_path = root / "demo" / "dossier.tenant.yaml"
    data = yaml.safe_load(manifest_path.read_text())
    data["orchestrator"] = "echo"
    manifest_path.write_text(yaml.safe_dump(data, sort_keys=False))
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run(
        [sys.executable, "-m", "dossier.cli", "run-loop", "demo", "--root", str(root), "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "echo ran for demo" in run.stdout
