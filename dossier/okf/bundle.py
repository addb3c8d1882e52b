"""A bundle on disk: concept ids, documents, writes, and the link graph.

``Bundle`` is a thin handle over a directory; every lookup goes to the files, so
other processes' edits are seen.  The one cache is the link graph behind
``backlinks`` (building it reads every body), kept per instance and dropped on
``write``/``delete`` through this instance or an explicit ``refresh()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dossier.okf.document import (
    ConceptDocument,
    read_concept_file,
    read_text,
    split_frontmatter,
    type_problem,
    write_concept_file,
)
from dossier.okf.errors import ConceptNotFoundError, InvalidConceptIdError, OKFDocumentError
from dossier.okf.ids import path_for, validate_concept_id
from dossier.okf.links import Link, parse_links
from dossier.okf.walk import BundleTree, walk_bundle


class Bundle:
    """Read and write the concepts of one OKF bundle rooted at ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._graph: dict[str, list[Link]] | None = None

    # -- discovery -----------------------------------------------------------------

    def tree(self) -> BundleTree:
        """A fresh walk of the bundle (concepts, reserved files, directories, issues)."""
        return walk_bundle(self.root)

    def concept_ids(self) -> list[str]:
        """Every concept id in the bundle, sorted."""
        return list(walk_bundle(self.root).concepts)

    def iter_documents(self, *, skip_invalid: bool = False) -> Iterator[ConceptDocument]:
        """Every concept document in id order.

        An unreadable document raises OKFDocumentError unless ``skip_invalid``;
        ``dossier validate`` is the place that reports them all.
        """
        for concept_id, path in walk_bundle(self.root).concepts.items():
            try:
                yield read_concept_file(path, concept_id)
            except OKFDocumentError:
                if not skip_invalid:
                    raise

    # -- single concepts -------------------------------------------------------------

    def path_for(self, concept_id: str) -> Path:
        """The confined file path of ``concept_id`` (raises InvalidConceptIdError)."""
        return path_for(self.root, concept_id)

    def exists(self, concept_id: str) -> bool:
        """True when ``concept_id`` is a valid id with a concept file (False for bad ids)."""
        try:
            return self.path_for(concept_id).is_file()
        except (InvalidConceptIdError, OSError):
            return False

    def read(self, concept_id: str) -> ConceptDocument:
        """Load one concept (ConceptNotFoundError when absent, OKFDocumentError when bad)."""
        path = self.path_for(concept_id)
        if not path.is_file():
            raise ConceptNotFoundError(f"concept {concept_id!r} not found in {self.root}")
        return read_concept_file(path, concept_id)

    def write(self, doc: ConceptDocument) -> bool:
        """Write ``doc`` at its id; False when the file already held these bytes.

        Refuses a document without a non-empty ``type``: a bundle Dossier writes
        stays conformant (§11).
        """
        validate_concept_id(doc.concept_id)
        problem = type_problem(doc.frontmatter)
        if problem is not None:
            raise OKFDocumentError(f"refusing to write {doc.concept_id!r}: {problem}")
        changed = write_concept_file(self.path_for(doc.concept_id), doc)
        if changed:
            self._graph = None
        return changed

    def delete(self, concept_id: str) -> None:
        """Remove a concept file (ConceptNotFoundError when absent)."""
        path = self.path_for(concept_id)
        if not path.is_file():
            raise ConceptNotFoundError(f"concept {concept_id!r} not found in {self.root}")
        path.unlink()
        self._graph = None

    def refresh(self) -> None:
        """Forget the cached link graph (after edits made outside this instance)."""
        self._graph = None

    # -- links -----------------------------------------------------------------------

    def links_from(self, concept_id: str) -> list[Link]:
        """Links in the body of ``concept_id``, with ``broken`` set from the bundle."""
        doc = self.read(concept_id)
        return parse_links(doc.body, concept_id, exists=self.exists, line_offset=doc.body_line - 1)

    def backlinks(self, concept_id: str) -> list[Link]:
        """Links from other concepts (and itself) whose target is ``concept_id``."""
        validate_concept_id(concept_id)
        return list(self._link_graph().get(concept_id, []))

    def _link_graph(self) -> dict[str, list[Link]]:
        if self._graph is None:
            self._graph = build_link_graph(walk_bundle(self.root))
        return self._graph


def build_link_graph(tree: BundleTree) -> dict[str, list[Link]]:
    """target id → links pointing at it, for every readable concept body in ``tree``.

    Reads only the bodies (no YAML): a document whose frontmatter is broken still
    links where it says it links.  Unreadable files are skipped.
    """
    ids = tree.concepts
    graph: dict[str, list[Link]] = {}
    for concept_id, path in ids.items():
        try:
            text = read_text(path, concept_id)
            _fm, body, body_line = split_frontmatter(text, concept_id)
        except OKFDocumentError:
            continue
        for link in parse_links(
            body, concept_id, exists=ids.__contains__, line_offset=body_line - 1
        ):
            if link.target_id is not None and not link.broken:
                graph.setdefault(link.target_id, []).append(link)
    return graph
