"""Dates as people write them: ISO always; the order of day and month decided once per file.

A file is written by one system with one date format, so the order of day and month is a fact
about the file, not about each cell. Reading cell by cell (ISO, else DD/MM/YYYY) silently
swaps the days and months of a US file whose days are all 12 or less, and rejects the rest. Here
the order comes from ``[input.date_orders]`` for the file's table, else ``[input] date_order``.
With "auto" the dates of the file's date columns decide it together: a date such as 25/03/2021
(first part above 12) can only be day/month/year, 03/25/2021 only month/day/year; what was decided
is said in a note. A file whose dates all fit both orders is read in the global order (UK
day/month/year when that is "auto" too), with a warning naming the file and the assumption; a file
that mixes both is read the way most of its telling dates are, and the others are named.

Always read, whatever the order: ISO (2021-02-03), year first with / or . (2021/02/03), the month
as a word (03-Feb-2021, 3 Feb 2021, 12 March 2020, February 3, 2021, 29th March 2022, 3rd of May
2022), each with or without a time
of day (2021-02-03T00:00:00, 03/02/2021 14:05). A two-digit year after the day and month
(23-Jan-20, 05/03/68, 1.2.19) takes its century from ``input.two_digit_years`` (see validate_years).
Every date that cannot be read says why.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from ipseval.validate_compact_dates import (
    compact_dates,
    compact_note,
    is_sentinel,
    sentinel_message,
    sentinel_rows,
)
from ipseval.validate_serials import day_numbers
from ipseval.validate_serials import note as serial_note
from ipseval.validate_years import SETTING as TWO_DIGIT_SETTING
from ipseval.validate_years import TWO_DIGIT_YEAR, Century, two_digit_note

ISO = "%Y-%m-%d"
# A trailing time of day is ignored (exports often write "2023-01-05 00:00:00", "05/01/2023 2:30 PM").
TIME_PART = r"^(.+?)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm]|Z|[+-]\d{2}:?\d{2})?$"
# The month by name is unambiguous ("05-Jan-2020", "5 January 2020", "January 5, 2020"); day first,
# the year may have two digits ("23-Jan-20"), its century then set by input.two_digit_years.
# The day may be an ordinal, with "of" after it ("29th March 2022", "1st Feb 2023", "3rd of May 2022");
# month words in any case.
# A weekday may come first ("Tue 14 Jun 2022", "Thursday, 7 March 2024"): it is set aside.
WEEKDAY = r"(?:(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?"
DAY_MONTH_NAME = rf"(?i)^{WEEKDAY}(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?(?:\s+|[\-/])([a-z]{{3,9}})\.?,?(?:\s+|[\-/])(\d{{2}}|\d{{4}})$"
MONTH_NAME_DAY = rf"(?i)^{WEEKDAY}([a-z]{{3,9}})\.?\s+(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})$"
MONTH_WORDS = {
    **{calendar.month_name[m].lower(): str(m) for m in range(1, 13)},
    **{calendar.month_abbr[m].lower(): str(m) for m in range(1, 13)},
    "sept": "9",
}
# Day and month in either order, then the year (four digits, or two: see validate_years), separated
# by / . or -.
NUMERIC = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$"
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
_EXAMPLES = 3
COMPACT_EXPECTED = "dates written with separators (YYYY-MM-DD)"


@dataclass
class RowFinding:
    """A problem on the rows of ``mask``: ``message`` is one text, or one per row of ``mask``."""

    mask: pl.Series
    message: str | pl.Series
    severity: str = "error"


@dataclass
class ColumnNote:
    """A problem about the whole column or file (a warning with no row)."""

    value: str
    message: str
    expected: str = "dates in one known order of day and month"


@dataclass
class OrderChoice:
    """How the day/month dates of one file are read: ``order`` is "dmy", "mdy" or "ymd"; ``decided``
    says in words what "auto" found (blank when the order was set); ``warning`` is for a file whose
    dates never settle it, or mix both orders (``mixed``: its ambiguous dates are warned one by one)."""

    order: str
    decided: str = ""
    warning: ColumnNote | None = None
    mixed: bool = False


@dataclass
class DateColumn:
    dates: pl.Series
    expected: str
    findings: list[RowFinding] = field(default_factory=list)
    notes: list[ColumnNote] = field(default_factory=list)
    decided: str = ""
    years: ColumnNote | None = None  # dates written with a two-digit year, read (see validate_years)
    two_digit: pl.Series | None = None  # Boolean per cell: read with a two-digit year


def setting_for(table: str, order: str) -> str:
    """The setting that gives ``table``'s dates ``order``, as it is written in the settings file."""
    return f'[input.date_orders] {table} = "{order}"' if table else f'input.date_order = "{order}"'


def _day_month_parts(
    s: pl.Series, century: Century
) -> tuple[pl.Series, pl.Series, pl.Series, pl.Series, pl.Series, pl.Series]:
    """(text without time of day, first, second, as day/month/year, as month/day/year, whether the
    year has two digits) of ``s``."""
    sub = s.str.replace(TIME_PART, "$1")
    parts = sub.str.extract_groups(NUMERIC).struct.unnest()
    first, second, year = (parts[c] for c in parts.columns)
    two = (year.str.len_chars() == 2).fill_null(False)
    year = century.years(year)
    return sub, first, second, _date(year, second, first), _date(year, first, second), two


def choose_order(
    columns: dict[str, pl.Series],
    setting: str,
    fallback: str = "dmy",
    where: str = "",
    table: str = "",
    century: Century | None = None,
    weights: dict[str, pl.Series] | None = None,
) -> OrderChoice:
    """The order the dates of one file (its date ``columns``, as text) are read in. ``setting`` is
    the table's own setting (or the global one); ``fallback`` the order when "auto" finds nothing
    that settles it (the global setting, or day/month/year when that is "auto" as well).
    ``weights``: per column, the rows each cell stands for, when it holds distinct values."""
    if setting != "auto":
        return OrderChoice(setting)
    fallback = fallback if fallback in ORDERS else "dmy"
    day_first: list[str] = []
    month_first: list[str] = []
    n_day = n_month = n_either = 0
    either_example = ""
    for name, s in columns.items():
        w = (weights or {}).get(name)
        w = w if w is not None else pl.repeat(1, s.len(), dtype=pl.Int64, eager=True)
        keep = s.is_not_null() & s.str.strptime(pl.Date, ISO, strict=False).is_null()
        s, w = s.filter(keep), w.filter(keep)
        if not s.len():
            continue
        sub, first, second, as_dmy, as_mdy, _ = _day_month_parts(s.str.strip_chars(), century or Century())
        only_d = as_dmy.is_not_null() & as_mdy.is_null()
        only_m = as_mdy.is_not_null() & as_dmy.is_null()
        either = as_dmy.is_not_null() & as_mdy.is_not_null() & (first != second)
        n_day += int(w.filter(only_d.fill_null(False)).sum())
        n_month += int(w.filter(only_m.fill_null(False)).sum())
        n_either += int(w.filter(either.fill_null(False)).sum())
        day_first += sub.filter(only_d).unique(maintain_order=True).head(_EXAMPLES).to_list()
        month_first += sub.filter(only_m).unique(maintain_order=True).head(_EXAMPLES).to_list()
        if either.any() and not either_example:
            either_example = sub.filter(either)[0]
    where = where or "this file"
    if n_day and n_month:
        order = "dmy" if n_day > n_month else "mdy" if n_month > n_day else fallback
        if order == "ymd":
            order = "dmy"
        other = "mdy" if order == "dmy" else "dmy"
        shown = ", ".join(day_first[:_EXAMPLES] + month_first[:_EXAMPLES])
        msg = (
            f"the dates in {where} mix both orders of day and month: {n_day:,} can only be day/month/year "
            f"(e.g. {day_first[0]}), {n_month:,} only month/day/year (e.g. {month_first[0]}). They were "
            f"read as {ORDERS[order]}, the order of most of them, and the others are named as problems; "
            f"if the file uses {ORDERS[other]} set {setting_for(table, other)}"
        )
        return OrderChoice(order, warning=ColumnNote(shown, msg), mixed=True)
    if n_day or n_month:
        order, seen, n = ("dmy", day_first, n_day) if n_day else ("mdy", month_first, n_month)
        us = " (US order)" if order == "mdy" else ""
        shown = ", ".join(seen[:_EXAMPLES])
        return OrderChoice(
            order,
            decided=f"{where}: dates read as {ORDERS[order]}{us}: {shown} can only be read that way "
            f"({n:,} such date{'s' if n != 1 else ''}); set {setting_for(table, order)} to say so",
        )
    if n_either:
        default = "the default" if fallback == "dmy" else "as input.date_order says"
        other = "mdy" if fallback == "dmy" else "dmy"
        msg = (
            f"no date in {where} settles the order of day and month (every day is 12 or less, e.g. "
            f"{either_example}): read as {ORDERS[fallback]}, {default}; if the file uses "
            f"{ORDERS[other]} set {setting_for(table, other)}"
        )
        return OrderChoice(fallback, warning=ColumnNote(either_example, msg))
    return OrderChoice(fallback)


def read_dates(
    s: pl.Series,
    order: str,
    column: str,
    table: str = "",
    mixed: bool = False,
    century: Century | None = None,
    weights: pl.Series | None = None,
) -> DateColumn:
    """The column's dates (null where unreadable) and what is wrong with the others. ``order`` is
    "dmy", "mdy" or "ymd", or "auto" to decide it from this column alone (see :func:`choose_order`);
    ``mixed``: the file mixes both orders, so each date that fits both is warned about; ``century``
    the rule for two-digit years (each column read so gets one warning); ``weights``: the rows
    each cell stands for, when ``s`` holds a big file's distinct values (validate_distinct). A day
    of the year 9999 (a code for 'not ended') is no date: a problem saying how to map it to blank."""
    result = _read_dates(s, order, column, table, mixed, century, weights)
    far = sentinel_rows(result.dates)
    if far.any():
        result.dates = pl.select(pl.when(~far).then(result.dates)).to_series().alias(result.dates.name)
        reasons = {v: sentinel_message(v, table, column) for v in s.filter(far).unique().to_list()}
        result.findings.append(RowFinding(far, s.filter(far).replace_strict(reasons, return_dtype=pl.Utf8)))
    return result


def _read_dates(
    s: pl.Series,
    order: str,
    column: str,
    table: str,
    mixed: bool,
    century: Century | None,
    weights: pl.Series | None,
) -> DateColumn:
    century = century or Century()
    choice = OrderChoice(order)
    if order == "auto":
        choice = choose_order({column: s}, "auto", "dmy", f"column {column}", table, century)
        order, mixed = choice.order, choice.mixed
    out = s.str.strptime(pl.Date, ISO, strict=False)
    failed = s.is_not_null() & out.is_null()
    result = DateColumn(out, EXPECTED[order], decided=choice.decided)
    if choice.warning:
        result.notes.append(choice.warning)
    if not failed.any():
        return result
    idx = failed.arg_true()
    sub, first, second, as_dmy, as_mdy, two = _day_month_parts(s.gather(idx).str.strip_chars(), century)
    parts = sub.str.extract_groups(YEAR_FIRST).struct.unnest()
    year_first = _date(*(parts[c] for c in parts.columns))
    in_order = {"dmy": as_dmy, "mdy": as_mdy}.get(order)
    read = sub.str.strptime(pl.Date, ISO, strict=False).fill_null(year_first)
    if in_order is not None:
        read = read.fill_null(in_order)
    named, two_named = _named_month(sub, century)
    # read with a two-digit year: by the file's order of day and month, or with the month as a word
    two = (two & in_order.is_not_null()) if in_order is not None else two & False
    two = two | (two_named & named.is_not_null())
    read = read.fill_null(named)
    compact = compact_dates(sub)  # yyyymmdd, as warehouses write dates (one warning per column)
    if compact.is_not_null().any():
        read = read.fill_null(compact)
        w = weights.gather(idx) if weights is not None else None
        result.notes.append(
            ColumnNote(sub.filter(compact.is_not_null())[0], compact_note(sub, compact, w), COMPACT_EXPECTED)
        )
    result.dates = out.scatter(idx, read)
    if two.any():
        none = pl.repeat(False, s.len(), dtype=pl.Boolean, eager=True)
        result.two_digit = none.scatter(idx.filter(two), True)
        w = weights.gather(idx).filter(two) if weights is not None else None
        found = two_digit_note(sub.filter(two), read.filter(two), century, w)
        result.years = ColumnNote(*found) if found else None

    def on_rows(sub_mask: pl.Series) -> pl.Series:
        none = pl.repeat(False, s.len(), dtype=pl.Boolean, eager=True)
        return none.scatter(idx.filter(sub_mask.fill_null(False)), True)

    unread = read.is_null()
    whole = day_numbers(s, weights) if unread.any() else None  # judged on the whole column, not its failures
    serials = whole.gather(idx) if whole is not None else None
    if serials is not None:  # a column of Excel day numbers: read, with one warning
        read = read.fill_null(serials)
        result.dates = out.scatter(idx, read)
        result.notes.append(
            ColumnNote(
                sub.filter(serials.is_not_null())[0],
                serial_note(sub, serials, weights.gather(idx) if weights is not None else None),
            )
        )
        unread = read.is_null()
    if unread.any():
        reasons = {
            v: why_not_a_date(v, order, table, century, column) for v in sub.filter(unread).unique().to_list()
        }
        messages = sub.filter(unread).replace_strict(reasons, return_dtype=pl.Utf8)
        result.findings.append(RowFinding(on_rows(unread), messages))
    if mixed and order in ("dmy", "mdy"):
        either = as_dmy.is_not_null() & as_mdy.is_not_null() & (first != second)
        if either.any():
            result.findings.append(
                RowFinding(on_rows(either), _read_as(read.filter(either), order, table), severity="warning")
            )
    return result


def _named_month(sub: pl.Series, century: Century) -> tuple[pl.Series, pl.Series]:
    """Dates whose month is written as a word, in either of the usual orders, and whether their year
    has two digits."""
    a = sub.str.extract_groups(DAY_MONTH_NAME).struct.unnest()
    b = sub.str.extract_groups(MONTH_NAME_DAY).struct.unnest()
    day = a[a.columns[0]].fill_null(b[b.columns[1]])
    word = a[a.columns[1]].fill_null(b[b.columns[0]])
    year = a[a.columns[2]].fill_null(b[b.columns[2]])
    two = (year.str.len_chars() == 2).fill_null(False)
    month = word.str.to_lowercase().replace_strict(MONTH_WORDS, default=None, return_dtype=pl.Utf8)
    return _date(century.years(year), month, day), two


def _date(year: pl.Series, month: pl.Series, day: pl.Series) -> pl.Series:
    text = pl.DataFrame({"y": year, "m": month, "d": day}).select(
        pl.concat_str("y", pl.lit("-"), pl.col("m").str.zfill(2), pl.lit("-"), pl.col("d").str.zfill(2))
    )
    return text.to_series().str.strptime(pl.Date, ISO, strict=False)


def _read_as(dates: pl.Series, order: str, table: str) -> pl.Series:
    words = [f"{d.day} {calendar.month_name[d.month]} {d.year}" for d in dates.to_list()]
    other = "mdy" if order == "dmy" else "dmy"
    return pl.Series(
        [
            f"day and month could be either way round and the dates of this file mix both orders: read as "
            f"{w} ({ORDERS[order]}); check it, or set {setting_for(table, other)} if the file uses "
            f"{ORDERS[other]}"
            for w in words
        ],
        dtype=pl.Utf8,
    )


def why_not_a_date(
    value: str, order: str, table: str = "", century: Century | None = None, column: str = ""
) -> str:
    """Why ``value`` is not a date, in words that say what to write instead (a word such as 'Open'
    or 'Not known': how to map it to blank in ``table``'s ``column``)."""
    v = value.strip()
    century = century or Century()
    if is_sentinel(v):
        return sentinel_message(v, table, column)
    if table and column and not re.search(r"[0-9]", v) and len(v) <= 40 and v.isprintable():
        return (
            f"not a valid date: if '{v}' means there is no date (still open, not recorded), map it to "
            f'blank in [mapping.codes.{table}.{column}]: "{v}" = ""'
        )
    if _SERIAL.match(v):
        serial = int(float(v))
        when = _EXCEL_EPOCH + timedelta(days=serial)
        return (
            f"not a valid date: looks like an Excel date number ({v} = {when.isoformat()}); format the "
            "column as a date in Excel before saving it as CSV"
        )
    if TWO_DIGIT_YEAR.match(v) and not century.reads:
        return (
            "not a valid date: a two-digit year cannot say which century; write the year in full, or set "
            f'{TWO_DIGIT_SETTING} = "auto" to read 20yy up to this year and 19yy after it'
        )
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", v)
    if m:
        y, mo, d = (int(x) for x in m.groups())
        hint = " (is it year-day-month? write YYYY-MM-DD)" if mo > 12 and d <= 12 else ""
        return _day_month(y, mo, d, hint)
    m = re.match(DAY_MONTH_NAME, v)
    if m and m.group(2).lower() in MONTH_WORDS:
        year = _full(m.group(3), century)
        return _day_month(year, int(MONTH_WORDS[m.group(2).lower()]), int(m.group(1)), "")
    m = re.match(YEAR_FIRST, v)
    if m:
        y, mo, d = (int(x) for x in m.groups())
        return _day_month(y, mo, d, "")
    m = re.match(NUMERIC, v)
    if m and order == "ymd":
        return (
            "not a valid date: day and month are written before the year, but this file's dates are set to "
            f'year/month/day; set {setting_for(table, "dmy")} (or "mdy" for US order) if the file uses them'
        )
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), _full(m.group(3), century)
        day, month = (b, a) if order == "mdy" else (a, b)
        hint = ""
        if month > 12 and day <= 12 and _exists(y, day, month):
            other = "dmy" if order == "mdy" else "mdy"
            words = "day/month/year, UK order" if other == "dmy" else "month/day/year, US order"
            hint = (
                f" (as {words}, it would be {date(y, day, month).isoformat()}; set "
                f"{setting_for(table, other)} if the file uses that order)"
            )
        return _day_month(y, month, day, hint)
    return "not a valid date"


def _full(year: str, century: Century) -> int:
    return century.full_year(int(year)) if len(year) == 2 else int(year)


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
