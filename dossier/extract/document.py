"""From a ProposedConcept to an OKF ConceptDocument, and a fingerprint that ignores time.

The runtime supplies ``generated_at``: it keeps the previous ``generated.at`` when a
concept's content did not change, so an unchanged corpus yields an unchanged bundle and
an empty git commit.  ``content_fingerprint`` is what it compares: everything in the
document except ``generated.at``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from dossier.extract.model import ProposedConcept
from dossier.okf import ConceptDocument
from dossier.okf.links import relativize_links

#: ``generated.by`` actor prefix (OKF §7: ``<producer>/<version>``).
PRODUCER = "dossier-deterministic"


def frontmatter_for(proposed: ProposedConcept, generated_by: str,
                    generated_at: str | None) -> dict[str, Any]:
    """Frontmatter in a fixed key order; empty fields are left out."""
    data: dict[str, Any] = {"type": proposed.type, "title": proposed.title}
    if proposed.description:
        data["description"] = proposed.description
    if proposed.status:
        data["status"] = proposed.status
    if proposed.tags:
        data["tags"] = list(proposed.tags)
    if proposed.aliases:
        data["aliases"] = list(proposed.aliases)
    if proposed.sources:
        entries: list[dict[str, Any]] = []
        for source in proposed.sources:
            entry: dict[str, Any] = {
                "id": source.id,
                "resource": source.resource,
                "title": source.title,
            }
            if source.last_modified:
                entry["last_modified"] = source.last_modified
            entries.append(entry)
        data["sources"] = entries
    generated: dict[str, Any] = {"by": generated_by}
    if generated_at:
        generated["at"] = generated_at
    data["generated"] = generated
    return data


def to_concept_document(
    proposed: ProposedConcept,
    generated_at: str | None,
    *,
    generated_by: str | None = None,
) -> ConceptDocument:
    """The OKF document for ``proposed`` (``generated_by`` defaults to this extractor)."""
    if generated_by is None:
        from dossier.extract.deterministic import DeterministicExtractor

        generated_by = f"{PRODUCER}/{DeterministicExtractor.version}"
    return ConceptDocument(
        concept_id=proposed.concept_id,
        frontmatter=frontmatter_for(proposed, generated_by, generated_at),
        body=proposed.body,
    )


def content_fingerprint(doc: ConceptDocument) -> str:
    """sha256 over the frontmatter (minus ``generated.at``) and the body.

    Works on a freshly built document and on one read back from disk alike, so the
    runtime can decide "unchanged → keep the old ``generated.at``" without rendering.
    The body is taken with its links in the form rendering writes (relative), so a
    proposal with ``/x.md`` links and the file it was written as agree, and so does
    a file from before links were written relative.
    """
    frontmatter = dict(doc.frontmatter)
    generated = frontmatter.get("generated")
    if isinstance(generated, dict):
        frontmatter["generated"] = {k: v for k, v in generated.items() if k != "at"}
    payload = json.dumps(
        {"id": doc.concept_id, "frontmatter": frontmatter,
         "body": relativize_links(doc.body, doc.concept_id)},
        sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def proposal_fingerprint(proposed: ProposedConcept) -> str:
    """Fingerprint of a proposal before it becomes a document (same value as the doc's)."""
    return content_fingerprint(to_concept_document(proposed, None))
