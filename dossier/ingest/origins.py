"""Which lines of the original file each snapshot line came from.

Citations name lines of the snapshot (``sources/<id>.md#L140``), because the snapshot
is what the tenant's repository holds.  A reader who opens the *original* file needs
its lines instead, and they differ: an HTML page is converted (snapshot line 140 can
be line 236 of the page), and normalization drops leading blank lines and splits a
line at a form feed.  An :class:`OriginMap` records, for every snapshot line, the
first and last original line its text came from, so a citation can name both.

Only sources with meaningful lines have one: text and markdown (only when the map is
not the identity) and HTML.  PDF and DOCX have no lines a reader could check, so
their citations keep snapshot lines.  No map means "snapshot lines are the lines".

The compact form stored in the catalogue is runs separated by spaces:

* ``S=O`` — snapshot line S is original line O;
* ``S-T=O`` — snapshot lines S..T are original lines O..O+(T-S), one to one;
* ``S=O-E`` — snapshot line S holds original lines O..E (a paragraph joined into one line).

Runs cover snapshot lines 1..n in order, so the text is checkable by eye and by
:meth:`OriginMap.decode`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

#: (first, last) original line of one snapshot line, 1-based and inclusive.
Span = tuple[int, int]

_RUN = re.compile(r"^(\d+)(?:-(\d+))?=(\d+)(?:-(\d+))?$")


@dataclass(frozen=True)
class OriginMap:
    """``spans[i]`` is the (first, last) original line of snapshot line ``i + 1``."""

    spans: tuple[Span, ...]

    @classmethod
    def build(cls, spans: Sequence[Span]) -> OriginMap | None:
        """The map of ``spans``, or None when every snapshot line is its own original line."""
        if all(span == (number, number) for number, span in enumerate(spans, 1)):
            return None
        return cls(tuple(spans))

    def original(self, start: int, end: int | None = None) -> Span:
        """The original lines a citation of snapshot lines ``start..end`` points at.

        Lines past the snapshot's end (a stale citation) are clamped to its last line.
        """
        if not self.spans:
            return (start, end if end is not None else start)
        last = len(self.spans)
        low = min(max(start, 1), last)
        high = min(max(end if end is not None else start, low), last)
        covered = self.spans[low - 1 : high]
        return (min(s[0] for s in covered), max(s[1] for s in covered))

    def encode(self) -> str:
        """The compact run form (module docstring); deterministic for equal maps."""
        runs: list[str] = []
        index = 0
        count = len(self.spans)
        while index < count:
            first, last = self.spans[index]
            if first != last:
                runs.append(f"{index + 1}={first}-{last}")
                index += 1
                continue
            stop = index + 1
            while stop < count and self.spans[stop] == (first + stop - index,) * 2:
                stop += 1
            if stop - index == 1:
                runs.append(f"{index + 1}={first}")
            else:
                runs.append(f"{index + 1}-{stop}={first}")
            index = stop
        return " ".join(runs)

    @classmethod
    def decode(cls, text: str) -> OriginMap:
        """Parse the compact form; ValueError when it is not a well-formed map."""
        return _decode(text)


@functools.lru_cache(maxsize=1024)
def _decode(text: str) -> OriginMap:
    # Cached: assembling a bundle looks a source's map up once per concept citing it.
    spans: list[Span] = []
    for run in text.split():
        match = _RUN.match(run)
        if match is None:
            raise ValueError(f"bad run {run!r}")
        start, stop, first, last = (int(g) if g else None for g in match.groups())
        assert start is not None and first is not None
        if start != len(spans) + 1:
            raise ValueError(f"run {run!r} does not start at line {len(spans) + 1}")
        if first < 1 or (stop is not None and stop < start) or (last is not None and last < first):
            raise ValueError(f"bad run {run!r}")
        if stop is not None and last is not None:
            raise ValueError(f"run {run!r} is a range on both sides")
        if last is not None:
            spans.append((first, last))
        else:
            spans.extend((first + k, first + k) for k in range((stop or start) - start + 1))
    if not spans:
        raise ValueError("empty map")
    return OriginMap(tuple(spans))


def original_lines(origins: OriginMap | None, start: int, end: int | None = None) -> Span:
    """``start..end`` in the original file's lines (unchanged when there is no map)."""
    if origins is None:
        return (start, end if end is not None else start)
    return origins.original(start, end)
