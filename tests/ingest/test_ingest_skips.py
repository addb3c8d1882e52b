"""Nothing is dropped silently and nothing crashes: every refusal comes back with a reason."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dossier.ingest import ScanResult, Skip, SkipCode, load_file, scan_sources
from dossier.ingest.loaders import read_bytes

REPO_ROOT = Path(__file__).resolve().parents[2]


def _scan(tmp_path: Path, *locations: Path, max_bytes: int = 5 * 1024 * 1024) -> ScanResult:
    return scan_sources(
        list(locations),
        tmp_path / "t" / "sources",
        tmp_path / "t" / ".dossier",
        max_bytes=max_bytes,
    )


def _codes(result: ScanResult, root: Path) -> dict[str, str]:
    return {os.path.relpath(s.path, root): s.code for s in result.skipped}


def test_each_skip_reason_is_reported(tmp_path: Path) -> None:
    loc = tmp_path / "acme"
    loc.mkdir()
    (loc / "ok.md").write_text("# Fine\n")
    (loc / "blob.txt").write_bytes(b"header\x00\x01\x02 binary")
    (loc / "noext").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00")  # extensionless binary
    (loc / "big.md").write_text("x" * 2048)
    (loc / "latin.txt").write_bytes("Привет мир".encode("koi8-r"))
    (loc / "empty.md").write_bytes(b"")
    (loc / "blank.txt").write_text(" \n\t\n")
    (loc / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (loc / "archive.zip").write_bytes(b"PK\x03\x04")
    os.mkfifo(loc / "pipe.md")  # opening a FIFO would block: it must never be opened

    result = _scan(tmp_path, loc, max_bytes=1024)

    assert [d.original_path for d in result.new] == [str(loc / "ok.md")]
    assert _codes(result, loc) == {
        "blob.txt": SkipCode.BINARY,
        "noext": SkipCode.BINARY,
        "big.md": SkipCode.TOO_LARGE,
        "latin.txt": SkipCode.UNDECODABLE,
        "empty.md": SkipCode.EMPTY,
        "blank.txt": SkipCode.EMPTY,
        "photo.png": SkipCode.UNSUPPORTED,
        "archive.zip": SkipCode.UNSUPPORTED,
        "pipe.md": SkipCode.NOT_REGULAR,
    }
    reasons = {os.path.basename(s.path): s.reason for s in result.skipped}
    assert reasons["empty.md"] == "empty"
    assert reasons["big.md"] == "too large: 2048 bytes exceeds the cap of 1024 bytes"
    assert reasons["photo.png"] == "unsupported file type .png (image/png)"


def test_symlinks_outside_inside_broken_and_looping(tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("# Other client's notes\n")
    loc = tmp_path / "acme"
    (loc / "docs").mkdir(parents=True)
    (loc / "docs" / "real.md").write_text("# Real\n")
    (loc / "leak.md").symlink_to(outside)
    (loc / "leakdir").symlink_to(tmp_path)  # a folder outside: not walked
    (loc / "alias.md").symlink_to(loc / "docs" / "real.md")
    (loc / "again").symlink_to(loc)  # a loop through a folder link
    (loc / "dangling.md").symlink_to(loc / "nowhere.md")
    (loc / "ping").symlink_to(loc / "pong")
    (loc / "pong").symlink_to(loc / "ping")

    result = _scan(tmp_path, loc)

    assert [d.source_id for d in result.new] == ["acme/docs/real-md"]
    assert _codes(result, loc) == {
        "leak.md": SkipCode.SYMLINK_OUTSIDE,
        "leakdir": SkipCode.SYMLINK_OUTSIDE,
        "alias.md": SkipCode.SYMLINK_INSIDE,
        "again": SkipCode.SYMLINK_INSIDE,
        "dangling.md": SkipCode.SYMLINK_BROKEN,
        "ping": SkipCode.SYMLINK_LOOP,
        "pong": SkipCode.SYMLINK_LOOP,
    }
    assert all("Other client" not in d.text for d in result.new)


def test_hidden_and_junk_are_ignored_silently(tmp_path: Path) -> None:
    loc = tmp_path / "acme"
    for rel in (
        ".git/config",
        ".hidden.md",
        "node_modules/x/readme.md",
        "__pycache__/m.txt",
        ".obsidian/notes.md",
        "~$draft.docx",
        "notes.md~",
        "Thumbs.db",
        "desktop.ini",
    ):
        (loc / rel).parent.mkdir(parents=True, exist_ok=True)
        (loc / rel).write_text("hidden\n")
    (loc / "visible.md").write_text("# Visible\n")
    result = _scan(tmp_path, loc)
    assert [d.source_id for d in result.new] == ["acme/visible-md"]
    assert result.skipped == []


def test_unreadable_file_is_a_transient_skip(tmp_path: Path) -> None:
    dangling = tmp_path / "gone.md"
    dangling.symlink_to(tmp_path / "missing.md")
    skip = read_bytes(str(dangling), 1024)  # the open() failure branch, root or not
    assert isinstance(skip, Skip)
    assert (skip.code, skip.transient) == (SkipCode.UNREADABLE, True)
    direct = load_file(dangling)
    assert isinstance(direct, Skip) and direct.code == SkipCode.UNREADABLE


# Run as an unprivileged user: root reads files whatever their mode, so as root
# the scenario runs in a child process that drops to "nobody".
_LOCKED_SCENARIO = """
import json, sys
if sys.version_info < (3, 11):
    sys.exit(77)
from pathlib import Path
from dossier.ingest import apply_scan, scan_sources
base = Path(sys.argv[1])
loc, sources, cache = base / "acme", base / "t" / "sources", base / "t" / ".dossier"
loc.mkdir()
locked = loc / "locked.md"
locked.write_text("# Locked\\n")
(loc / "sub").mkdir()
(loc / "sub" / "inner.md").write_text("# Inner\\n")
apply_scan(scan_sources([loc], sources, cache), sources, cache)
locked.write_text("# Locked v2\\n")
locked.chmod(0)
(loc / "sub").chmod(0)
result = scan_sources([loc], sources, cache)
(loc / "sub").chmod(0o755)
print(json.dumps({"unchanged": result.unchanged, "removed": result.removed,
                  "changed": [d.source_id for d in result.changed],
                  "skipped": sorted([s.code, s.transient] for s in result.skipped)}))
"""


def test_permission_denied_keeps_the_previous_snapshot() -> None:
    base = Path(tempfile.mkdtemp(prefix="dossier-ingest-"))
    try:
        base.chmod(0o777)
        nobody = 65534 if os.geteuid() == 0 else None
        proc = None
        # The venv's interpreter may live under /root (unreachable for nobody); the
        # system one can run the ingest layer too, which needs only the stdlib.
        for interpreter in (sys.executable, "/usr/bin/python3"):
            try:
                proc = subprocess.run(
                    [interpreter, "-c", _LOCKED_SCENARIO, str(base)],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    cwd=base,
                    check=False,
                    env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
                    user=nobody,
                    group=nobody,
                )
            except (PermissionError, FileNotFoundError):
                continue
            break
        if proc is None or proc.returncode == 77:
            pytest.skip("no Python >= 3.11 that an unprivileged user can run")
        assert proc.returncode == 0, proc.stderr
        outcome = json.loads(proc.stdout)
    finally:
        for path in base.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(base)
    assert outcome == {
        "unchanged": ["acme/locked-md", "acme/sub/inner-md"],
        "removed": [],
        "changed": [],
        "skipped": [["unreadable", True], ["unreadable", True]],
    }


def test_a_registered_fifo_or_missing_path_does_not_crash(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = _scan(tmp_path, fifo, tmp_path / "not-there")
    assert [s.code for s in result.skipped] == [SkipCode.NOT_REGULAR]
    assert result.missing_locations == [str(tmp_path / "not-there")]
    assert isinstance(load_file(fifo), Skip)
