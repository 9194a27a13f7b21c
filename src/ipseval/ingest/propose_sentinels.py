"""Sentinel dates, for the mapping assistant: a day no event has, written where a date is unknown
or has not come yet.

Warehouses cannot leave a date blank, so they write a "high date" for an end not yet reached
('31-DEC-9999', '99991231', '9999-12-31': still in post, still in the job) and a "low date" for a
date nobody knows ('01-JAN-1900', '1900-01-01': a record migrated from an older system). Both are
proposed as "" (blank): in an end date whose blank means still open that is sure; elsewhere it is
to check (the blank then means not recorded).
"""

from __future__ import annotations

import re

from ipseval.ingest.propose_codes import BLANK, CodeGuess
from ipseval.schema import Column

HIGH_YEAR = 9000  # a year this late is no event's: a date not yet reached
LOW_DAYS = ("1900-01-01", "1899-12-31", "1899-12-30", "0001-01-01", "1753-01-01")
OPEN_SURE, UNKNOWN_SURE = 0.9, 0.6
# A birth date of 1900 is left for validate to report (an impossible age), not read as unknown.
NOT_SENTINEL = ("date_of_birth",)
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DMY = re.compile(r"^(\d{1,2})[-/. ]([A-Za-z]{3}|\d{1,2})[-/. ](\d{4})")


def _day(value: str) -> str | None:
    """The value as YYYY-MM-DD when it is written with a four-digit year (any time dropped)."""
    v = value.strip()
    if m := _COMPACT.match(v) or _ISO.match(v):
        y, mo, d = m.groups()
    elif m := _DMY.match(v):
        d, mo, y = m.groups()
        if not mo.isdigit():
            if mo.lower() not in _MONTHS:
                return None
            mo = str(_MONTHS.index(mo.lower()) + 1)
    else:
        return None
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


def date_sentinel(value: str, rows: int, column: Column, open_ended: tuple[str, ...]) -> CodeGuess | None:
    """A high or low sentinel date proposed as blank (see the module docstring); None otherwise.
    ``open_ended``: the standard date columns whose blank means still open."""
    if column.type != "date" or column.name in NOT_SENTINEL or (day := _day(value)) is None:
        return None
    if int(day[:4]) >= HIGH_YEAR:
        if column.name in open_ended:
            how = f"a 'high date' ({day}) for an end not reached: left blank, which the standard reads as still open"
            return CodeGuess(value, rows, BLANK, OPEN_SURE, how)
        how = f"a 'high date' ({day}), no event's day: left blank (not recorded)"
        return CodeGuess(value, rows, BLANK, UNKNOWN_SURE, how)
    if day in LOW_DAYS:
        how = f"a 'low date' ({day}) a system writes for a date nobody knows: left blank (not recorded)"
        return CodeGuess(value, rows, BLANK, UNKNOWN_SURE, how)
    return None
