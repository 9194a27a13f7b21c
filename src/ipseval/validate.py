"""Judge raw tables against the data standard: every problem at once, usable rows typed.

Each check yields Problem rows (file, row, column, value, expected, message). An "error" excludes
its row; a "warning" keeps it. Rows read = rows used + rows rejected + rows left out for every table,
always: rows that belong to a rejected client are rejected with it; rows that are not records of the
table (see validate_leave_out) are left out, with no problems of their own. All checks are
vectorised (polars).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest import CellProblem, InputError, RawDataset, RawTable, SetAside, read_source
from ipseval.ingest.mapping import EVERY_OTHER, LEAVE_OUT, code_map, code_sections, norm_name
from ipseval.ingest.row_kinds import KIND_PREFIX
from ipseval.schema import POLARS_DTYPES, TABLES, Column, Table
from ipseval.validate_age import BIRTH
from ipseval.validate_computed import rows_dropped, with_computed
from ipseval.validate_contract import contract, contract_checks_on
from ipseval.validate_dates import OrderChoice, choose_order
from ipseval.validate_distinct import Distinct, convert_distinct, distinct
from ipseval.validate_fidelity import repeated_items
from ipseval.validate_inputs import age_from_birth, time_since_last_job_from_last_worked
from ipseval.validate_last_worked import LAST_WORKED
from ipseval.validate_leave_out import (
    AFTER_CUT,
    KeptCells,
    Reason,
    after_cut,
    after_cut_reason,
    count_values,
    drop_problems,
    leave_out_mask,
)
from ipseval.validate_leave_out import EXPECTED as LEFT_OUT_EXPECTED
from ipseval.validate_leave_out import warning as left_out_warning
from ipseval.validate_links import (
    client_lookup,
    join_clients,
    match_client_ids,
    merge_area_spellings,
    unknown_specialist_notes,
)
from ipseval.validate_notes import counted_notes
from ipseval.validate_repeats import note_repeats
from ipseval.validate_staff import fte_from_hours
from ipseval.validate_summary import (
    CASCADE_EXPECTED,
    PROBLEM_SCHEMA,
    ProblemCounts,
    count_problems,
    problem_frame,
    rejected_alerts,
)
from ipseval.validate_text import (
    AREA_COLUMNS,
    FREE_TEXT,
    area_key,
    control_characters,
    excel_errors,
    invisible_characters,
)
from ipseval.validate_totals import check_form_totals
from ipseval.validate_types import TypeReaders, _blank_where, _canon, _canon_each, _concat, _frame
from ipseval.validate_wellbeing import measure_ranges, out_of_range
from ipseval.validate_years import Century

if TYPE_CHECKING:
    from ipseval.settings import Settings

__all__ = [
    "Problem",
    "ProblemCounts",
    "ValidatedDataset",
    "contract",
    "count_problems",
    "is_cascade",
    "load",
    "validate",
]

DTYPES = POLARS_DTYPES
ROW_COUNT_SCHEMA: dict[str, type[pl.DataType]] = {
    "table": pl.Utf8,
    "file": pl.Utf8,
    "rows_read": pl.Int64,
    "rows_used": pl.Int64,
    "rows_rejected": pl.Int64,
    "rows_left_out": pl.Int64,  # not records of the table (validate_leave_out): neither used nor rejected
}
# Words some exports write for an empty cell; read as blank. (Excel's "#N/A" is not one of them:
# it is a formula that failed, named as a problem, see validate_text.excel_errors.)
NULL_WORDS = ("NULL", "null", "Null", "NA", "N/A", "n/a", "na")
_NULL_WORD_BYTES = max(len(w) for w in NULL_WORDS)  # a column of longer values holds none

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
# Columns read as dates or numbers, in words: a code mapping gives them a whole value ("" for blank).
VALUE_TYPES = {"date": "a date", "integer": "a whole-number", "number": "a number"}
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
    set_aside: list[SetAside] = field(default_factory=list)  # optional tables that could not be read
    max_rejected_share: float = 0.10  # settings [input] max_rejected_share, for rejected_alerts

    @property
    def exit_code(self) -> int:
        """0 clean (warnings allowed), 1 errors found but usable rows remain."""
        return 1 if (self.problems["severity"] == "error").any() else 0

    @property
    def n_errors(self) -> int:
        return int((self.problems["severity"] == "error").sum())

    def counts(self) -> ProblemCounts:
        """Errors, warnings, root-cause errors, errors cascaded from rejected clients, rows rejected:
        the one count every command and page prints, so they all say the same numbers."""
        return count_problems(self.problems, self.row_counts)

    @property
    def rejected_alerts(self) -> list[str]:
        """One plain sentence per table whose share of rejected rows exceeds ``[input]
        max_rejected_share``, naming the most common reason; [] when none does."""
        return rejected_alerts(self.problems, self.row_counts, self.max_rejected_share)


class _Checker(TypeReaders):
    """Checks one table: collects problem frames and a per-row reject mask."""

    def __init__(self, raw: RawTable, spec: Table, settings: Settings):
        self.spec = spec
        self.table = raw.name
        self.file = raw.file
        self.settings = settings
        self.may_hold_controls = raw.may_hold_controls
        self.may_hold_excel_errors = raw.may_hold_excel_errors
        self.may_hold_invisible = raw.may_hold_invisible
        self.no_row = raw.no_row  # a wide file's cells mapped to "": no row (see ingest.wide)
        present = [c for c in spec.column_names if c in raw.frame.columns]
        self.missing = [c for c in spec.column_names if c not in raw.frame.columns]
        # A big file's columns come as categoricals (ingest.parts): kept so, each read as text in
        # turn (see _text), and its typed text columns kept as categoricals too (see convert).
        self.compact = any(raw.frame.schema[c] == pl.Categorical for c in present)
        frame = raw.frame.select(*(_as_read(raw.frame, c) for c in present), pl.col("_row").cast(pl.Int64))
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c) for c in self.missing)
        self.raw = frame.select(*spec.column_names, "_row")
        self.n = self.raw.height
        # Rows read from wide files: the column each came from (said in its problems) and, when
        # several files give the table, its file (see ingest.RawTable).
        self.cells = raw.frame["_cell"] if "_cell" in raw.frame.columns else None
        self.files = raw.frame["_file"] if "_file" in raw.frame.columns else None
        self.reject = pl.repeat(False, self.n, dtype=pl.Boolean, eager=True).alias("reject")
        self.left = self.reject.alias("left")  # rows to leave out (validate_leave_out), not yet dropped
        self.left_reasons: list[Reason] = []
        self.left_out = 0  # rows dropped as left out
        self.left_client_ids = pl.Series("client_id", [], dtype=pl.Utf8)  # clients: ids of rows left out
        self.problems: list[pl.DataFrame] = []
        self.typed: dict[str, pl.Series] = {}
        self.present: dict[str, pl.Series] = {}  # per column: the cell holds a value (before typing)
        # Cells the read notes count (NULL words, labels mapped to "", blank cells read as a code,
        # values read as another), on rows kept only (see KeptCells); codes blank cells are read as
        self.kept_cells = KeptCells()
        self.blank_code: dict[str, str] = {}
        self.ages_from_birth = 0
        self.bands_from_last_worked = 0
        self.dates = OrderChoice("dmy")  # how this file's day/month dates are read (see convert)
        self.century = Century(settings.input.two_digit_years)  # how two-digit years are read
        # rows per value when checking distinct values, and the distinct values of date columns
        # found to choose their order (validate_distinct)
        self.weights: pl.Series | None = None
        self.distinct: dict[str, Distinct] = {}
        # Input columns (clients' date_of_birth): read to work out a standard column, never kept.
        self.inputs = {
            c.name: raw.frame[c.name].cast(pl.Utf8) for c in spec.inputs if c.name in raw.frame.columns
        }
        # wellbeing totals to compute from their parts (validate_computed): rows, their part rows
        self.computed: pl.DataFrame | None = None
        self.computed_parts: pl.DataFrame | None = None
        self.n_computed = 0  # rows added as computed totals: used, but not read from the file
        # Columns of the file that only say which rows to leave out (ingest.row_kinds): key -> cells
        self.kinds = {
            c.removeprefix(KIND_PREFIX): raw.frame[c].cast(pl.Utf8)
            for c in raw.frame.columns
            if c.startswith(KIND_PREFIX)
        }

    # -- recording -------------------------------------------------------------------------------
    def add(
        self,
        mask: pl.Series,
        column: str | None,
        expected: str,
        message: str | tuple[str, pl.Series, str] | pl.Series,
        value: pl.Series | None = None,
        severity: str = "error",
    ) -> None:
        """Record a problem on every row of ``mask``. A message given as (prefix, series, suffix) is
        built only for those rows (building it for every row would cost seconds on big tables); a
        message or value series holds one entry per row, or one per row of the mask."""
        mask = mask.fill_null(False)
        if not self.n or not mask.any():
            return
        if value is None:
            value = self.raw[column] if column else pl.Series([None] * self.n, dtype=pl.Utf8)

        def on_mask(s: pl.Series) -> pl.Series:  # given for every row, or already for the mask's rows
            return s.filter(mask) if s.len() == self.n else s

        cols = {"row": self.raw["_row"].filter(mask), "value": on_mask(value).cast(pl.Utf8)}
        constant = isinstance(message, str)
        if isinstance(message, tuple):
            prefix, detail, suffix = message
            cols["message"] = _concat(prefix, detail.filter(mask), suffix)
        elif isinstance(message, pl.Series):
            cols["message"] = on_mask(message).cast(pl.Utf8)
        df = pl.DataFrame(cols).with_columns(
            pl.lit(severity).alias("severity"),
            pl.lit(self.file).alias("file"),
            pl.lit(self.table).alias("table"),
            pl.lit(column, dtype=pl.Utf8).alias("column"),
            pl.lit(expected).alias("expected"),
            *([pl.lit(message).alias("message")] if constant else []),
        )
        self.problems.append(self._where(df, mask).select(list(PROBLEM_SCHEMA)))
        if severity == "error":
            self.reject = self.reject | mask

    def _where(self, df: pl.DataFrame, mask: pl.Series) -> pl.DataFrame:
        """Problems of rows read from wide files: each with its own file, and the column of the file
        its value came from before the message ("column 'Psych Health': ...")."""
        if self.files is not None:
            df = df.with_columns(self.files.filter(mask).alias("file"))
        if self.cells is not None:
            cell = self.cells.filter(mask)
            message = pl.concat_str(cell, pl.lit(": "), pl.col("message"))
            df = df.with_columns(
                pl.when(cell.is_not_null()).then(message).otherwise(pl.col("message")).alias("message")
            )
        return df

    # -- per-column checks -----------------------------------------------------------------------
    def convert(self, settings: Settings) -> None:
        self.dates = self._date_order(settings)
        if self.dates.warning:
            w = self.dates.warning
            self.note(None, w.value, "dates in one known order of day and month", w.message)
        self._leave_out_by_kinds(settings)
        for col in self.spec.columns:
            if self.compact:
                convert_distinct(self, settings, col)
            else:
                self.convert_column(settings, col, self._text(col.name))

    def convert_column(self, settings: Settings, col: Column, text: pl.Series) -> None:
        """Read one column's cells (``text``) as its type, naming each cell that cannot be."""
        s = self._null_words(text, col.name)
        cmap = code_map(settings, self.table, col.name)
        self._check_code_sections(settings, s, col)
        if col.name not in self.missing:
            where = f"[mapping.codes.{self.table}.{col.name}]"
            s = self._leave_out_labels(s, self.raw[col.name], f"{col.name} labels", where, cmap)
        cmap = {k: v for k, v in cmap.items() if v != LEAVE_OUT}
        s, blanked = self._mapped_to_blank(s, col, cmap)
        s = self._blank_read_as(s, blanked, col, cmap.pop("", ""))
        cmap = {k: v for k, v in cmap.items() if v}
        if col.type in VALUE_TYPES:  # a whole value mapped to another ("Full time" = "1.0")
            s, cmap = self._translated(s, col, cmap), {}
        present = s.is_not_null()
        s = self._unreadable(s, col)
        typed = getattr(self, f"_as_{col.type}")(s, col, cmap)
        default = BLANK_DEFAULTS.get((self.table, col.name))
        if default is not None:
            typed = typed.fill_null(default)
        if col.required:
            expected = "a value (this column is required)"
            self.add(~present & ~blanked, col.name, expected, "required value is blank")
            section = f"[mapping.codes.{self.table}.{col.name}]"
            message = f'required value is blank: its label is mapped to blank ("") in {section}'
            self.add(blanked, col.name, expected, message)
        self.present[col.name] = present
        # one piece of memory per column: a file read in parts gives series of many chunks, some
        # empty after filtering, on which polars 1.44 panicked in a when/then (a wellbeing score
        # out of range crashed validate on a real extract)
        self.typed[col.name] = typed.alias(col.name).rechunk()

    def _leave_out_labels(
        self, s: pl.Series, written: pl.Series, what: str, where: str, cmap: dict[str, str]
    ) -> pl.Series:
        """Rows whose cell holds a label mapped to ``leave_out`` (a blank cell: the key "", any label
        not listed: "*") marked to leave out (counted under the first column that marks them, by the
        values as ``written``), the cells blanked so they raise no problem meanwhile."""
        found = leave_out_mask(_canon(s), cmap)
        if found is None or not found.any():
            return s
        new = found & ~self.left
        reason = Reason(f"{what} mapped to {LEAVE_OUT} in {where}", count_values(written, new, self.weights))
        self.left_reasons.append(reason)
        self.left = self.left | found
        return _blank_where(s, found)

    def _leave_out_by_kinds(self, settings: Settings) -> None:
        """Rows left out by the labels of columns that only say which rows to leave out (see
        ingest.row_kinds), with a warning for each listed label that never occurs."""
        sections = settings.mapping.codes.get(self.table, {})
        for key, cells in self.kinds.items():
            codes = sections.get(key, {})
            cmap = {norm_name(k): str(v).strip() for k, v in codes.items()}
            where = f'[mapping.codes.{self.table}."{key}"]'
            self._leave_out_labels(cells, cells, f"'{key}' labels", where, cmap)
            seen = set(_canon_each(cells.drop_nulls().unique()).to_list())
            self._never_occur(where, [k for k in codes if norm_name(k) and k != EVERY_OTHER], seen, key)
        self.kinds = {}

    def leave_out_after(self, limit: date, from_settings: bool) -> None:
        """Events dated after ``limit`` (the data cut, else today) marked to leave out: they had not
        happened by then (see validate_leave_out.AFTER_CUT)."""
        column = AFTER_CUT.get(self.table)
        if column is None or column in self.missing or not self.n:
            return
        new = after_cut(self.typed[column], limit) & ~self.left
        held = self.typed.get("attended")
        if held is not None and held.dtype == pl.Boolean:
            # attended, yet after today: no booking but a mistyped date (2032 for 2023); kept, so its
            # "in the future" error is shown (an attended meeting after an earlier data cut is real)
            new = new & ~(held.fill_null(False) & after_cut(self.typed[column], date.today()))
        if not new.any():
            return
        self.left_reasons.append(
            after_cut_reason(column, self.typed[column].filter(new), limit, from_settings)
        )
        self.left = self.left | new

    def drop_left_out(self) -> None:
        """The rows marked to leave out dropped, with every problem found on them (a file row shared
        with records that stay, as in a wide file, keeps its problems)."""
        if not self.left.any():
            return
        keep = ~self.left
        rows_dropped(self, keep)  # computed totals point at rows by number
        self.problems = self._without_problems_of(self.left)
        if self.table == "clients" and "client_id" in self.typed:
            ids = self.typed["client_id"].filter(self.left).drop_nulls()
            self.left_client_ids = pl.concat([self.left_client_ids, ids.cast(pl.Utf8).alias("client_id")])
        self.raw = self.raw.filter(keep)
        self.typed = {k: v.filter(keep) for k, v in self.typed.items()}
        self.present = {k: v.filter(keep) for k, v in self.present.items()}
        self.inputs = {k: v.filter(keep) for k, v in self.inputs.items()}
        self.reject = self.reject.filter(keep)
        # a wide file's rows keep the cell and file they came from, for problems found later
        self.cells = self.cells.filter(keep) if self.cells is not None else None
        self.files = self.files.filter(keep) if self.files is not None else None
        self.kept_cells.keep(keep)
        self.left_out += int(self.left.sum())
        self.n = self.raw.height
        self.left = pl.repeat(False, self.n, dtype=pl.Boolean, eager=True).alias("left")

    def _without_problems_of(self, left: pl.Series) -> list[pl.DataFrame]:
        """The problems less those of the rows of ``left`` (a file row shared with records that stay
        keeps its own); rows are told apart by file too when several files give the table."""
        where = (
            pl.DataFrame({"row": self.raw["_row"], "file": self.files}) if self.files is not None else None
        )
        if where is None:
            gone, kept = self.raw["_row"].filter(left), self.raw["_row"].filter(~left)
            return drop_problems(self.problems, gone.filter(~gone.is_in(kept.implode())).unique())
        gone = where.filter(left).join(where.filter(~left), on=["row", "file"], how="anti")
        return drop_problems(self.problems, gone["row"], gone["file"])

    def note_left_out(self) -> None:
        """The one warning naming every row of this file left out, with the values behind them."""
        found = left_out_warning(self.table, self.left_reasons)
        if found is not None:  # its message names the values with their counts
            self.note(None, "", LEFT_OUT_EXPECTED, found[1])

    def _translated(self, s: pl.Series, col: Column, cmap: dict[str, str]) -> pl.Series:
        """Cells of a date or number column whose whole value the settings map to another, read as
        that value (matched as codes are: ignoring case and spaces)."""
        if not cmap or s.null_count() == self.n:
            return s
        key = _canon(s)
        hit = key.is_in(list(cmap)).fill_null(False)
        if not hit.any():
            return s
        self.kept_cells.add("translated", col.name, hit)
        out = _frame(key=key, s=s, h=hit).select(
            pl.when(pl.col("h")).then(pl.col("key").replace(cmap)).otherwise(pl.col("s"))
        )
        return out.to_series().alias(col.name)

    def _blank_read_as(self, s: pl.Series, blanked: pl.Series, col: Column, code: str) -> pl.Series:
        """Blank cells read as ``code`` where the settings map the key "" to it (optional code and
        yes/no columns only, see _check_code_sections); cells mapped to "" stay blank."""
        if not code or col.required or col.type not in ("code", "bool") or col.name in self.missing:
            return s
        blank = s.is_null() & ~blanked
        if blank.any():
            self.kept_cells.add("blank_read_as", col.name, blank)
            self.blank_code[col.name] = code
            s = _frame(s=s, b=blank).select(pl.when(pl.col("b")).then(pl.lit(code)).otherwise(pl.col("s")))
            s = s.to_series().alias(col.name)
        return s

    def _check_code_sections(self, settings: Settings, s: pl.Series, col: Column) -> None:
        """Code mappings that would do nothing, each named in a warning: "" (blank cells) on a column
        it cannot fill, and codes that never occur in the column."""
        sections = code_sections(settings, self.table, col.name)
        if not sections:
            return
        if col.name in self.missing:
            for key in sections:
                where = f"[mapping.codes.{self.table}.{key}]"
                message = f"{where} does not apply: {self.file} has no {col.name} column, so it does nothing"
                self.note(col.name, "", "code mappings that apply to the data", message)
            return
        expected = "code mappings that apply to the data"
        for key, codes in sections.items():
            where = f"[mapping.codes.{self.table}.{key}]"
            if "" in codes and not str(codes[""]).strip():
                message = f'{where}: "" = "" does nothing (a blank cell is read as blank already)'
                self.note(col.name, "''", expected, message)
            if "" in codes and str(codes[""]).strip() and norm_name(codes[""]) != LEAVE_OUT:
                why = (
                    "it is required (a blank is a problem to fix)"
                    if col.required
                    else f"it is {VALUE_TYPES[col.type]} column"
                    if col.type in VALUE_TYPES
                    else "it is a text column"
                    if col.type == "text"
                    else ""
                )
                if why:
                    message = (
                        f'{where}: "" = "{codes[""]}" (blank cells read as {codes[""]}) does not apply: '
                        f"{why}; it applies to optional code and yes/no columns"
                    )
                    self.note(col.name, "''", expected, message)
            present = [k for k in codes if norm_name(k) and k != EVERY_OTHER]
            if not present:
                continue
            seen = set(_canon_each(s.drop_nulls().unique()).str.strip_chars().to_list())
            seen |= {norm_name(v) for v in self.no_row.get(col.name, {})}
            self._never_occur(where, present, seen, col.name)

    def _never_occur(self, where: str, labels: list[str], seen: set[str], column: str) -> None:
        """A warning naming the ``labels`` of a code section that never occur in the column (whose
        canonical values are ``seen``): mapping them does nothing."""
        never = [k for k in labels if norm_name(k) not in seen]
        if not never:
            return
        shown = ", ".join(f"'{k}'" for k in never[:10]) + (
            f" and {len(never) - 10} more" if len(never) > 10 else ""
        )
        verb = "never occurs" if len(never) == 1 else "never occur"
        message = (
            f"{where}: {shown} {verb} in {self.file} › {column} (codes are matched ignoring case and "
            "spaces); check the spelling (a code of a lookup list that these data do not hold can stay)"
        )
        self.note(column, ", ".join(never[:10]), "code mappings that apply to the data", message)

    def _date_order(self, settings: Settings) -> OrderChoice:
        """The order of day and month in this file's dates: set for its table, or decided from
        all its date columns together (one system wrote them, in one format)."""
        setting, fallback = settings.input.order_for(self.table)
        dates = [c.name for c in self.spec.columns if c.type == "date"]
        if self.compact:  # a big file's: their distinct values, kept for convert (validate_distinct)
            self.distinct = {c: distinct(self.raw[c]) for c in dates if self.raw[c].dtype == pl.Categorical}
        columns = {c: self.distinct[c].values if c in self.distinct else self._text(c) for c in dates}
        columns |= {name: s for name, s in self.inputs.items() if name in (BIRTH, LAST_WORKED)}
        weights = {c: d.weights for c, d in self.distinct.items()}
        return choose_order(columns, setting, fallback, self.file, self.table, self.century, weights)

    def _mapped_to_blank(
        self, s: pl.Series, col: Column, cmap: dict[str, str]
    ) -> tuple[pl.Series, pl.Series]:
        """Cells whose label the settings map to "" (not recorded) made blank, and where they were."""
        labels = [k for k, v in cmap.items() if not v]
        if not labels or s.null_count() == self.n:
            return s, pl.repeat(False, self.n, dtype=pl.Boolean, eager=True)
        blanked = _canon(s).is_in(labels).fill_null(False)
        if blanked.any():
            self.kept_cells.add("mapped_blank", col.name, blanked)
        return _blank_where(s, blanked), blanked

    def _null_words(self, s: pl.Series, column: str) -> pl.Series:
        """Cells holding a word for no value (NULL, N/A) read as blank, counted for the notes."""
        if s.null_count() < self.n and s.str.len_bytes().min() <= _NULL_WORD_BYTES:
            words = s.is_in(NULL_WORDS)
            if words.any():
                self.kept_cells.add("null_words", column, words)
                return _blank_where(s, words)
        return s

    def _unreadable(self, s: pl.Series, col: Column) -> pl.Series:
        """Excel error values, control characters and invisible characters: each named; a cell
        that cannot be trusted is read as blank so it is not named twice (its row is rejected)."""
        if self.may_hold_excel_errors:
            errors = excel_errors(s)
            if errors is not None:
                msg = ("holds the Excel error ", s, ": the formula behind it failed, so its value is unknown")
                self.add(errors, col.name, "a value, not an Excel error", msg)
                s = _blank_where(s, errors)
        free_text = (self.table, col.name) in FREE_TEXT
        if self.may_hold_invisible and not free_text:
            s, found = invisible_characters(s, code=col.type != "text")
            if found is not None:
                expected = "no invisible characters"
                self.add(found.mask, col.name, expected, found.messages, severity=found.severity)
        if col.type not in ("text", "code"):  # a control character fails the type check, named there
            return s
        if self.may_hold_controls:
            found = control_characters(s, free_text)
            if found is not None:
                expected = "text without control characters"
                self.add(found.mask, col.name, expected, found.messages, severity=found.severity)
                if col.type == "code" and found.severity == "error":
                    s = _blank_where(s, found.mask)
        return s

    def count(self, mask: pl.Series) -> int:
        """The rows ``mask`` marks: each value counts its rows when checking distinct values."""
        if self.weights is None:
            return int(mask.sum())
        return int(self.weights.filter(mask.fill_null(False)).sum())

    def _text(self, column: str) -> pl.Series:
        """The cells of ``column`` as text (a big file's categoricals read as text only now)."""
        s = self.raw[column]
        return s.cast(pl.Utf8) if s.dtype == pl.Categorical else s

    def note(self, column: str | None, value: str, expected: str, message: str) -> None:
        """A warning about the whole file or column (no row): the rows carry their own problems."""
        row = {"severity": "warning", "file": self.file, "table": self.table, "row": None, "column": column}
        row |= {"value": value, "expected": expected, "message": message}
        self.problems.append(pl.DataFrame([row], schema=PROBLEM_SCHEMA))

    # -- row checks ------------------------------------------------------------------------------
    def read_problems(self, raw: RawTable) -> None:
        if not raw.read_problems:
            return
        df = pl.DataFrame(
            {
                "severity": [p.severity for p in raw.read_problems],
                "file": [p.file or self.file for p in raw.read_problems],
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
        errors = [p for p in raw.read_problems if p.severity == "error" and p.row is not None]
        if any(p.cell is not None or p.file is not None for p in errors):
            self.reject = self.reject | self._cells_of(errors)
            return
        rejected = df.filter((pl.col("severity") == "error") & pl.col("row").is_not_null())["row"]
        self.reject = self.reject | self.raw["_row"].is_in(rejected.implode())

    def _cells_of(self, errors: list[CellProblem]) -> pl.Series:
        """The rows an error excludes: those of its row number, narrowed to its file and to the cell
        it names when it names them (one cell of a wide file gives one row)."""
        none = pl.Series([None] * self.n, dtype=pl.Utf8)
        rows = pl.DataFrame(
            {
                "_i": pl.int_range(self.n, eager=True),
                "row": self.raw["_row"],
                "cell": self.cells if self.cells is not None else none,
                "file": self.files if self.files is not None else none,
            }
        )
        keys = pl.DataFrame(
            {
                "row": [p.row for p in errors],
                "p_cell": [p.cell for p in errors],
                "p_file": [p.file for p in errors],
            },
            schema={"row": pl.Int64, "p_cell": pl.Utf8, "p_file": pl.Utf8},
        )
        hit = rows.join(keys, on="row").filter(
            (pl.col("p_cell").is_null() | (pl.col("p_cell") == pl.col("cell")))
            & (pl.col("p_file").is_null() | (pl.col("p_file") == pl.col("file")))
        )["_i"]
        return pl.int_range(self.n, eager=True).is_in(hit.implode())

    def unique(self) -> None:
        for col in self.spec.columns:
            if not col.unique:
                continue
            v = self.typed[col.name]
            if AREA_COLUMNS.get(self.table) == col.name:  # "Brent" and "BRENT " are one area
                v = area_key(v)
            at = pl.int_range(self.n, eager=True, dtype=pl.Int64)
            first = pl.DataFrame({"v": v, "_i": at}).select(pl.col("_i").min().over("v")).to_series()
            dup = v.is_not_null() & (first != at)
            self.add(dup, col.name, f"each {col.name} once", ("duplicate of row ", self._row_of(first), ""))

    def _row_of(self, at: pl.Series) -> pl.Series:
        """The rows at positions ``at`` as the user finds them: the row number, with its file when
        several files give the table ("153 of clients_p1.csv")."""
        rows = self.raw["_row"].gather(at)
        if self.files is None:
            return rows
        return pl.select(pl.concat_str(rows.cast(pl.Utf8), pl.lit(" of "), self.files.gather(at))).to_series()

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

    def measure_ranges(self, ranges: pl.DataFrame | None) -> None:
        """Wellbeing scores outside their measure's range: an error on the row (validate_wellbeing)."""
        if ranges is None or not self.n:
            return
        bad, expected, message = out_of_range(
            self.typed["instrument"], self.typed["measure"], self.typed["score"], ranges
        )
        if not bad.any():
            return
        at = bad.arg_true()
        for exp in expected.unique(maintain_order=True).to_list():
            pick = expected == exp
            mask = pl.repeat(False, self.n, dtype=pl.Boolean, eager=True).scatter(at.filter(pick), True)
            self.add(mask, "score", exp, message.filter(pick))

    def links(self, lookup: pl.DataFrame, left_out: pl.Series | None = None) -> None:
        """Client-linked rows: the client must exist, be usable, and be referred before the event;
        a row of a client whose clients row was left out (``left_out``: their ids) goes with it."""
        for col in self.spec.columns:
            if col.references != "clients.client_id":
                continue
            ids = self.typed[col.name]
            j = join_clients(ids, lookup)
            gone = pl.repeat(False, self.n, dtype=pl.Boolean, eager=True)
            if left_out is not None and left_out.len():
                gone = ids.is_in(left_out.implode()).fill_null(False) & j["_crow"].is_null()
            if gone.any():
                what = f"{col.name} of a client whose clients row was left out"
                self.left_reasons.append(Reason(what, count_values(self.raw[col.name], gone & ~self.left)))
                self.left = self.left | gone
            self.add(
                ids.is_not_null() & j["_crow"].is_null() & ~gone,
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
        """The rows without errors, typed. The checker hands its cells over: afterwards it holds
        only its problems and counts (at a million clients, keeping both would double the peak)."""
        df = pl.DataFrame([*self.typed.values(), self.raw["_row"]])
        if not self.n:
            df = pl.DataFrame(
                schema={**{c.name: DTYPES[c.type] for c in self.spec.columns}, "_row": pl.Int64}
            )
        self.typed, self.present, self.inputs = {}, {}, {}
        self.raw = self.raw.clear()
        return with_computed(self, df.filter(~self.reject) if self.reject.any() else df)


def is_cascade() -> pl.Expr:
    """Problems that only follow from a rejected client row."""
    return pl.col("expected") == CASCADE_EXPECTED


def _is_compact(raw: RawTable) -> bool:
    """Whether ``raw`` was read in parts, its cells kept as categoricals (ingest.parts)."""
    return pl.Categorical in raw.frame.dtypes


def _as_read(frame: pl.DataFrame, column: str) -> pl.Expr:
    """``column`` as text, or as it is when a big file's reader kept it as categoricals."""
    return pl.col(column) if frame.schema[column] == pl.Categorical else pl.col(column).cast(pl.Utf8)


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its categorical columns (a big file's, see ingest.parts) as text."""
    cats = [c for c, t in frame.schema.items() if t == pl.Categorical]
    return frame.with_columns(pl.col(cats).cast(pl.Utf8)) if cats else frame


def validate(raw: RawDataset, settings: Settings) -> ValidatedDataset:
    """Check every table against the standard and return the usable rows, typed, with all problems."""
    cut = settings.definitions.data_cut
    limit, limit_label = (cut, "after the data cut") if cut else (date.today(), "in the future")
    notes = list(raw.notes)

    def check(name: str, spec: Table) -> _Checker:
        chk = _Checker(raw.tables[name], spec, settings)
        chk.read_problems(raw.tables[name])
        if chk.compact:  # a big file's cells now live in the checker alone: filtering frees them
            raw.tables[name].frame = raw.tables[name].frame.clear()
        chk.convert(settings)
        chk.leave_out_after(limit, cut is not None)
        chk.drop_left_out()
        age_from_birth(chk)  # validate_inputs: columns worked out from input columns
        time_since_last_job_from_last_worked(chk)
        if name == "staff":
            fte_from_hours(chk, settings)  # validate_staff: blank FTEs from contracted hours
        chk.unique()
        chk.date_order()
        chk.date_limit(limit, f"{limit_label} ({limit.isoformat()})")
        if name == "wellbeing":
            chk.measure_ranges(measure_ranges(settings))
            check_form_totals(chk, settings)  # validate_totals: totals written beside their parts
            note_repeats(chk)  # validate_repeats: an answer given twice
        if name == "fidelity":
            repeated_items(chk)  # validate_fidelity: an item given twice in one review
        return chk

    # Two tables at a time: polars releases the GIL, and much of its work on a column uses one core.
    # Big files (read in parts, see ingest.parts) are checked last, one at a time from reading to
    # usable rows: side by side, or held while the next is checked, their memory would add up.
    big = [n for n in TABLES if n in raw.tables and _is_compact(raw.tables[n])]
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {
            n: pool.submit(check, n, spec) for n, spec in TABLES.items() if n in raw.tables and n not in big
        }
        checkers = {name: job.result() for name, job in jobs.items()}
        if "clients" not in checkers:
            raise InputError("clients: the clients table was not read; nothing usable can be read")
        merge_area_spellings(checkers)
        match_client_ids(checkers, settings.input.match_client_ids)
        lookup = client_lookup(checkers["clients"])
        gone = checkers["clients"].left_client_ids
        links = [pool.submit(chk.links, lookup, gone) for chk in checkers.values() if chk.table != "clients"]
        for job in links:
            job.result()
        for chk in checkers.values():
            chk.drop_left_out()
            chk.note_left_out()
        unknown_specialist_notes(checkers)
    tables: dict[str, pl.DataFrame] = {}
    for name in big:
        chk = check(name, TABLES[name])
        one = {"clients": checkers["clients"], name: chk}
        match_client_ids(one, settings.input.match_client_ids)
        chk.links(lookup, gone)
        chk.drop_left_out()
        chk.note_left_out()
        unknown_specialist_notes(one | ({"staff": checkers["staff"]} if "staff" in checkers else {}))
        tables[name] = chk.usable()
        checkers[name] = chk
    checkers = {name: checkers[name] for name in TABLES if name in checkers}
    tables = {name: tables[name] if name in tables else chk.usable() for name, chk in checkers.items()}
    notes += counted_notes(checkers.values())
    problems = problem_frame(raw, [f for c in checkers.values() for f in c.problems])
    row_counts = pl.DataFrame(
        {
            "table": list(checkers),
            "file": [c.file for c in checkers.values()],
            "rows_read": [c.n + c.left_out for c in checkers.values()],
            "rows_used": [tables[n].height - c.n_computed for n, c in checkers.items()],
            "rows_rejected": [int(c.reject.sum()) for c in checkers.values()],
            "rows_left_out": [c.left_out for c in checkers.values()],
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
        set_aside=list(raw.set_aside),
        max_rejected_share=settings.input.max_rejected_share,
    )
    if tables["clients"].height == 0:
        clients = checkers["clients"]
        why = "the clients table has no rows" if clients.n == 0 else f"all {clients.n} rows have errors"
        err = InputError(f"{clients.file}: nothing usable can be read ({why})")
        err.dataset = ds  # lets the CLI still write the problem report
        raise err
    if contract_checks_on():
        for name, df in tables.items():
            contract(name).validate(as_text(df))
    return ds


def load(path: str | Path, settings: Settings | None = None) -> ValidatedDataset:
    """Read and validate a folder of CSV files or an .xlsx workbook."""
    if settings is None:
        from ipseval.settings import Settings

        settings = Settings()
    return validate(read_source(path, settings), settings)


# -- problem report --------------------------------------------------------------------------------
