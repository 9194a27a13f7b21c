"""What the problems add up to: the counts every command prints, alerts when so much of the
evaluation's base was rejected that its figures cannot be trusted, and gentler notes for a modest
loss from a small table (the rule and its thresholds: above ALARM_MIN_ROWS).

One function counts, so ``validate``, ``evaluate``, the report and the dashboard say the same
numbers: an error on a client row also rejects that client's meetings and jobs, and those
cascaded errors are counted apart from the root causes a user has to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from ipseval.schema import TABLES
from ipseval.validate_text import shown

if TYPE_CHECKING:
    from ipseval.ingest import RawDataset

PROBLEM_SCHEMA: dict[str, type[pl.DataType]] = {
    "severity": pl.Utf8,
    "file": pl.Utf8,
    "table": pl.Utf8,
    "row": pl.Int64,
    "column": pl.Utf8,
    "value": pl.Utf8,
    "expected": pl.Utf8,
    "message": pl.Utf8,
}
# What a row that belongs to a rejected client was expected to have: such rows are excluded with
# their client and listed in full, but summarised in the terminal (the client's own problem is
# the one to fix).
CASCADE_EXPECTED = "a client whose clients row is usable"
# What an optional table that could not be read at all was expected to be: it is set aside (not
# read), the other tables are read and checked, and the analyses that need it say why they did not run.
SET_ASIDE_EXPECTED = "a table that can be read (it was set aside; the other tables were read without it)"


@dataclass(frozen=True)
class ProblemCounts:
    errors: int  # every error, cascaded ones included
    warnings: int
    root_errors: int  # errors to fix: every error except rows excluded only with their client
    cascaded: int  # rows of other tables excluded because their client's row was rejected
    rows_rejected: int  # rows left out of the analysis, all tables


def count_problems(problems: pl.DataFrame, row_counts: pl.DataFrame | None = None) -> ProblemCounts:
    """The counts of a problems frame (and of rows rejected, from ``row_counts`` when given)."""
    if not problems.height or "severity" not in problems.columns:
        errors = warnings = cascaded = 0
        rejected_rows = 0
    else:
        is_error = problems["severity"] == "error"
        errors = int(is_error.sum())
        warnings = problems.height - errors
        cascaded = 0
        if "expected" in problems.columns:
            cascaded = int((is_error & (problems["expected"] == CASCADE_EXPECTED)).sum())
        rejected_rows = (
            problems.filter(is_error & pl.col("row").is_not_null()).select("table", "row").n_unique()
            if {"table", "row"} <= set(problems.columns)
            else 0
        )
    if row_counts is not None and row_counts.height:
        rejected_rows = int(row_counts["rows_rejected"].sum())
    return ProblemCounts(
        errors=errors,
        warnings=warnings,
        root_errors=errors - cascaded,
        cascaded=cascaded,
        rows_rejected=rejected_rows,
    )


# When rejected rows are worth an alarm on the report's first screen ("Read this first"), and when
# only a note in the data quality section. The alarm is about how much of the evaluation's base
# was lost:
# - clients are the base (every figure counts clients): losing a share of client rows over the
#   settings' [input] max_rejected_share (default 10%) raises the alarm;
# - the other tables (meetings, jobs, wellbeing...) feed the figures of the clients still counted:
#   their loss is the rows rejected on their own (rows left out only with a rejected client are
#   already in the clients' share) out of the rows of usable clients. Over max_rejected_share, it
#   is an alarm when at least ALARM_MIN_ROWS rows were lost, or when the share is over
#   ALARM_ANY_SIZE_SHARE; otherwise (a modest share of a small table: 4 of 40 job rows, say) a note.
ALARM_MIN_ROWS = 10  # fewer rows lost from a table other than clients is a note (unless a large share)
ALARM_ANY_SIZE_SHARE = 0.25  # a share lost over this is an alarm however few rows it is


def rejected_rule(max_share: float) -> str:
    """The rule above in words, for the report's methods appendix."""
    return (
        "Rows that fail a check are left out. The report warns on its first page when more than "
        f"{_percent(max_share)} of client rows were rejected (clients are the base of every figure), "
        f"or when more than {_percent(max_share)} of another table's rows of the clients still counted "
        f"were rejected and that is at least {ALARM_MIN_ROWS} rows or over "
        f"{_percent(ALARM_ANY_SIZE_SHARE)} of them (rows left out only with their rejected client are "
        f"counted once, with the clients). A smaller loss over {_percent(max_share)} from a small table "
        "is noted in the data quality section instead. The share is set in the settings "
        "([input] max_rejected_share)."
    )


@dataclass(frozen=True)
class TableLoss:
    """The rows of one table lost to errors, measured against the evaluation's base."""

    table: str
    lost: int  # rows rejected (clients) or rejected on their own (other tables)
    of: int  # rows read (clients) or rows of usable clients (other tables)
    cascaded: int  # rows left out only because their client was rejected

    @property
    def share(self) -> float:
        return self.lost / self.of if self.of else 0.0


def table_losses(problems: pl.DataFrame, row_counts: pl.DataFrame) -> list[TableLoss]:
    """Each table's loss (see the rule above ALARM_MIN_ROWS), in the row counts' order."""
    # One cascade problem per record left out with its client (links names each once). Counted as
    # problems, not as distinct row numbers: a wide file's row gives several records (one per
    # measure), all with that row's number, so distinct rows would count 1 of 6 and call the other
    # 5 rejected on their own.
    cascaded: dict[str, int] = {}
    if problems.height and {"severity", "expected", "table", "row"} <= set(problems.columns):
        rows = problems.filter(
            (pl.col("severity") == "error")
            & (pl.col("expected") == CASCADE_EXPECTED)
            & pl.col("row").is_not_null()
        )
        cascaded = dict(rows.group_by("table").agg(pl.len()).iter_rows())
    found = []
    for r in row_counts.iter_rows(named=True):
        # rows left out are no records of the table (a future booking): no part of its base
        read = int(r["rows_read"] or 0) - int(r.get("rows_left_out") or 0)
        rejected = int(r["rows_rejected"] or 0)
        if r["table"] == "clients":
            found.append(TableLoss("clients", rejected, read, 0))
            continue
        gone = min(cascaded.get(r["table"], 0), rejected)
        found.append(TableLoss(r["table"], rejected - gone, read - gone, gone))
    return found


def is_alarm(loss: TableLoss, max_share: float) -> bool:
    """Whether a table's loss raises the alarm (see the rule above ALARM_MIN_ROWS)."""
    if not loss.of or loss.share <= max_share:
        return False
    if loss.table == "clients":
        return True
    return loss.lost >= ALARM_MIN_ROWS or loss.share > ALARM_ANY_SIZE_SHARE


def rejected_alerts(problems: pl.DataFrame, row_counts: pl.DataFrame, max_share: float) -> list[str]:
    """One sentence per table whose loss raises the alarm (:func:`is_alarm`), naming the commonest
    reason: a share of client rows over ``max_share``, or of another table's rows of usable
    clients over it, when that is at least ALARM_MIN_ROWS rows or a share over ALARM_ANY_SIZE_SHARE."""
    alerts = set_aside_alerts(problems, set(row_counts["table"]) if "table" in row_counts.columns else set())
    for loss in table_losses(problems, row_counts):
        if not is_alarm(loss, max_share):
            continue
        why = _commonest_reason(problems, loss.table, own=True)
        alerts.append(
            f"{_percent(loss.share)} of {loss.table} rows were rejected ({_lost(loss)}){why}; fix these "
            "before trusting the figures"
        )
    return alerts


def set_aside_alerts(problems: pl.DataFrame, read: set[str]) -> list[str]:
    """One sentence per file of an optional table set aside because it could not be read: which
    file, why, and what it means: the analyses needing the table did not run, or (when other files
    of the table were ``read``) they ran without its rows."""
    if not problems.height or "expected" not in problems.columns:
        return []
    rows = problems.filter(pl.col("expected") == SET_ASIDE_EXPECTED).select("table", "file", "message")
    out = []
    for table, file, message in rows.iter_rows():
        what = (
            f"One file of the {table} table was set aside, so the figures from {table} leave its rows out"
            if table in read
            else f"The {table} table was set aside, so the analyses that need it did not run"
        )
        out.append(f"{what}: {file}: {message.rstrip('.')}")
    return out


def set_aside_problems(raw: RawDataset) -> list[dict[str, object]]:
    """The error naming each table the reader set aside (no row: the whole file)."""
    return [
        {
            "severity": "error",
            "file": s.file,
            "table": s.table,
            "row": None,
            "column": None,
            "value": None,
            "expected": SET_ASIDE_EXPECTED,
            "message": s.reason.removeprefix(f"{s.file}: "),
        }
        for s in raw.set_aside
    ]


def rejected_notes(problems: pl.DataFrame, row_counts: pl.DataFrame, max_share: float) -> list[str]:
    """A gentler sentence per table whose loss is over ``max_share`` but too few rows for the
    alarm (a modest share of a small table, see :func:`is_alarm`), for the data quality section."""
    notes: list[str] = []
    for loss in table_losses(problems, row_counts):
        if not loss.of or loss.share <= max_share or is_alarm(loss, max_share):
            continue
        why = _commonest_reason(problems, loss.table, own=True)
        notes.append(
            f"{_percent(loss.share)} of {loss.table} rows were rejected ({_lost(loss)}){why}: few rows, "
            f"but a noticeable share of a small table, so the figures that use {loss.table} may be a "
            "little low until they are fixed"
        )
    return notes


def _lost(loss: TableLoss) -> str:
    """'8 of 71', or '4 of the 67 rows of clients still counted; 4 more were excluded with their
    rejected client'."""
    if not loss.cascaded:
        return f"{loss.lost:,} of {loss.of:,}"
    more = "was" if loss.cascaded == 1 else "were"
    return (
        f"{loss.lost:,} of the {loss.of:,} rows of clients still counted; {loss.cascaded:,} more {more} "
        "excluded with their rejected client"
    )


def _commonest_reason(problems: pl.DataFrame, table: str, own: bool = False) -> str:
    """': most often ...' for a table's errors (``own``: leaving out rows excluded with their client).

    The cause is a column and what it expected (as in :mod:`ipseval.problem_groups`), the one
    behind the most rejected records; it is named by its commonest message and that message's
    commonest value, never by the first in row order (a two-digit year on 1,188 rows, not the
    impossible date on row 45 that happens to come first)."""
    if not problems.height or "severity" not in problems.columns:
        return ""
    errors = problems.filter(
        (pl.col("table") == table) & (pl.col("severity") == "error") & pl.col("row").is_not_null()
    )
    if own and table != "clients":
        errors = errors.filter(pl.col("expected").fill_null("") != CASCADE_EXPECTED)
    if not errors.height:
        return ""
    keys = ["column", "expected"]
    top = (
        errors.group_by(keys, maintain_order=True)
        .agg(pl.len().alias("n"))
        .sort("n", descending=True, maintain_order=True)
        .row(0, named=True)
    )
    if top["expected"] == CASCADE_EXPECTED:
        return ": most often because their client's row in clients was rejected (fix clients first)"
    cause = errors.filter(
        pl.col("column").eq_missing(top["column"]) & pl.col("expected").eq_missing(top["expected"])
    )
    said = _commonest(cause, "message")
    value = _commonest(cause.filter(pl.col("message").eq_missing(said)), "value")
    column = f"{top['column']} " if top["column"] else ""
    example = f" (e.g. '{value}')" if value else ""
    return f": most often {column}'{said}'{example}"


def _commonest(frame: pl.DataFrame, column: str) -> str | None:
    """The most frequent non-null value of ``column`` (the first seen among equals)."""
    counted = (
        frame.filter(pl.col(column).is_not_null())
        .group_by(column, maintain_order=True)
        .agg(pl.len().alias("n"))
        .sort("n", descending=True, maintain_order=True)
    )
    return counted[column][0] if counted.height else None


def _percent(share: float) -> str:
    """A share as a whole percentage that never reads as 0% or 100% when it is not."""
    if 0.99 < share < 1:
        return "over 99%"
    if 0 < share < 0.01:
        return "under 1%"
    return f"{share:.0%}"


def _where_to_map(table: str, raw: Any) -> str:
    """Where an unused column of ``raw`` would be mapped: a wide file's columns and items have
    their own sections (a table read wide has the column each row came from, ``_cell``)."""
    if "_cell" not in raw.frame.columns:
        return f"map it in the settings [mapping.columns.{table}] if it is one under another name"
    item = "a measure" if table == "wellbeing" else "an item"
    return (
        f"map it in the settings [mapping.wide.{table}.columns] if it is one under another name, or "
        f"in [mapping.wide.{table}.items] if it is {item}"
    )


def problem_frame(raw: RawDataset, frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Every problem of the checks, with warnings for unused columns and files, in the order a user
    works through them: file by file, row by row, columns in the standard's order."""
    frames = list(frames)
    warnings: list[dict[str, object]] = set_aside_problems(raw)
    for name, t in raw.tables.items():
        for col in t.unused_columns:
            warnings.append(
                {
                    "severity": "warning",
                    "file": t.file,
                    "table": name,
                    "row": None,
                    "column": col,
                    "value": None,
                    "expected": f"a column of the {name} table",
                    "message": "column not used: not part of the data standard ("
                    + _where_to_map(name, t)
                    + ")",
                }
            )
    for f in raw.unused_files:
        warnings.append(
            {
                "severity": "warning",
                "file": f,
                "table": "",
                "row": None,
                "column": None,
                "value": None,
                "expected": "a table of the standard (" + ", ".join(TABLES) + ")",
                "message": "file not used: its name is not a table of the standard (rename it, or map "
                "it in the settings [mapping.tables])",
            }
        )
    if warnings:
        frames.append(pl.DataFrame(warnings, schema=PROBLEM_SCHEMA))
    if not frames:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    # Within a row, problems follow the standard's column order.
    pos = {f"{t}.{c}": i for t, spec in TABLES.items() for i, c in enumerate(spec.column_names)}
    problems = (
        pl.concat(frames, how="vertical")
        .with_columns(
            pl.concat_str("table", pl.lit("."), "column")
            .replace_strict(pos, default=len(pos), return_dtype=pl.Int32)
            .alias("_pos")
        )
        .sort(["file", "row", "_pos"], nulls_last=False, maintain_order=True)
        .drop("_pos")
    )
    # A value is shown escaped and cut short: a NUL or a megabyte of text would garble or stall
    # every place that prints it.
    return problems.with_columns(shown(problems["value"]))
