"""Shared pieces of the tests/test_reference_*.py tests: where the reference files are, how to read
them, and one comparison that says which row and column differ."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

REFERENCE = Path(__file__).parent / "reference"
DATA = REFERENCE / "data"
EXPECTED = REFERENCE / "expected"
DETERMINISTIC = 1e-8  # relative (and absolute near 0) tolerance for deterministic methods


def read_data(name: str, strings: list[str] | tuple[str, ...] = ()) -> pl.DataFrame:
    """A CSV of tests/reference/data, ``strings`` columns read as text ('NA' = missing)."""
    return pl.read_csv(
        DATA / name,
        null_values="NA",
        schema_overrides=dict.fromkeys(strings, pl.Utf8),
        infer_schema_length=None,
    )


def read_expected(name: str) -> pl.DataFrame:
    """A CSV written by an R script into tests/reference/expected."""
    return pl.read_csv(EXPECTED / name, null_values="NA", infer_schema_length=None)


def read_json(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def assert_close(actual, expected, what: str, rtol: float = DETERMINISTIC, atol: float = DETERMINISTIC):
    """Element-wise |actual - expected| <= atol + rtol |expected|, missing where R's is missing."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != R's {e.shape}"
    assert np.array_equal(np.isnan(a), np.isnan(e)), f"{what}: missing values differ from R's\n{a}\n{e}"
    ok = np.isnan(e) | (np.abs(a - e) <= atol + rtol * np.abs(e))
    if not ok.all():
        i = np.flatnonzero(~ok.ravel())
        worst = np.nanmax(np.abs(a - e).ravel()[i])
        raise AssertionError(
            f"{what}: {i.size} of {e.size} values differ from R by up to {worst:.3g} "
            f"(first at index {i[0]}: ipseval {a.ravel()[i[0]]!r}, R {e.ravel()[i[0]]!r})"
        )
