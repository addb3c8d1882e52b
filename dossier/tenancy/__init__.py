"""Dossier's tenant control plane: ids, confinement, manifest, registry, lock, git.

A tenant is a siloed directory that is its own git repository.  Everything that
touches one receives an explicit :class:`TenantContext`; there is no ambient
current tenant.  See docs/tenancy.md for the layout and the isolation model.
"""

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
