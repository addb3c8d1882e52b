"""The default extractor: headings, tables, identifiers, recurring names, definitions, links.

No network, no model, no key: the same sources always give the same concepts.  See
docs/extraction.md for what it finds and its limits.
"""

from __future__ import annotations

from collections.abc import Sequence

from dossier.extract.deterministic.assemble import assemble
from dossier.extract.deterministic.scan import extract
from dossier.extract.model import (
    ExtractSettings,
    ProposedConcept,
    SourceExtraction,
    SourceLike,
)


class DeterministicExtractor:
    """Heuristic, offline extraction (registered as entry point ``deterministic``)."""

    name = "deterministic"
    version = "0.2.1"

    def extract_source(self, doc: SourceLike) -> SourceExtraction:
        return extract(doc)

    def assemble(
        self, extractions: Sequence[SourceExtraction], settings: ExtractSettings | None = None
    ) -> list[ProposedConcept]:
        return assemble(extractions, settings or ExtractSettings())
