"""What the problems add up to: the counts every command prints, and alerts when so many rows of a
table were rejected that its figures cannot be trusted.

One function counts, so ``validate``, ``evaluate``, the report and the dashboard say the same
numbers: an error on a client row also rejects that client's meetings and jobs, and those
cascaded errors are counted apart from the root causes a user has to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

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


def rejected_alerts(problems: pl.DataFrame, row_counts: pl.DataFrame, max_share: float) -> list[str]:
    """One sentence per table whose rejected share is above ``max_share``, naming the commonest reason."""
    alerts: list[str] = []
    for r in row_counts.iter_rows(named=True):
        read, rejected = r["rows_read"], r["rows_rejected"]
        if not read or rejected / read <= max_share:
            continue
        share = _percent(rejected / read)
        why = _commonest_reason(problems, r["table"])
        alerts.append(
            f"{share} of {r['table']} rows were rejected ({rejected:,} of {read:,}){why}; fix these before "
            "trusting the figures"
        )
    return alerts


def _commonest_reason(problems: pl.DataFrame, table: str) -> str:
    errors = problems.filter(
        (pl.col("table") == table) & (pl.col("severity") == "error") & pl.col("row").is_not_null()
    )
    if not errors.height:
        return ""
    top = (
        errors.group_by("column", "expected", maintain_order=True)
        .agg(pl.len().alias("n"), pl.col("message").first(), pl.col("value").drop_nulls().first())
        .sort("n", descending=True, maintain_order=True)
        .row(0, named=True)
    )
    if top["expected"] == CASCADE_EXPECTED:
        return ": most often because their client's row in clients was rejected (fix clients first)"
    column = f"{top['column']} " if top["column"] else ""
    example = f" (e.g. '{top['value']}')" if top["value"] else ""
    return f": most often {column}'{top['message']}'{example}"


def _percent(share: float) -> str:
    """A share as a whole percentage that never reads as 0% or 100% when it is not."""
    if 0.99 < share < 1:
        return "over 99%"
    if 0 < share < 0.01:
        return "under 1%"
    return f"{share:.0%}"


def problem_frame(raw: RawDataset, frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Every problem of the checks, with warnings for unused columns and files, in the order a user
    works through them: file by file, row by row, columns in the standard's order."""
    frames = list(frames)
    warnings: list[dict[str, object]] = []
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
                    "message": "column not used: not part of the data standard (map it in the settings "
                    f"[mapping.columns.{name}] if it is one under another name)",
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
