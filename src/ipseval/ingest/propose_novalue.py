"""Words in date and number columns, for the mapping assistant: 'Open', 'Ongoing', 'Not known', '-'
or 'varies' where a date or a number should be, and codes such as 999 for "not recorded".

Each distinct value of a date or number column that validate would not read is proposed with the
whole value it should be read as, under ``[mapping.codes.<table>.<column>]``:

- a word meaning still open ('Open', 'Ongoing', 'Current', 'Still in post') in an end date whose
  blank means still open (discharge_date, end_date): "" (blank), sure;
- a word meaning not recorded ('Not known', 'N/K', 'TBC', 'NR', 'None', '-'): "" (blank), sure
  (marked CHECK in a required column, where a blank is still a problem);
- a word for hours that vary ('varies', 'zero hours', 'flexible') in hours_per_week: "" (blank), and
  0 hours (a zero-hours contract: its hours are not known) to check;
- 'Full time' in fte: 1;
- a code for not recorded in a number column (999, 99, -1): "" (blank) when it lies outside the
  standard's range for the column, sure when it repeats, marked CHECK when it occurs once;
- a still-open word in another date column, or a word meaning never ('Not engaged') in a date
  whose blank means never: "" (blank), marked CHECK;
- anything else ('31/11/2023', 'sixteen'): no proposal, listed for a person to fix or map.

Values validate reads as they are ('16 hrs', '6/10' on a 0 to 10 scale, '23-Jan-20') are listed
as read, with what they read as; nothing is proposed silently.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest.decimal_commas import dotted
from ipseval.ingest.mapping import norm_name
from ipseval.ingest.propose_codes import BLANK, CodeGuess, fold, means_not_recorded
from ipseval.ingest.propose_read import SERIAL_RANGE
from ipseval.ingest.propose_sentinels import date_sentinel
from ipseval.schema import Column
from ipseval.validate_dates import read_dates, why_not_a_date
from ipseval.validate_last_worked import LAST_WORKED, NEVER_WORKED, month_span
from ipseval.validate_numbers import FORMS, NUMBER, NumberForms, number_in_text, sentinel_hint, why_not
from ipseval.validate_years import Century

if TYPE_CHECKING:
    from ipseval.ingest.propose_values import Evidence

STILL_OPEN = (
    "open | ongoing | on going | current | currently | current job | still open | still in work | "
    "still employed | still working | still in post | in post | in work | active | continuing | "
    "continues | present | to date | to present | live | not ended | not closed | not yet | no end date | "
    "none yet | still on caseload | on caseload | not discharged | still engaged | still supported"
)
NOT_RECORDED_MORE = (
    "not applicable | na | nr | n r | none | nil | tba | pending | no date | not set | unk | unkn | "
    "not entered | no data | no info | no information"
)
NEVER = "never | no | not engaged | never engaged | not started | never started | did not engage | no job"
VARIES = (
    "varies | variable | various | vary | flexible | flexi | zero hours | zero hour | zero hrs | 0 hours "
    "contract | ad hoc | as needed | casual | irregular | sessional | bank"
)
FULL_TIME = "full time | fulltime | ft | whole time | full"
# Standard date columns whose blank means still open, and those whose blank means it never happened.
OPEN_ENDED = ("discharge_date", "end_date", "follow_up_end")
BLANK_MEANS_NEVER = ("engagement_date", "job_start_date")
SENTINEL_SURE = 0.85  # a 999 that repeats; once it is marked CHECK
DECIMAL_COMMA_SURE = 0.85  # '37,5' hours in a file that does not read decimal commas: 37.5
_COMMA_READ = "a decimal comma, read as it is (the file's columns are not separated by commas)"
MAX_LISTED = 10  # unread values listed for a person, per column


@cache
def _words(text: str) -> frozenset[str]:
    return frozenset(fold(p) for p in text.split("|"))


def no_value_word(value: str) -> str | None:
    """What a word standing where a date or number should be means: 'open' (still open), 'not
    recorded', 'varies' (hours that vary), or None when it is none of these."""
    folded = fold(value)
    if not folded or means_not_recorded(value) or folded in _words(NOT_RECORDED_MORE):
        return "not recorded"  # 'Not known', 'TBC', or only punctuation ('-', '--', '?')
    if folded in _words(STILL_OPEN):
        return "open"
    if folded in _words(VARIES):
        return "varies"
    return None


def value_guesses(
    column: Column, top: Iterable[tuple[str, int]], serials: bool = False, commas: bool = False
) -> list[CodeGuess]:
    """A guess for each distinct value (``top``: value, cells) of a date or number column that
    validate does not read as it is, and for each it reads only with a unit or qualifier (said, not
    proposed); ``serials``: the column holds workbook numbers in the range of date serials;
    ``commas``: the reader reads decimal commas in the file (ingest.decimal_commas), which are then
    said, else proposed as the number with a point."""
    if column.type not in ("date", "integer", "number"):
        return []
    top = list(top)
    values = [v for v, _ in top]
    read = _dates_read(values, serials) if column.type == "date" else _numbers_read(values, column, commas)
    if column.name == LAST_WORKED:  # a month, a year or 'Never' is read too (validate_last_worked)
        read |= {v: v for v in values if month_span(v, Century()) or re.match(NEVER_WORKED, v)}
    out: list[CodeGuess] = []
    listed = 0
    for value, rows in top:
        if (sentinel := date_sentinel(value, rows, column, OPEN_ENDED)) is not None:
            out.append(sentinel)  # '31-DEC-9999', '01-JAN-1900': read or not, no event's day
            continue
        as_read = read.get(value)
        if as_read is not None:
            if as_read != value:  # read with a unit or a qualifier: said as read
                how = "read as it is" if dotted(value) != as_read else _COMMA_READ
                out.append(CodeGuess(value, rows, as_read, 1.0, how, as_is=True))
            sentinel = _sentinel(value, rows, column) or _zero_hours(as_read, value, rows, column)
            if sentinel is not None:
                out.append(sentinel)
            continue
        guess = _word_guess(value, rows, column)
        if guess.code is None:
            listed += 1
            if listed > MAX_LISTED:
                continue
        out.append(guess)
    return out


def item_value_guesses(column: Column, items: list[Evidence]) -> list[CodeGuess]:
    """The guesses for the cells of a wide file's item columns (one column per TOP measure): their
    values taken together, proposed for the standard column the cells give (``column``: score)."""
    cells: Counter[str] = Counter()
    first: dict[str, str] = {}
    for ev in items:
        for value, k in ev.top:
            key = norm_name(value)
            cells[key] += k
            first.setdefault(key, value)
    # a cell left blank is no row (ingest.wide), so the column being required does not matter
    guesses = value_guesses(replace(column, required=False), [(first[k], n) for k, n in cells.most_common()])
    return [g for g in guesses if g.code is not None and not g.as_is]


def _word_guess(value: str, rows: int, column: Column) -> CodeGuess:
    kind = no_value_word(value)
    folded = fold(value)
    what = "date" if column.type == "date" else "number"
    if kind == "open" and column.name in OPEN_ENDED:
        how = f"means still open: left blank, which the standard reads as still open ({column.meaning})"
        return CodeGuess(value, rows, BLANK, 0.95, how)
    if kind == "not recorded" and column.required:  # still a problem once blank: said, to check
        how = f"means not recorded: left blank, but {column.name} is required, so its rows stay rejected"
        return CodeGuess(value, rows, BLANK, 0.6, how)
    if kind == "not recorded":
        return CodeGuess(value, rows, BLANK, 0.9, f"means not recorded: left blank (no {what})")
    if kind == "varies" and column.name == "hours_per_week":
        return CodeGuess(value, rows, BLANK, 0.85, "hours that vary: left blank (no one number of hours)")
    if what == "number" and (point := dotted(value)) is not None:  # a comma-separated file or a sheet
        how = f"a decimal comma: read as {point} (validate reads a decimal point only, here)"
        return CodeGuess(value, rows, point, DECIMAL_COMMA_SURE, how)
    if column.name == "score" and (point := answer_point(value)) is not None:
        return CodeGuess(value, rows, point[0], 0.85, point[1])
    if column.name == "fte" and folded in _words(FULL_TIME):
        return CodeGuess(value, rows, "1", 0.85, "full time is 1 FTE")
    if column.name in BLANK_MEANS_NEVER and folded in _words(NEVER):
        return CodeGuess(
            value, rows, BLANK, 0.6, f"seems to mean it never happened: left blank ({column.meaning})"
        )
    if kind is not None:
        how = f"seems to mean {kind}, but blank in {column.name} means: {column.meaning or 'not recorded'}"
        return CodeGuess(value, rows, BLANK, 0.5, how)
    if column.type == "date":
        return CodeGuess(value, rows, None, 0.0, why_not_a_date(value, "dmy"))
    return CodeGuess(value, rows, None, 0.0, why_not(value, "not a number", column, ""))


def _sentinel(value: str, rows: int, column: Column) -> CodeGuess | None:
    """A code for not recorded (999, -1) outside the column's range: proposed as blank."""
    if column.type == "date" or not sentinel_hint(value, "", column.name):
        return None
    x = float(value)
    inside = (column.minimum is None or x >= column.minimum) and (
        column.maximum is None or x <= column.maximum
    )
    if inside:
        return None
    confidence = SENTINEL_SURE if rows > 1 else 0.6
    how = f"{value} lies outside {column.expected} and is a usual code for not recorded: left blank"
    return CodeGuess(value, rows, BLANK, confidence, how + ("" if rows > 1 else "; it occurs once"))


ZERO_HOURS_SURE = 0.6  # a job's 0 hours read as a zero-hours contract: to check


def _zero_hours(as_read: str, value: str, rows: int, column: Column) -> CodeGuess | None:
    """A job of 0 hours a week (``as_read``: the number ``value`` is read as): a zero-hours
    contract, whose hours are not known, proposed blank."""
    if column.name != "hours_per_week" or as_read.strip() not in ("0", "0.0"):
        return None
    how = "0 hours: a zero-hours contract, whose hours are not known: left blank (check no job here has none)"
    return CodeGuess(value, rows, BLANK, ZERO_HOURS_SURE, how)


def _dates_read(values: list[str], serials: bool) -> dict[str, str]:
    """value -> itself for the values validate reads as a date in some order of day and month (and
    workbook number cells in the range of date serial numbers, read as dates in a date column)."""
    low, high = SERIAL_RANGE
    out = {v: v for v in values if serials and v.isdigit() and low <= int(v) <= high}
    values = [v for v in values if v not in out]
    s = pl.Series(values, dtype=pl.Utf8)
    read = pl.repeat(False, len(values), dtype=pl.Boolean, eager=True)
    for order in ("dmy", "mdy", "ymd"):
        read = read | read_dates(s, order, "date", century=Century()).dates.is_not_null()
    return out | {v: v for v, ok in zip(values, read.to_list(), strict=True) if ok}


def _numbers_read(values: list[str], column: Column, commas: bool = False) -> dict[str, str]:
    """value -> the number validate reads it as (as written when plain, else as the number);
    ``commas``: decimal commas are read (a file separated by semicolons, ingest.decimal_commas)."""
    forms = FORMS.get(column.name, NumberForms())
    out: dict[str, str] = {}
    for v in values:
        if re.fullmatch(NUMBER, v.strip()):
            out[v] = v
            continue
        if commas and (point := dotted(v)) is not None:
            out[v] = point
            continue
        x = number_in_text(v, forms, column.maximum)
        if x is not None:
            out[v] = str(int(x)) if x.is_integer() else str(x)
    return out


# Answers of the Warwick-Edinburgh scales (WEMWBS, SWEMWBS), written as words by some systems, in
# English and Welsh: each the number it is scored as.
ANSWER_WORDS = {
    "1": "none of the time | dim o gwbl | byth | dim o'r amser",
    "2": "rarely | anaml",
    "3": "some of the time | peth o'r amser | weithiau",
    "4": "often | yn aml",
    "5": "all of the time | drwy'r amser | trwy'r amser | bob amser",
}


def answer_point(value: str) -> tuple[str, str] | None:
    """(the score, why) of a wellbeing answer written as a word of the WEMWBS scale."""
    folded = fold(value)
    for point, words in ANSWER_WORDS.items():
        if folded in {fold(w) for w in words.split("|")}:
            return (
                point,
                f"the WEMWBS answer scale: 1 none of the time ... 5 all of the time ('{value}' is {point})",
            )
    return None
