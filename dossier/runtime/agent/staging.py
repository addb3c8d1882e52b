"""Where an agent session reads and writes: a scratch copy of the bundle, never bundle/.

An orchestrator proposes and the harness writes (docs/loop.md): the agent's tools
must not touch ``bundle/``.  Yet the agent should see the bundle as this iteration
will leave it — with the concepts the extractor proposed a moment ago — and a write
should be checked when it is made, so a refused call reaches the model while it can
still correct itself.  So a session works on a *view*: a copy of ``bundle/`` in the
tenant's gitignored cache (``.dossier/agent/view/<client>/bundle``) with the
extraction laid over it (a person's concept is never overlaid).

:class:`StagingWriter` is :class:`~dossier.serve.writes.KnowledgeWriter` — field
limits, ids confined to the bundle, ``agent:<name>`` drafts, the loop's ownership
rule (a person's concept or edit refused), each concept's OKF check before it is
written — writing into the view; its last step keeps the concept id instead of
committing.  What the session
wrote is then :meth:`StagingWriter.documents`, handed to the harness in the
proposal, which applies it with the same merge-never-clobber rules as everything
else and commits it in the iteration's one commit.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from dossier.errors import DossierError
from dossier.okf import Bundle, ConceptDocument
from dossier.okf.errors import OKFError
from dossier.runtime.ownership import BundleGuard, producer_of
from dossier.serve.writes import Action, KnowledgeWriter, WriteResult
from dossier.tenancy import TenantContext

VIEW = ("agent", "view")


class StagedBundle:
    """The bundle as this iteration would leave it, in the tenant cache, for one session."""

    def __init__(self, ctx: TenantContext, extracted: Sequence[ConceptDocument]) -> None:
        root = ctx.cache_path(*VIEW)
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        #: A context of the same client whose ``bundle/`` is the copy (search, reads).
        self.ctx = TenantContext.at(root, ctx.client_id)
        self.ctx.path.mkdir()
        if ctx.bundle_dir.is_dir():
            shutil.copytree(ctx.bundle_dir, self.ctx.path / "bundle", symlinks=True)
        else:
            (self.ctx.path / "bundle").mkdir()
        self.bundle = Bundle(self.ctx.bundle_dir)
        #: The harness's rule over the real bundle: what it will keep as it is.
        self.guard = BundleGuard(ctx)
        for doc in extracted:
            self._overlay(doc)

    def _overlay(self, doc: ConceptDocument) -> None:
        """Show the extractor's proposal, unless the harness will keep the file there."""
        try:
            claim = self.guard.claim(doc.concept_id, producer_of(doc))
            if claim is not None and claim.protected:
                return  # a person's concept or edit: the view shows it as it is
            self.bundle.write(doc)
        except (OKFError, DossierError, OSError):
            return  # the harness drops (and reports) what cannot be a concept

    def discard(self) -> None:
        shutil.rmtree(self.ctx.root, ignore_errors=True)


class StagingWriter(KnowledgeWriter):
    """A KnowledgeWriter over a :class:`StagedBundle`: validated writes, no commit."""

    def __init__(self, ctx: TenantContext, actor: str, view: StagedBundle) -> None:
        super().__init__(ctx, actor)  # sources are read from the tenant itself
        self.bundle = view.bundle
        self.view = view
        self._written: dict[str, None] = {}  # concept ids, in the order first written

    @contextmanager
    def _locked(self, key: str | None) -> Iterator[WriteResult | None]:
        """The harness holds the tenant lock for the whole iteration; no replay keys."""
        yield None

    #: The harness would keep such a concept as it is: say so while the model can act.
    PROTECTED_HINT = (
        "and the loop keeps such a concept exactly as it is, so this change would never be "
        "applied. Leave it; propose a new concept that links to it instead, or mention it "
        "in your finish summary"
    )

    def _guard(self) -> BundleGuard:
        """The harness's rule over the real bundle (the view is only a copy of it).

        Refusing here what the bundle sync would keep back later (same rule, same
        files) tells the model at call time, not under ``protected`` in the run record
        after the session has ended.
        """
        return self.view.guard

    def _land(
        self, doc: ConceptDocument, data: bytes, action: Action, summary: str, key: str | None
    ) -> WriteResult:
        """Write the checked concept into the view; the harness commits it later."""
        self.bundle.write(doc)
        self._written[doc.concept_id] = None
        return WriteResult(concept_id=doc.concept_id, action=action, commit=None,
                           status=str(doc.frontmatter.get("status", "stable")))

    def documents(self) -> list[ConceptDocument]:
        """What the session wrote, as the view holds it now (last write wins)."""
        return [self.bundle.read(concept_id) for concept_id in self._written]
