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
from dossier.fsutil import is_within
from dossier.tenancy import archive as archives
from dossier.tenancy.context import MANIFEST_NAME, TenantContext
from dossier.tenancy.errors import (
    ArchiveError,
    ProvisionConflictError,
    TenancyError,
    TenantDirtyError,
    TenantExistsError,
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
from dossier.tenancy.lookup import existing_tenant, open_workspace
from dossier.tenancy.manifest import (
    Manifest,
    dossier_identity,
    load_manifest,
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
        self.root = open_workspace(root)
        self.lock_timeout = lock_timeout
        self._skeleton: RepoSkeleton | None = None

    # -- lookup -------------------------------------------------------------------------

    def context(self, client_id: str) -> TenantContext:
        """The context for ``client_id`` (id gate applied), whether or not it exists."""
        validate_client_id(client_id)
        return TenantContext(client_id=client_id, root=self.root, path=self.root / client_id)

    def _ensure_root(self) -> None:
        """Create the workspace root for a new tenant; refuse one inside a tenant.

        A tenant created inside another one (``--root tenants/acme/bundle``) would
        become part of that tenant's directory: its data in the other's bundle, its
        repository nested in the other's.
        """
        for folder in (self.root, *self.root.parents):
            if os.path.lexists(folder / MANIFEST_NAME):
                raise UsageError(
                    f"workspace root {self.root} is inside the tenant at {folder}; "
                    "choose a --root outside every tenant"
                )
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise UsageError(f"workspace root {self.root} is not a directory") from None

    def get(self, client_id: str) -> TenantContext:
        """An existing tenant, or TenantNotFoundError; a symlinked tenant dir is refused."""
        return existing_tenant(self.root, client_id)

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

    def archive_target(self, client_id: str, archive: str | Path | None) -> Path:
        """Where deprovision writes the archive; an existing file is never overwritten.

        ``archive`` names a file, or a folder to put the archive in: an existing
        folder, or a path ending in ``/`` (created if missing).  A generated name
        (the default folder, or a folder given) gets a ``-2``, ``-3`` … suffix when a
        deprovision of the same id already wrote one in the same second.  The archive
        may not land inside the workspace, except in its own ``.archive`` folder: a
        file dropped into a tenant would be committed by that tenant's next loop.
        """
        folder = self._archive_dir() if archive is None else None
        target: Path | None = None
        if archive is not None:
            text = os.fspath(archive)
            if "\x00" in text:
                raise UsageError(f"archive path {text!r} contains a NUL byte")
            given = Path(text).expanduser().absolute()
            if text.endswith(("/", os.sep)) and not os.path.lexists(given):
                self._refuse_in_workspace(given)
                given.mkdir(parents=True)
            if given.is_dir():
                folder = given.resolve()
            else:
                target = given.parent.resolve() / given.name
        if folder is not None:
            name = archives.archive_file_name(client_id)
            target = folder / name
            counter = 1
            while os.path.lexists(target):
                counter += 1
                target = folder / name.replace(archives.SUFFIX, f"-{counter}{archives.SUFFIX}")
        else:
            assert target is not None
            if os.path.lexists(target):
                raise UsageError(
                    f"archive {target} already exists; choose another --archive path"
                )
            if not target.parent.is_dir():
                raise UsageError(f"archive folder {target.parent} does not exist")
        self._refuse_in_workspace(target)
        return target

    def _archive_dir(self) -> Path:
        """``<root>/.archive``, created if missing; it must be a real folder, not a link."""
        folder = self.root / ARCHIVE_DIR
        if os.path.islink(folder) or (os.path.lexists(folder) and not folder.is_dir()):
            raise UsageError(f"{folder} is not a real folder; archives go nowhere else")
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _refuse_in_workspace(self, target: Path) -> None:
        """Refuse an archive path (symlinks resolved) inside the workspace but not in .archive."""
        resolved = target.parent.resolve() / target.name
        if not is_within(self.root, resolved):
            return
        archive_dir = self.root / ARCHIVE_DIR
        if not os.path.islink(archive_dir) and is_within(archive_dir, resolved.parent):
            return
        raise UsageError(
            f"archive {target} would be inside the workspace {self.root} (only its "
            f"{ARCHIVE_DIR} folder may hold archives); choose a path outside it"
        )

    def deprovision(
        self, client_id: str, archive: str | Path | None = None, *, force: bool = False
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
            if not force and repo.is_dirty(everything=True):
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
        """Write the archive and put it through restore's own checks before anything is deleted."""
        archives.create(ctx.path, target)
        clean_stale(self.root, _VERIFY_LABEL)
        scratch = temp_path(self.root, _VERIFY_LABEL)
        try:
            archives.unpack(target, scratch)
            archives.verify_unpacked(scratch, target, self.root)
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
            manifest = archives.verify_unpacked(scratch, archive, self.root)
            ctx = self.context(as_id or manifest.client_id)
            self._refuse_existing(ctx)
            renamed = self._retarget(manifest, ctx.client_id)
            write_repo_config(scratch, renamed.commit_identity)
            if renamed != manifest:
                (scratch / MANIFEST_NAME).write_text(render_manifest(renamed), encoding="utf-8")
                run_git(scratch, "add", "--", MANIFEST_NAME)
                if renamed.client_id != manifest.client_id:
                    summary = f"dossier: restore {manifest.client_id} as {renamed.client_id}"
                else:
                    summary = (f"dossier: restore {manifest.client_id}: commit identity reset "
                               "to Dossier's own")
                run_git(scratch, "commit", "-q", "--no-verify", "--cleanup=whitespace",
                        "-m", format_message(summary, {}))
            if not _renamed_into_place(scratch, ctx.path):
                self._refuse_existing(ctx)
                raise TenancyError(f"could not move the restored tenant to {ctx.path}")
        finally:
            if os.path.lexists(scratch):
                remove_tree(scratch)
        return ctx

    @staticmethod
    def _retarget(manifest: Manifest, client_id: str) -> Manifest:
        """The manifest as restored under ``client_id``, with Dossier's own commit identity.

        An archive may come from anywhere; its manifest's ``commit_identity`` would
        become the author of every later commit.  So a restored tenant always commits
        as ``Dossier <dossier@<id>.invalid>``; a manifest naming anyone else is reset
        (in the restore's one extra commit).
        """
        identity = dossier_identity(client_id)
        if manifest.client_id == client_id and manifest.commit_identity == identity:
            return manifest
        return manifest.model_copy(update={"client_id": client_id, "commit_identity": identity})

    def _refuse_existing(self, ctx: TenantContext) -> None:
        if os.path.lexists(ctx.path):
            raise TenantExistsError(
                f"tenant {ctx.client_id} already exists under {self.root}; restore with "
                "--as NEW_ID, or deprovision it first"
            )
