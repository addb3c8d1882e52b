"""A README or index file is titled by what it describes, never "README".

Such a file without a title heading used to become a concept titled after its file name;
now its first heading names it, else the folder it sits in.  End to end through ingest.
"""

from __future__ import annotations

from pathlib import Path

from dossier.evals.pipeline import extract_folder

CLUB = Path(__file__).parent / "fixtures" / "club_committee"


def _titles(folder: Path) -> set[str]:
    return {c.title for c in extract_folder(folder)[1]}


def test_a_readme_without_a_heading_is_titled_after_its_folder() -> None:
    titles = _titles(CLUB)
    assert "Club committee" in titles
    assert not {t for t in titles if t.lower() in ("readme", "readme.md")}


def test_an_index_file_takes_its_first_heading_or_its_folder_name(tmp_path: Path) -> None:
    shelf = tmp_path / "seed_library"
    shelf.mkdir()
    (shelf / "INDEX.md").write_text(
        "Packets are sorted by sowing month and kept in the tin under the bench.\n"
        "Borrowers note the packet and return saved seed in autumn.\n", encoding="utf-8")
    tools = tmp_path / "tool-shed"
    tools.mkdir()
    (tools / "index.md").write_text(
        "## What lives in the shed\n\nSpades, forks and the shared wheelbarrow, signed out on"
        " the clipboard by the door and back by dusk.\n", encoding="utf-8")
    titles = _titles(tmp_path)
    assert {"Seed library", "What lives in the shed"} <= titles
    assert not {t for t in titles if t.lower() in ("index", "index.md")}


def test_a_readme_of_peer_sections_is_titled_after_its_folder(tmp_path: Path) -> None:
    """"## Install" and "## Usage" are parts of the README: neither names what it describes."""
    widget = tmp_path / "widget-press"
    widget.mkdir()
    (widget / "README.md").write_text(
        "The widget press stamps brackets from sheet steel for the assembly line.\n\n"
        "## Install\n\nBolt the press to the floor plate and connect the air line.\n\n"
        "## Usage\n\nFeed one sheet at a time and keep both hands on the guards.\n",
        encoding="utf-8")
    whole = [c for c in extract_folder(tmp_path)[1] if "stamps brackets" in c.body]
    assert [c.title for c in whole] == ["Widget press"]
