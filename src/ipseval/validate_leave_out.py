"""Rows that are not records of their table, left out: counted apart from rows used and rejected
(rows read = used + rejected + left out) and named in one warning per file with their counts.

Three kinds, each said in the warning with its values:

- a label mapped to ``leave_out`` in ``[mapping.codes.<table>.<column>]`` (a future booking,
  'Booked', or a case note, 'Case note (no contact)', in a meetings sheet): the settings say such a
  row is no record of the table;
- an event dated after the data cut (or, with no data cut set, after the day of the run), in the
  tables of :data:`AFTER_CUT`: a meeting booked ahead had not happened by then, so it is no meeting
  of the evaluation (other dates after the cut stay errors: a referral dated after the cut is a
  typo or a client outside the evaluation, to fix);
- a row of a client whose own clients row was left out: it goes with its client.

A left-out row is no problem to fix, so problems found on its cells are dropped with it: a booking's
blank outcome is not "required value is blank".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from ipseval.ingest.mapping import EVERY_OTHER, LEAVE_OUT, norm_name

# Tables whose rows are events that cannot have happened after the data cut: column of the event's date.
AFTER_CUT = {"meetings": "meeting_date", "employer_contacts": "contact_date"}
EXPECTED = "records of the table (rows that are not are left out)"
VALUES_SHOWN = 6  # values named per reason; the rest are counted


@dataclass
class Reason:
    """One reason rows were left out: what it is, and the values behind it with their rows."""

    what: str  # "attended 'leave_out' in [mapping.codes.meetings.attended]"
    values: Counter = field(default_factory=Counter)  # value as written -> rows

    @property
    def rows(self) -> int:
        return sum(self.values.values())


def labels_to_leave_out(cmap: dict[str, str]) -> list[str]:
    """The (canonical) labels a column's code mapping sends to ``leave_out`` (with "" for blank
    cells and "*" for every label not listed, when so mapped)."""
    return [k for k, v in cmap.items() if norm_name(v) == LEAVE_OUT]


def leaves_out(cmap: dict[str, str]) -> bool:
    """Whether a column's code mapping leaves any row out."""
    return bool(labels_to_leave_out(cmap))


def leave_out_mask(canon: pl.Series, cmap: dict[str, str]) -> pl.Series | None:
    """The rows a column's code mapping leaves out (``canon``: its cells as canonical labels, blank
    as null): a label mapped to leave_out; a blank cell when "" is; with "*" = "leave_out", every
    label the mapping does not list. None when it leaves out nothing."""
    labels = labels_to_leave_out(cmap)
    if not labels:
        return None
    found = canon.is_in([k for k in labels if k and k != EVERY_OTHER]).fill_null(False)
    if "" in labels:
        found = found | canon.is_null()
    if EVERY_OTHER in labels:
        listed = [k for k in cmap if k and k != EVERY_OTHER]
        found = found | (canon.is_not_null() & ~canon.is_in(listed))
    return found


def count_values(values: pl.Series, mask: pl.Series, weights: pl.Series | None = None) -> Counter:
    """How many rows of ``mask`` hold each value (as written; blank as '(blank)'); ``weights``: the
    rows each entry stands for, when ``values`` are a big file's distinct values."""
    picked = values.filter(mask).cast(pl.Utf8).fill_null("(blank)")
    if weights is not None:
        frame = pl.DataFrame({"v": picked, "n": weights.filter(mask)})
        counted = frame.group_by("v", maintain_order=True).agg(pl.col("n").sum()).sort("n", descending=True)
        return Counter(dict(counted.iter_rows()))
    return Counter(dict(picked.value_counts(sort=True).iter_rows()))


def after_cut(dates: pl.Series, limit: date) -> pl.Series:
    """Events dated after ``limit`` (the data cut, or the day of the run)."""
    return (dates > limit).fill_null(False)


def after_cut_reason(column: str, dates: pl.Series, limit: date, from_settings: bool) -> Reason:
    """The reason for events dated after ``limit`` (``dates``: theirs), with the span of their
    dates as its one value: 'meeting_date after the data cut (2024-12-31), not yet held by then
    (booked ahead?): '2025-01-02 to 2025-02-27' ×25'."""
    when = f"the data cut ({limit.isoformat()})" if from_settings else f"today ({limit.isoformat()})"
    low, high = dates.min(), dates.max()
    span = low.isoformat() if low == high else f"{low.isoformat()} to {high.isoformat()}"
    return Reason(
        f"{column} after {when}, not yet held by then (booked ahead?)", Counter({span: dates.len()})
    )


def warning(table: str, reasons: list[Reason]) -> tuple[str, str] | None:
    """(values, message) of the one warning naming every row of ``table`` left out, or None."""
    reasons = [r for r in reasons if r.rows]
    if not reasons:
        return None
    total = sum(r.rows for r in reasons)
    parts, values = [], []
    for r in reasons:
        shown = [f"'{v}' ×{n:,}" for v, n in r.values.most_common(VALUES_SHOWN)]
        more = len(r.values) - VALUES_SHOWN
        listed = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
        parts.append(f"{r.what}: {listed}")
        values += [v for v, _ in r.values.most_common(VALUES_SHOWN)]
    row_word = "row" if total == 1 else "rows"
    message = (
        f"{total:,} {row_word} left out, not records of {table}: " + "; ".join(parts) + ". They are "
        "counted apart (rows read = used + rejected + left out), not as problems to fix"
    )
    return ", ".join(values), message


def drop_problems(
    problems: list[pl.DataFrame], rows: pl.Series, files: pl.Series | None = None
) -> list[pl.DataFrame]:
    """Problems of the file rows in ``rows`` dropped (a row that is left out has none to fix);
    ``files``: each row's file, for a table given by several (row numbers repeat across them)."""
    if rows.is_empty():
        return problems
    if files is not None:
        gone = pl.DataFrame({"row": rows, "file": files.cast(pl.Utf8)}).unique()
        return [p.join(gone, on=["row", "file"], how="anti", nulls_equal=False) for p in problems]
    gone = rows.implode()
    return [p.filter(pl.col("row").is_null() | ~pl.col("row").is_in(gone)) for p in problems]


class KeptCells:
    """Cells the read notes count (NULL words read as blank, labels mapped to "", blank cells read
    as a code, values read as another), kept as row masks by (what, column) until the rows left out
    are known: a note counts only the rows kept, not those left out as no records of the table."""

    def __init__(self) -> None:
        self.masks: dict[tuple[str, str], pl.Series] = {}

    def add(self, what: str, column: str, mask: pl.Series) -> None:
        key = (what, column)
        mask = mask.fill_null(False)
        self.masks[key] = self.masks[key] | mask if key in self.masks else mask

    def keep(self, kept: pl.Series) -> None:
        """Only the rows of ``kept`` counted (the others are left out)."""
        self.masks = {k: m.filter(kept) for k, m in self.masks.items()}

    def spread(self, other: KeptCells, where: pl.Series) -> None:
        """``other``'s cells, counted on distinct values, given to the rows holding each value."""
        for (what, column), mask in other.masks.items():
            if mask.any():
                self.add(what, column, mask.gather(where))

    def counts(self, what: str) -> dict[str, int]:
        """Column -> cells counted of ``what`` on rows kept (columns with none left out)."""
        found = {c: int(m.sum()) for (w, c), m in self.masks.items() if w == what}
        return {c: n for c, n in found.items() if n}
