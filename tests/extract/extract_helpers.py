"""Building SourceDocuments from inline text, and running the extractor end to end."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from dossier.extract import (
    DeterministicExtractor,
    ExtractSettings,
    ProposedConcept,
    to_concept_document,
)
from dossier.ingest import SourceDocument
from dossier.okf import render_concept

GENERATED_AT = "2026-03-01T12:00:00Z"


def make_doc(source_id: str, text: str, path: str | None = None,
             title: str | None = None) -> SourceDocument:
    data = text.encode("utf-8")
    return SourceDocument(
        source_id=source_id,
        original_path=path or f"/corpus/{source_id}.md",
        media_type="text/markdown",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        title=title or source_id,
        text=text,
    )


def run(docs: Sequence[SourceDocument], settings: ExtractSettings | None = None
        ) -> list[ProposedConcept]:
    extractor = DeterministicExtractor()
    extractions = [extractor.extract_source(d) for d in docs]
    return extractor.assemble(extractions, settings or ExtractSettings())


def by_title(concepts: Sequence[ProposedConcept]) -> dict[str, ProposedConcept]:
    return {c.title: c for c in concepts}


def named(concepts: Sequence[ProposedConcept], name: str) -> ProposedConcept:
    """The concept whose title or alias is ``name`` (exactly one must exist)."""
    hits = [c for c in concepts if name == c.title or name in c.aliases]
    assert len(hits) == 1, f"{name!r}: {[c.concept_id for c in hits]} among " + ", ".join(
        sorted(c.title for c in concepts)
    )
    return hits[0]


def write_bundle(concepts: Sequence[ProposedConcept], root: Path) -> dict[str, str]:
    """Render every concept into ``root``; returns concept id → file text."""
    texts: dict[str, str] = {}
    for concept in concepts:
        text = render_concept(to_concept_document(concept, GENERATED_AT))
        path = root / (concept.concept_id + ".md")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        texts[concept.concept_id] = text
    return texts


def loop_bundle(fixture: Path, workspace: Path, tenant: str) -> dict[str, dict[str, object]]:
    """Provision ``tenant`` on ``fixture``, run the loop through the CLI, and return each
    concept's frontmatter by title (its body under ``_body``)."""
    import yaml
    from typer.testing import CliRunner

    from dossier.cli import app

    runner = CliRunner()
    root = str(workspace / "ws")
    made = runner.invoke(app, ["provision", tenant, "--source", str(fixture), "--root", root])
    assert made.exit_code == 0, made.output
    ran = runner.invoke(app, ["run-loop", tenant, "--root", root])
    assert ran.exit_code == 0, ran.output
    out: dict[str, dict[str, object]] = {}
    for path in sorted((workspace / "ws" / tenant / "bundle").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---"):
            front = yaml.safe_load(text.split("---", 2)[1])
            if "title" in front:
                front["_body"] = text.split("---", 2)[2]
                out[str(front["title"])] = front
    return out
