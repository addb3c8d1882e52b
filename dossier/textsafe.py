"""Make untrusted text safe to show on a terminal.

Names, paths, file names and queries come from clients' material and from
manifests restored from archives.  Printed raw, an ESC sequence can rewrite the
screen and a bidi override can make ``evil.exe`` read as ``exe.live``.  The
neutralized form keeps every other character and shows the dangerous ones as
visible escapes (``\\x1b``, ``\\u202e``), so nothing is silently hidden either.
"""

from __future__ import annotations

import re

#: C0 controls except tab and newline, DEL, C1 controls, and the Unicode
#: directional marks, embeddings, overrides and isolates.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def neutralize(text: str) -> str:
    """``text`` with control characters and bidi controls replaced by visible escapes."""
    return _UNSAFE.sub(_escape, text)
