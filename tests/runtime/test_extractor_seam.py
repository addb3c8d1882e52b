"""The extractor seam: opaque per-source results, the extractor's own cache key, clean failures."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from dossier.runtime.records import read_run_record
from tests.runtime.helpers import cli, cli_json, git, write_corpus
from tests.runtime.plugin_site import plugin_site

__all__ = ["plugin_site"]

DOCS = {
    "ops.md": "# Operations\n\n## SYS-12 Label printer\n\nPrints carrier labels.\n",
    "dock.md": "# Dock\n\n## SYS-14 Scanner gateway\n\nReads barcodes; feeds SYS-12.\n",
    "plan.md": "# Plan\n\n## SYS-20 Cut-over\n\nMoves SYS-14 to the new dock.\n",
}


def _tenant(tmp_path: Path, extractor: str, plugins: dict[str, Any] | None = None
            ) -> tuple[Path, Path, Path]:
    corpus = write_corpus(tmp_path / "m", DOCS)
    root = tmp_path / "t"
    assert cli("provision", "demo", "--root", str(root), "--source", str(corpus)).exit_code == 0
    tenant = root / "demo"
    _edit_manifest(tenant, extractor=extractor, plugins=plugins)
    return root, tenant, corpus


def _edit_manifest(tenant: Path, **changes: Any) -> None:
    path = tenant / "dossier.tenant.yaml"
    data = yaml.safe_load(path.read_text())
    data.update({k: v for k, v in changes.items() if v is not None})
    if data.get("plugins"):
        data["schema_version"] = 2
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _stats(tenant: Path, row: dict[str, Any]) -> dict[str, float]:
    return read_run_record(tenant / "runs" / f"{row['run_id']}.json").stats


def test_extractor_failure_is_a_failed_run_not_an_internal_error(
    tmp_path: Path, plugin_site: Path
) -> None:
    root, tenant, corpus = _tenant(tmp_path, "broken")
    assert cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]["status"] == "committed"
    head = git(tenant, "rev-parse", "HEAD")
    (corpus / "bad.md").write_text("# Bad\n\nThis one will explode the parser.\n")
    result = cli("run-loop", "demo", "--root", str(root), "--json")
    assert result.exit_code == 1
    row = json.loads(result.stdout)["tenants"][0]
    assert row["status"] == "failed"
    assert re.search(r"extractor broken/[0-9.]+ failed on source", row["message"])
    assert "internal error" not in row["message"]
    assert (tenant / ".dossier" / "failed-runs" / f"{row['run_id']}.json").is_file()
    # The snapshot the failed run wrote was put back: nothing half-learned remains.
    assert git(tenant, "status", "--porcelain", "--", "sources", "bundle", "runs") == ""
    assert git(tenant, "rev-parse", "HEAD") == head


def test_the_cache_is_keyed_by_the_extractors_own_key(tmp_path: Path, plugin_site: Path) -> None:
    root, tenant, corpus = _tenant(tmp_path, "keyed", plugins={"keyed": {"prompt": "v1"}})
    first = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert first["status"] == "committed", first
    assert _stats(tenant, first)["extract.cache_misses"] == len(DOCS)
    # One source changed: one source re-extracted, the rest decoded from the cache.
    (corpus / "ops.md").write_text(DOCS["ops.md"] + "\nAlso prints returns labels.\n")
    second = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert _stats(tenant, second)["extract.cache_misses"] == 1
    assert _stats(tenant, second)["extract.cache_hits"] == len(DOCS) - 1
    # A new prompt is a new cache key: every source is extracted again.
    _edit_manifest(tenant, plugins={"keyed": {"prompt": "v2"}})
    third = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert third["status"] == "committed", third
    assert _stats(tenant, third)["extract.cache_misses"] == len(DOCS)


def test_plugin_settings_are_validated_by_the_plugins_model(
    tmp_path: Path, plugin_site: Path
) -> None:
    root, tenant, _corpus = _tenant(tmp_path, "keyed", plugins={"keyed": {"promt": "v1"}})
    result = cli("run-loop", "demo", "--root", str(root), "--json")
    assert result.exit_code == 2  # a usage error, one line, before any tenant is touched
    assert "plugins.keyed.promt" in result.stderr
    # Refused before any work: not even the sources were snapshotted.
    assert not list((tenant / "sources").rglob("*.md"))
    _edit_manifest(tenant, extractor="deterministic", plugins={"deterministic": {"x": 1}})
    result = cli("run-loop", "demo", "--root", str(root), "--json")
    assert result.exit_code == 2 and "takes no settings" in result.stderr
    # The harness holds the same line for a caller that skips the CLI's preflight.
    from dossier.runtime.batch import run_one
    from dossier.runtime.orchestrator import LoopOptions

    record = run_one(root, "demo", None, LoopOptions())
    assert record.status == "failed" and "takes no settings" in record.message
