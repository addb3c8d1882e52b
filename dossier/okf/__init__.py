"""OKF v0.2, the keystone format: concepts, bundles, links, index/log files, validation.

Everything other layers need is re-exported here; see docs/okf.md for the rules
(round trips, key order, timestamps as text, ids, links, validation codes).
"""

from dossier.okf.bundle import Bundle
from dossier.okf.document import (
    ConceptDocument,
    parse_concept,
    read_concept_file,
    render_concept,
    write_concept_file,
)
from dossier.okf.errors import (
    BundleNotFoundError,
    ConceptNotFoundError,
    InvalidConceptIdError,
    OKFDocumentError,
    OKFError,
)
from dossier.okf.ids import validate_concept_id
from dossier.okf.index import generate_indexes
from dossier.okf.init import init_bundle
from dossier.okf.links import Link, concept_href, parse_links
from dossier.okf.log import append_log
from dossier.okf.model import Concept, Generated, Source, TrustTier, Verification
from dossier.okf.validate import Finding, ValidationReport, validate_bundle

__all__ = [
    "Bundle",
    "BundleNotFoundError",
    "Concept",
    "ConceptDocument",
    "ConceptNotFoundError",
    "Finding",
    "Generated",
    "InvalidConceptIdError",
    "Link",
    "OKFDocumentError",
    "OKFError",
    "Source",
    "TrustTier",
    "ValidationReport",
    "Verification",
    "append_log",
    "concept_href",
    "generate_indexes",
    "init_bundle",
    "parse_concept",
    "parse_links",
    "read_concept_file",
    "render_concept",
    "validate_bundle",
    "validate_concept_id",
    "write_concept_file",
]
