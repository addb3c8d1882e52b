"""``index.md`` generation (§8): one listing per directory, for progressive disclosure.

Layout, per directory: one ``# <type>`` section per concept type (types sorted),
entries ``* [Title](file.md) - description`` sorted by title, then a
``# Subdirectories`` section with ``* [name](name/index.md) - summary``.  The
summary is derived from the subdirectory's concepts (few: their titles by type;
many: counts by type), so it is deterministic and changes only when they do.
The root index carries exactly the frontmatter ``okf_version: "0.2"`` (§12).
Only files whose bytes change are written.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from dossier.fsutil import atomic_write_bytes, resolve_within, write_if_changed
from dossier.okf.bundle import Bundle
from dossier.okf.document import check_mapping, load_raw, read_text
from dossier.okf.errors import OKFDocumentError, OKFError
from dossier.okf.links import escape_link_text, scan_links
from dossier.okf.parallel import map_slices
from dossier.okf.walk import BundleTree

OKF_VERSION = "0.2"
ROOT_FRONTMATTER = f'---\nokf_version: "{OKF_VERSION}"\n---\n'
SUBDIRECTORIES = "Subdirectories"
_TITLES_IN_SUMMARY = 3
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Entry:
    """What an index needs to know about one concept."""

    concept_id: str
    type: str
    title: str
    description: str


def _one_line(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def entry_for(concept_id: str, frontmatter: Mapping[Any, Any]) -> Entry | None:
    """The index entry for a concept's loaded frontmatter (None: it has no ``type``)."""
    type_ = _one_line(frontmatter.get("type"))
    if not type_:
        return None
    name = concept_id.rsplit("/", 1)[-1]
    return Entry(
        concept_id=concept_id,
        type=type_,
        title=_one_line(frontmatter.get("title")) or name,
        description=_one_line(frontmatter.get("description")),
    )


def entries_of(chunk: Sequence[tuple[str, Path]]) -> list[Entry]:
    """Index entries of the (id, path) pairs whose frontmatter loads and has a type."""
    entries: list[Entry] = []
    for concept_id, path in chunk:
        try:
            raw = load_raw(read_text(path, concept_id), concept_id)
            fm = check_mapping(raw, concept_id)
        except OKFDocumentError:
            continue
        entry = entry_for(concept_id, fm)
        if entry is not None:
            entries.append(entry)
    return entries


def read_entries(tree: BundleTree, workers: int | None = None) -> dict[str, Entry]:
    """Index metadata for every concept whose frontmatter loads (others are left out)."""
    entries = map_slices(list(tree.concepts.items()), entries_of, workers)
    return {entry.concept_id: entry for entry in entries}


def _parent(rel: str) -> str:
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def _summary(entries: list[Entry]) -> str:
    if len(entries) <= _TITLES_IN_SUMMARY:
        by_type: dict[str, list[str]] = {}
        for entry in sorted(entries, key=lambda e: (e.title.casefold(), e.concept_id)):
            by_type.setdefault(entry.type, []).append(entry.title)
        return "; ".join(f"{t}: {', '.join(by_type[t])}" for t in sorted(by_type, key=str.casefold))
    counts = Counter(e.type for e in entries)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
    shown = ", ".join(f"{n} {t}" for t, n in ranked[:4])
    more = f", and {len(ranked) - 4} more types" if len(ranked) > 4 else ""
    return f"{len(entries)} concepts: {shown}{more}"


def render_index(
    directory: str, direct: list[Entry], subdirs: list[tuple[str, list[Entry]]]
) -> str:
    """The text of ``directory``'s index.md (``""`` is the bundle root)."""
    sections: list[str] = []
    by_type: dict[str, list[Entry]] = {}
    for entry in direct:
        by_type.setdefault(entry.type, []).append(entry)
    for type_ in sorted(by_type, key=lambda t: (t.casefold(), t)):
        lines = [f"# {type_}", ""]
        for entry in sorted(by_type[type_], key=lambda e: (e.title.casefold(), e.concept_id)):
            lines.append(_entry_line(entry))
        sections.append("\n".join(lines) + "\n")
    if subdirs:
        lines = [f"# {SUBDIRECTORIES}", ""]
        for name, subtree in subdirs:
            lines.append(f"* [{escape_link_text(name)}]({name}/index.md) - {_summary(subtree)}")
        sections.append("\n".join(lines) + "\n")
    body = "\n".join(sections)
    if directory == "":
        return ROOT_FRONTMATTER + ("\n" + body if body else "")
    return body


def _entry_line(entry: Entry) -> str:
    name = entry.concept_id.rsplit("/", 1)[-1]
    line = f"* [{escape_link_text(entry.title)}]({name}.md)"
    return f"{line} - {entry.description}" if entry.description else line


def _listed(text: str, directory: str) -> set[str]:
    """Bundle paths an index's links name (``x.md`` files, ``sub`` folders), from its folder."""
    found: set[str] = set()
    for raw in scan_links(text, f"{directory}/index" if directory else "index"):
        href = unquote(raw.href.strip("<>").split("#", 1)[0].split("?", 1)[0])
        if not href or _SCHEME.match(href) or href.startswith("//"):
            continue
        joined = href.lstrip("/") if href.startswith("/") else posixpath.join(directory, href)
        target = posixpath.normpath(joined)
        if target.endswith("/index.md"):
            target = target[: -len("/index.md")]
        found.add(target)
    return found


def merge_index(
    text: str, directory: str, direct: list[Entry], subdirs: list[tuple[str, list[Entry]]]
) -> str:
    """Add what an index written by others does not list yet; never change its lines.

    Every line the author wrote stays where it is, byte for byte: their section
    names, descriptions, order and entries (even for files that are gone — validate
    reports those, OKF203, for a person to remove).  A concept or subfolder no link
    of the index names yet gets Dossier's entry, appended to the section headed with
    its type (``Subdirectories`` for folders) or to a new such section at the end.
    With nothing to add, the text is returned unchanged.
    """
    listed = _listed(text, directory)
    prefix = f"{directory}/" if directory else ""
    missing: dict[str, list[str]] = {}
    for entry in sorted(direct, key=lambda e: (e.title.casefold(), e.concept_id)):
        if entry.concept_id + ".md" not in listed:
            missing.setdefault(entry.type, []).append(_entry_line(entry))
    for name, subtree in subdirs:
        if prefix + name not in listed:
            missing.setdefault(SUBDIRECTORIES, []).append(
                f"* [{escape_link_text(name)}]({name}/index.md) - {_summary(subtree)}"
            )
    if not missing:
        return text
    lines = text.splitlines()
    for heading in sorted(missing, key=lambda t: (t == SUBDIRECTORIES, t.casefold(), t)):
        new = missing[heading]
        at = _section_end(lines, heading)
        if at is None:
            while lines and not lines[-1].strip():
                lines.pop()
            lines.extend(([""] if lines else []) + [f"# {heading}", "", *new])
        else:
            lines[at:at] = new
    return "\n".join(lines) + "\n"


def _section_end(lines: list[str], heading: str) -> int | None:
    """Index just past the last non-blank line of the ``# heading`` section (None: absent)."""
    start = None
    for number, line in enumerate(lines):
        if line.rstrip() == f"# {heading}":
            start = number
            break
    if start is None:
        return None
    end = len(lines)
    for number in range(start + 1, len(lines)):
        if lines[number].startswith("# "):
            end = number
            break
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def generate_indexes(
    bundle: Bundle,
    directories: Iterable[str] | None = None,
    *,
    entries: Mapping[str, Entry] | None = None,
    foreign: Callable[[str, bytes, bytes], bool] | None = None,
) -> list[Path]:
    """Write ``index.md`` for every directory holding concepts (or just ``directories``).

    ``directories`` are bundle-relative (``""`` for the root); their ancestors are
    regenerated too, because a parent's subdirectory summary depends on them.
    The root index is always produced.  Returns the paths actually written.
    ``entries`` (concept id → Entry, for every concept that has one) spares reading
    every concept's frontmatter when the caller already knows them — the loop keeps
    them in a stat-keyed cache; without it they are read from the files.
    ``foreign(rel, data, ours)`` says whether an existing ``index.md`` (bundle-relative
    path, its bytes, Dossier's rendering) was written by someone else: such a file is merged into
    (:func:`merge_index`), never replaced.  Without it every index is Dossier's.
    """
    if entries is None:
        entries = read_entries(bundle.tree())
    direct: dict[str, list[Entry]] = {}
    subtree: dict[str, list[Entry]] = {}
    for entry in entries.values():
        folder = _parent(entry.concept_id)
        direct.setdefault(folder, []).append(entry)
        cursor: str | None = folder
        while cursor is not None:
            subtree.setdefault(cursor, []).append(entry)
            cursor = None if cursor == "" else _parent(cursor)
    children: dict[str, list[str]] = {}
    for folder in subtree:
        if folder:
            children.setdefault(_parent(folder), []).append(folder)

    wanted: set[str] = {""}
    if directories is None:
        wanted.update(subtree)
    else:
        for folder in directories:
            cursor = folder.strip("/")
            while True:
                wanted.add(cursor)
                if cursor == "":
                    break
                cursor = _parent(cursor)

    written: list[Path] = []
    for folder in sorted(wanted):
        if folder and folder not in subtree:
            continue  # nothing to list (yet, or any more)
        subdirs = [
            (child.rsplit("/", 1)[-1], subtree[child]) for child in sorted(children.get(folder, []))
        ]
        rel = f"{folder}/index.md" if folder else "index.md"
        path = resolve_within(bundle.root, rel)
        data = render_index(folder, direct.get(folder, []), subdirs).encode("utf-8")
        if foreign is None:
            if write_if_changed(path, data):
                written.append(path)
            continue
        # Read once: the bytes that decide whose the index is are also what the new
        # text (merged, or Dossier's) is compared with before writing.
        try:
            old: bytes | None = path.read_bytes()
        except FileNotFoundError:
            old = None
        except OSError as exc:
            raise OKFError(f"{path}: cannot read the index: {exc}") from None
        if old is not None and foreign(rel, old, data):
            try:
                old_text = old.decode("utf-8")
            except UnicodeDecodeError:
                continue  # not text Dossier can merge into: leave it to its author
            data = merge_index(old_text, folder, direct.get(folder, []), subdirs).encode("utf-8")
        if data != old:
            atomic_write_bytes(path, data)
            written.append(path)
    return written
