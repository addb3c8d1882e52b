"""CLI latency: ``dossier search`` as a user runs it, one fresh process per query.

In-process figures (``bench_serve``) hide what a person at a shell waits for: the
interpreter start, imports, the first sync of the index
(every concept file's stat compared with ``meta.json``) and opening the tables.
Each figure here is the median wall time of several ``subprocess`` runs, with the
floors measured in the same run next to it, so a slow machine shows as slow floors
rather than as a slow Dossier:

* ``python -c pass`` (interpreter start);
* ``python -c "import dossier.serve.search"`` (what every search imports: the index
  is read with the standard library's sqlite3; before decision 0006 the floor was
  ``import lancedb``, 2.2 s on its own);
* ``dossier --help`` (the CLI's own start-up).

The corpus is the one ``bench_serve`` uses (``../shared/bench/make_corpus.py``).
Goals at 10,000 concepts: ``dossier search`` ≤ 0.5 s, ``--semantic`` ≤ 1.5 s.  The
semantic figure needs the ``semantic`` extra and embeds every passage once before it
is measured (minutes on 2 cores), so it is taken on the smaller corpus unless
``DOSSIER_BENCH_SEMANTIC_N`` names a size (``0`` skips it).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.bench_serve import DOSSIER, SHARED_BENCH, queries, tenant_with
from benchmarks.harness import Result

#: Fresh processes per figure (the median is reported).
RUNS = 7


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def timed_runs(argv: list[str], runs: int = RUNS) -> list[float]:
    """Wall seconds of ``runs`` fresh processes of ``argv`` (each must exit 0)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, env=_env(), capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[:3]} exited {done.returncode}: {done.stderr[-500:]!r}")
    return times


def _row(name: str, times: list[float], goal: float | None = None) -> Result:
    note = f"min {min(times):.3f} s, max {max(times):.3f} s; load {os.getloadavg()[0]:.1f}"
    return Result(name, statistics.median(times), len(times), goal_s=goal, note=note)


class _StandInVectors:
    """Random unit vectors under the real embedder's name and size, for the store only.

    Embedding every passage of a 10,000-concept tenant with MiniLM takes over an hour on
    two cores; what a ``--semantic`` search costs does not depend on what the stored
    vectors hold (the query itself is embedded by the real encoder in the CLI process).
    """

    name = "minilm"
    dim = 384

    def __init__(self) -> None:
        import numpy as np

        self._rng = np.random.default_rng(7)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        import numpy as np

        rows = self._rng.standard_normal((len(texts), self.dim)).astype("float32")
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        return rows.tolist()  # type: ignore[no-any-return]


def _semantic_latency(ctx: object, base: list[str], qs: list[str], n: int) -> Result:
    """``dossier search --semantic`` at ``n`` concepts over stand-in stored vectors."""
    from dossier.serve.index import SearchIndex

    SearchIndex(ctx).sync_vectors(_StandInVectors())  # type: ignore[arg-type]
    times: list[float] = []
    for q in qs:
        times += timed_runs([*base, "--semantic", q], runs=1)
    return _row(f"cli: dossier search --semantic, {n:,} (stand-in stored vectors)", times,
                1.5 if n == 10_000 else None)


def run(quick: bool) -> list[Result]:
    if not (SHARED_BENCH / "make_corpus.py").is_file():
        return [Result("cli: skipped (../shared/bench absent)", 0.0, 0)]
    from dossier.serve import rebuild_index
    from dossier.serve.embed import semantic_available

    small, large = (1_000, 1_000) if quick else (1_000, 10_000)
    semantic_n = int(os.environ.get("DOSSIER_BENCH_SEMANTIC_N", small))
    python = sys.executable
    rows = [
        _row("cli: floor, python -c pass", timed_runs([python, "-c", "pass"])),
        _row(
            "cli: floor, import dossier.serve.search",
            timed_runs([python, "-c", "import dossier.serve.search"]),
        ),
        _row("cli: floor, dossier --help", timed_runs([str(DOSSIER), "--help"])),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        for n in sorted({large, semantic_n} - {0}):
            ctx = tenant_with(Path(tmp), n)
            rebuild_index(ctx)
            qs = [q["query"] for q in queries(n)][:RUNS]
            base = [str(DOSSIER), "search", ctx.client_id, "--root", str(ctx.root), "--json"]
            if n == large:
                times = []
                for q in qs:
                    times += timed_runs([*base, q], runs=1)
                goal = 0.5 if n == 10_000 else None
                rows.append(_row(f"cli: dossier search, {n:,}", times, goal))
                if semantic_available() and n != semantic_n:
                    rows.append(_semantic_latency(ctx, base, qs, n))
            if n == semantic_n and semantic_available():
                subprocess.run(
                    [str(DOSSIER), "index", ctx.client_id, "--root", str(ctx.root), "--semantic"],
                    env=_env(), capture_output=True, check=True,
                )
                times = []
                for q in qs:
                    times += timed_runs([*base, "--semantic", q], runs=1)
                rows.append(
                    _row(f"cli: dossier search --semantic, {n:,}", times,
                         1.5 if n == 10_000 else None)
                )
    return rows
