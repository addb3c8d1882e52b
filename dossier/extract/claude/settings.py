"""The claude extractor's knobs: defaults, then the manifest's plugin settings, then env.

:meth:`ClaudeSettings.load` takes the manifest's ``plugins.claude`` mapping and overlays
``DOSSIER_CLAUDE_*`` environment variables (an operator's override for one run wins over
the tenant's file).
A bad value is a UsageError naming where it came from, raised before any work starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, create_model

from dossier.errors import UsageError

DEFAULT_MODEL = "claude-sonnet-4-6"
ENV_PREFIX = "DOSSIER_CLAUDE_"


@dataclass(frozen=True)
class ClaudeSettings:
    """Everything that shapes requests, spending and retries."""

    model: str = DEFAULT_MODEL
    #: output tokens per request (one chunk's concepts)
    max_tokens: int = 8192
    #: requests in flight at once
    concurrency: int = 4
    #: stop the iteration once this many tokens (input + output, cache included) are spent
    budget_tokens: int | None = None
    #: ... or once this many estimated USD are spent (prices: prices.py)
    budget_usd: float | None = None
    #: send a first onboarding's chunks through the Message Batches API (half price, slower)
    batch: bool = False
    #: batches only pay off for many chunks; fewer go through the Messages API
    batch_min_chunks: int = 20
    batch_poll_seconds: float = 15.0
    #: a chunk holds at most this many lines ...
    chunk_lines: int = 300
    #: ... and about this many characters (~4 characters per token)
    chunk_chars: int = 48_000
    #: lines repeated at the start of the next chunk, so a claim cut in two is seen whole
    overlap_lines: int = 20
    #: attempts after the first on 429/529/5xx/timeouts, with exponential backoff and jitter
    max_retries: int = 4
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 60.0
    timeout_seconds: float = 300.0
    #: another Messages API endpoint (a gateway, or the offline test stub)
    base_url: str | None = None
    #: "<input>,<output>" USD per million tokens for a model the price table lacks
    price: str | None = None
    #: after the deterministic merge, ask the model whether close candidates that stayed
    #: apart name one entity (adjudicate.py); off by default: resolution is deterministic
    adjudicate: bool = False
    #: at most this many candidate pairs are judged per run (the closest first)
    adjudicate_max_pairs: int = 40
    #: pairs sent in one adjudication request
    adjudicate_batch_pairs: int = 20

    @classmethod
    def load(
        cls,
        manifest_settings: Mapping[str, Any] | BaseModel | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> ClaudeSettings:
        """Defaults, overlaid by the manifest's mapping, overlaid by DOSSIER_CLAUDE_* vars."""
        env = os.environ if environ is None else environ
        if isinstance(manifest_settings, BaseModel):
            manifest_settings = manifest_settings.model_dump(exclude_none=True)
        settings = cls()
        known = {f.name: f for f in fields(cls)}
        for name, value in (manifest_settings or {}).items():
            if name not in known:
                raise UsageError(
                    f"unknown claude setting {name!r}; known: {', '.join(sorted(known))}"
                )
            settings = replace(settings, **{name: _coerce(name, value, f"setting {name}")})
        for name in known:
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is not None and raw.strip():
                where = ENV_PREFIX + name.upper()
                settings = replace(settings, **{name: _coerce(name, raw.strip(), where)})
        settings._check()
        return settings

    def _check(self) -> None:
        positive = ("max_tokens", "concurrency", "chunk_lines", "chunk_chars", "batch_min_chunks",
                    "adjudicate_max_pairs", "adjudicate_batch_pairs")
        for name in positive:
            if getattr(self, name) < 1:
                raise UsageError(f"claude setting {name} must be >= 1")
        if not 0 <= self.overlap_lines < self.chunk_lines:
            raise UsageError("claude setting overlap_lines must be >= 0 and < chunk_lines")
        for name in ("budget_tokens", "budget_usd"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise UsageError(f"claude setting {name} must be > 0")
        if self.max_retries < 0 or self.retry_base_seconds < 0 or self.timeout_seconds <= 0:
            raise UsageError("claude retry and timeout settings must not be negative")
        if not self.model.strip() or any(c in self.model for c in "/\\ \n"):
            raise UsageError(f"claude model {self.model!r} is not a model name")


_BOOL = {"1": True, "true": True, "yes": True, "on": True,
         "0": False, "false": False, "no": False, "off": False}


def _coerce(name: str, value: Any, where: str) -> Any:
    """``value`` as the type field ``name`` holds (from YAML or an env string)."""
    kind = {f.name: f.type for f in fields(ClaudeSettings)}[name]
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            return _BOOL[str(value).lower()]
        if kind in ("int", "int | None"):
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if kind in ("float", "float | None"):
            return float(value)
        return str(value)
    except (KeyError, ValueError, TypeError):
        raise UsageError(f"{where}: {value!r} is not a valid value for {name}") from None


def _manifest_model(settings: type[ClaudeSettings]) -> type[BaseModel]:
    """A pydantic model of ``settings``' fields, each optional and unset by default.

    Derived, not written out, so a knob added to :class:`ClaudeSettings` is accepted
    in the manifest at once, with the same type, and the two cannot drift apart.
    """
    hints = get_type_hints(settings)
    optional: dict[str, Any] = {f.name: (hints[f.name] | None, None) for f in fields(settings)}
    return create_model(
        "ClaudePluginSettings",
        __config__=ConfigDict(extra="forbid"),
        __doc__=(
            "The manifest's ``plugins.claude`` mapping, for a loader that validates plugin "
            "settings. Every key is optional (unset: the default, or the environment); the "
            "values are checked again by ClaudeSettings.load, which this model feeds."
        ),
        __module__=__name__,
        **optional,
    )


#: The manifest's ``plugins.claude`` mapping: :class:`ClaudeSettings`' fields, all optional.
ClaudePluginSettings = _manifest_model(ClaudeSettings)
