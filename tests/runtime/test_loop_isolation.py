"""The loop and the search index stay inside their tenant, whatever is planted in it.

Each test builds a real workspace with two tenants through the CLI, plants what an
attacker (or a careless person) could — a source folder swapped for a symlink, a
symlinked concept, a nested repository, a symlinked ``runs`` or ``.dossier`` — and
checks through git and the file system that nothing crossed from one tenant to the
other and nothing but Dossier's own regular files was committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.runtime.helpers import cli, cli_json, git, tree_digest, write_corpus

SECRET = "Zanzibar quarterly margin is forty percent"


def _all_history_text(tenant: Path) -> str:
    """Every blob ever committed in ``tenant`` (all refs), as one string."""
    return git(tenant, "log", "--all", "-p", "--format=%H")


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """Tenants acme (source folder ``material``) and beta (holding a secret), both looped."""
    root = tmp_path / "tenants"
    material = write_corpus(tmp_path / "material", {
        "widgets.md": "# Widgets\n\nAcme Widgets are sold by Acme Corp in Berlin.\n",
    })
    secret = write_corpus(tmp_path / "beta-material", {
        "margins.md": f"# Margins\n\n{SECRET}. Zanzibar Holdings owns it.\n",
    })
    for tenant, source in (("acme", material), ("beta", secret)):
        result = cli("provision", tenant, "--root", str(root), "--source", str(source))
        assert result.exit_code == 0, result.output
        assert cli("run-loop", tenant, "--root", str(root)).exit_code == 0
    [snapshot] = (root / "beta" / "sources").rglob("margins*.md")
    assert SECRET in snapshot.read_text(encoding="utf-8")
    return root, material


def _owned_index_modes(tenant: Path) -> dict[str, str]:
    """path -> index mode of every tracked entry."""
    out = git(tenant, "ls-files", "-s", "-z")
    modes = {}
    for entry in out.split("\x00"):
        if entry:
            meta, _, path = entry.partition("\t")
            modes[path] = meta.split()[0]
    return modes


@pytest.mark.parametrize("target", ["beta", "workspace", "beta-sources", "acme"])
def test_swapped_source_location_is_refused_at_every_scan(
    workspace: tuple[Path, Path], target: str
) -> None:
    root, material = workspace
    acme = root / "acme"
    learned = sorted(p.name for p in (acme / "sources").rglob("*.md"))
    concepts_before = git(acme, "ls-files", "bundle")
    beta_before = tree_digest(root / "beta")
    link_to = {"beta": root / "beta", "workspace": root, "beta-sources": root / "beta" / "sources",
               "acme": acme}[target]
    shutil.rmtree(material)
    material.symlink_to(link_to, target_is_directory=True)

    result = cli("run-loop", "acme", "--root", str(root))
    assert result.exit_code == 0, result.output
    assert "refused source location" in result.output
    data = cli_json("run-loop", "acme", "--root", str(root))
    [row] = data["tenants"]
    [refused] = row["refused_locations"]
    assert refused["path"] == str(material)
    assert row["removed"] == 0
    # nothing was read from the refused location, nothing learned earlier was removed
    assert SECRET not in _all_history_text(acme)
    assert sorted(p.name for p in (acme / "sources").rglob("*.md")) == learned
    assert git(acme, "ls-files", "bundle") == concepts_before
    assert tree_digest(root / "beta") == beta_before
    # the committed run record says so too
    runs = sorted((acme / "runs").glob("*.json"))
    assert any(str(material) in p.read_text(encoding="utf-8") for p in runs)


def test_ingest_also_refuses_a_swapped_location(workspace: tuple[Path, Path]) -> None:
    root, material = workspace
    shutil.rmtree(material)
    material.symlink_to(root / "beta", target_is_directory=True)
    data = cli_json("ingest", "acme", str(Path(__file__).parent), "--root", str(root))
    assert [r["path"] for r in data["refused_locations"]] == [str(material)]
    assert SECRET not in _all_history_text(root / "acme")


def test_loop_commits_only_owned_regular_files(workspace: tuple[Path, Path]) -> None:
    root, material = workspace
    acme = root / "acme"
    beta_before = tree_digest(root / "beta")
    bundle = acme / "bundle"
    (bundle / "hostname.md").symlink_to("/etc/hostname")
    [secret_snapshot] = (root / "beta" / "sources").rglob("margins*.md")
    (bundle / "stolen.md").symlink_to(secret_snapshot)
    (bundle / "stolen-dir").symlink_to(root / "beta" / "bundle", target_is_directory=True)
    (acme / "scratch-notes.txt").write_text("a person's scratch file\n", encoding="utf-8")
    nested = bundle / "nested"
    nested.mkdir()
    subprocess.run(["git", "init", "-q", str(nested)], check=True)
    (nested / "inner.md").write_text("---\ntype: note\n---\n# inner\n", encoding="utf-8")
    (material / "gears.md").write_text("# Gears\n\nAcme Gears ship from Hamburg.\n",
                                       encoding="utf-8")

    data = cli_json("run-loop", "acme", "--root", str(root))
    [row] = data["tenants"]
    assert row["status"] == "committed", row
    modes = _owned_index_modes(acme)
    assert set(modes.values()) <= {"100644", "100755"}, modes
    assert not [p for p in modes if not p.startswith(("bundle/", "sources/", "runs/"))
                and p not in ("dossier.tenant.yaml", ".gitignore")]
    assert not [p for p in modes if p.startswith(("bundle/hostname", "bundle/stolen",
                                                 "bundle/nested"))]
    assert SECRET not in _all_history_text(acme)
    # the concept counts do not include the symlinks: only what gears.md taught
    stolen = {"hostname", "stolen", "stolen-dir", "nested"}
    record = (acme / "runs" / f"{row['run_id']}.json").read_text(encoding="utf-8")
    assert not any(f"bundle/{name}" in record for name in stolen)
    assert row["added"] == int(git(acme, "diff", "--name-only", "--diff-filter=A", "HEAD~1",
                                   "HEAD", "--", "bundle").count(".md")) - _new_reserved(acme)
    # the junk does not make every later run commit again
    again = cli_json("run-loop", "acme", "--root", str(root))["tenants"][0]
    assert again["status"] == "up-to-date", again
    assert tree_digest(root / "beta") == beta_before
    # and the tenant still deprovisions and restores (its archive is clean)
    shutil.rmtree(nested)
    for junk in ("hostname.md", "stolen.md", "stolen-dir"):
        (bundle / junk).unlink()
    (acme / "scratch-notes.txt").unlink()
    archive = root.parent / "acme.bundle"
    assert cli("deprovision", "acme", "--root", str(root), "--yes",
               "--archive", str(archive)).exit_code == 0
    assert cli("restore", str(archive), "--root", str(root)).exit_code == 0


def _new_reserved(tenant: Path) -> int:
    """index.md / log.md files the last commit added (they are not concepts)."""
    added = git(tenant, "diff", "--name-only", "--diff-filter=A", "HEAD~1", "HEAD", "--", "bundle")
    return sum(1 for p in added.split() if p.endswith(("/index.md", "/log.md")))


def test_already_tracked_symlink_is_dropped_from_the_index(
    workspace: tuple[Path, Path],
) -> None:
    root, material = workspace
    acme = root / "acme"
    (acme / "bundle" / "hostname.md").symlink_to("/etc/hostname")
    git(acme, "add", "bundle/hostname.md")
    git(acme, "commit", "-q", "-m", "a person commits a link with plain git")
    (material / "gears.md").write_text("# Gears\n\nAcme Gears ship from Hamburg.\n",
                                       encoding="utf-8")
    assert cli("run-loop", "acme", "--root", str(root)).exit_code == 0
    assert "bundle/hostname.md" not in _owned_index_modes(acme)
    assert (acme / "bundle" / "hostname.md").is_symlink()  # the work-tree file is left alone


def test_committed_runs_symlink_gets_no_run_record(
    workspace: tuple[Path, Path], tmp_path: Path
) -> None:
    root, material = workspace
    acme = root / "acme"
    beta_runs = root / "beta" / "runs"
    beta_before = tree_digest(root / "beta")
    shutil.rmtree(acme / "runs")
    (acme / "runs").symlink_to(beta_runs, target_is_directory=True)
    git(acme, "add", "-A", "runs")  # committed with plain git, e.g. in a restored archive
    git(acme, "commit", "-q", "-m", "runs is a link now")
    (material / "gears.md").write_text("# Gears\n\nAcme Gears ship from Hamburg.\n",
                                       encoding="utf-8")
    result = cli("run-loop", "acme", "--root", str(root), "--json")
    assert result.exit_code == 1
    assert "symlink" in result.stdout
    assert tree_digest(root / "beta") == beta_before


def test_symlinked_failed_runs_folder_is_not_written_through(
    workspace: tuple[Path, Path], tmp_path: Path
) -> None:
    root, _ = workspace
    acme = root / "acme"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (acme / ".dossier" / "failed-runs").symlink_to(elsewhere, target_is_directory=True)
    (acme / "sources" / "catalogue.json").write_text("{corrupt", encoding="utf-8")
    result = cli("run-loop", "acme", "--root", str(root))
    assert result.exit_code == 1  # a failed run, whose record would go to failed-runs
    assert list(elsewhere.iterdir()) == []


def test_symlinked_cache_folder_gets_no_search_index(workspace: tuple[Path, Path]) -> None:
    root, _ = workspace
    acme, beta = root / "acme", root / "beta"
    assert cli("index", "beta", "--root", str(root)).exit_code == 0
    beta_before = tree_digest(beta / ".dossier" / "index")
    shutil.rmtree(acme / ".dossier")
    (acme / ".dossier").symlink_to(beta / ".dossier", target_is_directory=True)
    result = cli("index", "acme", "--root", str(root))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert tree_digest(beta / ".dossier" / "index") == beta_before
    # an index folder linked elsewhere is refused the same way
    os.unlink(acme / ".dossier")
    (acme / ".dossier").mkdir()
    (acme / ".dossier" / "index").symlink_to(beta / ".dossier" / "index",
                                             target_is_directory=True)
    assert cli("index", "acme", "--root", str(root)).exit_code == 1
    assert tree_digest(beta / ".dossier" / "index") == beta_before


def test_symlinked_extraction_store_is_not_written_through(
    workspace: tuple[Path, Path],
) -> None:
    root, material = workspace
    stores = list((root / "acme" / ".dossier" / "extract").rglob("extractions.sqlite"))
    beta_stores = list((root / "beta" / ".dossier" / "extract").rglob("extractions.sqlite"))
    if not stores or not beta_stores:
        pytest.skip("the loop keeps no extraction store in this configuration")
    store, beta_store = stores[0], beta_stores[0]
    beta_before = beta_store.read_bytes()
    store.unlink()
    store.symlink_to(beta_store)
    (material / "gears.md").write_text("# Gears\n\nAcme Gears ship from Hamburg.\n",
                                       encoding="utf-8")
    data = cli_json("run-loop", "acme", "--root", str(root))
    assert data["tenants"][0]["status"] == "failed"  # refused, with its reason
    assert beta_store.read_bytes() == beta_before


def test_a_tracked_nested_repository_that_moved_on_does_not_block_the_loop(
    workspace: tuple[Path, Path],
) -> None:
    root, material = workspace
    acme = root / "acme"
    nested = acme / "bundle" / "vendored"
    nested.mkdir()
    subprocess.run(["git", "init", "-q", str(nested)], check=True)
    (nested / "a.md").write_text("# a\n", encoding="utf-8")
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "-C", str(nested), *ident, "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(nested), *ident, "commit", "-qm", "one"], check=True)
    # What older versions did: commit the nested repository as a gitlink.
    subprocess.run(["git", "-C", str(acme), "add", "bundle/vendored"], check=True)
    subprocess.run(["git", "-C", str(acme), *ident, "commit", "-qm", "gitlink"], check=True)
    (nested / "b.md").write_text("# b\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(nested), *ident, "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(nested), *ident, "commit", "-qm", "two"], check=True)
    (material / "gears.md").write_text("# Gears\n\nAcme Gears ship from Hamburg.\n",
                                       encoding="utf-8")
    data = cli_json("run-loop", "acme", "--root", str(root))
    assert data["tenants"][0]["status"] == "committed", data
    modes = _owned_index_modes(acme)
    assert set(modes.values()) <= {"100644", "100755"}, modes
