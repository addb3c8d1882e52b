"""The root of Dossier's error hierarchy.

Every layer raises a subclass of :class:`DossierError` for a foreseeable problem
(bad input, a refused path, a busy tenant).  The edges translate them: the CLI into
a one-line message and an exit code, the MCP server into a ``ToolError``.  Anything
that is *not* a DossierError is a bug and may surface as a traceback.
"""

from __future__ import annotations


class DossierError(Exception):
    """A foreseeable failure with a message meant for the user."""

    #: Process exit code the CLI uses for this error (1 = operation failed, 2 = usage).
    exit_code: int = 1


class UsageError(DossierError):
    """The user asked for something malformed (bad option value, unknown name)."""

    exit_code = 2
