"""PDF and DOCX text, through the optional extra ``dossier[formats]``.

pypdf and python-docx are pure Python (python-docx needs lxml, which ships
wheels), so the extra installs anywhere the core does.  They are imported only
when a PDF or DOCX is actually met: a core install never pays for them, and a
missing extra turns into a skip with an install hint, not a crash.
"""

from __future__ import annotations

import io
from typing import Any

from dossier.ingest.htmltext import render_table


class MissingExtra(Exception):
    """The library for this format is not installed; the message is the skip reason."""


class UnreadableDocument(Exception):
    """The file is not a document the library can read (corrupt, encrypted)."""


def extra_hint(kind: str) -> str:
    return f"{kind} support needs the optional extra: pip install 'dossier[formats]'"


def pdf_available() -> bool:
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return False
    return True


def docx_available() -> bool:
    try:
        import docx  # noqa: F401
    except ImportError:
        return False
    return True


def pdf_to_text(data: bytes) -> tuple[str, str | None]:
    """Text of every page (``extract_text``), pages separated by a blank line; and /Title."""
    try:
        import pypdf
    except ImportError:
        raise MissingExtra(extra_hint("PDF")) from None
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")  # many "protected" PDFs only restrict printing
            except Exception as exc:  # pypdf raises several types for crypto problems
                raise UnreadableDocument(f"encrypted PDF ({exc})") from None
            if not ok:
                raise UnreadableDocument("encrypted PDF (a password is needed)")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = _pdf_title(reader)
    except UnreadableDocument:
        raise
    except Exception as exc:  # a corrupt PDF can fail anywhere in the parser
        raise UnreadableDocument(f"could not read PDF: {type(exc).__name__}: {exc}") from None
    return "\n\n".join(p.strip("\n") for p in pages if p.strip()), title


def _pdf_title(reader: Any) -> str | None:
    try:
        meta = reader.metadata
        title = meta.title if meta is not None else None
    except Exception:  # malformed Info dictionary: the title is a nicety
        return None
    return str(title).strip() or None if title else None


def docx_to_text(data: bytes) -> tuple[str, str | None]:
    """Headings (``Heading N``/``Title`` styles) as ``#``, list styles as items, tables."""
    try:
        import docx
    except ImportError:
        raise MissingExtra(extra_hint("DOCX")) from None
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = [_docx_block(item) for item in document.iter_inner_content()]
        title = (document.core_properties.title or "").strip() or None
    except Exception as exc:  # not a zip, missing parts, bad XML
        raise UnreadableDocument(f"could not read DOCX: {type(exc).__name__}: {exc}") from None
    parts: list[str] = []
    previous_item = False
    for text, is_item in (b for b in blocks if b[0]):
        if parts:
            parts.append("\n" if (is_item and previous_item) else "\n\n")
        parts.append(text)
        previous_item = is_item
    return "".join(parts), title


def _docx_block(item: Any) -> tuple[str, bool]:
    """One paragraph or table as (markdown, is_list_item)."""
    from docx.table import Table

    if isinstance(item, Table):
        rows = []
        for row in item.rows:
            cells = [" ".join(cell.text.split()) for cell in row.cells]
            if any(cells):
                rows.append(cells)
        return (render_table(rows) if rows else ""), False
    text = " ".join(item.text.split())
    if not text:
        return "", False
    style = (item.style.name if item.style is not None else "") or ""
    level = _heading_level(style)
    if level is not None:
        return "#" * level + " " + text, False
    lowered = style.lower()
    if lowered.startswith("list number"):
        return "1. " + text, True
    if lowered.startswith("list") or _has_numbering(item):
        return "- " + text, True
    return text, False


def _heading_level(style: str) -> int | None:
    if style == "Title":
        return 1
    if style.startswith("Heading "):
        tail = style.removeprefix("Heading ").strip()
        if tail.isdigit():
            return max(1, min(int(tail), 6))
    return None


def _has_numbering(paragraph: Any) -> bool:
    ppr = paragraph._p.pPr
    return ppr is not None and ppr.numPr is not None
