"""The claude extractor's view of the shared key loader (:mod:`dossier.keys`).

One loader serves both Claude paths, so the key is found, refused and redacted the
same way whichever needs it; this module only names the extractor in its errors.
"""

from __future__ import annotations

from collections.abc import Mapping

from dossier.keys import KEY_ENV, KEY_FILE_ENV, REDACTED, MissingKeyError, redact
from dossier.keys import resolve_key as _resolve_key

__all__ = ["KEY_ENV", "KEY_FILE_ENV", "REDACTED", "ClaudeKeyMissing", "redact", "resolve_key"]

#: Kept as a name for callers that catch it: the shared loader's error.
ClaudeKeyMissing = MissingKeyError


def resolve_key(environ: Mapping[str, str] | None = None) -> str:
    """The API key for the extractor, or MissingKeyError saying how to provide one."""
    return _resolve_key(environ, who="extractor 'claude'", instead="--extractor deterministic")
