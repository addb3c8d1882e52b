"""TenantContext: the explicit handle every tenant operation receives.

There is no ambient "current tenant": a function that touches tenant data takes a
TenantContext, and every path it derives from outside input goes through
:meth:`TenantContext.confine`, which resolves symlinks and ``..`` and refuses
anything that lands outside this tenant's own directory — including a sibling
that merely shares a name prefix (``acme`` vs ``acme-evil``) and a tenant
directory that is itself a symlink to somewhere else.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from dossier.fsutil import PathEscapeError, resolve_within
from dossier.tenancy.ids import validate_client_id

MANIFEST_NAME = "dossier.tenant.yaml"
DEFAULT_ROOT = Path("tenants")
ROOT_ENV = "DOSSIER_ROOT"


def resolve_root(root: Path | None) -> Path:
    """The workspace root: ``--root`` if given, else ``$DOSSIER_ROOT``, else ``./tenants``.

    Returned absolute and resolved, so every tenant path built from it is canonical
    and confinement checks compare like with like.
    """
    if root is None:
        env = os.environ.get(ROOT_ENV, "").strip()
        root = Path(env) if env else DEFAULT_ROOT
    return root.expanduser().resolve()


@dataclass(frozen=True)
class TenantContext:
    """One tenant: its id, the workspace root it lives in, and its directory."""

    client_id: str
    root: Path
    path: Path

    def __post_init__(self) -> None:
        validate_client_id(self.client_id)
        if self.path != self.root / self.client_id:
            raise PathEscapeError(
                f"tenant {self.client_id!r}: directory {self.path} is not "
                f"{self.root / self.client_id}"
            )

    @classmethod
    def at(cls, root: Path, client_id: str) -> TenantContext:
        """Build the context of ``client_id`` under ``root`` (id gate applied, root resolved)."""
        validate_client_id(client_id)
        resolved = root.expanduser().resolve()
        return cls(client_id=client_id, root=resolved, path=resolved / client_id)

    # The folders below are confined each time they are asked for, not once: a
    # ``runs`` or ``.dossier`` replaced by a symlink into another tenant (or committed
    # as one) is refused at the moment a reader or writer is about to use it.

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST_NAME

    @property
    def bundle_dir(self) -> Path:
        return self._owned_dir("bundle")

    @property
    def sources_dir(self) -> Path:
        return self._owned_dir("sources")

    @property
    def runs_dir(self) -> Path:
        return self._owned_dir("runs")

    @property
    def cache_dir(self) -> Path:
        """Gitignored, rebuildable state (search index, lock)."""
        return self._owned_dir(".dossier")

    @property
    def git_dir(self) -> Path:
        return self.path / ".git"

    @property
    def lock_path(self) -> Path:
        return self.cache_dir / "lock"

    def check_directory(self) -> None:
        """Refuse a tenant directory that is a symlink (it would move the whole silo elsewhere)."""
        if os.path.islink(self.path):
            raise PathEscapeError(
                f"tenant {self.client_id!r}: {self.path} is a symlink; a tenant directory "
                "must be a real directory inside the workspace"
            )

    def _owned_dir(self, name: str) -> Path:
        """One of the folders Dossier owns; it must be a real folder, never a symlink.

        Even a link that stays inside the tenant is refused: ``runs -> bundle`` would
        put run records among the concepts.
        """
        self.check_directory()
        if os.path.islink(self.path / name):
            raise PathEscapeError(
                f"tenant {self.client_id!r}: {self.path / name} is a symlink; Dossier's "
                f"folder {name!r} must be a real folder inside the tenant"
            )
        return self.confine(name)

    def cache_path(self, *parts: str) -> Path:
        """A path under ``.dossier/``, confined at this moment (symlinks resolved)."""
        self._owned_dir(".dossier")
        return self.confine("/".join((".dossier", *parts)))

    def confine(self, rel: str | os.PathLike[str]) -> Path:
        """Resolve ``rel`` inside this tenant's directory or raise PathEscapeError.

        Symlinks are followed and ``..`` collapsed before the check; absolute paths
        are accepted only when they already point inside the tenant.  The common
        case — a relative path without ``..`` whose existing components are no
        symlinks — is decided with one ``lstat`` per component (it cannot leave a
        tenant directory that is itself no symlink); anything else goes through
        ``resolve_within``.
        """
        self.check_directory()
        fast = self._plain_descendant(os.fspath(rel))
        if fast is not None:
            return fast
        try:
            return resolve_within(self.path, rel)
        except PathEscapeError as exc:
            raise PathEscapeError(f"tenant {self.client_id!r}: {exc}") from None

    def _plain_descendant(self, text: str) -> Path | None:
        if not text or "\x00" in text or os.path.isabs(text):
            return None
        parts = [p for p in text.split("/") if p not in ("", ".")]
        if ".." in parts:
            return None
        current = self.path
        for part in parts:
            current = current / part
            try:
                mode = os.lstat(current).st_mode
            except FileNotFoundError:
                break  # nothing below a missing name can be a symlink
            except OSError:
                return None
            if stat.S_ISLNK(mode):
                return None
        return self.path.joinpath(*parts)

    def relative(self, rel: str | os.PathLike[str]) -> str:
        """The confined path of ``rel`` relative to the tenant directory, POSIX-style."""
        resolved = self.confine(rel)
        return resolved.relative_to(self.path.resolve()).as_posix()
