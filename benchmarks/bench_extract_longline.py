"""Extractor on one very long line: the work must grow linearly with the line.

A 1.1 MB one-line file once took 3.8 s and a 4.4 MB one 88 s: several passes searched
or sliced the rest of the line once per name found in it.  The rows here extract a
single-line document of 1 MB and of 4 MB made of the loop benchmark's notes with the
newlines taken out (``#`` removed, so it is prose rather than one giant heading), and a
4 MB line that starts with ``#`` (one heading holding thousands of identifiers).  Linear
means the 4 MB row costs about four times the 1 MB row.

``--quick`` uses 256 KB and 1 MB and one run.
"""

from __future__ import annotations

import hashlib
import random

from benchmarks.harness import Result, measure
from benchmarks.synthetic import document

MB = 1_000_000


def one_line(size: int, *, heading: bool = False) -> str:
    """``size`` characters of synthetic notes on one line (deterministic)."""
    rng = random.Random(7)
    parts: list[str] = []
    total = 0
    index = 0
    while total < size:
        text = document(index, rng)
        if not heading:
            text = text.replace("#", "")
        parts.append(" ".join(text.split()))
        total += len(parts[-1]) + 1
        index += 1
    line = " ".join(parts)[:size].rstrip()
    return ("# " + line if heading else line) + "\n"


def _doc(text: str) -> object:
    from dossier.ingest import SourceDocument

    data = text.encode("utf-8")
    return SourceDocument(
        source_id="bench/long-line-txt",
        original_path="/bench/long-line.txt",
        media_type="text/plain",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        title="long line",
        text=text,
    )


def run(quick: bool) -> list[Result]:
    from dossier.extract import DeterministicExtractor

    extractor = DeterministicExtractor()
    repeat = 1 if quick else 3
    sizes = [MB // 4, MB] if quick else [MB, 4 * MB]
    rows: list[Result] = []
    cases = [(size, False) for size in sizes] + [(sizes[-1], True)]
    for size, heading in cases:
        doc = _doc(one_line(size, heading=heading))
        median, runs = measure(lambda d=doc: extractor.extract_source(d), repeat=repeat)  # type: ignore[misc]
        label = "heading" if heading else "prose"
        rows.append(
            Result(
                f"extract: one {size / MB:g} MB line ({label})",
                median,
                runs,
                None,
                "linear: the 4 MB row ≈ 4 × the 1 MB row",
            )
        )
    return rows
