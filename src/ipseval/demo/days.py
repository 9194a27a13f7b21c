"""Calendar of the demo as integer day numbers: data cut, service launch, lockdown and remote periods.

Generating dates as days since 1970-01-01 keeps every table a vectorised numpy array until written."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

DATA_CUT = date(2022, 3, 31)
SERVICE_START = date(2019, 1, 1)


_EPOCH = date(1970, 1, 1)
_BASE = date(2018, 1, 1)  # earliest date any generated table can hold (staff start before launch)


def _d(d: date) -> int:
    return (d - _EPOCH).days


CUT = _d(DATA_CUT)
START = _d(SERVICE_START)
BASE = _d(_BASE)
_LOCKDOWN = (_d(date(2020, 3, 23)), _d(date(2020, 7, 4)))  # first national lockdown
_REMOTE = (_d(date(2020, 3, 23)), _d(date(2021, 7, 19)))  # mostly remote working
_NO_CHANGE = 10**6  # a day number beyond any date used


def _weekday(days: np.ndarray) -> np.ndarray:
    return (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0


def _back_to_weekday(days: np.ndarray) -> np.ndarray:
    """Move Saturday and Sunday back to the Friday before."""
    wd = _weekday(days)
    return days - np.where(wd >= 5, wd - 4, 0)


def _iso(day: int) -> str:
    return (_EPOCH + timedelta(days=int(day))).isoformat()


def _uk(day: int) -> str:
    return (_EPOCH + timedelta(days=int(day))).strftime("%d/%m/%Y")


def _ymd(day: int) -> tuple[int, int, int]:
    d = _EPOCH + timedelta(days=int(day))
    return d.year, d.month, d.day
