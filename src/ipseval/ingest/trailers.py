"""Record-count lines a data warehouse writes below its rows: ``TRAILER|259``, ``TRL|259``,
``EOF|259``, ``Record count: 259``.

Such a line is the last of its file and holds a trailer word (TRAILER, TRL, TRLR, EOF, END,
Record count, Total records, Rows, Row count, Records, Number of records) and a number, every other
cell blank. It is no record: like a note row (ingest.note_rows) it is left out before validation
and not counted as a row read, and named in one warning. Its number is what the extract says it
wrote, so it is checked against the rows read (the count may include the header and trailer
lines): a count that differs is a second warning, as an extract cut short or rows lost on the way
show up so. A header record above the column names (``HDR|IPS_CLNT_REF|20240105``) is a title
line, left out by the layout (ingest.sniff).
"""

from __future__ import annotations

import re

import polars as pl

from ipseval.ingest import CellProblem
from ipseval.ingest.note_rows import EXPECTED

_WORDS = (
    r"(?:trailer(?:\s+record)?|trl|trlr|tlr|eof|end(?:\s+of\s+file)?|record\s+count|total\s+records|"
    r"total\s+rows|row\s+count|rows|records|number\s+of\s+records|no\.?\s+of\s+records|rec(?:ord)?\s+cnt)"
)
_WORD_CELL = re.compile(rf"^{_WORDS}\s*[:=#]?$", re.IGNORECASE)
_COUNT = r"(\d{1,3}(?:,\d{3})+|\d+)"
_COUNT_CELL = re.compile(rf"^{_COUNT}$")
_ONE_CELL = re.compile(rf"^{_WORDS}\s*[:=#|]?\s*{_COUNT}$|^{_COUNT}\s+(?:records|rows)$", re.IGNORECASE)
EXPECTED_COUNT = "as many rows as the record-count line says"


def trailer_count(cells: list[object]) -> int | None:
    """The count a record-count line states, when the filled ``cells`` of a row make one (a
    trailer word and a number, or both in one cell); None for any other row."""
    filled = [str(c).strip() for c in cells if c is not None and str(c).strip()]
    if len(filled) == 1:
        m = _ONE_CELL.match(filled[0])
        return _number(next(g for g in m.groups() if g)) if m else None
    if len(filled) == 2 and _WORD_CELL.match(filled[0]) and _COUNT_CELL.match(filled[1]):
        return _number(filled[1])
    return None


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def leave_out_trailer(
    df: pl.DataFrame, problems: list[CellProblem], positional: list[str], separator: str = "|"
) -> tuple[pl.DataFrame, list[CellProblem]]:
    """``df`` (cells in ``positional``, rows numbered in "_row") without its last row when that is
    a record-count line, named in a warning (problems found on it dropped), with a second warning
    when its count is not the number of rows read."""
    if not df.height:
        return df, problems
    last = df.tail(1).select(pl.col(positional).cast(pl.Utf8), "_row").row(0)
    row, cells = last[-1], list(last[:-1])
    count = trailer_count(cells)
    if count is None:
        return df, problems
    text = separator.join(c.strip() for c in cells if c is not None and c.strip())
    left = df.head(df.height - 1)
    kept = [p for p in problems if p.row != row]
    return left, [*kept, *trailer_problems(row, text, count, left.height)]


def trailer_problems(row: int, text: str, count: int, rows: int) -> list[CellProblem]:
    """The warning naming a record-count line left out, and one when its count disagrees with the
    ``rows`` read (the count may include the header and the trailer line themselves)."""
    out = [
        CellProblem(
            row=row,
            column=None,
            value=text,
            expected=EXPECTED,
            message=f"a record-count line (trailer), not a record: '{text}'; left out (not counted as a "
            "row read)",
            severity="warning",
        )
    ]
    if count not in (rows, rows + 1, rows + 2):
        more = "fewer" if rows < count else "more"
        out.append(
            CellProblem(
                row=row,
                column=None,
                value=f"{count:,}",
                expected=EXPECTED_COUNT,
                message=f"the record-count line says {count:,} rows but {rows:,} were read ({more}): the "
                "file may have been cut short, or rows lost or added after the extract; check it "
                "against its source",
                severity="warning",
            )
        )
    return out
