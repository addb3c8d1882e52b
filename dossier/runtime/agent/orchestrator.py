"""``AgentOrchestrator`` (``--orchestrator agent``): Claude proposes, the harness lands it.

Like every orchestrator it only *proposes* (:mod:`dossier.runtime.harness` holds the
lock, recovers, applies with the merge-never-clobber rules, validates, gates, commits
once with trailers and the run record, or keeps a failed-run record and puts the tree
back).  Its proposal is built in two steps:

1. the default extraction (:class:`DefaultOrchestrator`, composed, not inherited):
   ingest and the manifest's extractor, so the proposal carries the *whole*
   machine-owned bundle and stays ``complete=True`` like the default loop's;
2. an Agent SDK session in which Claude reads the sources and a scratch copy of the
   bundle with that extraction laid over it (:class:`StagedBundle`), through
   :class:`AgentTools` only.  Its writes are checked as they are made (OKF validation,
   a person's concept refused, ``agent:claude`` drafts) and collected; they join the
   proposal in place of the extractor's version of the same concept.

When the extraction finds nothing new (up to date) the agent still runs; the
proposal then holds only the agent's documents and is ``complete=False``, so the
bundle's other concepts stay as they are.

A session that stops early (turn or budget limit, an API error, a crash) fails the
iteration: nothing is committed and the session id stays in the tenant cache, so the
next run resumes that session (``resume=``).  The id is in the run record
(``agent``) and the ``Dossier-Agent-Session`` trailer; the SDK's token counts and
cost become the proposal's ``usage`` (``Dossier-Tokens``/``Dossier-Cost-USD``).

Checking the extra and the key happens in the constructor, which the plugin loader
runs before any tenant is touched.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from dossier.errors import DossierError
from dossier.okf import ConceptDocument
from dossier.runtime.agent import checkpoint
from dossier.runtime.agent.driver import (
    SessionOutcome,
    TransportFactory,
    build_options,
    confined_transport,
    require_sdk,
    run_session,
)
from dossier.runtime.agent.keys import ApiKey, load_key, scrub
from dossier.runtime.agent.prompts import PROMPT_VERSION, SYSTEM, task_prompt
from dossier.runtime.agent.settings import AgentConfig, AgentSettings, resolve_config
from dossier.runtime.agent.staging import StagedBundle
from dossier.runtime.agent.tools import AGENT_ACTOR, AgentTools
from dossier.runtime.default import DefaultOrchestrator
from dossier.runtime.orchestrator import Iteration, LoopOptions
from dossier.runtime.proposal import Proposal
from dossier.runtime.records import AgentSession, RunRecord, Usage
from dossier.serve.writes import ACTOR_TRAILER
from dossier.tenancy import TenantContext

SESSION_TRAILER = "Dossier-Agent-Session"
_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


class AgentSessionError(DossierError):
    """The agent's session stopped before finishing; the iteration commits nothing."""


class AgentOrchestrator:
    """Claude, through Dossier's tools only, after the default extraction."""

    name = "agent"
    #: the manifest's ``plugins.agent`` mapping, validated when the plugin is loaded
    settings_model = AgentSettings

    def __init__(self, settings: AgentSettings | None = None, *,
                 transport_factory: TransportFactory | None = None) -> None:
        require_sdk()
        self._key: ApiKey = load_key()
        self._settings = settings
        self._extraction = DefaultOrchestrator()
        # Looked up per instance: the bundled CLI unless a caller (a test) supplies one.
        self._transport_factory: TransportFactory = transport_factory or confined_transport

    def propose(self, iteration: Iteration) -> Proposal:
        """The extraction's proposal with the agent session's documents in it."""
        settings = self._settings or AgentSettings.model_validate(
            iteration.manifest.plugins.get(self.name) or {})
        config = resolve_config(settings)
        proposal = self._extraction.propose(iteration)
        if proposal.up_to_date:
            # Nothing new from the sources, but the agent may still learn something:
            # its documents alone, changing nothing else.
            proposal.up_to_date = False
            proposal.complete = False
            extracted: list[ConceptDocument] = []
        else:
            extracted = proposal.concepts
        with iteration.stage("agent") as note:
            view = StagedBundle(iteration.ctx, extracted)
            try:
                tools = AgentTools(iteration.ctx, view)
                outcome = self._session(
                    iteration.ctx, config, iteration.record, tools,
                    lambda turn: iteration.count("agent", turn, config.max_turns, "turns"))
                written = tools.writer.documents()
            finally:
                view.discard()
            note(_stage_line(len(written), len(tools.refused), outcome))
        info = iteration.record.agent
        if not outcome.ok:
            raise AgentSessionError(
                f"agent session stopped before finishing ({outcome.stop}); nothing committed"
                + (f"; the next run resumes session {outcome.session_id}"
                   if outcome.session_id else "")
            )
        checkpoint.clear_open(iteration.ctx)  # finished: nothing to resume
        mine = {doc.concept_id for doc in written}
        proposal.concepts = [d for d in proposal.concepts if d.concept_id not in mine] + written
        proposal.usage = _combined(proposal.usage, _usage(outcome, config))
        proposal.trailers = {ACTOR_TRAILER: AGENT_ACTOR}
        if info is not None and info.session_id and _SESSION_ID.fullmatch(info.session_id):
            proposal.trailers[SESSION_TRAILER] = info.session_id  # the CLI's id, never forged
        proposal.notes.append(f"agent ({config.mode}, prompt {PROMPT_VERSION}): "
                              f"{len(written)} concepts written")
        return proposal

    def run_iteration(self, ctx: TenantContext, options: LoopOptions) -> RunRecord:
        """Convenience for callers that hold an instance: one iteration via the harness."""
        from dossier.runtime.harness import run_iteration

        return run_iteration(ctx, self, options)  # the harness redacts the key on failure

    def _session(self, ctx: TenantContext, config: AgentConfig, record: RunRecord,
                 tools: AgentTools,
                 on_turn: Callable[[int], None] = lambda turn: None) -> SessionOutcome:
        """Run the session; its account goes into ``record.agent`` as it happens.

        ``on_turn`` hears each model turn as it arrives (the stage's running count).
        """
        previous = checkpoint.read_open(ctx)
        resume = previous.session_id if previous and previous.mode == config.mode else None
        # One attempt per checkpoint: it is written again only when the CLI reports the
        # session, so a session the CLI cannot resume does not fail every later run.
        checkpoint.clear_open(ctx)
        info = AgentSession(resumed_from=resume, mode=config.mode,
                            model=config.model or "default", stop="started")
        record.agent = info  # kept in the failed-run record too
        workdir = ctx.cache_path("agent", "work")
        workdir.mkdir(parents=True, exist_ok=True)
        options = build_options(
            tools, config,
            system_prompt=f"{SYSTEM}\n\n(prompt {PROMPT_VERSION})",
            workdir=workdir,
            config_dir=ctx.cache_path("agent", "claude"),
            key=self._key,
            resume=resume,
        )

        def opened(session_id: str) -> None:
            info.session_id = session_id
            checkpoint.write_open(ctx, checkpoint.OpenSession(session_id, record.run_id,
                                                              config.mode))

        outcome = asyncio.run(run_session(task_prompt(config.mode, resume is not None), options,
                                          self._transport_factory(options), opened, tools,
                                          on_turn))
        info.session_id = outcome.session_id or info.session_id
        info.turns = outcome.turns
        info.cost_usd = outcome.cost_usd
        info.stop = scrub(outcome.stop, self._key)[:500]
        outcome.stop = info.stop
        info.summary = scrub(tools.summary or outcome.result, self._key)[:1000]
        info.proposals = list(tools.proposals)
        info.refused = [r.model_copy(update={"reason": scrub(r.reason, self._key)})
                        for r in tools.refused]
        return outcome


def _stage_line(written: int, refused: int, outcome: SessionOutcome) -> str:
    """The agent stage's closing line: what the session proposed, was refused, took.

    ``5 concepts proposed, 2 refused, 7 turns``, and why it stopped when it did not
    finish (the reason is already scrubbed of the key).
    """
    line = f"{written} concepts proposed, {refused} refused, {outcome.turns or 0} turns"
    return line if outcome.stop == "finished" else f"{line}; stopped: {outcome.stop}"


def _count(usage: dict[str, Any], name: str) -> int:
    value = usage.get(name)
    return int(value) if isinstance(value, int | float) and value >= 0 else 0


def _usage(outcome: SessionOutcome, config: AgentConfig) -> Usage:
    """The session's spend as the SDK's result message reported it."""
    raw = outcome.usage or {}
    usage = Usage(
        producer="agent",
        model=config.model or "default",
        prompt=PROMPT_VERSION,
        requests=outcome.turns or 0,
        input_tokens=_count(raw, "input_tokens"),
        output_tokens=_count(raw, "output_tokens"),
        cache_write_tokens=_count(raw, "cache_creation_input_tokens"),
        cache_read_tokens=_count(raw, "cache_read_input_tokens"),
        cost_usd=outcome.cost_usd,
    )
    usage.tokens = (usage.input_tokens + usage.output_tokens + usage.cache_write_tokens
                    + usage.cache_read_tokens)
    return usage


def _combined(extraction: Usage | None, agent: Usage) -> Usage:
    """One iteration's spend: a metered extractor's (if any) plus the agent's."""
    if extraction is None:
        return agent
    cost = (None if extraction.cost_usd is None or agent.cost_usd is None
            else extraction.cost_usd + agent.cost_usd)
    return extraction.model_copy(update={
        "producer": f"{extraction.producer}+agent",
        "requests": extraction.requests + agent.requests,
        "input_tokens": extraction.input_tokens + agent.input_tokens,
        "output_tokens": extraction.output_tokens + agent.output_tokens,
        "cache_write_tokens": extraction.cache_write_tokens + agent.cache_write_tokens,
        "cache_read_tokens": extraction.cache_read_tokens + agent.cache_read_tokens,
        "tokens": extraction.total_tokens + agent.total_tokens,
        "cost_usd": cost,
    })
