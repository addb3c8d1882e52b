"""The loop's stat-keyed concept cache never weakens protection or correctness."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from dossier.extract import DeterministicExtractor
from dossier.okf import Bundle
from dossier.okf.index import read_entries
from dossier.okf.validate import validate_bundle
from dossier.runtime.concept_facts import FactsCache, facts_of
from dossier.runtime.extract_stage import STORE_NAME
from dossier.runtime.harness import FACTS_FILE
from dossier.runtime.ledger import blob_id
from tests.runtime.helpers import cli, cli_json, git, write_corpus

DOC = (
    "# Ops notes\n\n## SYS-12 Label Printer Service\n\nThe Label Printer Service is the "
    "system that prints carrier labels at every dock door during wave picking.\n\n"
    "## SYS-14 Dock Scheduler\n\nThe Dock Scheduler assigns trucks to dock doors; it "
    "feeds the Label Printer Service with wave numbers.\n"
)


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    corpus = write_corpus(tmp_path / "m", {"ops.md": DOC})
    root = tmp_path / "t"
    cli("provision", "demo", "--root", str(root), "--source", str(corpus))
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 0
    return root, corpus, root / "demo"


def test_cache_matches_what_the_files_say(tmp_path: Path) -> None:
    _root, _corpus, tenant = _setup(tmp_path)
    bundle = Bundle(tenant / "bundle")
    cache_path = tenant / ".dossier" / FACTS_FILE
    assert cache_path.is_file()
    cache = FactsCache(cache_path, f"deterministic/{DeterministicExtractor.version}")
    concepts = bundle.tree().concepts
    assert concepts
    for concept_id, path in concepts.items():
        expected = replace(facts_of(bundle.read(concept_id)), blob=blob_id(path.read_bytes()))
        assert cache.get(concept_id, path) == expected
    assert cache.reads == 0  # every answer came from the saved cache
    assert cache.entries(concepts) == read_entries(bundle.tree())


def test_in_place_edit_with_restored_mtime_is_still_protected(tmp_path: Path) -> None:
    """Same size, same mtime: the ctime still changes, so the edit is seen."""
    root, corpus, tenant = _setup(tmp_path)
    bundle = Bundle(tenant / "bundle")
    target = next(i for i in bundle.concept_ids() if "sys-12" in i)
    path = bundle.path_for(target)
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    by = f"dossier-deterministic/{DeterministicExtractor.version}"
    assert by in text
    edited = text.replace(by, "human:kim".ljust(len(by)), 1)
    assert len(edited) == len(text)
    with path.open("r+", encoding="utf-8") as handle:  # same inode, same size
        handle.write(edited)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    git(tenant, "commit", "-qam", "Kim took over the label printer")
    human_bytes = path.read_bytes()

    (corpus / "ops.md").write_text(DOC.replace("carrier labels", "carrier and customs labels"))
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed"
    assert path.read_bytes() == human_bytes
    assert target in [p["concept_id"] for p in row["protected"]]


def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    root, corpus, tenant = _setup(tmp_path)
    cache_path = tenant / ".dossier" / FACTS_FILE
    for garbage in ("{not json", '{"schema": 1, "label": "deterministic/0.1.0", "concepts": 3}',
                    '{"schema": 1, "label": "deterministic/0.1.0", "concepts": {"a": [1]}}'):
        cache_path.write_text(garbage, encoding="utf-8")
        row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
        assert row["status"] == "up-to-date", row
    cache_path.write_text("\x00\xff", encoding="latin-1")
    (corpus / "ops.md").write_text(DOC.replace("wave picking", "batch picking"))
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed", row
    assert git(tenant, "status", "--porcelain").strip() == ""
    assert validate_bundle(tenant / "bundle").ok
    # The next run with nothing new finds everything in the rebuilt cache and changes nothing.
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "up-to-date", row


def test_unchanged_concepts_keep_their_bytes_after_a_change(tmp_path: Path) -> None:
    root, corpus, tenant = _setup(tmp_path)
    bundle = Bundle(tenant / "bundle")
    before = {cid: p.read_bytes() for cid, p in bundle.tree().concepts.items()}
    (corpus / "extra.md").write_text(
        "# Yard\n\n## SYS-20 Yard Manager\n\nThe Yard Manager tracks trailers in the yard.\n",
        encoding="utf-8",
    )
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed"
    after = {cid: p.read_bytes() for cid, p in bundle.tree().concepts.items()}
    assert set(after) > set(before)
    changed = [cid for cid in before if before[cid] != after[cid]]
    assert len(changed) < len(before)
    # Index files list every concept, new ones included.
    root_index = (tenant / "bundle" / "index.md").read_text(encoding="utf-8")
    assert "Subdirectories" in root_index or "Yard Manager" in root_index
    assert validate_bundle(tenant / "bundle").ok


def _store_rows(tenant: Path) -> dict[str, str]:
    import sqlite3

    (store,) = (tenant / ".dossier" / "extract").glob(f"*/{STORE_NAME}")
    with sqlite3.connect(store) as db:
        return dict(db.execute("SELECT source_id, text_sha256 FROM extractions"))


def test_extraction_store_keeps_one_row_per_current_source(tmp_path: Path) -> None:
    root, corpus, tenant = _setup(tmp_path)
    (corpus / "yard.md").write_text(
        "# Yard\n\n## SYS-20 Yard Manager\n\nThe Yard Manager tracks trailers.\n",
        encoding="utf-8",
    )
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 0
    rows = _store_rows(tenant)
    assert len(rows) == 2
    (corpus / "yard.md").write_text("# Yard\n\nOnly trucks now.\n", encoding="utf-8")
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 0
    again = _store_rows(tenant)
    assert len(again) == 2 and again != rows  # replaced in place, not added
    (corpus / "yard.md").unlink()
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 0
    assert len(_store_rows(tenant)) == 1


def test_corrupt_extraction_store_is_rebuilt(tmp_path: Path) -> None:
    root, corpus, tenant = _setup(tmp_path)
    (store,) = (tenant / ".dossier" / "extract").glob(f"*/{STORE_NAME}")
    reference = set(Bundle(tenant / "bundle").tree().concepts)
    store.write_bytes(b"this is not a database" * 100)
    (corpus / "ops.md").write_text(DOC + "\nThe Dock Scheduler runs nightly.\n", encoding="utf-8")
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed", row
    assert len(_store_rows(tenant)) == 1
    assert set(Bundle(tenant / "bundle").tree().concepts) >= reference
