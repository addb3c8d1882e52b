"""Links in the demo tenant repository open on a forge: a GitHub-rules link checker.

The checker is deliberately independent of Dossier's own link code, so it cannot
share a bug with it.  It follows the rules a forge applies to a repository:
a relative link resolves against the linking file's folder in the repository
tree, a leading ``/`` against the repository root (here the tenant folder, not
``bundle/``), and fragments such as ``#L1-L9`` are ignored.  Links inside code
are text.  Source citations (``sources[].resource`` in frontmatter) are checked
by the same rules, since they are paths people follow from the rendered page.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

import yaml

from tests.runtime.helpers import cli

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"(?<!\\)\[(?:[^\[\]\n]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")


def _tree(repo: Path) -> set[str]:
    """Every file and folder in the repository's committed tree (paths from its root)."""
    listed = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "-t", "--name-only", "HEAD"],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    return set(listed) | {""}


def _target(href: str, file: str) -> str | None:
    """Where ``href`` in ``file`` points in the tree (None: not a repository path)."""
    href = href.split("#", 1)[0].split("?", 1)[0]
    if not href or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", href) or href.startswith("//"):
        return None
    path = unquote(href)
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(
        posixpath.dirname(file), path)
    return posixpath.normpath(joined).strip("/") if joined else ""


def broken_links(repo: Path) -> list[tuple[str, str]]:
    """(file, href) for every link in a committed markdown file that names nothing."""
    tree = _tree(repo)
    broken: list[tuple[str, str]] = []
    checked = 0
    for file in sorted(p for p in tree if p.endswith(".md")):
        text = (repo / file).read_text(encoding="utf-8")
        hrefs: list[str] = []
        if text.startswith("---\n"):
            head, _, text = text[4:].partition("\n---\n")
            meta = yaml.safe_load(head)
            if isinstance(meta, dict):
                hrefs += [s["resource"] for s in meta.get("sources") or [] if "resource" in s]
        prose = _CODE.sub("", _FENCE.sub("", text))
        hrefs += _LINK.findall(prose)
        for href in hrefs:
            target = _target(href, file)
            if target is None:
                continue
            checked += 1
            if target.startswith("..") or target not in tree:
                broken.append((file, href))
    assert checked, "the checker found no links at all"
    return broken


def test_every_link_of_the_demo_tenant_opens_on_a_forge(tmp_path: Path) -> None:
    root = tmp_path / "tenants"
    result = cli("quickstart", "--root", str(root))
    assert result.exit_code == 0, result.output
    tenant = root / "acme"
    broken = broken_links(tenant)
    assert broken == [], f"{len(broken)} broken links, first: {broken[:5]}"


def test_the_checker_catches_what_a_forge_would_not_open(tmp_path: Path) -> None:
    """The checker itself: a bundle-absolute link in a tenant repository is broken."""
    repo = tmp_path / "repo"
    (repo / "bundle" / "systems").mkdir(parents=True)
    (repo / "bundle" / "systems" / "a.md").write_text(
        "See [b](/systems/b.md), [b](b.md#L1-L9) and `[x](/nowhere.md)`.\n", encoding="utf-8")
    (repo / "bundle" / "systems" / "b.md").write_text("[root](../../README.md)\n",
                                                      encoding="utf-8")
    (repo / "README.md").write_text("[a](/bundle/systems/a.md)\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-qm", "t"], check=True)
    assert broken_links(repo) == [("bundle/systems/a.md", "/systems/b.md")]
