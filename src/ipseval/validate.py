"""Judge raw tables against the data standard: every problem at once, usable rows typed.

Each check yields Problem rows (file, row, column, value, expected, message). An "error" excludes
its row; a "warning" keeps it. Rows read = rows used + rows rejected for every table, always:
rows that belong to a rejected client are rejected with it. All checks are vectorised (polars).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest import InputError, RawDataset, RawTable, read_source
from ipseval.ingest.mapping import code_map, norm_name
from ipseval.schema import BOOL_FALSE, BOOL_TRUE, POLARS_DTYPES, TABLES, UNKNOWN, Column, Table

if TYPE_CHECKING:
    from ipseval.settings import Settings

__all__ = ["Problem", "ValidatedDataset", "is_cascade", "load", "validate"]

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
DTYPES = POLARS_DTYPES
ROW_COUNT_SCHEMA: dict[str, type[pl.DataType]] = {
    "table": pl.Utf8,
    "file": pl.Utf8,
    "rows_read": pl.Int64,
    "rows_used": pl.Int64,
    "rows_rejected": pl.Int64,
}
# Words some exports write for an empty cell (and Excel's "not available"); read as blank.
NULL_WORDS = ("NULL", "null", "Null", "NA", "N/A", "n/a", "#N/A", "na")
_NULL_WORD_BYTES = max(len(w) for w in NULL_WORDS)  # a column of longer values holds none
EARLIEST = date(1900, 1, 1)

# Same-row date order: (table, earlier column, later column, column the problem is reported on).
DATE_ORDER = (
    ("clients", "referral_date", "engagement_date", "engagement_date"),
    ("clients", "referral_date", "discharge_date", "discharge_date"),
    ("clients", "engagement_date", "discharge_date", "engagement_date"),
    ("jobs", "start_date", "end_date", "end_date"),
    ("staff", "start_date", "end_date", "end_date"),
)
# Client-linked events that cannot come before the client's referral.
AFTER_REFERRAL = {"meetings": "meeting_date", "jobs": "start_date"}
# What a row that belongs to a rejected client was expected to have: such rows are excluded with
# their client and listed in full, but summarised in the terminal (the client's own problem is
# the one to fix).
CASCADE_EXPECTED = "a client whose clients row is usable"
# Values for a blank cell other than null.
BLANK_DEFAULTS: dict[tuple[str, str], object] = {("meetings", "attended"): True}


@dataclass
class Problem:
    file: str
    table: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    message: str
    severity: str = "error"  # "error" (row excluded) | "warning" (row kept)


@dataclass
class ValidatedDataset:
    source: Path
    tables: dict[str, pl.DataFrame]
    problems: pl.DataFrame
    row_counts: pl.DataFrame
    unused_columns: dict[str, list[str]]
    unused_files: list[str]
    data_cut: date
    data_cut_source: str
    interviews_dir: Path | None
    notes: list[str] = field(default_factory=list)
    missing_columns: dict[str, list[str]] = field(default_factory=dict)  # optional columns not supplied

    @property
    def exit_code(self) -> int:
        """0 clean (warnings allowed), 1 errors found but usable rows remain."""
        return 1 if (self.problems["severity"] == "error").any() else 0

    @property
    def n_errors(self) -> int:
        return int((self.problems["severity"] == "error").sum())


class _Checker:
    """Checks one table: collects problem frames and a per-row reject mask."""

    def __init__(self, raw: RawTable, spec: Table):
        self.spec = spec
        self.table = raw.name
        self.file = raw.file
        present = [c for c in spec.column_names if c in raw.frame.columns]
        self.missing = [c for c in spec.column_names if c not in raw.frame.columns]
        frame = raw.frame.select(*(pl.col(c).cast(pl.Utf8) for c in present), pl.col("_row").cast(pl.Int64))
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c) for c in self.missing)
        self.raw = frame.select(*spec.column_names, "_row")
        self.n = self.raw.height
        self.reject = pl.repeat(False, self.n, dtype=pl.Boolean, eager=True).alias("reject")
        self.problems: list[pl.DataFrame] = []
        self.typed: dict[str, pl.Series] = {}
        self.null_words = 0

    # -- recording -------------------------------------------------------------------------------
    def add(
        self,
        mask: pl.Series,
        column: str | None,
        expected: str,
        message: str | tuple[str, pl.Series, str],
        value: pl.Series | None = None,
        severity: str = "error",
    ) -> None:
        """Record a problem on every row of ``mask``. A message given as (prefix, series, suffix) is
        built only for those rows (building it for every row would cost seconds on big tables)."""
        mask = mask.fill_null(False)
        if not self.n or not mask.any():
            return
        if value is None:
            value = self.raw[column] if column else pl.Series([None] * self.n, dtype=pl.Utf8)
        cols = {
            "row": self.raw["_row"].filter(mask),
            "value": value.filter(mask).cast(pl.Utf8),
        }
        if isinstance(message, tuple):
            prefix, detail, suffix = message
            cols["message"] = _concat(prefix, detail.filter(mask), suffix)
        df = pl.DataFrame(cols).with_columns(
            pl.lit(severity).alias("severity"),
            pl.lit(self.file).alias("file"),
            pl.lit(self.table).alias("table"),
            pl.lit(column, dtype=pl.Utf8).alias("column"),
            pl.lit(expected).alias("expected"),
            *([] if isinstance(message, tuple) else [pl.lit(message).alias("message")]),
        )
        self.problems.append(df.select(list(PROBLEM_SCHEMA)))
        if severity == "error":
            self.reject = self.reject | mask

    # -- per-column checks -----------------------------------------------------------------------
    def convert(self, settings: Settings) -> None:
        for col in self.spec.columns:
            s = self.raw[col.name]
            if s.null_count() < self.n and s.str.len_bytes().min() <= _NULL_WORD_BYTES:
                words = s.is_in(NULL_WORDS)
                if words.any():
                    self.null_words += int(words.sum())
                    s = _frame(s=s, w=words).select(pl.when(pl.col("w")).then(None).otherwise(pl.col("s")))
                    s = s.to_series().alias(col.name)
            cmap = code_map(settings, self.table, col.name) if col.type in ("text", "code", "bool") else {}
            typed = getattr(self, f"_as_{col.type}")(s, col, cmap)
            default = BLANK_DEFAULTS.get((self.table, col.name))
            if default is not None:
                typed = typed.fill_null(default)
            if col.required:
                self.add(
                    s.is_null(), col.name, "a value (this column is required)", "required value is blank"
                )
            self.typed[col.name] = typed.alias(col.name)

    def _as_text(self, s: pl.Series, col: Column, cmap: dict[str, str]) -> pl.Series:
        if not cmap:
            return s
        key = _canon(s)
        return (
            _frame(key=key, s=s)
            .select(
                pl.when(pl.col("key").is_in(list(cmap)))
                .then(pl.col("key").replace(cmap))
                .otherwise(pl.col("s"))
            )
            .to_series()
        )

    def _as_code(self, s: pl.Series, col: Column, cmap: dict[str, str]) -> pl.Series:
        codes = list(col.codes or ())
        bad = s.is_not_null() & ~s.is_in(codes)
        if cmap or bad.any():
            s = _canon(s)
            if cmap:
                s = s.replace({k: norm_name(v) for k, v in cmap.items()})
            bad = s.is_not_null() & ~s.is_in(codes)
        self.add(bad, col.name, col.expected, "not one of the allowed codes")
        out = s
        if bad.any():
            out = _frame(s=s, bad=bad).select(pl.when(pl.col("bad")).then(None).otherwise(pl.col("s")))
            out = out.to_series()
        if UNKNOWN in codes:
            out = out.fill_null(UNKNOWN)
        return out

    def _as_bool(self, s: pl.Series, col: Column, cmap: dict[str, str]) -> pl.Series:
        if cmap:
            key = _canon(s)
            s = (
                _frame(key=key, s=s)
                .select(
                    pl.when(pl.col("key").is_in(list(cmap)))
                    .then(pl.col("key").replace(cmap))
                    .otherwise(pl.col("s"))
                )
                .to_series()
            )
        t, f = s.is_in(_TRUE_FAST), s.is_in(_FALSE_FAST)
        unmatched = s.is_not_null() & ~t & ~f
        if unmatched.any():
            low = s.str.to_lowercase()
            t, f = low.is_in(list(BOOL_TRUE)), low.is_in(list(BOOL_FALSE))
            unmatched = s.is_not_null() & ~t & ~f
            self.add(unmatched, col.name, col.expected, "not a yes/no value")
        return (
            _frame(t=t, f=f)
            .select(pl.when(pl.col("t")).then(True).when(pl.col("f")).then(False).otherwise(None))
            .to_series()
        )

    def _as_integer(self, s: pl.Series, col: Column, cmap: dict[str, str]) -> pl.Series:
        x = self._as_number(s, col, cmap, whole=True)
        return x.cast(pl.Int64, strict=False)

    def _as_number(self, s: pl.Series, col: Column, cmap: dict[str, str], whole: bool = False) -> pl.Series:
        x = s.cast(pl.Float64, strict=False)
        bad = s.is_not_null() & (x.is_null() | ~x.is_finite())
        kind = "not a whole number" if whole else "not a number"
        self.add(bad, col.name, col.expected, kind)
        x = _frame(x=x, bad=bad).select(pl.when(pl.col("bad")).then(None).otherwise(pl.col("x"))).to_series()
        if whole:
            frac = x.is_not_null() & ((x != x.floor()) | (x.abs() > 1e15))
            self.add(frac, col.name, col.expected, "not a whole number")
            x = _frame(x=x, b=frac).select(pl.when(pl.col("b")).then(None).otherwise(pl.col("x"))).to_series()
        if col.minimum is not None:
            self.add(x < col.minimum, col.name, col.expected, f"below the minimum of {_fmt(col.minimum)}")
        if col.maximum is not None:
            self.add(x > col.maximum, col.name, col.expected, f"above the maximum of {_fmt(col.maximum)}")
        return x

    def _as_date(self, s: pl.Series, col: Column, cmap: dict[str, str]) -> pl.Series:
        d = parse_dates(s)
        self.add(s.is_not_null() & d.is_null(), col.name, col.expected, "not a valid date")
        self.add(d < EARLIEST, col.name, "a date after 1900", "date before 1900: check the year")
        return d

    # -- row checks ------------------------------------------------------------------------------
    def read_problems(self, raw: RawTable) -> None:
        if not raw.read_problems:
            return
        df = pl.DataFrame(
            {
                "severity": "error",
                "file": self.file,
                "table": self.table,
                "row": [p.row for p in raw.read_problems],
                "column": [p.column for p in raw.read_problems],
                "value": [p.value for p in raw.read_problems],
                "expected": [p.expected for p in raw.read_problems],
                "message": [p.message for p in raw.read_problems],
            },
            schema=PROBLEM_SCHEMA,
        )
        self.problems.append(df)
        self.reject = self.reject | self.raw["_row"].is_in(df["row"].implode())

    def unique(self) -> None:
        for col in self.spec.columns:
            if not col.unique:
                continue
            df = pl.DataFrame({"v": self.typed[col.name], "_row": self.raw["_row"]})
            first = df.select(pl.col("_row").min().over("v")).to_series()
            dup = self.typed[col.name].is_not_null() & (first != self.raw["_row"])
            self.add(dup, col.name, f"each {col.name} once", ("duplicate of row ", first, ""))

    def date_order(self) -> None:
        for table, earlier, later, report in DATE_ORDER:
            if table != self.table or earlier in self.missing or later in self.missing:
                continue
            a, b = self.typed[earlier], self.typed[later]
            bad = a.is_not_null() & b.is_not_null() & (b < a)
            if report == later:
                msg = (f"{later} is before {earlier} (", a, ")")
                expected = f"on or after {earlier}"
            else:
                msg = (f"{earlier} is after {later} (", b, ")")
                expected = f"on or before {later}"
            self.add(bad, report, expected, msg)

    def date_limit(self, limit: date, label: str) -> None:
        for col in self.spec.columns:
            if col.type == "date":
                self.add(self.typed[col.name] > limit, col.name, f"on or before {limit.isoformat()}", label)

    def links(self, lookup: pl.DataFrame) -> None:
        """Client-linked rows: the client must exist, be usable, and be referred before the event."""
        for col in self.spec.columns:
            if col.references != "clients.client_id":
                continue
            ids = self.typed[col.name]
            j = _join_clients(ids, lookup)
            self.add(
                ids.is_not_null() & j["_crow"].is_null(),
                col.name,
                "a client_id that is in clients",
                "client_id not found in clients",
            )
            rejected = j["_crow"].is_not_null() & ~j["_ok"]
            msg = ("client row rejected (see clients row ", j["_crow"], ")")
            self.add(rejected, col.name, CASCADE_EXPECTED, msg)
            event = AFTER_REFERRAL.get(self.table)
            if event:
                before = j["_ok"].fill_null(False) & (self.typed[event] < j["referral_date"])
                msg = ("before the client's referral_date (", j["referral_date"], ")")
                self.add(before, event, "on or after the client's referral_date", msg)

    # -- results ---------------------------------------------------------------------------------
    def usable(self) -> pl.DataFrame:
        df = pl.DataFrame([*self.typed.values(), self.raw["_row"]])
        if not self.n:
            df = pl.DataFrame(
                schema={**{c.name: DTYPES[c.type] for c in self.spec.columns}, "_row": pl.Int64}
            )
        return df.filter(~self.reject) if self.reject.any() else df


_TRUE_FAST = sorted({v for w in BOOL_TRUE for v in (w, w.upper(), w.title())})
_FALSE_FAST = sorted({v for w in BOOL_FALSE for v in (w, w.upper(), w.title())})


def is_cascade() -> pl.Expr:
    """Problems that only follow from a rejected client row."""
    return pl.col("expected") == CASCADE_EXPECTED


def _frame(**cols: pl.Series) -> pl.DataFrame:
    return pl.DataFrame({k: v.alias(k) for k, v in cols.items()})


def _canon(s: pl.Series) -> pl.Series:
    """Codes compare case-insensitively, with inner runs of spaces/hyphens as one underscore."""
    return s.str.to_lowercase().str.replace_all(r"[\s\-]+", "_")


def _concat(prefix: str, s: pl.Series, suffix: str) -> pl.Series:
    return (
        _frame(s=s)
        .select(pl.concat_str(pl.lit(prefix), pl.col("s").cast(pl.Utf8), pl.lit(suffix)))
        .to_series()
    )


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


_TIME_PART = r"^(\S+)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"


def parse_dates(s: pl.Series) -> pl.Series:
    """ISO YYYY-MM-DD, else UK DD/MM/YYYY (or D/M/YYYY), ignoring a trailing time; null if neither."""
    out = s.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    fail = out.is_null() & s.is_not_null()
    if not fail.any():
        return out
    idx = fail.arg_true()
    sub = s.gather(idx)
    d = sub.str.strptime(pl.Date, "%d/%m/%Y", strict=False)
    if d.is_null().any():
        bare = sub.str.replace(_TIME_PART, "$1")
        again = _frame(
            a=bare.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
            b=bare.str.strptime(pl.Date, "%d/%m/%Y", strict=False),
        ).select(pl.coalesce("a", "b"))
        d = d.fill_null(again.to_series())
    return out.scatter(idx, d)


def _client_lookup(chk: _Checker) -> pl.DataFrame:
    """client_id -> first clients row, its referral_date and whether it is usable."""
    return (
        pl.DataFrame(
            {
                "client_id": chk.typed["client_id"],
                "_crow": chk.raw["_row"],
                "referral_date": chk.typed["referral_date"],
                "_ok": ~chk.reject,
            }
        )
        .filter(pl.col("client_id").is_not_null())
        .unique("client_id", keep="first", maintain_order=True)
    )


def _join_clients(ids: pl.Series, lookup: pl.DataFrame) -> pl.DataFrame:
    """The other ``lookup`` columns for each of ``ids`` (a left join, in the order of ``ids``).

    Files usually list a client's rows together, so when runs of the same id are common the join
    probes each run once and repeats its result: several times cheaper on big tables.
    """
    n = len(ids)
    new_run = ids.slice(1).ne_missing(ids.slice(0, n - 1)) if n > 1 else pl.Series(dtype=pl.Boolean)
    if new_run.sum() + 1 > n // 4:
        ids = ids.to_frame("client_id")
        return ids.join(lookup, on="client_id", how="left", maintain_order="left").drop("client_id")
    starts = pl.concat([pl.Series([0], dtype=pl.UInt32), new_run.arg_true().cast(pl.UInt32) + 1])
    heads = pl.DataFrame({"client_id": ids.gather(starts)})
    j = heads.join(lookup, on="client_id", how="left", maintain_order="left").drop("client_id")
    run = pl.concat([pl.Series([0], dtype=pl.UInt32), new_run.cast(pl.UInt32).cum_sum()])
    return j.select(pl.all().gather(run))


def validate(raw: RawDataset, settings: Settings) -> ValidatedDataset:
    """Check every table against the standard and return the usable rows, typed, with all problems."""
    cut = settings.definitions.data_cut
    limit, limit_label = (cut, "after the data cut") if cut else (date.today(), "in the future")
    notes = list(raw.notes)

    def check(name: str, spec: Table) -> _Checker:
        chk = _Checker(raw.tables[name], spec)
        chk.read_problems(raw.tables[name])
        chk.convert(settings)
        chk.unique()
        chk.date_order()
        chk.date_limit(limit, f"{limit_label} ({limit.isoformat()})")
        return chk

    # Two tables at a time: polars releases the GIL, and much of its work on a column uses one core.
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {name: pool.submit(check, name, spec) for name, spec in TABLES.items() if name in raw.tables}
        checkers = {name: job.result() for name, job in jobs.items()}
        for chk in checkers.values():
            if chk.null_words:
                notes.append(f"{chk.file}: {chk.null_words} cells holding NULL, NA or N/A were read as blank")

        if "clients" not in checkers:
            raise InputError("clients: the clients table was not read; nothing usable can be read")
        lookup = _client_lookup(checkers["clients"])
        links = [pool.submit(chk.links, lookup) for chk in checkers.values() if chk.table != "clients"]
        for job in links:
            job.result()

    tables = {name: chk.usable() for name, chk in checkers.items()}
    problems = _problem_frame(raw, checkers)
    row_counts = pl.DataFrame(
        {
            "table": list(checkers),
            "file": [c.file for c in checkers.values()],
            "rows_read": [c.n for c in checkers.values()],
            "rows_used": [tables[n].height for n in checkers],
            "rows_rejected": [int(c.reject.sum()) for c in checkers.values()],
        },
        schema=ROW_COUNT_SCHEMA,
    )

    if cut is not None:
        data_cut, source = cut, "settings"
    else:
        latest = [
            df[c.name].max()
            for name, df in tables.items()
            for c in TABLES[name].columns
            if c.type == "date" and df.height
        ]
        latest = [d for d in latest if d is not None]
        data_cut, source = (max(latest) if latest else date.today()), "latest date in the data"

    ds = ValidatedDataset(
        source=raw.source,
        tables=tables,
        problems=problems,
        row_counts=row_counts,
        unused_columns={n: list(t.unused_columns) for n, t in raw.tables.items() if t.unused_columns},
        unused_files=list(raw.unused_files),
        data_cut=data_cut,
        data_cut_source=source,
        interviews_dir=raw.interviews_dir,
        notes=notes,
        missing_columns={n: c.missing for n, c in checkers.items() if c.missing},
    )
    if tables["clients"].height == 0:
        clients = checkers["clients"]
        why = "the clients table has no rows" if clients.n == 0 else f"all {clients.n} rows have errors"
        err = InputError(f"{clients.file}: nothing usable can be read ({why})")
        err.dataset = ds  # lets the CLI still write the problem report
        raise err
    if _contract_checks_on():
        for name, df in tables.items():
            contract(name).validate(df)
    return ds


def _contract_checks_on() -> bool:
    """The pandera contract check guards against bugs in this module, not in the user's data, so it
    runs in the test suite (and with IPSEVAL_CONTRACT_CHECKS=1) but not on every user run: importing
    and running pandera costs more than a second, against a 3-second budget for a whole evaluation."""
    import os

    return os.environ.get("IPSEVAL_CONTRACT_CHECKS", "") not in ("", "0")


def _problem_frame(raw: RawDataset, checkers: dict[str, _Checker]) -> pl.DataFrame:
    frames = [f for c in checkers.values() for f in c.problems]
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
    return (
        pl.concat(frames, how="vertical")
        .with_columns(
            pl.concat_str("table", pl.lit("."), "column")
            .replace_strict(pos, default=len(pos), return_dtype=pl.Int32)
            .alias("_pos")
        )
        .sort(["file", "row", "_pos"], nulls_last=False, maintain_order=True)
        .drop("_pos")
    )


def contract(table: str):  # -> pandera.polars.DataFrameSchema
    """The typed output of ``table`` as a pandera schema, built from schema.py (a failure is a bug)."""
    import pandera.polars as pa

    spec = TABLES[table]
    columns = {}
    for c in spec.columns:
        checks = []
        if c.codes:
            checks.append(pa.Check.isin(list(c.codes)))
        if c.minimum is not None:
            checks.append(pa.Check.ge(c.minimum))
        if c.maximum is not None:
            checks.append(pa.Check.le(c.maximum))
        nullable = not c.required and not (c.codes and UNKNOWN in c.codes)
        if (table, c.name) in BLANK_DEFAULTS:
            nullable = False
        columns[c.name] = pa.Column(DTYPES[c.type], checks=checks, nullable=nullable, unique=c.unique)
    columns["_row"] = pa.Column(pl.Int64, nullable=False)
    return pa.DataFrameSchema(columns, strict=True, ordered=True, name=table)


def load(path: str | Path, settings: Settings | None = None) -> ValidatedDataset:
    """Read and validate a folder of CSV files or an .xlsx workbook."""
    if settings is None:
        from ipseval.settings import Settings

        settings = Settings()
    return validate(read_source(path, settings), settings)


# -- problem report --------------------------------------------------------------------------------
