"""Two-digit years ('23-Jan-20', '05/03/68', '1.2.19'): which century, by ``input.two_digit_years``.

"auto" (the default) reads the service's own dates (referrals, meetings, jobs, assessments) as
20yy, and a date of birth by a sliding window on the year of the run: 20yy unless 20yy is after
the current year, then 19yy. Run in 2025, '20' is 2020 and a birth year '68' is 1968, while a
referral keyed '52' is 2052, named as after the data cut (a trial read it as 1952 unremarked). The window
follows the year of the run rather than the data cut on purpose: a date mis-keyed a few years
ahead then stays in the future, where it is named as a problem (after the data cut), instead of
going back a century unnoticed. "2000s" reads every yy as 20yy, "1900s" as 19yy; "refuse" reads
none, each such date a problem saying to write the year in full.

Every column where dates with a two-digit year were read gets one warning: how many, under which
rule, with an example of each century used.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

import polars as pl

RULES = ("auto", "2000s", "1900s", "refuse")
# A date whose year has two digits, after the day and month (a time of day already set aside).
TWO_DIGIT_YEAR = re.compile(r"^\d{1,2}[/.\- ](\d{1,2}|[A-Za-z]{3,9})[/.\- ]\d{2}$")
SETTING = "input.two_digit_years"


def _this_year() -> int:
    return date.today().year


@dataclass(frozen=True)
class Century:
    """The rule for two-digit years (one of :data:`RULES`) and the year of the run it slides on."""

    rule: str = "auto"
    this_year: int = field(default_factory=_this_year)
    events: bool = False  # the column dates events of the service (not a birth): "auto" reads 20yy

    def for_column(self, column: str) -> Century:
        """The rule for ``column``: under "auto", an event's date (a referral, a meeting, a job) is
        of this century, so '52' is 2052 and named as after the data cut, not read as 1952."""
        return Century(self.rule, self.this_year, events=column != "date_of_birth")

    @property
    def reads(self) -> bool:
        """Whether dates with a two-digit year are read at all."""
        return self.rule != "refuse"

    def full_year(self, yy: int) -> int:
        """The four-digit year of the two-digit year ``yy`` (0 to 99)."""
        if self.rule == "1900s":
            return 1900 + yy
        if self.rule == "2000s" or self.events or 2000 + yy <= self.this_year:
            return 2000 + yy
        return 1900 + yy

    def years(self, year: pl.Series) -> pl.Series:
        """``year`` (text) with each two-digit year written in full; null where the rule reads none."""
        two = year.str.len_chars() == 2
        if not two.any():
            return year
        short = year.filter(two.fill_null(False)).unique().drop_nulls().to_list()
        full = {y: str(self.full_year(int(y))) if self.reads else None for y in short}
        expanded = year.replace_strict(full, default=None, return_dtype=pl.Utf8)
        return (
            pl.DataFrame({"y": year, "f": expanded, "t": two})
            .select(pl.when(pl.col("t")).then(pl.col("f")).otherwise(pl.col("y")))
            .to_series()
        )

    def words(self) -> str:
        """The rule in plain words, naming the setting."""
        said = f'{SETTING} = "{self.rule}"'
        if self.rule == "2000s":
            return f"{said}: every yy as 20yy"
        if self.rule == "1900s":
            return f"{said}: every yy as 19yy"
        if self.events:
            return f"{said}: every yy as 20yy in the service's own dates (a birth date slides to 19yy)"
        last, after = self.this_year % 100, (self.this_year + 1) % 100
        return (
            f"{said}: 20yy unless that is after this year ({self.this_year}), else 19yy "
            f"('{last:02d}' is {self.this_year}, '{after:02d}' is 19{after:02d})"
        )


def two_digit_note(
    texts: pl.Series, dates: pl.Series, century: Century, weights: pl.Series | None = None
) -> tuple[str, str] | None:
    """(value, message) of the warning for a column whose dates ``texts`` (as written, two-digit
    years only) were read as ``dates``; None when there were none. ``weights``: rows per text."""
    w = weights if weights is not None else pl.repeat(1, texts.len(), dtype=pl.Int64, eager=True)
    pairs = pl.DataFrame({"t": texts, "d": dates, "w": w}).drop_nulls()
    if not pairs.height:
        return None
    examples: dict[int, tuple[str, date]] = {}
    for text, day, _ in pairs.unique("t", keep="first", maintain_order=True).iter_rows():
        examples.setdefault(day.year // 100, (text, day))
    shown = [
        f"'{t}' as {d.day} {calendar.month_name[d.month]} {d.year}" for _, (t, d) in sorted(examples.items())
    ]
    n = int(pairs["w"].sum())
    message = (
        f"{n:,} date{'s' if n != 1 else ''} written with a two-digit year "
        f"{'were' if n != 1 else 'was'} read under {century.words()}: e.g. {' and '.join(shown)}; "
        f'if a century is wrong, set {SETTING} ("2000s", "1900s") or write the years in full'
    )
    return ", ".join(t for t, _ in examples.values()), message
