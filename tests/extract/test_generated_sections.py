"""Generated body sections are headed as ``dossier.okf.sections`` says, in every writer.

Search and the eval recognise ``## Mentions`` / ``## Mentioned in`` / ``## Related`` by
the names in ``okf.sections``; the deterministic bodies and assembly and the Claude merge
write those sections.  Renaming a section there must rename it in every writer, or the
sections would silently count as knowledge and be quoted by search.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from extract_helpers import make_doc, run

from dossier.evals.pipeline import extract_folder
from dossier.extract.claude.drafts import ChunkDraft
from dossier.extract.claude.merge import merge
from dossier.extract.claude.result import ChunkResult, ClaudeSourceResult
from dossier.extract.model import ExtractSettings
from dossier.okf import sections

FIXTURE = Path(__file__).parent / "fixtures" / "single_names"
RENAMED = {"MENTIONS": "Named in passing", "MENTIONED_IN": "Also named in",
           "RELATED": "See also"}


def _headings(bodies: list[str]) -> set[str]:
    return {line[3:] for body in bodies for line in body.splitlines() if line.startswith("## ")}


def _deterministic_bodies() -> list[str]:
    kiln = ("# Kiln Scheduler\n\nThe Kiln Scheduler is the service that books firing slots "
            "for the pottery studio's three kilns and texts members when a firing ends.\n")
    notes = [make_doc(f"notes/week-{n}", f"# Studio notes, week {n}\n\nThe Kiln Scheduler "
                      f"double-booked kiln {n} again; members rebooked by hand.\n")
             for n in (1, 2, 3)]
    bodies = [c.body for c in run([make_doc("kiln-scheduler", kiln), *notes])]
    _, proposed = extract_folder(FIXTURE)
    return bodies + [c.body for c in proposed]


def _claude_bodies() -> list[str]:
    draft = ChunkDraft.model_validate({
        "concepts": [
            {"name": "Kiln Scheduler", "type": "System", "description": "Books kilns.",
             "summary": "Books the studio's kilns.", "lines": [{"start": 1, "end": 2}]},
            {"name": "Studio booking rules", "type": "Process", "description": "How to book.",
             "summary": "Members book a kiln a week ahead.", "lines": [{"start": 3, "end": 4}]},
        ],
        "relations": [{"source": "Studio booking rules", "target": "Kiln Scheduler",
                       "kind": "enforced by", "lines": [{"start": 3, "end": 3}]}],
    })
    result = ClaudeSourceResult(source_id="studio", sha256="0" * 64, title="Studio",
                                line_count=10, last_modified=None,
                                chunks=(ChunkResult(1, 10, draft),))
    return [c.body for c in merge([result], ExtractSettings())]


def test_every_generated_section_written_is_one_the_readers_recognise() -> None:
    written = _headings(_deterministic_bodies() + _claude_bodies())
    generated = {h for h in written if sections.is_generated_heading(h)}
    assert generated == {sections.MENTIONS, sections.MENTIONED_IN, sections.RELATED}


def test_renaming_a_section_in_okf_sections_renames_it_in_every_writer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, heading in RENAMED.items():
        monkeypatch.setattr(sections, name, heading)
    deterministic = _headings(_deterministic_bodies())
    claude = _headings(_claude_bodies())
    assert set(RENAMED.values()) <= deterministic
    assert "See also" in claude
    assert not {"Mentions", "Mentioned in", "Related"} & (deterministic | claude)
