"""Build a new tenant's initial tree and first commit inside a scratch directory.

The registry renames the result into place; nothing here touches the final path.
Files are written with plain writes, not atomic ones: the whole directory becomes
visible in one rename, so per-file atomicity (and its fsyncs) would buy nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from dossier.errors import UsageError
from dossier.tenancy.context import MANIFEST_NAME
from dossier.tenancy.git import RepoSkeleton, format_message, init_repo, run_git
from dossier.tenancy.manifest import (
    Manifest,
    SourceLocation,
    dossier_identity,
    render_manifest,
    utc_now,
)
from dossier.tenancy.sources import check_location

GITIGNORE = "# Rebuildable per-machine state (search index, lock): never committed.\n.dossier/\n"
KEEP_DIRS = ("sources", "runs")


def resolve_sources(sources: Iterable[str | Path], workspace: Path) -> list[Path]:
    """Absolute, resolved, de-duplicated source paths; each must exist outside the workspace.

    A source inside the workspace could be another tenant's directory: registering
    it would copy that tenant's data into this one, so it is refused by
    :func:`~dossier.tenancy.sources.check_location` — the same check every scan and
    every restore applies again.
    """
    resolved: list[Path] = []
    for raw in sources:
        text = str(raw)
        if "\x00" in text:
            raise UsageError(f"source path {text!r} contains a NUL byte")
        try:
            path = Path(text).expanduser().resolve(strict=True)
        except FileNotFoundError:
            raise UsageError(f"source {text!r} does not exist") from None
        except (OSError, RuntimeError) as exc:
            raise UsageError(f"source {text!r} cannot be resolved: {exc}") from None
        check_location(path, workspace)
        if path not in resolved:
            resolved.append(path)
    return resolved


def new_manifest(client_id: str, display_name: str, sources: list[Path]) -> Manifest:
    now = utc_now()
    return Manifest(
        client_id=client_id,
        display_name=display_name,
        created_at=now,
        sources=[SourceLocation(path=str(p), added_at=now) for p in sources],
        commit_identity=dossier_identity(client_id),
    )


def build_tenant(
    scratch: Path, manifest: Manifest, skeleton: RepoSkeleton | None = None
) -> RepoSkeleton:
    """Create the tenant tree in ``scratch`` and make its first commit.

    Returns the ``.git`` skeleton so the next provision under the same root can
    skip ``git init``.  The first commit runs with ``maintenance.auto=false``: a
    one-commit repository has nothing to maintain, and the automatic
    ``git maintenance run --auto`` child would cost as much as the commit itself.
    """
    from dossier.okf import init_bundle

    scratch.mkdir()
    (scratch / MANIFEST_NAME).write_text(render_manifest(manifest), encoding="utf-8")
    (scratch / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    for name in KEEP_DIRS:
        (scratch / name).mkdir()
        (scratch / name / ".gitkeep").write_text("", encoding="utf-8")
    bundle = scratch / "bundle"
    bundle.mkdir()
    init_bundle(bundle, title=manifest.display_name, day=datetime.now(UTC).date())
    skeleton = init_repo(scratch, manifest.commit_identity, skeleton)
    run_git(scratch, "add", "-A")
    message = format_message(f"dossier: provision {manifest.client_id}", {})
    run_git(scratch, "-c", "maintenance.auto=false", "commit", "-q", "--no-verify",
            "--cleanup=whitespace", "-m", message)
    return skeleton
