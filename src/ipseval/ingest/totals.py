"""Totals an export writes beside the items they add up: checked against the items, never used.

ipseval works every total out from its items itself (a review's IPS-25 total from its 25 scores,
see fidelity.scoring; a wellbeing total from its items, see validate_totals). A total the file
writes beside them (a spreadsheet's SUM row, a 'Total' column) is a second copy that can be wrong:
a formula that misses the last item, an item corrected after the total was typed. So each written
total is compared with the sum of its items, and one that differs is a warning naming the file,
the total's row, its column, the value written and, as expected, the sum of the items with where
they are. The items are the data the standard holds, so they are what ipseval uses, but a
difference means one of the two is wrong: the warning asks the user to find out which.

Three layouts are checked, each by its reader:

- a totals row under the rows it adds up in a long table ('Total' in the first filled cell, 105
  under the scores): :func:`summary_totals`, for the rows ``note_rows`` leaves out. A 'Total' or
  'Sum' row adds up the rows since the previous total (so a sheet of several reviews, each closed
  by its total, has each checked on its own), a 'Subtotal' the rows since the previous totals row
  of any kind, a 'Grand total' every row above; only the standard's number columns are checked;
- an items-down fidelity sheet's total row (``[mapping.wide.fidelity.rows]`` Total = "total"):
  each review column's total against its item scores (wide_down);
- an items-across fidelity file's total column (``[mapping.wide.fidelity] total``): each row's
  total against its item columns (wide).

A total is checked only when every item it covers is a number: with an item blank or unreadable
(itself reported) the sum is not known. A total written with decimals is compared to as many
decimals as it shows (121.5 against 121.46 agrees).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import polars as pl

from ipseval.ingest import CellProblem
from ipseval.schema import TABLES

TOTAL_WORDS = re.compile(r"^\s*(?:(?P<grand>grand)|(?P<sub>sub))?[\s\-]*(?:totals?|sum)(?![^\W\d_])", re.I)
NUMBER = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*$")
EXPECTED_WORDS = "the sum of its items"


def as_number(text: object) -> float | None:
    """A cell as a number when it is written as one alone ('105', '37.5'), else None."""
    if isinstance(text, int | float):
        return float(text)
    return float(text) if isinstance(text, str) and NUMBER.match(text) else None


def _decimals(text: str) -> int:
    s = str(text).strip()
    return len(s.split(".", 1)[1]) if "." in s else 0


def agrees(written: str, items: Sequence[float]) -> bool:
    """Whether ``written`` is the sum of ``items`` to the decimals it is written with."""
    total = as_number(written)
    return total is not None and abs(total - sum(items)) <= 0.5 * 10 ** -_decimals(written) + 1e-9


def total_problem(
    row: int, column: str, written: str, items: Sequence[float], where: str, cell: str | None = None
) -> CellProblem | None:
    """The warning for a written total that is not the sum of ``items`` (``where`` says which they
    are: 'score on rows 139-163'), or None when it is (or is not a number: not a total to check)."""
    if as_number(written) is None or agrees(written, items):
        return None
    found = sum(items)
    shown = f"{found:g}" if float(found).is_integer() else f"{found:.{max(_decimals(written), 1)}f}"
    difference = as_number(written) - found
    return CellProblem(
        row=row,
        column=column,
        value=str(written).strip(),
        expected=f"{shown}, {EXPECTED_WORDS} ({where})",
        message=f"the total written in the file, {str(written).strip()}, is not the sum of its "
        f"{len(items)} items ({where}), which is {shown} ({difference:+g}): ipseval works the total "
        "out from the items and does not use the written one; check which is right (an item keyed "
        "wrongly, or a total that leaves an item out)",
        severity="warning",
        cell=cell,
    )


def summary_totals(
    df: pl.DataFrame, summaries: pl.DataFrame, positional: list[str], table: str, standard: dict[int, str]
) -> list[CellProblem]:
    """Warnings for the totals rows of a long table (``summaries``, left out of ``df``; both with
    their cells in ``positional`` and rows in "_row") whose numbers are not the sums of the rows they
    total, in the standard's number columns (``standard``: position -> column of ``table``)."""
    spec = TABLES[table]
    numeric = {
        i: name
        for i, name in standard.items()
        if i < len(positional) and spec.column(name).type in ("integer", "number")
    }
    if not numeric or not summaries.height:
        return []
    first = pl.coalesce(positional)
    labels = summaries.select("_row", first.alias("t")).sort("_row").rows()
    out: list[CellProblem] = []
    since_any, since_total = 0, 0
    for row, text in labels:
        m = TOTAL_WORDS.match(str(text or ""))
        if m is not None:
            start = 0 if m.group("grand") else since_any if m.group("sub") else since_total
            block = df.filter((pl.col("_row") > start) & (pl.col("_row") < row))
            cells = summaries.filter(pl.col("_row") == row).row(0, named=True)
            out += _row_totals(row, cells, block, positional, numeric)
            since_total = since_total if m.group("sub") else row
        since_any = row
    return out


def _row_totals(
    row: int, cells: dict, block: pl.DataFrame, positional: list[str], numeric: dict[int, str]
) -> list[CellProblem]:
    out = []
    for i, name in numeric.items():
        written = cells.get(positional[i])
        if as_number(written) is None or not block.height:
            continue
        items = [as_number(v) for v in block[positional[i]].to_list()]
        if any(v is None for v in items):
            continue
        rows = block["_row"]
        where = f"{name} on rows {rows.min()}-{rows.max()}"
        found = total_problem(row, name, str(written), [v for v in items if v is not None], where)
        if found is not None:
            out.append(found)
    return out


def review_totals(reviews: list, records: list[tuple]) -> list[CellProblem]:
    """Warnings for the review columns of an items-down sheet (``reviews``: wide_down.Review, with
    the total its total row gives and that row) whose total is not the sum of their item scores
    (``records``: (review, item, score, row) of every score cell)."""
    out = []
    for v in reviews:
        written, row = v.given.get("total"), v.total_row
        items = [as_number(score) for w, _, score, _ in records if w is v]
        if written is None or row is None or not items or any(x is None for x in items):
            continue
        where = f"the {len(items)} item scores of {v.cell}"
        found = total_problem(row, "score", written, [x for x in items if x is not None], where)
        if found is not None:
            out.append(found)
    return out


def row_totals(totals: pl.DataFrame, items: pl.DataFrame, n_items: int, column: str) -> list[CellProblem]:
    """Warnings for the rows of an items-across file whose total column (``column``; ``totals``:
    "_row" and its text "total") is not the sum of the row's ``n_items`` item cells (``items``:
    "_row" and the text of each cell "score"); a row with an item blank or not a number is not
    checked."""
    if not totals.height:
        return []
    by_row: dict[int, list[float | None]] = {}
    for row, score in items.select("_row", "score").iter_rows():
        by_row.setdefault(row, []).append(as_number(score))
    out = []
    for row, written in totals.select("_row", "total").iter_rows():
        cells = by_row.get(row, [])
        if written is None or len(cells) != n_items or any(v is None for v in cells):
            continue
        where = f"the {n_items} item columns of row {row}"
        found = total_problem(row, "score", written, [v for v in cells if v is not None], where)
        if found is not None:
            out.append(replace(found, message=f"column '{column}': {found.message}"))
    return out
