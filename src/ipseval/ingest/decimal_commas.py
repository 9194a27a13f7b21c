"""Decimal commas in the number columns of a file whose columns are not separated by commas.

Where a comma marks decimals (much of Europe, and Excel set up so), a CSV file cannot separate its
columns with commas too: it is saved with semicolons, and writes 37,5 hours a week, 0,8 FTE. In such
a file (columns separated by semicolons, tabs or bars) a number column's '37,5' is read as 37.5, all
such cells said in one warning per column. A comma before exactly three digits ('1,500') may
separate thousands as well, so it is never read so (except after a 0: '0,125'); nor is any cell of a
comma-separated file or a workbook, where a decimal comma stays a problem that says what to write.
"""

from __future__ import annotations

import re
from collections import Counter

import polars as pl

from ipseval.ingest import CellProblem
from ipseval.schema import TABLES

_DECIMAL_COMMA = re.compile(r"^[+-]?(\d+),(\d+)$")
_SEPARATOR_WORDS = {";": "semicolons", "\t": "tabs", "|": "vertical bars (|)"}
_SHOWN = 4  # distinct cells quoted in a column's warning


def dotted(value: str) -> str | None:
    """``value`` written with a decimal point when it is a number with a decimal comma ('37,5' ->
    '37.5'; '0,125' -> '0.125'), else None ('1,500' may be thousands; '37.5', 'varies')."""
    m = _DECIMAL_COMMA.match(value.strip())
    if m is None or (len(m.group(2)) == 3 and m.group(1).lstrip("+-") != "0"):
        return None
    return value.strip().replace(",", ".")


def reads_decimal_commas(separator: str | None) -> bool:
    """Whether the reader reads decimal commas in a CSV file whose columns ``separator`` separates
    (None: a workbook's sheet)."""
    return separator is not None and separator != ","


def number_columns(table: str) -> list[str]:
    """The columns of ``table`` (standard and input columns) that hold numbers."""
    spec = TABLES[table]
    return [c.name for c in (*spec.columns, *spec.inputs) if c.type in ("integer", "number")]


def read_decimal_commas(
    frame: pl.DataFrame, table: str, separator: str
) -> tuple[pl.DataFrame, list[CellProblem]]:
    """``frame``'s number columns with their decimal commas as points, when the file's columns are
    separated by ``separator`` other than a comma; a warning per column so read."""
    if not reads_decimal_commas(separator):
        return frame, []
    problems = []
    for name in (c for c in number_columns(table) if c in frame.columns):
        text = frame[name].cast(pl.Utf8)
        if not text.str.contains(",", literal=True).any():
            continue
        found = {v: d for v in text.filter(text.str.contains(",", literal=True)).unique().to_list()
                 if (d := dotted(v)) is not None}  # fmt: skip
        if not found:
            continue
        read = text.replace(found)
        frame = frame.with_columns(read.cast(frame[name].dtype).alias(name))
        counts = text.filter(text.is_in(list(found))).value_counts()
        cells = Counter(dict(zip(counts[name].to_list(), counts["count"].to_list(), strict=True)))
        problems.append(_warning(name, cells, found, separator))
    return frame, problems


def _warning(column: str, cells: Counter[str], found: dict[str, str], separator: str) -> CellProblem:
    n = sum(cells.values())
    shown = ", ".join(f"'{v}' as {found[v]}" for v, _ in cells.most_common(_SHOWN))
    more = f" and {len(cells) - _SHOWN} more" if len(cells) > _SHOWN else ""
    return CellProblem(
        row=None,
        column=column,
        value=", ".join(v for v, _ in cells.most_common(_SHOWN)),
        expected="a number with a decimal point",
        message=(
            f"{n} cell{'s' if n != 1 else ''} written with a decimal comma {'were' if n != 1 else 'was'} "
            f"read as the number: {shown}{more} (the file's columns are separated by "
            f"{_SEPARATOR_WORDS.get(separator, repr(separator))}, as where a comma marks decimals)"
        ),
        severity="warning",
    )
