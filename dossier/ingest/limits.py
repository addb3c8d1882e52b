"""Bounds on what decoding one file may cost: inflated bytes, extracted text, time.

``max_source_bytes`` bounds the bytes read from disk, but a DOCX is a zip and a
PDF holds deflated streams: a 2 MB file can inflate to a gigabyte and keep the
loop (and the tenant lock) busy for many minutes.  Every decoder therefore runs
against a :class:`Budget` built from :class:`DecodeLimits`:

- ``max_expanded_bytes`` caps what a decoder may inflate from one file (the zip
  members of a DOCX, declared *and* actually read; each PDF stream, enforced by
  pypdf while it decompresses).  This is the bound that makes the time of each
  parsing step bounded: no step works on more than this many bytes.
- ``max_text_chars`` caps the text one file may yield, counted as it is
  produced (per PDF page, per DOCX block, per HTML chunk).
- ``max_seconds`` is a deadline checked between those steps.  It is
  cooperative: a running step is not interrupted, but each step is bounded by
  the size caps, so the deadline stops a file with many steps.  A thread cannot
  be killed in Python, and a subprocess per document would cost a process start
  for every PDF and DOCX and move errors across a pipe; the size caps make both
  unnecessary (see docs/ingest.md, "Bounds on decoding").

Passing a limit raises :class:`LimitExceeded`, which the loader turns into a
skip with its code and reason; the scan goes on with the next file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from dossier.ingest.model import SkipCode

MIB = 1024 * 1024

#: Defaults; the manifest's ``max_expanded_bytes`` and ``max_decode_seconds`` override them.
DEFAULT_MAX_EXPANDED_BYTES = 64 * MIB
DEFAULT_MAX_TEXT_CHARS = 16 * MIB
DEFAULT_MAX_DECODE_SECONDS = 60.0


@dataclass(frozen=True)
class DecodeLimits:
    """The per-file decoding bounds (see the module docstring for what each covers)."""

    max_expanded_bytes: int = DEFAULT_MAX_EXPANDED_BYTES
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    max_seconds: float = DEFAULT_MAX_DECODE_SECONDS


DEFAULT_LIMITS = DecodeLimits()


class LimitExceeded(Exception):
    """A decoding bound was passed; ``code`` is the skip code, the message its reason."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.code = code


class Budget:
    """One file's running account against its :class:`DecodeLimits`.

    Created when decoding of a file starts, so the deadline counts from there.
    """

    def __init__(self, limits: DecodeLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.text_chars = 0
        self.expanded = 0

    def check_time(self) -> None:
        """Raise when the deadline has passed; call between decoding steps."""
        if time.monotonic() > self.deadline:
            raise LimitExceeded(
                f"too slow to decode: stopped after {self.limits.max_seconds:g} s",
                SkipCode.TOO_SLOW,
            )

    def add_text(self, chars: int) -> None:
        """Count extracted text and check the deadline."""
        self.text_chars += chars
        if self.text_chars > self.limits.max_text_chars:
            raise LimitExceeded(
                f"too much text: more than {self.limits.max_text_chars} characters extracted",
                SkipCode.TOO_MUCH_TEXT,
            )
        self.check_time()

    def add_expanded(self, nbytes: int, what: str = "content") -> None:
        """Count inflated bytes and check the deadline."""
        self.expanded += nbytes
        if self.expanded > self.limits.max_expanded_bytes:
            raise expanded_too_far(what, self.limits.max_expanded_bytes)
        self.check_time()


def expanded_too_far(what: str, cap: int, declared: int | None = None) -> LimitExceeded:
    """The skip for content that inflates past ``max_expanded_bytes``."""
    if declared is None:
        reason = f"expands too far: {what} inflates past the cap of {cap} bytes"
    else:
        reason = f"expands too far: {what} declares {declared} bytes, over the cap of {cap} bytes"
    return LimitExceeded(reason, SkipCode.TOO_EXPANDED)
