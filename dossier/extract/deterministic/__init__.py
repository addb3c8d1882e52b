"""The default extractor: headings, tables, identifiers, recurring names, definitions, links.

No network, no model, no key: the same sources always give the same concepts.  See
docs/extraction.md for what it finds and its limits.
"""

from __future__ import annotations

from collections.abc import Sequence

from dossier.extract.deterministic.assemble import assemble
from dossier.extract.deterministic.scan import extract
from dossier.extract.model import (
    EXTRACTION_SCHEMA,
    ExtractSettings,
    ProposedConcept,
    SourceExtraction,
    SourceLike,
)


class DeterministicExtractor:
    """Heuristic, offline extraction (registered as entry point ``deterministic``)."""

    name = "deterministic"
    version = "0.4.11"

    @property
    def generated_by(self) -> str:
        return f"dossier-deterministic/{self.version}"

    def cache_key(self) -> str:
        """Per-source results depend on the code only: entity patterns apply in assemble."""
        return f"{self.name}/{self.version}/schema-{EXTRACTION_SCHEMA}"

    def extract_source(self, doc: SourceLike) -> SourceExtraction:
        return extract(doc)

    def encode(self, result: SourceExtraction) -> str:
        return result.to_json()

    def decode(self, data: str) -> SourceExtraction:
        """Raises ExtractionCacheError for an entry of another schema or a corrupt one."""
        return SourceExtraction.from_json(data)

    def assemble(
        self, extractions: Sequence[SourceExtraction], settings: ExtractSettings | None = None
    ) -> list[ProposedConcept]:
        return assemble(extractions, settings or ExtractSettings())
