"""Excel day numbers in a CSV date column ("45250" for 20/11/2023).

A workbook saved as CSV writes a date cell that was never formatted as a date as its day number.
When (nearly) every filled cell of a date column is such a number, of a day from 2000 to 2049, the
column is a column of dates written so: they are read as dates, and the column gets one warning
with an example. A lone number among written dates stays an error (it may be a typing slip).
"""

from __future__ import annotations

from datetime import date

import polars as pl

EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (right from 1 March 1900)
FIRST, LAST = 36526, 54789  # the day numbers of 1 January 2000 and 31 December 2049
SHARE = 0.9  # of a column's filled cells that must be day numbers


def day_numbers(s: pl.Series, weights: pl.Series | None = None) -> pl.Series | None:
    """The dates of the cells of ``s`` (text) that are Excel day numbers, null elsewhere, when at
    least :data:`SHARE` of its filled cells are; None otherwise. ``weights``: rows per cell."""
    days = s.str.strip_chars().str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    in_range = days.is_between(FIRST, LAST).fill_null(False)
    w = weights if weights is not None else pl.repeat(1, s.len(), dtype=pl.Int64, eager=True)
    filled = int(w.filter(s.is_not_null()).sum())
    if not filled or int(w.filter(in_range).sum()) < SHARE * filled:
        return None
    days = pl.select(pl.when(in_range).then(days)).to_series()
    return pl.select((pl.lit(EXCEL_EPOCH) + pl.duration(days=days)).alias(s.name)).to_series()


def first_read(s: pl.Series, read: pl.Series, weights: pl.Series | None = None) -> tuple[str, date, int]:
    """(the first cell of ``s`` read as a date, its date, how many cells were read so, each counting
    its ``weights``): a column's warning about a form of date read, with an example."""
    hit = read.is_not_null()
    k = int(hit.sum()) if weights is None else int(weights.filter(hit).sum())
    return s.filter(hit)[0], read.filter(hit)[0], k


def note(s: pl.Series, read: pl.Series, weights: pl.Series | None = None) -> str:
    """The column's warning: how many cells were day numbers, with the first as an example."""
    value, day, k = first_read(s, read, weights)
    return (
        f"{k} cell{'s' if k != 1 else ''} held Excel day numbers, read as dates (e.g. {value.strip()} = "
        f"{day.isoformat()}): the workbook's date cells were saved as numbers. Check one against the "
        "workbook"
    )
