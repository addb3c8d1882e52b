"""Passes that once hid quadratic work: each row pair should grow about 4× from N to 4N.

Three extractor passes were quadratic until a review found them: links beside code
spans (a scan of every code range per link), the recurring-topics pass over one
running log (the source re-split per mention), and the summary-list tiering of a long
flat list (the rest of the list copied per item); and extracting one running log (every
session scanned the whole file for attendance lines).  These are speed figures, so they
live here and not in timed tests: read the ``4N`` row against the ``N`` row (about 4×
is linear; about 16× is the old behaviour).

``--quick`` uses smaller sizes and one run.
"""

from __future__ import annotations

import datetime
import hashlib

from benchmarks.harness import Result, measure


def _doc(name: str, text: str) -> object:
    from dossier.ingest import SourceDocument

    data = text.encode("utf-8")
    return SourceDocument(source_id=f"bench/{name}", original_path=f"/bench/{name}.md",
                          media_type="text/markdown", size=len(data),
                          sha256=hashlib.sha256(data).hexdigest(), title=name, text=text)


def _link_page(lines: int) -> str:
    return "\n".join(f"Run `sync --part {n}` first, then read [part {n}](parts/{n}.md) and "
                     f"[[Part {n}]]." for n in range(lines))


def _running_log(sessions: int) -> str:
    subjects = ["Tool library", "Seed swap", "Compost bays", "Rain gauge", "Path gravel",
                "Bee hives", "Grant bid", "Pond liner"]
    parts = ["# Garden group running notes\n"]
    for number in range(sessions):
        day = datetime.date(2010, 1, 4) + datetime.timedelta(days=14 * number)
        parts.append(f"\n## {day.isoformat()}\n\nPresent: Noor Haddad, Elias Brandt\n\n")
        parts.extend(f"* {subjects[(number + k) % 8]} (Noor)\n    * talked it through\n"
                     for k in range(4))
    return "".join(parts)


def _history(entries: int) -> str:
    return "# Release history\n\n## 3.0\n\n" + "".join(
        f"- Tidy up the importer for record batch {n}\n" for n in range(entries))


def run(quick: bool) -> list[Result]:
    from dossier.extract import DeterministicExtractor
    from dossier.extract.deterministic import kind_meeting_topics
    from dossier.extract.deterministic.blocks import build_blocks
    from dossier.extract.deterministic.markdown import parse
    from dossier.extract.deterministic.mention_weight import _bare_items
    from dossier.extract.deterministic.shape import _reduce_local_links
    from dossier.extract.deterministic.wikilinks import resolve

    repeat = 1 if quick else 3
    scale = 1 if quick else 2
    rows: list[Result] = []
    for lines in (500 * scale, 2000 * scale):
        text = _link_page(lines)
        median, runs = measure(lambda t=text: (_reduce_local_links(t),  # type: ignore[misc]
                                               resolve(t, {}, {}, "x")), repeat=repeat)
        rows.append(Result(f"scaling: links beside code, {lines} lines", median, runs, None,
                           "4N row ≈ 4 × N row"))
    extractor = DeterministicExtractor()
    for sessions in (100 * scale, 400 * scale):
        ext = extractor.extract_source(_doc("running-notes", _running_log(sessions)))  # type: ignore[arg-type]
        units = [(ext, unit) for unit in ext.units]
        median, runs = measure(lambda u=units: kind_meeting_topics.with_recurring_topics(u),  # type: ignore[misc]
                               repeat=repeat)
        rows.append(Result(f"scaling: recurring topics, {sessions} sessions", median, runs,
                           None, "4N row ≈ 4 × N row"))
    for sessions in (100 * scale, 400 * scale):
        doc = _doc("running-notes", _running_log(sessions))
        median, runs = measure(lambda d=doc: extractor.extract_source(d),  # type: ignore[misc]
                               repeat=repeat)
        rows.append(Result(f"scaling: extract one running log, {sessions} sessions", median,
                           runs, None, "4N row ≈ 4 × N row (still above: per-section scans)"))
    for entries in (2500 * scale, 10000 * scale):
        blocks = build_blocks(parse(_history(entries)))
        median, runs = measure(lambda b=blocks: _bare_items(b), repeat=repeat)  # type: ignore[misc]
        rows.append(Result(f"scaling: summary-list tiers, {entries} items", median, runs, None,
                           "4N row ≈ 4 × N row"))
    return rows
