"""Where the Anthropic API key comes from, and keeping it out of everything Dossier writes.

The key is read from ``ANTHROPIC_API_KEY`` or from the file named by
``DOSSIER_ANTHROPIC_KEY_FILE`` — never from the manifest, which is committed.  Any text
Dossier derives from an API failure passes through :func:`redact` before it can reach a
message, a log line or a run record.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dossier.errors import UsageError

KEY_ENV = "ANTHROPIC_API_KEY"
KEY_FILE_ENV = "DOSSIER_ANTHROPIC_KEY_FILE"
REDACTED = "[redacted]"


class ClaudeKeyMissing(UsageError):
    """No usable API key: the claude extractor cannot start."""


def resolve_key(environ: Mapping[str, str] | None = None) -> str:
    """The API key, or ClaudeKeyMissing saying how to provide one (never echoing a key)."""
    env = os.environ if environ is None else environ
    key = env.get(KEY_ENV, "").strip()
    if key:
        return key
    key_file = env.get(KEY_FILE_ENV, "").strip()
    if key_file:
        try:
            key = Path(key_file).expanduser().read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
            raise ClaudeKeyMissing(
                f"extractor 'claude': cannot read the key file named by {KEY_FILE_ENV} "
                f"({key_file}): {reason}"
            ) from None
        if key:
            return key
        raise ClaudeKeyMissing(
            f"extractor 'claude': the key file named by {KEY_FILE_ENV} ({key_file}) is empty"
        )
    raise ClaudeKeyMissing(
        f"extractor 'claude' needs an Anthropic API key: set {KEY_ENV}, or set "
        f"{KEY_FILE_ENV} to a file holding the key (or use --extractor deterministic)"
    )


def redact(text: str, key: str | None) -> str:
    """``text`` with every occurrence of ``key`` (and of its tail) replaced."""
    if not key:
        return text
    out = text.replace(key, REDACTED)
    if len(key) > 12:
        out = out.replace(key[-12:], REDACTED)
    return out
