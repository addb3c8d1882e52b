"""The Extractor seam: a protocol, and loading implementations from entry points.

Built-in extractors register through the same ``dossier.extractors`` entry-point group a
third-party package would use, so the seam is exercised on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from dossier.errors import UsageError
from dossier.extract.model import ExtractSettings, ProposedConcept, SourceExtraction, SourceLike

ENTRY_POINT_GROUP = "dossier.extractors"


@runtime_checkable
class Extractor(Protocol):
    """Turns sources into proposed concepts in two steps the runtime can cache between.

    ``extract_source`` is pure per source (cache it by the text's sha256 together with
    ``name``/``version``); ``assemble`` is the global step over all cached extractions.
    """

    name: str
    version: str

    def extract_source(self, doc: SourceLike) -> SourceExtraction: ...

    def assemble(
        self, extractions: Sequence[SourceExtraction], settings: ExtractSettings
    ) -> list[ProposedConcept]: ...


def available_extractors() -> list[str]:
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def get_extractor(name: str) -> Extractor:
    """Instantiate the extractor registered under ``name`` (UsageError if unknown)."""
    matches = sorted(
        (ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name),
        key=lambda ep: ep.value,
    )
    if not matches:
        names = ", ".join(available_extractors()) or "none registered"
        raise UsageError(f"unknown extractor {name!r}; available: {names}")
    try:
        loaded = matches[0].load()
    except (ImportError, AttributeError) as exc:
        raise UsageError(
            f"extractor {name!r} cannot be loaded ({matches[0].value}): {exc}"
        ) from None
    extractor = loaded() if isinstance(loaded, type) or callable(loaded) else loaded
    if not isinstance(extractor, Extractor):
        raise UsageError(f"extractor {name!r} ({matches[0].value}) does not implement Extractor")
    return extractor
