"""The loop's ledger: the bytes it last wrote for each concept, so a person's edit shows.

A concept file Dossier wrote is the machine's to rewrite only while it still holds
exactly what the loop last wrote there.  Anything else — a line appended, a typo
fixed, committed or not — is a person's edit, and the loop must keep it.  So the
loop keeps, per concept, the git blob id of the bytes it last wrote, in
``runs/written-concepts.tsv`` (``<blob id> TAB <concept id>``, one line per concept,
sorted).  Why there:

* it is committed with every loop iteration, beside the run records, so it is as
  durable as the knowledge itself: a lost ``.dossier/`` cache cannot make the loop
  forget what it wrote and overwrite an edit;
* it lives in the working tree and is updated *before* the concept files are
  written (old and new blob both accepted while an iteration is in flight), so a
  run killed mid-write leaves files the next run still recognises as its own;
* a blob id compares with what git already stores, so a concept can be handed
  back by ``git checkout <loop commit> -- bundle/<id>.md`` (or by deleting it).

The ``index.md`` files the loop regenerates are recorded the same way, under their
bundle path (``tables/index.md``, never a concept id): an index holding anything
else was written by someone else, and the loop merges into it instead.

When the ledger is missing or has no line for a concept (a tenant from before the
ledger, or a person deleted the file), the loop falls back to the concept's blob
in the newest loop commit (one ``git ls-tree``): a file equal to it is the
loop's; one that differs is protected.  Nothing is frozen for good: a protected
concept whose file is put back to the loop's bytes, or deleted, is the loop's again.
"""

from __future__ import annotations

import hashlib

from dossier.fsutil import write_if_changed
from dossier.tenancy import RUN_ID_TRAILER, TenantContext, TenantRepo

#: The trailer naming who made a commit, and the value ``dossier import`` writes.
ORCHESTRATOR_TRAILER = "Dossier-Orchestrator"
IMPORT_ORCHESTRATOR = "import"
#: The ledger's path in the tenant repository.
LEDGER_PATH = "runs/written-concepts.tsv"
_HEADER = (
    "# blob id<TAB>concept id: the bytes Dossier's loop last wrote for each concept.\n"
    "# A concept file that holds anything else was edited by a person and is kept.\n"
)


def blob_id(data: bytes) -> str:
    """The git blob id (SHA-1 object name) of ``data``, as ``git hash-object`` prints it."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(b"blob %d\x00" % len(data))
    digest.update(data)
    return digest.hexdigest()


def parse_ledger(text: str) -> dict[str, set[str]]:
    """concept id → accepted blob ids (two while an iteration is in flight)."""
    entries: dict[str, set[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        blob, sep, concept_id = line.partition("\t")
        if sep and len(blob) == 40 and concept_id:
            entries.setdefault(concept_id, set()).add(blob)
    return entries


def render_ledger(entries: dict[str, set[str]]) -> str:
    lines = [
        f"{blob}\t{concept_id}"
        for concept_id in sorted(entries)
        for blob in sorted(entries[concept_id])
    ]
    return _HEADER + "".join(line + "\n" for line in lines)


class Ledger:
    """What the loop last wrote, read from the working tree with the git fallback."""

    def __init__(self, ctx: TenantContext, repo: TenantRepo) -> None:
        self.ctx = ctx
        self.repo = repo
        self.path = ctx.confine(LEDGER_PATH)
        try:
            self.entries = parse_ledger(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            self.entries = {}
        self._fallback: dict[str, str] | None = None

    def last_written(self, concept_id: str) -> set[str]:
        """Blob ids the loop may have left at ``concept_id`` (empty: none known)."""
        found = self.entries.get(concept_id)
        if found:
            return found
        blob = self._last_loop_tree().get(concept_id)
        return {blob} if blob else set()

    def _last_loop_tree(self) -> dict[str, str]:
        """concept id → blob in the newest loop commit; read once, only when needed."""
        if self._fallback is None:
            self._fallback = {}
            if self.repo.head() is not None:
                sha = self._last_loop_commit()
                if sha:
                    listing = self.repo.git("ls-tree", "-r", "-z", sha, "--", "bundle").stdout
                    for item in listing.split("\x00"):
                        meta, _, path = item.partition("\t")
                        parts = meta.split()
                        if len(parts) == 3 and parts[1] == "blob" and path.endswith(".md"):
                            concept_id = path.removeprefix("bundle/")[: -len(".md")]
                            self._fallback[concept_id] = parts[2]
        return self._fallback

    def _last_loop_commit(self) -> str:
        """The newest commit the loop made ("" when none).

        Import commits carry a run id too, but what they hold was written by a
        bundle's author, never by this loop — even concepts another Dossier wrote.
        """
        listing = self.repo.git(
            "log", f"--grep=^{RUN_ID_TRAILER}:",
            f"--format=%H %(trailers:key={ORCHESTRATOR_TRAILER},valueonly,separator=%x2C)",
        ).stdout
        for line in listing.splitlines():
            sha, _, orchestrator = line.partition(" ")
            if orchestrator.strip() != IMPORT_ORCHESTRATOR:
                return sha
        return ""

    def save(self, entries: dict[str, set[str]]) -> None:
        """Write the concepts' lines atomically (no write when nothing changed).

        The ``index.md`` lines (:meth:`save_indexes`) are kept as they are.
        """
        indexes = {k: v for k, v in self.entries.items() if is_index_key(k)}
        self._write({**indexes, **{k: v for k, v in entries.items() if not is_index_key(k)}})

    def record(self, concept_id: str, blob: str) -> None:
        """Record one concept's new bytes, every other line kept (an agent's direct write)."""
        self._write({**self.entries, concept_id: {blob}})

    def save_indexes(self, blobs: dict[str, str]) -> None:
        """Record the ``index.md`` files (bundle paths) the loop now owns; drop the others."""
        concepts = {k: v for k, v in self.entries.items() if not is_index_key(k)}
        self._write({**concepts, **{rel: {blob} for rel, blob in blobs.items()}})

    def _write(self, entries: dict[str, set[str]]) -> None:
        self.entries = {k: set(v) for k, v in entries.items() if v}
        write_if_changed(self.path, render_ledger(self.entries).encode("utf-8"))


def is_index_key(key: str) -> bool:
    """True for a ledger line about an ``index.md`` (its bundle path), not a concept id."""
    return key == "index.md" or key.endswith("/index.md")

