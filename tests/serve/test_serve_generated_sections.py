"""Generated list sections (mentions, backlinks) are never quoted as a neighbour.

A hit quotes its best passage and one neighbour.  The deterministic extractor ends an
entity's body with lists it writes itself ("Mentioned in", "Related"): quoted after
the paragraph that answered, they only add other documents' lines.  The tenant here
is built by the real loop over a small corpus, so the test follows the extractor's
own way of marking those sections.
"""

from __future__ import annotations

from pathlib import Path

from dossier.okf import parse_concept
from dossier.runtime.default import DefaultOrchestrator
from dossier.runtime.orchestrator import LoopOptions
from dossier.serve import search
from dossier.serve.passages import split_passages
from dossier.tenancy import Registry, TenantContext

REQUIREMENTS = """# Kiosk requirements

| ID | Requirement | Measure |
|----|-------------|---------|
| KR-1 | Tickets print fast | A ticket prints within four seconds |
| KR-2 | Receipts name every surcharge | Receipt shows each surcharge on its own line |
| KR-3 | Idle screens dim | Screen dims after ninety seconds without a touch |
"""
PLAN = """# Installation plan

The printers arrive first, since KR-2 holds up the opening of the north entrance.
Staff practice on the kiosks during the week after.
"""


def looped_tenant(tmp_path: Path) -> TenantContext:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "requirements.md").write_text(REQUIREMENTS, encoding="utf-8")
    (corpus / "plan.md").write_text(PLAN, encoding="utf-8")
    ctx = Registry(tmp_path / "tenants").provision("kiosk", sources=[corpus])
    record = DefaultOrchestrator().run_iteration(ctx, LoopOptions())
    assert record.status == "committed", record.message
    return ctx


def test_the_quote_of_a_requirement_leaves_out_its_backlink_lists(tmp_path: Path) -> None:
    ctx = looped_tenant(tmp_path)
    top = search(ctx, "Which surcharge line must the receipt show?", limit=3)[0]
    assert top.id.startswith("requirements/")
    assert "surcharge on its own line" in top.snippet
    assert "Mentioned in" not in top.snippet and "Installation plan" not in top.snippet
    text = (ctx.bundle_dir / f"{top.id}.md").read_text(encoding="utf-8").split("\n")
    measure = next(n for n, line in enumerate(text, start=1) if "surcharge on its own" in line)
    assert top.passage is not None and top.passage.line_end == measure


def test_the_extractors_mention_and_backlink_sections_are_marked_generated(
    tmp_path: Path,
) -> None:
    ctx = looped_tenant(tmp_path)
    path = next(p for p in (ctx.bundle_dir / "requirements").glob("kr-2*.md"))
    concept_id = f"requirements/{path.stem}"
    doc = parse_concept(path.read_text(encoding="utf-8"), concept_id, path=str(path))
    passages = split_passages(doc, "KR-2", "")
    marked = {p.heading[-1]: p.generated for p in passages if p.heading}
    assert marked == {"Mentioned in": True, "Related": True}
    assert not any(p.generated for p in passages if not p.heading)


def test_prose_under_a_related_heading_is_not_generated() -> None:
    from dossier.okf import ConceptDocument

    body = "Kiosks sit by each door.\n\n## Related\n\nThe ticket desk uses the same printers.\n"
    doc = ConceptDocument("notes/kiosks", {"type": "Note", "title": "Kiosks"}, body)
    passages = split_passages(doc, "Kiosks", "")
    assert [p.generated for p in passages] == [False, False, False]


ROTA = """---
type: Note
title: Dock rota
generated:
  by: human:kim
---
## Rota

The night shift at the loading dock starts at ten and ends at six.

## Related

- Forklift keys hang in the shift office.
- Spare badges are kept by the gate guard.
"""


def test_a_persons_own_related_list_is_quoted_as_a_neighbour(tmp_path: Path) -> None:
    ctx = looped_tenant(tmp_path)
    (ctx.bundle_dir / "notes").mkdir(exist_ok=True)
    (ctx.bundle_dir / "notes" / "rota.md").write_text(ROTA, encoding="utf-8")
    hits = search(ctx, "When does the night shift at the loading dock start?", limit=5)
    hit = next(h for h in hits if h.id == "notes/rota")
    assert "starts at ten" in hit.snippet
    # Only the extractor's lists are left out; a person's list is their own text.
    assert "Forklift keys hang in the shift office" in hit.snippet
