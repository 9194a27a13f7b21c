"""How generated arrays become the standard's text columns (ISO dates, yes/no, codes, numbers).

Kept apart so every table is written the same way, fast enough for tens of millions of rows."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from ipseval import schema

from .days import _BASE, BASE, CUT

DEMO_TABLES: tuple[str, ...] = tuple(name for name in schema.TABLES if name != "comparison")


# ISO strings for every day the generator can produce, gathered by index (fast for 25M rows).
_ISO = pl.Series([(_BASE + timedelta(days=i)).isoformat() for i in range(CUT - BASE + 1)], dtype=pl.Utf8)


# Rows are made a slice of clients at a time: large fresh arrays are slow to touch on small
# machines, and small temporaries are reused. The chunk size is fixed so output never depends on it.
_CHUNK = 50_000


def _dates(days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    idx = pl.Series(np.clip(days - BASE, 0, len(_ISO) - 1).astype(np.uint32))
    if valid is not None:
        idx = idx.set(pl.Series(~valid), None)
    return _ISO.gather(idx)


def _codes(idx: np.ndarray, codes: tuple[str, ...] | list[str], valid: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(idx, dtype=np.uint32))
    if valid is not None:
        s = s.set(pl.Series(~valid), None)
    return pl.Series(list(codes), dtype=pl.Utf8).gather(s)


def _bools(values: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    return _codes(values.astype(np.uint32), ("no", "yes"), valid)


def _ints(values: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(values, dtype=np.int64)).cast(pl.Utf8)
    return s if valid is None else s.set(pl.Series(~valid), None)


def _nums(values: np.ndarray) -> pl.Series:
    """Numbers as written by hand: 20 not 20.0, 37.5 kept; NaN becomes blank."""
    s = pl.Series(np.asarray(values, dtype=float), nan_to_null=True)
    whole = s.round(0) == s
    return pl.select(
        pl.when(whole).then(s.cast(pl.Int64, strict=False).cast(pl.Utf8)).otherwise(s.cast(pl.Utf8))
    ).to_series()
