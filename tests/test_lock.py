"""The committed lock pins everything an install of Dossier can pull in (decision 0005)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"not an exact pin: {line!r}"
        pins[_name(name)] = version
    return pins


def test_every_declared_dependency_is_pinned_exactly() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared.extend(extra)
    pins = _pins()
    missing = sorted({_name(r) for r in declared} - set(pins))
    assert not missing, f"add these to constraints.txt with `nox -s lock`: {missing}"


def test_ci_and_readme_install_from_the_lock() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "-c constraints.txt" in ci
    assert readme.count("-c constraints.txt") >= 2


def test_the_readme_test_command_is_what_ci_runs() -> None:
    """CI installs every extra the tests exercise (both Claude paths included)."""
    ci = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line.startswith((".venv/", "python3 -m venv"))]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "    " + " && ".join(ci) + "\n" in readme
    assert "claude" in ci[1] and "agent" in ci[1]


def test_the_agent_sdk_is_an_extra_not_a_core_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "claude-agent-sdk" not in {_name(r) for r in project["dependencies"]}
    assert "claude-agent-sdk" in {_name(r) for r in project["optional-dependencies"]["agent"]}
    assert "claude-agent-sdk" in _pins()


def test_anthropic_is_an_extra_not_a_core_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "anthropic" not in {_name(r) for r in project["dependencies"]}
    assert "anthropic" in {_name(r) for r in project["optional-dependencies"]["claude"]}


def test_git_is_driven_through_the_cli_and_gitpython_is_not_a_dependency() -> None:
    """Decision 0001: git runs as a subprocess; GitPython (and what only it pulls in) is
    neither declared, pinned nor imported anywhere in the package."""
    import ast

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared.extend(extra)
    assert "gitpython" not in {_name(r) for r in declared}
    assert not {"gitpython", "gitdb", "smmap"} & set(_pins())
    for path in sorted((ROOT / "dossier").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""]
                     if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            assert not any(n == "git" or n.startswith("git.") for n in names), path
