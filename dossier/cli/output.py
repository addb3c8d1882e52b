"""Shared rendering helpers for CLI commands: errors to stderr, JSON to stdout.

Everything the CLI prints passes through one of the two consoles below, and both
treat text as text: console markup is off, so a tenant name, path or query such as
``x[/]`` prints as written instead of being parsed as a style tag, and every control
character or bidi override is shown as a visible escape instead of reaching the
terminal (where it could move the cursor, recolour the screen or reorder what the
user reads).  Styled words are built with :func:`styled` as :class:`rich.text.Text`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from dossier.errors import DossierError
from dossier.textsafe import neutralize

P = ParamSpec("P")
R = TypeVar("R")


class SafeConsole(Console):
    """A console that shows control characters and bidi overrides as escapes."""

    def render_str(self, text: str, *args: Any, **kwargs: Any) -> Text:
        """Neutralize the text before rich parses it (every printed str comes here)."""
        return super().render_str(neutralize(text), *args, **kwargs)


def styled(word: str, style: str) -> Text:
    """A styled label (``skipped``, ``failed``...) to print beside plain text."""
    return Text(word, style=style)


#: Console for human output on stdout; errors go to a separate stderr console.
console = SafeConsole(highlight=False, soft_wrap=True, markup=False, emoji=False)
err_console = SafeConsole(stderr=True, highlight=False, soft_wrap=True, markup=False,
                          emoji=False)


def print_error(message: str) -> None:
    """Print a one-line error for a foreseeable failure (no traceback)."""
    err_console.print(styled("error:", "bold red"), message)


def print_json(data: Any) -> None:
    """Write machine-readable output: stable key order, UTF-8, one document.

    JSON escapes control characters itself; bidi overrides are kept, since a script
    reading the output needs the exact value.
    """
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str, ensure_ascii=False))
    sys.stdout.write("\n")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command so a DossierError becomes a message and its exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DossierError as exc:
            print_error(str(exc))
            raise typer.Exit(exc.exit_code) from None

    return wrapper
