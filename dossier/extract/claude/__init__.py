"""The claude extractor: typed, linked, cited concepts from the Messages API.

``ClaudeExtractor`` is a thin adapter between the extractor seam and this package:
``chunks`` cuts sources, ``caller``/``batch`` talk to the API, ``drafts`` is the answer's
schema, ``merge`` resolves concepts across chunks and sources (``candidates`` and
``adjudicate`` optionally put close ones to the model), ``usage``/``prices`` count
tokens and cost, ``keys`` finds and redacts the key, ``settings`` holds the knobs.
Selecting it without the ``claude`` extra or without a key fails before any work starts.
See docs/claude.md.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from dossier.errors import DossierError, UsageError
from dossier.extract.claude.adjudicate import Adjudicator
from dossier.extract.claude.batch import Job, run_batch
from dossier.extract.claude.caller import PROMPT_VERSION, Caller, ChunkOutcome
from dossier.extract.claude.chunks import Chunk, cut
from dossier.extract.claude.keys import redact, resolve_key
from dossier.extract.claude.merge import merge
from dossier.extract.claude.prices import price_for
from dossier.extract.claude.result import RESULT_SCHEMA, ChunkResult, ClaudeSourceResult
from dossier.extract.claude.settings import ClaudePluginSettings, ClaudeSettings
from dossier.extract.claude.usage import BudgetExceeded, Meter, SkippedChunk
from dossier.extract.model import ExtractSettings, ProposedConcept, SourceLike

PRODUCER = "dossier-claude"

__all__ = ["PRODUCER", "PROMPT_VERSION", "BudgetExceeded", "ClaudeExtractor",
           "ClaudeSettings", "ClaudeUnavailable"]


class ClaudeUnavailable(UsageError):
    """The ``claude`` extra is not installed."""


class ClaudeExtractor:
    """Registered as entry point ``claude``; one instance serves one iteration."""

    name = "claude"
    #: what a plugin loader validates the manifest's ``plugins.claude`` with
    settings_model = ClaudePluginSettings

    def __init__(self, manifest_settings: Mapping[str, Any] | BaseModel | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        if importlib.util.find_spec("anthropic") is None:
            raise ClaudeUnavailable(
                "extractor 'claude' needs the anthropic SDK: pip install 'dossier[claude]' "
                "(or use --extractor deterministic)"
            )
        self.settings = ClaudeSettings.load(manifest_settings, environ)
        self._key = resolve_key(environ)
        price = price_for(self.settings.model, self.settings.price)
        if price is None and self.settings.budget_usd is not None:
            raise UsageError(
                f"no price known for model {self.settings.model!r}, so a USD budget cannot be "
                "kept: set DOSSIER_CLAUDE_PRICE='<input>,<output>' (USD per million tokens)"
            )
        #: ``<prompt>+<model>``: the runtime's cache folder and trailers carry it, so a
        #: changed prompt or model re-extracts and an unchanged one never pays twice
        self.version = f"{PROMPT_VERSION}+{self.settings.model}"
        self.generated_by = f"{PRODUCER}/{self.version}"
        self.meter = Meter(price, self.settings.budget_tokens, self.settings.budget_usd)
        self._caller = Caller(self.settings, self._key, self.meter)
        self._done: dict[tuple[str, str], ClaudeSourceResult] = {}
        self._failure: DossierError | None = None
        self._skipped: list[SkippedChunk] = []
        self._adjudicator: Adjudicator | None = None

    # -- the seam -------------------------------------------------------------------------

    def prefetch(self, docs: Sequence[SourceLike]) -> None:
        """Extract every source the runtime's cache lacks, concurrently or as one batch.

        A failure (budget, API) is kept and raised by ``extract_source`` for the first
        source it left unfinished, so sources finished before it still reach the cache.
        """
        jobs: list[Job] = []
        owners: list[_Cut] = []
        for doc in sorted(docs, key=lambda d: d.source_id):
            source = self._cut(doc)
            jobs.extend((chunk, source.title, source.line_count) for chunk in source.chunks)
            owners.extend(source for _ in source.chunks)
            if not source.chunks:
                self._finish(source, [])
        if not jobs:
            return
        try:
            if self.settings.batch and len(jobs) >= self.settings.batch_min_chunks:
                outcomes = run_batch(self._caller, jobs,
                                     poll_seconds=self.settings.batch_poll_seconds)
                self._collect(owners, list(enumerate(outcomes)))
            else:
                self._concurrent(jobs, owners)
        except DossierError as exc:
            self._failure = exc

    def extract_source(self, doc: SourceLike) -> ClaudeSourceResult:
        done = self._done.get((doc.source_id, doc.sha256))
        if done is not None:
            return done
        if self._failure is not None:
            raise self._failure
        source = self._cut(doc)
        outcomes = [self._caller.extract(chunk, source.title, source.line_count)
                    for chunk in source.chunks]
        return self._finish(source, outcomes)

    def assemble(self, extractions: Sequence[ClaudeSourceResult],
                 settings: ExtractSettings | None = None) -> list[ProposedConcept]:
        self._skipped = sorted((s for r in extractions for s in r.skipped),
                               key=lambda s: (s.source_id, s.start))
        settings = settings or ExtractSettings()
        if self.settings.adjudicate:
            # decisions are cached in the folder the runtime gives assemble for its cache
            self._adjudicator = Adjudicator(self._caller, settings.cache_dir)
        return merge(extractions, settings, self._adjudicator)

    # -- the cache codec and the report -------------------------------------------------

    def encode(self, result: ClaudeSourceResult) -> str:
        return result.to_json()

    def decode(self, data: str) -> ClaudeSourceResult:
        return ClaudeSourceResult.from_json(data)

    def cache_key(self) -> str:
        """What besides the text changes a per-source result: prompt, model, result shape."""
        return f"{self.version}/r{RESULT_SCHEMA}"

    def assembly_key(self) -> str:
        """What besides the per-source results changes ``assemble``: the adjudication step.

        Not part of :meth:`cache_key` (switching it on must not re-extract anything), but
        the runtime keeps it in the loop state, so switching it re-assembles next run.
        """
        s = self.settings
        if not s.adjudicate:
            return "adjudicate:off"
        return f"adjudicate:on/{s.adjudicate_max_pairs}/{s.adjudicate_batch_pairs}"

    def usage_summary(self) -> dict[str, Any]:
        """Tokens, estimated cost, skipped chunks and where a stop happened, key-free."""
        totals = self.meter.totals.to_dict()
        if self.meter.price is None:
            totals["cost_usd"] = None
        return {
            "producer": self.generated_by,
            "model": self.settings.model,
            "prompt": PROMPT_VERSION,
            **totals,
            "tokens": self.meter.totals.tokens,
            "stopped_at": self.meter.stopped_at,
            "skipped_chunks": [
                {"source_id": s.source_id, "lines": f"{s.start}-{s.end}",
                 "reason": redact(s.reason, self._key)}
                for s in self._skipped
            ],
            **self._adjudication(),
        }

    def _adjudication(self) -> dict[str, Any]:
        """The adjudication step's counts and skipped pairs, when it ran."""
        if self._adjudicator is None:
            return {}
        report = self._adjudicator.report.to_dict()
        for entry in report["skipped_pairs"]:
            entry["reason"] = redact(entry["reason"], self._key)
        return {"adjudication": report}

    # -- internals --------------------------------------------------------------------------

    def _cut(self, doc: SourceLike) -> _Cut:
        chunks = cut(doc.source_id, doc.text, max_lines=self.settings.chunk_lines,
                     max_chars=self.settings.chunk_chars, overlap=self.settings.overlap_lines)
        return _Cut(doc, chunks, _title(doc), chunks[-1].end if chunks else 0)

    def _concurrent(self, jobs: list[Job], owners: list[_Cut]) -> None:
        stop = threading.Event()

        def work(job: Job) -> ChunkOutcome | None:
            if stop.is_set():  # another chunk failed: send nothing more
                return None
            try:
                return self._caller.extract(*job)
            except BaseException:
                stop.set()
                raise

        _ = self._caller.client  # built once, before threads share it
        with ThreadPoolExecutor(max_workers=self.settings.concurrency,
                                thread_name_prefix="dossier-claude") as pool:
            futures = [pool.submit(work, job) for job in jobs]
        finished: list[tuple[int, ChunkOutcome]] = []
        failure: BaseException | None = None
        for index, future in enumerate(futures):
            exc = future.exception()
            if exc is not None:
                failure = failure or exc
            elif (outcome := future.result()) is not None:
                finished.append((index, outcome))
        self._collect(owners, finished)
        if failure is not None:
            raise failure

    def _collect(self, owners: list[_Cut], finished: list[tuple[int, ChunkOutcome]]) -> None:
        """Finish every source all of whose chunks have an outcome."""
        by_source: dict[str, list[ChunkOutcome]] = {}
        for index, outcome in finished:
            by_source.setdefault(owners[index].doc.source_id, []).append(outcome)
        sources = {source.doc.source_id: source for source in owners}
        for source_id, outcomes in by_source.items():
            if len(outcomes) == len(sources[source_id].chunks):
                self._finish(sources[source_id], outcomes)

    def _finish(self, source: _Cut, outcomes: list[ChunkOutcome]) -> ClaudeSourceResult:
        doc = source.doc
        ordered = sorted(outcomes, key=lambda o: o.chunk.index)
        result = ClaudeSourceResult(
            source_id=doc.source_id,
            sha256=doc.sha256,
            title=source.title,
            line_count=source.line_count,
            last_modified=getattr(doc, "last_modified", None),
            chunks=tuple(ChunkResult(o.chunk.start, o.chunk.end, o.draft)
                         for o in ordered if o.draft is not None),
            skipped=tuple(SkippedChunk(doc.source_id, o.chunk.start, o.chunk.end, o.skipped)
                          for o in ordered if o.skipped is not None),
        )
        self._done[(doc.source_id, doc.sha256)] = result
        self._skipped.extend(result.skipped)
        return result


@dataclass(frozen=True)
class _Cut:
    """One source cut into chunks, with what every request about it repeats.

    Worked out once per source, not per chunk: the title, and the line count (the
    last chunk's end: :func:`cut` has split the text into lines already).
    """

    doc: SourceLike
    chunks: list[Chunk]
    title: str
    line_count: int


def _title(doc: SourceLike) -> str:
    title = getattr(doc, "title", None)
    return str(title) if title else doc.source_id
