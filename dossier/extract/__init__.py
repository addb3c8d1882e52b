"""Dossier extract layer: sources in, proposed OKF concepts out.

Two steps, so the runtime can cache the expensive half: ``extract_source`` (pure, per
source, cacheable by the text's sha256) and ``assemble`` (global consolidation and
linking).  ``to_concept_document`` turns a proposal into an OKF document once the
runtime has chosen ``generated.at``.  See docs/extraction.md.
"""

from dossier.extract.deterministic import DeterministicExtractor
from dossier.extract.document import content_fingerprint, proposal_fingerprint, to_concept_document
from dossier.extract.model import (
    EXTRACTION_SCHEMA,
    Definition,
    ExtractionCacheError,
    ExtractSettings,
    Occurrence,
    ProposedConcept,
    ProposedSource,
    SourceExtraction,
    SourceLike,
    Unit,
)
from dossier.extract.seam import (
    ENTRY_POINT_GROUP,
    ExtractionError,
    Extractor,
    available_extractors,
    get_extractor,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "EXTRACTION_SCHEMA",
    "Definition",
    "DeterministicExtractor",
    "ExtractSettings",
    "ExtractionCacheError",
    "ExtractionError",
    "Extractor",
    "Occurrence",
    "ProposedConcept",
    "ProposedSource",
    "SourceExtraction",
    "SourceLike",
    "Unit",
    "available_extractors",
    "content_fingerprint",
    "get_extractor",
    "proposal_fingerprint",
    "to_concept_document",
]
