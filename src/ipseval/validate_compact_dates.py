"""Dates as a data warehouse writes them: eight digits, year first (``20220702`` for 2 July 2022),
and far-future days that stand for 'not ended' (``99991231``, ``9999-12-31``, ``31-DEC-9999``).

An eight-digit number in a date column that is a real day from 1900 to 2099 written year, month,
day is read as that day, and the column gets one warning with an example (as a column of two-digit
years does, see validate_years). Other numbers are untouched: an Excel day number has five digits
(validate_serials), and 8 digits read day first (``02072022``) are never a real day year first.

A date in the year 9999 is no day anything happened: warehouses write it for an end that has not
come yet (still in the job, still in post). It is not read as a date; its cell is a problem whose
message says to map it to blank ("" means still open in an end date), like a word such as 'Open'.
"""

from __future__ import annotations

import polars as pl

from ipseval.validate_serials import first_read

COMPACT = r"^(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$"
SENTINEL_YEAR = 9999


def compact_dates(s: pl.Series) -> pl.Series:
    """The dates of the cells of ``s`` (text, trimmed) written as yyyymmdd, null elsewhere."""
    fits = s.str.contains(COMPACT).fill_null(False)
    text = pl.select(pl.when(fits).then(s)).to_series()
    return text.str.strptime(pl.Date, "%Y%m%d", strict=False)


def compact_note(s: pl.Series, read: pl.Series, weights: pl.Series | None = None) -> str:
    """The column's warning: how many cells were read as yyyymmdd, with the first as an example."""
    value, day, k = first_read(s, read, weights)
    return (
        f"{k} date{'s' if k != 1 else ''} written as eight digits, year first (yyyymmdd), read so: e.g. "
        f"'{value.strip()}' as {day.day} {day.strftime('%B')} {day.year}; check one against the source"
    )


def is_sentinel(value: str) -> bool:
    """Whether ``value`` is an eight-digit yyyymmdd of the year 9999 ('99991231')."""
    v = value.strip()
    return len(v) == 8 and v.isdigit() and v.startswith(str(SENTINEL_YEAR))


def sentinel_message(value: str, table: str, column: str) -> str:
    """Why a day of the year 9999 is not read as a date, and how to map it to blank."""
    v = value.strip()
    where = f"[mapping.codes.{table}.{column}]" if table and column else "[mapping.codes.<table>.<column>]"
    return (
        f"not a valid date: '{v}' (the year 9999) is a code for 'not ended' (still open, still in "
        f'post), not a day; map it to blank in {where}: "{v}" = ""'
    )


def sentinel_rows(dates: pl.Series) -> pl.Series:
    """Which of the ``dates`` read fall in the year 9999 (Boolean, False where blank)."""
    return (dates.dt.year() == SENTINEL_YEAR).fill_null(False)
