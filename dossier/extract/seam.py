"""The Extractor seam: a typed protocol, and loading implementations by name.

The runtime drives every extractor the same way and understands none of them: the
per-source result is opaque to it.  What it needs from an extractor is

* ``extract_source(doc)`` — the pure, per-source (expensive) step; its result is an
  object only the extractor reads;
* ``encode(result)`` / ``decode(text)`` — the extractor's own cache codec: the
  runtime stores the text and hands it back.  ``decode`` raises
  :class:`ExtractionCacheError` (or ``ValueError``) for an entry it cannot read, and
  the runtime treats that as a miss;
* ``cache_key()`` — everything besides the source text that changes a per-source
  result (the extractor's version, its schema, a model name, a prompt version); the
  runtime keys its cache by the source's text hash *and* this key, so a new prompt
  or model re-extracts and an unchanged source never pays twice;
* ``generated_by`` — the ``generated.by`` actor of the concepts it proposes
  (``dossier-<name>/<version>``; the ``dossier-`` prefix is what makes a concept
  machine-owned for the bundle sync);
* ``assemble(results, settings)`` — the global step over all per-source results.

A foreseeable failure inside an extractor (a budget reached, an API refusing) is a
:class:`~dossier.errors.DossierError`; the runtime wraps anything else as an
:class:`ExtractionError` naming the extractor and the source, so an iteration ends
in a failed-run record with the tree restored, never in "internal error".

Built-in extractors register through the same ``dossier.extractors`` entry-point
group a third-party package uses, loaded by :mod:`dossier.plugins`.  Plugin settings
(the manifest's ``plugins.<name>``) are validated by the extractor's
``settings_model`` and passed to its constructor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from dossier import plugins
from dossier.errors import DossierError, UsageError
from dossier.extract.model import ExtractSettings, ProposedConcept, SourceLike

ENTRY_POINT_GROUP = plugins.GROUPS["extractor"]


class ExtractionError(DossierError):
    """An extractor failed on a source or in assembly; the iteration commits nothing."""


@runtime_checkable
class Extractor(Protocol):
    """Turns sources into proposed concepts in two steps the runtime can cache between."""

    name: str
    version: str

    @property
    def generated_by(self) -> str:
        """``generated.by`` of the concepts this extractor proposes."""
        ...

    def cache_key(self) -> str:
        """Version and configuration that change a per-source result (not the text)."""
        ...

    def extract_source(self, doc: SourceLike, /) -> Any:
        """The pure per-source step; the result is opaque to the runtime."""
        ...

    def encode(self, result: Any, /) -> str:
        """The cache text of a per-source result."""
        ...

    def decode(self, data: str, /) -> Any:
        """A per-source result back from :meth:`encode`'s text (raise for a stale entry)."""
        ...

    def assemble(
        self, results: Sequence[Any], settings: ExtractSettings, /
    ) -> list[ProposedConcept]:
        """The global step: all per-source results in, proposed concepts out."""
        ...


def available_extractors() -> list[str]:
    """Registered extractor names, sorted."""
    return plugins.available("extractor")


def get_extractor(name: str, settings: Mapping[str, Any] | None = None) -> Extractor:
    """The extractor registered as ``name``, built with its manifest ``settings``.

    Unknown names, a missing optional extra and a failing ``check()`` are raised here,
    before the caller starts any work (see :mod:`dossier.plugins`).
    """
    plugin = plugins.load("extractor", name)
    instance = plugins.instantiate(plugin, plugins.plugin_settings(plugin, settings))
    if not isinstance(instance, Extractor):
        raise UsageError(f"extractor {name!r} ({plugin.target}) does not implement Extractor")
    return instance
