"""One file → :class:`SourceDocument` or :class:`Skip`, by format.

Formats are chosen by extension, never by sniffing content: the set is small
and explicit so a user can predict what gets ingested (see docs/ingest.md).
The checks run cheapest first — type, then size from ``stat``, then the read —
so an image or an oversized archive is refused without being opened.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import stat
from collections.abc import Callable
from pathlib import Path

from dossier.ingest.decode import DecodeFailure, decode_text, looks_binary
from dossier.ingest.htmltext import html_to_mapped_text
from dossier.ingest.limits import DEFAULT_LIMITS, Budget, DecodeLimits, LimitExceeded
from dossier.ingest.model import Skip, SkipCode, SourceDocument
from dossier.ingest.normalize import find_title, normalize_mapped
from dossier.ingest.office import (
    MissingExtra,
    UnreadableDocument,
    docx_available,
    docx_to_text,
    extra_hint,
    pdf_available,
    pdf_to_text,
)
from dossier.ingest.origins import OriginMap, Span

#: Default cap on one file's size (the manifest's ``max_source_bytes`` overrides it).
DEFAULT_MAX_BYTES = 5 * 1024 * 1024

MD = "text/markdown"
TXT = "text/plain"
HTML = "text/html"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: Lowercased extension → media type.  ``""`` is an extensionless file (read as text).
MEDIA_TYPES: dict[str, str] = {
    ".md": MD,
    ".markdown": MD,
    ".txt": TXT,
    ".text": TXT,
    "": TXT,
    ".html": HTML,
    ".htm": HTML,
    ".pdf": PDF,
    ".docx": DOCX,
}


def suffix_of(path: str | os.PathLike[str]) -> str:
    """``Path.suffix`` lowercased, without building a Path (this runs once per file per scan)."""
    name = os.path.basename(os.fspath(path))
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def media_type_for(path: str | os.PathLike[str]) -> str | None:
    """The media type Dossier ingests this file as, or None when the type is unsupported."""
    return MEDIA_TYPES.get(suffix_of(path))


def _unsupported(path: str) -> Skip:
    suffix = suffix_of(path)
    guessed, _ = mimetypes.guess_type(path, strict=False)
    detail = f" ({guessed})" if guessed else ""
    return Skip(path, f"unsupported file type {suffix}{detail}", SkipCode.UNSUPPORTED)


def precheck(path: str, size: int, max_bytes: int) -> Skip | None:
    """The refusals that need only the name and ``stat``: type, emptiness, size."""
    media_type = media_type_for(path)
    if media_type is None:
        return _unsupported(path)
    if size == 0:
        return Skip(path, "empty", SkipCode.EMPTY)
    missing = _missing_extra(media_type)
    if missing is not None:
        return Skip(path, missing, SkipCode.NEEDS_EXTRA)
    if size > max_bytes:
        return Skip(
            path,
            f"too large: {size} bytes exceeds the cap of {max_bytes} bytes",
            SkipCode.TOO_LARGE,
        )
    return None


def _missing_extra(media_type: str | None) -> str | None:
    """The install hint when this format's library is absent (checked before any read)."""
    if media_type == PDF and not pdf_available():
        return extra_hint("PDF")
    if media_type == DOCX and not docx_available():
        return extra_hint("DOCX")
    return None


def read_bytes(path: str, max_bytes: int) -> bytes | Skip:
    """Read at most the cap (the file may have grown since ``stat``)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return Skip(path, f"unreadable: {exc.strerror or exc}", SkipCode.UNREADABLE, True)
    if len(data) > max_bytes:
        return Skip(path, f"too large: exceeds the cap of {max_bytes} bytes", SkipCode.TOO_LARGE)
    if not data:
        return Skip(path, "empty", SkipCode.EMPTY)
    return data


#: (text, title hint, original lines of each text line: None when the text is the original)
_Converted = tuple[str, str | None, list[Span] | None]


def _plain(data: bytes, budget: Budget) -> _Converted:
    text = decode_text(data)
    budget.add_text(len(text))
    return text, None, None


def _html(data: bytes, budget: Budget) -> _Converted:
    return html_to_mapped_text(decode_text(data, html=True), budget)


def _office(
    convert_text: Callable[[bytes, Budget], tuple[str, str | None]],
) -> Callable[[bytes, Budget], _Converted]:
    def run(data: bytes, budget: Budget) -> _Converted:
        text, title = convert_text(data, budget)
        return text, title, None

    return run


_CONVERTERS: dict[str, Callable[[bytes, Budget], _Converted]] = {
    MD: _plain,
    TXT: _plain,
    HTML: _html,
    PDF: _office(pdf_to_text),
    DOCX: _office(docx_to_text),
}
#: Formats whose original lines a reader can open and check; PDF and DOCX have none,
#: so their citations name snapshot lines only (docs/ingest.md).
_HAS_LINES = frozenset({MD, TXT, HTML})


def convert(
    path: str,
    data: bytes,
    *,
    source_id: str = "",
    location: str = "",
    sha256: str | None = None,
    limits: DecodeLimits = DEFAULT_LIMITS,
) -> SourceDocument | Skip:
    """Bytes of a supported file → normalized document, or the reason it cannot be.

    ``sha256`` is the hash of ``data`` when the caller already computed it.
    Decoding runs within ``limits`` (inflated size, text, time); past one the
    file is a skip with the limit's code, never a hang.
    """
    media_type = media_type_for(path)
    if media_type is None:
        return _unsupported(path)
    if media_type in (MD, TXT, HTML) and looks_binary(data):
        return Skip(path, "binary content (NUL bytes) in a text file", SkipCode.BINARY)
    try:
        raw_text, title_hint, spans = _CONVERTERS[media_type](data, Budget(limits))
    except LimitExceeded as exc:
        return Skip(path, str(exc), exc.code)
    except DecodeFailure as exc:
        return Skip(path, str(exc), SkipCode.UNDECODABLE)
    except MissingExtra as exc:
        return Skip(path, str(exc), SkipCode.NEEDS_EXTRA)
    except UnreadableDocument as exc:
        return Skip(path, str(exc), SkipCode.PARSE_ERROR)
    text, origins = normalize_mapped(raw_text, spans)
    if not text:
        if media_type == PDF:
            return Skip(path, "no extractable text (scanned or image-only PDF?)", SkipCode.NO_TEXT)
        return Skip(path, "empty (no text)", SkipCode.EMPTY)
    title = find_title(text) or (title_hint or "").strip() or Path(path).name
    return SourceDocument(
        source_id=source_id,
        original_path=path,
        media_type=media_type,
        size=len(data),
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        title=title,
        text=text,
        location=location,
        origins=OriginMap.build(origins) if media_type in _HAS_LINES else None,
    )


def load_file(
    path: str | os.PathLike[str],
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    source_id: str = "",
    location: str = "",
    limits: DecodeLimits = DEFAULT_LIMITS,
) -> SourceDocument | Skip:
    """Load one file by itself (the scanner assigns ids; this never raises for bad input).

    ``path`` is made absolute but not symlink-resolved, so the document records
    the path the user knows.
    """
    text_path = os.path.abspath(os.fspath(path))
    try:
        st = os.stat(text_path)
    except FileNotFoundError:
        return Skip(text_path, "not found (or a broken symlink)", SkipCode.UNREADABLE, True)
    except OSError as exc:
        return Skip(text_path, f"unreadable: {exc.strerror or exc}", SkipCode.UNREADABLE, True)
    if not stat.S_ISREG(st.st_mode):
        return Skip(text_path, "not a regular file", SkipCode.NOT_REGULAR)
    refused = precheck(text_path, st.st_size, max_bytes)
    if refused is not None:
        return refused
    data = read_bytes(text_path, max_bytes)
    if isinstance(data, Skip):
        return data
    return convert(text_path, data, source_id=source_id, location=location, limits=limits)
