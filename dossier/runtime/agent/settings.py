"""The agent's limits for one run: the manifest's ``agent:`` section, env, defaults.

Precedence: ``DOSSIER_AGENT_*`` environment variables (one run) over the tenant
manifest's ``agent:`` section over the defaults here.  A limit that is not a number
is a usage error naming the variable, before any work starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from dossier.errors import UsageError
from dossier.tenancy.manifest import AgentSettings, Manifest

Mode = Literal["onboard", "curate"]
MODES: tuple[Mode, ...] = ("onboard", "curate")

DEFAULT_MAX_TURNS = 40
DEFAULT_MAX_BUDGET_USD = 2.0

ENV_MODE = "DOSSIER_AGENT_MODE"
ENV_MODEL = "DOSSIER_AGENT_MODEL"
ENV_MAX_TURNS = "DOSSIER_AGENT_MAX_TURNS"
ENV_MAX_BUDGET = "DOSSIER_AGENT_MAX_BUDGET_USD"


@dataclass(frozen=True)
class AgentConfig:
    """What one agent session may do: its mode, model and limits."""

    mode: Mode = "onboard"
    model: str | None = None
    max_turns: int = DEFAULT_MAX_TURNS
    max_budget_usd: float = DEFAULT_MAX_BUDGET_USD


def _number(env: Mapping[str, str], name: str, kind: type[int] | type[float]) -> float | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise UsageError(f"{name}={raw!r} is not {what}") from None
    if value <= 0:
        raise UsageError(f"{name}={raw!r} must be greater than 0")
    return value


def resolve_config(manifest: Manifest, environ: Mapping[str, str] | None = None) -> AgentConfig:
    """The effective settings for a run of ``manifest``'s tenant."""
    env = os.environ if environ is None else environ
    section = manifest.agent or AgentSettings()
    mode = env.get(ENV_MODE, "").strip() or section.mode
    if mode not in MODES:
        raise UsageError(f"{ENV_MODE}={mode!r}: use one of {', '.join(MODES)}")
    turns = _number(env, ENV_MAX_TURNS, int)
    budget = _number(env, ENV_MAX_BUDGET, float)
    return AgentConfig(
        mode=mode,
        model=env.get(ENV_MODEL, "").strip() or section.model,
        max_turns=int(turns) if turns is not None else section.max_turns or DEFAULT_MAX_TURNS,
        max_budget_usd=(budget if budget is not None
                        else section.max_budget_usd or DEFAULT_MAX_BUDGET_USD),
    )
