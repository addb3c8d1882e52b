"""Hostile files cannot hang ingest: every decoder is bounded by inflated size, text and time.

The bombs are built here.  Each is about 100 times the bound it meets, with the
bound lowered through ``DecodeLimits`` (or the manifest) so the test stays small:
a few hundred KB zipped, never inflated by the code under test.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
import yaml

from dossier.ingest import DecodeLimits, Skip, SkipCode, SourceDocument, load_file, scan_sources
from tests.runtime.helpers import cli, cli_json, write_corpus

MIB = 1024 * 1024
_PARAGRAPH = b"<w:p><w:r><w:t>Proof of delivery is signed by the courier.</w:t></w:r></w:p>"


def _skip(result: SourceDocument | Skip) -> Skip:
    assert isinstance(result, Skip), result
    return result


def docx_bomb(path: Path, inflated_bytes: int) -> Path:
    """A valid DOCX whose ``word/document.xml`` inflates to about ``inflated_bytes``.

    Made from a real python-docx document with its body streamed out paragraph
    by paragraph, so neither this helper nor the zip needs the whole XML in memory.
    """
    docx = pytest.importorskip("docx", reason="the 'formats' extra (python-docx) is not installed")
    seed = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("seed")
    document.save(seed)
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, src.read(info))
                continue
            xml = src.read(info)
            head, tail = xml.split(b"<w:body>", 1)
            block = _PARAGRAPH * (64 * 1024 // len(_PARAGRAPH))
            with out.open("word/document.xml", "w", force_zip64=True) as member:
                member.write(head + b"<w:body>")
                for _ in range(inflated_bytes // len(block)):
                    member.write(block)
                member.write(tail)
    return path


def _pdf(content: bytes, *, deflate: bool) -> bytes:
    """A one-page PDF whose content stream is ``content`` (optionally FlateDecode)."""
    data = zlib.compress(content, 9) if deflate else content
    flt = " /Filter /FlateDecode" if deflate else ""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        b"<< /Length %d%s >>\nstream\n" % (len(data), flt.encode()) + data + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _text_ops(lines: int) -> bytes:
    return b"BT /F1 12 Tf 14 TL 72 720 Td\n" + b"(Proof of delivery) Tj T*\n" * lines + b"ET"


# -- DOCX ---------------------------------------------------------------------------------


def test_docx_bomb_is_skipped_by_its_declared_size(tmp_path: Path) -> None:
    bomb = docx_bomb(tmp_path / "bomb.docx", 100 * MIB)
    assert bomb.stat().st_size < MIB  # small on disk: max_source_bytes cannot catch it
    skip = _skip(load_file(bomb, limits=DecodeLimits(max_expanded_bytes=MIB)))
    assert skip.code == SkipCode.TOO_EXPANDED
    assert str(MIB) in skip.reason


def _lie_about_sizes(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the uncompressed size of ``member`` in its local and central headers."""
    name = member.encode()
    out = bytearray(data)
    local = out.find(b"PK\x03\x04")
    while local != -1:
        name_len = struct.unpack_from("<H", out, local + 26)[0]
        if bytes(out[local + 30 : local + 30 + name_len]) == name:
            struct.pack_into("<I", out, local + 22, size)
        local = out.find(b"PK\x03\x04", local + 4)
    central = out.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", out, central + 28)[0]
        if bytes(out[central + 46 : central + 46 + name_len]) == name:
            struct.pack_into("<I", out, central + 24, size)
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)


def test_docx_that_lies_about_its_sizes_is_still_bounded(tmp_path: Path) -> None:
    """Declared sizes under the cap do not let more than the cap be inflated."""
    pytest.importorskip("docx", reason="the 'formats' extra (python-docx) is not installed")
    honest = docx_bomb(tmp_path / "honest.docx", 8 * MIB)
    with zipfile.ZipFile(honest) as archive:
        assert archive.getinfo("word/document.xml").file_size > 4 * MIB
    liar = tmp_path / "liar.docx"
    liar.write_bytes(_lie_about_sizes(honest.read_bytes(), "word/document.xml", 1000))
    with zipfile.ZipFile(liar) as archive:
        assert archive.getinfo("word/document.xml").file_size == 1000
    skip = _skip(load_file(liar, limits=DecodeLimits(max_expanded_bytes=MIB)))
    assert skip.code in {SkipCode.TOO_EXPANDED, SkipCode.PARSE_ERROR}


def test_docx_under_the_bounds_still_loads(tmp_path: Path) -> None:
    docx = docx_bomb(tmp_path / "fine.docx", 256 * 1024)
    doc = load_file(docx, limits=DecodeLimits(max_expanded_bytes=2 * MIB))
    assert isinstance(doc, SourceDocument), doc
    assert doc.text.startswith("Proof of delivery is signed by the courier.\n\nProof")
    assert doc.text.endswith("\n\nseed\n")


def test_docx_text_cap(tmp_path: Path) -> None:
    docx = docx_bomb(tmp_path / "wordy.docx", 256 * 1024)
    skip = _skip(load_file(docx, limits=DecodeLimits(max_text_chars=10_000)))
    assert skip.code == SkipCode.TOO_MUCH_TEXT


# -- PDF ----------------------------------------------------------------------------------


def test_pdf_stream_bomb_is_skipped(tmp_path: Path) -> None:
    pytest.importorskip("pypdf", reason="the 'formats' extra (pypdf) is not installed")
    content = _text_ops(1) + b"\n" + b" " * (100 * MIB)  # deflates to ~100 KB
    path = tmp_path / "bomb.pdf"
    path.write_bytes(_pdf(content, deflate=True))
    assert path.stat().st_size < MIB
    skip = _skip(load_file(path, limits=DecodeLimits(max_expanded_bytes=MIB)))
    assert skip.code == SkipCode.TOO_EXPANDED


def test_pdf_text_cap_and_pdf_under_the_bounds(tmp_path: Path) -> None:
    pytest.importorskip("pypdf", reason="the 'formats' extra (pypdf) is not installed")
    path = tmp_path / "long.pdf"
    path.write_bytes(_pdf(_text_ops(2000), deflate=True))
    skip = _skip(load_file(path, limits=DecodeLimits(max_text_chars=1000)))
    assert skip.code == SkipCode.TOO_MUCH_TEXT
    doc = load_file(path, limits=DecodeLimits(max_expanded_bytes=MIB))
    assert isinstance(doc, SourceDocument), doc
    assert doc.text.count("Proof of delivery") == 2000


# -- time ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["html", "pdf", "docx"])
def test_a_decoder_past_its_deadline_is_stopped_and_skipped(tmp_path: Path, kind: str) -> None:
    """The deadline is checked between decoding steps; a zero budget stops at the first."""
    if kind == "html":
        path = tmp_path / "page.html"
        path.write_text("<p>Proof of delivery</p>\n" * 100)
    elif kind == "pdf":
        pytest.importorskip("pypdf", reason="the 'formats' extra (pypdf) is not installed")
        path = tmp_path / "doc.pdf"
        path.write_bytes(_pdf(_text_ops(10), deflate=False))
    else:
        path = docx_bomb(tmp_path / "doc.docx", 128 * 1024)
    skip = _skip(load_file(path, limits=DecodeLimits(max_seconds=0)))
    assert skip.code == SkipCode.TOO_SLOW
    assert isinstance(load_file(path), SourceDocument)


# -- the loop -----------------------------------------------------------------------------


def test_run_loop_skips_a_docx_bomb_and_goes_on(tmp_path: Path) -> None:
    """End to end: the manifest's bound reaches ingest, the bomb is a reported skip,
    the other sources are learned, and the next run remembers the skip."""
    corpus = write_corpus(tmp_path / "m", {"ok.md": "# Courier\n\nThe courier signs.\n"})
    docx_bomb(corpus / "bomb.docx", 100 * MIB)
    root = tmp_path / "t"
    assert cli("provision", "demo", "--root", str(root), "--source", str(corpus)).exit_code == 0
    manifest_path = root / "demo" / "dossier.tenant.yaml"
    manifest = yaml.safe_load(manifest_path.read_text())
    manifest["max_expanded_bytes"] = MIB
    manifest_path.write_text(yaml.safe_dump(manifest, sort_keys=False))

    row = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert row["status"] == "committed", row
    run_file = sorted((root / "demo" / "runs").glob("*.json"))[-1]
    rows = json.loads(run_file.read_text())["skipped"]
    skipped = {Path(s["path"]).name: s["reason"] for s in rows}
    assert list(skipped) == ["bomb.docx"]
    assert skipped["bomb.docx"].startswith("expands too far")
    assert (root / "demo" / "sources" / "m" / "ok-md.md").is_file()

    again = cli_json("run-loop", "demo", "--root", str(root))["tenants"][0]
    assert again["status"] == "up-to-date", again


def test_scan_passes_limits_to_every_file(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "m", {"a.md": "# A\n\nshort\n", "b.html": "<p>x</p>" * 999})
    result = scan_sources(
        [corpus],
        tmp_path / "t" / "sources",
        tmp_path / "t" / ".dossier",
        limits=DecodeLimits(max_text_chars=100),
    )
    assert [Path(d.original_path).name for d in result.new] == ["a.md"]
    assert [(Path(s.path).name, s.code) for s in result.skipped] == [
        ("b.html", SkipCode.TOO_MUCH_TEXT)
    ]
