"""Body sections an extractor writes itself, around a concept's own knowledge.

The deterministic extractor ends a concept body with lists it generates rather than
learns: ``## Mentions`` / ``## Mentioned in`` (one line quoted from each document that
names the concept) and ``## Related`` ("Mentioned in:" and links to the concepts that
link here).  They carry no claim of the concept's own, so readers of a bundle treat
them apart: the eval does not count them as knowledge (a body of nothing else is a
stub), and search never quotes them as the neighbour of the passage that answered.
The headings are the mark; a section under one is generated only when it is made of
lists (see :func:`dossier.serve.passages.split_passages`), so a person's own prose
under a "Related" heading is not mistaken for one.
"""

from __future__ import annotations

#: Headings of generated sections, case-folded.
GENERATED_SECTIONS = frozenset({"mentions", "mentioned in", "related"})


def is_generated_heading(text: str) -> bool:
    """True when a heading's text names a generated section (any case, spaces trimmed)."""
    return " ".join(text.split()).casefold() in GENERATED_SECTIONS
