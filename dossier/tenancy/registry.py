"""The registry: provision, find, list, deprovision and restore tenants under one root.

Every id that enters goes through the id gate first (``get('../beta')`` raises
InvalidClientIdError), and every tenant directory is built in a scratch directory
and renamed into place, so the root only ever holds whole tenants.
"""

from __future__ import annotations

import builtins
import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dossier.errors import UsageError
from dossier.fsutil import PathEscapeError, is_within, resolve_within
from dossier.tenancy import archive as archives
from dossier.tenancy.context import MANIFEST_NAME, TenantContext, resolve_root
from dossier.tenancy.errors import (
    ArchiveError,
    ManifestError,
    ProvisionConflictError,
    TenancyError,
    TenantDirtyError,
    TenantExistsError,
    TenantNotFoundError,
)
from dossier.tenancy.git import (
    RepoSkeleton,
    TenantRepo,
    format_message,
    run_git,
    write_repo_config,
)
from dossier.tenancy.ids import validate_client_id
from dossier.tenancy.lock import tenant_lock
from dossier.tenancy.manifest import (
    Manifest,
    default_email,
    load_manifest,
    read_manifest_file,
    render_manifest,
)
from dossier.tenancy.provision import build_tenant, new_manifest, resolve_sources
from dossier.tenancy.status import TenantDetails, TenantSummary, details, summarize
from dossier.tenancy.workspace import clean_stale, remove_tree, temp_path

ARCHIVE_DIR = ".archive"
_RESTORE_LABEL = "_restore"  # not a valid client id, so it never collides with one
_VERIFY_LABEL = "_verify"


@dataclass(frozen=True)
class Provisioned:
    """Result of a provision: the tenant, and whether this call created it."""

    ctx: TenantContext
    created: bool


def _renamed_into_place(scratch: Path, final: Path) -> bool:
    """Rename ``scratch`` to ``final``; False when ``final`` appeared meanwhile."""
    if os.path.lexists(final):
        return False
    try:
        os.rename(scratch, final)
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
            return False
        raise
    return True


class Registry:
    """All tenants under one workspace root (``--root`` > ``$DOSSIER_ROOT`` > ``./tenants``)."""

    def __init__(self, root: Path | None = None, *, lock_timeout: float | None = None) -> None:
        self.root = resolve_root(root)
        self.lock_timeout = lock_timeout
        self._skeleton: RepoSkeleton | None = None

    # -- lookup -------------------------------------------------------------------------

    def context(self, client_id: str) -> TenantContext:
        """The context for ``client_id`` (id gate applied), whether or not it exists."""
        validate_client_id(client_id)
        return TenantContext(client_id=client_id, root=self.root, path=self.root / client_id)

    def _ensure_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise UsageError(f"workspace root {self.root} is not a directory") from None

    def get(self, client_id: str) -> TenantContext:
        """An existing tenant, or TenantNotFoundError; a symlinked tenant dir is refused."""
        ctx = self.context(client_id)
        ctx.check_directory()
        if not ctx.path.is_dir():
            raise TenantNotFoundError(f"no tenant {client_id!r} under {self.root}")
        if not os.path.lexists(ctx.manifest_path):
            raise TenantNotFoundError(
                f"{ctx.path} exists but is not a Dossier tenant (no {MANIFEST_NAME})"
            )
        return ctx

    def list(self) -> builtins.list[TenantSummary]:
        """One summary per tenant directory, sorted by id; unreadable tenants carry a problem."""
        try:
            entries = sorted(os.scandir(self.root), key=lambda e: e.name)
        except FileNotFoundError:
            return []
        rows = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                ctx = self.context(entry.name)
            except UsageError:
                continue  # not a valid id, so not a tenant
            if not entry.is_dir(follow_symlinks=False) and not entry.is_symlink():
                continue
            rows.append(summarize(ctx))
        return rows

    def show(self, client_id: str) -> TenantDetails:
        """Manifest, paths, concept count, head and last iteration of one tenant."""
        return details(self.get(client_id))

    # -- provision ----------------------------------------------------------------------

    def provision(
        self,
        client_id: str,
        *,
        name: str | None = None,
        sources: Iterable[str | Path] = (),
    ) -> TenantContext:
        """Create the tenant, or confirm an identical one exists (see :meth:`ensure`)."""
        return self.ensure(client_id, name=name, sources=sources).ctx

    def ensure(
        self,
        client_id: str,
        *,
        name: str | None = None,
        sources: Iterable[str | Path] = (),
    ) -> Provisioned:
        """Provision idempotently.

        An existing tenant is success when the options given agree with it (an
        option left out is not a disagreement); a different name or source set is a
        ProvisionConflictError and nothing changes.
        """
        ctx = self.context(client_id)
        if name is not None and (not name.strip() or any(c in name for c in "\n\r\x00")):
            raise UsageError(f"display name {name!r} must be a non-empty single line")
        wanted = resolve_sources(sources, self.root)
        if os.path.lexists(ctx.path):
            self._check_same(ctx, name, wanted)
            return Provisioned(ctx, created=False)
        manifest = new_manifest(client_id, name or client_id, wanted)
        self._ensure_root()
        clean_stale(self.root, client_id)
        scratch = temp_path(self.root, client_id)
        try:
            self._skeleton = build_tenant(scratch, manifest, self._skeleton)
            created = _renamed_into_place(scratch, ctx.path)
        finally:
            if os.path.lexists(scratch):
                remove_tree(scratch)
        if not created:  # another process provisioned it first
            self._check_same(ctx, name, wanted)
        return Provisioned(ctx, created=created)

    def _check_same(
        self, ctx: TenantContext, name: str | None, wanted: builtins.list[Path]
    ) -> None:
        ctx.check_directory()
        manifest = load_manifest(ctx)
        if name is not None and name != manifest.display_name:
            raise ProvisionConflictError(
                f"tenant {ctx.client_id} is already provisioned with display name "
                f"{manifest.display_name!r}, not {name!r}; nothing changed"
            )
        have = sorted(manifest.source_paths())
        if wanted and sorted(str(p) for p in wanted) != have:
            raise ProvisionConflictError(
                f"tenant {ctx.client_id} is already provisioned with sources "
                f"{have or '(none)'}, not {sorted(str(p) for p in wanted)}; nothing changed"
            )

    # -- deprovision --------------------------------------------------------------------

    def archive_target(self, client_id: str, archive: Path | None) -> Path:
        """Where deprovision writes the archive; an existing file is never overwritten.

        A file path given by the user must be free.  A generated name (the default
        folder, or a folder given) gets a ``-2``, ``-3`` … suffix when a deprovision
        of the same id already wrote one in the same second.
        """
        folder = self.root / ARCHIVE_DIR if archive is None else archive.expanduser().resolve()
        if archive is None:
            folder.mkdir(parents=True, exist_ok=True)
        if folder.is_dir():
            name = archives.archive_file_name(client_id)
            target = folder / name
            counter = 1
            while os.path.lexists(target):
                counter += 1
                target = folder / name.replace(archives.SUFFIX, f"-{counter}{archives.SUFFIX}")
        else:
            target = folder
            if os.path.lexists(target):
                raise UsageError(
                    f"archive {target} already exists; choose another --archive path"
                )
            if not target.parent.is_dir():
                raise UsageError(f"archive folder {target.parent} does not exist")
        if is_within(self.root / client_id, target):
            raise UsageError(f"archive {target} would be inside the tenant it archives")
        return target

    def deprovision(
        self, client_id: str, archive: Path | None = None, *, force: bool = False
    ) -> Path:
        """Archive the tenant's whole history, verify the archive, then remove the tenant.

        Refuses a dirty work tree unless ``force`` (uncommitted work is not in the
        archive).  Holds the tenant lock throughout; returns the archive path.
        """
        ctx = self.get(client_id)
        target = self.archive_target(client_id, archive)
        with tenant_lock(ctx, self.lock_timeout):
            repo = TenantRepo(ctx)
            repo.recover()
            if not force and repo.is_dirty():
                raise TenantDirtyError(
                    f"tenant {client_id} has uncommitted changes (see 'git -C {ctx.path} "
                    "status'); they would not be in the archive. Commit them, or pass "
                    "--force to deprovision anyway"
                )
            self._write_verified_archive(ctx, target)
            clean_stale(self.root, client_id)
            trash = temp_path(self.root, client_id)
            os.rename(ctx.path, trash)
            remove_tree(trash)
        return target

    def _write_verified_archive(self, ctx: TenantContext, target: Path) -> None:
        archives.create(ctx.path, target)
        clean_stale(self.root, _VERIFY_LABEL)
        scratch = temp_path(self.root, _VERIFY_LABEL)
        try:
            archives.unpack(target, scratch)
            if archives.refs(scratch) != archives.refs(ctx.path):
                raise ArchiveError(f"archive {target} does not hold every ref of the tenant")
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        finally:
            remove_tree(scratch)

    # -- restore ------------------------------------------------------------------------

    def restore(self, archive: Path, *, as_id: str | None = None) -> TenantContext:
        """Re-create a tenant from an archive; with ``as_id`` under a new id.

        Without ``as_id`` (or with the archived id) the history is byte-identical:
        same commits, same tree.  A new id is written into the manifest in one
        extra commit.  Nothing appears under the root unless the archive is a
        complete Dossier tenant and the id is free.
        """
        archive = archive.expanduser().resolve()
        archives.check_signature(archive)
        if as_id is not None:
            self._refuse_existing(self.context(as_id))
        self._ensure_root()
        clean_stale(self.root, _RESTORE_LABEL)
        scratch = temp_path(self.root, _RESTORE_LABEL)
        try:
            archives.unpack(archive, scratch)
            try:
                manifest = read_manifest_file(resolve_within(scratch, MANIFEST_NAME))
            except (ManifestError, PathEscapeError) as exc:
                raise ArchiveError(
                    f"archive {archive} is not a Dossier tenant: {exc}"
                ) from None
            archives.check_symlinks(scratch, archive)
            ctx = self.context(as_id or manifest.client_id)
            self._refuse_existing(ctx)
            renamed = self._retarget(manifest, ctx.client_id)
            write_repo_config(scratch, renamed.commit_identity)
            if renamed.client_id != manifest.client_id:
                (scratch / MANIFEST_NAME).write_text(render_manifest(renamed), encoding="utf-8")
                run_git(scratch, "add", "-A")
                message = format_message(
                    f"dossier: restore {manifest.client_id} as {renamed.client_id}", {}
                )
                run_git(scratch, "commit", "-q", "--no-verify", "--cleanup=whitespace",
                        "-m", message)
            if not _renamed_into_place(scratch, ctx.path):
                self._refuse_existing(ctx)
                raise TenancyError(f"could not move the restored tenant to {ctx.path}")
        finally:
            if os.path.lexists(scratch):
                remove_tree(scratch)
        return ctx

    @staticmethod
    def _retarget(manifest: Manifest, client_id: str) -> Manifest:
        if manifest.client_id == client_id:
            return manifest
        identity = manifest.commit_identity
        if identity.email == default_email(manifest.client_id):
            identity = identity.model_copy(update={"email": default_email(client_id)})
        return manifest.model_copy(update={"client_id": client_id, "commit_identity": identity})

    def _refuse_existing(self, ctx: TenantContext) -> None:
        if os.path.lexists(ctx.path):
            raise TenantExistsError(
                f"tenant {ctx.client_id} already exists under {self.root}; restore with "
                "--as NEW_ID, or deprovision it first"
            )
