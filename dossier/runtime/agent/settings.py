"""The agent's limits for one run: the manifest's ``plugins.agent`` section, env, defaults.

Precedence: ``DOSSIER_AGENT_*`` environment variables (one run) over the tenant
manifest's ``plugins.agent`` mapping (validated by :class:`AgentSettings`, the
orchestrator's ``settings_model``, when the plugin is loaded — so before any work)
over the defaults here.  A limit that is not a number is a usage error naming the
variable.  No key ever lives in the manifest (:mod:`dossier.tenancy.secrets`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dossier.errors import UsageError

Mode = Literal["onboard", "curate"]
MODES: tuple[Mode, ...] = ("onboard", "curate")

DEFAULT_MAX_TURNS = 40
DEFAULT_MAX_BUDGET_USD = 2.0

ENV_MODE = "DOSSIER_AGENT_MODE"
ENV_MODEL = "DOSSIER_AGENT_MODEL"
ENV_MAX_TURNS = "DOSSIER_AGENT_MAX_TURNS"
ENV_MAX_BUDGET = "DOSSIER_AGENT_MAX_BUDGET_USD"


class AgentSettings(BaseModel):
    """``plugins.agent`` in the tenant manifest: what the owner lets a session do."""

    model_config = ConfigDict(extra="forbid")

    mode: Mode = "onboard"
    model: str | None = None
    max_turns: int | None = Field(default=None, gt=0, le=500)
    max_budget_usd: float | None = Field(default=None, gt=0, le=1000)


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


def resolve_config(section: AgentSettings,
                   environ: Mapping[str, str] | None = None) -> AgentConfig:
    """The effective settings for one run: ``section`` with the environment over it."""
    env = os.environ if environ is None else environ
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
