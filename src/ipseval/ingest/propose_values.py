"""What a column's values look like, as evidence for the mapping assistant: dates (and the order of
day and month in them), whole numbers and their range, yes/no values, a few repeated labels (codes)
or free text; and how well that fits a standard column. Blank words (NULL, N/A...) are read as
blank, as validate reads them. Words that stand for no value ('Open', 'Not known', '-', 'varies')
are counted apart, so a column of dates and 'Open' is still a date column (propose_novalue proposes
what to read them as); numbers written with a unit or against the top of a scale ('16 hrs',
'approx 24', '6/10') or with a decimal comma ('37,5') count as numbers, and dates with a two-digit
year ('23-Jan-20') as dates.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from ipseval.ingest.decimal_commas import dotted
from ipseval.ingest.propose_codes import guess_codes, tick_column
from ipseval.ingest.propose_novalue import no_value_word
from ipseval.ingest.propose_read import LocalColumn
from ipseval.schema import BOOL_FALSE, BOOL_TRUE, Column
from ipseval.validate import NULL_WORDS
from ipseval.validate_compact_dates import COMPACT, is_sentinel
from ipseval.validate_dates import DAY_MONTH_NAME, MONTH_NAME_DAY, MONTH_WORDS
from ipseval.validate_last_worked import LAST_WORKED, NEVER_WORKED, month_span
from ipseval.validate_numbers import number_in_any_column
from ipseval.validate_years import TWO_DIGIT_YEAR, Century

_TIME = re.compile(
    r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm]|Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE
)  # values come lower-cased
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_COMPACT = re.compile(r"^(19\d\d|20\d\d|9999)(0[1-9]|1[0-2])([0-3]\d)$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_SERIALS = (36526, 54789)  # Excel's day numbers of 1 January 2000 and 31 December 2049
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
CODE_MAX_DISTINCT = 30  # at most this many different labels (and repeated) to be a list of codes


@dataclass(frozen=True)
class DateOrder:
    """How the dates written as a/b/yyyy in a column read: a first part above 12 is only a day."""

    day_first: int = 0  # first part above 12: only day/month/year reads them
    month_first: int = 0  # second part above 12: only month/day/year reads them
    either: int = 0  # both parts 12 or less
    year_first: int = 0  # yyyy/mm/dd
    example: str = ""  # a value that settles it

    @property
    def order(self) -> str | None:
        """'dmy', 'mdy', 'ymd', 'mixed' (both orders seen), 'either' (nothing settles it) or None."""
        if self.day_first and self.month_first:
            return "mixed"
        if self.day_first:
            return "dmy"
        if self.month_first:
            return "mdy"
        if self.year_first:
            return "ymd"
        return "either" if self.either else None


@dataclass(frozen=True)
class Evidence:
    """Counts over a column's non-blank values."""

    n: int  # values (blank words left out)
    distinct: int
    blank_words: int  # cells holding NULL, N/A...: read as blank
    iso_dates: int
    text_dates: int  # dd/mm/yyyy, mm/dd/yyyy, yyyy/mm/dd or a month written as a word
    date_cells: int  # Excel date cells
    serials: int  # Excel numbers in the date serial range
    order: DateOrder
    integers: int
    numbers: int
    low: float | None
    high: float | None
    yes_no: int  # values validate reads as yes/no as they are
    top: tuple[tuple[str, int], ...]  # distinct values (first spelling) with their counts, commonest first
    no_value: int = 0  # words standing for no value ('Open', 'Not known', '-'): not counted in shares
    no_value_top: tuple[tuple[str, int], ...] = ()  # those words with their counts, commonest first
    two_digit_years: tuple[tuple[str, int], ...] = ()  # dates written with a two-digit year, with counts

    @property
    def dates(self) -> int:
        """Values that are dates; Excel serial numbers count only beside other dates."""
        seen = self.iso_dates + self.text_dates + self.date_cells
        return seen + (self.serials if seen else 0)

    def share(self, count: int) -> float:
        """``count`` as a share of the values that are not words for no value."""
        of = self.n - self.no_value if self.n > self.no_value else self.n
        return count / of if of else 0.0

    @property
    def kind(self) -> str:
        """'empty', 'date', 'yes/no', 'integer', 'number', 'code' or 'text'."""
        if not self.n:
            return "empty"
        if self.share(self.dates) >= 0.8:
            return "date"
        if self.share(self.yes_no) >= 0.9:
            return "yes/no"
        if self.share(self.integers) >= 0.9:
            return "integer"
        if self.share(self.numbers) >= 0.9:
            return "number"
        if self.distinct <= CODE_MAX_DISTINCT and self.distinct <= max(2, self.n // 2):
            return "code"
        return "text"

    def describe(self) -> str:
        """The evidence in a few plain words, for a comment beside the proposal."""
        if not self.n:
            return "no values"
        kind = self.kind
        if kind == "date":
            parts = [f"{k} {w}" for k, w in ((self.iso_dates, "ISO"), (self.text_dates, "text")) if k]
            parts += [
                f"{k} {w}"
                for k, w in ((self.date_cells, "Excel date cells"), (self.serials, "Excel date numbers"))
                if k
            ]
            return "dates (" + ", ".join(parts) + ")"
        if kind in ("integer", "number"):
            low, high = _fmt(self.low), _fmt(self.high)
            return f"{'whole numbers' if kind == 'integer' else 'numbers'} {low} to {high}"
        if kind in ("yes/no", "code"):
            return f"{self.distinct} distinct value{'s' if self.distinct != 1 else ''}"
        if self.distinct == self.n:
            return "text, every value different"
        return f"text, {self.distinct} distinct values"


def column_evidence(col: LocalColumn) -> Evidence:
    """Count what the column's values look like."""
    values = [v for v in col.values if v not in NULL_WORDS]
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for v in values:
        key = v.strip().lower()
        counts[key] += 1
        first.setdefault(key, v)
    iso = text = integers = numbers = yes_no = no_value = 0
    words: list[tuple[str, int]] = []
    two_digit: list[tuple[str, int]] = []
    orders = Counter()
    example = ""
    nums: list[float] = []
    for key, k in counts.items():
        how = date_form(key)
        if how == "iso":
            iso += k
        elif how is not None:
            text += k
            orders[how] += k
            if TWO_DIGIT_YEAR.match(_TIME.sub("", key)):
                two_digit.append((first[key], k))
            if how in ("dmy", "mdy") and not example:
                example = first[key]
        x = float(key) if _NUMBER.match(key) else _other_number(key)
        if x is not None:
            numbers += k
            nums.append(x)
            integers += k if x.is_integer() else 0
        elif how is None and no_value_word(key) is not None:
            no_value += k
            words.append((first[key], k))
        if key in BOOL_TRUE or key in BOOL_FALSE:
            yes_no += k
    serials = col.serial_cells
    if (
        not serials
        and nums
        and integers == len(values)
        and _SERIALS[0] <= min(nums) <= max(nums) <= _SERIALS[1]
    ):
        serials = integers  # a CSV column of whole numbers that are all Excel dates of 2000 to 2050
    order = DateOrder(orders["dmy"], orders["mdy"], orders["either"], orders["ymd"], example)
    top = tuple((first[key], k) for key, k in counts.most_common())
    cells = min(col.date_cells, iso)  # Excel date cells were written as ISO text
    return Evidence(
        n=len(values),
        distinct=len(counts),
        blank_words=len(col.values) - len(values),
        iso_dates=iso - cells,
        text_dates=text,
        date_cells=cells,
        serials=serials,
        order=order,
        integers=integers,
        numbers=numbers,
        low=min(nums) if nums else None,
        high=max(nums) if nums else None,
        yes_no=yes_no,
        top=top,
        no_value=no_value,
        no_value_top=tuple(sorted(words, key=lambda w: -w[1])),
        two_digit_years=tuple(two_digit),
    )


_THOUSANDS_WRITTEN = re.compile(r"^\d{1,3}(?:,\d{3})+$")  # '182,400' people: validate reads a count so


def _other_number(key: str) -> float | None:
    """The number a value holds that is not written plainly: thousands separated by commas, a
    decimal comma ('37,5' hours: map proposes how it is read), a unit or a qualifier ('16 hrs')."""
    if _THOUSANDS_WRITTEN.match(key):
        return float(key.replace(",", ""))
    if (point := dotted(key)) is not None:
        return float(point)
    return number_in_any_column(key)


def value_fit(column: Column, ev: Evidence) -> float:
    """How well a column's values fit a standard column's type (0 to 1)."""
    kind = ev.kind
    if kind == "empty":
        return 0.7
    if column.name == LAST_WORKED:  # dates, months, years or 'Never' (validate_last_worked)
        return _last_worked_fit(ev)
    if column.type == "date":
        return 1.0 if kind == "date" else 0.8 if ev.serials >= 0.9 * ev.n else 0.1
    if column.type in ("integer", "number"):
        if ev.share(ev.numbers) < 0.9:
            return 0.1
        if column.type == "integer" and ev.integers < ev.numbers:
            return 0.5
        low_ok = column.minimum is None or ev.low >= column.minimum
        return 1.0 if low_ok and (column.maximum is None or ev.high <= column.maximum) else 0.5
    if column.type == "bool" and tick_column(ev.top):
        return 1.0
    if column.type in ("code", "bool"):
        if kind == "yes/no":
            return 1.0 if column.type == "bool" else 0.2
        if kind in ("date", "number") or (kind == "integer" and column.type == "code"):
            return 0.1
        if ev.distinct > CODE_MAX_DISTINCT:  # free text, not a list of codes
            return 0.2
        guesses = guess_codes(list(ev.top), column)
        good = sum(g.rows for g in guesses if g.code is not None and g.confidence >= 0.7)
        return 0.2 + 0.8 * good / ev.n
    return 0.3 if kind == "date" or ev.serials >= 0.9 * ev.n else 1.0


def _last_worked_fit(ev: Evidence) -> float:
    """The share of the commonest values that a date last worked may hold, as a fit of 0.1 to 1."""
    if ev.serials >= 0.9 * ev.n:
        return 0.8
    century = Century()
    shown = sum(k for _v, k in ev.top) or 1
    fits = sum(
        k
        for v, k in ev.top
        if date_form(v) or month_span(v, century) or re.match(NEVER_WORKED, v) or no_value_word(v)
    )
    return 0.1 + 0.9 * fits / shown


def date_form(value: str) -> str | None:
    """How a value is written if it is a date: 'iso', 'dmy', 'mdy', 'either', 'ymd', 'named', else None."""
    v = _TIME.sub("", value.strip())
    m = _ISO.match(v)
    if m:
        return "iso" if _exists(*m.groups()) else None
    m = _NUMERIC.match(v)
    if m:
        a, b, y = m.groups()
        y = str(Century().full_year(int(y))) if len(y) == 2 else y
        dmy, mdy = _exists(y, b, a), _exists(y, a, b)
        if dmy and mdy:
            return "either"
        return "dmy" if dmy else "mdy" if mdy else None
    m = _YEAR_FIRST.match(v)
    if m:
        return "ymd" if _exists(*m.groups()) else None
    m = _COMPACT.match(v)  # a warehouse's yyyymmdd ('20210522'; '99991231' for not yet ended)
    if m:
        return "ymd" if _exists(*m.groups()) else None
    for pattern, (d, w, y) in ((DAY_MONTH_NAME, (1, 2, 3)), (MONTH_NAME_DAY, (2, 1, 3))):
        m = re.match(pattern, v)
        if m and m.group(w).lower() in MONTH_WORDS:
            year = m.group(y) if len(m.group(y)) == 4 else str(Century().full_year(int(m.group(y))))
            return "named" if _exists(year, MONTH_WORDS[m.group(w).lower()], m.group(d)) else None
    if re.match(COMPACT, v) or is_sentinel(v):  # yyyymmdd as warehouses write it, 99991231 'not ended'
        return "ymd"
    return None


def _exists(year: str, month: str, day: str) -> bool:
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
