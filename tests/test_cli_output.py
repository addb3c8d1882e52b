"""What the CLI prints is the user's text as written: no markup parsing, no terminal control.

Tenant names, paths, file names and queries come from clients' material and from manifests
restored from archives; none of it may be parsed as rich markup or reach the terminal as a
control sequence.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from dossier.cli import output
from dossier.serve.errors import SEMANTIC_INSTALL_HINT
from dossier.textsafe import neutralize
from tests.runtime.helpers import cli, write_corpus

HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07\u202eexe.txt\u202c\x9b"


def _no_raw_controls(text: str) -> None:
    for char in ("\x1b", "\x07", "\u202e", "\u202c", "\x9b"):
        assert char not in text, repr(text)


def test_markup_in_a_tenant_id_is_printed_not_parsed() -> None:
    result = cli("tenants", "show", "x[/]")
    assert result.exit_code == 2  # a malformed id is a usage error, not a crash
    assert "x[/]" in result.stderr


def test_markup_in_a_validate_path_is_printed_not_parsed(tmp_path: Path) -> None:
    missing = tmp_path / "no[/]such"
    result = cli("validate", str(missing))
    assert result.exit_code == 2
    assert "no[/]such" in result.stderr


def test_the_missing_extra_hint_keeps_its_brackets(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()
    twin = output.SafeConsole(file=buffer, highlight=False, markup=False)
    monkeypatch.setattr(output, "err_console", twin)
    output.print_error(f"semantic search needs an extra: {SEMANTIC_INSTALL_HINT}")
    assert "dossier[semantic]" in buffer.getvalue()


def test_neutralize_shows_controls_and_bidi_as_escapes() -> None:
    shown = neutralize(HOSTILE + "\ttab\nline")
    _no_raw_controls(shown)
    assert "\\x1b" in shown and "\\u202e" in shown and "\\x9b" in shown
    assert "\ttab\nline" in shown  # tab and newline are layout, kept


def test_tenants_show_neutralizes_a_hostile_name(tmp_path: Path) -> None:
    root = tmp_path / "t"
    assert cli("provision", "acme", "--root", str(root), "--name", HOSTILE).exit_code == 0
    result = cli("tenants", "show", "acme", "--root", str(root))
    assert result.exit_code == 0
    _no_raw_controls(result.stdout)
    assert "\\x1b" in result.stdout
    listing = cli("tenants", "list", "--root", str(root))
    _no_raw_controls(listing.stdout)


def test_skip_lines_neutralize_hostile_file_names(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c", {"notes.md": "# Notes\n\nPlain text.\n"})
    try:
        (corpus / f"{HOSTILE}.bin").write_bytes(b"\x00\x01\x02 binary")
    except OSError:
        pytest.skip("this filesystem refuses control characters in names")
    root = tmp_path / "t"
    assert cli("provision", "acme", "--root", str(root), "--source", str(corpus)).exit_code == 0
    result = cli("run-loop", "acme", "--root", str(root))
    assert result.exit_code == 0
    assert "skipped" in result.stdout
    _no_raw_controls(result.stdout + result.stderr)


def test_a_safe_console_still_styles_its_own_labels() -> None:
    console = output.SafeConsole(
        file=io.StringIO(), force_terminal=True, markup=False, highlight=False
    )
    console.print(output.styled("failed", "red"), "plain [red]text[/]")
    rendered = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[31mfailed" in rendered  # the label is styled
    assert "plain [red]text[/]" in rendered  # user text is not parsed
    assert isinstance(console, Console)


def test_history_of_an_unknown_concept_is_an_error(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c", {"notes.md": "# Notes\n\nPlain text.\n"})
    root = tmp_path / "t"
    cli("provision", "acme", "--root", str(root), "--source", str(corpus))
    assert cli("run-loop", "acme", "--root", str(root)).exit_code == 0
    result = cli("history", "acme", "--concept", "glossary/nope", "--root", str(root))
    assert result.exit_code == 1
    assert "glossary/nope" in result.stderr


def test_validate_on_a_tenant_folder_points_at_its_bundle(tmp_path: Path) -> None:
    root = tmp_path / "t"
    cli("provision", "acme", "--root", str(root))
    result = cli("validate", str(root / "acme"))
    assert result.exit_code == 2
    assert str(root / "acme" / "bundle") in result.stderr
    assert cli("validate", str(root / "acme" / "bundle")).exit_code == 0
