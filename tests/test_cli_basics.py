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
