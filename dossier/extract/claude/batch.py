"""A large first onboarding through the Message Batches API: half price, hours not seconds.

All chunks go in one batch; the batch is polled until it ends; each succeeded answer is
validated like a direct one (a correction, when needed, goes through the Messages API), and
a request the batch did not answer (errored, expired, canceled) is sent directly.  The
budget is checked before submission and counted per answer; a batch already submitted
cannot be stopped half-way, so set ``budget_*`` with the whole batch in mind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from dossier.extract.claude.caller import Caller, ChunkOutcome, ClaudeApiError, request_params
from dossier.extract.claude.chunks import Chunk

Job = tuple[Chunk, str, int]  # chunk, source title, source line count


def run_batch(caller: Caller, jobs: Sequence[Job], *, poll_seconds: float,
              sleep: Callable[[float], None] = time.sleep) -> list[ChunkOutcome]:
    """Outcomes for ``jobs``, in order."""
    import anthropic

    params = [request_params(caller.settings, chunk, title, count) for chunk, title, count in jobs]
    caller.meter.check(f"batch of {len(jobs)} chunks")
    batches = caller.client.messages.batches
    try:
        batch: Any = batches.create(requests=[
            {"custom_id": f"chunk-{index}", "params": p} for index, p in enumerate(params)
        ])
        while batch.processing_status != "ended":
            sleep(poll_seconds)
            batch = batches.retrieve(batch.id)
        answers: dict[int, Any] = {}
        for item in batches.results(batch.id):
            if item.result.type == "succeeded":
                answers[int(item.custom_id.removeprefix("chunk-"))] = item.result.message
    except anthropic.APIError as exc:
        raise ClaudeApiError(f"claude batch failed: {caller.describe(exc)}") from None
    outcomes: list[ChunkOutcome] = []
    for index, (chunk, title, count) in enumerate(jobs):
        message = answers.get(index)
        if message is None:
            outcomes.append(caller.extract(chunk, title, count))
            continue
        caller.meter.add(getattr(message, "usage", None), batch=True)
        outcomes.append(caller.settle(chunk, params[index], message))
    return outcomes
