"""Wellbeing answers given more than once, found at validation.

The wellbeing analysis averages two scores of one client, measure and date (wellbeing.pairing), so
a repeated row never changes a figure silently by being counted twice. But many repeats usually
mean the file was read in a way that copies a value onto several rows: a questionnaire's total
written beside each of its items and read from every item row, or an export that lists each
answer once per team. Each repeat is therefore a warning on its row, naming the row it repeats and
whether the score is the same (read as one answer) or differs (the two are averaged).

Rows are compared as the analysis compares them: client, assessment date, and instrument and
measure folded (case and surrounding spaces ignored). Only rows without errors are compared. At
ten million answers the rows are first hashed, and only rows whose hash repeats are compared exactly.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ipseval.validate_wellbeing import measure_key

KEY = ("client_id", "assessment_date", "instrument", "measure")


def note_repeats(chk: Any) -> None:
    """Add a warning to the wellbeing checker ``chk`` (validate._Checker) on each row that repeats an
    earlier row's client, date and measure (see the module docstring)."""
    if not chk.n or any(c in chk.missing for c in (*KEY, "score")):
        return
    rows = _candidates(chk)
    if rows.is_empty():
        return
    group = ("key", "client_id", "assessment_date")
    earliest = pl.col("_i").arg_min()  # rows are in file order: the group's first row
    rows = rows.with_columns(measure_key("instrument", "measure")).with_columns(
        pl.col("_row").get(earliest).over(group).alias("of"),
        pl.col("score").get(earliest).over(group).alias("then"),
        (pl.col("_i") != pl.col("_i").min().over(group)).alias("repeat"),
    )
    repeats = rows.filter("repeat")
    for same, words in (
        (True, "the same score: read as one answer"),
        (False, "another score: the two are averaged"),
    ):
        found = repeats.filter((pl.col("score") == pl.col("then")) == same)
        if found.height:
            _warn(chk, found, words)


def _candidates(chk: Any) -> pl.DataFrame:
    """The usable rows whose hashed client, date, instrument and measure occur more than once."""
    frame = pl.DataFrame([chk.typed[c] for c in (*KEY, "score")])
    whose = frame.select("client_id", "assessment_date", _folded_measure(frame))
    hit = whose.hash_rows(seed=0).is_duplicated() & ~chk.reject
    if not hit.any():
        return pl.DataFrame()
    at = hit.arg_true()
    picked = frame.with_columns(pl.col(c).cast(pl.Utf8) for c in ("instrument", "measure"))[at]
    return picked.with_columns(at.cast(pl.Int64).alias("_i"), chk.raw["_row"].gather(at).alias("_row"))


def _folded_measure(frame: pl.DataFrame) -> pl.Series:
    """Per row, a number naming its folded instrument and measure: each distinct pair is folded
    once (wellbeing.pairing's key) and found again by its hash, so no text is joined per row."""
    pair_hash = frame.select("instrument", "measure").hash_rows(seed=1)
    pairs = frame.select("instrument", "measure").with_columns(pair_hash.alias("h")).unique("h")
    pairs = pairs.with_columns(measure_key("instrument", "measure")).with_columns(
        pl.col("key").rank("dense").alias("id")
    )
    return pair_hash.replace_strict(pairs["h"], pairs["id"], return_dtype=pl.UInt32).alias("pair")


def _warn(chk: Any, found: pl.DataFrame, words: str) -> None:
    mask = pl.repeat(False, chk.n, dtype=pl.Boolean, eager=True).scatter(found["_i"], True)
    message = found.select(
        pl.format("repeats row {} (same client, date and measure) with {}", "of", pl.lit(words))
    ).to_series()
    expected = "one answer per client, date and measure"
    chk.add(mask, "measure", expected, message, severity="warning")
