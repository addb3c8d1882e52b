"""Every snapshot line knows the original file's lines it came from (dossier/ingest/origins.py).

A citation names snapshot lines; a reader checks it in the original. These tests put a
unique word on each original line and check that each snapshot line's span holds the
lines of the words it shows, for every kind of HTML block and for text whose leading
blank lines normalization drops; that the map is stored in the catalogue only when it
is not the identity; and that catalogues written before maps still load.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from dossier.ingest import (
    CatalogueError,
    SourceDocument,
    apply_scan,
    load_file,
    load_snapshot,
    normalize_text,
    read_catalogue,
    scan_sources,
)
from dossier.ingest.normalize import normalize_mapped
from dossier.ingest.origins import OriginMap
from tests.ingest.test_ingest_formats import make_pdf

_WORD = re.compile(r"\bw\d+\b")

#: Each content word ``wN`` sits on original line N (checked by ``_lines_of_words``).
PAGE = """<!DOCTYPE html>
<html><head>
<title>Page</title>
<style>
  p { margin: 0; }
</style>
</head>
<body>
<h1>w9 Heading
  w10 continued</h1>
<p>w11 a paragraph
   w12 wrapped over
   w13 three lines</p>
<p>w14 first<br>w14b same line<br>
w15 after a break</p>
<ul>
  <li>w17 item</li><li>w17b item on the same line</li>
  <li>w18 item
    <ul><li>w19 nested</li></ul></li>
</ul>
<table>
  <caption>w22 caption</caption>
  <tr><th>w23 head</th><th>w23b</th></tr>
  <tr><td>w24 cell</td>
      <td>w25 cell</td></tr>
</table>
<pre>
w28 code
w29 code

w31 code</pre>
<blockquote><p>w32 quoted</p><p>w32b quoted</p></blockquote>
<ol><li>w33 one</li></ol>
</body></html>
"""


def _lines_of_words(original: str) -> dict[str, int]:
    """The original line of each ``wN`` word (lines as an editor counts them)."""
    where: dict[str, int] = {}
    for number, line in enumerate(re.split(r"\r\n|\r|\n", original), 1):
        for word in _WORD.findall(line):
            assert int(word[1:]) == number, f"fixture: {word} is on line {number}"
            where[word] = number
    return where


def _assert_words_mapped(doc: SourceDocument, original: str) -> None:
    where = _lines_of_words(original)
    seen: set[str] = set()
    for number, line in enumerate(doc.lines, 1):
        first, last = doc.original_lines(number)
        for word in _WORD.findall(line):
            assert first <= where[word] <= last, (number, line, (first, last))
            seen.add(word)
    assert seen == set(where), "every original word is in the snapshot"


def _write(path: Path, text: str, newline: str = "\n") -> Path:
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_html_block_maps_to_the_lines_it_came_from(tmp_path: Path, newline: str) -> None:
    doc = load_file(_write(tmp_path / "page.html", PAGE, newline))
    assert isinstance(doc, SourceDocument) and doc.origins is not None
    _assert_words_mapped(doc, PAGE)
    # a paragraph wrapped over three original lines is one snapshot line citing all three
    number = next(i for i, line in enumerate(doc.lines, 1) if "w11" in line)
    assert doc.original_lines(number) == (11, 13)
    # code lines map one to one, the blank line inside the code too
    code = next(i for i, line in enumerate(doc.lines, 1) if line == "w28 code")
    assert [doc.original_lines(code + k) for k in range(4)] == [(28, 28), (29, 29),
                                                                (30, 30), (31, 31)]


def test_a_title_only_heading_cites_the_title_line(tmp_path: Path) -> None:
    page = "<html>\n<head>\n<title>w3 Title</title>\n</head>\n<body>\n<p>w6 text</p>\n</body>\n"
    doc = load_file(_write(tmp_path / "t.html", page))
    assert isinstance(doc, SourceDocument)
    assert doc.lines[0] == "# w3 Title"
    _assert_words_mapped(doc, page)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_text_with_leading_blank_lines_maps_past_them(tmp_path: Path, newline: str) -> None:
    text = "\n\n  \n# w4 Notes\n\nw6 one\fw6b same original line\nw7 last\n\n\n"
    doc = load_file(_write(tmp_path / "notes.md", text, newline))
    assert isinstance(doc, SourceDocument) and doc.origins is not None
    assert doc.lines[0] == "# w4 Notes"
    assert doc.original_lines(1) == (4, 4)
    assert doc.original_lines(1, 5) == (4, 7)
    _assert_words_mapped(doc, text)


def test_a_text_whose_lines_are_its_own_has_no_map(tmp_path: Path) -> None:
    doc = load_file(_write(tmp_path / "plain.txt", "w1 one\r\nw2 two\n"))
    assert isinstance(doc, SourceDocument)
    assert doc.origins is None and doc.original_lines(2) == (2, 2)
    assert doc.content_sha256 == doc.text_sha256  # caches of such sources stay valid


def test_pdf_has_no_map_even_when_its_text_is_shifted(tmp_path: Path) -> None:
    pytest.importorskip("pypdf", reason="the 'formats' extra (pypdf) is not installed")
    path = tmp_path / "shifted.pdf"
    path.write_bytes(make_pdf([[], ["Page two"]]))  # an empty first page: leading blanks
    doc = load_file(path)
    assert isinstance(doc, SourceDocument) and doc.text == "Page two\n"
    assert doc.origins is None


@pytest.mark.parametrize(
    "text",
    ["", "\ufeffa\r\nb", "a\x85\nb", "a\u2028b\rc", "\n\n \n", "x\x07\u0301\n\n\ny\n\n", "a\x0cb"],
)
def test_mapped_normalization_is_normalization(text: str) -> None:
    normalized, spans = normalize_mapped(text)
    assert normalized == normalize_text(text)
    assert len(spans) == len(normalized.splitlines())


def test_map_compact_form_round_trips_and_refuses_nonsense() -> None:
    spans = ((4, 4), (5, 5), (6, 9), (6, 6), (10, 10), (11, 11), (30, 30))
    origins = OriginMap(spans)
    assert origins.encode() == "1-2=4 3=6-9 4=6 5-6=10 7=30"
    assert OriginMap.decode(origins.encode()) == origins
    assert origins.original(2, 4) == (5, 9)
    assert origins.original(7, 99) == (30, 30)  # a stale citation is clamped, never a crash
    assert OriginMap.build([(1, 1), (2, 2)]) is None
    for bad in ["", "2=3", "1=0", "1-2=3-4", "1=5-4", "1=x", "1-3=1 3=9"]:
        with pytest.raises(ValueError):
            OriginMap.decode(bad)


# -- the catalogue ---------------------------------------------------------------------------


def _ingest(folder: Path, tenant: Path) -> None:
    result = scan_sources([folder], tenant / "sources", tenant / ".dossier")
    apply_scan(result, tenant / "sources", tenant / ".dossier")


def test_catalogue_stores_maps_only_where_lines_differ(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    _write(folder / "page.html", PAGE)
    _write(folder / "notes.md", "\n\n# w3 Notes\n")
    _write(folder / "plain.md", "# w1 Plain\n")
    tenant = tmp_path / "t"
    _ingest(folder, tenant)
    raw = json.loads((tenant / "sources" / "catalogue.json").read_text(encoding="utf-8"))
    entries = raw["sources"]
    assert entries["docs/notes-md"]["original_lines"] == "1=3"
    assert "original_lines" not in entries["docs/plain-md"]
    catalogue = read_catalogue(tenant / "sources")
    doc = load_snapshot(tenant / "sources", "docs/page-html", catalogue)
    _assert_words_mapped(doc, PAGE)  # the map survives the catalogue round trip


def test_reingesting_unchanged_files_writes_the_same_bytes(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    _write(folder / "page.html", PAGE)
    _write(folder / "notes.md", "\n\n# w3 Notes\n")
    tenant = tmp_path / "t"
    _ingest(folder, tenant)
    before = {p: p.read_bytes() for p in (tenant / "sources").rglob("*") if p.is_file()}
    shutil.rmtree(tenant / ".dossier")  # no stat cache: every file is read and converted
    result = scan_sources([folder], tenant / "sources", tenant / ".dossier", verify_hashes=True)
    assert not result.has_changes
    apply_scan(result, tenant / "sources", tenant / ".dossier")
    assert {p: p.read_bytes() for p in (tenant / "sources").rglob("*") if p.is_file()} == before


def test_catalogue_from_before_maps_loads_and_gains_them_on_the_next_scan(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    _write(folder / "page.html", PAGE)
    _write(folder / "plain.md", "# w1 Plain\n")
    tenant = tmp_path / "t"
    _ingest(folder, tenant)
    path = tenant / "sources" / "catalogue.json"
    snapshot = (tenant / "sources" / "docs" / "page-html.md").read_bytes()
    old = json.loads(path.read_text(encoding="utf-8"))
    old["ingest_version"] = 1  # what the last version without maps wrote
    for entry in old["sources"].values():
        entry.pop("original_lines", None)
    path.write_text(json.dumps(old, indent=2), encoding="utf-8")

    catalogue = read_catalogue(tenant / "sources")
    doc = load_snapshot(tenant / "sources", "docs/page-html", catalogue)
    assert doc.origins is None and doc.original_lines(3) == (3, 3)  # absent = identity

    result = scan_sources([folder], tenant / "sources", tenant / ".dossier")
    assert [d.source_id for d in result.changed] == ["docs/page-html"]  # its entry moved
    assert result.unchanged == ["docs/plain-md"]
    apply_scan(result, tenant / "sources", tenant / ".dossier")
    assert (tenant / "sources" / "docs" / "page-html.md").read_bytes() == snapshot
    doc = load_snapshot(tenant / "sources", "docs/page-html")
    _assert_words_mapped(doc, PAGE)


def test_a_malformed_map_is_a_catalogue_error_naming_the_source(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    _write(folder / "page.html", PAGE)
    tenant = tmp_path / "t"
    _ingest(folder, tenant)
    path = tenant / "sources" / "catalogue.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["sources"]["docs/page-html"]["original_lines"] = "1=0 nonsense"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogueError, match="docs/page-html"):
        read_catalogue(tenant / "sources")
