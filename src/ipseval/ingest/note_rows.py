"""Note rows: a title, total or footer line inside a table ("Report generated 05/01/2024 — 213 records").

Such a row holds one text cell (words, not a code or a number) and nothing else, so a required
column of its table other than the note's own is blank: it is not a record. Like a fully blank row
it is left out before validation and not counted as a row read (rows read = used + rejected still
holds), but unlike a blank row it is named in a warning with its row and text, so nothing is
dropped unseen. A row with one value that could be a record (a lone client_id, a date) is read as
usual and its blank required cells are errors.

Summary rows: a totals or averages line under the data ("TOTAL (29 job starts, 27 clients)" with
the hours total beside it, "Average hours p/w" and a number) holds numbers as well, so it is not a
note; it is one when its first filled cell starts with a totals word (Total, Totals, Grand total,
Subtotal, Sum, Average, Mean, Median, Count, "n =") and its id column (the table's client_id, or its
own key) is blank or holds an id unlike the table's others (with no others to compare, a filled
id is taken as one). It is left out like a note, with a
warning naming its row and text. A record whose id is a word like the others' ("Total" where the
ids are names) is read as usual.
"""

from __future__ import annotations

import re

import polars as pl

from ipseval.ingest import CellProblem
from ipseval.ingest.totals import summary_totals
from ipseval.schema import TABLES

# Words: a letter, and two runs of characters separated by a space.
LETTER = r"[^\W\d_]"
TWO_WORDS = r"\S\s+\S"
_SHOWN = 120
EXPECTED = "a record, or a blank row (a note, title or total line is left out)"
SUMMARY_WORDS = re.compile(
    r"^\s*(?:(?:grand|sub)[\s\-]*totals?|totals?|sum|average|avg|mean|median|count|n\s*=)(?![^\W\d_])",
    re.IGNORECASE,
)
_SUMMARY_PREFILTER = r"(?i)^\s*(?:grand|sub|total|sum|av|mean|median|count|n\s*=)"


def is_note_text(text: str) -> bool:
    """Whether a lone cell reads as a sentence or title rather than a value: letters, and words."""
    return bool(re.search(LETTER, text)) and bool(re.search(TWO_WORDS, text.strip()))


def required_positions(table: str, standard: dict[int, str]) -> set[int]:
    """Positions of the table's required columns in the file (``standard``: position -> column)."""
    return {i for i, name in standard.items() if TABLES[table].column(name).required}


def is_note_row(text: object, position: int, required: set[int]) -> bool:
    """Whether a row whose only filled cell is ``text`` at ``position`` is a note: the cell is text
    with words, and some required column of the table (at ``required``) lies elsewhere, so blank."""
    return isinstance(text, str) and bool(required - {position}) and is_note_text(text)


def note_problem(row: int, text: str, what: str = "a note") -> CellProblem:
    """The warning naming a row that was left out as ``what`` (a note; a totals or summary line):
    its row and (the start of) its text."""
    text = text.strip()
    shown = text if len(text) <= _SHOWN else text[:_SHOWN] + "…"
    return CellProblem(
        row=row,
        column=None,
        value=shown,
        expected=EXPECTED,
        message=f"{what}, not a record: '{shown}'; left out (like a blank row, not counted as a row read)",
        severity="warning",
    )


class IdPositions(list):
    """The positions of a table's id columns (a list), carrying the table and the standard column
    of each position, so that :func:`leave_out_summaries` can check the totals of the rows it leaves
    out (ingest.totals) with no more passed by the readers that call it."""

    def __init__(self, ids: list[int], table: str | None = None, standard: dict[int, str] | None = None):
        super().__init__(ids)
        self.table = table
        self.standard = dict(standard or {})


def id_positions(table: str, standard: dict[int, str]) -> IdPositions:
    """Positions of the columns that identify a record of ``table``: its client_id (its own, or the
    client it belongs to), else its unique key (an area's name, a specialist's id)."""
    spec = TABLES[table]
    ids = [i for i, name in standard.items() if name == "client_id"]
    if not ids:
        ids = [i for i, name in standard.items() if spec.column(name).unique and spec.column(name).required]
    return IdPositions(ids, table, standard)


def is_summary_text(text: object) -> bool:
    """Whether ``text`` starts with a totals or summary word (Total, Average, "n =", ...)."""
    return isinstance(text, str) and bool(SUMMARY_WORDS.match(text))


def _shape(s: pl.Series) -> pl.Series:
    """An id's shape: each run of digits as 9, each run of letters as A ("CRR-000040" -> "A-9")."""
    return s.str.strip_chars().str.replace_all(r"\d+", "9").str.replace_all(r"[^\W\d_]+", "A")


def summary_candidates(df: pl.DataFrame, positional: list[str]) -> pl.DataFrame:
    """The rows of ``df`` whose first cell may start with a totals word (a quick look, as text)."""
    first = pl.coalesce(positional)
    return df.filter(first.str.contains(_SUMMARY_PREFILTER).fill_null(False))


def leave_out_summaries(
    df: pl.DataFrame,
    problems: list[CellProblem],
    positional: list[str],
    ids: list[int],
    candidates: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, list[CellProblem]]:
    """Summary rows (a totals word first, no id like the table's others) left out of ``df`` (its
    cells in ``positional``, rows numbered in "_row"), each named in a warning; problems found on
    their cells are dropped with them. ``candidates``: :func:`summary_candidates` of ``df``, when
    found part by part (a big file's parts are categoricals by now, see ingest.parts). With ``ids``
    from :func:`id_positions`, a totals row whose numbers are not the sums of the rows it totals is
    named in a warning too (ingest.totals)."""
    if not df.height or not positional:
        return df, problems
    first = pl.coalesce(positional)
    if candidates is None:
        candidates = summary_candidates(df, positional)
    if not candidates.height:
        return df, problems
    texts = dict(zip(candidates["_row"], candidates.select(first.alias("t"))["t"], strict=True))
    rows = [r for r, t in texts.items() if is_summary_text(t)]
    if not rows:
        return df, problems
    id_cols = [positional[i] for i in ids if i < len(positional)]
    others = df.filter(~pl.col("_row").is_in(rows))
    shapes = {c: set(_shape(others[c].drop_nulls().unique().cast(pl.Utf8)).to_list()) for c in id_cols}
    summaries: dict[int, CellProblem] = {}
    for values in candidates.filter(pl.col("_row").is_in(rows)).select(*id_cols, "_row").iter_rows():
        row, cells = values[-1], values[:-1]
        looks_like_id = any(
            v is not None and (not shapes[c] or _shape(pl.Series([v], dtype=pl.Utf8))[0] in shapes[c])
            for c, v in zip(id_cols, cells, strict=True)
        )
        if not looks_like_id:
            summaries[row] = summary_problem(row, str(texts[row]))
    if not summaries:
        return df, problems
    kept = [p for p in problems if p.row not in summaries]
    left = df.filter(~pl.col("_row").is_in(list(summaries)))
    table = getattr(ids, "table", None)
    if table is not None:  # the totals it writes, checked against the rows they add up
        rows = candidates.filter(pl.col("_row").is_in(list(summaries)))
        kept += summary_totals(left, rows, positional, table, ids.standard)
    return left, [*kept, *summaries.values()]


def summary_problem(row: int, text: str) -> CellProblem:
    """The warning naming a totals or summary row that was left out: its row and its first text."""
    return note_problem(row, text, "a totals or summary line")
