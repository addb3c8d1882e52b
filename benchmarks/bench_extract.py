"""Extractor benchmark: the deterministic extractor's share of the loop.

On 1,000 documents (~5-6 MB): every source through ``extract_source`` (a first
iteration), ``assemble`` over 1,000 extractions read back from their JSON cache entries,
and a re-run after 10 documents changed (10 × ``extract_source`` + cache reads +
``assemble``), without and with the link cache of the previous run.  Goals: the loop's
first iteration is ≤ 20 s and a 10-document re-run ≤ 3 s in total, so the extractor aims
at ≤ 8 s for the first, ≤ 1 s for a cached assembly and ≤ 1 s for a re-run.

Two corpora: the loop benchmark's consultancy-style notes (``benchmarks.synthetic``) and,
when ``../shared`` is present, the shared peer-benchmark notes (``make_corpus.py``).
``--quick`` uses 200 documents and one run.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import Result, measure
from benchmarks.synthetic import write_corpus

SHARED_MAKE_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / (
    "make_corpus.py"
)


def _docs(folder: Path) -> list[object]:
    from dossier.ingest import scan_sources

    with tempfile.TemporaryDirectory(prefix="bench-extract-") as scratch:
        base = Path(scratch)
        result = scan_sources([str(folder)], base / "sources", base / "cache")
    return sorted(result.new, key=lambda d: d.source_id)  # type: ignore[attr-defined,no-any-return]


def _bench(label: str, folder: Path, repeat: int) -> list[Result]:
    from dossier.extract import DeterministicExtractor, ExtractSettings, SourceExtraction

    docs = _docs(folder)
    size_mb = sum(len(d.text) for d in docs) / 1e6  # type: ignore[attr-defined]
    extractor = DeterministicExtractor()
    settings = ExtractSettings()
    cache: list[str] = []

    def first() -> None:
        cache[:] = [extractor.extract_source(d).to_json() for d in docs]

    first_s, runs = measure(first, repeat=repeat)
    concepts: list[int] = []

    def cached() -> None:
        extractions = [SourceExtraction.from_json(blob) for blob in cache]
        concepts[:] = [len(extractor.assemble(extractions, settings))]

    assemble_s, _ = measure(cached, repeat=repeat)

    edited = [_edited(d, k) for k, d in enumerate(docs[:10])]

    def rerun() -> None:
        changed = [extractor.extract_source(d) for d in edited]
        rest = [SourceExtraction.from_json(blob) for blob in cache[10:]]
        extractor.assemble(changed + rest, settings)

    rerun_s, _ = measure(rerun, repeat=repeat)

    with tempfile.TemporaryDirectory(prefix="bench-extract-links-") as links:
        cached_settings = ExtractSettings(cache_dir=links)
        extractor.assemble([SourceExtraction.from_json(b) for b in cache], cached_settings)

        def rerun_cached() -> None:
            changed = [extractor.extract_source(d) for d in edited]
            rest = [SourceExtraction.from_json(blob) for blob in cache[10:]]
            extractor.assemble(changed + rest, cached_settings)

        rerun_cached_s, _ = measure(rerun_cached, repeat=repeat)
    n = len(docs)
    note = f"{n} docs, {size_mb:.1f} MB, {concepts[0] if concepts else 0} concepts"
    goal_scale = n / 1000
    return [
        Result(f"extract[{label}]: extract_source × {n}", first_s, runs, 8.0 * goal_scale, note),
        Result(f"extract[{label}]: assemble {n} cached", assemble_s, runs, 1.0 * goal_scale,
               note),
        Result(f"extract[{label}]: re-run, 10 changed", rerun_s, runs, None, note),
        Result(f"extract[{label}]: re-run, 10 changed, link cache", rerun_cached_s, runs,
               1.0 * goal_scale, note),
    ]


def _edited(doc: object, k: int) -> object:
    """The same document with one more paragraph: a realistic small edit."""
    from dataclasses import replace

    text = doc.text + f"\n\nReviewed again in workshop {k}; no change to the plan.\n"  # type: ignore[attr-defined]
    return replace(doc, text=text)  # type: ignore[type-var]


def run(quick: bool) -> list[Result]:
    count = 200 if quick else 1000
    repeat = 1 if quick else 3
    rows: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-extract-corpus-") as scratch:
        base = Path(scratch)
        write_corpus(base / "loop", count)
        rows.extend(_bench("loop-notes", base / "loop", repeat))
        if SHARED_MAKE_CORPUS.is_file():
            subprocess.run(
                [sys.executable, str(SHARED_MAKE_CORPUS), "--n", str(count), "--out",
                 str(base / "shared")],
                check=True, capture_output=True,
            )
            rows.extend(_bench("shared-notes", base / "shared" / "notes", repeat))
    return rows
