"""A GNU-style plain-text NEWS file is a changelog: outline headings are releases and labels.

Found on real NEWS files nobody here wrote (gzip, grep, sed, coreutils as Debian ships
them): "* Noteworthy changes in release 1.12 (2022-04-07) [stable]" was no release line
(an outline "*" and words before the version), so each file of dozens of releases became
one Topic.  The fixture is written for this test in that style.
"""

from __future__ import annotations

from pathlib import Path

from dossier.evals.pipeline import extract_folder

NEWS = """Tidegauge NEWS                                    -*- outline -*-

* Noteworthy changes in release 2.4 (2025-03-02) [stable]

** Bug fixes

  'tidegauge -l' no longer misreports heights above 10 metres.
  [bug introduced in tidegauge-2.1]

  The logger now names the input file on error.

** Changes in behavior

  'tidegauge --raw' prints samples without smoothing.


* Noteworthy changes in release 2.3 (2024-11-20) [stable]

** New features

  The new --station option selects one gauge of a harbour.


* Noteworthy changes in release 2.2 (2024-06-01) [beta]

** Bug fixes

  Leap seconds no longer shift the tide table by a second.
"""


def test_outline_news_is_cut_into_releases_under_their_labels(tmp_path: Path) -> None:
    (tmp_path / "NEWS").write_text(NEWS, encoding="utf-8")
    concepts = {c.title: c for c in extract_folder(tmp_path)[1]}
    releases = {t: c for t, c in concepts.items() if c.type == "Release"}
    assert set(releases) == {"Release 2.4 (2025-03-02) [stable]",
                             "Release 2.3 (2024-11-20) [stable]",
                             "Release 2.2 (2024-06-01) [beta]"}
    latest = releases["Release 2.4 (2025-03-02) [stable]"]
    assert "2.4" in latest.aliases
    assert "## Bug fixes" in latest.body and "## Changes in behavior" in latest.body
    assert "** " not in latest.body
    assert "heights above 10 metres" in latest.body
    assert "--station" not in latest.body  # 2.3's change stays in 2.3


def test_a_bullet_naming_a_version_is_no_release(tmp_path: Path) -> None:
    """Only release wording makes an outline star a release: "* Drop support for Python
    version 2.7" in a Markdown changelog is one of its items."""
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## 3.0.0\n\n* Drop support for Python version 2.7\n"
        "* Bump requests to version 2.31.0\n\nPython version 3.11 is required now.\n\n"
        "## 2.9.0\n\n* Fix a crash.\n\n## 2.8.0\n\n* Add a flag.\n", encoding="utf-8")
    releases = sorted(c.title for c in extract_folder(tmp_path)[1] if c.type == "Release")
    assert releases == ["Release 2.8.0", "Release 2.9.0", "Release 3.0.0"]
