"""PDF and DOCX text, through the optional extra ``dossier[formats]``.

pypdf and python-docx are pure Python (python-docx needs lxml, which ships
wheels), so the extra installs anywhere the core does.  They are imported only
when a PDF or DOCX is actually met: a core install never pays for them, and a
missing extra turns into a skip with an install hint, not a crash.

Both formats are compressed, so both decode against a :class:`Budget`
(dossier/ingest/limits.py): a DOCX's zip members are measured, declared and
actually inflated, before python-docx sees the file; pypdf decompresses each
stream under our ``max_expanded_bytes``; and text is counted page by page and
block by block, with the deadline checked in between.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from dossier.ingest.htmltext import render_table
from dossier.ingest.limits import Budget, LimitExceeded, expanded_too_far

_ZIP_CHUNK = 1024 * 1024


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


def pdf_to_text(data: bytes, budget: Budget | None = None) -> tuple[str, str | None]:
    """Text of every page (``extract_text``), pages separated by a blank line; and /Title.

    pypdf enforces our ``max_expanded_bytes`` on every stream it decompresses
    (its own ``LimitReachedError``); pages are counted against the text cap and
    the deadline one at a time.
    """
    try:
        import pypdf
        from pypdf.errors import LimitReachedError
    except ImportError:
        raise MissingExtra(extra_hint("PDF")) from None
    budget = budget or Budget()
    cap = budget.limits.max_expanded_bytes
    pages: list[str] = []
    try:
        with pypdf.apply_configuration(**_pdf_caps(cap)):
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    ok = reader.decrypt("")  # many "protected" PDFs only restrict printing
                except Exception as exc:  # pypdf raises several types for crypto problems
                    raise UnreadableDocument(f"encrypted PDF ({exc})") from None
                if not ok:
                    raise UnreadableDocument("encrypted PDF (a password is needed)")
            for page in reader.pages:
                budget.check_time()
                text = page.extract_text() or ""
                budget.add_text(len(text))
                pages.append(text)
            title = _pdf_title(reader)
    except (UnreadableDocument, LimitExceeded):
        raise
    except LimitReachedError:
        raise expanded_too_far("a PDF stream", cap) from None
    except Exception as exc:  # a corrupt PDF can fail anywhere in the parser
        raise UnreadableDocument(f"could not read PDF: {type(exc).__name__}: {exc}") from None
    return "\n\n".join(p.strip("\n") for p in pages if p.strip()), title


def _pdf_caps(cap: int) -> dict[str, Any]:
    """pypdf's per-stream output limits, all set to ``max_expanded_bytes``."""
    return {
        "maximum_declared_stream_length": cap,
        "array_based_stream_maximum_output_length": cap,
        "jbig2_maximum_output_length": cap,
        "lzw_maximum_output_length": cap,
        "run_length_maximum_output_length": cap,
        "zlib_maximum_output_length": cap,
        "brotli_maximum_output_length": cap,
        "stream_decoding_work_maximum_length": cap,
        "image_maximum_buffer_size": cap,
    }


def _pdf_title(reader: Any) -> str | None:
    try:
        meta = reader.metadata
        title = meta.title if meta is not None else None
    except Exception:  # malformed Info dictionary: the title is a nicety
        return None
    return str(title).strip() or None if title else None


def docx_to_text(data: bytes, budget: Budget | None = None) -> tuple[str, str | None]:
    """Headings (``Heading N``/``Title`` styles) as ``#``, list styles as items, tables.

    python-docx inflates and parses every part of the package at once, so the
    zip is measured first (:func:`check_zip_expansion`): a zip bomb is refused
    before python-docx allocates anything for it.
    """
    try:
        import docx
    except ImportError:
        raise MissingExtra(extra_hint("DOCX")) from None
    budget = budget or Budget()
    check_zip_expansion(data, budget)
    blocks: list[tuple[str, bool]] = []
    try:
        document = docx.Document(io.BytesIO(data))
        styles = _paragraph_style_names(document)
        for item in document.iter_inner_content():
            block = _docx_block(item, styles)
            budget.add_text(len(block[0]))
            blocks.append(block)
        title = (document.core_properties.title or "").strip() or None
    except LimitExceeded:
        raise
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


def check_zip_expansion(data: bytes, budget: Budget) -> None:
    """Refuse a zip whose members inflate past ``max_expanded_bytes``.

    The sizes the zip *declares* are summed first, which costs nothing and stops
    an honest bomb at once.  Declared sizes can lie, so every member is then
    inflated in chunks with the bytes actually produced counted against the
    same cap: reading stops at the first chunk over it, whatever the headers say.
    """
    cap = budget.limits.max_expanded_bytes
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            declared = sum(info.file_size for info in members)
            if declared > cap:
                raise expanded_too_far("the zip", cap, declared)
            for info in members:
                with archive.open(info) as member:
                    while chunk := member.read(_ZIP_CHUNK):
                        budget.add_expanded(len(chunk), "the zip")
    except LimitExceeded:
        raise
    except Exception as exc:  # not a zip, bad CRC, truncated, unsupported compression
        raise UnreadableDocument(f"could not read DOCX: {type(exc).__name__}: {exc}") from None


def _paragraph_style_names(document: Any) -> dict[str | None, str]:
    """Paragraph style id → display name, with ``None`` → the default style's name.

    ``Paragraph.style`` in python-docx looks the style up by scanning every
    style in the document, and for a paragraph without a style it scans them
    again for the default: milliseconds per paragraph, which made a long but
    honest document take minutes.  One pass here makes each lookup a dict hit.
    """
    from docx.enum.style import WD_STYLE_TYPE

    names: dict[str | None, str] = {}
    for style in document.styles:
        if style.type == WD_STYLE_TYPE.PARAGRAPH and style.style_id:
            names.setdefault(style.style_id, style.name or "")
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    names[None] = (default.name or "") if default is not None else ""
    return names


def _docx_block(item: Any, styles: dict[str | None, str]) -> tuple[str, bool]:
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
    style_id = item._p.style  # python-docx's own lookup is slow: see _paragraph_style_names
    style = styles.get(style_id, styles[None])
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
