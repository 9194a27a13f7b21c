"""Dates as people write them: ISO always; day/month order decided once per column of a file.

A file is written by one system with one date format, so the order of day and month is a fact
about the column, not about each cell. Reading cell by cell (ISO, else DD/MM/YYYY) silently
swaps the days and months of a US file whose days are all 12 or less, and rejects the rest. Here
the order comes from ``[input] date_order``; with "auto" it is day/month/year (UK) unless the
column's dates only make sense as month/day/year: then nothing is guessed, the rows are rejected
and one note says what was seen and what to set. Every date that cannot be read says why.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

ISO = "%Y-%m-%d"
# A trailing time of day is ignored (exports often write "2023-01-05 00:00:00", "05/01/2023 2:30 PM").
TIME_PART = r"^(.+?)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm]|Z|[+-]\d{2}:?\d{2})?$"
# The month by name is unambiguous ("05-Jan-2020", "5 January 2020", "January 5, 2020"), with a
# four-digit year only: a two-digit one cannot say which century.
DAY_MONTH_NAME = r"^(\d{1,2})[ \-/]([A-Za-z]{3,9})\.?,?[ \-/](\d{4})$"
MONTH_NAME_DAY = r"^([A-Za-z]{3,9})\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$"
MONTH_WORDS = {
    **{calendar.month_name[m].lower(): str(m) for m in range(1, 13)},
    **{calendar.month_abbr[m].lower(): str(m) for m in range(1, 13)},
    "sept": "9",
}
# Day and month in either order, then a four-digit year, separated by / . or -.
NUMERIC = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"
YEAR_FIRST = r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$"
ORDERS = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year/month/day"}
EXPECTED = {
    "auto": "a date as YYYY-MM-DD or DD/MM/YYYY",
    "dmy": "a date as YYYY-MM-DD or DD/MM/YYYY",
    "mdy": "a date as YYYY-MM-DD or MM/DD/YYYY",
    "ymd": "a date as YYYY-MM-DD or YYYY/MM/DD",
}
_EXCEL_EPOCH = date(1899, 12, 30)  # serial numbers of Excel's 1900 system, from 1 March 1900 on
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_TWO_DIGIT_YEAR = re.compile(r"^\d{1,2}[/.\- ](\d{1,2}|[A-Za-z]{3,9})[/.\- ]\d{2}$")
_EXAMPLES = 3


@dataclass
class RowFinding:
    """A problem on the rows of ``mask``: ``message`` is one text, or one per row of ``mask``."""

    mask: pl.Series
    message: str | pl.Series
    severity: str = "error"


@dataclass
class ColumnNote:
    """A problem about the whole column (a warning with no row: its rows carry their own errors)."""

    value: str
    message: str


@dataclass
class DateColumn:
    dates: pl.Series
    expected: str
    findings: list[RowFinding] = field(default_factory=list)
    notes: list[ColumnNote] = field(default_factory=list)


def read_dates(s: pl.Series, order: str, column: str) -> DateColumn:
    """The column's dates (null where unreadable) and what is wrong with the others."""
    out = s.str.strptime(pl.Date, ISO, strict=False)
    failed = s.is_not_null() & out.is_null()
    result = DateColumn(out, EXPECTED[order])
    if not failed.any():
        return result
    idx = failed.arg_true()
    sub = s.gather(idx).str.replace(TIME_PART, "$1")
    parts = sub.str.extract_groups(NUMERIC).struct.unnest()
    first, second, year = (parts[c] for c in parts.columns)
    numeric = first.is_not_null()
    as_dmy, as_mdy = _date(year, second, first), _date(year, first, second)
    chosen, us_order = _in_order(order, sub, numeric, as_dmy, as_mdy)
    read = sub.str.strptime(pl.Date, ISO, strict=False).fill_null(chosen).fill_null(_named_month(sub))
    result.dates = out.scatter(idx, read)

    def on_rows(sub_mask: pl.Series) -> pl.Series:
        none = pl.repeat(False, s.len(), dtype=pl.Boolean, eager=True)
        return none.scatter(idx.filter(sub_mask.fill_null(False)), True)

    unread = read.is_null()
    if us_order:
        us = numeric & unread
        result.notes.append(_us_order_note(column, sub.filter(as_dmy.is_null() & numeric), int(us.sum())))
        result.findings.append(
            RowFinding(
                on_rows(us),
                "not read: this column's dates look like month/day/year (US order); set input."
                'date_order = "mdy" in the settings if they are (see the note on this column)',
            )
        )
        unread = unread & ~numeric
    if unread.any():
        reasons = {v: why_not_a_date(v, order) for v in sub.filter(unread).unique().to_list()}
        messages = sub.filter(unread).replace_strict(reasons, return_dtype=pl.Utf8)
        result.findings.append(RowFinding(on_rows(unread), messages))
    if order == "auto" and not us_order:
        either = numeric & as_dmy.is_not_null() & as_mdy.is_not_null() & (first != second)
        only_dmy = (as_dmy.is_not_null() & as_mdy.is_null()).any()
        only_mdy = (as_mdy.is_not_null() & as_dmy.is_null()).any()
        if only_dmy and only_mdy and either.any():
            result.findings.append(
                RowFinding(on_rows(either), _read_as_uk(read.filter(either)), severity="warning")
            )
    return result


def _in_order(
    order: str, sub: pl.Series, numeric: pl.Series, as_dmy: pl.Series, as_mdy: pl.Series
) -> tuple[pl.Series, bool]:
    """Dates read in the order set (or found), and whether "auto" found month/day/year."""
    if order == "mdy":
        return as_mdy, False
    if order == "ymd":
        parts = sub.str.extract_groups(YEAR_FIRST).struct.unnest()
        y, m, d = (parts[c] for c in parts.columns)
        return _date(y, m, d), False
    if order == "auto" and numeric.any():
        dmy_all = (as_dmy.is_not_null() | ~numeric).all()
        mdy_all = (as_mdy.is_not_null() | ~numeric).all()
        if mdy_all and not dmy_all:
            return pl.repeat(None, sub.len(), dtype=pl.Date, eager=True), True
    return as_dmy, False


def _named_month(sub: pl.Series) -> pl.Series:
    """Dates whose month is written as a word, in either of the usual orders."""
    a = sub.str.extract_groups(DAY_MONTH_NAME).struct.unnest()
    b = sub.str.extract_groups(MONTH_NAME_DAY).struct.unnest()
    day = a[a.columns[0]].fill_null(b[b.columns[1]])
    word = a[a.columns[1]].fill_null(b[b.columns[0]])
    year = a[a.columns[2]].fill_null(b[b.columns[2]])
    month = word.str.to_lowercase().replace_strict(MONTH_WORDS, default=None, return_dtype=pl.Utf8)
    return _date(year, month, day)


def _date(year: pl.Series, month: pl.Series, day: pl.Series) -> pl.Series:
    text = pl.DataFrame({"y": year, "m": month, "d": day}).select(
        pl.concat_str("y", pl.lit("-"), pl.col("m").str.zfill(2), pl.lit("-"), pl.col("d").str.zfill(2))
    )
    return text.to_series().str.strptime(pl.Date, ISO, strict=False)


def _us_order_note(column: str, examples: pl.Series, rows: int) -> ColumnNote:
    shown = ", ".join(examples.unique(maintain_order=True).head(_EXAMPLES).to_list())
    return ColumnNote(
        value=shown,
        message=f"dates in {column} look like month/day/year (US order): {shown} can only be read that "
        f"way. So that no day and month are swapped unseen, none of the {rows:,} dates written with "
        f'/ . or - was read: set input.date_order = "mdy" in the settings if the file uses US order, '
        'or "dmy" if it uses UK order and these are typing errors',
    )


def _read_as_uk(dates: pl.Series) -> pl.Series:
    words = [f"{d.day} {calendar.month_name[d.month]} {d.year}" for d in dates.to_list()]
    return pl.Series(
        [
            f"day and month could be either way round and this column mixes both orders: read as {w} "
            "(day/month/year); check it, or set input.date_order"
            for w in words
        ],
        dtype=pl.Utf8,
    )


def why_not_a_date(value: str, order: str) -> str:
    """Why ``value`` is not a date, in words that say what to write instead."""
    v = value.strip()
    if _SERIAL.match(v):
        serial = int(float(v))
        when = _EXCEL_EPOCH + timedelta(days=serial)
        return (
            f"not a valid date: looks like an Excel date number ({v} = {when.isoformat()}); format the "
            "column as a date in Excel before saving it as CSV"
        )
    if _TWO_DIGIT_YEAR.match(v):
        return "not a valid date: a two-digit year cannot say which century; write the year in full"
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", v)
    if m:
        y, mo, d = (int(x) for x in m.groups())
        hint = " (is it year-day-month? write YYYY-MM-DD)" if mo > 12 and d <= 12 else ""
        return _day_month(y, mo, d, hint)
    m = re.match(DAY_MONTH_NAME, v)
    if m and m.group(2).lower() in MONTH_WORDS:
        return _day_month(int(m.group(3)), int(MONTH_WORDS[m.group(2).lower()]), int(m.group(1)), "")
    m = re.match(YEAR_FIRST, v)
    if m and order != "ymd":
        y, mo, d = m.groups()
        return (
            f"not a valid date: year first with / or . (write {y}-{int(mo):02d}-{int(d):02d}, or set "
            'input.date_order = "ymd")'
        )
    m = re.match(NUMERIC, v)
    if m and order != "ymd":
        a, b, y = (int(x) for x in m.groups())
        day, month = (b, a) if order == "mdy" else (a, b)
        hint = ""
        if order != "mdy" and month > 12 and day <= 12 and _exists(y, day, month):
            hint = (
                f" (as month/day/year, US order, it would be {date(y, day, month).isoformat()}; set "
                'input.date_order = "mdy" if the file uses US order)'
            )
        return _day_month(y, month, day, hint)
    return "not a valid date"


def _day_month(year: int, month: int, day: int, hint: str) -> str:
    if not 1 <= month <= 12:
        return f"not a valid date: there is no month {month}{hint}"
    last = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= last:
        return f"not a valid date: {calendar.month_name[month]} {year} has no day {day}{hint}"
    return "not a valid date"


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
