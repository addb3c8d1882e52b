"""Run the loop for many tenants, in this process or in parallel worker processes.

Each tenant is independent (its own directory, repository and lock), so tenants
can run side by side; ``jobs`` worker processes each take whole tenants.  Progress
events travel back over a queue so one display can show every tenant's stage.
A tenant whose iteration hits an unexpected error is reported as failed; the other
tenants still run.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import replace
from pathlib import Path
from typing import Any

from dossier.errors import DossierError
from dossier.extract.seam import get_extractor
from dossier.runtime.harness import run_iteration
from dossier.runtime.orchestrator import LoopOptions, ProgressCallback, get_orchestrator
from dossier.runtime.records import RunRecord
from dossier.runtime.runid import utc_now_iso
from dossier.tenancy import ManifestError, Registry, load_manifest

#: ``on_event(client_id, stage, detail)``; stage "done" carries the final status.
EventSink = Callable[[str, str, str], None]


def preflight(
    root: Path, client_ids: Sequence[str], orchestrator: str | None, extractor: str | None
) -> None:
    """Load and check every plugin the run will use, with each tenant's settings.

    Raises the first plugin error (unknown name, missing extra, bad settings, a failed
    ``check()`` such as a missing key) before any tenant is locked or written.  A tenant
    whose manifest cannot be read is left to fail on its own in :func:`run_one`.
    """
    seen: set[tuple[str, str, str]] = set()
    registry = Registry(root)
    for client_id in client_ids:
        try:
            manifest = load_manifest(registry.get(client_id))
        except ManifestError:
            continue
        name = orchestrator or manifest.orchestrator
        key = ("orchestrator", name, repr(manifest.plugins.get(name)))
        if key in seen:
            continue
        seen.add(key)
        instance = get_orchestrator(name, manifest.plugins.get(name))
        if getattr(instance, "uses_extractor", True):
            extractor_name = extractor or manifest.extractor
            ext_key = ("extractor", extractor_name, repr(manifest.plugins.get(extractor_name)))
            if ext_key not in seen:
                seen.add(ext_key)
                get_extractor(extractor_name, manifest.plugins.get(extractor_name))


def run_one(
    root: Path,
    client_id: str,
    orchestrator: str | None,
    options: LoopOptions,
) -> RunRecord:
    """One tenant's iteration through the harness; every failure becomes a ``failed`` record.

    The orchestrator (and, in the harness, the extractor) is loaded and checked
    before anything is locked or written: a missing extra or key fails here.
    """
    try:
        ctx = Registry(root).get(client_id)
        manifest = load_manifest(ctx)
        name = orchestrator or manifest.orchestrator
        return run_iteration(ctx, get_orchestrator(name, manifest.plugins.get(name)), options)
    except DossierError as exc:
        return _failed(client_id, orchestrator, str(exc))
    except Exception as exc:  # a bug in one tenant's run must not stop the others
        detail = "".join(traceback.format_exception_only(exc)).strip()
        return _failed(client_id, orchestrator, f"internal error: {detail}")


def _failed(client_id: str, orchestrator: str | None, message: str) -> RunRecord:
    now = utc_now_iso()
    return RunRecord(
        run_id="-",
        client_id=client_id,
        orchestrator=orchestrator or "-",
        extractor="-",
        started_at=now,
        finished_at=now,
        status="failed",
        message=message,
        errors=[message],
    )


def _worker(
    root: str,
    client_id: str,
    orchestrator: str | None,
    options: LoopOptions,
    events: Any,
) -> str:
    def progress(stage: str, detail: str) -> None:
        events.put((client_id, stage, detail))

    record = run_one(Path(root), client_id, orchestrator, replace(options, progress=progress))
    return record.model_dump_json()


def run_tenants(
    root: Path,
    client_ids: Sequence[str],
    *,
    orchestrator: str | None,
    options: LoopOptions,
    jobs: int = 1,
    on_event: EventSink | None = None,
) -> list[RunRecord]:
    """Run each tenant once; records come back in ``client_ids`` order."""
    sink: EventSink = on_event or _no_event
    if jobs <= 1 or len(client_ids) <= 1:
        records = []
        for client_id in client_ids:
            opts = replace(options, progress=_bind(sink, client_id))
            record = run_one(root, client_id, orchestrator, opts)
            sink(client_id, "done", record.status)
            records.append(record)
        return records
    return _run_parallel(root, client_ids, orchestrator, options, jobs, sink)


def _run_parallel(
    root: Path,
    client_ids: Sequence[str],
    orchestrator: str | None,
    options: LoopOptions,
    jobs: int,
    sink: EventSink,
) -> list[RunRecord]:
    # Workers are spawned, not forked: the parent may be running a display thread,
    # and a fork copies its locks in whatever state they happen to be.
    context = multiprocessing.get_context("spawn")
    base = replace(options, progress=_no_progress)
    results: dict[str, RunRecord] = {}
    with context.Manager() as manager:
        events = manager.Queue()
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures: dict[Future[str], str] = {
                pool.submit(_worker, str(root), cid, orchestrator, base, events): cid
                for cid in client_ids
            }
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                _drain(events, sink)
                for future in done:
                    cid = futures[future]
                    try:
                        record = RunRecord.model_validate_json(future.result())
                    except Exception as exc:  # a worker that died (killed, out of memory)
                        record = _failed(cid, orchestrator, f"worker failed: {exc}")
                    results[cid] = record
                    sink(cid, "done", record.status)
            _drain(events, sink)
    return [results[cid] for cid in client_ids]


def _no_event(client_id: str, stage: str, detail: str) -> None:
    """Default sink: nobody is watching."""


def _bind(sink: EventSink, client_id: str) -> ProgressCallback:
    """A per-tenant progress callback that forwards to the shared sink."""

    def progress(stage: str, detail: str) -> None:
        sink(client_id, stage, detail)

    return progress


def _no_progress(stage: str, detail: str) -> None:
    """Picklable placeholder; workers install their own queue-backed sink."""


def _drain(events: Any, sink: EventSink) -> None:
    while True:
        try:
            client_id, stage, detail = events.get_nowait()
        except queue_module.Empty:
            return
        sink(client_id, stage, detail)
