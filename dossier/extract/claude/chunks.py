"""Cutting a source into chunks that fit one request, keeping the source's line numbers.

The model cites line ranges, so each chunk is sent with its lines numbered as they are in
the snapshot (``sources/<id>.md``): a range the model gives is a range a reader can open.
Consecutive chunks overlap by a few lines, so a statement cut by a boundary is seen whole
at least once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chunk:
    """Lines ``start``..``end`` (1-based, inclusive) of one source."""

    source_id: str
    index: int
    start: int
    end: int
    lines: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.source_id} lines {self.start}-{self.end}"

    def numbered(self) -> str:
        """The chunk as the model sees it: ``<line number>| <text>`` per line."""
        width = len(str(self.end))
        return "\n".join(
            f"{number:>{width}}| {line}"
            for number, line in enumerate(self.lines, start=self.start)
        )


def cut(source_id: str, text: str, *, max_lines: int, max_chars: int, overlap: int) -> list[Chunk]:
    """Chunks covering every line of ``text``; each ends at ``max_lines`` or ``max_chars``.

    A single line longer than ``max_chars`` is a chunk of its own (never split mid-line,
    or its line number would stop meaning one place).
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return []
    chunks: list[Chunk] = []
    first = 0
    while first < len(lines):
        last = first
        size = len(lines[first]) + 1
        while last + 1 < len(lines) and last + 1 - first < max_lines:
            grown = size + len(lines[last + 1]) + 1
            if grown > max_chars:
                break
            size = grown
            last += 1
        chunks.append(Chunk(source_id, len(chunks), first + 1, last + 1,
                            tuple(lines[first:last + 1])))
        if last + 1 >= len(lines):
            break
        # step back by the overlap, but always move forward
        first = max(last + 1 - overlap, first + 1)
    return chunks
