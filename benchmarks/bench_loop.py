"""Loop benchmark: first iteration, no-op re-run, 10-document change, and the commit
step alone in a tenant holding 10,000 concept files.

Goals (development machine): first iteration ≤ 20 s on 1,000 documents (~6 MB),
no-op ≤ 2 s, 10-document change ≤ 3 s, commit step ≤ 150 ms at 10,000 files.
Each figure is the median of several fresh runs; ``--quick`` uses 200 documents.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Result
from benchmarks.synthetic import write_corpus


def _isolate_git() -> None:
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    os.environ["GIT_CONFIG_GLOBAL"] = os.devnull


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _loop_once(root: Path, client_id: str) -> tuple[float, str]:
    from dossier.runtime.batch import run_one
    from dossier.runtime.orchestrator import LoopOptions

    start = time.perf_counter()
    record = run_one(root, client_id, None, LoopOptions())
    elapsed = time.perf_counter() - start
    if record.status == "failed":
        raise RuntimeError(f"loop failed: {record.message}")
    return elapsed, record.status


def _bench_loop(base: Path, docs: int, repeat: int) -> list[Result]:
    from dossier.tenancy import Registry

    first, noop, change = [], [], []
    for attempt in range(repeat):
        corpus = base / f"corpus-{attempt}"
        paths = write_corpus(corpus, docs)
        registry = Registry(base / f"root-{attempt}")
        registry.provision("bench", sources=[corpus])
        elapsed, _ = _loop_once(registry.root, "bench")
        first.append(elapsed)
        elapsed, status = _loop_once(registry.root, "bench")
        assert status == "up-to-date", status
        noop.append(elapsed)
        for path in paths[:10]:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"\n## SYS-9{attempt} Added section\n\nThe change {attempt} is "
                             "the edit that this benchmark measures end to end.\n")
        elapsed, status = _loop_once(registry.root, "bench")
        assert status == "committed", status
        change.append(elapsed)
        shutil.rmtree(corpus)
    mb = sum(p.stat().st_size for p in write_corpus(base / "size", docs)) / 1e6
    note = f"{docs} docs, {mb:.1f} MB"
    return [
        Result(f"loop: first iteration ({docs} docs)", _median(first), repeat,
               20.0 if docs >= 1000 else None, note),
        Result(f"loop: no-op re-run ({docs} docs)", _median(noop), repeat,
               2.0 if docs >= 1000 else None, note),
        Result(f"loop: re-run after 10 changed docs ({docs} docs)", _median(change), repeat,
               3.0 if docs >= 1000 else None, note),
    ]


def _bench_commit(base: Path, files: int, repeat: int) -> Result:
    """Commit step alone: rewrite 10 concept files in a tenant holding ``files`` concepts."""
    from dossier.tenancy import Registry, TenantRepo

    registry = Registry(base / "commit-root")
    ctx = registry.provision("big")
    folder = ctx.bundle_dir / "topics"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(files):
        (folder / f"c-{index:05}.md").write_text(
            f"---\ntype: Topic\ntitle: Concept {index}\n---\nBody {index}.\n", encoding="utf-8")
    repo = TenantRepo(ctx)
    repo.commit_all("seed", {})
    times = []
    for attempt in range(repeat):
        for index in range(10):
            (folder / f"c-{index:05}.md").write_text(
                f"---\ntype: Topic\ntitle: Concept {index} v{attempt}\n---\nBody.\n",
                encoding="utf-8")
        start = time.perf_counter()
        sha = repo.commit_all(f"dossier: loop bench-{attempt}", {"Dossier-Run-Id": str(attempt)})
        times.append(time.perf_counter() - start)
        assert sha
    return Result(f"loop: commit step at {files} concept files", _median(times), repeat,
                  0.150 if files >= 10000 else None, "10 files changed per commit")


def run(quick: bool) -> list[Result]:
    _isolate_git()
    docs = 200 if quick else 1000
    repeat = 1 if quick else 3
    base = Path(tempfile.mkdtemp(prefix="dossier-bench-loop-"))
    try:
        rows = _bench_loop(base, docs, repeat)
        rows.append(_bench_commit(base, 2000 if quick else 10000, 3 if quick else 7))
        return rows
    finally:
        shutil.rmtree(base, ignore_errors=True)
