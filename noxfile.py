"""Developer sessions: tests, lint, typecheck, bench, lock.

Each session installs Dossier with its dev extra into nox's own virtualenv, constrained by the
committed lock (``constraints.txt``), so the sessions exercise the package as CI installs it.
"""

from __future__ import annotations

import re
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

LOCK = Path(__file__).parent / "constraints.txt"
#: Every extra, so the lock pins what any install of Dossier can pull in.
ALL_EXTRAS = ".[dev,semantic,claude,agent]"


def _install(session: nox.Session, target: str) -> None:
    session.install("-c", str(LOCK), "-e", target)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (the same command CI runs)."""
    _install(session, ".[dev,claude,agent]")
    session.run("python", "-m", "pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    _install(session, ".[dev]")
    session.run("ruff", "check", "dossier", "tests", "benchmarks", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Mypy (strict) on the package."""
    _install(session, ".[dev]")
    session.run("mypy", "dossier")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: median timings printed as a table (not timed tests)."""
    _install(session, ".[dev]")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session(reuse_venv=False)
def lock(session: nox.Session) -> None:
    """Refresh ``constraints.txt``: resolve every extra afresh and pin what was installed.

    Local version labels (``torch==2.13.0+cpu``) are dropped, so the pin matches the same
    release from any index (``==2.13.0`` accepts ``2.13.0+cpu``).
    """
    session.install("-e", ALL_EXTRAS)
    frozen = session.run(
        "python", "-m", "pip", "freeze", "--exclude-editable", silent=True
    )
    assert isinstance(frozen, str)
    pins = sorted(
        (re.sub(r"\+[A-Za-z0-9.]+$", "", line.strip()) for line in frozen.splitlines()
         if "==" in line and not line.startswith("#")),
        key=str.lower,
    )
    header = (
        "# The lock: exact versions CI tests with. Every install in the README and .ci/run\n"
        "# passes `-c constraints.txt`. Refresh with `nox -s lock` (see docs/decisions/0005).\n"
    )
    LOCK.write_text(header + "\n".join(pins) + "\n", encoding="utf-8")
    session.log(f"wrote {len(pins)} pins to {LOCK.name}")
