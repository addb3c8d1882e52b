"""Bundle validation: SPEC §11 conformance errors, and warnings for everything softer.

One pass over the tree, one read per file, no pydantic: a cheap hand check per
field is enough to say what is wrong and keeps 10,000 concepts under a second.
Every finding names the file (bundle-relative), the line where known, a stable
rule code (table in docs/okf.md), a severity and a message.  Bad input of any
kind — binary junk, a 10 MB file, an alias bomb, a symlink loop — becomes a
finding, never a traceback or a hang.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from dossier.okf import document as doc_mod
from dossier.okf.document import RawDocument, decode, load_raw, read_capped
from dossier.okf.errors import BundleNotFoundError, OKFDocumentError
from dossier.okf.links import masked_body, parse_links, scan_links
from dossier.okf.log import date_headings
from dossier.okf.model import STATUSES
from dossier.okf.parallel import map_slices
from dossier.okf.timefmt import is_date_only, parse_instant
from dossier.okf.walk import BundleTree, walk_bundle

Severity = Literal["error", "warning"]

# Rule codes (errors OKF00x come from document.py; see docs/okf.md for the table).
MISSING_TITLE = "OKF101"
MISSING_DESCRIPTION = "OKF102"
BROKEN_LINK = "OKF103"
UNKNOWN_FOOTNOTE = "OKF104"
DUPLICATE_SOURCE_ID = "OKF105"
SOURCE_WITHOUT_RESOURCE = "OKF106"
BAD_ACTOR = "OKF107"
BAD_TIMESTAMP = "OKF108"
STALE = "OKF109"
COMPUTATION_WITHOUT_RUNTIME = "OKF110"
UNKNOWN_STATUS = "OKF111"
BAD_SHAPE = doc_mod.BAD_SHAPE
INDEX_FRONTMATTER = "OKF201"
UNKNOWN_OKF_VERSION = "OKF202"
BROKEN_INDEX_ENTRY = "OKF203"
LOG_FRONTMATTER = "OKF301"
BAD_LOG_DATE = "OKF302"
LOG_ORDER = "OKF303"
DUPLICATE_LOG_DATE = "OKF304"
UNRESOLVED_LINK = "OKF113"

ERROR_CODES = frozenset(
    {
        doc_mod.NO_FRONTMATTER,
        doc_mod.UNCLOSED_FRONTMATTER,
        doc_mod.YAML_SYNTAX,
        doc_mod.NOT_A_MAPPING,
        doc_mod.MISSING_TYPE,
        doc_mod.ALIAS_BOMB,
        doc_mod.TOO_LARGE,
        doc_mod.NOT_UTF8,
        doc_mod.UNREADABLE,
        BAD_LOG_DATE,
    }
)

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_ACTOR = re.compile(r"^(?:(?:human|process):\S+|[^\s/:]+/[^\s/]+)$")
_FOOTNOTE = re.compile(r"\[\^([^\]\s]+)\]")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Finding:
    """One problem: where, which rule, how bad, and what to do about it."""

    path: str
    line: int | None
    code: str
    severity: Severity
    message: str


@dataclass
class ValidationReport:
    """All findings for one bundle, sorted by path, line and code."""

    root: Path
    findings: list[Finding] = field(default_factory=list)
    concepts: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when the bundle is conformant (warnings do not count)."""
        return not any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` shape: ok, counts, and every finding."""
        return {
            "ok": self.ok,
            "root": str(self.root),
            "concepts": self.concepts,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [asdict(f) for f in self.findings],
        }


class _Collector:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, path: str, line: int | None, code: str, message: str) -> None:
        severity: Severity = "error" if code in ERROR_CODES else "warning"
        self.findings.append(Finding(path, line, code, severity, message))


def _read(path: Path, rel: str, out: _Collector) -> str | None:
    try:
        return decode(read_capped(path, rel), rel)
    except OKFDocumentError as exc:
        out.add(rel, exc.line, exc.code, _strip_where(str(exc), rel))
        return None


def _strip_where(message: str, rel: str) -> str:
    """Drop the leading "path[:line]: " the error carries; the finding has its own."""
    if message.startswith(rel):
        rest = message[len(rel) :]
        if rest.startswith(":"):
            rest = rest[1:]
            head, sep, tail = rest.partition(": ")
            if sep and head.isdigit():
                return tail
            return rest.lstrip()
    return message


def _now(today: date | None) -> datetime:
    if today is None:
        return datetime.now(UTC)
    return datetime.combine(today, time(0, 0), tzinfo=UTC)


class _ConceptChecks:
    """The warning-level checks for one concept whose frontmatter loaded."""

    def __init__(
        self,
        rel: str,
        concept_id: str,
        raw: RawDocument,
        fm: dict[Any, Any],
        out: _Collector,
        root: Path | None = None,
    ) -> None:
        self.root = root
        self.rel = rel
        self.concept_id = concept_id
        self.raw = raw
        self.fm = fm
        self.out = out

    def line(self, key: str) -> int:
        found = self.raw.key_lines.get(key)
        return 1 if found is None else found + self.raw.frontmatter_line

    def warn(self, key: str, code: str, message: str) -> None:
        self.out.add(self.rel, self.line(key), code, message)

    def timestamp(self, key: str, label: str, value: Any) -> datetime | None:
        instant = parse_instant(value)
        if instant is None:
            if is_date_only(value):
                self.warn(key, BAD_TIMESTAMP, f"{label} {value!r} is a date without a time")
            else:
                self.warn(key, BAD_TIMESTAMP, f"{label} {value!r} is not an ISO 8601 date-time")
        return instant

    def actor(self, key: str, label: str, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            self.warn(key, BAD_ACTOR, f"{label} is missing or not a string")
        elif not _ACTOR.match(value):
            self.warn(
                key,
                BAD_ACTOR,
                f"{label} {value!r} is not an actor (<producer>/<version>, human:<id>, "
                "process:<id>)",
            )

    def run(self, ids: dict[str, Path] | None, now: datetime) -> None:
        fm = self.fm
        for key, code in (("title", MISSING_TITLE), ("description", MISSING_DESCRIPTION)):
            value = fm.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                self.out.add(self.rel, 1, code, f"no {key} (recommended, §4.1)")
        tags = fm.get("tags")
        if tags is not None and not (
            isinstance(tags, list) and all(isinstance(t, str) for t in tags)
        ):
            self.warn("tags", BAD_SHAPE, "tags should be a list of strings")
        if "status" in fm and fm["status"] not in STATUSES:
            self.warn(
                "status",
                UNKNOWN_STATUS,
                f"status {fm['status']!r} is not draft, stable or deprecated (read as stable)",
            )
        self._trust()
        self._stale(now)
        source_ids = self._sources()
        if fm.get("type") == "Attested Computation" and not fm.get("runtime"):
            self.warn("type", COMPUTATION_WITHOUT_RUNTIME, "Attested Computation without runtime")
        body = self.raw.body
        has_links = "](" in body
        has_notes = "[^" in body
        if has_links or has_notes:
            masked = masked_body(body)
            if has_links and ids is not None:
                self._links(ids, masked)
            if has_notes:
                self._footnotes(source_ids, masked)

    def _trust(self) -> None:
        fm = self.fm
        if "generated" in fm:
            generated = fm["generated"]
            if not isinstance(generated, dict):
                self.warn("generated", BAD_SHAPE, "generated should be a {by, at} mapping")
            else:
                self.actor("generated", "generated.by", generated.get("by"))
                if "at" in generated:
                    self.timestamp("generated", "generated.at", generated["at"])
        if "verified" in fm:
            verified = fm["verified"]
            events = [verified] if isinstance(verified, dict) else verified
            if not isinstance(events, list):
                self.warn("verified", BAD_SHAPE, "verified should be a list of {by, at}")
                return
            for number, event in enumerate(events):
                if not isinstance(event, dict):
                    self.warn("verified", BAD_SHAPE, f"verified[{number}] is not a mapping")
                    continue
                self.actor("verified", f"verified[{number}].by", event.get("by"))
                if "at" in event:
                    self.timestamp("verified", f"verified[{number}].at", event["at"])

    def _stale(self, now: datetime) -> None:
        if "stale_after" not in self.fm or self.fm["stale_after"] is None:
            return
        value = self.fm["stale_after"]
        instant = self.timestamp("stale_after", "stale_after", value)
        if instant is not None and now >= instant:
            self.warn("stale_after", STALE, f"concept is stale (stale_after {value})")

    def _sources(self) -> set[str]:
        ids: set[str] = set()
        sources = self.fm.get("sources")
        if sources is None:
            return ids
        if not isinstance(sources, list):
            self.warn("sources", BAD_SHAPE, "sources should be a list")
            return ids
        for number, entry in enumerate(sources):
            if not isinstance(entry, dict):
                self.warn("sources", BAD_SHAPE, f"sources[{number}] is not a mapping")
                continue
            resource = entry.get("resource")
            if not isinstance(resource, str) or not resource.strip():
                self.warn("sources", SOURCE_WITHOUT_RESOURCE, f"sources[{number}] has no resource")
            source_id = entry.get("id")
            if source_id is not None:
                key = str(source_id)
                if key in ids:
                    self.warn("sources", DUPLICATE_SOURCE_ID, f"duplicate source id {key!r}")
                ids.add(key)
            if "author" in entry:
                self.actor("sources", f"sources[{number}].author", entry["author"])
            if "last_modified" in entry:
                self.timestamp(
                    "sources", f"sources[{number}].last_modified", entry["last_modified"]
                )
        window = self.fm.get("usage_window")
        if isinstance(window, dict):
            for bound in ("from", "to"):
                if bound in window:
                    self.timestamp("usage_window", f"usage_window.{bound}", window[bound])
        return ids

    def _links(self, ids: dict[str, Path], masked: str) -> None:
        offset = self.raw.body_line - 1
        for link in scan_links(self.raw.body, self.concept_id, masked):
            target = link.resolution.target_id
            if target is None and not link.resolution.broken and self.root is not None:
                # Not a concept: a folder, an index, a picture, a data file. It must be there.
                folder = posixpath.dirname(self.rel)
                if not _local_link_resolves(link.href, folder, self.root):
                    self.out.add(
                        self.rel,
                        link.line + offset,
                        UNRESOLVED_LINK,
                        f"link {link.href!r} names nothing from this file's folder",
                    )
                continue
            if link.resolution.broken or (target is not None and target not in ids):
                where = "outside the bundle" if target is None else "a missing concept"
                self.out.add(
                    self.rel,
                    link.line + offset,
                    BROKEN_LINK,
                    f"link {link.href!r} points to {where}",
                )

    def _footnotes(self, source_ids: set[str], masked: str) -> None:
        offset = self.raw.body_line - 1
        reported: set[str] = set()
        line = 1
        position = 0
        for match in _FOOTNOTE.finditer(masked):
            label = match.group(1)
            if label in source_ids or label in reported:
                continue
            reported.add(label)
            line += masked.count("\n", position, match.start())
            position = match.start()
            self.out.add(
                self.rel,
                line + offset,
                UNKNOWN_FOOTNOTE,
                f"footnote [^{label}] matches no sources[].id",
            )


def _check_concept(
    concept_id: str,
    path: Path,
    ids: dict[str, Path],
    now: datetime,
    out: _Collector,
    root: Path | None = None,
) -> None:
    rel = concept_id + ".md"
    text = _read(path, rel, out)
    if text is None:
        return
    _check_concept_text(concept_id, text, ids, now, out, root)


def _check_concept_text(
    concept_id: str,
    text: str,
    ids: dict[str, Path] | None,
    now: datetime,
    out: _Collector,
    root: Path | None = None,
) -> None:
    rel = concept_id + ".md"
    try:
        raw = load_raw(text, rel)
        fm = doc_mod.check_mapping(raw, rel)
    except OKFDocumentError as exc:
        out.add(rel, exc.line, exc.code, _strip_where(str(exc), rel))
        return
    problem = doc_mod.type_problem(fm)
    if problem is not None:
        line = raw.key_lines.get("type")
        out.add(
            rel, 1 if line is None else line + raw.frontmatter_line, doc_mod.MISSING_TYPE, problem
        )
    _ConceptChecks(rel, concept_id, raw, fm, out, root).run(ids, now)


def concept_text_errors(
    concept_id: str, text: str, *, today: date | None = None
) -> list[Finding]:
    """The conformance errors of one concept's text, checked before it is written.

    The loop checks each proposal this way so that one bad proposal is dropped on
    its own instead of failing the whole iteration after it reached the disk.
    Every conformance error lives in one file, so nothing else is needed; links are
    not checked (a broken link is a cross-file warning, never an error).  The size
    cap is checked too: a file over it would be an error (OKF007) once on disk.
    """
    out = _Collector()
    size = len(text.encode("utf-8"))
    if size > doc_mod.MAX_DOCUMENT_BYTES:
        # what a reader would refuse (OKF007) must not be written in the first place
        out.add(concept_id + ".md", None, doc_mod.TOO_LARGE,
                f"{size} bytes is over the {doc_mod.MAX_DOCUMENT_BYTES}-byte limit")
    else:
        _check_concept_text(concept_id, text, None, _now(today), out)
    return [f for f in out.findings if f.severity == "error"]


def checked_concept_bytes(
    doc: doc_mod.ConceptDocument, *, today: date | None = None
) -> tuple[bytes, str | None]:
    """``doc`` rendered once and checked as it would land: (bytes, None), or (b"", why).

    Every writer that checks a concept before it reaches the disk (the loop's sync, an
    agent's write) must write exactly the bytes checked here: a second render could
    differ, and the ledger records these bytes' blob as what Dossier wrote.  ``why``
    names the rule codes (``OKF005 …; OKF007 …``, at most three).
    """
    problem = doc_mod.type_problem(doc.frontmatter)
    if problem is not None:
        return b"", f"{doc_mod.MISSING_TYPE} {problem}"
    try:
        text = doc_mod.render_concept(doc)
    except OKFDocumentError as exc:
        return b"", f"{exc.code} {exc}" if exc.code else str(exc)
    errors = concept_text_errors(doc.concept_id, text, today=today)
    if errors:
        return b"", "; ".join(f"{f.code} {f.message}" for f in errors[:3])
    return text.encode("utf-8"), None


def _has_frontmatter(text: str) -> bool:
    return text.lstrip("\ufeff").startswith("---")


def _index_frontmatter(rel: str, text: str, out: _Collector) -> tuple[str, int]:
    """Check an index's frontmatter (§8, §12); return its body and the body's line offset."""
    if not _has_frontmatter(text):
        return text, 0
    try:
        raw = load_raw(text, rel)
    except OKFDocumentError as exc:
        message = _strip_where(str(exc), rel)
        out.add(rel, exc.line, INDEX_FRONTMATTER, f"index frontmatter unreadable: {message}")
        return text, 0
    folder = posixpath.dirname(rel)
    data = raw.data if isinstance(raw.data, dict) else {}
    if folder:
        out.add(rel, 1, INDEX_FRONTMATTER, "index.md below the root has frontmatter (§8)")
    else:
        extra = [str(k) for k in data if k != "okf_version"]
        if extra or not isinstance(raw.data, dict):
            found = ", ".join(extra) or "a non-mapping"
            out.add(
                rel,
                1,
                INDEX_FRONTMATTER,
                f"root index.md frontmatter may only carry okf_version (§8, §12); found {found}",
            )
        version = data.get("okf_version")
        if version is not None and str(version) != "0.2":
            out.add(rel, 1, UNKNOWN_OKF_VERSION, f"okf_version {version!r} is not 0.2")
    return raw.body, raw.body_line - 1


def _check_index(rel: str, text: str, tree: BundleTree, known: set[str], out: _Collector) -> None:
    """Frontmatter rules, then every local entry must name an existing file or directory."""
    body, offset = _index_frontmatter(rel, text, out)
    if "](" not in body:
        return
    folder = posixpath.dirname(rel)
    for link in parse_links(body, f"{folder}/index" if folder else "index", line_offset=offset):
        target = local_target(link.href, folder)
        if target is None:
            continue
        if target is OUTSIDE:
            out.add(rel, link.line, BROKEN_INDEX_ENTRY, f"entry {link.href!r} leaves the bundle")
            continue
        if target in known or (tree.root / target).exists():
            continue
        out.add(rel, link.line, BROKEN_INDEX_ENTRY, f"entry {link.href!r} names a missing file")


#: What :func:`local_target` returns for a path whose ``..`` climbs above the root.
OUTSIDE = "\x00outside"


def local_target(href: str, folder: str) -> str | None:
    """The bundle-relative path ``href`` names when written in a file of ``folder``.

    A leading ``/`` starts from the bundle root (OKF §6.1 recommends it); anything
    else from the file's own folder, as a forge or a notes app reads it.  ``""`` is
    the root itself; None means not a local path (a URL, an in-page anchor);
    :data:`OUTSIDE` means the path climbs above the root.
    """
    path = unquote(href.strip().strip("<>").split("#", 1)[0].split("?", 1)[0])
    if not path or path.startswith("//") or _SCHEME.match(path):
        return None
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(folder, path)
    target = posixpath.normpath(joined) if joined else "."
    if target == ".." or target.startswith("../"):
        return OUTSIDE
    return "" if target == "." else target


def _local_link_resolves(href: str, folder: str, root: Path) -> bool:
    """True when ``href`` (in a file of ``folder``) names a file or folder of the bundle."""
    target = local_target(href, folder)
    if target is None:
        return True
    if target is OUTSIDE:
        return False
    return os.path.lexists(root / target)


def _check_log_links(rel: str, text: str, tree: BundleTree, known: set[str],
                     out: _Collector) -> None:
    """Every local link of a log entry must name something, from the log's folder.

    Links to concepts are left alone: a log is history, and names concepts that were
    removed since (§9 logs record deprecations); it never stops being true.
    """
    if "](" not in text:
        return
    folder = posixpath.dirname(rel)
    for link in scan_links(text, f"{folder}/log" if folder else "log"):
        if link.resolution.target_id is not None:
            continue
        target = local_target(link.href, folder)
        if target is None or target in known:
            continue
        if target is not OUTSIDE and (tree.root / target).exists():
            continue
        where = "leaves the bundle" if target is OUTSIDE else "names nothing from its folder"
        out.add(rel, link.line, UNRESOLVED_LINK, f"link {link.href!r} {where}")


def _check_log(rel: str, text: str, out: _Collector) -> None:
    lines = text.splitlines()
    start = 0
    if _has_frontmatter(text):
        try:
            raw = load_raw(text, rel)
            start = raw.body_line - 1
            out.add(
                rel,
                1,
                LOG_FRONTMATTER,
                "log.md has frontmatter; §9 logs are plain date-grouped entries",
            )
        except OKFDocumentError as exc:
            out.add(rel, exc.line, LOG_FRONTMATTER, f"log frontmatter unreadable: {exc}")
    previous: str | None = None
    seen: set[str] = set()
    for index, label in date_headings(lines[start:]):
        number = index + start + 1
        if not (_ISO_DAY.match(label) and is_date_only(label)):
            out.add(rel, number, BAD_LOG_DATE, f"log heading {label!r} is not a YYYY-MM-DD date")
            continue
        if label in seen:
            out.add(rel, number, DUPLICATE_LOG_DATE, f"date {label} has more than one section")
        elif previous is not None and label > previous:
            out.add(rel, number, LOG_ORDER, f"date {label} is above an older date; newest first")
        seen.add(label)
        previous = label


def validate_bundle(
    root: Path, *, today: date | None = None, workers: int | None = None
) -> ValidationReport:
    """Check every file of the bundle at ``root`` (BundleNotFoundError if it is not a dir).

    ``today`` fixes the staleness clock (midnight UTC of that day).  ``workers``
    is the number of processes checking concepts; None picks one per core (at
    most four) for bundles of ``parallel.PARALLEL_THRESHOLD`` concepts or more,
    when the platform forks and the caller runs no other threads.
    """
    return _validate(root, None, today, workers)


def validate_concepts(
    root: Path, concept_ids: Iterable[str], *, today: date | None = None
) -> ValidationReport:
    """Check only ``concept_ids`` (those that exist), plus every index.md and log.md.

    For a caller that knows the rest of the bundle was validated before and has
    not changed since — the loop validates what differs from the last commit.
    Every conformance error lives in one file (cross-file findings, like broken
    links, are warnings), so an error in any listed concept is still found; the
    links of the listed concepts are still checked against the whole tree.
    """
    return _validate(root, set(concept_ids), today, None)


def _validate(
    root: Path, only: set[str] | None, today: date | None, workers: int | None
) -> ValidationReport:
    root = Path(root)
    if not root.exists():
        raise BundleNotFoundError(f"bundle {root} does not exist")
    if not root.is_dir():
        raise BundleNotFoundError(f"bundle {root} is not a directory")
    now = _now(today)
    tree = walk_bundle(root)
    out = _Collector()
    for issue in tree.issues:
        out.add(issue.path, None, issue.code, issue.message)
    ids = tree.concepts
    out.findings.extend(_check_concepts(tree, now, workers, only))
    known = _known_paths(tree)
    for rel in tree.reserved:
        text = _read(tree.root / rel, rel, out)
        if text is None:
            continue
        if rel.rsplit("/", 1)[-1] == "index.md":
            _check_index(rel, text, tree, known, out)
        else:
            _check_log(rel, text, out)
            _check_log_links(rel, text, tree, known, out)
    out.findings.sort(key=lambda f: (f.path, f.line or 0, f.code, f.message))
    return ValidationReport(root=root, findings=out.findings, concepts=len(ids))


def _check_concepts(
    tree: BundleTree, now: datetime, workers: int | None, only: set[str] | None = None
) -> list[Finding]:
    """Findings for every concept, in one process or fanned out over forked workers."""
    ids = tree.concepts

    def check(chunk: Sequence[tuple[str, Path]]) -> list[Finding]:
        out = _Collector()
        for concept_id, path in chunk:
            _check_concept(concept_id, path, ids, now, out, tree.root)
        return out.findings

    items = list(ids.items()) if only is None else [(c, p) for c, p in ids.items() if c in only]
    return map_slices(items, check, workers)


def _known_paths(tree: BundleTree) -> set[str]:
    known: set[str] = set()
    known.update(f"{cid}.md" for cid in tree.concepts)
    known.update(tree.reserved)
    known.update(tree.directories)
    return known
