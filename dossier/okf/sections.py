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

#: The generated sections' headings as writers write them; writers (the deterministic
#: bodies and assembly, the Claude merge) take them from here so they cannot drift from
#: what search and the eval recognise.
MENTIONS = "Mentions"
MENTIONED_IN = "Mentioned in"
RELATED = "Related"

#: Headings of generated sections, case-folded.
GENERATED_SECTIONS = frozenset(h.casefold() for h in (MENTIONS, MENTIONED_IN, RELATED))


def generated_heading(name: str) -> str:
    """The markdown line that opens the generated section ``name`` (one of the above)."""
    return f"## {name}"


def is_generated_heading(text: str) -> bool:
    """True when a heading's text names a generated section (any case, spaces trimmed)."""
    return " ".join(text.split()).casefold() in GENERATED_SECTIONS
