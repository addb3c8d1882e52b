"""HTML docs pages, note vaults, design docs and kind-less documents, through real ingest.

Each fixture is written here, in a style of its own (not the devpack's), and goes
through the same ingest scan and extractor the loop uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier.evals.pipeline import extract_folder
from dossier.extract import ProposedConcept
from dossier.okf import concept_href

PAGE = """<!DOCTYPE html>
<html><head><title>Configuring Kestrel</title></head>
<body>
<h1>Configuring Kestrel</h1>
<p>Kestrel is a lightweight message broker for small clusters. This page explains where
it reads its settings from and how to tune delivery.</p>
<h2>Settings files</h2>
<p>On start-up the broker reads its settings file from the working directory, then the file
named by the environment, then flags given on the command line.</p>
<h3>Environment</h3>
<dl>
<dt>KESTREL_HOME</dt><dd>directory holding the spool and the lock file.</dd>
<dt>KESTREL_OPTS</dt><dd>extra flags appended to every invocation.</dd>
</dl>
<h2>Delivery</h2>
<p>Messages are retried until they are acknowledged or their budget runs out, then parked
for an operator to inspect.</p>
<h3>RetryPolicy</h3>
<p>The RetryPolicy component decides when a failed delivery is attempted again, doubling
the wait after each failure up to a ceiling.</p>
<table>
<tr><th>Option</th><th>Description</th><th>Default</th></tr>
<tr><td>retry.max_attempts</td><td>How many deliveries are tried before parking.</td><td>5</td></tr>
<tr><td>retry.ceiling</td><td>The longest wait between two attempts.</td><td>300</td></tr>
<tr><td>name</td><td>A label shown in the operator console.</td><td>none</td></tr>
</table>
<table>
<tr><th>Setting</th><th>Default</th></tr>
<tr><td>spool.dir</td><td>The spool folder under KESTREL_HOME</td></tr>
<tr><td>spool.max_bytes</td><td>One gibibyte</td></tr>
</table>
<h2>Housekeeping jobs</h2>
<table>
<tr><th>Task</th><th>Description</th></tr>
<tr><td>Compact</td><td>Rewrites the spool without acknowledged messages.</td></tr>
<tr><td>Rotate</td><td>Starts a fresh log file every night.</td></tr>
</table>
</body></html>
"""

THANKS = """<html><head><title>Thanks</title></head><body>
<h1>Thanks</h1>
<p>Kestrel exists thanks to</p>
<ul>
<li>Ines Alvarado (ines@example.org)</li>
<li>Tomasz Wrobel (tomasz@example.net)</li>
<li>Priya Raman</li>
</ul>
</body></html>
"""


def _extract(root: Path, files: dict[str, str]) -> list[ProposedConcept]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return extract_folder(root)[1]


def _one(concepts: list[ProposedConcept], title: str) -> ProposedConcept:
    hits = [c for c in concepts if c.title == title]
    assert len(hits) == 1, f"{title!r} among {sorted(c.title for c in concepts)}"
    return hits[0]


def _snapshot_line(concept: ProposedConcept) -> tuple[int, int]:
    return concept.sources[0].start or 0, concept.sources[0].end or 0


def test_html_page_keeps_its_sections_and_types_what_it_defines(tmp_path: Path) -> None:
    concepts = _extract(tmp_path / "manual", {"configuring.html": PAGE, "thanks.html": THANKS})
    page = _one(concepts, "Configuring Kestrel")
    assert page.type == "Topic" and "docs-page" in page.tags
    # explanatory sections stay in the page, cited section by section
    assert "## Settings files" in page.body and "## Delivery" in page.body
    assert not [c for c in concepts if c.title in ("Settings files", "Delivery", "Environment")]
    assert len(page.sources) >= 3
    # what the page defines stands alone, typed by the form of its name
    home = _one(concepts, "KESTREL_HOME")
    assert home.type == "Glossary Term"
    assert home.description and home.description.startswith("Directory holding the spool")
    start, end = _snapshot_line(home)
    assert 0 < start <= end and end - start <= 3
    assert _one(concepts, "RetryPolicy").type == "System"
    option = _one(concepts, "retry.max_attempts")
    assert option.type == "Glossary Term"
    assert option.description == "How many deliveries are tried before parking."
    assert "**Default:** 5" in option.body
    assert f"({concept_href(page.concept_id)})" in option.body  # it says whose option it is
    # a plain word in an options table means something else on every page: it stays there
    assert not [c for c in concepts if c.title == "name"]
    # a row with no description column is described by its value
    spool = _one(concepts, "spool.dir")
    assert spool.type == "Glossary Term"
    assert spool.description == "The spool folder under KESTREL_HOME."
    # the product the page introduces
    assert _one(concepts, "Kestrel").type == "System"
    # a "Task" column in a manual lists jobs, not action items
    assert not [c for c in concepts if c.type == "Action Item"]
    assert not [c for c in concepts if c.title in ("Compact", "Rotate")]
    people = [_one(concepts, n) for n in ("Ines Alvarado", "Tomasz Wrobel", "Priya Raman")]
    assert {p.type for p in people} == {"Stakeholder"}
    assert all(p.description == "Named in Thanks." for p in people)


VAULT = {
    "lock striping.md": """---
aliases:
  - striped locks
tags:
  - cs/concurrency
created: 2025-02-01
---
**Lock striping** splits one hot lock into several, each guarding a slice of the data, so
writers touching different slices stop queueing behind each other.

See [[sharded counter|a sharded counter]] for the same idea without locks, and [[Rust]]
for where it is used; [[borrow checker]] has no note yet.
""",
    "sharded counter.md": """---
tags: [cs/concurrency]
---
A sharded counter keeps one cell per core and sums the cells when read, trading a slower
read for writes that never contend. It is [[lock striping]] taken to its end.
""",
    "Rust.md": """---
tags:
  - lang
---
- [[lock striping]]
- [[sharded counter]]
- [[borrow checker]]
""",
    "people/Marta Kowalczyk.md": """---
email: marta@example.com
role: storage lead
---
Marta reviews anything that touches the on-disk format. Ask her before changing layouts.
""",
    "log/weekly sync.md": """---
type: meeting
date: 2025-03-04
---
We walked through the flaky replication test and agreed to quarantine it for now.
""",
    "on naming things.md": """---
tags: [essay]
---
Most arguments about names are arguments about what a thing is for. Settle that first and
the name usually follows; skip it and the thread about the name never ends.
""",
}


def test_notes_are_typed_from_structure_and_wikilinks_resolve(tmp_path: Path) -> None:
    concepts = _extract(tmp_path / "vault", VAULT)
    striping = _one(concepts, "Lock striping")
    counter = _one(concepts, "Sharded counter")
    rust = _one(concepts, "Rust")
    assert striping.type == "Glossary Term" and counter.type == "Glossary Term"
    assert "striped locks" in striping.aliases
    assert "cs/concurrency" in striping.tags
    # frontmatter is carried over, never pasted into the body
    assert "created:" not in striping.body and "aliases:" not in striping.body
    # a wikilink is a link to the target note's concept, with the writer's label
    assert f"[a sharded counter]({concept_href(counter.concept_id)})" in striping.body
    assert f"({concept_href(rust.concept_id)})" in striping.body
    assert f"({concept_href(striping.concept_id)})" in counter.body
    # a target outside the vault keeps its words, and no [[…]] is left anywhere
    assert "borrow checker" in striping.body
    assert not [c.title for c in concepts if "[[" in c.body or "[[" in (c.description or "")]
    # a hub named by one proper name is the system its notes hang under
    assert rust.type == "System"
    assert _one(concepts, "Marta Kowalczyk").type == "Stakeholder"
    assert _one(concepts, "Weekly sync").type == "Meeting"
    assert _one(concepts, "On naming things").type == "Topic"


DESIGN = """# Spool compaction

Authors: Ines Alvarado, Tomasz Wrobel
Status: Proposed

## Summary

Reclaim disk space in the broker's spool without pausing deliveries. The Storage team owns
the spool format and reviews this change.

## Motivation

Spools grow without bound on busy nodes. In this document the term "tombstone" refers to the
marker left where an acknowledged message used to be, and segments holding only tombstones
are referred to as "dead segments".

## Design

A background task walks the segments oldest first, copies live messages forward and deletes
dead segments once no reader holds them. Every segment carries a Time To Live (TTL) stamp;
the TTL decides when a dead segment may go, and a segment whose TTL has passed is skipped.

## Alternatives

Stop-the-world compaction was rejected because it stalls every consumer for the length of
the copy.
"""


def test_design_doc_is_one_decision_with_authors_terms_and_teams(tmp_path: Path) -> None:
    concepts = _extract(tmp_path / "rfcs", {"0042-ttl-compaction.md": DESIGN.replace(
        "# Spool compaction", "# TTL compaction")})
    doc = _one(concepts, "TTL compaction")
    assert doc.type == "Decision" and doc.status == "draft"
    # its sections stay in it, each cited with its own lines
    assert "## Motivation" in doc.body and "## Alternatives" in doc.body
    assert not [c for c in concepts if c.title in ("Summary", "Motivation", "Design")]
    assert len({s.start for s in doc.sources}) >= 4
    for name in ("Ines Alvarado", "Tomasz Wrobel"):
        author = _one(concepts, name)
        assert author.type == "Stakeholder"
        assert author.description == "Author of TTL compaction."
        assert f"({concept_href(author.concept_id)})" in doc.body
    tombstone = _one(concepts, "Tombstone")
    dead = _one(concepts, "Dead segments")
    assert tombstone.type == dead.type == "Glossary Term"
    # each cites the line that defines it
    lines = DESIGN.splitlines()
    for concept, quoted in ((tombstone, '"tombstone"'), (dead, '"dead segments"')):
        number = next(i for i, line in enumerate(lines, 1) if quoted in line)
        assert _snapshot_line(concept) == (number, number)
    assert _one(concepts, "Storage team").type == "Stakeholder"
    # the short form the title starts with names a thing the document is about, not it
    assert "TTL" not in doc.aliases and "Time To Live" not in doc.aliases


@pytest.mark.parametrize("name, text", [
    ("parking.txt", "Parking\n\nVisitors park on level two.\n"),
    ("wifi.md", "# Wifi\n\nThe guest network is called Harbour.\n"),
])
def test_a_document_of_no_kind_is_still_a_concept(tmp_path: Path, name: str, text: str
                                                  ) -> None:
    concepts = _extract(tmp_path / "office", {name: text})
    assert len(concepts) == 1
    concept = concepts[0]
    assert concept.type == "Topic"
    assert concept.title == name.split(".")[0].capitalize()
    assert concept.sources and concept.sources[0].start is not None
    assert text.splitlines()[-1] in concept.body
