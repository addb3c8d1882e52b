"""A KnowledgeWriter whose writes wait for the iteration's one commit.

An agent's write over MCP (:mod:`dossier.serve.writes`) is its own commit.  Inside
an agent-driven loop iteration every write must instead land in the iteration's
single commit, beside the loop's own changes and its run record.  This writer keeps
everything :class:`KnowledgeWriter` checks — field limits, ids confined to the
bundle, ``agent:<name>`` ownership as a draft, refusing to amend a person's
concept, OKF validation with the file put back when it fails — and only replaces
the last step: the validated file is left in the working tree for the loop to
merge, validate again, and commit.
"""

from __future__ import annotations

from pathlib import Path

from dossier.serve.writes import KnowledgeWriter


class StagingWriter(KnowledgeWriter):
    """Writes validated concept files; the loop iteration commits them."""

    def _commit_paths(
        self, paths: list[Path], summary: str, action: str, concept_id: str, key: str | None
    ) -> str | None:
        """Leave the validated file in the working tree: no commit of its own."""
        return None
