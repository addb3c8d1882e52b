"""Each supported format loads as the normalized text and title a reader expects."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest

from dossier.ingest import (
    Skip,
    SkipCode,
    SourceDocument,
    find_title,
    load_file,
    normalize_text,
)


def _doc(path: Path) -> SourceDocument:
    result = load_file(path)
    assert isinstance(result, SourceDocument), result
    return result


def _skip(path: Path) -> Skip:
    result = load_file(path)
    assert isinstance(result, Skip), result
    return result


# -- PDF/DOCX fixtures made in the test -------------------------------------------------


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal valid PDF with real text operators (Helvetica), xref offsets computed."""
    count = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        ops = ["BT /F1 12 Tf 14 TL 72 720 Td", *(f"({line}) Tj T*" for line in lines), "ET"]
        content = "\n".join(ops).encode()
        objects.append(
            (
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>"
            ).encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    info = ""
    if title:
        objects.append(f"<< /Title ({title}) >>".encode())
        info = f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R{info} >>"
    out += b"trailer\n" + trailer.encode() + b"\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


# -- text formats -------------------------------------------------------------------------


def test_markdown_keeps_text_and_takes_first_h1_as_title(tmp_path: Path) -> None:
    path = tmp_path / "Interview Ops.md"
    path.write_bytes(b"Intro line\r\n\r\n## Context\r\n\r\n# Ops Interview\r\nBody\ttabbed   \r\n")
    doc = _doc(path)
    assert doc.media_type == "text/markdown"
    assert doc.title == "Ops Interview"
    assert doc.text == "Intro line\n\n## Context\n\n# Ops Interview\nBody\ttabbed\n"
    assert doc.lines[4] == "# Ops Interview"
    assert doc.size == path.stat().st_size
    assert doc.original_path == str(path)


def test_markdown_frontmatter_title_and_fenced_headings(tmp_path: Path) -> None:
    path = tmp_path / "a.markdown"
    path.write_text("---\ntitle: 'Billing Runbook'\n---\n```\n# not a heading\n```\n# Later\n")
    assert _doc(path).title == "Billing Runbook"
    assert find_title("```\n# code\n```\nSetext Title\n============\n") == "Setext Title"
    assert find_title("## only h2\ntext\n") == "only h2"


def test_plain_text_and_extensionless_use_file_name_as_title(tmp_path: Path) -> None:
    for name in ("notes.txt", "call.text", "README"):
        path = tmp_path / name
        path.write_text("Kickoff call with the ops team.\nNext steps: billing.\n")
        doc = _doc(path)
        assert doc.media_type == "text/plain"
        assert doc.title == name
        assert doc.lines == ["Kickoff call with the ops team.", "Next steps: billing."]


def test_normalization_rules() -> None:
    decomposed = unicodedata.normalize("NFD", "Zürich")
    raw = f"\ufeff\n\n  {decomposed}  \r\nform\ffeed\x0bvt\u2028ls\x07bell\t\r\n\n\n\n"
    text = normalize_text(raw)
    assert text == "  Zürich\nform\nfeed\nvt\nlsbell\n"  # BEL dropped, line breaks kept
    assert unicodedata.is_normalized("NFC", text)
    # splitlines and split("\n") agree, so line numbers mean one thing
    assert text.splitlines() == text.split("\n")[:-1]
    assert normalize_text(" \n\t\n") == ""
    assert normalize_text(text) == text


def test_encodings_utf8_bom_utf16_and_cp1252(tmp_path: Path) -> None:
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfcaf\xc3\xa9\n")
    assert _doc(tmp_path / "bom.txt").text == "café\n"
    (tmp_path / "u16.txt").write_bytes("Résumé notes\n".encode("utf-16"))
    assert _doc(tmp_path / "u16.txt").text == "Résumé notes\n"
    (tmp_path / "legacy.txt").write_bytes("Caf\xe9 \x93quoted\x94 \x80 5\n".encode("latin-1"))
    assert _doc(tmp_path / "legacy.txt").text == "Café “quoted” € 5\n"


def test_undecodable_text_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "sjis.txt"
    path.write_bytes("日本語のテキストです。".encode("shift_jis") * 5)
    skip = _skip(path)
    assert skip.code == SkipCode.UNDECODABLE
    assert "undecodable" in skip.reason


# -- HTML ---------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html><head><title>Acme  Platform</title>
<style>h2 { color: red }</style><script>if (a < b) { alert("x") }</script></head>
<body>
<nav><ul><li>Home</li></ul></nav>
<h2>Context</h2>
<p>The <b>billing</b> team
   owns   invoicing.<br>They report to finance.</p>
<p>Second &amp; last paragraph.</p>
<ul><li>Kafka<ul><li>Topics</li></ul></li><li>Postgres</ul>
<ol><li>Plan<li>Build</ol>
<table>
  <tr><th>System</th><th>Owner</th></tr>
  <tr><td>Ledger</td><td>Finance | Ops</td></tr>
  <tr><td>CRM<td>Sales</tr>
</table>
<noscript>enable js</noscript>
<pre>
def f():
    return 1
</pre>
</body></html>
"""


def test_html_keeps_headings_lists_tables_and_drops_scripts(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE)
    doc = _doc(path)
    assert doc.media_type == "text/html"
    assert doc.title == "Acme Platform"
    assert doc.text == (
        "# Acme Platform\n"
        "\n"
        "## Context\n"
        "\n"
        "The billing team owns invoicing.\n"
        "They report to finance.\n"
        "\n"
        "Second & last paragraph.\n"
        "\n"
        "- Kafka\n"
        "  - Topics\n"
        "- Postgres\n"
        "\n"
        "1. Plan\n"
        "2. Build\n"
        "\n"
        "| System | Owner |\n"
        "| --- | --- |\n"
        "| Ledger | Finance \\| Ops |\n"
        "| CRM | Sales |\n"
        "\n"
        "```\n"
        "def f():\n"
        "    return 1\n"
        "```\n"
    )
    for dropped in ("alert", "color", "enable js", "Home"):  # <nav> is site chrome
        assert dropped not in doc.text


def test_html_text_that_links_to_the_next_page_is_kept(tmp_path: Path) -> None:
    """Only a bar of navigation goes: a sentence or a block of text holding a rel=next
    link is text of the page."""
    path = tmp_path / "tls.html"
    path.write_text(
        "<html><head><title>TLS</title></head><body><h1>TLS</h1>\n"
        "<div>TLS needs a certificate signed by the harbour authority. "
        '<a rel="next" href="b.html">Next: Proxies</a></div>\n'
        '<p>Part 3 covers <a rel="next" href="c.html">key rotation</a>, which runs weekly.</p>\n'
        '<p><a rel="prev" href="a.html">Previous</a> | <a rel="up" href="i.html">Up</a> | '
        '<a rel="next" href="c.html">Key rotation</a></p>\n</body></html>\n', encoding="utf-8")
    text = _doc(path).text
    assert "signed by the harbour authority" in text
    assert "Part 3 covers key rotation, which runs weekly." in text
    assert "Previous" not in text  # the bar itself still goes


def test_html_permalink_glyphs_leave_headings_and_entries(tmp_path: Path) -> None:
    """Generated docs link each heading's anchor with a pilcrow ("Install¶")."""
    path = tmp_path / "usage.html"
    path.write_text(
        "<html><head><title>Usage — Press docs</title></head><body>\n"
        '<h1>Usage<a class="headerlink" href="#usage" title="Link to this heading">¶</a></h1>\n'
        '<dl><dt>name: str<a class="headerlink" href="#name">¶</a></dt>'
        "<dd>The role name.</dd></dl>\n<p>A pilcrow ¶ inside a sentence stays.</p>\n"
        "</body></html>\n", encoding="utf-8")
    doc = _doc(path)
    assert doc.title == "Usage"
    assert doc.text == ("# Usage\n\nname: str\n\nThe role name.\n\n"
                        "A pilcrow ¶ inside a sentence stays.\n")


def test_html_pager_paragraphs_and_nested_navigation_are_left_out(tmp_path: Path) -> None:
    """A manual's "Next: …, Previous: …, Up: …" bar over every page is no text of it."""
    path = tmp_path / "Memory-Usage.html"
    path.write_text(
        "<html><head><title>Memory Usage (Press manual)</title></head><body>\n"
        '<div class="header"><p>Next: <a href="Limits.html" rel="next">Limits</a>, '
        'Previous: <a href="Setup.html" rel="prev">Setup</a>, Up: '
        '<a href="index.html" rel="up">Press</a></p></div>\n'
        "<nav><ul><li>Setup<nav><a href='x'>Inner</a></nav></li><li>Tail of menu</li></ul>"
        "</nav>\n"
        "<h2>3 Memory Usage</h2>\n<p>Profiles live in a fixed pool; see the "
        '<a href="Limits.html">Limits</a> page.</p>\n</body></html>\n', encoding="utf-8")
    doc = _doc(path)
    assert doc.text == (
        "# Memory Usage (Press manual)\n\n## 3 Memory Usage\n\n"
        "Profiles live in a fixed pool; see the Limits page.\n")


def test_html_h1_wins_over_title_and_head_left_open(tmp_path: Path) -> None:
    path = tmp_path / "x.htm"
    path.write_text("<html><head><title>Tab title</title><body><h1>Real Title</h1><p>body")
    doc = _doc(path)
    assert doc.title == "Real Title"
    assert doc.text == "# Real Title\n\nbody\n"


def test_html_meta_charset_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "legacy.html"
    html = '<meta charset="iso-8859-7"><p>Καλημέρα κόσμε</p>'
    path.write_bytes(html.encode("iso-8859-7"))
    assert _doc(path).text == "Καλημέρα κόσμε\n"


# -- PDF / DOCX (the formats extra) ----------------------------------------------------------


def test_pdf_text_per_page_and_metadata_title(tmp_path: Path) -> None:
    pytest.importorskip("pypdf", reason="the 'formats' extra (pypdf) is not installed")
    path = tmp_path / "review.pdf"
    path.write_bytes(make_pdf([["Quarterly review", "Revenue grew."], ["Page two"]], "Q3 Review"))
    doc = _doc(path)
    assert doc.media_type == "application/pdf"
    assert doc.title == "Q3 Review"
    assert doc.text == "Quarterly review\nRevenue grew.\n\nPage two\n"


def test_corrupt_and_textless_pdf_are_skipped(tmp_path: Path) -> None:
    pytest.importorskip("pypdf", reason="the 'formats' extra (pypdf) is not installed")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4\nthis is not a pdf\n")
    assert _skip(tmp_path / "bad.pdf").code == SkipCode.PARSE_ERROR
    (tmp_path / "scan.pdf").write_bytes(make_pdf([[]]))
    assert _skip(tmp_path / "scan.pdf").code == SkipCode.NO_TEXT


def test_docx_headings_lists_and_tables(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx", reason="the 'formats' extra (python-docx) is not installed")
    document = docx.Document()
    document.add_heading("Solution Design", level=1)
    document.add_paragraph("Intro   paragraph.")
    document.add_heading("Scope", level=2)
    document.add_paragraph("Billing", style="List Bullet")
    document.add_paragraph("Ledger", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for (r, c), value in {
        (0, 0): "System",
        (0, 1): "Owner",
        (1, 0): "CRM",
        (1, 1): "Sales",
    }.items():
        table.cell(r, c).text = value
    document.add_paragraph("After the table.")
    path = tmp_path / "design.docx"
    document.save(str(path))
    doc = _doc(path)
    assert doc.media_type.endswith("wordprocessingml.document")
    assert doc.title == "Solution Design"
    assert doc.text == (
        "# Solution Design\n\nIntro paragraph.\n\n## Scope\n\n- Billing\n- Ledger\n\n"
        "| System | Owner |\n| --- | --- |\n| CRM | Sales |\n\nAfter the table.\n"
    )
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    assert _skip(tmp_path / "broken.docx").code == SkipCode.PARSE_ERROR


@pytest.mark.parametrize(
    ("module", "name", "label"), [("pypdf", "x.pdf", "PDF"), ("docx", "x.docx", "DOCX")]
)
def test_missing_extra_is_a_skip_with_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, name: str, label: str
) -> None:
    # A None entry in sys.modules makes `import module` fail, as on a core install.
    monkeypatch.setitem(sys.modules, module, None)
    path = tmp_path / name
    path.write_bytes(make_pdf([["text"]]) if label == "PDF" else b"PK\x03\x04zip")
    skip = _skip(path)
    assert skip.code == SkipCode.NEEDS_EXTRA
    assert skip.reason == (
        f"{label} support needs the optional extra: pip install 'dossier[formats]'"
    )
