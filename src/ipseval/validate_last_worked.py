"""Time since the last job at referral from the date a client last worked: exports often hold that
date, often as a month ('Mar 2019', '03/2019') or a year, where the standard holds a band.

Each cell stands for the span of days it could mean: a full date that day, a month its first to
last day, a year 1 January to 31 December. The time since the last job is the whole years completed
from that day to the referral date (as for age, :func:`ipseval.validate_age.whole_years`), banded as
the standard's codes: under 1 year, 1 to 2, 2 to 5, 5 to 10, 10 or more. A span whose ends fall in
different bands gives no band (a month or year too near a band's edge: named in a warning), nor does
a date after the referral. Words meaning never ('Never', 'Never worked') give ``never_worked``. The
column fills only blank ``time_since_last_job`` cells, then is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from ipseval.validate_age import whole_years
from ipseval.validate_dates import read_dates
from ipseval.validate_years import Century

LAST_WORKED = "date_last_worked"
TARGET = "time_since_last_job"
# whole years completed -> band: below 1, below 2, below 5, below 10, then 10 or more
BAND_EDGES = ((1, "under_1y"), (2, "1_to_2y"), (5, "2_to_5y"), (10, "5_to_10y"))
TOP_BAND = "over_10y"
NEVER_WORKED = r"(?i)^\s*never(\s+(worked|employed|had\s+a\s+(paid\s+)?job|been\s+employed))?\s*\.?\s*$"
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_MONTH_NAME = re.compile(r"^\s*([a-z]{3,9})\.?[\s\-/,.']*(\d{4}|\d{2})\s*$", re.I)
_MONTH_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[/\-.]\s*(\d{4})\s*$")
_YEAR_MONTH = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


@dataclass
class LastWorkedFinding:
    """A warning on the rows of ``mask`` about the date last worked (its value is the cell's)."""

    mask: pl.Series
    expected: str
    message: str


@dataclass
class BandsFromLastWorked:
    bands: pl.Series  # Utf8: the band where worked out, else null
    findings: list[LastWorkedFinding] = field(default_factory=list)
    filled: int = 0


def band_of_years(years: int) -> str:
    """The standard's code for ``years`` whole years since the last job."""
    return next((code for edge, code in BAND_EDGES if years < edge), TOP_BAND)


def month_span(text: str | None, century: Century) -> tuple[date, date] | None:
    """The first and last day a month or a year ('Mar 2019', 'March-19', '03/2019', '2019-03',
    '2019') stands for; None when ``text`` is neither."""
    if text is None:
        return None
    if m := _YEAR.match(text):
        year = int(m.group(1))
        return date(year, 1, 1), date(year, 12, 31)
    month = year = None
    if m := _MONTH_NAME.match(text):
        month, raw = _MONTHS.get(m.group(1)[:3].lower()), m.group(2)
        year = int(raw) if len(raw) == 4 else century.full_year(int(raw)) if century.reads else None
    elif m := _MONTH_NUMBER.match(text):
        month, year = int(m.group(1)), int(m.group(2))
    elif m := _YEAR_MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
    if month is None or year is None or not 1 <= month <= 12 or not 1900 <= year <= 2200:
        return None
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, 1), date.fromordinal(following.toordinal() - 1)


def bands_from_last_worked(
    cells: pl.Series, referral: pl.Series, need: pl.Series, order: str, century: Century
) -> BandsFromLastWorked:
    """Bands of time since the last job at referral from ``cells`` (text) on the rows of ``need``
    (``time_since_last_job`` blank), with a warning for each cell that gives none."""
    need = need.fill_null(False) & cells.is_not_null()
    never = cells.str.contains(NEVER_WORKED).fill_null(False) & need
    spans = [month_span(v, century) if n else None for v, n in zip(cells, need & ~never, strict=True)]
    by_month = pl.Series([s is not None for s in spans], dtype=pl.Boolean)
    dated = pl.select(pl.when(by_month | never | ~need).then(None).otherwise(cells)).to_series()
    full = read_dates(dated, order, LAST_WORKED, century=century)
    unread = pl.Series([False] * len(cells), dtype=pl.Boolean)
    for f in full.findings:
        unread = unread | f.mask.fill_null(False)
    first = pl.Series([s[0] if s else None for s in spans], dtype=pl.Date).fill_null(full.dates)
    last = pl.Series([s[1] if s else None for s in spans], dtype=pl.Date).fill_null(full.dates)
    usable = need & ~never & ~unread & first.is_not_null() & referral.is_not_null()
    after = usable & (first > referral).fill_null(False)
    last = pl.DataFrame({"l": last, "r": referral}).select(pl.min_horizontal("l", "r")).to_series()
    near, far = (_bands(whole_years(d, referral)) for d in (last, first))
    unsure = usable & ~after & (near != far).fill_null(False)
    ok = usable & ~after & ~unsure
    bands = pl.DataFrame({"b": near, "ok": ok, "never": never}).select(
        pl.when("never").then(pl.lit("never_worked")).when("ok").then("b").alias("band")
    )
    out = BandsFromLastWorked(bands.to_series())
    for mask, expected, message in (
        (need & unread, "a date, a month ('Mar 2019'), a year or 'Never'",
         "not a date, month or year: time_since_last_job is left blank for this client"),
        (after, "a date last worked before referral_date",
         "after referral_date: the time since the last job at referral is not known from it"),
        (unsure, "a month or year wholly on one side of a band's edge (1, 2, 5 or 10 years before referral)",
         "the month or year falls either side of a band's edge: time_since_last_job is left blank; give "
         "the full date or the band"),
    ):  # fmt: skip
        if mask.any():
            out.findings.append(LastWorkedFinding(mask, expected, message))
    out.filled = int((ok | never).sum())
    return out


def _bands(years: pl.Series) -> pl.Series:
    """The band of each whole number of years (null stays null)."""
    expr = pl.when(pl.col("y").is_null()).then(pl.lit(None, dtype=pl.Utf8))
    for edge, code in BAND_EDGES:
        expr = expr.when(pl.col("y") < edge).then(pl.lit(code))
    return years.to_frame("y").select(expr.otherwise(pl.lit(TOP_BAND)).alias("band")).to_series()
