"""Finding an existing tenant: the gates a command passes before it touches one.

Kept apart from the registry (which also provisions, restores and archives, and so
loads the manifest's pydantic models and YAML) so a command that only reads a tenant,
such as ``dossier search`` (a fresh process each time), passes the same gates without
importing what it does not use.  :class:`~dossier.tenancy.registry.Registry` calls
these same functions, so both ways in check exactly the same things.
"""

from __future__ import annotations

import os
from pathlib import Path

from dossier.tenancy.context import MANIFEST_NAME, TenantContext, resolve_root
from dossier.tenancy.errors import TenantNotFoundError
from dossier.tenancy.ids import validate_client_id
from dossier.tenancy.workspace import clean_all_stale


def open_workspace(root: Path | None) -> Path:
    """The resolved workspace root, with killed processes' scratch dirs removed."""
    resolved = resolve_root(root)
    clean_all_stale(resolved)
    return resolved


def existing_tenant(root: Path, client_id: str) -> TenantContext:
    """The tenant ``client_id`` under the resolved ``root``, or TenantNotFoundError.

    The id gate runs first; a tenant directory that is a symlink is refused.
    """
    validate_client_id(client_id)
    ctx = TenantContext(client_id=client_id, root=root, path=root / client_id)
    ctx.check_directory()
    if not ctx.path.is_dir():
        raise TenantNotFoundError(f"no tenant {client_id!r} under {root}")
    if not os.path.lexists(ctx.manifest_path):
        raise TenantNotFoundError(
            f"{ctx.path} exists but is not a Dossier tenant (no {MANIFEST_NAME})"
        )
    return ctx


def find_tenant(root: Path | None, client_id: str) -> TenantContext:
    """``existing_tenant`` under the workspace ``root`` (``--root``, else the default)."""
    return existing_tenant(open_workspace(root), client_id)
