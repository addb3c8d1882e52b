"""Requests to the Messages API: one chunk in, one validated draft (or a skip reason) out.

The shared prefix — the forced tool and the versioned system prompt — is identical for
every chunk and marked ``cache_control``, so after the first request it is read from the
prompt cache at a tenth of the input price.  Transient failures (429, 5xx including 529
"overloaded", timeouts, dropped connections) are retried here with exponential backoff and
full jitter, bounded by ``max_retries``; the SDK's own retries are off so the bound and the
count in the run record are ours.  An answer that fails the schema is sent back once with
the validation error as the tool result; a second failure skips the chunk with its reason.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from dossier.errors import DossierError
from dossier.extract.claude.chunks import Chunk
from dossier.extract.claude.drafts import (
    TOOL_NAME,
    ChunkDraft,
    DraftInvalid,
    tool_definition,
    validate_draft,
)
from dossier.extract.claude.keys import redact
from dossier.extract.claude.settings import ClaudeSettings
from dossier.extract.claude.usage import Meter

#: The prompt file (``prompts/<version>.md``); part of ``generated.by`` and the cache key.
PROMPT_VERSION = "extract-v1"


class ClaudeApiError(DossierError):
    """The Messages API refused or kept failing; the iteration ends with a failed record."""


@cache
def load_prompt(version: str = PROMPT_VERSION) -> str:
    """The system prompt shipped in the package under ``prompts/<version>.md``."""
    return (resources.files("dossier.extract.claude") / "prompts" / f"{version}.md").read_text(
        encoding="utf-8")


@dataclass(frozen=True)
class ChunkOutcome:
    """A chunk's validated draft, or why it was skipped."""

    chunk: Chunk
    draft: ChunkDraft | None
    skipped: str | None = None


def request_params(settings: ClaudeSettings, chunk: Chunk, source_title: str,
                   line_count: int) -> dict[str, Any]:
    """The Messages API parameters for one chunk (also a batch request's ``params``)."""
    user = (
        f"Source: {source_title} (id {chunk.source_id}), lines {chunk.start}-{chunk.end} "
        f"of {line_count}.\n\n<chunk>\n{chunk.numbered()}\n</chunk>"
    )
    return {
        "model": settings.model,
        "max_tokens": settings.max_tokens,
        "system": [{"type": "text", "text": load_prompt(),
                    "cache_control": {"type": "ephemeral"}}],
        "tools": [tool_definition()],
        "tool_choice": {"type": "tool", "name": TOOL_NAME},
        "messages": [{"role": "user", "content": user}],
    }


def tool_input(message: Any, tool: str = TOOL_NAME) -> tuple[object, str | None]:
    """The forced tool call's input and id, or DraftInvalid saying what came back instead."""
    if getattr(message, "stop_reason", None) == "max_tokens":
        raise DraftInvalid("the answer was cut off at max_tokens (raise max_tokens or "
                           "lower chunk_lines)")
    for block in getattr(message, "content", None) or []:
        if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == tool:
            return getattr(block, "input", None), getattr(block, "id", None)
    raise DraftInvalid(f"the answer did not call the {tool} tool")


def correction(params: dict[str, Any], message: Any, tool_id: str | None,
               error: str, tool: str = TOOL_NAME) -> dict[str, Any]:
    """``params`` extended with the invalid answer and the error, asking for a fix."""
    note = f"Invalid: {error}. Call {tool} again with corrected input."
    messages = list(params["messages"])
    if tool_id is not None:
        assistant = [b.model_dump(mode="json", exclude_none=True) for b in message.content]
        messages.append({"role": "assistant", "content": assistant})
        messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": tool_id, "is_error": True, "content": note},
        ]})
    else:
        messages.append({"role": "user", "content": note})
    return {**params, "messages": messages}


class Caller:
    """Sends requests through one SDK client, with retries, the meter and the budget."""

    def __init__(self, settings: ClaudeSettings, key: str, meter: Meter,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self._key = key
        self.meter = meter
        self._sleep = sleep
        self._client: Any = None

    @property
    def client(self) -> Any:
        """The anthropic client, imported on first use (the import alone costs ~1 s)."""
        if self._client is None:
            import anthropic

            self._client = anthropic.Anthropic(
                api_key=self._key,
                base_url=self.settings.base_url,
                max_retries=0,
                timeout=self.settings.timeout_seconds,
            )
        return self._client

    def extract(self, chunk: Chunk, source_title: str, line_count: int) -> ChunkOutcome:
        """One chunk through the Messages API: validated, corrected once, or skipped."""
        params = request_params(self.settings, chunk, source_title, line_count)
        message = self.send(params, chunk.label)
        return self.settle(chunk, params, message)

    def settle(self, chunk: Chunk, params: dict[str, Any], message: Any) -> ChunkOutcome:
        """Validate ``message``; on failure ask once more with the error, then skip."""
        tool_id: str | None = None
        try:
            raw, tool_id = tool_input(message)
            return ChunkOutcome(chunk, validate_draft(raw, chunk))
        except DraftInvalid as first:
            retry = correction(params, message, tool_id, str(first))
        second = self.send(retry, chunk.label + " (correction)")
        try:
            raw, _ = tool_input(second)
            return ChunkOutcome(chunk, validate_draft(raw, chunk))
        except DraftInvalid as again:
            return ChunkOutcome(chunk, None, skipped=f"invalid answer twice: {again}")

    def send(self, params: dict[str, Any], where: str) -> Any:
        """``messages.create`` with bounded retries; counts usage; checks the budget first."""
        import anthropic

        transient = (anthropic.RateLimitError, anthropic.InternalServerError,
                     anthropic.APIConnectionError)
        attempt = 0
        while True:
            self.meter.check(where)
            try:
                message = self.client.messages.create(**params)
            except transient as exc:
                if attempt >= self.settings.max_retries:
                    raise ClaudeApiError(
                        f"claude extraction failed at {where} after {attempt + 1} attempts: "
                        f"{self.describe(exc)}"
                    ) from None
                self._sleep(self._backoff(attempt, exc))
                self.meter.retried()
                attempt += 1
                continue
            except anthropic.APIStatusError as exc:
                raise ClaudeApiError(
                    f"claude extraction failed at {where}: {self.describe(exc)}"
                ) from None
            self.meter.add(getattr(message, "usage", None))
            return message

    def _backoff(self, attempt: int, exc: Exception) -> float:
        """Full jitter on an exponential ceiling; a server's retry-after is honoured."""
        ceiling = min(self.settings.retry_max_seconds,
                      self.settings.retry_base_seconds * (2 ** attempt))
        response = getattr(exc, "response", None)
        header = response.headers.get("retry-after") if response is not None else None
        try:
            asked = float(header) if header is not None else 0.0
        except ValueError:
            asked = 0.0
        return max(min(asked, self.settings.retry_max_seconds), random.uniform(0, ceiling))

    def describe(self, exc: Exception) -> str:
        """A one-line, key-free account of an API failure."""
        status = getattr(exc, "status_code", None)
        body = getattr(exc, "body", None)
        kind = None
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict):
                kind = error.get("type")
        text = type(exc).__name__ + (f" (HTTP {status}" + (f", {kind})" if kind else ")")
                                     if status is not None else "")
        return redact(text, self._key)
