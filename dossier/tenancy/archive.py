"""Tenant archives: a git bundle of the whole history, restore-tested when written.

``git bundle verify`` only checks a bundle's header and prerequisites — a bundle
cut short inside its pack data still "is okay".  So an archive counts as verified
only after it has been unpacked into a scratch repository (with ``git fsck
--strict`` over every object), has passed :func:`verify_unpacked`, and its refs
match the tenant's.  Restore runs the same unpack and the same
:func:`verify_unpacked`, which is what refuses random bytes, a truncated file,
hostile git objects, or a bundle of something that is not a Dossier tenant,
before anything appears under the workspace root.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from dossier.fsutil import PathEscapeError, resolve_within
from dossier.tenancy.context import MANIFEST_NAME
from dossier.tenancy.errors import ArchiveError, GitError, ManifestError
from dossier.tenancy.git import DEFAULT_BRANCH, run_git
from dossier.tenancy.manifest import Manifest, read_manifest_file
from dossier.tenancy.sources import location_problem

SIGNATURES = (b"# v2 git bundle\n", b"# v3 git bundle\n")
SUFFIX = ".bundle"


def archive_file_name(client_id: str, now: datetime | None = None) -> str:
    """``<id>-<UTC YYYYmmddTHHMMSSZ>.bundle``: sorts by time, names the tenant."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{client_id}-{stamp}{SUFFIX}"


def _git_complaint(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    cleaned = [ln.split(": ", 1)[1] if ln.startswith(("error: ", "fatal: ")) else ln
               for ln in lines]
    return "; ".join(cleaned[-3:]) or "git gave no reason"


def check_signature(archive: Path) -> None:
    """Refuse a file that does not even start like a git bundle."""
    try:
        with open(archive, "rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        raise ArchiveError(f"archive {archive} does not exist") from None
    except IsADirectoryError:
        raise ArchiveError(f"archive {archive} is a directory, not a bundle file") from None
    except OSError as exc:
        raise ArchiveError(f"archive {archive} cannot be read: {exc}") from None
    if head not in SIGNATURES:
        raise ArchiveError(
            f"archive {archive} is not a git bundle (Dossier archives are written by "
            "'dossier deprovision')"
        )


def list_heads(scratch: Path, archive: Path) -> dict[str, str]:
    """Ref name -> sha as recorded in the bundle (``HEAD`` included when recorded)."""
    out = run_git(scratch, "bundle", "list-heads", str(archive)).stdout
    heads: dict[str, str] = {}
    for line in out.splitlines():
        sha, _, ref = line.strip().partition(" ")
        if ref:
            heads[ref] = sha
    return heads


def _pick_branch(heads: dict[str, str]) -> str:
    branches = sorted(r for r in heads if r.startswith("refs/heads/"))
    if not branches:
        raise ArchiveError("the archive holds no branch")
    preferred = f"refs/heads/{DEFAULT_BRANCH}"
    head_sha = heads.get("HEAD")
    if head_sha is not None:
        matching = [b for b in branches if heads[b] == head_sha]
        if preferred in matching:
            return preferred
        if matching:
            return matching[0]
    return preferred if preferred in branches else branches[0]


def unpack(archive: Path, scratch: Path) -> None:
    """Clone ``archive`` into the new directory ``scratch``: every ref, HEAD's branch checked out.

    Raises ArchiveError naming the archive when git finds it corrupt or truncated.
    """
    check_signature(archive)
    scratch.mkdir()
    run_git(scratch, "init", "-q", "-b", DEFAULT_BRANCH, "--template=")
    verified = run_git(scratch, "bundle", "verify", "-q", str(archive), check=False)
    if verified.status != 0:
        raise ArchiveError(
            f"archive {archive} is corrupt or incomplete: {_git_complaint(verified.stderr)}"
        )
    try:
        branch = _pick_branch(list_heads(scratch, archive))
    except ArchiveError as exc:
        raise ArchiveError(f"archive {archive}: {exc}") from None
    fetched = run_git(
        scratch,
        "-c", "transfer.fsckObjects=true",
        "fetch", "-q", "--no-write-fetch-head", "--update-head-ok",
        str(archive), "+refs/*:refs/*",
        check=False,
    )
    if fetched.status != 0:
        raise ArchiveError(
            f"archive {archive} is corrupt or truncated: {_git_complaint(fetched.stderr)}"
        )
    check_objects(scratch, archive)
    try:
        run_git(scratch, "symbolic-ref", "HEAD", branch)
        run_git(scratch, "reset", "-q", "--hard")
    except GitError as exc:
        raise ArchiveError(f"archive {archive} cannot be checked out: {exc}") from None


def check_objects(scratch: Path, archive: Path) -> None:
    """Refuse hostile objects anywhere in the fetched history, not just on HEAD.

    ``transfer.fsckObjects`` on a fetch from a bundle lets through what git only
    *warns* about — a tree entry named ``..`` or ``.git``, a ``.gitmodules`` with a
    ``../`` submodule name or an option-like URL — and objects reachable only from
    a side ref are never checked out, so they would sit in the restored history.
    ``git fsck --strict`` turns those warnings into errors and walks every ref.
    """
    checked = run_git(scratch, "fsck", "--strict", "--no-dangling", "--no-progress",
                      check=False)
    if checked.status != 0:
        raise ArchiveError(
            f"archive {archive} holds objects git's strict check refuses: "
            f"{_git_complaint(checked.stderr or checked.stdout)}"
        )


def verify_unpacked(scratch: Path, archive: Path, workspace: Path) -> Manifest:
    """Every check an archive passes before its tenant may exist; returns its manifest.

    The single gate for both directions: ``deprovision`` runs it on the archive it
    just wrote (a tenant is deleted only when its archive would restore), and
    ``restore`` runs it before anything appears under the workspace root.  It
    expects ``scratch`` to hold :func:`unpack`'s result (objects already fscked)
    and checks what is checked out: a valid manifest, no symlink leaving the tree,
    and source locations that pass :func:`~dossier.tenancy.sources.location_problem`
    for ``workspace``.
    """
    try:
        manifest = read_manifest_file(resolve_within(scratch, MANIFEST_NAME))
    except (ManifestError, PathEscapeError) as exc:
        raise ArchiveError(f"archive {archive} is not a Dossier tenant: {exc}") from None
    check_symlinks(scratch, archive)
    for location in manifest.source_paths():
        problem = location_problem(location, workspace)
        if problem is not None:
            raise ArchiveError(
                f"archive {archive} registers the source location {location!r}, which is "
                f"refused: {problem}"
            )
    return manifest


def check_symlinks(worktree: Path, archive: Path) -> None:
    """Refuse an archive whose tree holds a symlink that points out of the tenant.

    The gates would refuse to follow it later anyway; refusing it at the door
    means a restored tenant never carries one.
    """
    listing = run_git(worktree, "ls-files", "-s", "-z").stdout
    for entry in listing.split("\x00"):
        meta, _, path = entry.partition("\t")
        if not meta.startswith("120000 "):
            continue
        try:
            resolve_within(worktree, path)
        except PathEscapeError:
            raise ArchiveError(
                f"archive {archive} holds the symlink {path!r} pointing outside the tenant"
            ) from None


def refs(worktree: Path) -> dict[str, str]:
    """Every ref of a repository, name -> sha."""
    out = run_git(worktree, "for-each-ref", "--format=%(refname) %(objectname)").stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if line.strip())


def create(worktree: Path, target: Path) -> None:
    """Write a bundle of every ref of the repository at ``worktree`` to ``target``."""
    run_git(worktree, "bundle", "create", "-q", str(target), "--all")
