"""Footnote labels that stay unique within one concept.

Two sources (or two passages of one source) can slug to the same ``src-…`` label;
the first keeps it and later ones get ``-2``, ``-3``, … in the order they are
labelled, so each footnote marker names exactly one ``sources[]`` entry.  Every
extractor that writes ``sources[]`` numbers collisions with this one function, so
the deterministic and the Claude extractors cannot come to label them differently.
"""

from __future__ import annotations

from collections.abc import Container


def unique_label(base: str, taken: Container[str]) -> str:
    """``base``, or ``base-2``, ``base-3``, … : the first that is not in ``taken``."""
    label, suffix = base, 2
    while label in taken:
        label = f"{base}-{suffix}"
        suffix += 1
    return label
