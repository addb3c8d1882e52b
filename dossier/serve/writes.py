"""Knowledge written by agents, and the human review of it.

An agent connected over MCP can record what it learns: propose a concept, amend
one, record a decision or a note, deprecate one.  Every write here:

* is bound to one tenant (the :class:`TenantContext` given at construction; no
  argument names a tenant or a path, and concept ids go through the bundle's
  confinement before any file is touched);
* is owned by ``agent:<name>`` with ``status: draft``, so the loop treats it as
  another producer's concept and never rewrites or deletes it
  (``runtime/bundle_sync``), and a person can tell it from reviewed knowledge;
* is validated as OKF before it is written, and an invalid one leaves the file as
  it was;
* changes an existing concept only under the loop's ownership rule
  (:func:`dossier.runtime.ownership.loop_claim`): a machine concept or the agent's own
  draft, holding what Dossier last wrote there (the ledger, which an agent write
  updates in its commit) — a person's concept or edit is refused;
* runs under the tenant lock and lands as its own commit touching only that
  concept, with ``Dossier-Actor`` (and ``Dossier-Idempotency-Key``) trailers;
* with an idempotency key, writes once: a retried call finds the earlier commit
  by its trailer and answers with it instead of writing again.

A person reviews drafts with ``dossier review``: approve (``status: stable`` and a
``verified`` entry by ``human:<id>``) or reject (deprecated, or removed), each a
commit with the reviewer as actor.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from dossier.errors import DossierError, UsageError
from dossier.extract.deterministic.cues import FOLDERS
from dossier.extract.text import slugify
from dossier.fsutil import atomic_write_bytes
from dossier.okf import Bundle, ConceptDocument, ConceptNotFoundError, concept_href
from dossier.okf.errors import InvalidConceptIdError
from dossier.okf.links import escape_link_text
from dossier.okf.validate import checked_concept_bytes
from dossier.runtime.ledger import LEDGER_PATH, Ledger, blob_id, parse_ledger, render_ledger
from dossier.runtime.ownership import BundleGuard
from dossier.runtime.runid import utc_now_iso
from dossier.tenancy import TenantContext, TenantRepo, tenant_lock
from dossier.tenancy.git import run_git

ACTOR_TRAILER = "Dossier-Actor"
KEY_TRAILER = "Dossier-Idempotency-Key"

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9 _-]{0,39}")
MAX_TITLE = 200
MAX_DESCRIPTION = 1000
MAX_BODY = 100_000

Action = Literal["created", "amended", "deprecated", "approved", "rejected", "removed"]


class WriteRefused(UsageError):
    """The write is not allowed or not well formed; nothing was changed."""


class WriteResult(BaseModel):
    """What a write did: the concept, the commit, and whether it was a replay."""

    concept_id: str
    action: Action
    commit: str | None
    status: str
    replayed: bool = False


class PendingDraft(BaseModel):
    """An agent's draft waiting for a person."""

    concept_id: str
    type: str
    title: str
    description: str
    actor: str
    at: str


class PendingList(BaseModel):
    drafts: list[PendingDraft]


def check_actor_name(name: str) -> str:
    """An agent or reviewer name: lowercase letters, digits, ``.``, ``_``, ``-``."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise WriteRefused(
            f"invalid actor name {name!r}: use 1-63 of a-z, 0-9, '.', '_', '-'"
        )
    return name


def _text(value: str | None, name: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise WriteRefused(f"{name} must be text")
    value = value.replace("\r\n", "\n").strip()
    if required and not value:
        raise WriteRefused(f"{name} is required")
    if len(value) > limit:
        raise WriteRefused(f"{name} is longer than {limit} characters")
    if "\x00" in value:
        raise WriteRefused(f"{name} contains a NUL byte")
    return value


def _one_line(value: str, name: str, limit: int, *, required: bool = False) -> str:
    text = _text(value, name, limit, required=required)
    return " ".join(text.split())


def is_agent_owned(doc: ConceptDocument) -> bool:
    generated = doc.frontmatter.get("generated")
    by = generated.get("by") if isinstance(generated, dict) else None
    return isinstance(by, str) and by.startswith("agent:")


class KnowledgeWriter:
    """Writes to one tenant's bundle on behalf of one actor (``agent:x`` or ``human:y``)."""

    def __init__(self, ctx: TenantContext, actor: str, *, lock_timeout: float | None = None):
        kind, _, name = actor.partition(":")
        if kind not in ("agent", "human"):
            raise WriteRefused(f"actor {actor!r} must be agent:<name> or human:<name>")
        check_actor_name(name)
        self.ctx = ctx
        self.actor = actor
        self.bundle = Bundle(ctx.bundle_dir)
        self.lock_timeout = lock_timeout

    # -- agent writes ---------------------------------------------------------------

    def propose(
        self,
        *,
        type: str,
        title: str,
        description: str = "",
        body: str = "",
        links: list[str] | None = None,
        sources: list[str] | None = None,
        note: str | None = None,
        tags: list[str] | None = None,
        key: str | None = None,
    ) -> WriteResult:
        """A new concept, owned by this agent as a draft."""
        type_name = _one_line(type, "type", 40, required=True)
        if not _TYPE.fullmatch(type_name):
            raise WriteRefused(f"invalid type {type_name!r}: letters, digits, spaces, '-' or '_'")
        title = _one_line(title, "title", MAX_TITLE, required=True)
        description = _one_line(description, "description", MAX_DESCRIPTION)
        text = _text(body, "body", MAX_BODY)
        with self._locked(key) as replay:
            if replay is not None:
                return replay
            concept_id = self._new_id(type_name, title)
            parts = [text] if text else []
            parts.extend(self._link_lines(links or []))
            note_text = _one_line(note or "", "note", 1000)
            if note_text:
                parts.append(f"Recorded from: {note_text}")
            frontmatter: dict[str, Any] = {
                "type": type_name,
                "title": title,
                "description": description or title,
                "status": "draft",
                "tags": [_one_line(t, "tag", 60, required=True) for t in tags or []],
                "generated": {"by": self.actor, "at": utc_now_iso()},
                "sources": self._sources(sources or []),
            }
            if not frontmatter["tags"]:
                del frontmatter["tags"]
            if not frontmatter["sources"]:
                del frontmatter["sources"]
            doc = ConceptDocument(concept_id, frontmatter, "\n\n".join(parts) + "\n")
            return self._commit(doc, "created", f"propose {concept_id}", key)

    def record_decision(
        self, title: str, decision: str, rationale: str = "", key: str | None = None
    ) -> WriteResult:
        """A Decision in a few words: what was decided, and why."""
        body = _text(decision, "decision", MAX_BODY, required=True)
        why = _text(rationale, "rationale", MAX_BODY)
        text = body + (f"\n\n## Rationale\n\n{why}" if why else "")
        return self.propose(type="Decision", title=title, description=body.split("\n")[0][:200],
                            body=text, key=key)

    def record_note(self, text: str, title: str = "", key: str | None = None) -> WriteResult:
        """A Note: something worth keeping that is not (yet) a typed concept."""
        body = _text(text, "text", MAX_BODY, required=True)
        heading = title or body.split("\n")[0][:80]
        return self.propose(type="Note", title=heading, description=body.split("\n")[0][:200],
                            body=body, key=key)

    def amend(
        self,
        concept_id: str,
        *,
        description: str | None = None,
        body: str | None = None,
        append: str | None = None,
        key: str | None = None,
    ) -> WriteResult:
        """Change a concept's description or body; it becomes this agent's draft.

        A concept a person wrote or reviewed is refused: an agent proposes instead.
        """
        with self._locked(key) as replay:
            if replay is not None:
                return replay
            doc = self._read(concept_id)
            self._refuse_protected(doc, "amended")
            frontmatter = dict(doc.frontmatter)
            new_body = doc.body
            if description is not None:
                frontmatter["description"] = _one_line(description, "description",
                                                       MAX_DESCRIPTION, required=True)
            if body is not None:
                new_body = _text(body, "body", MAX_BODY, required=True) + "\n"
            if append:
                new_body = new_body.rstrip("\n") + "\n\n" + _text(append, "append", MAX_BODY) + "\n"
            if description is None and body is None and not append:
                raise WriteRefused("nothing to amend: give description, body or append")
            frontmatter["status"] = "draft"
            frontmatter["generated"] = {"by": self.actor, "at": utc_now_iso()}
            return self._commit(ConceptDocument(doc.concept_id, frontmatter, new_body),
                                "amended", f"amend {doc.concept_id}", key)

    def deprecate(
        self, concept_id: str, reason: str, superseded_by: str | None = None,
        key: str | None = None,
    ) -> WriteResult:
        """Mark a concept no longer current, saying why (and what replaces it)."""
        why = _one_line(reason, "reason", 1000, required=True)
        with self._locked(key) as replay:
            if replay is not None:
                return replay
            doc = self._read(concept_id)
            self._refuse_protected(doc, "deprecated")
            frontmatter = dict(doc.frontmatter, status="deprecated")
            lines = [f"Deprecated by {self.actor}: {why}"]
            if superseded_by:
                lines.extend(self._link_lines([superseded_by], label="Superseded by"))
            body = doc.body.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
            if self.actor.startswith("agent:"):
                frontmatter["generated"] = {"by": self.actor, "at": utc_now_iso()}
            return self._commit(ConceptDocument(doc.concept_id, frontmatter, body),
                                "deprecated", f"deprecate {doc.concept_id}", key)

    # -- review -----------------------------------------------------------------------

    def pending(self) -> PendingList:
        """Agent drafts waiting for review, in id order."""
        drafts: list[PendingDraft] = []
        for doc in self.bundle.iter_documents(skip_invalid=True):
            if not is_agent_owned(doc) or doc.frontmatter.get("status") != "draft":
                continue
            generated = doc.frontmatter.get("generated") or {}
            drafts.append(PendingDraft(
                concept_id=doc.concept_id,
                type=str(doc.frontmatter.get("type", "")),
                title=str(doc.frontmatter.get("title", doc.concept_id)),
                description=str(doc.frontmatter.get("description", "")),
                actor=str(generated.get("by", "")),
                at=str(generated.get("at", "")),
            ))
        return PendingList(drafts=drafts)

    def approve(self, concept_id: str) -> WriteResult:
        """A person accepts a draft: stable, and verified by them."""
        self._require_human()
        with self._locked(None):
            doc = self._read_draft(concept_id)
            verified = doc.frontmatter.get("verified")
            entries = list(verified) if isinstance(verified, list) else (
                [verified] if isinstance(verified, dict) else [])
            entries.append({"by": self.actor, "at": utc_now_iso()})
            frontmatter = dict(doc.frontmatter, status="stable", verified=entries)
            return self._commit(ConceptDocument(doc.concept_id, frontmatter, doc.body),
                                "approved", f"approve {doc.concept_id}", None)

    def reject(self, concept_id: str, *, remove: bool = False) -> WriteResult:
        """A person declines a draft: deprecated (kept for history), or removed."""
        self._require_human()
        with self._locked(None):
            doc = self._read_draft(concept_id)
            if remove:
                return self._commit_removal(doc)
            frontmatter = dict(doc.frontmatter, status="deprecated")
            body = doc.body.rstrip("\n") + f"\n\nRejected in review by {self.actor}.\n"
            return self._commit(ConceptDocument(doc.concept_id, frontmatter, body),
                                "rejected", f"reject {doc.concept_id}", None)

    # -- internals ----------------------------------------------------------------------

    def _require_human(self) -> None:
        if not self.actor.startswith("human:"):
            raise WriteRefused("only a person (human:<id>) reviews drafts")

    @contextmanager
    def _locked(self, key: str | None) -> Iterator[WriteResult | None]:
        """Hold the tenant lock; yield the earlier result when ``key`` was used before."""
        if key is not None and not _KEY.fullmatch(key):
            raise WriteRefused(
                "invalid idempotency key: 1-128 of letters, digits, '.', '_', ':', '-'"
            )
        with tenant_lock(self.ctx, timeout=self.lock_timeout):
            yield self._replay(key) if key is not None else None

    def _replay(self, key: str) -> WriteResult | None:
        repo = TenantRepo(self.ctx)
        if repo.head() is None:
            return None
        found = repo.git(
            "log", "-n", "1", "--format=%H%x1f%(trailers:key=Dossier-Action,valueonly,separator=)"
            "%x1f%(trailers:key=Dossier-Concept,valueonly,separator=)",
            "--fixed-strings", f"--grep={KEY_TRAILER}: {key}",
        ).stdout.strip()
        if not found:
            return None
        sha, action, concept_id = [*found.split("\x1f"), "", ""][:3]
        status = "draft"
        if self.bundle.exists(concept_id):
            status = str(self.bundle.read(concept_id).frontmatter.get("status", "stable"))
        return WriteResult(concept_id=concept_id, action=action or "created",  # type: ignore[arg-type]
                           commit=sha, status=status, replayed=True)

    def _read(self, concept_id: str) -> ConceptDocument:
        if not isinstance(concept_id, str) or not concept_id:
            raise WriteRefused("concept_id is required")
        try:
            return self.bundle.read(concept_id)
        except ConceptNotFoundError:
            raise WriteRefused(f"no concept {concept_id!r} in this knowledge base") from None

    def _read_draft(self, concept_id: str) -> ConceptDocument:
        doc = self._read(concept_id)
        if not is_agent_owned(doc) or doc.frontmatter.get("status") != "draft":
            raise WriteRefused(f"{concept_id} is not an agent draft waiting for review")
        return doc

    def _new_id(self, type_name: str, title: str) -> str:
        # Agent concepts sit beside the loop's: the extractor's folder for a known type.
        folders = {name.casefold(): folder for name, folder in FOLDERS.items()}
        folder = folders.get(type_name.casefold(), slugify(type_name) + "s")
        base = f"{folder}/{slugify(title)}"
        for n in range(1, 1000):
            candidate = base if n == 1 else f"{base}-{n}"
            try:
                path = self.bundle.path_for(candidate)
            except InvalidConceptIdError:  # a reserved name such as index or log
                continue
            if not path.exists():
                return candidate
        raise WriteRefused(f"too many concepts named like {title!r}")

    def _link_lines(self, targets: list[str], label: str = "Related") -> list[str]:
        lines: list[str] = []
        for target in targets:
            doc = self._read(target)
            title = str(doc.frontmatter.get("title") or doc.concept_id)
            lines.append(f"- {label}: [{escape_link_text(title)}]({concept_href(doc.concept_id)})")
        return ["\n".join(lines)] if lines else []

    def _sources(self, raw: list[str]) -> list[dict[str, str]]:
        entries: list[dict[str, str]] = []
        for n, item in enumerate(raw, start=1):
            text = _one_line(item, "source", 500, required=True)
            if re.match(r"https?://", text):
                resource = text
            else:
                # A tenant source, named as it is under sources/: confined, must exist.
                rel = text.split("#", 1)[0]
                path = self.ctx.confine(self.ctx.sources_dir / rel)
                if not path.is_file():
                    raise WriteRefused(f"no source {text!r} in this knowledge base")
                resource = "../../sources/" + path.relative_to(
                    self.ctx.sources_dir.resolve()).as_posix()
                if "#" in text:
                    resource += "#" + text.split("#", 1)[1]
            entries.append({"id": f"src-agent-{n}", "resource": resource, "title": text})
        return entries

    #: What a refused agent is told to do instead (the staging writer says more).
    PROTECTED_HINT = "propose a new concept that links to it, or ask a person for a review"

    def _guard(self) -> BundleGuard:
        """The ownership rule over this tenant's bundle as it is now (ledger read afresh)."""
        return BundleGuard(self.ctx)

    def _refuse_protected(self, doc: ConceptDocument, action: Action) -> None:
        """Refuse an agent's change to a concept the loop itself would keep as it is.

        One rule for every writer (:func:`dossier.runtime.ownership.loop_claim`): an
        agent changes a concept only while it is the machine's or this agent's own
        draft *and* holds exactly the bytes Dossier last wrote there — a person's
        concept, another producer's, or any file a person edited since (committed or
        not) is refused.  A person (``human:``) acting here is not an agent: they may
        change anything but a concept people own, as before.
        """
        if not self.actor.startswith("agent:"):
            if action == "amended" and doc.concept.is_human_owned:
                raise WriteRefused(f"{doc.concept_id} was written or reviewed by a person")
            return
        claim = self._guard().claim(doc.concept_id, self.actor)
        if claim is None or not claim.protected:
            return
        verb = {"amended": "amend", "deprecated": "deprecate"}.get(action, "change")
        raise WriteRefused(f"cannot {verb} {doc.concept_id}: {claim.why}; {self.PROTECTED_HINT}")

    def _commit(
        self, doc: ConceptDocument, action: Action, summary: str, key: str | None
    ) -> WriteResult:
        data = self._check(doc)
        return self._land(doc, data, action, summary, key)

    def _land(
        self, doc: ConceptDocument, data: bytes, action: Action, summary: str, key: str | None
    ) -> WriteResult:
        """Write the checked ``doc`` and commit it; anything that fails puts the files back.

        An agent's write is recorded in the ledger as the bytes Dossier last wrote
        there, so the ownership rule can tell the agent's own unchanged draft from one
        a person edited since.  The working-tree ledger keeps every line it had (an
        in-flight run's too); the commit gets HEAD's ledger plus this one line, so
        lines a killed run left uncommitted stay uncommitted.
        """
        path = self.bundle.path_for(doc.concept_id)
        paths = [path]
        ledger: Ledger | None = None
        if self.actor.startswith("agent:"):
            self.ctx.runs_dir.mkdir(exist_ok=True)
            ledger = Ledger(self.ctx, TenantRepo(self.ctx))
            paths.append(ledger.path)
        before = {p: (p.read_bytes() if p.is_file() else None) for p in paths}
        try:
            committed: dict[Path, bytes] = {}
            if ledger is not None:
                blob = blob_id(data)
                ledger.record(doc.concept_id, blob)
                committed[ledger.path] = self._head_ledger_with(doc.concept_id, blob)
            atomic_write_bytes(path, data)  # the bytes checked, not a second render
            self.bundle.refresh()
            sha = self._commit_paths(paths, summary, action, doc.concept_id, key, committed)
        except BaseException:
            for p, old in before.items():
                if old is None:
                    p.unlink(missing_ok=True)
                else:
                    atomic_write_bytes(p, old)
            raise
        return WriteResult(concept_id=doc.concept_id, action=action, commit=sha,
                           status=str(doc.frontmatter.get("status", "stable")))

    def _head_ledger_with(self, concept_id: str, blob: str) -> bytes:
        """The ledger as committed at HEAD with ``concept_id``'s line set to ``blob``."""
        shown = TenantRepo(self.ctx).git("show", f"HEAD:{LEDGER_PATH}", check=False)
        entries = parse_ledger(shown.stdout) if shown.status == 0 else {}
        entries[concept_id] = {blob}
        return render_ledger(entries).encode("utf-8")

    def _check(self, doc: ConceptDocument) -> bytes:
        """Refuse ``doc`` unless it is valid OKF, before anything reaches the disk.

        A write changes one concept file, so only that file can bring a conformance
        error (every OKF error lives in one file): the per-concept check the loop
        uses on its proposals (:func:`dossier.okf.validate.checked_concept_bytes`) is
        the whole of it.  The cross-file part a write can affect is the links it adds,
        and :meth:`_link_lines` reads every target (refusing a missing one) before the
        body is built; the rest of the bundle (its indexes, its log, other concepts)
        is not re-read on every write.  Returns the bytes to write: exactly these land
        on disk and in the ledger.
        """
        data, problem = checked_concept_bytes(doc)
        if problem is not None:
            raise WriteRefused(f"the concept would not be valid OKF: {problem}")
        return data

    def _commit_removal(self, doc: ConceptDocument) -> WriteResult:
        path = self.bundle.path_for(doc.concept_id)
        before = path.read_bytes()
        path.unlink()
        try:
            sha = self._commit_paths([path], f"remove {doc.concept_id}", "removed",
                                     doc.concept_id, None)
        except BaseException:
            path.write_bytes(before)
            raise
        return WriteResult(concept_id=doc.concept_id, action="removed", commit=sha,
                           status="removed")

    def _commit_paths(
        self,
        paths: list[Path],
        summary: str,
        action: str,
        concept_id: str,
        key: str | None,
        contents: dict[Path, bytes] | None = None,
    ) -> str | None:
        """Commit exactly ``paths`` (other pending changes in the tenant stay as they are).

        Each path is committed as it is in the working tree, or as ``contents`` gives
        it.  The commit is built in a private index started from HEAD, so nothing a
        person staged, and no other bytes of these files, goes into it; afterwards the
        real index takes these paths from the new HEAD.
        """
        from dossier.tenancy.git import format_message

        trailers = {ACTOR_TRAILER: self.actor, "Dossier-Action": action,
                    "Dossier-Concept": concept_id}
        if key is not None:
            trailers[KEY_TRAILER] = key
        root = self.ctx.path.resolve()
        rels = [p.relative_to(root).as_posix() for p in paths]
        repo = TenantRepo(self.ctx)
        with tempfile.TemporaryDirectory(prefix="dossier-write-") as scratch:
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}

            def git(*args: str) -> str:
                return run_git(self.ctx.path, *args, extra_env=env).stdout.strip()

            git("read-tree", *(["HEAD"] if repo.head() is not None else ["--empty"]))
            for path, rel in zip(paths, rels, strict=True):
                given = (contents or {}).get(path)
                if given is None:
                    git("add", "-A", "--", rel)
                    continue
                staged = Path(scratch) / "blob"
                staged.write_bytes(given)
                blob = git("hash-object", "-w", "--", str(staged))
                git("update-index", "--add", "--cacheinfo", f"100644,{blob},{rel}")
            result = run_git(
                self.ctx.path, "-c", "maintenance.auto=false", "commit", "-q", "--no-verify",
                "--cleanup=whitespace", "-m", format_message(f"dossier: {summary}", trailers),
                check=False, extra_env=env,
            )
        if result.status != 0:
            raise DossierError(
                f"could not commit the write in tenant {self.ctx.client_id}: "
                f"{(result.stderr or result.stdout).strip()[:300]}"
            )
        repo.git("reset", "-q", "--", *rels)
        return repo.head()
