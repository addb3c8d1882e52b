"""OKF keystone benchmark: load + validate a synthetic bundle, and generate its indexes.

The bundle (10,000 concepts; 1,000 in quick mode) is written once into a temp
dir through Dossier's own renderer: ten top-level folders of ten subfolders,
each concept carrying provenance/trust frontmatter, a footnote and three links
(one deliberately broken every 50 concepts).  Goal: load + validate 10,000
concepts in ≤ 1.0 s on a 2-core machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from benchmarks.harness import Result, measure
from dossier.okf import Bundle, ConceptDocument, generate_indexes, init_bundle, write_concept_file
from dossier.okf.validate import validate_bundle

TYPES = ("Metric", "BigQuery Table", "Reference", "Decision", "Playbook")


def concept_id(n: int) -> str:
    return f"area{n % 10}/topic{(n // 10) % 10}/concept-{n:05d}"


def build_bundle(root: Path, count: int) -> None:
    """Write ``count`` linked concepts under ``root`` (plus root index.md and log.md)."""
    init_bundle(root, title="Benchmark", day=date(2026, 1, 1))
    for n in range(count):
        cid = concept_id(n)
        target = concept_id((n * 7 + 3) % count)
        other = concept_id((n * 13 + 5) % count)
        sibling = f"../topic{(n // 10 + 1) % 10}/concept-{(n + 10) % count:05d}.md"
        missing = "/nowhere/missing.md" if n % 50 == 0 else f"/{other}.md"
        frontmatter = {
            "type": TYPES[n % len(TYPES)],
            "title": f"Concept {n}",
            "description": f"A synthetic concept number {n} used to measure validation.",
            "tags": ["synthetic", f"group-{n % 10}"],
            "status": "stable",
            "generated": {"by": "dossier/0.1.0", "at": "2026-06-30T14:00:00Z"},
            "verified": [{"by": "process:nightly", "at": "2026-07-01T09:00:00Z"}],
            "stale_after": "2027-12-31T00:00:00Z",
            "sources": [
                {
                    "id": "notes",
                    "resource": f"sources/notes-{n % 97}.md#L1-L20",
                    "title": "Discovery notes",
                    "last_modified": "2026-06-01T00:00:00Z",
                }
            ],
            "owner_team": f"team-{n % 7}",
        }
        body = (
            f"\n# Definition\n\nConcept {n} relates to [its neighbour](/{target}.md) and to "
            f"[another one]({missing}).[^notes]\n\n"
            "It is described in prose that an agent reads; the text is long enough to look "
            "like a real paragraph of knowledge, with `inline code` and **emphasis**.\n\n"
            "```sql\nSELECT 1 -- [not a link](/x.md)\n```\n\n"
            f"See also [the relative link]({sibling}).\n\n"
            "[^notes]: Discovery notes\n"
        )
        path = root / f"{cid}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_concept_file(path, ConceptDocument(cid, frontmatter, body))


def cpu_seconds(fn: Callable[[], object]) -> float:
    """CPU time (user + system, this process and its finished children) spent in ``fn``.

    Wall time on a shared 2-core machine swings with other load; CPU time says how
    much work the code itself did.
    """
    before = os.times()
    fn()
    after = os.times()
    return sum(after[:4]) - sum(before[:4])


def run(quick: bool) -> list[Result]:
    count = 1_000 if quick else 10_000
    repeat = 3 if quick else 5
    tmp = Path(tempfile.mkdtemp(prefix="bench-okf-"))
    try:
        root = tmp / "bundle"
        build_bundle(root, count)
        report = validate_bundle(root, today=date(2026, 11, 1))
        assert report.concepts == count and report.ok, report.to_dict()["errors"]
        validate_s, runs = measure(lambda: validate_bundle(root), repeat=repeat)
        serial_s, serial_runs = measure(lambda: validate_bundle(root, workers=1), repeat=repeat)
        cpu_s = cpu_seconds(lambda: validate_bundle(root))

        bundle = Bundle(root)
        load_s, load_runs = measure(lambda: sum(1 for _ in bundle.iter_documents()), repeat=repeat)

        def wipe_indexes() -> None:
            for index in root.rglob("index.md"):
                index.unlink()

        index_s, index_runs = measure(
            lambda: generate_indexes(bundle), repeat=repeat, setup=wipe_indexes
        )
        unchanged_s, unchanged_runs = measure(lambda: generate_indexes(bundle), repeat=repeat)

        def backlinks() -> None:
            bundle.refresh()
            bundle.backlinks(concept_id(3))

        graph_s, graph_runs = measure(backlinks, repeat=repeat)
        goal = 1.0 if count == 10_000 else 0.1
        return [
            Result(
                f"okf: load+validate {count} concepts",
                validate_s,
                runs,
                goal_s=goal,
                note=f"{len(report.warnings)} warnings; {cpu_s:.2f} s CPU incl. workers",
            ),
            Result(f"okf: load+validate {count} concepts, one process", serial_s, serial_runs),
            Result(f"okf: Bundle.iter_documents {count}", load_s, load_runs),
            Result(f"okf: generate all index.md ({count} concepts)", index_s, index_runs),
            Result("okf: generate_indexes, nothing changed", unchanged_s, unchanged_runs),
            Result(f"okf: link graph + backlinks ({count})", graph_s, graph_runs),
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
