"""A failed or rejected iteration puts back even a file git's stat check cannot tell apart.

A file rewritten in the second its index entry was recorded, with the same size (and,
after an atomic rename, often the same inode), matches the entry's stat data.  Git
then compares content only because the entry is not older than the index file.  The
loop's private copies of the index must keep that mtime, or such a rewrite (CI saw
it with the ledger, rewritten by a rejected iteration within the second of the
previous commit) is taken as unchanged and never put back.

``core.checkStat=minimal`` (whole-second mtime and size only) stands in for a
filesystem that hands back the same inode and second, so the case does not depend
on timing.
"""

from __future__ import annotations

import os
from pathlib import Path

from dossier.runtime.preimage import Preimage
from dossier.tenancy import TenantContext
from tests.runtime.helpers import cli, git

SECOND = 1_700_000_000  # a whole second in the past, shared by entry, file and index


def _tenant(tmp_path: Path) -> TenantContext:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# Zebra Handbook\n\nZebras sleep standing up.\n")
    root = tmp_path / "tenants"
    assert cli("provision", "zoo", "--root", str(root), "--source", str(corpus)).exit_code == 0
    ctx = TenantContext.at(root, "zoo")
    git(ctx.path, "config", "core.checkStat", "minimal")
    git(ctx.path, "config", "core.trustctime", "false")
    return ctx


def _racy(ctx: TenantContext, rel: str, data: bytes) -> Path:
    """``rel`` holds ``data``, staged with an entry as old as the index file itself."""
    path = ctx.path / rel
    path.write_bytes(data)
    os.utime(path, (SECOND, SECOND))
    git(ctx.path, "add", "--", rel)
    stamp = SECOND * 1_000_000_000 + 500_000_000
    os.utime(ctx.git_dir / "index", ns=(stamp, stamp))
    return path


def _rewrite_within_the_second(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    os.utime(path, (SECOND, SECOND))


def test_a_same_size_rewrite_in_the_entrys_second_is_put_back(tmp_path: Path) -> None:
    ctx = _tenant(tmp_path)
    before, after = b"a" * 41 + b"\n", b"b" * 41 + b"\n"
    path = _racy(ctx, "runs/written-by-the-loop.tsv", before)

    preimage = Preimage(ctx).take()
    _rewrite_within_the_second(path, after)
    assert preimage.changed("runs") == ["runs/written-by-the-loop.tsv"]
    put_back = preimage.restore()
    preimage.discard()

    assert "runs/written-by-the-loop.tsv" in put_back
    assert path.read_bytes() == before


def test_the_real_index_keeps_its_racy_guard_after_a_restore(tmp_path: Path) -> None:
    """Restoring the real index keeps its mtime: git still checks that entry by content."""
    ctx = _tenant(tmp_path)
    path = _racy(ctx, "bundle/notes.md", b"x" * 20 + b"\n")

    preimage = Preimage(ctx).take()
    (ctx.path / "bundle" / "new.md").write_text("added by the iteration\n")
    git(ctx.path, "add", "--", "bundle/new.md")  # the iteration touched the real index
    preimage.restore()
    preimage.discard()

    _rewrite_within_the_second(path, b"y" * 20 + b"\n")
    # worktree against index: git sees the rewrite only by comparing content
    changed = git(ctx.path, "diff", "--name-only", "--", "bundle/notes.md").split()
    assert changed == ["bundle/notes.md"]
