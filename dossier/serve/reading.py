"""Concept files → index rows, with the stamp that tells sync whether to re-read them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from dossier.okf import OKFDocumentError
from dossier.okf.document import MAX_DOCUMENT_BYTES
from dossier.serve.index_meta import FileStamp
from dossier.serve.passages import sources_under
from dossier.serve.records import ConceptRow, content_hash, row_from_bytes


def read_row(
    concept_id: str, path: Path, stat: os.stat_result | None = None, known: FileStamp | None = None
) -> tuple[ConceptRow | None, FileStamp | None]:
    """(row, stamp) for one concept file.

    Row None with an error stamp: unparseable (the error says why).  Row None with
    a clean stamp: same bytes as ``known``.  Both None: unreadable right now.
    """
    try:
        stat = stat or path.stat()
    except OSError:
        return None, None
    if stat.st_size > MAX_DOCUMENT_BYTES:
        return None, FileStamp(
            "", stat.st_mtime_ns, stat.st_size, f"over the {MAX_DOCUMENT_BYTES}-byte limit"
        )
    try:
        data = path.read_bytes()
    except OSError:
        return None, None
    digest = content_hash(data)
    if known is not None and known.digest == digest:
        return None, FileStamp(digest, stat.st_mtime_ns, stat.st_size, known.error)
    # path is <tenant>/bundle/<concept_id>.md: citations are checked against <tenant>/sources
    root = path.parents[concept_id.count("/") + 1]
    try:
        with sources_under(root):
            row = row_from_bytes(concept_id, data, f"bundle/{concept_id}.md", digest)
    except OKFDocumentError as exc:
        return None, FileStamp(digest, stat.st_mtime_ns, stat.st_size, str(exc))
    return row, FileStamp(digest, stat.st_mtime_ns, stat.st_size, None)


def read_rows(
    items: list[tuple[str, Path]],
) -> Iterator[tuple[str, ConceptRow | None, FileStamp | None]]:
    """Parse many concept files, in order.

    Serial on purpose: worker processes were tried (one per core) and measured
    slower here — their start-up and the pickling of rows ate most of the gain on
    2 cores, and under any other load they lost outright.
    """
    for concept_id, path in items:
        yield (concept_id, *read_row(concept_id, path))
