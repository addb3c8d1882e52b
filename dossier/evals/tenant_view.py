"""What the eval reads from a tenant: its concepts, their citations, its source snapshots.

A concept cites sources by snapshot (``../../sources/<source_id>.md#L10-L24``,
relative to the concept file); gold files name sources as registered (a path
relative to the registered folder) and lines of the original file.  :class:`SourceMap`
joins the two through the source catalogue, which keeps each source's original path,
registered location and, for a converted source such as an HTML page, the original
line of each snapshot line (dossier/ingest/origins.py).  Only the tenant's own
catalogue is read.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path, PurePath

from dossier.ingest.catalogue import read_catalogue
from dossier.ingest.origins import OriginMap, original_lines
from dossier.okf import Bundle, parse_links
from dossier.tenancy import TenantContext

_ANCHOR = re.compile(r"^L(\d+)(?:-L(\d+))?$")


@dataclass(frozen=True)
class Citation:
    """One ``sources[]`` entry of a concept: a registered path (None if unknown) and lines.

    ``start``/``end`` are lines of the original file, what a gold set names;
    ``snapshot_start``/``snapshot_end`` the snapshot lines the ``resource`` link opens
    (the same numbers when the source has no map, or when they are not given).
    """

    path: str | None
    start: int | None
    end: int | None
    snapshot_start: int | None = None
    snapshot_end: int | None = None

    @property
    def line_count(self) -> int | None:
        """How many snapshot lines the citation asks a reader to read."""
        start = self.snapshot_start if self.snapshot_start is not None else self.start
        end = self.snapshot_end if self.snapshot_start is not None else self.end
        if start is None:
            return None
        return (end or start) - start + 1


@dataclass(frozen=True)
class BundleConcept:
    """The parts of one concept file the eval needs."""

    concept_id: str
    title: str
    aliases: tuple[str, ...]
    type: str
    description: str
    body: str
    citations: tuple[Citation, ...]
    targets: frozenset[str]  # concept ids this concept's body links to

    @property
    def text(self) -> str:
        """What an agent reading the concept sees: title, description and body."""
        return f"{self.title}\n{self.description}\n{self.body}"

    def cited_paths(self) -> set[str]:
        return {c.path for c in self.citations if c.path is not None}


@dataclass(frozen=True)
class Snapshot:
    """A source snapshot under ``sources/`` and the registered path it came from."""

    path: str
    file: Path


class SourceMap:
    """Snapshot paths (``sources/<id>.md``) ↔ registered source paths."""

    def __init__(self, ctx: TenantContext) -> None:
        catalogue = read_catalogue(ctx.sources_dir)
        self._by_snapshot: dict[str, str] = {}
        self._origins: dict[str, OriginMap] = {}
        self.snapshots: list[Snapshot] = []
        for source_id in sorted(catalogue.entries):
            entry = catalogue.entries[source_id]
            registered = registered_path(entry.original_path, entry.location)
            self._by_snapshot[entry.snapshot] = registered
            if entry.origins is not None:
                self._origins[entry.snapshot] = entry.origins
            self.snapshots.append(Snapshot(registered, ctx.path / entry.snapshot))

    def registered(self, snapshot: str) -> str | None:
        return self._by_snapshot.get(snapshot)

    def original_lines(self, snapshot: str, start: int, end: int) -> tuple[int, int]:
        """Snapshot lines of ``snapshot`` as lines of its original file."""
        return original_lines(self._origins.get(snapshot), start, end)

    def __len__(self) -> int:
        return len(self.snapshots)


def registered_path(original: str, location: str) -> str:
    """``original`` relative to its registered ``location`` (a file location: its name)."""
    orig, loc = PurePath(original), PurePath(location)
    if orig == loc:
        return orig.name
    try:
        return orig.relative_to(loc).as_posix()
    except ValueError:
        return orig.as_posix()


def _citation(concept_id: str, resource: str, sources: SourceMap) -> Citation:
    path_part, _, anchor = resource.partition("#")
    folder = posixpath.join("bundle", posixpath.dirname(concept_id))
    snapshot = posixpath.normpath(posixpath.join(folder, path_part))
    match = _ANCHOR.match(anchor)
    if match is None:
        return Citation(sources.registered(snapshot), None, None)
    start, end = int(match.group(1)), int(match.group(2) or match.group(1))
    first, last = sources.original_lines(snapshot, start, end)
    return Citation(sources.registered(snapshot), first, last, start, end)


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def load_concepts(ctx: TenantContext, sources: SourceMap) -> list[BundleConcept]:
    """Every readable concept of the tenant's bundle, in id order."""
    if not ctx.bundle_dir.is_dir():
        return []
    out: list[BundleConcept] = []
    for doc in Bundle(ctx.bundle_dir).iter_documents(skip_invalid=True):
        front = doc.frontmatter
        citations: list[Citation] = []
        for item in front.get("sources") or []:
            if isinstance(item, dict) and isinstance(item.get("resource"), str):
                citations.append(_citation(doc.concept_id, item["resource"], sources))
        targets = frozenset(
            link.target_id for link in parse_links(doc.body, doc.concept_id)
            if link.target_id and link.target_id != doc.concept_id
        )
        out.append(BundleConcept(
            concept_id=doc.concept_id,
            title=str(front.get("title") or doc.concept_id.rsplit("/", 1)[-1]),
            aliases=_strings(front.get("aliases")),
            type=str(front.get("type") or ""),
            description=str(front.get("description") or ""),
            body=doc.body,
            citations=tuple(citations),
            targets=targets,
        ))
    return out
