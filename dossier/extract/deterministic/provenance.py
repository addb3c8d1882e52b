"""Provenance: source entry ids, snapshot paths with line ranges, and per-claim footnotes.

The bundle lives at ``<tenant>/bundle/`` and normalized snapshots at
``<tenant>/sources/<source_id>.md``, so a concept ``decisions/dec-003`` (file
``bundle/decisions/dec-003.md``) cites ``../../sources/<source_id>.md#L12-L30``: a path
relative to the concept file, which any markdown viewer of the tenant repo can follow.
"""

from __future__ import annotations

import re

from dossier.extract.deterministic.markdown import LIST_PREFIX
from dossier.extract.text import slugify
from dossier.ingest.model import snapshot_relpath
from dossier.okf.codeblocks import code_map

_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")


def source_label(source_id: str) -> str:
    """The footnote label / ``sources[].id`` for a source: ``src-<slug>``."""
    return "src-" + slugify(source_id, max_len=48)


def snapshot_resource(concept_id: str, source_id: str, start: int, end: int) -> str:
    depth = concept_id.count("/") + 1  # the concept's folder depth inside bundle/, + bundle/
    fragment = f"#L{start}" if start == end else f"#L{start}-L{end}"
    return "../" * depth + snapshot_relpath(source_id) + fragment


def footnote_text(
    title: str, start: int, end: int, original: tuple[int, int] | None = None
) -> str:
    """``Title, lines 10–12``: the snapshot lines the ``resource`` link opens, and, for a
    source whose original file numbers them differently (a converted HTML page), the
    original's lines a reader can check there: ``…, line 140 (original lines 236–238)``."""
    text = f"{title}, {_lines(start, end)}"
    if original is not None and original != (start, end):
        text += f" (original {_lines(*original)})"
    return text


def _lines(start: int, end: int) -> str:
    return f"line {start}" if start == end else f"lines {start}–{end}"


def cite(body: str, label: str) -> str:
    """Attach ``[^label]`` to the end of every paragraph and every list in ``body``.

    A table or code block cannot carry a footnote marker cleanly, so a block that ends
    with one gets a short ``Source: …`` line after it instead (indented to the list item
    the code sits in, so the item's later paragraphs stay in it).  What is code is
    ``codeblocks.code_map``'s answer, the same one the linkers use.  A fence left open
    at the end of ``body`` is closed first: else the ``Source.`` line, the footnote
    definitions and every section written after the body would render as its code.
    """
    marker = f"[^{label}]"
    lines = body.split("\n")
    code = code_map(lines)
    out: list[str] = []
    count = len(lines)
    last_code = max((i for i, is_code in enumerate(code.code) if is_code), default=-1)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if code.code[index]:
            out.append(line)
            if code.unclosed and index == last_code:
                out.append(code.unclosed)  # close it: the marker and all after stay prose
            if _code_ends(lines, code.code, index):
                out.extend(["", " " * code.column[index] + f"Source.{marker}"])
            continue
        if not stripped or stripped.startswith("#"):
            out.append(line)
            continue
        if not _block_ends(lines, index) and not (index + 1 < count and code.code[index + 1]):
            out.append(line)
            continue
        if _TABLE_ROW.match(line):
            out.extend([line, "", f"Source.{marker}"])
            continue
        if (
            index + 1 < count
            and lines[index + 1].strip()
            and not code.code[index + 1]
            and LIST_PREFIX.match(line)
            and LIST_PREFIX.match(lines[index + 1])
        ):
            out.append(line)
            continue
        out.append(line.rstrip() + marker)
    return "\n".join(out)


def _code_ends(lines: list[str], code: tuple[bool, ...], index: int) -> bool:
    """Is ``index`` the last line of a code block that nothing but a blank line follows?

    Blank lines inside an indented code block belong to it: the block ends only where the
    next non-blank line is not code.
    """
    if index + 1 < len(lines) and code[index + 1]:
        return False
    if not _block_ends(lines, index):
        return False
    following = next((k for k in range(index + 1, len(lines)) if lines[k].strip()), None)
    return following is None or not code[following]


def _block_ends(lines: list[str], index: int) -> bool:
    if index + 1 >= len(lines):
        return True
    following = lines[index + 1]
    if not following.strip() or following.lstrip().startswith("#"):
        return True
    # a table row followed by prose, or prose followed by a table, ends a block
    return bool(_TABLE_ROW.match(lines[index])) != bool(_TABLE_ROW.match(following))
