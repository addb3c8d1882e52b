"""The Anthropic key: where it may come from, and that it goes nowhere else.

The key comes from ``ANTHROPIC_API_KEY`` or from a file named by
``DOSSIER_ANTHROPIC_KEY_FILE`` (never the manifest).  It is handed to the Claude
CLI child process through its environment only; :func:`scrub` removes it from any
text that could reach a record, a log or an error message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dossier.errors import UsageError

KEY_ENV = "ANTHROPIC_API_KEY"
KEY_FILE_ENV = "DOSSIER_ANTHROPIC_KEY_FILE"
#: Longest key file read; a key is ~100 bytes, anything much larger is the wrong file.
_MAX_KEY_FILE = 4096


class MissingKeyError(UsageError):
    """No usable Anthropic key: the agent cannot start (nothing was done)."""


@dataclass(frozen=True)
class ApiKey:
    """A key whose ``repr`` and ``str`` never show it."""

    _value: str

    def reveal(self) -> str:
        """The key itself: only for the child process's environment."""
        return self._value

    def __repr__(self) -> str:
        return "ApiKey(<hidden>)"

    __str__ = __repr__


def load_key(environ: dict[str, str] | None = None) -> ApiKey:
    """The key from the environment or the named key file, or a MissingKeyError saying how."""
    env = os.environ if environ is None else environ
    value = env.get(KEY_ENV, "").strip()
    if value:
        return ApiKey(value)
    file_name = env.get(KEY_FILE_ENV, "").strip()
    if file_name:
        path = Path(file_name).expanduser()
        try:
            if path.stat().st_size > _MAX_KEY_FILE:
                raise MissingKeyError(f"{KEY_FILE_ENV} names {path}, which is too large "
                                      "to be a key file")
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
            raise MissingKeyError(
                f"{KEY_FILE_ENV} names {path}, which cannot be read ({reason}); "
                "point it at a file holding only the key"
            ) from None
        if text and "\n" not in text:
            return ApiKey(text)
        raise MissingKeyError(f"{KEY_FILE_ENV} names {path}, which does not hold one key "
                              "on one line")
    raise MissingKeyError(
        f"the agent orchestrator needs an Anthropic API key: set {KEY_ENV}, or set "
        f"{KEY_FILE_ENV} to a file holding the key (or choose --orchestrator default)"
    )


def scrub(text: str, key: ApiKey | None) -> str:
    """``text`` with every occurrence of the key replaced by ``<key>``."""
    if key is None or not key.reveal():
        return text
    return text.replace(key.reveal(), "<key>")
