"""How protected values are written in the report: the last step, after all selection.

Every function takes a value as it comes out of :meth:`ProtectedTable.rows` — a number, ``None``
(missing or not applicable, shown as "–") or :data:`HIDDEN` (withheld by disclosure control, shown
as "*") — and returns text. They are registered as Jinja filters by :func:`register`, and the
table and chart renderers use the same functions, so a value reads the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from jinja2 import Environment

HIDDEN = "*"
MISSING = "–"
DAYS_PER_MONTH = 365.25 / 12

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def is_hidden(v: Any) -> bool:
    return isinstance(v, str) and v == HIDDEN


def is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _special(*values: Any) -> str | None:
    """'*' if any value is hidden, '–' if any is missing, '' for a deliberately blank cell (e.g. a
    term's heading row), else None (format normally)."""
    if values and all(isinstance(v, str) and v == "" for v in values):
        return ""
    if any(is_hidden(v) for v in values):
        return HIDDEN
    if any(is_missing(v) for v in values):
        return MISSING
    return None


def count(v: Any) -> str:
    """1234 -> '1,234'."""
    s = _special(v)
    return s if s is not None else f"{round(float(v)):,}"


def number(v: Any, dp: int = 1) -> str:
    """5.25 -> '5.3' (thousands separated)."""
    s = _special(v)
    return s if s is not None else f"{float(v):,.{dp}f}"


def pct(v: Any, dp: int = 1) -> str:
    """A share 0..1 as a percentage: 0.3021 -> '30.2%'."""
    s = _special(v)
    return s if s is not None else f"{100 * float(v):.{dp}f}%"


def ci(low: Any, high: Any, dp: int = 1) -> str:
    """95% interval of a share: '26.9% to 33.7%'."""
    s = _special(low, high)
    return s if s is not None else f"{pct(low, dp)} to {pct(high, dp)}"


def pct_ci(v: Any, low: Any, high: Any, dp: int = 1) -> str:
    """'30.2% (26.9% to 33.7%)'; the interval is left off when it is missing."""
    s = _special(v)
    if s is not None:
        return s
    interval = ci(low, high, dp)
    return pct(v, dp) if interval == MISSING else f"{pct(v, dp)} ({interval})"


def n_pct(n: Any, share: Any, dp: int = 1) -> str:
    """gtsummary's categorical cell: '12 (30.2%)'."""
    s = _special(n)
    if s is not None:
        return s
    return f"{count(n)} ({pct(share, dp)})"


def n_of(n: Any, total: Any) -> str:
    """'215 of 718'."""
    return f"{count(n)} of {count(total)}"


def stat(v: Any) -> str:
    """A median or quartile: whole numbers without decimals, others to 1 dp."""
    s = _special(v)
    if s is not None:
        return s
    x = float(v)
    return f"{x:,.0f}" if x.is_integer() else f"{x:,.1f}"


def median_iqr(median: Any, q1: Any, q3: Any) -> str:
    """gtsummary's continuous cell: '34 (28, 41)'."""
    s = _special(median)
    if s is not None:
        return s
    return f"{stat(median)} ({stat(q1)}, {stat(q3)})"


def summary_cell(kind: Any, n: Any, share: Any, median: Any, q1: Any, q3: Any) -> str:
    """A Table 1 cell by row kind: 'n (x%)' for a category or Unknown, 'median (Q1, Q3)' for a
    continuous characteristic, blank on a characteristic's heading row."""
    if kind == "continuous":
        return median_iqr(median, q1, q3)
    if kind in ("categorical", "unknown"):
        return n_pct(n, share)
    return ""


def days(v: Any) -> str:
    """'124 days'."""
    s = _special(v)
    if s is not None:
        return s
    x = round(float(v))
    return f"{x:,} day" if x == 1 else f"{x:,} days"


def months(v_days: Any, dp: int = 1) -> str:
    """Days written as months: 124 -> '4.1 months'."""
    s = _special(v_days)
    return s if s is not None else f"{float(v_days) / DAYS_PER_MONTH:.{dp}f} months"


def days_months(v: Any) -> str:
    """'124 days (4.1 months)'."""
    s = _special(v)
    return s if s is not None else f"{days(v)} ({months(v)})"


def long_date(v: Any) -> str:
    """'2021-03-04' -> '4 March 2021' (UK style)."""
    if is_hidden(v):
        return HIDDEN
    if v is None or v == "":
        return MISSING
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v)
        except ValueError:
            return v
    if isinstance(v, datetime | date):
        return f"{v.day} {_MONTHS[v.month - 1]} {v.year}"
    return str(v)


def month_year(v: Any) -> str:
    """'2021-03-04' -> 'March 2021'."""
    full = long_date(v)
    parts = full.split(" ")
    return " ".join(parts[1:]) if len(parts) == 3 else full


def long_datetime(v: Any) -> str:
    """'2024-05-01T09:30:00' -> '1 May 2024 at 09:30'."""
    if v is None or v == "":
        return MISSING
    try:
        dt = datetime.fromisoformat(str(v))
    except ValueError:
        return str(v)
    return f"{long_date(dt)} at {dt:%H:%M}"


def text(v: Any) -> str:
    if is_missing(v) or v == "":
        return MISSING
    return str(v)


def and_list(items: Any) -> str:
    """[3, 6, 9, 12] -> '3, 6, 9 and 12'."""
    words = [str(x) for x in items]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def ratio(v: Any) -> str:
    """An odds or hazard ratio, 2 significant decimals: 2.314 -> '2.31'."""
    s = _special(v)
    return s if s is not None else f"{float(v):.2f}"


def ratio_ci(low: Any, high: Any) -> str:
    """'1.40 to 3.82' (a ratio's 95% interval)."""
    s = _special(low, high)
    return s if s is not None else f"{float(low):.2f} to {float(high):.2f}"


def p_value(v: Any) -> str:
    """gtsummary style: '<0.001', else 3 decimals (2 when above 0.1)."""
    s = _special(v)
    if s is not None:
        return s
    p = float(v)
    if p < 0.001:
        return "<0.001"
    return f"{p:.2f}" if p >= 0.1 else f"{p:.3f}"


def p_value_marked(v: Any) -> str:
    """A p-value with '‡' when below 0.05 (the mark is explained in the table's note)."""
    text = p_value(v)
    return f"{text} ‡" if _special(v) is None and float(v) < 0.05 else text


def pp(v: Any, dp: int = 1) -> str:
    """A difference in proportions as signed percentage points: 0.052 -> '+5.2 pp'."""
    s = _special(v)
    return s if s is not None else f"{100 * float(v):+.{dp}f} pp"


def pp_ci(low: Any, high: Any, dp: int = 1) -> str:
    s = _special(low, high)
    return s if s is not None else f"{100 * float(low):+.{dp}f} to {100 * float(high):+.{dp}f} pp"


def ratio_or_ref(v: Any) -> str:
    """A ratio, or 'Ref' on a reference level's row (gtsummary's convention)."""
    return "Ref" if v == "Ref" else ratio(v)


def pp_points(v: Any, dp: int = 1) -> str:
    """A value already in percentage points: -15.5 -> '-15.5 pp'."""
    s = _special(v)
    return s if s is not None else f"{float(v):+.{dp}f} pp"


FORMATTERS: dict[str, Callable[..., str]] = {
    "ratio": ratio,
    "ratio_or_ref": ratio_or_ref,
    "pp_points": pp_points,
    "ratio_ci": ratio_ci,
    "p_value": p_value,
    "p_value_marked": p_value_marked,
    "pp": pp,
    "pp_ci": pp_ci,
    "count": count,
    "number": number,
    "pct": pct,
    "ci": ci,
    "pct_ci": pct_ci,
    "n_pct": n_pct,
    "n_of": n_of,
    "stat": stat,
    "median_iqr": median_iqr,
    "summary_cell": summary_cell,
    "days": days,
    "months": months,
    "days_months": days_months,
    "date": long_date,
    "month_year": month_year,
    "datetime": long_datetime,
    "text": text,
    "and_list": and_list,
}


def register(env: Environment) -> None:
    """Make every formatter a Jinja filter of the same name."""
    env.filters.update(FORMATTERS)
