"""The embedding cache of :mod:`.suggest`: vectors keyed by model id and the SHA-256 of the text, in
the evaluation store's table ``embedding_cache`` (it survives re-imports; it holds vectors, not
text, but the vectors come from interview text, so the store needs the same care as the data)."""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from .suggest import Encoder


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
