"""Developer sessions: tests, lint, typecheck, bench.

Each session installs Dossier with its dev extra into nox's own virtualenv, so the
sessions exercise the package as a user installs it.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (the same command CI runs)."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    session.install("ruff")
    session.run("ruff", "check", "dossier", "tests", "benchmarks", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Mypy (strict) on the package."""
    session.install("-e", ".[dev]")
    session.run("mypy", "dossier")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: median timings printed as a table (not timed tests)."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "benchmarks", *session.posargs)
