"""Changelog shapes found on a real file: bold lead-ins, titles ending in ")", version headings.

Found on a real changelog in Keep a Changelog style that nobody here wrote: a release said
"**Note**: …" and "**The following changes are also included**:", and each bold phrase
became a Topic of its own ("Note"); a release titled "0.28.0 (28th November, 2024)" was
linked as ``[Release 0.28.0 (28th November, 2024](…))``, its ")" outside the link.
The fixture is written for this test in that style.
"""

from __future__ import annotations

import re
from pathlib import Path

from dossier.evals.pipeline import extract_folder

CHANGELOG = """# Changelog

## 2.4.0 (3rd May, 2025)

**Note**: The 2.4.0 release should have been a major version, since the retry
settings moved to a new module.

**The following changes are also included**:

* The deprecated `timeout` argument has now been removed.
* Connection pools close idle sockets after thirty seconds.

## 2.3.1 (18th April, 2025)

* **Drop support for the legacy wire format** (#812)
* Fix a crash when the server closes a stream early.

## 2.3.0 (2nd March, 2025)

* Add HTTP/2 support behind the `http2` extra.
"""


def _concepts(tmp_path: Path) -> dict[str, tuple[str, str]]:
    (tmp_path / "CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
    return {c.title: (c.type, c.body) for c in extract_folder(tmp_path)[1]}


def test_a_bold_phrase_closed_by_a_colon_is_a_label_not_a_concept(tmp_path: Path) -> None:
    concepts = _concepts(tmp_path)
    assert "Note" not in concepts
    assert "The following changes are also included" not in concepts
    # the label heads its items inside the release, and the note stays there too
    release = next(body for title, (_, body) in concepts.items() if "2.4.0" in title)
    assert "## The following changes are also included" in release
    assert "should have been a major version" in release
    # a bold-led change without a colon is still a named change of its own
    assert "Drop support for the legacy wire format" in concepts


def test_a_link_to_a_title_ending_in_a_bracket_holds_the_whole_title(
        tmp_path: Path) -> None:
    concepts = _concepts(tmp_path)
    bodies = "\n".join(body for _, body in concepts.values())
    links = re.findall(r"\[([^\]]*\(\d[^\]]*)\]\(([^)]*)\)", bodies)
    assert links, "the changelog's overview links its releases"
    for text, _target in links:
        assert text.count("(") == text.count(")"), text


def test_a_version_heading_keeps_its_number_outside_a_changelog(tmp_path: Path) -> None:
    """"2.4.0 (3rd May, 2025)" is a version with its date, not section 2.4.0 titled "(…)"."""
    (tmp_path / "upgrade-notes.md").write_text(
        "# Upgrade notes\n\n## 2.4.0 (3rd May, 2025)\n\nThe retry settings moved to the "
        "transport module; update imports before upgrading.\n\n## 2.3.0 (2nd March, 2025)\n\n"
        "HTTP/2 support arrives behind the http2 extra, which needs the h2 package.\n",
        encoding="utf-8")
    titles = {c.title for c in extract_folder(tmp_path)[1]}
    assert "2.4.0 (3rd May, 2025)" in titles
    assert not [t for t in titles if t.startswith("(")]
