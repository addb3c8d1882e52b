"""Shared rendering helpers for CLI commands: errors to stderr, JSON to stdout."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from dossier.errors import DossierError

P = ParamSpec("P")
R = TypeVar("R")

#: Console for human output on stdout; errors go to a separate stderr console.
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def print_error(message: str) -> None:
    """Print a one-line error for a foreseeable failure (no traceback)."""
    err_console.print(f"[bold red]error:[/] {message}", markup=True)


def print_json(data: Any) -> None:
    """Write machine-readable output: stable key order, UTF-8, one document."""
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
