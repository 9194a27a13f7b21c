"""Problems grouped by root cause, the way a person fixes them: one line per cause, with the
distinct offending values and how often each occurs, before any per-row list.

A cause is one kind of problem in one column of one file (same severity, same expectation).
Problems of a whole file or column (a missing column, a column not used) come first; then the
causes that reject most rows; warnings last. Rows excluded only because their client's own row
was rejected are not causes: they are counted per file in :func:`cascade_summary` and follow from
the causes that rejected those clients.

A cause about a whole column or file (``scope`` "column" or "file": it names no row) has no rows
affected: it is shown as "whole column" or "whole file" (:func:`rows_text`), with no values unless
it names some (the spellings of one area that were merged), never as "1 row, (blank) ×1", which
would read as one blank cell.

Columns not used (not part of the standard, not mapped) are one cause per file, listed after every
other problem ("5 columns not used: Appt ID, Location, ..."): an export of 40 columns of which 20
are read would otherwise bury the real problems under 20 lines of housekeeping. ``problems.csv``
still names each column on a line of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from .ingest.file_notes import files_text
from .validate import is_cascade

TOP_VALUES = 8  # distinct values shown per cause; the rest are counted
SCOPE_WORDS = {"column": "whole column", "file": "whole file"}  # a cause that names no row
UNUSED_NAMES_SHOWN = 12  # unused columns named per file; the rest are counted
# What validate_summary.problem_frame expects of a column that is not used.
_UNUSED_EXPECTED = re.compile(r"^a column of the (\w+) table$")


@dataclass(frozen=True)
class Cascade:
    """Rows left out with their rejected clients."""

    clients_rejected: int  # rejected clients whose other rows were left out (not every rejected client row)
    rows: int  # rows of other tables excluded with them
    per_file: tuple[tuple[str, int], ...]  # (file, rows), most first


def group_problems(problems: pl.DataFrame) -> pl.DataFrame:
    """One row per cause: severity, file, table, column, expected, message (the commonest),
    ``rows`` affected, ``distinct`` offending values, ``values`` (up to :data:`TOP_VALUES`
    (value, count) pairs, commonest first), ``first_rows`` (up to 5 row numbers) and ``scope``
    ("rows"; or "column" / "file" for a problem of a whole column or file, whose ``values`` are
    empty unless it names values), in the order to fix them (see the module docstring)."""
    own, shared = _one_per_line(problems.filter(~is_cascade()))
    unused_columns = _is_unused_column()
    unused = own.filter(unused_columns)
    own = own.filter(~unused_columns)
    if not own.height:
        return _unused_causes(unused) if unused.height else _empty()
    keys = ["severity", "file", "table", "column", "expected"]
    counted = (
        own.with_columns(pl.col("value").fill_null(""))
        .group_by([*keys, "value"], maintain_order=True)
        .agg(pl.len().alias("n"), pl.col("row").min().alias("first"))
        .sort("n", descending=True, maintain_order=True)
    )
    values = counted.group_by(keys, maintain_order=True).agg(
        pl.struct(pl.col("value"), pl.col("n").alias("count")).head(TOP_VALUES).alias("values"),
        pl.col("value").filter(pl.col("value") != "").n_unique().alias("distinct"),
    )
    sizes = own.group_by(keys, maintain_order=True).agg(
        pl.len().alias("rows"),
        pl.col("message").mode().first().alias("message"),
        pl.col("row").drop_nulls().unique().sort().head(5).alias("first_rows"),
        pl.col("row").is_null().all().alias("whole_column"),
    )
    # a file-level problem has no column (null): null keys must still find their values
    out = sizes.join(values, on=keys, how="left", maintain_order="left", nulls_equal=True).with_columns(
        _advice()
    )
    whole = pl.col("whole_column")
    out = out.with_columns(
        pl.when(~whole)
        .then(pl.lit("rows"))
        .when(pl.col("column").is_null())
        .then(pl.lit("file"))
        .otherwise(pl.lit("column"))
        .alias("scope"),
        # a whole column's blank "value" is no cell's: no values found (but the spellings a
        # merged-areas warning names are values, and stay)
        pl.when(whole & (pl.col("distinct") == 0))
        .then(pl.lit([], dtype=out.schema["values"]))
        .otherwise(pl.col("values"))
        .alias("values"),
    )
    order = [pl.col("severity") != "error", ~whole, -pl.col("rows").cast(pl.Int64)]
    out = _name_tables(_said_once(out.sort(order, maintain_order=True).drop("whole_column")), shared)
    return pl.concat([out, _unused_causes(unused)], how="vertical") if unused.height else out


def _one_per_line(problems: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """The problems with one found alike on the same row (or the whole) of a file that gives
    several tables (a malformed line, its text encoding: each table reads the file) kept once, its
    tables joined ("meetings, employer_contacts"); and the files that give several tables."""
    if not problems.height:
        return problems, []
    per_file = problems.group_by("file").agg(pl.col("table").n_unique().alias("k"))
    shared = per_file.filter(pl.col("k") > 1)["file"].to_list()
    if not shared:
        return problems, []
    keys = [c for c in problems.columns if c != "table"]
    hit = pl.col("file").is_in(shared)
    merged = (
        problems.filter(hit)
        .group_by(keys, maintain_order=True)
        .agg(pl.col("table").unique(maintain_order=True).str.join(", "))
        .select(problems.columns)
    )
    return pl.concat([problems.filter(~hit), merged], how="vertical"), shared


def _name_tables(causes: pl.DataFrame, shared: list[str]) -> pl.DataFrame:
    """Causes in a file that gives several tables name their table beside the file
    ("contacts.txt (employer_contacts)"): the file alone does not say which table's rule it broke."""
    if not shared or not causes.height:
        return causes
    named = pl.concat_str(pl.col("file"), pl.lit(" ("), pl.col("table"), pl.lit(")"))
    return causes.with_columns(
        pl.when(pl.col("file").is_in(shared)).then(named).otherwise(pl.col("file")).alias("file")
    )


def _said_once(causes: pl.DataFrame) -> pl.DataFrame:
    """A warning about a whole file said alike of several files (the columns are separated by
    vertical bars; title rows above the header) as one cause naming them all, where the first of
    them stood, with the values each file gave (the title rows' text)."""
    alike = ["severity", "expected", "message", "scope"]
    whole = (pl.col("scope") == "file") & (pl.col("severity") == "warning")
    if causes.filter(whole).select(pl.struct(alike).is_duplicated().any()).item() is not True:
        return causes
    causes = causes.with_columns(pl.int_range(pl.len()).alias("_at"))
    merged = (
        causes.filter(whole)
        .group_by(alike, maintain_order=True)
        .agg(
            pl.col("file").alias("_files"),
            pl.col("_at").min(),
            pl.col("values").flatten().drop_nulls().head(TOP_VALUES).alias("_values"),
            pl.col("rows").sum().alias("_rows"),
        )
        .with_columns(pl.col("_files").map_elements(lambda f: files_text(list(f)), return_dtype=pl.Utf8))
        .select("_at", "_files", "_values", "_rows")
    )
    out = causes.join(merged, on="_at", how="left", maintain_order="left")
    out = out.filter(~whole | pl.col("_files").is_not_null())
    first = pl.col("_files").is_not_null()  # the cause that now stands for the files alike
    return out.with_columns(
        pl.coalesce("_files", "file").alias("file"),
        pl.when(first).then("_values").otherwise("values").alias("values"),
        pl.when(first)
        .then(pl.col("_values").list.len())
        .otherwise("distinct")
        .cast(causes.schema["distinct"])
        .alias("distinct"),
        pl.when(first).then("_rows").otherwise("rows").cast(causes.schema["rows"]).alias("rows"),
    ).drop("_at", "_files", "_values", "_rows")


def _is_unused_column() -> pl.Expr:
    """Warnings that a column of the file is not used (validate_summary.problem_frame)."""
    return (
        (pl.col("severity") == "warning")
        & pl.col("row").is_null()
        & pl.col("column").is_not_null()
        & pl.col("expected").fill_null("").str.contains(_UNUSED_EXPECTED.pattern)
    )


def _unused_causes(unused: pl.DataFrame) -> pl.DataFrame:
    """One cause per file for its columns not used: '3 columns not used: Ref, Site, Notes: ...'."""
    rows = []
    for (file, table), group in unused.group_by(["file", "table"], maintain_order=True):
        names = list(dict.fromkeys(group["column"].to_list()))
        shown = ", ".join(names[:UNUSED_NAMES_SHOWN])
        if len(names) > UNUSED_NAMES_SHOWN:
            shown += f" and {len(names) - UNUSED_NAMES_SHOWN} more"
        n = len(names)
        rows.append(
            {
                "severity": "warning", "file": file, "table": table, "column": None,
                "expected": f"columns of the {table} table",
                "rows": group.height,
                "message": f"{n} column{'s' if n != 1 else ''} not used: {shown}: not part of the data "
                f"standard, so not read (map one in [mapping.columns.{table}] if it is a standard column "
                "under another name)",
                "first_rows": [], "values": [], "distinct": 0, "advice": "", "scope": "columns",
            }
        )  # fmt: skip
    return pl.DataFrame(rows, schema=_empty().schema)


def rows_text(cause: dict) -> str:
    """A cause's rows as shown: '1,204'; 'whole column' / 'whole file' for one naming no row; '5 columns'
    for columns not used."""
    scope = cause.get("scope") or "rows"
    if scope == "columns":  # columns not used: how many
        return f"{cause['rows']:,} column{'s' if cause['rows'] != 1 else ''}"
    return SCOPE_WORDS.get(scope) or f"{cause['rows']:,}"


def _advice() -> pl.Expr:
    """What to do about a cause, where the fix is a mapping rather than an edit of the records."""
    coded = pl.col("expected").str.starts_with("one of:") | pl.col("message").str.contains("yes/no")
    return (
        pl.when(coded & (pl.col("severity") == "error"))
        .then(
            pl.format(
                "if these are your own labels for the codes, map them in [mapping.codes.{}.{}] "
                "(ipseval map proposes it)",
                pl.col("table"),
                pl.col("column"),
            )
        )
        .otherwise(pl.lit(""))
        .alias("advice")
    )


def cascade_summary(problems: pl.DataFrame) -> Cascade:
    """How many rows were excluded only with their rejected clients, and the clients they followed.

    Only clients whose rows elsewhere were actually left out count: a rejected duplicate clients row
    (its client_id kept by the first row) or a rejected client with no other rows takes nothing
    with it. A cascaded row names its client's row ("see clients row 12"); failing that its
    client_id tells the clients apart."""
    cascade = problems.filter(is_cascade())
    per_file = cascade.group_by("file").agg(pl.len().alias("n")).sort(["n", "file"], descending=[True, False])
    client = pl.coalesce(
        pl.concat_str(pl.lit("row "), pl.col("message").str.extract(r"clients row (\d+)")),
        pl.concat_str(pl.lit("id "), pl.col("value").str.strip_chars()),
    )
    clients = (
        cascade.select(client.alias("client")).drop_nulls()["client"].n_unique() if cascade.height else 0
    )
    return Cascade(
        clients_rejected=clients,
        rows=cascade.height,
        per_file=tuple((r["file"], int(r["n"])) for r in per_file.iter_rows(named=True)),
    )


def values_text(values: list[dict] | None, distinct: int) -> str:
    """``'M' ×400, 'F' ×319 and 3 more`` (an empty value shown as ``(blank)``)."""
    shown = [f"{_quoted(v['value'])} ×{v['count']:,}" for v in values or []]
    more = (distinct or 0) - sum(1 for v in values or [] if v["value"] != "")
    return ", ".join(shown) + (f" and {more:,} more" if more > 0 else "")


def _quoted(value: str) -> str:
    return "(blank)" if value == "" else f"'{value}'"


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "severity": pl.Utf8, "file": pl.Utf8, "table": pl.Utf8, "column": pl.Utf8, "expected": pl.Utf8,
            "rows": pl.UInt32, "message": pl.Utf8, "first_rows": pl.List(pl.Int64),
            "values": pl.List(pl.Struct({"value": pl.Utf8, "count": pl.UInt32})), "distinct": pl.UInt32,
            "advice": pl.Utf8, "scope": pl.Utf8,
        }
    )  # fmt: skip
