"""OKF v0.2, the keystone format: concepts, bundles, links, index/log files, validation.

Everything other layers need is re-exported here, each name imported from its module
on first use (the package's import costs nothing until then); see docs/okf.md for the rules
(round trips, key order, timestamps as text, ids, links, validation codes).
"""

from typing import TYPE_CHECKING

from dossier.lazy_exports import lazy_getattr

if TYPE_CHECKING:
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

#: Where each public name lives (imported on first use, PEP 562: a `dossier search`
#: process needs the walk and the id rules, not YAML, pydantic models or validation).
_HOMES: dict[str, str] = {
    "Bundle": "dossier.okf.bundle",
    "BundleNotFoundError": "dossier.okf.errors",
    "Concept": "dossier.okf.model",
    "ConceptDocument": "dossier.okf.document",
    "ConceptNotFoundError": "dossier.okf.errors",
    "Finding": "dossier.okf.validate",
    "Generated": "dossier.okf.model",
    "InvalidConceptIdError": "dossier.okf.errors",
    "Link": "dossier.okf.links",
    "OKFDocumentError": "dossier.okf.errors",
    "OKFError": "dossier.okf.errors",
    "Source": "dossier.okf.model",
    "TrustTier": "dossier.okf.model",
    "ValidationReport": "dossier.okf.validate",
    "Verification": "dossier.okf.model",
    "append_log": "dossier.okf.log",
    "concept_href": "dossier.okf.links",
    "generate_indexes": "dossier.okf.index",
    "init_bundle": "dossier.okf.init",
    "parse_concept": "dossier.okf.document",
    "parse_links": "dossier.okf.links",
    "read_concept_file": "dossier.okf.document",
    "render_concept": "dossier.okf.document",
    "validate_bundle": "dossier.okf.validate",
    "validate_concept_id": "dossier.okf.ids",
    "write_concept_file": "dossier.okf.document",
}


__getattr__ = lazy_getattr(__name__, _HOMES)


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
