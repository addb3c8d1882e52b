"""A search hit's citation, also in the original file's lines.

A hit cites snapshot lines (``sources/x.md:140``), which is what the tenant holds.  For
a converted source — an HTML page, a text whose leading blank lines ingest dropped —
the original file numbers them differently, and the ingest catalogue keeps the map
(docs/ingest.md, "Original lines").  This adds ``original_line_start``/``_end`` to such
citations after the search, from the tenant's own catalogue, so an agent or a person
holding the original can check the claim.

Kept out of the index on purpose: the index is a cache of the bundle, and the map
belongs to ``sources/``.  The cost is paid only when a hit cites a source and the
catalogue holds a map at all: a catalogue without one is read as bytes and dropped,
so a markdown-only tenant's search never imports the ingest layer.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dossier.serve.models import SearchHit
from dossier.tenancy import TenantContext

if TYPE_CHECKING:
    from dossier.ingest.origins import OriginMap

#: The catalogue key that holds a map (dossier/ingest/catalogue.py).
_MAP_KEY = b'"original_lines"'
#: (catalogue path, mtime_ns, size) -> snapshot path -> map; a long-lived MCP server
#: reads the catalogue again only when it changes.
_cache: dict[tuple[str, int, int], dict[str, OriginMap]] = {}


def with_original_lines(ctx: TenantContext, hits: Sequence[SearchHit]) -> list[SearchHit]:
    """``hits``, their citations of mapped sources given the original file's lines."""
    cited = [
        hit for hit in hits
        if hit.citation is not None and hit.citation.line_start is not None
    ]
    if not cited:
        return list(hits)
    maps = _maps(ctx)
    if not maps:
        return list(hits)
    out: list[SearchHit] = []
    for hit in hits:
        cite = hit.citation
        origins = maps.get(cite.path) if cite is not None else None
        if cite is None or origins is None or cite.line_start is None:
            out.append(hit)
            continue
        first, last = origins.original(cite.line_start, cite.line_end)
        update = {"original_line_start": first, "original_line_end": last}
        out.append(hit.model_copy(update={"citation": cite.model_copy(update=update)}))
    return out


def _maps(ctx: TenantContext) -> dict[str, OriginMap]:
    """Snapshot path (``sources/<id>.md``) -> map, from this tenant's catalogue only."""
    path = ctx.sources_dir / "catalogue.json"
    try:
        # lstat and a no-follow read: a symlink in its place (another tenant's
        # catalogue) or a FIFO (a hang) is no catalogue of this tenant's
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            return {}
        key = (str(path), info.st_mtime_ns, info.st_size)
        if key in _cache:
            return _cache[key]
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return {}
            raw = handle.read()
    except OSError:
        return {}  # no catalogue yet: nothing ingested, nothing to map
    maps: dict[str, OriginMap] = {}
    if _MAP_KEY in raw:
        # Imported here: the ingest package costs a keyword search's start-up time.
        from dossier.ingest.catalogue import catalogue_from_bytes
        from dossier.ingest.model import CatalogueError

        try:
            catalogue = catalogue_from_bytes(path, raw)
        except CatalogueError:
            # A corrupt catalogue fails the next loop run loudly; a search still
            # answers, with the snapshot lines it always had.
            return {}
        maps = {e.snapshot: e.origins for e in catalogue.entries.values() if e.origins}
    _cache.clear()  # one tenant's catalogue at a time is all a server or a CLI needs
    _cache[key] = maps
    return maps
