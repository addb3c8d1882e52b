"""The CLI starts, explains itself and reports its version."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from dossier import __version__
from dossier.cli import app


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from dossier.cli import app;"
        "heavy = [m for m in ('lancedb', 'anthropic', 'mcp', 'torch') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_shell_completion_is_offered() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "--install-completion" in result.output
    assert "--show-completion" in result.output


def test_transport_is_offered_as_a_choice() -> None:
    result = CliRunner().invoke(app, ["serve-mcp", "acme", "--transport", "bogus"])
    assert result.exit_code == 2
    assert "streamable-http" in result.output


def _command_paths() -> list[list[str]]:
    import click
    import typer

    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(command: click.Command, prefix: list[str]) -> None:
        paths.append(prefix)
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*prefix, name])

    walk(root, [])
    return paths


def test_every_help_fits_the_terminal_and_keeps_its_words() -> None:
    """Help is plain text: brackets such as dossier[semantic] survive, lines fit 80 columns."""
    runner = CliRunner()
    for path in _command_paths():
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
        assert result.exit_code == 0, path
        for line in result.output.splitlines():
            assert len(line) <= 80, (path, line)
    eval_help = runner.invoke(app, ["eval", "--help"], env={"COLUMNS": "80"}).output
    assert "dossier[semantic]" in eval_help
