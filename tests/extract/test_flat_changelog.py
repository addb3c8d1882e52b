"""A plain-text changelog (no Markdown headings) end to end: entries, aliases, citations, search.

The fixture ``fixtures/flat/NEWS`` is written for this test in a style none of the
dev-pack changelogs use: ``Version X (date)`` lines, ``Fixed:``/``Added:`` labels,
``!NNN`` merge-request numbers and hanging indents.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from dossier.cli import app

FIXTURE = Path(__file__).parent / "fixtures" / "flat"


def _concepts(bundle: Path) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for path in sorted(bundle.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---"):
            continue
        front = yaml.safe_load(text.split("---", 2)[1])
        front["_body"] = text.split("---", 2)[2]
        if "title" in front:
            out[str(front["title"])] = front
    return out


def _lines(source: dict[str, object]) -> tuple[int, int]:
    match = re.search(r"#L(\d+)(?:-L(\d+))?$", str(source["resource"]))
    assert match, source
    return int(match.group(1)), int(match.group(2) or match.group(1))


def test_plain_text_changelog_is_cut_into_entries_joined_to_their_identifiers(
        tmp_path: Path) -> None:
    runner = CliRunner()
    root = str(tmp_path / "ws")
    made = runner.invoke(app, ["provision", "tide", "--source", str(FIXTURE), "--root", root])
    assert made.exit_code == 0, made.output
    ran = runner.invoke(app, ["run-loop", "tide", "--root", root])
    assert ran.exit_code == 0, ran.output
    concepts = _concepts(tmp_path / "ws" / "tide" / "bundle")

    # each version is a Release, aliased by its bare number, cited entry by entry
    release = concepts["Version 3.2.0 (2025-04-14)"]
    assert release["type"] == "Release" and "3.2.0" in release["aliases"]
    spans = sorted(_lines(s) for s in release["sources"])
    assert (5, 9) in spans and (10, 11) in spans and (13, 14) in spans and (15, 15) in spans
    assert all(end - start < 6 for start, end in spans)
    assert "## Fixed" in str(release["_body"]) and "## Added" in str(release["_body"])
    assert release["description"] == "4 changes: Fixed, Added."

    # "TWS-88: Moon phase drift" is one concept titled by its name, the identifier an alias
    drift = concepts["Moon phase drift"]
    assert drift["aliases"] == ["TWS-88"]
    assert [_lines(s) for s in drift["sources"]] == [(5, 9)]
    # a later mention of TWS-71 links to the entry that named it, not to a new stub
    upload = concepts["Unbounded station list upload"]
    assert "TWS-71" in upload["aliases"]
    assert not [t for t in concepts if t.startswith("TWS-")]
    removed = concepts["Version 3.0.0 (2024-06-20)"]
    assert re.search(r"\[TWS-71\]\([^)]*unbounded-station-list-upload", str(removed["_body"]))

    # issue numbers wrapped onto the next line ("!176 !177 ..") belong to the entry below
    oldest = concepts["Version 3.0.0 (2024-06-20)"]
    assert sorted(_lines(s) for s in oldest["sources"])[-1] == (33, 34)

    # a component the entries are filed under, and an option an entry adds
    assert concepts["tideq"]["type"] == "System"
    assert concepts["--datum"]["type"] == "Glossary Term"

    # a question about one entry's content finds that entry, cited by its own lines
    asked = runner.invoke(app, ["search", "tide", "why did predictions slip near the equinox",
                                "--root", root, "--json", "--limit", "3"])
    assert asked.exit_code == 0, asked.output
    hits = json.loads(asked.stdout)
    assert any("nine minutes" in hit["snippet"] and hit["citation"]["line_start"] == 5
               for hit in hits), hits


def test_a_log_keyed_by_dates_is_cut_into_dated_groups_and_their_entries(tmp_path: Path) -> None:
    runner = CliRunner()
    root = str(tmp_path / "ws")
    made = runner.invoke(app, ["provision", "tide", "--source", str(FIXTURE / "client"),
                               "--root", root])
    assert made.exit_code == 0, made.output
    assert runner.invoke(app, ["run-loop", "tide", "--root", root]).exit_code == 0
    concepts = _concepts(tmp_path / "ws" / "tide" / "bundle")
    group = concepts["2025-01-20 Ravi Okoro"]
    assert group["aliases"] == ["2025-01-20"]
    assert sorted(_lines(s) for s in group["sources"]) == [(8, 9), (10, 10)]
    assert "ravi@example.org" not in str(group["_body"])
    # the log itself lists its dated groups, each line citing that group's first line
    log = concepts["ChangeLog"]
    assert sorted(_lines(s) for s in log["sources"]) == [(1, 1), (6, 6), (12, 12)]


def test_release_lines_make_a_changelog_of_a_file_not_named_like_one() -> None:
    from extract_helpers import make_doc, run

    text = "Tideq service\n\n" + "\n".join(
        f"Release 1.{minor}.0 (2024-0{minor}-01)\n  - Tidied the harbour list number {minor}.\n"
        for minor in range(5, 0, -1))
    concepts = run([make_doc("tideq", text, path="/corpus/tideq.txt")])
    releases = [c for c in concepts if c.type == "Release"]
    assert len(releases) == 5 and "1.3.0" in releases[2].aliases
    # numbered sections ("2.1 Scope") are no releases
    numbered = "# Guide\n\n" + "\n".join(
        f"## 2.{n} Part {n}\n\nText about part {n} of the guide.\n" for n in range(1, 7))
    assert not [c for c in run([make_doc("guide", numbered)]) if c.type == "Release"]


def test_bracketed_versions_one_concept_per_identifier_and_no_link_definitions() -> None:
    from extract_helpers import make_doc, run

    text = "\n".join([
        "# Changelog", "", "## [Unreleased]", "### Added", "- Quiet mode for imports.", "",
        "## [2.1.0] - 2024-05-02", "### Added", "- KX-142: Harbour scoring",
        "  Scores each harbour from depth and traffic.", "### Fixed",
        "- Duplicate gauges when two imports overlap (#88).", "",
        "## [2.0.0] - 2024-03-11", "### Changed", "- KX-142 weights are configurable.", "",
        "## [1.9.0] - 2024-01-15", "### Added", "- First public release.", "",
        "[2.1.0]: https://example.com/compare/v2.0.0...v2.1.0", ""])
    concepts = run([make_doc("changelog", text, path="/corpus/CHANGELOG.md")])
    titles = {c.title: c for c in concepts}
    assert {"Unreleased", "Release 2.1.0 - 2024-05-02", "Release 1.9.0 - 2024-01-15"} <= set(titles)
    scoring = [c for c in concepts if "KX-142" in c.aliases]
    assert [c.title for c in scoring] == ["Harbour scoring"]
    oldest = titles["Release 1.9.0 - 2024-01-15"]
    assert "example.com" not in oldest.body and [(s.start, s.end) for s in oldest.sources] == [
        (20, 20)]
