"""The extract stage: run the tenant's extractor over the current snapshots.

Per-source extraction is pure, so its result is cached in the tenant's
gitignored ``.dossier/extract/<extractor>/`` keyed by source id and text hash; a
re-run after ten documents changed re-extracts ten documents and re-assembles
from cached results for the rest.  A corrupt cache entry is recomputed, never
fatal (caches are replaceable).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dossier.extract import ExtractSettings, get_extractor, to_concept_document
from dossier.extract.model import ExtractionCacheError, SourceExtraction
from dossier.fsutil import atomic_write_text
from dossier.ingest import SourceDocument
from dossier.okf import ConceptDocument
from dossier.tenancy import Manifest, TenantContext

#: Placeholder ``generated.at`` for proposals; the bundle sync stamps the real one.
UNSTAMPED = "1970-01-01T00:00:00Z"


class ExtractionRunner:
    """One tenant's extractor, its settings and its per-source cache."""

    def __init__(self, ctx: TenantContext, extractor_name: str, manifest: Manifest) -> None:
        self.ctx = ctx
        self.extractor: Any = get_extractor(extractor_name)
        self.label = f"{self.extractor.name}/{self.extractor.version}"
        safe_label = self.label.replace("/", "-")
        self.cache_dir = ctx.confine(ctx.cache_dir / "extract" / safe_label)
        self.settings = ExtractSettings(
            entity_patterns=tuple(manifest.entity_patterns),
            cache_dir=str(self.cache_dir / "links"),
        )

    def _cache_path(self, doc: SourceDocument) -> Path:
        key = hashlib.sha256(f"{doc.source_id}\x00{doc.text_sha256}".encode()).hexdigest()
        return self.ctx.confine(self.cache_dir / key[:2] / f"{key}.json")

    def _extract(self, doc: SourceDocument) -> SourceExtraction:
        path = self._cache_path(doc)
        try:
            return SourceExtraction.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ExtractionCacheError, ValueError):
            pass
        extraction: SourceExtraction = self.extractor.extract_source(doc)
        atomic_write_text(path, extraction.to_json())
        return extraction

    def propose(self, documents: Sequence[SourceDocument]) -> list[ConceptDocument]:
        """Concept documents for every proposal, stamped with a placeholder time."""
        extractions = [self._extract(doc) for doc in sorted(documents, key=lambda d: d.source_id)]
        proposals = self.extractor.assemble(extractions, self.settings)
        return [
            to_concept_document(p, UNSTAMPED) for p in proposals
        ]

    def with_generated_at(self, doc: ConceptDocument, at: str) -> ConceptDocument:
        """A copy of ``doc`` whose ``generated.at`` is ``at``."""
        frontmatter = dict(doc.frontmatter)
        generated = dict(frontmatter.get("generated") or {})
        generated["at"] = at
        frontmatter["generated"] = generated
        return ConceptDocument(concept_id=doc.concept_id, frontmatter=frontmatter, body=doc.body)
