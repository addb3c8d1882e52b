"""Run a corpus folder through ingest → extract_source → assemble, in a scratch directory.

The eval must measure exactly what the loop does, so it uses the real ingest scan
(snapshots are written to a temporary ``sources/`` and thrown away afterwards).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from dossier.errors import UsageError
from dossier.extract.model import ExtractSettings, ProposedConcept, SourceExtraction
from dossier.extract.seam import get_extractor

if TYPE_CHECKING:
    from dossier.ingest import SourceDocument


def ingest_folder(corpus: Path) -> list[SourceDocument]:
    """SourceDocuments of every file under ``corpus`` (sorted by source id)."""
    from dossier.ingest import scan_sources

    if not corpus.is_dir():
        raise UsageError(f"corpus folder {corpus} does not exist")
    with tempfile.TemporaryDirectory(prefix="dossier-eval-") as scratch:
        base = Path(scratch)
        result = scan_sources([str(corpus.resolve())], base / "sources", base / "cache")
    docs = [*result.new, *result.changed]
    return sorted(docs, key=lambda d: d.source_id)


def extract_folder(
    corpus: Path, settings: ExtractSettings | None = None, extractor: str = "deterministic"
) -> tuple[list[SourceExtraction], list[ProposedConcept]]:
    engine = get_extractor(extractor)
    extractions = [engine.extract_source(doc) for doc in ingest_folder(corpus)]
    return extractions, engine.assemble(extractions, settings or ExtractSettings())


def corpus_dir(fixture: Path) -> Path:
    """``fixtures/acme`` holds ``corpus/`` beside ``gold.yaml``; accept either folder."""
    return fixture / "corpus" if (fixture / "corpus").is_dir() else fixture
