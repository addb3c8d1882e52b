"""The tree an iteration found, kept as a git tree so a failed iteration can put it back.

A failed iteration must leave the tenant as it found it: no half-applied concept
files for search to serve, no snapshots of sources nothing was learned from.
"As it found it" is not HEAD: a person's uncommitted edit, or a new file they
have not committed yet, was there before the iteration and must still be there
after.  So before the first write, the loop records the loop-owned areas
(``bundle/``, ``sources/``, ``runs/``) exactly as they are — tracked, modified and
untracked files alike — as a git tree object built in a private index file (a
copy of the real index, mtime included (:mod:`dossier.tenancy.index_copy`), so
only files whose stat changed are hashed and none is trusted wrongly).  On
failure it builds the tree of what is there now, and for every path that differs
puts back the recorded blob (``git checkout-index`` from an index read from the
recorded tree) or
removes the file the iteration added.  The real index is put back too.

The recorded blobs are ordinary git objects: even a person's never-committed edit
is in the object store while the iteration runs.
"""

from __future__ import annotations

import contextlib
from pathlib import Path, PurePosixPath

from dossier.fsutil import prune_empty_dirs
from dossier.tenancy import TenantContext
from dossier.tenancy.git import add_pathspecs, run_git
from dossier.tenancy.index_copy import IndexCopy

#: What the loop writes in the working tree (relative to the tenant root).
AREAS = ("bundle", "sources", "runs")
_BEFORE = "loop-before.index"
_AFTER = "loop-after.index"
_CHUNK = 200


class Preimage:
    """The loop-owned part of the working tree as one iteration found it."""

    def __init__(self, ctx: TenantContext) -> None:
        self.ctx = ctx
        self.before_index = ctx.confine(ctx.cache_dir / _BEFORE)
        self.after_index = ctx.confine(ctx.cache_dir / _AFTER)
        self.real_index = ctx.git_dir / "index"
        self.saved_index: IndexCopy | None = None
        self.tree = ""
        self.areas: list[str] = []

    def take(self) -> Preimage:
        """Record the areas now (one ``git add -A`` and ``write-tree`` on a private index)."""
        self.ctx.cache_dir.mkdir(exist_ok=True)
        self.saved_index = IndexCopy.read(self.real_index)
        self.areas = [area for area in AREAS if (self.ctx.path / area).is_dir()]
        if self.areas:
            self.tree = self._tree_of_worktree(self.before_index)
        return self

    def _tree_of_worktree(self, index: Path) -> str:
        if self.saved_index is None:
            index.unlink(missing_ok=True)
        else:
            self.saved_index.write(index)
        env = {"GIT_INDEX_FILE": str(index)}
        specs = add_pathspecs(self.ctx.path, self.areas, extra_env=env)
        run_git(self.ctx.path, "add", "-A", "--", *specs, extra_env=env)
        return run_git(self.ctx.path, "write-tree", extra_env=env).stdout.strip()

    def changed(self, *areas: str) -> list[str]:
        """Paths under ``areas`` that differ now from when :meth:`take` recorded them."""
        wanted = [area for area in areas if area in self.areas]
        if not self.tree or not wanted:
            return []
        after = self._tree_of_worktree(self.after_index)
        diff = run_git(
            self.ctx.path, "diff-tree", "-r", "-z", "--name-only", "--no-renames",
            self.tree, after, "--", *wanted,
        ).stdout
        return sorted(p for p in diff.split("\x00") if p)

    def restore(self) -> list[str]:
        """Put every loop-owned path back as :meth:`take` found it; return those paths."""
        if not self.tree:
            return []
        if self.saved_index is not None:
            with contextlib.suppress(OSError):
                if self.real_index.read_bytes() != self.saved_index.data:
                    self.saved_index.write(self.real_index, durable=True)
        after = self._tree_of_worktree(self.after_index)
        diff = run_git(
            self.ctx.path, "diff-tree", "-r", "-z", "--no-renames", self.tree, after,
            "--", *self.areas,
        ).stdout
        put_back: list[str] = []
        added: list[str] = []
        fields = diff.split("\x00")
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            status = meta.split()[-1] if meta else ""
            if status == "A":
                added.append(path)
            elif status:
                put_back.append(path)
        for path in added:
            target = self.ctx.path / path
            if target.is_file() or target.is_symlink():
                target.unlink()
                # folders the iteration emptied go; the area itself (bundle/ ...) stays
                prune_empty_dirs(target.parent, self.ctx.path / PurePosixPath(path).parts[0])
        if put_back:
            # A fresh index read from the recorded tree carries no stat data, so
            # checkout-index writes every path: the recording index's stat data
            # could take a same-size rewrite in the same second for the original.
            env = {"GIT_INDEX_FILE": str(self.after_index)}
            run_git(self.ctx.path, "read-tree", self.tree, extra_env=env)
            for start in range(0, len(put_back), _CHUNK):
                run_git(self.ctx.path, "checkout-index", "-f", "--",
                        *put_back[start:start + _CHUNK], extra_env=env)
        return sorted([*added, *put_back])

    def discard(self) -> None:
        """Remove the private index files (the tree objects are left to git's gc)."""
        for index in (self.before_index, self.after_index):
            with contextlib.suppress(OSError):
                index.unlink()
