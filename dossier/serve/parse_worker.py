"""Worker process of a parallel index rebuild: parse the concept files it is given.

Parsing concept files (YAML, links, hashing) is pure Python, so threads cannot
share it out; a rebuild of thousands of concepts starts one worker per core with
``python -m dossier.serve.parse_worker``.  A plain subprocess, not
multiprocessing: spawn would re-run the caller's main script, and fork would copy
a process that runs LanceDB's threads.

Protocol: stdin carries one pickled list of ``(concept_id, path)``; stdout carries
pickled lists of ``(concept_id, row, stamp)`` of at most CHUNK items, in order.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

CHUNK = 200


def main() -> None:
    from dossier.serve.index import read_row

    items: list[tuple[str, str]] = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        pickle.dump([(cid, *read_row(cid, Path(path))) for cid, path in chunk], out)
    out.flush()


if __name__ == "__main__":
    main()
