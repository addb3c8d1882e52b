"""index.md generation (§8), log.md appends (§9) and bundle initialisation."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from dossier.okf import Bundle, ConceptDocument, append_log, generate_indexes, init_bundle
from dossier.okf.validate import validate_bundle


def add(bundle: Bundle, concept_id: str, type_: str, title: str | None, desc: str | None) -> None:
    fm: dict[str, object] = {"type": type_}
    if title is not None:
        fm["title"] = title
    if desc is not None:
        fm["description"] = desc
    bundle.write(ConceptDocument(concept_id, fm, "\nBody.\n"))


def make(tmp_path: Path) -> Bundle:
    root = tmp_path / "b"
    init_bundle(root, title="Acme", day=date(2026, 5, 15))
    bundle = Bundle(root)
    add(bundle, "tables/orders", "BigQuery Table", "Orders", "One row per order.")
    add(bundle, "tables/customers", "BigQuery Table", "Customers", "One row per\n customer.")
    add(bundle, "tables/views/daily", "View", "Daily [rollup]", None)
    add(bundle, "metrics/revenue", "Metric", "Revenue", "Recognized revenue.")
    add(bundle, "readme", "Guide", None, "Start here.")
    return bundle


def test_indexes_group_by_type_and_list_subdirectories(tmp_path: Path) -> None:
    bundle = make(tmp_path)
    written = generate_indexes(bundle)
    root = bundle.root
    assert sorted(p.relative_to(root).as_posix() for p in written) == [
        "index.md",
        "metrics/index.md",
        "tables/index.md",
        "tables/views/index.md",
    ]
    assert (root / "tables" / "index.md").read_text(encoding="utf-8") == (
        "# BigQuery Table\n\n"
        "* [Customers](customers.md) - One row per customer.\n"
        "* [Orders](orders.md) - One row per order.\n\n"
        "# Subdirectories\n\n"
        "* [views](views/index.md) - View: Daily [rollup]\n"
    )
    assert (root / "tables" / "views" / "index.md").read_text(encoding="utf-8") == (
        "# View\n\n* [Daily \\[rollup\\]](daily.md)\n"
    )
    top = (root / "index.md").read_text(encoding="utf-8")
    assert top.startswith(
        '---\nokf_version: "0.2"\n---\n\n# Guide\n\n* [readme](readme.md) - Start here.\n'
    )
    assert "* [metrics](metrics/index.md) - Metric: Revenue\n" in top
    assert (
        "* [tables](tables/index.md) - BigQuery Table: Customers, Orders; View: Daily [rollup]\n"
        in top
    )
    assert validate_bundle(root).ok


def test_only_changed_indexes_are_written(tmp_path: Path) -> None:
    bundle = make(tmp_path)
    generate_indexes(bundle)
    stamp = (bundle.root / "metrics" / "index.md").stat().st_mtime_ns
    assert generate_indexes(bundle) == []
    add(bundle, "tables/orders", "BigQuery Table", "Orders v2", "One row per order.")
    written = generate_indexes(bundle, ["tables"])
    assert [p.relative_to(bundle.root).as_posix() for p in written] == [
        "index.md",
        "tables/index.md",
    ]
    assert (bundle.root / "metrics" / "index.md").stat().st_mtime_ns == stamp


def test_many_concepts_summarise_by_counts(tmp_path: Path) -> None:
    bundle = make(tmp_path)
    for n in range(5):
        add(bundle, f"notes/n{n}", "Note" if n < 3 else "Decision", f"N{n}", None)
    generate_indexes(bundle)
    top = (bundle.root / "index.md").read_text(encoding="utf-8")
    assert "* [notes](notes/index.md) - 5 concepts: 3 Note, 2 Decision\n" in top


def test_directory_without_concepts_gets_no_index(tmp_path: Path) -> None:
    bundle = make(tmp_path)
    (bundle.root / "attachments").mkdir()
    (bundle.root / "attachments" / "x.py").write_text("print()\n", encoding="utf-8")
    generate_indexes(bundle)
    assert not (bundle.root / "attachments" / "index.md").exists()
    assert "attachments" not in (bundle.root / "index.md").read_text(encoding="utf-8")


def test_unparseable_concepts_are_left_out_of_indexes(tmp_path: Path) -> None:
    bundle = make(tmp_path)
    (bundle.root / "metrics" / "broken.md").write_text("no frontmatter", encoding="utf-8")
    generate_indexes(bundle)
    assert "broken" not in (bundle.root / "metrics" / "index.md").read_text(encoding="utf-8")


def test_init_bundle_is_idempotent(tmp_path: Path) -> None:
    root = tmp_path / "new"
    init_bundle(root, title="Acme", day=date(2026, 5, 15))
    first = {p.name: p.read_bytes() for p in root.iterdir()}
    init_bundle(root, title="Other", day=date(2026, 6, 1))
    assert {p.name: p.read_bytes() for p in root.iterdir()} == first
    assert first["index.md"] == b'---\nokf_version: "0.2"\n---\n'
    log = first["log.md"].decode()
    assert "## 2026-05-15\n* **Initialization**: Created the Acme bundle.\n" in log
    report = validate_bundle(root)
    assert report.ok and report.findings == []


def test_log_sections_newest_first_and_same_day_appends(tmp_path: Path) -> None:
    root = tmp_path / "b"
    init_bundle(root, title="Acme", day=date(2026, 5, 15))
    append_log(root, date(2026, 5, 22), ["**Update**: Added [Orders](/tables/orders.md)."])
    append_log(root, date(2026, 5, 22), ["* **Creation**: Established the playbook."])
    append_log(root, date(2026, 5, 22), ["**Update**: Added [Orders](/tables/orders.md)."])  # dup
    append_log(root, date(2026, 5, 18), ["**Fix**: backfilled an older day."])
    text = (root / "log.md").read_text(encoding="utf-8")
    assert text == (
        "# Acme: update log\n\n"
        "## 2026-05-22\n"
        "* **Update**: Added [Orders](/tables/orders.md).\n"
        "* **Creation**: Established the playbook.\n\n"
        "## 2026-05-18\n"
        "* **Fix**: backfilled an older day.\n\n"
        "## 2026-05-15\n"
        "* **Initialization**: Created the Acme bundle.\n"
    )
    assert validate_bundle(root).findings == []


def test_log_appends_never_rewrite_older_sections(tmp_path: Path) -> None:
    root = tmp_path / "b"
    root.mkdir()
    original = (
        "---\ntype: Log\ntitle: History\n---\n\n# Bundle history\n\n"
        "## 2026-07-01\n\n- **Verified** everything.   \n\n"
        "## 2026-06-30\n\n- **Re-generated** things.\n"
    )
    (root / "log.md").write_text(original, encoding="utf-8")
    append_log(root, date(2026, 7, 2), ["**Update**: new day."])
    append_log(root, date(2026, 7, 1), ["**Update**: same day."])
    text = (root / "log.md").read_text(encoding="utf-8")
    assert text.startswith(
        "---\ntype: Log\ntitle: History\n---\n\n# Bundle history\n\n## 2026-07-02\n"
    )
    assert "- **Verified** everything.   \n* **Update**: same day.\n\n## 2026-06-30" in text
    assert text.endswith("## 2026-06-30\n\n- **Re-generated** things.\n")


def test_log_in_a_subdirectory_and_empty_entries(tmp_path: Path) -> None:
    root = tmp_path / "b"
    root.mkdir()
    append_log(root, date(2026, 1, 1), [])
    assert not (root / "log.md").exists()
    append_log(root, date(2026, 1, 2), ["multi\nline entry"], directory="tables")
    assert (root / "tables" / "log.md").read_text(encoding="utf-8") == (
        "# Update Log\n\n## 2026-01-02\n* multi line entry\n"
    )


def test_parallel_metadata_read_matches_serial(tmp_path: Path) -> None:
    from dossier.okf.index import read_entries

    bundle = make(tmp_path)
    for n in range(250):
        add(bundle, f"bulk/c{n:03d}", "Note", f"C{n}", f"Concept {n}.")
    tree = bundle.tree()
    assert read_entries(tree, workers=2) == read_entries(tree, workers=1)
    assert len(read_entries(tree, workers=2)) == 255


def test_an_index_written_by_others_keeps_every_line_and_gains_what_it_lacks(
    tmp_path: Path,
) -> None:
    bundle = Bundle(tmp_path)
    for cid, type_ in (("tables/orders", "Table"), ("tables/users", "Table"),
                       ("tables/rev", "Metric")):
        bundle.write(ConceptDocument(cid, {"type": type_, "title": cid[7:].title(),
                                           "description": "d"}, "x\n"))
    theirs = "# Our tables\n\nWhat we keep.\n\n* [Orders, by us](/tables/orders.md) - ours\n"
    (tmp_path / "tables").joinpath("index.md").write_text(theirs, encoding="utf-8")
    generate_indexes(bundle, foreign=lambda rel, data, ours: rel == "tables/index.md")
    merged = (tmp_path / "tables" / "index.md").read_text(encoding="utf-8")
    assert merged.startswith(theirs)  # the author's lines, byte for byte and first
    assert "* [Users](users.md) - d" in merged and "* [Rev](rev.md) - d" in merged
    assert merged.count("orders.md") == 1  # already listed (absolute form): not repeated
    # Nothing to add: the bytes stay as they are.
    before = merged
    generate_indexes(bundle, foreign=lambda rel, data, ours: rel == "tables/index.md")
    assert (tmp_path / "tables" / "index.md").read_text(encoding="utf-8") == before
    # Without the foreign verdict the loop's own index is regenerated whole.
    generate_indexes(bundle)
    assert "Our tables" not in (tmp_path / "tables" / "index.md").read_text(encoding="utf-8")


def test_the_ownership_verdict_sees_the_bytes_that_are_merged(tmp_path: Path) -> None:
    """The bytes that decide whose an index is are the ones the new text is built from:
    an author's index is merged into from exactly what was judged, the loop's own is left
    alone when its rendering is unchanged, and a second run writes nothing."""
    bundle = make(tmp_path)
    generate_indexes(bundle)
    theirs = "# Our tables\n\n* [Orders](orders.md) - ours\n"
    (bundle.root / "tables" / "index.md").write_text(theirs, encoding="utf-8")
    own = {rel: (bundle.root / rel).read_bytes() for rel in ("index.md", "metrics/index.md")}
    seen: dict[str, bytes] = {}

    def foreign(rel: str, data: bytes, ours: bytes) -> bool:
        seen[rel] = data
        return rel == "tables/index.md"

    written = generate_indexes(bundle, foreign=foreign)
    assert [p.relative_to(bundle.root).as_posix() for p in written] == ["tables/index.md"]
    assert seen["tables/index.md"] == theirs.encode("utf-8")
    assert {rel: seen[rel] for rel in own} == own  # the loop's own, judged on their bytes
    merged = (bundle.root / "tables" / "index.md").read_text(encoding="utf-8")
    assert merged.startswith(theirs) and "customers.md" in merged
    assert merged.count("orders.md") == 1
    assert generate_indexes(bundle, foreign=foreign) == []
    assert (bundle.root / "tables" / "index.md").read_text(encoding="utf-8") == merged


def test_each_existing_index_is_read_once_when_ownership_is_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Performance guard, not behaviour (that is the test above): each existing index is
    read once per run, for the verdict and the merge both, never a second time to write.
    It counts ``Path.read_bytes`` calls, so a change in how indexes are read may need it
    updated."""
    bundle = make(tmp_path)
    generate_indexes(bundle)
    theirs = "# Our tables\n\n* [Orders](orders.md) - ours\n"
    (bundle.root / "tables" / "index.md").write_text(theirs, encoding="utf-8")
    reads: Counter[str] = Counter()
    real = Path.read_bytes

    def counting(self: Path) -> bytes:
        if self.name == "index.md":
            reads[self.relative_to(bundle.root).as_posix()] += 1
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    generate_indexes(bundle, foreign=lambda rel, data, ours: rel == "tables/index.md")
    monkeypatch.undo()
    assert reads and set(reads.values()) == {1}, reads
