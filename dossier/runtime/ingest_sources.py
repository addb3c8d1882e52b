"""``dossier ingest``: register source locations in the manifest and snapshot them.

Registering and snapshotting are one commit ("dossier: ingest ..."), so the
tenant's history shows when material arrived, separately from the loop
iterations that learned from it.  The next ``run-loop`` sees HEAD moved and
extracts from the new snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dossier.ingest import DecodeLimits, ScanResult, apply_scan, scan_sources
from dossier.runtime.runid import utc_now_iso
from dossier.tenancy import (
    Manifest,
    SourceLocation,
    TenantContext,
    TenantRepo,
    load_manifest,
    save_manifest,
    tenant_lock,
)
from dossier.tenancy.provision import resolve_sources


def scan_tenant_sources(
    ctx: TenantContext, manifest: Manifest, *, verify_hashes: bool = False
) -> ScanResult:
    """Scan the manifest's locations under the manifest's size and decoding bounds.

    The one place the loop and ``dossier ingest`` turn the tenant's settings into
    scan arguments, so both honour every bound the manifest sets.
    """
    return scan_sources(
        [Path(p) for p in manifest.source_paths()],
        ctx.sources_dir,
        ctx.cache_dir,
        max_bytes=manifest.max_source_bytes,
        verify_hashes=verify_hashes,
        limits=DecodeLimits(
            max_expanded_bytes=manifest.max_expanded_bytes,
            max_seconds=manifest.max_decode_seconds,
        ),
        workspace=ctx.root,
    )


@dataclass
class IngestResult:
    """What ``dossier ingest`` registered, snapshotted and skipped."""

    client_id: str
    added_locations: list[str] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    missing_locations: list[str] = field(default_factory=list)
    refused_locations: list[tuple[str, str]] = field(default_factory=list)
    commit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.client_id,
            "added_locations": self.added_locations,
            "new": self.new,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "missing_locations": self.missing_locations,
            "refused_locations": [{"path": p, "reason": r} for p, r in self.refused_locations],
            "commit": self.commit,
        }


def ingest_paths(
    ctx: TenantContext, paths: Sequence[Path], *, lock_timeout: float | None = None
) -> IngestResult:
    """Add ``paths`` to the tenant's sources (idempotent) and snapshot every location."""
    wanted = resolve_sources(paths, ctx.root)
    result = IngestResult(client_id=ctx.client_id)
    with tenant_lock(ctx, timeout=lock_timeout):
        repo = TenantRepo(ctx)
        repo.recover()
        manifest = load_manifest(ctx)
        known = set(manifest.source_paths())
        added = [str(p) for p in wanted if str(p) not in known]
        if added:
            now = utc_now_iso()
            sources = [*manifest.sources, *(SourceLocation(path=p, added_at=now) for p in added)]
            manifest = manifest.model_copy(update={"sources": sources})
            save_manifest(ctx, manifest)
        result.added_locations = added
        scan = scan_tenant_sources(ctx, manifest)
        apply_scan(scan, ctx.sources_dir, ctx.cache_dir)
        result.new, result.changed = len(scan.new), len(scan.changed)
        result.removed, result.unchanged = len(scan.removed), len(scan.unchanged)
        result.skipped = [(s.path, s.reason) for s in scan.skipped]
        result.missing_locations = list(scan.missing_locations)
        result.refused_locations = list(scan.refused_locations)
        result.commit = repo.commit_all(
            f"dossier: ingest ({len(added)} new location(s), {result.new} new and "
            f"{result.changed} changed source(s))",
            {"Dossier-Ingest": str(len(added))},
        )
    return result
