"""all-MiniLM-L6-v2 as plain numpy: sentence vectors without torch.

Why: loading sentence-transformers pulls in torch and transformers, 6–8 s per CLI
call before the first vector, while the model itself is a 6-layer, 384-wide BERT
whose cost is matrix products numpy's BLAS does about as fast as torch on a CPU
(docs/search.md has the measured figures).  This module reads the
packaged model files directly (``tokenizer.json`` through the ``tokenizers``
library, the weights mapped from ``model.safetensors`` by
:mod:`dossier.serve.tensor_file`, not copied) and reproduces what
sentence-transformers computes for this model: the BERT encoder's last hidden
state, mean-pooled over the attention mask, L2-normalised.  It imports numpy,
tokenizers and safetensors only; a test checks that torch, transformers and
sentence_transformers stay out of ``sys.modules``, and another that its vectors
match sentence-transformers' to a cosine of at least 0.9999.

Everything runs in float32 like the reference.  Weights are mapped once per
instance (read-only views of the file: a query touches only the word-embedding rows
it uses) and never written, so :meth:`MiniLMEncoder.encode` is a pure function of
its input (callers may still serialise calls to bound memory).
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

from dossier.serve.tensor_file import map_tensors

Array = npt.NDArray[np.float32]

#: Upper bounds of one forward batch: texts, and texts × padded length.  The token
#: budget bounds the attention scores (batch × heads × length² floats: 50 MB at
#: 16 × 256 tokens) while keeping each matrix product large enough for BLAS.
MAX_BATCH = 64
MAX_BATCH_TOKENS = 4096
#: Query rows per attention product.  Attention is thousands of small products (one
#: per text and head); OpenBLAS runs each above ~262K multiply-adds on all its
#: threads, and handing every small product between threads cost more than the
#: arithmetic (3–5× slower attention, worse when other processes share the cores).
#: 32 rows × ≤256 keys × 32 widths stays under that, so each product runs on one thread.
ATTENTION_ROWS = 32
#: Threads for the elementwise and attention work numpy would run on one core
#: (measured +4–43 % texts/s on the shared 2 cores; the dense products use BLAS's own).
MAX_WORKERS = 4

# Abramowitz & Stegun 7.1.26: erf(x) = 1 - t·P(t)·exp(-x²), t = 1 / (1 + p·x), x ≥ 0,
# absolute error ≤ 1.5e-7; evaluated in float32 it stays within 6e-7 of math.erf (a test
# checks < 1e-6), a few float32 steps near 1 and far below what moves an embedding.
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


#: Elements per block of an elementwise pass: small enough for the CPU cache, which
#: makes GELU's dozen passes over a (tokens × 1536) matrix ~3× faster than whole-array.
_BLOCK = 32_768


def erf(x: Array) -> Array:
    """The error function, elementwise, to within 6e-7 (numpy has no erf of its own)."""
    a = np.abs(x)
    t = 1.0 / (1.0 + np.float32(_ERF_P) * a)
    poly: Array = np.full_like(a, _ERF_A[4])
    for coefficient in reversed(_ERF_A[:4]):
        poly *= t
        poly += np.float32(coefficient)
    poly *= t
    poly *= np.exp(-a * a)
    result: Array = np.copysign(1.0 - poly, x)
    return result


def gelu(x: Array) -> Array:
    """BERT's "gelu": the exact form x·Φ(x) = x/2·(1 + erf(x/√2)), not the tanh estimate."""
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    scale = np.float32(1.0 / math.sqrt(2.0))
    for start in range(0, flat.size, _BLOCK):
        part = flat[start : start + _BLOCK]
        out[start : start + _BLOCK] = part * (0.5 + 0.5 * erf(part * scale))
    return out.reshape(x.shape)


_ACTIVATIONS = {"gelu": gelu}


class ModelFilesError(ValueError):
    """The model folder is missing a file, or one is truncated or of another architecture."""


@dataclass(frozen=True)
class BertConfig:
    """The parts of ``config.json`` the forward pass depends on."""

    hidden_size: int
    num_heads: int
    num_layers: int
    layer_norm_eps: float
    hidden_act: str
    max_positions: int

    @classmethod
    def read(cls, path: Path) -> BertConfig:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("position_embedding_type", "absolute") != "absolute":
            raise ModelFilesError(f"{path}: only absolute position embeddings are implemented")
        if raw["hidden_act"] not in _ACTIVATIONS:
            raise ModelFilesError(f"{path}: activation {raw['hidden_act']!r} is not implemented")
        return cls(
            hidden_size=int(raw["hidden_size"]),
            num_heads=int(raw["num_attention_heads"]),
            num_layers=int(raw["num_hidden_layers"]),
            layer_norm_eps=float(raw["layer_norm_eps"]),
            hidden_act=str(raw["hidden_act"]),
            max_positions=int(raw["max_position_embeddings"]),
        )


@dataclass(frozen=True)
class _Layer:
    """One encoder layer's weights as ``x @ w`` wants them: transposed views, and the
    query, key and value projections concatenated once so they are one product."""

    qkv_w: Array  # (hidden, 3·hidden): query, key and value in one product
    qkv_b: Array
    out_w: Array
    out_b: Array
    ln1_g: Array
    ln1_b: Array
    up_w: Array
    up_b: Array
    down_w: Array
    down_b: Array
    ln2_g: Array
    ln2_b: Array


@dataclass(frozen=True)
class Batch:
    """Token ids of texts padded to the longest of them, with which positions are real."""

    ids: npt.NDArray[np.int64]  # (batch, length)
    type_ids: npt.NDArray[np.int64]
    mask: npt.NDArray[np.bool_]


class MiniLMEncoder:
    """A sentence-transformers BERT model (mean pooling, normalised) read from its folder."""

    def __init__(self, model_dir: Path) -> None:
        """Read the model folder; :class:`ModelFilesError` says which file is unusable."""
        try:
            self._read(model_dir)
        except ModelFilesError:
            raise
        except (OSError, ValueError, KeyError) as exc:  # TensorFileError is a ValueError
            raise ModelFilesError(f"{model_dir}: {type(exc).__name__}: {exc}") from exc

    def _read(self, model_dir: Path) -> None:
        self.config = BertConfig.read(model_dir / "config.json")
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text("utf-8"))
        if not pooling.get("pooling_mode_mean_tokens") or any(
            pooling.get(mode)
            for mode in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                         "pooling_mode_mean_sqrt_len_tokens")
        ):
            raise ModelFilesError(f"{model_dir}: only mean pooling is implemented")
        st_config = json.loads((model_dir / "sentence_bert_config.json").read_text("utf-8"))
        #: Tokens read per text, [CLS] and [SEP] included; the rest is cut off.
        self.max_seq_length = min(int(st_config["max_seq_length"]), self.config.max_positions)
        self.dim = self.config.hidden_size

        tokenizer_file = model_dir / "tokenizer.json"
        try:
            self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        except Exception as exc:  # the library raises bare Exception for a bad file
            raise ModelFilesError(f"{tokenizer_file}: {exc}") from exc
        # The file carries its own truncation (128) and fixed padding: we want the
        # sentence-transformers length, and padding per batch (done in _batches).
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.max_seq_length)

        weights = map_tensors(model_dir / "model.safetensors")
        self._word = self._take(weights, "embeddings.word_embeddings.weight")
        self._position = self._take(weights, "embeddings.position_embeddings.weight")
        self._token_type = self._take(weights, "embeddings.token_type_embeddings.weight")
        self._ln_g = self._take(weights, "embeddings.LayerNorm.weight")
        self._ln_b = self._take(weights, "embeddings.LayerNorm.bias")
        self._layers = [self._layer(weights, i) for i in range(self.config.num_layers)]
        self._act = _ACTIVATIONS[self.config.hidden_act]
        self._workers = max(1, min(os.cpu_count() or 1, MAX_WORKERS))
        self._pool = ThreadPoolExecutor(self._workers, "minilm") if self._workers > 1 else None

    def _split(self, fn: Callable[[int, int], None], n: int) -> None:
        """Run ``fn(start, end)`` over ``range(n)`` cut into one part per worker.

        numpy's elementwise passes (softmax, GELU) run on one core and release the
        GIL, and the attention products are kept on one BLAS thread each (see
        ATTENTION_ROWS); parts on worker threads put the other cores to work on them.
        The parts write disjoint slices, so the result is the same bit for bit.
        """
        if self._pool is None or n < 2:
            fn(0, n)
            return
        parts = min(self._workers, n)
        bounds = [n * i // parts for i in range(parts + 1)]
        futures = [self._pool.submit(fn, a, b) for a, b in itertools.pairwise(bounds)]
        for future in futures:
            future.result()

    @staticmethod
    def _take(weights: dict[str, Any], name: str) -> Array:
        array: Array = np.asarray(weights[name], dtype=np.float32)
        return array

    def _layer(self, weights: dict[str, Any], i: int) -> _Layer:
        def w(name: str) -> Array:
            return self._take(weights, f"encoder.layer.{i}.{name}")

        # Linear layers store (out, in); x @ weight.T is a transposed view BLAS reads as is.
        qkv_w = np.concatenate(
            [w(f"attention.self.{part}.weight") for part in ("query", "key", "value")]
        ).T
        qkv_b = np.concatenate(
            [w(f"attention.self.{part}.bias") for part in ("query", "key", "value")]
        )
        return _Layer(
            qkv_w=qkv_w,
            qkv_b=qkv_b,
            out_w=w("attention.output.dense.weight").T,
            out_b=w("attention.output.dense.bias"),
            ln1_g=w("attention.output.LayerNorm.weight"),
            ln1_b=w("attention.output.LayerNorm.bias"),
            up_w=w("intermediate.dense.weight").T,
            up_b=w("intermediate.dense.bias"),
            down_w=w("output.dense.weight").T,
            down_b=w("output.dense.bias"),
            ln2_g=w("output.LayerNorm.weight"),
            ln2_b=w("output.LayerNorm.bias"),
        )

    # -- tokenisation ---------------------------------------------------------------

    def _batches(self, texts: Sequence[str]) -> Iterator[tuple[list[int], Batch]]:
        """(positions in ``texts``, padded batch), grouping texts of similar token length.

        Sorting by length keeps padding (computed, then discarded) low; a batch ends at
        ``MAX_BATCH`` texts or when its padded size would pass ``MAX_BATCH_TOKENS``.
        """
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and end - start < MAX_BATCH:
                longest = len(encodings[order[end]].ids)  # sorted: the newcomer is longest
                if (end - start + 1) * longest > MAX_BATCH_TOKENS:
                    break
                end += 1
            members = order[start:end]
            length = len(encodings[members[-1]].ids)
            ids = np.zeros((len(members), length), dtype=np.int64)
            type_ids = np.zeros((len(members), length), dtype=np.int64)
            mask = np.zeros((len(members), length), dtype=np.bool_)
            for row, i in enumerate(members):
                encoding = encodings[i]
                n = len(encoding.ids)
                ids[row, :n] = encoding.ids
                type_ids[row, :n] = encoding.type_ids
                mask[row, :n] = True
            yield members, Batch(ids, type_ids, mask)
            start = end

    # -- the forward pass -----------------------------------------------------------

    def _layer_norm(self, x: Array, gamma: Array, beta: Array) -> Array:
        mean = x.mean(axis=-1, keepdims=True)
        centred = x - mean
        variance = np.mean(np.square(centred), axis=-1, keepdims=True)
        centred /= np.sqrt(variance + np.float32(self.config.layer_norm_eps))
        centred *= gamma
        centred += beta
        normalised: Array = centred
        return normalised

    def _attention(self, x: Array, layer: _Layer, bias: Array, shape: tuple[int, int]) -> Array:
        batch, length = shape
        heads = self.config.num_heads
        width = self.config.hidden_size // heads
        qkv = x @ layer.qkv_w
        qkv += layer.qkv_b
        # (batch·length, 3·hidden) → (batch, heads, length, width) each, contiguous:
        # numpy hands strided stacks to a loop much slower than BLAS.
        split = qkv.reshape(batch, length, 3, heads, width)
        k_t = np.ascontiguousarray(split[:, :, 1].transpose(0, 2, 3, 1))
        v = np.ascontiguousarray(split[:, :, 2].transpose(0, 2, 1, 3))
        # Queries go in equal blocks of at most ATTENTION_ROWS rows (see there for why);
        # zero rows pad the last block (fewer than one per block) and are dropped at the end.
        blocks = -(-length // ATTENTION_ROWS)
        rows = -(-length // blocks)
        q = np.zeros((batch, heads, blocks * rows, width), dtype=np.float32)
        q[:, :, :length] = split[:, :, 0].transpose(0, 2, 1, 3)
        q *= np.float32(1.0 / math.sqrt(width))
        q5 = q.reshape(batch, heads, blocks, rows, width)
        context = np.empty((batch, heads, blocks * rows, width), dtype=np.float32)

        def core(a: int, b: int) -> None:
            scores = q5[a:b] @ k_t[a:b, :, None]
            scores += bias[a:b]
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context[a:b] = (scores @ v[a:b, :, None]).reshape(b - a, heads, blocks * rows, width)

        self._split(core, batch)
        merged = context[:, :, :length].transpose(0, 2, 1, 3).reshape(batch * length, -1)
        out = merged @ layer.out_w
        out += layer.out_b
        return out

    def _activate_in_place(self, hidden: Array) -> None:
        def part(a: int, b: int) -> None:
            hidden[a:b] = self._act(hidden[a:b])

        self._split(part, hidden.shape[0])

    def _forward(self, batch: Batch) -> Array:
        """Last hidden state, (batch, length, hidden)."""
        n, length = batch.ids.shape
        x = self._word[batch.ids] + self._position[:length] + self._token_type[batch.type_ids]
        x = self._layer_norm(x.reshape(n * length, -1), self._ln_g, self._ln_b)
        bias = np.where(batch.mask, np.float32(0.0), np.float32(-1e9)).astype(np.float32)
        bias = bias[:, None, None, None, :]  # (batch, heads, blocks, rows, keys)
        for layer in self._layers:
            attended = self._attention(x, layer, bias, (n, length))
            attended += x
            x = self._layer_norm(attended, layer.ln1_g, layer.ln1_b)
            hidden: Array = x @ layer.up_w
            hidden += layer.up_b
            self._activate_in_place(hidden)
            out: Array = hidden @ layer.down_w
            out += layer.down_b
            out += x
            x = self._layer_norm(out, layer.ln2_g, layer.ln2_b)
        return x.reshape(n, length, -1)

    def encode(self, texts: Sequence[str]) -> Array:
        """One unit-length float32 vector per text, in order: (len(texts), dim)."""
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        for members, batch in self._batches(texts):
            hidden = self._forward(batch)
            weights = batch.mask.astype(np.float32)[:, :, None]
            summed = (hidden * weights).sum(axis=1)
            counts = np.maximum(weights.sum(axis=1), np.float32(1e-9))
            pooled = summed / counts
            norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
            result[members] = pooled / norms
        return result
