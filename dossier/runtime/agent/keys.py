"""The agent's key: the shared loader (:mod:`dossier.keys`), wrapped so it never prints.

The key is handed to the Claude CLI child process through its environment only
(:mod:`.driver`); :func:`scrub` removes it from any text that could reach a record,
a log or an error message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dossier.keys import KEY_ENV, KEY_FILE_ENV, MissingKeyError, redact, resolve_key

__all__ = ["KEY_ENV", "KEY_FILE_ENV", "ApiKey", "MissingKeyError", "load_key", "scrub"]


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


def load_key(environ: Mapping[str, str] | None = None) -> ApiKey:
    """The key, or a MissingKeyError (a usage error) saying how to provide one."""
    return ApiKey(resolve_key(environ, who="the agent orchestrator",
                              instead="--orchestrator default"))


def scrub(text: str, key: ApiKey | None) -> str:
    """``text`` with every occurrence of the key redacted."""
    return redact(text, key.reveal() if key is not None else None)
