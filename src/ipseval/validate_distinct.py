"""A big file's column checked once per distinct value, not once per row.

25 million meetings hold about a thousand distinct dates, three modes and thirty specialists: reading
each cell as text and checking it row by row costs seconds and gigabytes per column. A column kept as
categoricals (ingest.parts) is checked on its distinct values instead, in the order they first
appear, each weighted by the rows holding it, by the very same code (``_Checker.convert_column`` on
a checker of the distinct values). The outcome is then spread back to the rows: each value's typed
form, whether its rows are rejected or left out, and each problem once per row holding the value,
with the row's own number. Counts in warnings count rows through the weights, so every message
reads as it would had the column been checked row by row (tests/test_parts.py holds the two equal).

A column whose labels the settings map to ``leave_out`` is checked row by row: which rows a second
such column newly leaves out depends on the rows, not the values.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from ipseval.ingest.mapping import code_map
from ipseval.validate_leave_out import KeptCells, leaves_out

if TYPE_CHECKING:
    from ipseval.schema import Column
    from ipseval.settings import Settings


def convert_distinct(chk, settings: Settings, col: Column) -> None:
    """Check ``col`` of ``chk`` (a checker whose columns are categoricals) once per distinct value."""
    cells = chk.raw[col.name]
    if cells.dtype != pl.Categorical or leaves_out(code_map(settings, chk.table, col.name)):
        chk.convert_column(settings, col, chk._text(col.name))
        return
    found = chk.distinct.pop(col.name, None) or distinct(cells)
    sub = _for_values(chk, col.name, found.values, found.weights)
    sub.convert_column(settings, col, found.values)
    _spread(chk, sub, col.name, found.where)


@dataclass(frozen=True)
class Distinct:
    """A categorical column's distinct values (text, blank included, in the order they first
    appear), the rows holding each (``weights``), and each row's value's position (``where``)."""

    values: pl.Series
    weights: pl.Series
    where: pl.Series


def distinct(cells: pl.Series) -> Distinct:
    """The distinct values of ``cells`` (a categorical column) with their rows."""
    codes = cells.to_physical()
    first = codes.arg_unique()  # the first row of each distinct value, blank included, in row order
    values = cells.gather(first).cast(pl.Utf8)
    where = _positions(codes, codes.gather(first))
    weights = pl.Series(np.bincount(where, minlength=values.len()), dtype=pl.Int64)
    return Distinct(values, weights, pl.Series(where))


def _positions(codes: pl.Series, firsts: pl.Series) -> np.ndarray:
    """For each row, the position of its value among the distinct codes ``firsts`` (blank: null)."""
    blank = int(max(codes.max() or 0, firsts.max() or 0)) + 1
    lookup = np.zeros(blank + 1, dtype=np.uint32)
    lookup[firsts.fill_null(blank).to_numpy()] = np.arange(firsts.len(), dtype=np.uint32)
    return lookup[codes.fill_null(blank).to_numpy()]


def _for_values(chk, column: str, values: pl.Series, weights: pl.Series):
    """A checker of the same table whose rows are ``values`` (row numbers: their positions)."""
    sub = copy.copy(chk)
    sub.raw = pl.DataFrame({column: values, "_row": pl.int_range(values.len(), eager=True, dtype=pl.Int64)})
    sub.n = values.len()
    sub.weights = weights
    sub.reject = pl.repeat(False, sub.n, dtype=pl.Boolean, eager=True).alias("reject")
    sub.left = sub.reject.alias("left")
    sub.left_reasons, sub.problems = [], []
    sub.typed, sub.present = {}, {}
    sub.kept_cells, sub.blank_code = KeptCells(), {}
    return sub


def _spread(chk, sub, column: str, where: pl.Series) -> None:
    """What checking the distinct values found, given to the rows holding each value."""
    typed = sub.typed[column]
    if typed.dtype == pl.Utf8:  # kept compact: gathering codes, not texts
        typed = typed.cast(pl.Categorical)
    chk.typed[column] = typed.gather(where)
    present = sub.present[column]
    chk.present[column] = present.gather(where) if not present.all() else _all(chk.n, True)
    if sub.reject.any():  # gathering 25 million flags costs a tenth of a second: only when needed
        chk.reject = chk.reject | sub.reject.gather(where)
    if sub.left.any():
        chk.left = chk.left | sub.left.gather(where)
    chk.left_reasons += sub.left_reasons
    chk.kept_cells.spread(sub.kept_cells, where)
    chk.blank_code |= sub.blank_code
    rows = pl.DataFrame({"_at": where, "_file_row": chk.raw["_row"]})
    chk.problems += [_problem_rows(p, rows) for p in sub.problems]


def _all(n: int, value: bool) -> pl.Series:
    return pl.repeat(value, n, dtype=pl.Boolean, eager=True)


def _problem_rows(problems: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """Problems found on distinct values, one per row holding the value, with its row number; a
    problem about the whole column (no row) stays one."""
    on_values = problems.filter(pl.col("row").is_not_null())
    if not on_values.height:
        return problems
    hit = rows.filter(pl.col("_at").is_in(on_values["row"].cast(pl.UInt32).implode()))
    spread = (
        on_values.with_columns(pl.col("row").cast(pl.UInt32).alias("_at"))
        .join(hit, on="_at", how="inner")
        .with_columns(pl.col("_file_row").alias("row"))
        .select(problems.columns)
    )
    return pl.concat([problems.filter(pl.col("row").is_null()), spread])
