"""``dossier import``: an existing OKF bundle becomes a tenant's knowledge, as one commit.

The bundle is someone else's work, so the import copies it byte for byte — its
concepts, its ``index.md`` files (section names, descriptions, entries) and its
``log.md`` — and adds nothing of Dossier's beyond a run record and the commit.
Afterwards the loop treats every imported file as written by others: concepts are
never rewritten (they are not Dossier's), and indexes and logs are merged into,
never replaced (:mod:`dossier.runtime.index_sync`, :mod:`dossier.okf.log`).

Reading the source is confined: PATH must lie outside the workspace (another
tenant's folder is not a bundle to read from), and is walked without following links; a
symlink anywhere in it, or anything that is not a directory or regular file,
refuses the import, so nothing outside PATH is ever read.  Hidden entries
(``.git``, ``.obsidian``) are not part of a bundle and are skipped.

Writing goes through the tenant gates: under the tenant lock, into the confined
bundle folder, all or nothing.  A file that already exists in the tenant with
other bytes is a conflict and refuses the whole import before anything is
written — a concept a person edited is never overwritten — with three exceptions
that lose nothing: a tenant bundle holding no concepts yet has only the
provisioned root ``index.md``/``log.md``, and the bundle's own replace them; an
``index.md`` the loop wrote gives way to the bundle's, into which the loop's
entries are merged at once; a ``log.md`` keeps its lines and gains the bundle's
dated entries under their dates.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from dossier.errors import DossierError, UsageError
from dossier.fsutil import atomic_write_bytes, is_within, resolve_within
from dossier.okf import Bundle, append_log
from dossier.okf.document import MAX_DOCUMENT_BYTES
from dossier.okf.index import ROOT_FRONTMATTER, read_entries
from dossier.okf.log import date_headings, insert_entries
from dossier.okf.validate import validate_bundle
from dossier.runtime.index_sync import write_indexes
from dossier.runtime.ledger import IMPORT_ORCHESTRATOR, ORCHESTRATOR_TRAILER, Ledger, blob_id
from dossier.runtime.preimage import Preimage
from dossier.runtime.records import Counts, RunRecord
from dossier.runtime.runid import new_run_id, utc_now_iso
from dossier.tenancy import RUN_ID_TRAILER, TenantContext, TenantRepo, tenant_lock

#: A bundle bigger than this is not something to import in one commit.
MAX_IMPORT_FILES = 50_000
MAX_IMPORT_BYTES = 512 * 1024 * 1024


class ImportRefusedError(DossierError):
    """The bundle cannot be imported as it is (a symlink, a non-conformant file)."""


class ImportConflictError(DossierError):
    """The tenant already holds different files at paths the bundle brings."""


@dataclass
class ImportResult:
    """What one import did."""

    client_id: str
    source: str
    status: str  # "committed" or "up-to-date"
    run_id: str
    commit: str | None = None
    concepts: int = 0
    files_written: list[str] = field(default_factory=list)
    files_unchanged: int = 0
    warnings: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": True,
            "client_id": self.client_id,
            "source": self.source,
            "status": self.status,
            "run_id": self.run_id,
            "commit": self.commit,
            "concepts": self.concepts,
            "files_written": len(self.files_written),
            "files_unchanged": self.files_unchanged,
            "warnings": self.warnings,
        }


def read_bundle_files(source: Path) -> dict[str, bytes]:
    """Every regular, non-hidden file under ``source`` (relative POSIX path → bytes).

    Never follows a link: a symlink or special file anywhere refuses the import.
    """
    if not source.is_dir():
        raise UsageError(f"bundle folder {source} not found (or not a directory)")
    root = Path(os.path.realpath(source))
    files: dict[str, bytes] = {}
    total = 0
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in [*dirs]:
            if (here / name).is_symlink():
                raise ImportRefusedError(
                    f"{(here / name).relative_to(root)} is a symlink; import refuses links "
                    "so that nothing outside the bundle is read")
        for name in sorted(n for n in names if not n.startswith(".")):
            path = here / name
            rel = path.relative_to(root).as_posix()
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode):
                what = "a symlink" if stat.S_ISLNK(info.st_mode) else "not a regular file"
                raise ImportRefusedError(
                    f"{rel} is {what}; import refuses links so that nothing outside the "
                    "bundle is read")
            total += info.st_size
            if len(files) >= MAX_IMPORT_FILES or total > MAX_IMPORT_BYTES:
                raise ImportRefusedError(
                    f"{source} holds more than {MAX_IMPORT_FILES} files or "
                    f"{MAX_IMPORT_BYTES // (1024 * 1024)} MiB; split it")
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                with os.fdopen(fd, "rb") as handle:
                    files[rel] = handle.read()
            except OSError as exc:
                raise ImportRefusedError(f"{rel}: cannot read: {exc}") from None
    return files


def import_bundle(
    ctx: TenantContext, source: Path, *, lock_timeout: float | None = None
) -> ImportResult:
    """Copy the bundle at ``source`` into ``ctx``'s bundle and commit it (see module doc)."""
    source = Path(source)
    real = Path(os.path.realpath(source))
    if source.is_dir() and (is_within(ctx.root, real) or is_within(real, ctx.root)):
        # Every tenant lives in the workspace: reading there would cross tenants.
        raise UsageError(f"{source} is inside the workspace {ctx.root} (or holds it); import "
                         "a bundle from outside the workspace, as with sources")
    files = read_bundle_files(source)
    concepts = [rel for rel in files if _is_concept(rel)]
    if not concepts and "index.md" not in files:
        raise ImportRefusedError(f"{source} holds no concept files and no index.md: "
                                 "not an OKF bundle")
    report = validate_bundle(source)
    if not report.ok:
        shown = "; ".join(f"{f.path}: {f.code} {f.message}" for f in report.errors[:3])
        raise ImportRefusedError(
            f"{source} is not a conformant OKF bundle ({len(report.errors)} errors): {shown}")
    started = datetime.now(UTC)
    record = RunRecord(
        run_id=new_run_id(started), client_id=ctx.client_id,
        orchestrator=IMPORT_ORCHESTRATOR, extractor="", started_at=utc_now_iso(),
    )
    result = ImportResult(client_id=ctx.client_id, source=source.name or str(source),
                          status="up-to-date", run_id=record.run_id, concepts=len(concepts),
                          warnings=len(report.warnings))
    with tenant_lock(ctx, timeout=lock_timeout):
        repo = TenantRepo(ctx)
        repo.recover()
        if repo.is_dirty():
            raise ImportConflictError(
                f"tenant {ctx.client_id} has uncommitted changes; commit or discard them "
                "before importing, so the import is one commit of its own")
        ledger = Ledger(ctx, repo)
        plan, replaced_indexes = _plan(ctx, files, ledger)
        result.files_unchanged = len(files) - len(plan)
        if not plan:
            return result
        preimage = Preimage(ctx).take()
        try:
            for rel, data in plan.items():
                atomic_write_bytes(resolve_within(ctx.bundle_dir, rel), data)
            if replaced_indexes:
                # The tenant's own concepts are listed again, merged into the bundle's index.
                bundle = Bundle(ctx.bundle_dir)
                write_indexes(bundle, read_entries(bundle.tree()), ledger)
            if "log.md" not in files:
                append_log(ctx.bundle_dir, started.date(), [
                    f"**Import**: imported {len(concepts)} concepts from the bundle "
                    f"{result.source}."])
            record.status = "committed"
            record.message = f"imported {len(concepts)} concepts from {result.source}"
            record.counts = Counts(added=len([r for r in plan if _is_concept(r)]))
            record.finished_at = utc_now_iso()
            ctx.runs_dir.mkdir(exist_ok=True)
            record.write(ctx.runs_dir / f"{record.run_id}.json")
            result.commit = repo.commit_all(
                f"dossier: import {record.run_id} ({record.message})",
                {RUN_ID_TRAILER: record.run_id, ORCHESTRATOR_TRAILER: IMPORT_ORCHESTRATOR,
                 "Dossier-Import-Source": result.source},
            )
        except BaseException:
            preimage.restore()
            raise
        finally:
            preimage.discard()
    result.status = "committed"
    result.files_written = sorted(plan)
    return result


def _is_concept(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name.endswith(".md") and name not in ("index.md", "log.md")


def _plan(
    ctx: TenantContext, files: dict[str, bytes], ledger: Ledger
) -> tuple[dict[str, bytes], bool]:
    """The files to write, and whether an index the loop owned gives way to the bundle's.

    Raises ImportConflictError when a file would replace bytes a person (or another
    producer) wrote.  An ``index.md`` the loop wrote is the bundle's to replace (the
    loop's entries are merged back in); a ``log.md`` takes the bundle's dated entries
    under the same dates.
    """
    bundle_dir = ctx.bundle_dir
    empty = not Bundle(bundle_dir).concept_ids()
    plan: dict[str, bytes] = {}
    conflicts: list[str] = []
    replaced_indexes = False
    for rel, data in sorted(files.items()):
        if len(data) > MAX_DOCUMENT_BYTES and rel.endswith(".md"):
            raise ImportRefusedError(f"{rel} is over the {MAX_DOCUMENT_BYTES} byte limit")
        target = resolve_within(bundle_dir, rel)
        if target.is_symlink() or (target.exists() and not target.is_file()):
            conflicts.append(rel)
            continue
        if not target.exists():
            plan[rel] = data
            continue
        current = target.read_bytes()
        if current == data:
            continue
        name = rel.rsplit("/", 1)[-1]
        if empty and rel in ("index.md", "log.md"):
            plan[rel] = data  # the provisioned root files of a bundle with no knowledge yet
        elif name == "index.md" and (
            current == ROOT_FRONTMATTER.encode("utf-8")
            or blob_id(current) in ledger.entries.get(rel, set())
        ):
            plan[rel] = data
            replaced_indexes = True
        elif name == "log.md":
            merged = _merge_log(current, data)
            if merged is None:
                conflicts.append(rel)
            else:
                plan[rel] = merged
        else:
            conflicts.append(rel)
    if conflicts:
        shown = ", ".join(conflicts[:5]) + (f" and {len(conflicts) - 5} more"
                                            if len(conflicts) > 5 else "")
        raise ImportConflictError(
            f"tenant {ctx.client_id} already holds different files at {len(conflicts)} "
            f"path(s) the bundle brings ({shown}); nothing was imported. Rename or remove "
            "them in the tenant (or in the bundle) and import again")
    return plan, replaced_indexes


def _merge_log(current: bytes, theirs: bytes) -> bytes | None:
    """The tenant's log with the bundle's dated entries added under their dates (§9).

    None when either is not UTF-8 text or the bundle's log has a heading that is not
    a date: then there is no faithful way to merge, and the import is refused.
    """
    try:
        text, other = current.decode("utf-8"), theirs.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = other.splitlines()
    headings = date_headings(lines)
    for position, (index, label) in enumerate(reversed(headings)):
        try:
            day = date.fromisoformat(label)
        except ValueError:
            return None
        end = headings[len(headings) - position][0] if position else len(lines)
        entries = [line for line in lines[index + 1 : end] if line.strip()]
        text = insert_entries(text, day, entries)
    return text.encode("utf-8")
