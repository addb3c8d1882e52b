"""Errors of the tenancy layer.

Each names the tenant (and the file or path) it is about, so the CLI can print it
as-is.  Bad user input (an id that is not allowed, a wrong option) is a UsageError
(exit 2); a refused or failed operation is a plain DossierError (exit 1).
"""

from __future__ import annotations

from dossier.errors import DossierError, UsageError


class TenancyError(DossierError):
    """Base class for tenant control-plane failures."""


class InvalidClientIdError(UsageError):
    """A client id failed the id gate (characters, length, reserved name)."""


class TenantNotFoundError(TenancyError):
    """No tenant with that id exists under the workspace root."""


class TenantExistsError(TenancyError):
    """A tenant with that id already exists (restore onto it is refused)."""


class ProvisionConflictError(TenancyError):
    """A second provision asked for a different name or source set; nothing changed."""


class ManifestError(TenancyError):
    """The tenant manifest is missing, corrupt, or of a schema this Dossier does not know."""


class TenantBusyError(TenancyError):
    """Another process holds the tenant lock and did not release it within the timeout."""


class TenantDirtyError(TenancyError):
    """The tenant work tree has uncommitted changes; deprovision would lose them."""


class ArchiveError(TenancyError):
    """An archive is unreadable, truncated, or not a Dossier tenant."""


class GitError(TenancyError):
    """A git command failed in a tenant repository."""
