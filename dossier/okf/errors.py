"""Errors raised by the OKF layer.

Every error names the file or concept id it is about, so a caller (the CLI, the
MCP server, the loop) can show a one-line message instead of a traceback.  An
:class:`OKFDocumentError` also carries the validation rule ``code`` and the
``line`` of the problem, so :mod:`dossier.okf.validate` can turn a parse failure
into a finding without re-deriving what went wrong.
"""

from __future__ import annotations

from dossier.errors import DossierError, UsageError


class OKFError(DossierError):
    """Base class for OKF bundle and document problems."""


class OKFDocumentError(OKFError):
    """A markdown file is not a readable OKF document (frontmatter missing, bad YAML, ...)."""

    def __init__(
        self, message: str, *, path: str | None = None, line: int | None = None, code: str = ""
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.code = code


class ConceptNotFoundError(OKFError):
    """No concept file exists for the requested id."""


class InvalidConceptIdError(OKFError, UsageError):
    """A concept id is malformed or would resolve outside the bundle (exit code 2)."""


class BundleNotFoundError(OKFError, UsageError):
    """The bundle root does not exist or is not a directory (exit code 2)."""
