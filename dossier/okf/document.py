"""One concept file: frontmatter between ``---`` lines, then a markdown body.

Round-trip rules (docs/okf.md): the raw frontmatter mapping is kept as parsed
(unknown keys in their order, timestamps as text); rendering puts the known OKF
keys first in a fixed canonical order, then the rest in their original order, and
appends the body byte for byte.  ``render(parse(render(x))) == render(x)``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dossier.fsutil import write_if_changed
from dossier.okf import yamlio
from dossier.okf.errors import OKFDocumentError
from dossier.okf.links import relativize_links
from dossier.okf.model import Concept

#: Files larger than this are reported, never parsed.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

_FIRST_READ = 64 * 1024

#: Known keys in the order they are written; unknown keys follow in original order.
CANONICAL_KEYS: tuple[str, ...] = (
    "type",
    "title",
    "description",
    "resource",
    "tags",
    "status",
    "generated",
    "verified",
    "stale_after",
    "sources",
    "usage_window",
    "runtime",
    "parameters",
    "computation",
    "executor",
    "attester",
)
_CANONICAL_SET = frozenset(CANONICAL_KEYS)
_LIST_FIELDS = ("tags", "verified", "sources")

_OPEN = re.compile(r"---[ \t]*\r?\n")
_CLOSE = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.MULTILINE)

# Rule codes shared with validation (documented in docs/okf.md).
NO_FRONTMATTER = "OKF001"
UNCLOSED_FRONTMATTER = "OKF002"
YAML_SYNTAX = "OKF003"
NOT_A_MAPPING = "OKF004"
MISSING_TYPE = "OKF005"
ALIAS_BOMB = "OKF006"
TOO_LARGE = "OKF007"
NOT_UTF8 = "OKF008"
UNREADABLE = "OKF009"
BAD_SHAPE = "OKF112"


@dataclass
class ConceptDocument:
    """A concept as stored: id, raw frontmatter mapping (round-trip source of truth), body."""

    concept_id: str
    frontmatter: dict[str, Any]
    body: str
    #: 1-based line of the file where the body starts (1 for documents built in memory).
    body_line: int = field(default=1, compare=False)

    @property
    def concept(self) -> Concept:
        """The typed, lenient view of the frontmatter (raises OKFDocumentError if unusable)."""
        try:
            return Concept.model_validate(self.frontmatter)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'frontmatter'}: {err['msg']}"
                for err in exc.errors()
            )
            raise OKFDocumentError(
                f"{self.concept_id or 'concept'}: frontmatter does not fit OKF: {problems}",
                code=BAD_SHAPE,
            ) from None

    @classmethod
    def from_concept(cls, concept_id: str, concept: Concept, body: str) -> ConceptDocument:
        """Build a document from a model; empty lists and None values are left out."""
        data = concept.model_dump(mode="python", exclude_none=True)
        for key in _LIST_FIELDS:
            if data.get(key) == []:
                del data[key]
        return cls(concept_id=concept_id, frontmatter=data, body=body)


@dataclass
class RawDocument:
    """The result of splitting and loading, before any OKF-level check."""

    data: Any
    #: 0-based line, within the frontmatter text, of each top-level key.
    key_lines: dict[Any, int]
    body: str
    #: 1-based file line of the first frontmatter line (after the opening ``---``).
    frontmatter_line: int
    body_line: int


def _where(path: str | None, concept_id: str) -> str:
    return path or concept_id or "<document>"


def _find_closing(text: str, start: int) -> tuple[int, int] | None:
    """(start, end) of the closing ``---`` line at or after ``start`` (a line start).

    ``str.find`` instead of a MULTILINE regex: the regex is tried at every
    character and showed up in profiles of 10,000-concept validation.
    """
    position = start
    while True:
        if text.startswith("---", position):
            match = _CLOSE.match(text, position)
            if match is not None:
                return match.start(), match.end()
        position = text.find("\n---", position)
        if position == -1:
            return None
        position += 1


def split_frontmatter(text: str, where: str) -> tuple[str, str, int]:
    """Return (frontmatter text, body, body line); raise OKFDocumentError when malformed."""
    if text.startswith("\ufeff"):
        text = text[1:]
    opening = _OPEN.match(text)
    if opening is None:
        raise OKFDocumentError(
            f"{where}: no YAML frontmatter (the file must start with a '---' line)",
            path=where,
            line=1,
            code=NO_FRONTMATTER,
        )
    start = opening.end()
    closing = _find_closing(text, start)
    if closing is None:
        raise OKFDocumentError(
            f"{where}: frontmatter is not closed (no second '---' line)",
            path=where,
            line=1,
            code=UNCLOSED_FRONTMATTER,
        )
    fm_text = text[start : closing[0]]
    body = text[closing[1] :]
    body_line = 2 + fm_text.count("\n") + 1
    return fm_text, body, body_line


def load_raw(text: str, where: str) -> RawDocument:
    """Split and safely load the frontmatter; YAML failures become OKFDocumentError."""
    fm_text, body, body_line = split_frontmatter(text, where)
    try:
        loaded = yamlio.load(fm_text)
    except yamlio.AliasBombError as exc:
        raise OKFDocumentError(
            f"{where}: frontmatter refused: {exc}", path=where, line=1, code=ALIAS_BOMB
        ) from None
    except yamlio.NestingError as exc:
        raise OKFDocumentError(f"{where}: {exc}", path=where, line=1, code=YAML_SYNTAX) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = 2 + mark.line if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise OKFDocumentError(
            f"{where}:{line}: frontmatter is not valid YAML: {problem}",
            path=where,
            line=line,
            code=YAML_SYNTAX,
        ) from None
    except RecursionError:
        raise OKFDocumentError(
            f"{where}: frontmatter is nested too deeply", path=where, line=1, code=YAML_SYNTAX
        ) from None
    return RawDocument(loaded.data, loaded.key_lines, body, 2, body_line)


def check_mapping(raw: RawDocument, where: str) -> dict[Any, Any]:
    """The frontmatter as a mapping, or OKFDocumentError (OKF004)."""
    if not isinstance(raw.data, dict):
        kind = "empty" if raw.data is None else f"a {type(raw.data).__name__}, not a mapping"
        raise OKFDocumentError(
            f"{where}: frontmatter is {kind}", path=where, line=1, code=NOT_A_MAPPING
        )
    return raw.data


def type_problem(frontmatter: dict[Any, Any]) -> str | None:
    """Why ``type`` is unusable (missing, empty, not a string), or None when it is fine."""
    if "type" not in frontmatter:
        return "frontmatter has no 'type' (the one required key)"
    value = frontmatter["type"]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return "'type' must be a non-empty string"
    if not str(value).strip():
        return "'type' is empty"
    return None


def parse_concept(text: str, concept_id: str = "", path: str | None = None) -> ConceptDocument:
    """Parse a concept's text; OKFDocumentError (naming the file) when it is not a concept."""
    where = _where(path, concept_id)
    raw = load_raw(text, where)
    frontmatter = check_mapping(raw, where)
    problem = type_problem(frontmatter)
    if problem is not None:
        line = raw.key_lines.get("type")
        raise OKFDocumentError(
            f"{where}: {problem}",
            path=where,
            line=1 if line is None else line + raw.frontmatter_line,
            code=MISSING_TYPE,
        )
    return ConceptDocument(concept_id, frontmatter, raw.body, raw.body_line)


def ordered_frontmatter(frontmatter: dict[Any, Any]) -> dict[Any, Any]:
    """Known keys in canonical order, then unknown keys in their original order."""
    ordered = {key: frontmatter[key] for key in CANONICAL_KEYS if key in frontmatter}
    for key, value in frontmatter.items():
        if key not in _CANONICAL_SET:
            ordered[key] = value
    return ordered


def render_concept(doc: ConceptDocument) -> str:
    """Deterministic text of a document: ``---``, canonical YAML, ``---``, then the body.

    The body is kept byte for byte except that bundle-absolute links (``/x.md``) are
    written relative to the concept's folder (docs/okf.md, "Links"): this is the one
    place a concept becomes bytes, so every writer (the loop, agent writes) ships
    links that open on a forge or in a notes app as well as in Dossier.
    """
    try:
        yaml_text = yamlio.dump(ordered_frontmatter(doc.frontmatter)) if doc.frontmatter else ""
    except (yaml.YAMLError, RecursionError) as exc:
        raise OKFDocumentError(
            f"{doc.concept_id or 'concept'}: frontmatter cannot be written as YAML: {exc}",
            code=BAD_SHAPE,
        ) from None
    return f"---\n{yaml_text}---\n{relativize_links(doc.body, doc.concept_id)}"


def read_capped(path: Path | str, where: str) -> bytes:
    """The file's bytes, refusing (OKF007) anything over MAX_DOCUMENT_BYTES.

    Plain ``os`` calls and a small first read: several times cheaper per file than
    ``open().read()`` with a cap-sized buffer, which matters for 10,000 files.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            chunks = [os.read(fd, _FIRST_READ)]
            total = len(chunks[0])
            if total == _FIRST_READ:  # a big file: keep reading up to just past the cap
                while total <= MAX_DOCUMENT_BYTES:
                    chunk = os.read(fd, min(1 << 20, MAX_DOCUMENT_BYTES + 1 - total))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    total += len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise OKFDocumentError(
            f"{where}: cannot read file: {exc.strerror or exc}", path=where, code=UNREADABLE
        ) from None
    if total > MAX_DOCUMENT_BYTES:
        raise OKFDocumentError(
            f"{where}: file is over the {MAX_DOCUMENT_BYTES}-byte limit; not parsed",
            path=where,
            code=TOO_LARGE,
        )
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_text(path: Path, where: str) -> str:
    """Read a document as UTF-8 with a size cap; every failure is an OKFDocumentError."""
    return decode(read_capped(path, where), where)


def decode(data: bytes, where: str) -> str:
    """UTF-8 decode with a finding-friendly error (line of the first bad byte)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise OKFDocumentError(
            f"{where}:{line}: not valid UTF-8 (byte {exc.start})",
            path=where,
            line=line,
            code=NOT_UTF8,
        ) from None


def read_concept_file(path: Path, concept_id: str) -> ConceptDocument:
    """Read and parse one concept file (size-capped, strict UTF-8)."""
    where = str(path)
    return parse_concept(read_text(path, where), concept_id, path=where)


def write_concept_file(path: Path, doc: ConceptDocument) -> bool:
    """Atomically write ``doc``; return False (file untouched) when the bytes are the same."""
    return write_if_changed(path, render_concept(doc).encode("utf-8"))
