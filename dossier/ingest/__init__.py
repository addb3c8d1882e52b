"""Dossier ingest layer: registered files and folders → normalized text snapshots.

The loop calls :func:`scan_sources` (read-only: what is new, changed, unchanged,
removed, skipped) and then :func:`apply_scan` (writes ``sources/<id>.md``
snapshots and ``sources/catalogue.json``).  The extractor reads the snapshots back
with :func:`iter_snapshots` / :func:`load_snapshot`.  See docs/ingest.md.
"""

from dossier.ingest.catalogue import (
    INGEST_VERSION,
    Catalogue,
    CatalogueEntry,
    read_catalogue,
)
from dossier.ingest.ids import is_valid_source_id
from dossier.ingest.limits import DEFAULT_LIMITS, DecodeLimits
from dossier.ingest.loaders import DEFAULT_MAX_BYTES, MEDIA_TYPES, load_file, media_type_for
from dossier.ingest.model import (
    CatalogueError,
    IngestError,
    ScanResult,
    Skip,
    SkipCode,
    SourceDocument,
    SourceNotFoundError,
)
from dossier.ingest.normalize import find_title, normalize_text
from dossier.ingest.scan import apply_scan, iter_snapshots, load_snapshot, scan_sources

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_BYTES",
    "INGEST_VERSION",
    "MEDIA_TYPES",
    "Catalogue",
    "CatalogueEntry",
    "CatalogueError",
    "DecodeLimits",
    "IngestError",
    "ScanResult",
    "Skip",
    "SkipCode",
    "SourceDocument",
    "SourceNotFoundError",
    "apply_scan",
    "find_title",
    "is_valid_source_id",
    "iter_snapshots",
    "load_file",
    "load_snapshot",
    "media_type_for",
    "normalize_text",
    "read_catalogue",
    "scan_sources",
]
