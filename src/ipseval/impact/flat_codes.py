"""Codes in a flat table read as ``validate`` reads them, before a model sees them.

``ipseval model`` and ``ipseval compare`` take any table a user exported. Their 0/1 columns may be
written "Yes"/"No", "Y"/"N" or "TRUE"/"FALSE" (as the data standard allows), and their labels
may differ in case or spacing ("Female", "female", "FEMALE "): the same value, so one level.
A reference level named in another spelling ("female" for "Female") is the level meant.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ..schema import BOOL_FALSE, BOOL_TRUE
from .result import AnalysisError


def as_polars(df: Any) -> pl.DataFrame:
    """A polars frame from polars, pandas (anything with ``columns`` that polars converts) or a
    dict of columns."""
    if isinstance(df, pl.DataFrame):
        return df
    if type(df).__module__.startswith("pandas"):
        return pl.from_pandas(df)
    return pl.DataFrame(df)


def _key(s: pl.Series) -> pl.Series:
    return s.str.strip_chars().str.to_lowercase().str.replace_all(r"[\s\-_]+", "_")


def yes_no(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``columns`` written as yes/no, y/n, true/false or 1/0 (any case) as 0/1 integers; a value
    that is none of these is named in an :class:`AnalysisError`."""
    out = []
    for c in columns:
        s = df[c]
        if s.dtype == pl.Boolean:
            out.append(s.cast(pl.Int8))
            continue
        if s.dtype != pl.Utf8:
            continue
        key = _key(s)
        bad = s.filter(key.is_not_null() & ~key.is_in(list(BOOL_TRUE | BOOL_FALSE))).unique()
        if bad.len():
            shown = ", ".join(repr(v) for v in bad.head(5).to_list())
            raise AnalysisError(f"{c} must be 0/1 or yes/no; it also holds {shown}")
        k = pl.col("k")
        read = pl.when(k.is_null()).then(None).otherwise(k.is_in(list(BOOL_TRUE)).cast(pl.Int8))
        out.append(pl.DataFrame({"k": key}).select(read.alias(c)).to_series())
    return df.with_columns(out) if out else df


def one_spelling(df: pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, list[str]]:
    """Text ``columns`` with each value's spellings that differ only in case, spacing, hyphens or
    underscores merged into the commonest one; and a note per merge."""
    notes, out = [], []
    for c in columns:
        if df[c].dtype != pl.Utf8:
            continue
        counts = df.select(pl.col(c).alias("v"), _key(df[c]).alias("k")).drop_nulls().group_by("k", "v").len()
        merged = counts.filter(pl.len().over("k") > 1)
        if not merged.height:
            continue
        keep = counts.sort(["len", "v"], descending=[True, False]).group_by("k", maintain_order=True).first()
        lookup = dict(zip(counts["v"], counts.join(keep, on="k", suffix="_keep")["v_keep"], strict=True))
        out.append(pl.col(c).replace(lookup))
        groups = merged.group_by("k", maintain_order=True).agg(pl.col("v").sort()).sort("k")["v"]
        said = "; ".join(" and ".join(repr(v) for v in g) for g in groups.to_list())
        notes.append(f"{c}: {said} read as one value each (spellings differing only in case or spacing)")
    return (df.with_columns(out) if out else df), notes


def reference_levels(df: pl.DataFrame, reference: dict[str, str]) -> dict[str, str]:
    """Each reference level as spelled in the data (matched ignoring case and spacing); one that
    matches no value is left as given, for the model to name with the levels it has."""
    found = {}
    for col, level in reference.items():
        if col not in df.columns or df[col].dtype != pl.Utf8:
            found[col] = level
            continue
        values = df[col].drop_nulls().unique().sort()
        same = values.filter(_key(values) == _key(pl.Series([level]))[0])
        found[col] = same[0] if same.len() else level
    return found
