"""Serve benchmark: index build, search latency in-process and over MCP stdio, server RSS.

The corpus is the tool-neutral one of ``../shared/bench/make_corpus.py`` (notes with
type/title/description/tags frontmatter, 300-800 word bodies, cross-links, and 200
lexical queries with their expected note), generated at run time into
``benchmarks/results/`` (gitignored) and reused on later runs.  Its notes become a
tenant's bundle.  Sizes: 10,000 and 50,000 concepts (quick: 1,000 and 5,000).

``DOSSIER_BENCH_SERVE_SIZES=10000`` (comma-separated) runs only the sizes named;
``DOSSIER_BENCH_SERVE_BUILD_ONLY=1`` times only the index build (no searches, no MCP
server), for iterating on the build.

Goals: build 10,000 ≤ 5 s; in-process search p50 ≤ 10 ms, p99 ≤ 30 ms at 10,000;
MCP stdio round trip p50 ≤ 20 ms; server RSS ≤ 400 MB at 50,000.  Retrieval quality
(recall@5, MRR@10 via ``score.py``) is reported for the smaller corpus, comparable
with the peer figures in ``../shared/bench/README.md``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Result

REPO = Path(__file__).resolve().parents[1]
SHARED_BENCH = Path(os.environ.get("DOSSIER_SHARED", REPO.parent / "shared")) / "bench"
CACHE = REPO / "benchmarks" / "results"
DOSSIER = Path(sys.executable).parent / "dossier"


def corpus(n: int) -> Path:
    """A make_corpus.py corpus of ``n`` notes (generated once, then reused)."""
    out = CACHE / f"corpus-{n}"
    if not (out / "manifest.json").is_file():
        shutil.rmtree(out, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                str(SHARED_BENCH / "make_corpus.py"),
                "--n",
                str(n),
                "--out",
                str(out),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return out


def tenant_with(root: Path, n: int) -> Any:
    """A provisioned tenant whose bundle holds the ``n``-note corpus."""
    from dossier.tenancy import Registry

    ctx = Registry(root).provision(f"bench{n}")
    notes = corpus(n) / "notes"
    for folder in sorted(notes.iterdir()):
        shutil.copytree(folder, ctx.bundle_dir / folder.name)
    return ctx


def queries(n: int, name: str = "queries.jsonl") -> list[dict[str, Any]]:
    with open(corpus(n) / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def in_process_latencies(ctx: Any, qs: list[dict[str, Any]]) -> tuple[list[float], list[Any]]:
    """Per-query seconds through the same function the CLI and the MCP tool use."""
    from dossier.serve import KnowledgeBase

    kb = KnowledgeBase(ctx)
    kb.search(qs[0]["query"])  # open the table, warm caches
    times, results = [], []
    for q in qs:
        start = time.perf_counter()
        hits = kb.search(q["query"], limit=10).hits
        times.append(time.perf_counter() - start)
        results.append(
            {"id": q["id"], "paths": [h.id + ".md" for h in hits], "latency_ms": times[-1] * 1000}
        )
    return times, results


def _child_pids() -> list[int]:
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = stat.rsplit(")", 1)[1].split()[1]
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if ppid == me and b"serve-mcp" in cmdline:
            found.append(int(entry.name))
    return found


def _vm(pid: int, key: str) -> float:
    """A /proc/<pid>/status memory figure in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stdio_figures(ctx: Any, qs: list[dict[str, Any]]) -> tuple[list[float], float, float]:
    """Round-trip seconds per search over an MCP stdio client; server RSS and peak (MB)."""
    from mcp import Client, StdioServerParameters

    # PYTHONPATH passes through so a checkout run with PYTHONPATH=$PWD measures its own
    # server code, not the code the venv's ``dossier`` script was installed from.
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if k in keep}
    params = StdioServerParameters(
        command=str(DOSSIER), args=["serve-mcp", ctx.client_id, "--root", str(ctx.root)], env=env
    )

    async def body() -> tuple[list[float], float, float]:
        async with Client(params, read_timeout_seconds=300) as client:
            await client.call_tool("search_concepts", {"query": "warm up"})
            times = []
            for q in qs:
                start = time.perf_counter()
                result = await client.call_tool("search_concepts", {"query": q["query"]})
                times.append(time.perf_counter() - start)
                assert not result.is_error, result.content
            pids = _child_pids()
            rss = max((_vm(pid, "VmRSS") for pid in pids), default=float("nan"))
            peak = max((_vm(pid, "VmHWM") for pid in pids), default=float("nan"))
            return times, rss, peak

    return asyncio.run(body())


def quality(qs_path: Path, results: list[Any]) -> dict[str, Any] | None:
    """recall@k / MRR@10 by the shared scorer, or None when ../shared is absent."""
    scorer = SHARED_BENCH / "score.py"
    if not scorer.is_file():
        return None
    spec = importlib.util.spec_from_file_location("shared_bench_score", scorer)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for row in results:
            handle.write(json.dumps(row) + "\n")
    try:
        figures: dict[str, Any] = module.score(str(qs_path), handle.name)
        return figures
    finally:
        os.unlink(handle.name)


def run(quick: bool) -> list[Result]:
    if not (SHARED_BENCH / "make_corpus.py").is_file():
        return [Result("serve: skipped (../shared/bench absent)", 0.0, 0)]
    from dossier.serve import rebuild_index

    small, large = (1_000, 5_000) if quick else (10_000, 50_000)
    # DOSSIER_BENCH_SERVE_SIZES=10000 runs one size (the 50,000 run takes minutes).
    sizes = [int(n) for n in os.environ.get("DOSSIER_BENCH_SERVE_SIZES", "").split(",") if n]
    rows: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        for n in sizes or (small, large):
            ctx = tenant_with(Path(tmp), n)
            builds = []
            for _ in range(1 if n > 10_000 else 3):
                start = time.perf_counter()
                report = rebuild_index(ctx)
                builds.append(time.perf_counter() - start)
            assert report.concepts == n, report
            rows.append(
                Result(
                    f"serve: index build, {n:,} concepts",
                    statistics.median(builds),
                    len(builds),
                    goal_s=5.0 if n == 10_000 else None,
                    note=f"{n / statistics.median(builds):,.0f} concepts/s",
                )
            )
            if os.environ.get("DOSSIER_BENCH_SERVE_BUILD_ONLY"):
                continue
            qs = queries(n)
            times, results = in_process_latencies(ctx, qs)
            rows.append(
                Result(
                    f"serve: search p50 in-process, {n:,}",
                    percentile(times, 50),
                    len(times),
                    goal_s=0.010 if n == 10_000 else None,
                )
            )
            rows.append(
                Result(
                    f"serve: search p99 in-process, {n:,}",
                    percentile(times, 99),
                    len(times),
                    goal_s=0.030 if n == 10_000 else None,
                )
            )
            if n == small:
                for name in ("queries.jsonl", "queries_noisy.jsonl"):
                    if name != "queries.jsonl":
                        _, results = in_process_latencies(ctx, queries(n, name))
                    figures = quality(corpus(n) / name, results)
                    if figures is not None:
                        rows.append(
                            Result(
                                f"serve: recall@5 on {name}, {n:,}",
                                figures["recall@5"],
                                len(results),
                                note=f"not seconds; recall@1 {figures['recall@1']}, "
                                f"MRR@10 {figures['mrr@10']}",
                            )
                        )
            mcp_times, rss, peak = stdio_figures(ctx, qs)
            rows.append(
                Result(
                    f"serve: MCP stdio search p50, {n:,}",
                    percentile(mcp_times, 50),
                    len(mcp_times),
                    goal_s=0.020,
                    note=f"p99 {percentile(mcp_times, 99) * 1000:.1f} ms",
                )
            )
            rows.append(
                Result(
                    f"serve: server RSS MB after searches, {n:,}",
                    rss,
                    1,
                    goal_s=400.0 if n == 50_000 else None,
                    note=f"MB, not seconds; peak {peak:.0f} MB",
                )
            )
    return rows
