"""Git for one tenant repository, through the git CLI.

Why the CLI and not GitPython's ``repo.index``: its pure-Python index is ~7x slower
at 10,000 files.  Why every call carries ``GIT_DIR``/``GIT_WORK_TREE``/``GIT_INDEX_FILE``:
git otherwise discovers the repository by walking up from the working directory
and honours those variables from the environment (a git hook sets them), so a
tenant without a ``.git`` — or a Dossier started from a hook — could commit into
an enclosing repository.  Pinning them keeps every git call inside the tenant.

Why git runs with a scrubbed environment: git starts hooks and helpers with the
environment it was given, and a tenant's hooks are the tenant's, not Dossier's.
Dossier's process may hold secrets (``ANTHROPIC_API_KEY`` for a Claude extractor),
so every git child gets only an allow-list (:func:`child_env`): ``PATH``, ``HOME``,
``TZ``, the locale, the variables that choose git's config files, and the ``GIT_*``
variables Dossier sets itself.  Anything a parent git exported (``GIT_DIR``,
``GIT_OBJECT_DIRECTORY``...) is dropped with the rest, so it cannot redirect a call.
"""

from __future__ import annotations

import os
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dossier.tenancy.context import MANIFEST_NAME, TenantContext
from dossier.tenancy.errors import GitError
from dossier.tenancy.gitobjects import (
    RUN_ID_TRAILER,
    Iteration,
    NeedGit,
    parse_trailer_lines,
    read_ref,
)

if TYPE_CHECKING:  # only annotations here: the manifest's pydantic models stay unloaded
    from dossier.tenancy.manifest import CommitIdentity

DEFAULT_BRANCH = "main"
#: What a loop or ingest commit stages: the paths Dossier writes, nothing else.
#: ``evals/`` holds a tenant's gold file for extraction scoring.
OWNED_PATHS = ("bundle", "sources", "runs", "evals", MANIFEST_NAME, ".gitignore")
#: Index modes of regular files (``ls-files -s`` prints the mode first).
_REGULAR_MODES = ("100644 ", "100755 ")
#: git's defaults for gc.auto and gc.autoPackLimit (see ``maintenance_due``).
GC_AUTO_LOOSE = 6700
GC_AUTO_PACK_LIMIT = 50
_TRAILER_KEY_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_LOG_FORMAT = "%H%x1f%cI%x1f%s%x1f%(trailers:unfold,only)%x1e"
#: Variables passed from Dossier's environment to git (everything else is dropped).
_INHERITED_ENV = ("PATH", "HOME", "TZ", "LANG", "LANGUAGE", "TMPDIR", "SYSTEMROOT",
                  # which config files git reads: a person's isolation choice, no secrets
                  "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM")


@dataclass(frozen=True)
class GitResult:
    status: int
    stdout: str
    stderr: str


def git_env(worktree: Path) -> dict[str, str]:
    """The variables that pin a git call to the repository at ``worktree``."""
    return {
        "GIT_DIR": str(worktree / ".git"),
        "GIT_WORK_TREE": str(worktree),
        "GIT_INDEX_FILE": str(worktree / ".git" / "index"),
        "GIT_TERMINAL_PROMPT": "0",
    }


def child_env(worktree: Path, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The whole environment of a git child process: an allow-list, never ``os.environ``.

    ``LC_*`` pass too, but ``LC_ALL``/``LANGUAGE`` are ``C`` so git's messages (which
    errors quote) do not depend on the user's language.
    """
    env = {name: os.environ[name] for name in _INHERITED_ENV if name in os.environ}
    env.update({k: v for k, v in os.environ.items() if k.startswith("LC_")})
    env.update({"LC_ALL": "C", "LANGUAGE": "C"})
    env.update(git_env(worktree))
    if extra_env:
        env.update(extra_env)
    return env


def run_git(
    worktree: Path, *args: str, check: bool = True, extra_env: dict[str, str] | None = None
) -> GitResult:
    """Run ``git <args>`` in the repository at ``worktree``; GitError on failure when ``check``.

    Output is decoded as UTF-8 (undecodable bytes kept as surrogates) and one trailing
    newline is dropped, as callers have always received it.
    """
    try:
        done = subprocess.run(
            ["git", *args], cwd=worktree, env=child_env(worktree, extra_env),
            stdin=subprocess.DEVNULL, capture_output=True, check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH; Dossier needs the git CLI") from None
    status = done.returncode
    stdout = _decode(done.stdout)
    stderr = _decode(done.stderr)
    result = GitResult(status=status, stdout=stdout, stderr=stderr)
    if check and status != 0:
        raise GitError(
            f"git {args[0]} failed in {worktree} (exit {status}): "
            f"{(stderr or stdout).strip() or 'no output'}"
        )
    return result


def _decode(data: bytes) -> str:
    text = data.decode("utf-8", "surrogateescape")
    return text[:-1] if text.endswith("\n") else text


def _config_value(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class RepoSkeleton:
    """What ``git init`` wrote into ``.git`` on one filesystem: folders and small files.

    ``git init`` probes the filesystem (file modes, symlinks, case sensitivity) and
    records the answers in ``config``; every repository created under the same
    workspace root gets the same answers.  Replaying the captured skeleton saves
    one git process per provisioned tenant after the first.
    """

    dirs: tuple[str, ...]
    files: tuple[tuple[str, bytes], ...]

    @classmethod
    def capture(cls, git_dir: Path) -> RepoSkeleton:
        dirs: list[str] = []
        files: list[tuple[str, bytes]] = []
        for dirpath, dirnames, filenames in os.walk(git_dir):
            base = Path(dirpath)
            dirs.extend((base / d).relative_to(git_dir).as_posix() for d in sorted(dirnames))
            files.extend(((base / f).relative_to(git_dir).as_posix(), (base / f).read_bytes())
                         for f in sorted(filenames))
        return cls(dirs=tuple(dirs), files=tuple(files))

    def replay(self, git_dir: Path) -> None:
        git_dir.mkdir()
        for rel in self.dirs:
            (git_dir / rel).mkdir()
        for rel, data in self.files:
            (git_dir / rel).write_bytes(data)


def init_repo(
    worktree: Path, identity: CommitIdentity, skeleton: RepoSkeleton | None = None
) -> RepoSkeleton:
    """Make ``worktree`` a fresh repository on ``main`` with its own commit identity.

    ``git init`` runs without a template directory (no sample hooks to copy:
    faster, and nothing executable in a tenant) unless a ``skeleton`` captured from
    an earlier ``git init`` under the same root is given, which is replayed instead.
    The identity and ``commit.gpgsign=false`` are appended to the new config
    directly — one file write instead of three ``git config`` runs — so commits
    work on a machine with no global git identity.  Returns the skeleton to reuse.
    """
    if skeleton is None:
        run_git(worktree, "init", "-q", "-b", DEFAULT_BRANCH, "--template=")
        skeleton = RepoSkeleton.capture(worktree / ".git")
    else:
        skeleton.replay(worktree / ".git")
    write_repo_config(worktree, identity)
    return skeleton


def write_repo_config(worktree: Path, identity: CommitIdentity) -> None:
    """Append Dossier's settings to a freshly initialised repository's ``.git/config``.

    The commit identity (so commits work with no global git identity), no commit
    signing (no prompt, no agent), and the large-work-tree settings below.
    """
    block = (
        "[user]\n"
        f"\tname = {_config_value(identity.name)}\n"
        f"\temail = {_config_value(identity.email)}\n"
        "[commit]\n"
        "\tgpgsign = false\n"
        # A loop commit stages a bundle of up to ~10,000 files: the untracked cache
        # (no re-reading of unchanged folders) and the smaller v4 index make
        # `git add -A` + `git commit` cheaper there.
        "[core]\n"
        "\tuntrackedCache = true\n"
        "[index]\n"
        "\tversion = 4\n"
    )
    with open(worktree / ".git" / "config", "a", encoding="utf-8") as handle:
        handle.write(block)


def format_message(message: str, trailers: dict[str, str]) -> str:
    """The commit message: ``message``, a blank line, then one ``Key: value`` per trailer."""
    text = message.strip()
    if not text:
        raise GitError("a commit message must not be empty")
    if not trailers:
        return text + "\n"
    lines = []
    for key, value in trailers.items():
        if not key or not set(key) <= _TRAILER_KEY_CHARS or key.startswith("-"):
            raise GitError(f"invalid trailer key {key!r}: use letters, digits and '-'")
        if any(c in value for c in "\n\r\x00") or not value.strip():
            raise GitError(f"trailer {key!r} needs a non-empty single-line value")
        lines.append(f"{key}: {value.strip()}")
    return text + "\n\n" + "\n".join(lines) + "\n"


def _parse_log(output: str) -> list[Iteration]:
    iterations = []
    for record in output.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, date, summary, trailer_text = [*record.split("\x1f"), "", "", ""][:4]
        trailers = parse_trailer_lines(trailer_text)
        iterations.append(
            Iteration(
                sha=sha,
                date=date,
                run_id=trailers.get(RUN_ID_TRAILER),
                summary=summary,
                trailers=trailers,
            )
        )
    return iterations


def maintenance_due(git_dir: Path) -> bool:
    """Git's own ``gc --auto`` test, read from the object store without running git.

    Git estimates loose objects by sampling the ``objects/17`` bucket (more than
    ``gc.auto`` / 256 = 27 entries by default) and counts packs against
    ``gc.autoPackLimit`` (50).  Checking that here costs one directory scan instead
    of a ``git maintenance run --auto`` process after every commit.
    """
    threshold = -(-GC_AUTO_LOOSE // 256)
    try:
        loose = sum(1 for e in os.scandir(git_dir / "objects" / "17") if len(e.name) == 38)
    except FileNotFoundError:
        loose = 0
    if loose > threshold:
        return True
    try:
        packs = sum(1 for e in os.scandir(git_dir / "objects" / "pack")
                    if e.name.endswith(".pack"))
    except FileNotFoundError:
        packs = 0
    return packs > GC_AUTO_PACK_LIMIT


def _lstat_mode(path: Path) -> int:
    try:
        return os.lstat(path).st_mode
    except OSError:
        return 0


def add_pathspecs(
    worktree: Path, areas: list[str], extra_env: dict[str, str] | None = None
) -> list[str]:
    """Pathspecs for ``git add -A`` of ``areas`` that leave nested repositories out.

    An untracked folder holding a repository is listed by ``ls-files -o --directory``
    as ``dir/``; ``git add`` would record it as a gitlink, or fail outright on one
    without commits.  Every writer that stages tenant files (the loop's commit, its
    preimage, the eval gate) uses this, so none of them trips on one.
    """
    untracked = run_git(worktree, "ls-files", "-o", "--directory", "-z", "--exclude-standard",
                        "--", *areas, extra_env=extra_env).stdout
    nested = [
        f":(exclude,literal){entry.rstrip('/')}"
        for entry in untracked.split("\x00")
        if entry.endswith("/") and os.path.lexists(worktree / entry / ".git")
    ]
    return [*areas, *nested]


def stage_regular_files(
    worktree: Path, areas: list[str], extra_env: dict[str, str] | None = None
) -> None:
    """``git add -A`` of ``areas`` (nested repositories left out), then drop from the index
    every entry that is not a regular file, whether just added or tracked before.

    ``extra_env`` may name another index (``GIT_INDEX_FILE``): the eval gate builds its
    rejected commit this way, under exactly the rule of a loop commit.
    """
    if areas:
        run_git(worktree, "add", "-A", "--", *add_pathspecs(worktree, areas, extra_env),
                extra_env=extra_env)
    listing = run_git(worktree, "ls-files", "-s", "-z", extra_env=extra_env).stdout
    foreign = [
        entry.partition("\t")[2]
        for entry in listing.split("\x00")
        if entry and not entry.startswith(_REGULAR_MODES)
    ]
    if foreign:
        # -f: a nested repository tracked by older versions may have moved on since,
        # and a plain ``rm --cached`` refuses such an entry.
        run_git(worktree, "--literal-pathspecs", "rm", "-q", "--cached", "-f",
                "--ignore-unmatch", "--", *foreign, extra_env=extra_env)


class TenantRepo:
    """The git repository of one tenant.  Callers that mutate hold ``tenant_lock(ctx)``."""

    def __init__(self, ctx: TenantContext) -> None:
        ctx.check_directory()
        self.ctx = ctx
        self.path = ctx.path

    def require_repo(self) -> None:
        """Refuse a tenant whose ``.git`` is not a real directory of its own.

        A gitfile (``gitdir: ...``) or a symlink could point at another tenant's
        repository; a missing one would let git find an enclosing repository.  Checked
        at every use, so a ``.git`` swapped after the repo object was made is caught.
        """
        git_dir = self.ctx.git_dir
        if os.path.islink(git_dir) or (os.path.lexists(git_dir) and not git_dir.is_dir()):
            raise GitError(
                f"tenant {self.ctx.client_id!r}: {git_dir} is not a directory (a gitfile or "
                "symlink could point at another repository); refusing to use it"
            )
        if not git_dir.is_dir():
            raise GitError(f"tenant {self.ctx.client_id!r} has no git repository at {self.path}")

    def git(self, *args: str, check: bool = True) -> GitResult:
        """Run a git subcommand in this tenant's repository."""
        self.require_repo()
        return run_git(self.path, *args, check=check)

    def commit_all(self, message: str, trailers: dict[str, str] | None = None) -> str | None:
        """Stage what Dossier owns (:meth:`stage_owned`) and commit; the new sha or None.

        None means nothing changed.  Four git processes on the common path (``ls-files
        -o``, ``add``, ``ls-files -s``, ``commit``); the "nothing
        to commit" case is confirmed with ``diff --cached --quiet`` only after
        ``commit`` declined, and the new sha is read from ``.git`` without a third run.
        ``commit`` would also spawn ``git maintenance run --auto`` every time; that
        is switched off and run here only when :func:`maintenance_due` says git's
        own thresholds are reached.
        """
        text = format_message(message, trailers or {})
        self.stage_owned()
        result = self.git(
            "-c", "maintenance.auto=false",
            "commit", "-q", "--no-verify", "--cleanup=whitespace", "-m", text,
            check=False,
        )
        if result.status != 0:
            if self.git("diff", "--cached", "--quiet", check=False).status == 0:
                return None
            raise GitError(
                f"git commit failed in tenant {self.ctx.client_id!r}: "
                f"{(result.stderr or result.stdout).strip()}"
            )
        if maintenance_due(self.ctx.git_dir):
            self.git("maintenance", "run", "--auto", "--quiet")
        return self.head()

    def stage_owned(self) -> None:
        """Stage the paths Dossier owns, then drop every non-regular file from the index.

        Only :data:`OWNED_PATHS` are added: a scratch file a person left in the
        tenant folder, or a repository nested in it (which ``git add -A`` records as
        a gitlink), is never committed.  Then every index entry that is not a
        regular file — a symlink (to ``/etc/hostname``, to another tenant) or a
        gitlink — is removed from the index, whether it was just added or already
        tracked; the work-tree file itself is left alone.
        """
        self.require_repo()
        stage_regular_files(self.path, [n for n in OWNED_PATHS
                                         if os.path.lexists(self.path / n)])

    def head(self) -> str | None:
        """The sha HEAD points at, or None before the first commit."""
        try:
            return read_ref(self.ctx.git_dir)
        except NeedGit:
            result = self.git("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
            return result.stdout.strip() or None

    def _log(self, *args: str) -> list[Iteration]:
        if self.head() is None:
            return []
        return _parse_log(self.git("log", f"--format={_LOG_FORMAT}", *args).stdout)

    def iterations(self, limit: int | None = None, include_all: bool = False) -> list[Iteration]:
        """Loop iterations on HEAD, newest first (``include_all``: every commit)."""
        if include_all:
            found = self._log(*(["-n", str(limit)] if limit is not None else []))
        else:
            found = [
                it
                for it in self._log(f"--grep=^{RUN_ID_TRAILER}:")
                if it.run_id is not None
            ]
        return found if limit is None else found[:limit]

    def file_history(self, relpath: str, include_all: bool = False) -> list[Iteration]:
        """Iterations that touched ``relpath`` (confined to the tenant), newest first."""
        rel = self.ctx.relative(relpath)
        if self.head() is None:
            return []
        output = self.git("--literal-pathspecs", "log", f"--format={_LOG_FORMAT}", "--", rel)
        found = _parse_log(output.stdout)
        return found if include_all else [it for it in found if it.run_id is not None]

    def is_dirty(self, *, everything: bool = False) -> bool:
        """True when what a commit would stage differs from HEAD.

        By default that is the owned paths (:data:`OWNED_PATHS`), tracked or not: a
        scratch file a person left in the tenant folder is never committed, so it
        does not make the loop commit again on every run.  ``everything`` looks at
        the whole work tree (``.dossier/`` excluded): what ``deprovision`` would lose.
        """
        self.require_repo()
        if everything:
            result = run_git(
                self.path, "status", "--porcelain", "-z", "--", ".", ":(exclude).dossier",
                extra_env={"GIT_OPTIONAL_LOCKS": "0"},
            )
            return bool(result.stdout.strip("\x00\n "))
        paths = [f":(literal){name}" for name in OWNED_PATHS]
        result = run_git(
            self.path, "status", "--porcelain", "-z", "--untracked-files=all", "--no-renames",
            "--", *paths, extra_env={"GIT_OPTIONAL_LOCKS": "0"},
        )
        for entry in result.stdout.split("\x00"):
            if len(entry) < 4:
                continue
            if entry[:2] != "??" or stat.S_ISREG(_lstat_mode(self.path / entry[3:])):
                return True  # an untracked symlink or nested repository is never staged
        return False

    def recover(self, min_age: float = 2.0) -> list[Path]:
        """Remove lock files a killed git left behind; return what was removed.

        Safe because the caller holds the tenant lock, so no Dossier process is
        running git here; ``min_age`` spares a lock a user's own git command may
        have taken a moment ago.
        """
        self.require_repo()
        git_dir = self.ctx.git_dir
        candidates = [git_dir / n for n in ("index.lock", "HEAD.lock", "packed-refs.lock",
                                              "config.lock")]
        refs = git_dir / "refs"
        if refs.is_dir():
            candidates.extend(refs.rglob("*.lock"))
        removed = []
        now = time.time()
        for path in candidates:
            try:
                age = now - path.lstat().st_mtime
            except FileNotFoundError:
                continue
            if age >= min_age:
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed
