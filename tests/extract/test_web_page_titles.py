"""A web page is titled by its own name, not by its ``<title>`` with the site's appended.

Found on a real HTML manual (texinfo output): every ``<title>`` read "Memory Usage
(libffi: the portable foreign function interface library)", so each page became a concept
with the site's name in its title, beside a second concept for the plain name other pages
mention.  The fixture is written for this test, end to end through ingest.
"""

from __future__ import annotations

from pathlib import Path

from dossier.evals.pipeline import extract_folder

SITE = "Widget: the stamping press manual"


def _page(title: str, body: str) -> str:
    return (f"<html><head><title>{title}</title></head><body>\n{body}\n</body></html>\n")


def test_site_names_leave_page_titles(tmp_path: Path) -> None:
    (tmp_path / "Memory-Usage.html").write_text(_page(
        f"Memory Usage ({SITE})",
        "<h2>3 Memory Usage</h2>\n<p>The press keeps every stamping profile in a fixed pool "
        "that the controller allocates once at start-up and never frees.</p>"),
        encoding="utf-8")
    (tmp_path / "Introduction.html").write_text(_page(
        f"Introduction ({SITE})",
        "<h2>1 What is the press?</h2>\n<p>The press stamps brackets from sheet steel; see "
        "Memory Usage for how it keeps its stamping profiles.</p>"), encoding="utf-8")
    (tmp_path / "install.html").write_text(_page(
        "Install — Widget 2.1 documentation",
        "<h1>Install</h1>\n<p>Bolt the press to the floor plate and connect the air line "
        "before the first stamping run.</p>"), encoding="utf-8")
    titles = sorted(c.title for c in extract_folder(tmp_path)[1])
    assert {"Memory Usage", "Introduction", "Install"} <= set(titles)
    assert not [t for t in titles if "Widget" in t]
    assert titles.count("Memory Usage") == 1
