"""The Anthropic API key: the one place it is looked up, and keeping it out of what Dossier writes.

Both Claude paths (the ``claude`` extractor and the ``agent`` orchestrator) read the
key here, the same way: ``ANTHROPIC_API_KEY``, else the file named by
``DOSSIER_ANTHROPIC_KEY_FILE`` (one key on one line) — never the manifest, which is
committed (:mod:`dossier.tenancy.secrets` refuses one there).  A missing or unusable
key is a :class:`MissingKeyError` naming both variables and the offline alternative,
raised when the plugin is built, so before any tenant is touched.  Text derived from
an API failure passes through :func:`redact` before it can reach a message, a log
line or a run record.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dossier.errors import UsageError

KEY_ENV = "ANTHROPIC_API_KEY"
KEY_FILE_ENV = "DOSSIER_ANTHROPIC_KEY_FILE"
REDACTED = "[redacted]"
#: Longest key file read: a key is ~100 bytes, anything much larger is the wrong file.
MAX_KEY_FILE_BYTES = 4096


class MissingKeyError(UsageError):
    """No usable Anthropic key: the plugin that needs one cannot start (nothing was done)."""


def resolve_key(
    environ: Mapping[str, str] | None = None, *, who: str, instead: str
) -> str:
    """The API key, or MissingKeyError saying how to provide one (never echoing a key).

    ``who`` names the plugin asking (``extractor 'claude'``), ``instead`` the offline
    choice that needs no key (``--extractor deterministic``).
    """
    env = os.environ if environ is None else environ
    key = env.get(KEY_ENV, "").strip()
    if key:
        return key
    key_file = env.get(KEY_FILE_ENV, "").strip()
    if not key_file:
        raise MissingKeyError(
            f"{who} needs an Anthropic API key: set {KEY_ENV}, or set {KEY_FILE_ENV} to a "
            f"file holding the key (or use {instead})"
        )
    path = Path(key_file).expanduser()
    try:
        if path.stat().st_size > MAX_KEY_FILE_BYTES:
            raise MissingKeyError(
                f"{who}: the key file named by {KEY_FILE_ENV} ({key_file}) is too large to "
                "be a key file"
            )
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
        raise MissingKeyError(
            f"{who}: cannot read the key file named by {KEY_FILE_ENV} ({key_file}): {reason}"
        ) from None
    if not key:
        raise MissingKeyError(f"{who}: the key file named by {KEY_FILE_ENV} ({key_file}) is empty")
    if "\n" in key:
        raise MissingKeyError(
            f"{who}: the key file named by {KEY_FILE_ENV} ({key_file}) does not hold one key "
            "on one line"
        )
    return key


def redact(text: str, key: str | None) -> str:
    """``text`` with every occurrence of ``key`` (and of its tail) replaced."""
    if not key:
        return text
    out = text.replace(key, REDACTED)
    if len(key) > 12:
        out = out.replace(key[-12:], REDACTED)
    return out
