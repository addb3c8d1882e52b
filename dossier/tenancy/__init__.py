"""Dossier's tenant control plane: ids, confinement, manifest, registry, lock, git.

A tenant is a siloed directory that is its own git repository.  Everything that
touches one receives an explicit :class:`TenantContext`; there is no ambient
current tenant.  See docs/tenancy.md for the layout and the isolation model.

Names are re-exported here and imported from their module on first use (PEP 562), as in
:mod:`dossier.okf`: a ``dossier search`` process needs the context and git HEAD, not the
manifest's pydantic models, YAML, provisioning or archives.
"""

from typing import TYPE_CHECKING

from dossier.lazy_exports import lazy_getattr

if TYPE_CHECKING:
    from dossier.tenancy.context import TenantContext, resolve_root
    from dossier.tenancy.errors import (
        ArchiveError,
        GitError,
        InvalidClientIdError,
        ManifestError,
        ProvisionConflictError,
        TenancyError,
        TenantBusyError,
        TenantDirtyError,
        TenantExistsError,
        TenantNotFoundError,
    )
    from dossier.tenancy.git import TenantRepo
    from dossier.tenancy.gitobjects import RUN_ID_TRAILER, Iteration
    from dossier.tenancy.ids import validate_client_id
    from dossier.tenancy.lock import LockHolder, LockInfo, default_lock_timeout, tenant_lock
    from dossier.tenancy.manifest import (
        CommitIdentity,
        Manifest,
        SourceLocation,
        load_manifest,
        save_manifest,
    )
    from dossier.tenancy.registry import Provisioned, Registry
    from dossier.tenancy.status import LastRun, TenantDetails, TenantSummary

#: Where each public name lives (imported on first use).
_HOMES: dict[str, str] = {
    "ArchiveError": "dossier.tenancy.errors",
    "CommitIdentity": "dossier.tenancy.manifest",
    "GitError": "dossier.tenancy.errors",
    "InvalidClientIdError": "dossier.tenancy.errors",
    "Iteration": "dossier.tenancy.gitobjects",
    "LastRun": "dossier.tenancy.status",
    "LockHolder": "dossier.tenancy.lock",
    "LockInfo": "dossier.tenancy.lock",
    "Manifest": "dossier.tenancy.manifest",
    "ManifestError": "dossier.tenancy.errors",
    "ProvisionConflictError": "dossier.tenancy.errors",
    "Provisioned": "dossier.tenancy.registry",
    "RUN_ID_TRAILER": "dossier.tenancy.gitobjects",
    "Registry": "dossier.tenancy.registry",
    "SourceLocation": "dossier.tenancy.manifest",
    "TenancyError": "dossier.tenancy.errors",
    "TenantBusyError": "dossier.tenancy.errors",
    "TenantContext": "dossier.tenancy.context",
    "TenantDetails": "dossier.tenancy.status",
    "TenantDirtyError": "dossier.tenancy.errors",
    "TenantExistsError": "dossier.tenancy.errors",
    "TenantNotFoundError": "dossier.tenancy.errors",
    "TenantRepo": "dossier.tenancy.git",
    "TenantSummary": "dossier.tenancy.status",
    "default_lock_timeout": "dossier.tenancy.lock",
    "load_manifest": "dossier.tenancy.manifest",
    "resolve_root": "dossier.tenancy.context",
    "save_manifest": "dossier.tenancy.manifest",
    "tenant_lock": "dossier.tenancy.lock",
    "validate_client_id": "dossier.tenancy.ids",
}


__getattr__ = lazy_getattr(__name__, _HOMES)


__all__ = [
    "RUN_ID_TRAILER",
    "ArchiveError",
    "CommitIdentity",
    "GitError",
    "InvalidClientIdError",
    "Iteration",
    "LastRun",
    "LockHolder",
    "LockInfo",
    "Manifest",
    "ManifestError",
    "ProvisionConflictError",
    "Provisioned",
    "Registry",
    "SourceLocation",
    "TenancyError",
    "TenantBusyError",
    "TenantContext",
    "TenantDetails",
    "TenantDirtyError",
    "TenantExistsError",
    "TenantNotFoundError",
    "TenantRepo",
    "TenantSummary",
    "default_lock_timeout",
    "load_manifest",
    "resolve_root",
    "save_manifest",
    "tenant_lock",
    "validate_client_id",
]
