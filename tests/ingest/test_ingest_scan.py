"""Scanning and applying: change detection, stable ids, byte-stable output, snapshots."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from dossier.ingest import (
    INGEST_VERSION,
    CatalogueError,
    ScanResult,
    SourceNotFoundError,
    apply_scan,
    iter_snapshots,
    load_snapshot,
    read_catalogue,
    scan_sources,
)


class Tenant:
    """A tenant's sources/ and cache dir, and the registered locations."""

    def __init__(self, root: Path, *locations: Path) -> None:
        self.sources = root / "sources"
        self.cache = root / ".dossier"
        self.locations = list(locations)

    def scan(self, *, verify_hashes: bool = False) -> ScanResult:
        return scan_sources(self.locations, self.sources, self.cache, verify_hashes=verify_hashes)

    def run(self) -> ScanResult:
        result = self.scan()
        apply_scan(result, self.sources, self.cache)
        return result

    def files(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.sources).as_posix(): p.read_bytes()
            for p in sorted(self.sources.rglob("*"))
            if p.is_file()
        }


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    loc = tmp_path / "Acme Docs"
    (loc / "Notes").mkdir(parents=True)
    (loc / "Notes" / "Interview Ops.md").write_text("# Ops interview\n\nKafka is owned by ops.\n")
    (loc / "Notes" / "kickoff.txt").write_text("Kickoff with billing.\n")
    (loc / "design.html").write_text("<h1>Design</h1><p>Ledger service.</p>")
    return loc


def test_first_scan_is_read_only_then_apply_writes_snapshots(tmp_path: Path, corpus: Path) -> None:
    tenant = Tenant(tmp_path / "t", corpus)
    result = tenant.scan()
    assert not (tmp_path / "t").exists()  # scanning wrote nothing
    assert [d.source_id for d in result.new] == [
        "acme-docs/design-html",
        "acme-docs/notes/interview-ops-md",
        "acme-docs/notes/kickoff-txt",
    ]
    touched = apply_scan(result, tenant.sources, tenant.cache)
    assert touched == [
        "sources/acme-docs/design-html.md",
        "sources/acme-docs/notes/interview-ops-md.md",
        "sources/acme-docs/notes/kickoff-txt.md",
        "sources/catalogue.json",
    ]
    catalogue = json.loads((tenant.sources / "catalogue.json").read_text())
    entry = catalogue["sources"]["acme-docs/notes/interview-ops-md"]
    assert entry == {
        "original_path": str(corpus / "Notes" / "Interview Ops.md"),
        "location": str(corpus),
        "media_type": "text/markdown",
        "size": 40,
        "sha256": result.new[1].sha256,
        "title": "Ops interview",
        "snapshot": "sources/acme-docs/notes/interview-ops-md.md",
    }
    assert "mtime" not in (tenant.sources / "catalogue.json").read_text()
    snapshot = tenant.sources / "acme-docs" / "notes" / "interview-ops-md.md"
    assert snapshot.read_text() == "# Ops interview\n\nKafka is owned by ops.\n"


def test_new_changed_unchanged_removed_across_scans(tmp_path: Path, corpus: Path) -> None:
    tenant = Tenant(tmp_path / "t", corpus)
    tenant.run()
    (corpus / "Notes" / "kickoff.txt").write_text("Kickoff with billing and finance.\n")
    (corpus / "design.html").unlink()
    (corpus / "Notes" / "new.md").write_text("# New\n")
    os.utime(corpus / "Notes" / "Interview Ops.md")  # touched, not changed

    result = tenant.run()
    assert [d.source_id for d in result.new] == ["acme-docs/notes/new-md"]
    assert [d.source_id for d in result.changed] == ["acme-docs/notes/kickoff-txt"]
    assert result.unchanged == ["acme-docs/notes/interview-ops-md"]
    assert result.removed == ["acme-docs/design-html"]
    assert not (tenant.sources / "acme-docs" / "design-html.md").exists()
    catalogue = read_catalogue(tenant.sources)
    assert sorted(catalogue.entries) == [
        "acme-docs/notes/interview-ops-md",
        "acme-docs/notes/kickoff-txt",
        "acme-docs/notes/new-md",
    ]
    # removing the last file of a folder removes the snapshot folder too
    shutil.rmtree(corpus / "Notes")
    tenant.run()
    assert not (tenant.sources / "acme-docs" / "notes").exists()


def test_noop_rescan_reports_nothing_and_writes_nothing(tmp_path: Path, corpus: Path) -> None:
    tenant = Tenant(tmp_path / "t", corpus)
    tenant.run()
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "t").rglob("*") if p.is_file()}
    result = tenant.scan()
    assert not result.has_changes
    assert len(result.unchanged) == 3 and result.skipped == []
    assert apply_scan(result, tenant.sources, tenant.cache) == []
    after = {p: p.stat().st_mtime_ns for p in (tmp_path / "t").rglob("*") if p.is_file()}
    assert after == before


def test_output_is_byte_identical_across_tenants_and_runs(tmp_path: Path, corpus: Path) -> None:
    one, two = Tenant(tmp_path / "one", corpus), Tenant(tmp_path / "two", corpus)
    one.run()
    two.run()
    two.run()
    assert one.files() == two.files()
    catalogue = (one.sources / "catalogue.json").read_text()
    assert catalogue.endswith("}\n") and not catalogue.endswith("\n\n")
    data = json.loads(catalogue)
    assert catalogue == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_stat_cache_is_trusted_unless_verify_hashes(tmp_path: Path, corpus: Path) -> None:
    """A same-size edit whose timestamps did not move (coarse clocks, copied mtimes)."""
    tenant = Tenant(tmp_path / "t", corpus)
    tenant.run()
    note = corpus / "Notes" / "kickoff.txt"
    note.write_text("Kickoff with FINANCE.\n")  # same length as before
    # Make the stat cache describe the edited file, as a filesystem with lying timestamps would.
    cache_file = tenant.cache / "ingest-stat.json"
    cache = json.loads(cache_file.read_text())
    st = note.stat()
    cache["files"][str(note)][:3] = [st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    cache_file.write_text(json.dumps(cache))

    assert not tenant.scan().has_changes  # stat matched: the file was not even read
    result = tenant.scan(verify_hashes=True)
    assert [d.source_id for d in result.changed] == ["acme-docs/notes/kickoff-txt"]
    assert result.changed[0].text == "Kickoff with FINANCE.\n"


def test_edit_that_restores_mtime_is_still_detected(tmp_path: Path, corpus: Path) -> None:
    tenant = Tenant(tmp_path / "t", corpus)
    tenant.run()
    note = corpus / "Notes" / "kickoff.txt"
    st = note.stat()
    note.write_text("Kickoff with FINANCE.\n")
    os.utime(note, ns=(st.st_atime_ns, st.st_mtime_ns))  # e.g. a tool that preserves mtime
    assert [d.source_id for d in tenant.scan().changed] == ["acme-docs/notes/kickoff-txt"]


def test_lost_stat_cache_or_snapshot_heals(tmp_path: Path, corpus: Path) -> None:
    tenant = Tenant(tmp_path / "t", corpus)
    tenant.run()
    (tenant.cache / "ingest-stat.json").write_text("{ not json")
    assert not tenant.run().has_changes
    snapshot = tenant.sources / "acme-docs" / "design-html.md"
    snapshot.unlink()
    result = tenant.run()
    assert [d.source_id for d in result.changed] == ["acme-docs/design-html"]
    assert snapshot.read_text() == "# Design\n\nLedger service.\n"


def test_collisions_are_disambiguated_and_existing_ids_never_move(tmp_path: Path) -> None:
    loc = tmp_path / "docs"
    loc.mkdir()
    (loc / "Plan.md").write_text("# Plan A\n")
    tenant = Tenant(tmp_path / "t", loc)
    assert [d.source_id for d in tenant.run().new] == ["docs/plan-md"]
    (loc / "plan.md").write_text("# Plan B\n")
    (loc / "PLAN!.md").write_text("# Plan C\n")
    (loc / "plan.txt").write_text("Plan D\n")
    result = tenant.run()
    assert {d.source_id: d.title for d in result.new} == {
        "docs/plan-md-2": "Plan C",  # new files are numbered in sorted path order
        "docs/plan-md-3": "Plan B",
        "docs/plan-txt": "plan.txt",
    }
    assert result.unchanged == ["docs/plan-md"]
    assert load_snapshot(tenant.sources, "docs/plan-md").title == "Plan A"


def test_same_folder_name_in_two_locations_and_file_locations(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "notes", tmp_path / "b" / "notes"
    for loc, text in ((a, "# From A\n"), (b, "# From B\n")):
        loc.mkdir(parents=True)
        (loc / "x.md").write_text(text)
    single = tmp_path / "Kickoff Call.txt"
    single.write_text("Kickoff call.\n")
    tenant = Tenant(tmp_path / "t", a, b, single)
    result = tenant.run()
    assert {d.source_id: d.title for d in result.new} == {
        "notes/x-md": "From A",
        "notes-2/x-md": "From B",
        "kickoff-call-txt": "Kickoff Call.txt",
    }
    # names stick even when the first location is unregistered and re-registered later
    tenant.locations = [b, single]
    result = tenant.run()
    assert result.removed == ["notes/x-md"]
    tenant.locations = [b, single, a]
    assert [d.source_id for d in tenant.run().new] == ["notes/x-md"]


def test_missing_location_keeps_its_sources(tmp_path: Path, corpus: Path) -> None:
    tenant = Tenant(tmp_path / "t", corpus)
    tenant.run()
    parked = tmp_path / "unplugged"
    corpus.rename(parked)
    result = tenant.run()
    assert result.missing_locations == [str(corpus)]
    assert result.removed == [] and len(result.unchanged) == 3
    assert len(list(iter_snapshots(tenant.sources))) == 3
    parked.rename(corpus)
    assert not tenant.run().has_changes


def test_nested_registrations_do_not_ingest_twice(tmp_path: Path, corpus: Path) -> None:
    tenant = Tenant(tmp_path / "t", corpus, corpus / "Notes", corpus / "design.html")
    ids = sorted(d.source_id for d in tenant.run().new)
    assert ids == ["design-html", "notes/interview-ops-md", "notes/kickoff-txt"]
    originals = [e.original_path for e in read_catalogue(tenant.sources).entries.values()]
    assert len(originals) == len(set(originals)) == 3


def test_renamed_case_keeps_the_id_as_a_change(tmp_path: Path) -> None:
    loc = tmp_path / "docs"
    loc.mkdir()
    (loc / "Notes.md").write_text("# Notes\n")
    tenant = Tenant(tmp_path / "t", loc)
    tenant.run()
    (loc / "Notes.md").rename(loc / "notes.md")
    result = tenant.run()
    assert [d.source_id for d in result.changed] == ["docs/notes-md"]
    assert result.removed == [] and result.new == []
    entry = read_catalogue(tenant.sources).entries["docs/notes-md"]
    assert entry.original_path == str(loc / "notes.md")


def test_snapshots_read_back_with_citable_lines(tmp_path: Path, corpus: Path) -> None:
    tenant = Tenant(tmp_path / "t", corpus)
    tenant.run()
    docs = list(iter_snapshots(tenant.sources))
    assert [d.source_id for d in docs] == sorted(d.source_id for d in docs)
    doc = load_snapshot(tenant.sources, "acme-docs/notes/interview-ops-md")
    assert doc.lines[2] == "Kafka is owned by ops."
    assert doc.line_ref(3) == "sources/acme-docs/notes/interview-ops-md.md#L3"
    assert doc.line_ref(1, 3) == "sources/acme-docs/notes/interview-ops-md.md#L1-L3"
    assert doc.original_path == str(corpus / "Notes" / "Interview Ops.md")
    with pytest.raises(SourceNotFoundError, match="no source 'nope'"):
        load_snapshot(tenant.sources, "nope")


def test_corrupt_or_hostile_catalogue_is_a_clear_error(tmp_path: Path, corpus: Path) -> None:
    tenant = Tenant(tmp_path / "t", corpus)
    tenant.run()
    path = tenant.sources / "catalogue.json"
    path.write_text("{ broken")
    with pytest.raises(CatalogueError, match=r"catalogue\.json: not valid JSON"):
        tenant.scan()
    path.write_text(json.dumps({"sources": {"../../etc/passwd": {}}}))
    with pytest.raises(CatalogueError, match="invalid source id"):
        tenant.scan()


def test_a_file_that_becomes_unusable_is_removed_and_reported(tmp_path: Path, corpus: Path) -> None:
    tenant = Tenant(tmp_path / "t", corpus)
    tenant.run()
    (corpus / "design.html").write_bytes(b"<p>\x00\x00 binary now</p>")
    result = tenant.run()
    assert result.removed == ["acme-docs/design-html"]
    assert [(os.path.basename(s.path), s.code) for s in result.skipped] == [
        ("design.html", "binary")
    ]
    again = tenant.run()  # still reported on every scan (from the stat cache, unread)
    assert [s.code for s in again.skipped] == ["binary"] and not again.has_changes


def test_ingest_version_bump_reconverts_without_spurious_changes(
    tmp_path: Path, corpus: Path
) -> None:
    tenant = Tenant(tmp_path / "t", corpus)
    tenant.run()
    path = tenant.sources / "catalogue.json"
    data = json.loads(path.read_text())
    data["ingest_version"] = 0
    path.write_text(json.dumps(data))
    snapshot = tenant.sources / "acme-docs" / "design-html.md"
    snapshot.write_text("# Design\n\nOutput of an older converter.\n")
    result = tenant.run()
    assert [d.source_id for d in result.changed] == ["acme-docs/design-html"]
    assert len(result.unchanged) == 2
    assert snapshot.read_text() == "# Design\n\nLedger service.\n"
    assert json.loads(path.read_text())["ingest_version"] == INGEST_VERSION
