"""Age at referral from a date of birth: exports often hold the date, the standard holds the age.

The date of birth (an input column of clients, see schema.DATE_OF_BIRTH) is read with the same date
rules and ``[input] date_order`` as every other date, gives the whole years completed between it and
the referral date (as Excel's DATEDIF(birth, referral, "y")), and is then dropped: it identifies a
person, so it is never stored, and no problem about it repeats it (the row and column find the cell).
It only fills ages that are blank, so it is judged only on those rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ipseval.schema import Column
from ipseval.validate_dates import read_dates
from ipseval.validate_years import Century

BIRTH = "date_of_birth"
# What a problem about a date of birth shows as its value: never the date itself.
NOT_SHOWN = "(date of birth, not shown)"
_UNREADABLE = {
    "error": "the date of birth is not a readable date (not shown here: it identifies a person; see the "
    "cell in the file)",
    "warning": "the date of birth could be read with day and month either way round; it was read as "
    "day/month/year (check [input] date_order)",
}


@dataclass
class AgeFinding:
    """A problem on the rows of ``mask``, about ``column``; the value shown is ``value`` (one per row)
    or :data:`NOT_SHOWN`."""

    mask: pl.Series
    column: str
    expected: str
    message: str
    value: pl.Series | None = None
    severity: str = "error"


@dataclass
class AgesFromBirth:
    ages: pl.Series  # Int64: age at referral where worked out, else null
    findings: list[AgeFinding] = field(default_factory=list)
    filled: int = 0  # how many blank ages the dates of birth filled
    years_note: str = ""  # dates of birth written with a two-digit year: how they were read (none shown)


def whole_years(born: pl.Series, on: pl.Series) -> pl.Series:
    """Whole years completed from ``born`` to ``on`` (Excel DATEDIF "y"): a birthday counts from the
    day itself, one on 29 February from 1 March in other years. Null where either date is."""
    b, o = pl.col("b"), pl.col("o")

    def month_day(d: pl.Expr) -> pl.Expr:
        return d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)

    years = o.dt.year().cast(pl.Int64) - b.dt.year().cast(pl.Int64)
    before_birthday = (month_day(o) < month_day(b)).cast(pl.Int64)
    return pl.DataFrame({"b": born, "o": on}).select((years - before_birthday).alias("age")).to_series()


def ages_from_birth(
    birth: pl.Series,
    referral: pl.Series,
    need: pl.Series,
    order: str,
    age: Column,
    century: Century | None = None,
) -> AgesFromBirth:
    """Ages at referral worked out from ``birth`` (text dates) on the rows of ``need`` (age blank),
    with a problem for each date of birth that is unreadable, after the referral date, or gives an
    age outside the standard's range for ``age``; ``century`` reads two-digit years."""
    need = need.fill_null(False)
    century = century or Century()
    found = read_dates(birth, order, BIRTH, century=century)
    out = AgesFromBirth(pl.Series("age", [None] * len(birth), dtype=pl.Int64))
    n = int((found.two_digit & need).sum()) if found.two_digit is not None else 0
    if n:  # said without the dates themselves: they identify people
        out.years_note = (
            f"{n} date{'s' if n != 1 else ''} of birth written with a two-digit year "
            f"{'were' if n != 1 else 'was'} read under {century.words()} (not shown: they identify "
            "people); the ages they give are checked against the standard's range"
        )
    for f in found.findings:
        mask = f.mask.fill_null(False) & need
        out.findings.append(
            AgeFinding(mask, BIRTH, found.expected, _UNREADABLE[f.severity], severity=f.severity)
        )
    born = found.dates
    usable = need & born.is_not_null() & referral.is_not_null()
    after = usable & (born > referral)
    out.findings.append(
        AgeFinding(
            after, BIRTH, "a date of birth before referral_date", "the date of birth is after referral_date"
        )
    )
    years = whole_years(born, referral)
    usable = usable & ~after
    for bad, limit, words in (
        (years < (age.minimum if age.minimum is not None else -1), age.minimum, "below the minimum"),
        (years > (age.maximum if age.maximum is not None else 10**6), age.maximum, "above the maximum"),
    ):
        bad = usable & bad.fill_null(False)
        message = f"the date of birth gives an age at referral {words} of {limit:g}"
        # the cell's date is not shown (it identifies a person): the age it gives is, said as such
        shown = years.to_frame("y").select(pl.format("age {} ({})", "y", pl.lit(NOT_SHOWN[1:-1]))).to_series()
        out.findings.append(AgeFinding(bad, BIRTH, age.expected + " (age at referral)", message, value=shown))
        usable = usable & ~bad
    out.ages = (
        pl.DataFrame({"y": years, "ok": usable}).select(pl.when("ok").then("y")).to_series().alias("age")
    )
    out.filled = int(usable.sum())
    return out
