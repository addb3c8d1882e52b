"""``AgentOrchestrator`` (``--orchestrator agent``): the loop, with Claude as a stage.

An agent-driven iteration is the default loop's iteration — tenant lock, recovery
of a killed run, ingest, the manifest's extractor merged under the ownership rules,
``index.md``/``log.md``, OKF validation, the eval gate, one commit with trailers
and the run record, a failed-run record and the tree put back on failure — with one
more stage right after the merge (:meth:`DefaultOrchestrator.after_merge`): an
Agent SDK session in which Claude reads the sources and the bundle (this
iteration's extracted concepts included) through :class:`AgentTools` and proposes
concepts.  Its writes are validated as they are made (:class:`StagingWriter`), are
``agent:claude`` drafts the loop never rewrites, and land in the iteration's
single commit.

A session that stops early (turn or budget limit, an API error, a crash) fails the
iteration: nothing is committed and the session id stays in the tenant cache, so
the next run resumes that session (``resume=``).

Checking the extra and the key happens in the constructor, which the CLI calls
before any tenant is touched.
"""

from __future__ import annotations

import asyncio
import re

from dossier.errors import DossierError
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
from dossier.runtime.agent.settings import AgentConfig, resolve_config
from dossier.runtime.agent.tools import AGENT_ACTOR, AgentTools
from dossier.runtime.default import DefaultOrchestrator, _stage
from dossier.runtime.orchestrator import LoopOptions
from dossier.runtime.records import AgentSession, RunRecord
from dossier.serve.writes import ACTOR_TRAILER
from dossier.tenancy import TenantContext, load_manifest

SESSION_TRAILER = "Dossier-Agent-Session"
_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


class AgentSessionError(DossierError):
    """The agent's session stopped before finishing; the iteration commits nothing."""


class AgentOrchestrator(DefaultOrchestrator):
    """Claude, through Dossier's tools only, as a stage of the default loop."""

    name = "agent"
    skips_unchanged = False  # the agent may learn something even when no source changed

    def __init__(self, transport_factory: TransportFactory | None = None) -> None:
        require_sdk()
        self._key: ApiKey = load_key()
        # Looked up per instance: the bundled CLI unless a caller (a test) supplies one.
        self._transport_factory: TransportFactory = transport_factory or confined_transport

    def extra_trailers(self, record: RunRecord) -> dict[str, str]:
        trailers = {ACTOR_TRAILER: AGENT_ACTOR}
        session = record.agent.session_id if record.agent is not None else None
        if session and _SESSION_ID.fullmatch(session):  # the CLI's id; never a forged line
            trailers[SESSION_TRAILER] = session
        return trailers

    def run_iteration(self, ctx: TenantContext, options: LoopOptions) -> RunRecord:
        record = super().run_iteration(ctx, options)
        if record.status != "failed" and record.agent is not None:
            checkpoint.clear_open(ctx)  # committed (or nothing to commit): nothing to resume
        # Belt and braces: whatever text reached the record, the key is not in it.
        record.message = scrub(record.message, self._key)
        record.errors = [scrub(e, self._key) for e in record.errors]
        return record

    def after_merge(self, ctx: TenantContext, options: LoopOptions, record: RunRecord) -> None:
        """The agent stage: the extractor's concepts are in the tree, nothing is indexed yet."""
        config = resolve_config(load_manifest(ctx))
        with _stage(record, options, "agent") as note:
            outcome = self._session(ctx, config, record)
            note(f"{len(record.agent.proposals) if record.agent else 0} proposals, "
                 f"stop: {outcome.stop}")
        if not outcome.ok:
            raise AgentSessionError(
                f"agent session stopped before finishing ({outcome.stop}); nothing committed"
                + (f"; the next run resumes session {outcome.session_id}"
                   if outcome.session_id else "")
            )

    def _session(self, ctx: TenantContext, config: AgentConfig,
                 record: RunRecord) -> SessionOutcome:
        """Run the session; its account goes into ``record.agent`` as it happens."""
        previous = checkpoint.read_open(ctx)
        resume = previous.session_id if previous and previous.mode == config.mode else None
        # One attempt per checkpoint: it is written again only when the CLI reports the
        # session, so a session the CLI cannot resume does not fail every later run.
        checkpoint.clear_open(ctx)
        tools = AgentTools(ctx)
        info = AgentSession(resumed_from=resume, mode=config.mode,
                            model=config.model or "default", stop="started")
        record.agent = info
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
                                          self._transport_factory(options), opened, tools))
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

