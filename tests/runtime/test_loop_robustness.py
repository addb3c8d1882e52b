"""One bad proposal costs that concept, not the iteration; a failed iteration leaves no trace."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

from dossier.okf import Bundle
from dossier.okf.validate import validate_bundle
from tests.runtime.helpers import DOSSIER_BIN, cli, cli_json, git, write_corpus

DESIGN = (
    "# Storage design\n\n## Overview\n\nThe storage engine keeps every record in pages on "
    "disk and reads them through a buffer pool.\n\n### Index\n\nThe index is a B-tree over "
    "the primary key that points at pages. It is rebuilt nightly.\n\n### Log\n\nThe log is "
    "an append-only write-ahead file that records every change before it reaches a page.\n\n"
    "## Glossary\n\n- **Index**: a B-tree over the primary key.\n"
    "- **Log**: the append-only write-ahead file.\n"
)
OPS = (
    "# Ops notes\n\n## SYS-12 Label Printer Service\n\nThe Label Printer Service is the "
    "system that prints carrier labels at every dock door during wave picking.\n"
)


def _tenant(tmp_path: Path, name: str, docs: dict[str, str]) -> tuple[Path, Path]:
    corpus = write_corpus(tmp_path / f"{name}-m", docs)
    root = tmp_path / name
    assert cli("provision", "demo", "--root", str(root), "--source", str(corpus)).exit_code == 0
    return root, corpus


def test_reserved_slugs_get_another_id_deterministically(tmp_path: Path) -> None:
    """"Index"/"Log" terms and headings are learned under a non-reserved id, same every run."""
    ids = []
    for name in ("a", "b"):
        root, _ = _tenant(tmp_path, name, {"design.md": DESIGN, "ops.md": OPS})
        row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
        assert row["status"] == "committed", row["message"]
        bundle = Bundle(root / "demo" / "bundle")
        found = bundle.concept_ids()
        assert not [i for i in found if i.rsplit("/", 1)[-1] in ("index", "log")]
        assert any("sys-12" in i for i in found)
        assert sum(1 for i in found if i.rsplit("/", 1)[-1].startswith(("index-", "log-"))) >= 2
        assert validate_bundle(root / "demo" / "bundle").ok
        ids.append(found)
    assert ids[0] == ids[1]


BAD_EXTRACTOR = textwrap.dedent('''
    from dataclasses import replace

    from dossier.extract.deterministic import DeterministicExtractor


    class BadIdsExtractor(DeterministicExtractor):
        """The deterministic proposals plus three a careless extractor could make."""

        name = "badids"

        def assemble(self, extractions, settings=None):
            good = super().assemble(extractions, settings)
            first = good[0]
            return [
                *good,
                replace(first, concept_id="topics/index", title="Index"),
                replace(first, concept_id="topics/untyped", type="", title="Untyped"),
                replace(first, title="Same id again"),
            ]
''')


def _install_extractor(site: Path) -> None:
    (site / "badids_extractor.py").write_text(BAD_EXTRACTOR)
    info = site / "badids_extractor-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: badids-extractor\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[dossier.extractors]\nbadids = badids_extractor:BadIdsExtractor\n"
    )


def test_invalid_proposals_are_dropped_and_reported_the_rest_committed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install_extractor(site)
    root, _ = _tenant(tmp_path, "t", {"ops.md": OPS, "design.md": DESIGN})
    manifest = root / "demo" / "dossier.tenant.yaml"
    manifest.write_text(manifest.read_text().replace("extractor: deterministic",
                                                     "extractor: badids"))
    env = {**os.environ, "COLUMNS": "300",
           "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(
        [str(DOSSIER_BIN), "run-loop", "demo", "--root", str(root), "--json"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    row = json.loads(run.stdout)["tenants"][0]
    assert row["status"] == "committed"
    dropped = {d["concept_id"]: d["reason"] for d in row["dropped"]}
    assert {"topics/index", "topics/untyped"} <= set(dropped)
    assert len(row["dropped"]) == 3  # and the second proposal of a duplicated id
    bundle = Bundle(root / "demo" / "bundle")
    assert any("sys-12" in i for i in bundle.concept_ids())
    assert not bundle.exists("topics/untyped")
    assert validate_bundle(root / "demo" / "bundle").ok
    record = json.loads((root / "demo" / "runs" / f"{row['run_id']}.json").read_text())
    assert {d["concept_id"] for d in record["dropped"]} == set(dropped)
    # The plain output names every dropped concept too (a full run: the tree is dirty).
    (root / "demo" / "bundle" / "kim.txt").write_text("a person's file\n")
    plain = subprocess.run(
        [str(DOSSIER_BIN), "run-loop", "demo", "--root", str(root)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "topics/untyped" in plain.stdout and "topics/index" in plain.stdout


def _invalid_hand_written(tenant: Path) -> None:
    """A person's concept without a type: an OKF conformance error, so the iteration fails."""
    (tenant / "bundle" / "notes").mkdir(exist_ok=True)
    (tenant / "bundle" / "notes" / "draft.md").write_text("---\ntitle: Draft\n---\nWIP\n")


def _porcelain(tenant: Path) -> str:
    return git(tenant, "status", "--porcelain=v1", "--untracked-files=all")


def test_failed_iteration_puts_back_the_tree_it_found(tmp_path: Path) -> None:
    root, corpus = _tenant(tmp_path, "t", {"ops.md": OPS})
    tenant = root / "demo"
    assert cli("run-loop", "demo", "--root", str(root)).exit_code == 0
    bundle = Bundle(tenant / "bundle")
    target = next(i for i in bundle.concept_ids() if "sys-12" in i)
    # Uncommitted work a person left, which the failed run must not take away:
    edited = bundle.path_for(target)
    edited.write_text(edited.read_text() + "\nKim: the printer at door 4 jams.\n")
    (tenant / "bundle" / "kim-scratch.txt").write_text("notes\n")
    _invalid_hand_written(tenant)
    before = {p: p.read_bytes() for p in tenant.rglob("*")
              if p.is_file() and ".git" not in p.parts and ".dossier" not in p.parts}
    status_before = _porcelain(tenant)
    head = git(tenant, "rev-parse", "HEAD")
    # New material that would add many concepts and change the edited one.
    for n in range(20):
        (corpus / f"site-{n}.md").write_text(
            f"# Site {n}\n\n## SYS-{100 + n} Dock Scanner {n}\n\nThe Dock Scanner {n} is the "
            f"system that records pallets at door {n}.\n")
    (corpus / "ops.md").write_text(OPS.replace("carrier labels", "carrier and customs labels"))

    result = cli("run-loop", "demo", "--root", str(root))
    assert result.exit_code == 1
    assert git(tenant, "rev-parse", "HEAD") == head
    assert _porcelain(tenant) == status_before
    after = {p: p.read_bytes() for p in tenant.rglob("*")
             if p.is_file() and ".git" not in p.parts and ".dossier" not in p.parts}
    assert after == before
    assert not any("sys-10" in i for i in bundle.concept_ids())

    # Once the person fixes their draft, the next run learns everything and keeps the edit.
    (tenant / "bundle" / "notes" / "draft.md").write_text(
        "---\ntype: Note\ntitle: Draft\n---\nWIP\n")
    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed", row["message"]
    assert any("sys-100" in i for i in bundle.concept_ids())
    assert edited.read_bytes() == before[edited]


def test_suffixed_ids_never_collide_with_a_concept_of_that_name() -> None:
    """Two "Foo" and one "Foo 2": the second Foo must not take "Foo 2"'s id (or overwrite it)."""
    from dossier.extract.deterministic import cues
    from dossier.extract.deterministic.consolidate import Component, assign_ids

    def comp(title: str, key: str, type_: str = cues.TOPIC) -> Component:
        return Component(keys=[key], units=[], identifiers=[], forms={}, title=title, type=type_)

    comps = [comp("Foo", "foo a"), comp("Foo", "foo b"), comp("Foo 2", "foo 2"),
             comp("Index", "index"), comp("Log", "log", cues.GLOSSARY)]
    assign_ids(comps, {})
    ids = [c.concept_id for c in comps]
    assert len(set(ids)) == len(ids)
    assert ids[2] == "topics/foo-2"
    assert set(ids[:2]) == {"topics/foo", "topics/foo-3"}
    assert ids[3] == "topics/index-topic" and ids[4] == "glossary/log-glossary-term"
    again = [comp("Foo", "foo a"), comp("Foo", "foo b"), comp("Foo 2", "foo 2"),
             comp("Index", "index"), comp("Log", "log", cues.GLOSSARY)]
    assign_ids(again, {})
    assert [c.concept_id for c in again] == ids
