"""The evaluation as data: compute every tidy result from the store, then protect it once.

``Evaluation`` holds unrounded results (internal); ``PublishedEvaluation`` holds the same results
after disclosure control, and is the only thing renderers (report, JSON, CSV, dashboard) receive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from . import __version__, metrics
from .results import ProtectedTable, ResultTable
from .schema import STANDARD_VERSION
from .settings import Disclosure, Settings
from .store import Store, StoreError
from .validate import PROBLEM_SCHEMA, ROW_COUNT_SCHEMA


@dataclass
class EvaluationMeta:
    service_name: str
    source: str
    data_cut: date
    data_cut_source: str
    period_start: str
    period_end: str
    generated_at: str
    software_version: str
    standard_version: str
    tables_present: list[str]
    settings: Settings
    problems: dict[str, int] = field(default_factory=dict)  # {"error": n, "warning": n}
    # the clients covered, in words, when the evaluation is of part of the data (a dashboard
    # view's filters); "" = every client
    scope: str = ""
    # optional columns ("table.column") the data set does not record: their figures are not reported
    unrecorded: list[str] = field(default_factory=list)
    # sentences for the report's first screen: tables of which too many rows were rejected
    alerts: list[str] = field(default_factory=list)
    # gentler sentences for the data quality section: a modest share of a small table rejected
    # (see ipseval.validate_summary.rejected_notes)
    data_notes: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> str:
        """How captions name what an overall figure covers: 'all areas', or the view's scope."""
        return self.scope or "all areas"

    def as_dict(self) -> dict[str, Any]:
        return {
            "service_name": self.service_name,
            "source": self.source,
            "data_cut": self.data_cut.isoformat(),
            "data_cut_source": self.data_cut_source,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "generated_at": self.generated_at,
            "software_version": self.software_version,
            "standard_version": self.standard_version,
            "tables_present": self.tables_present,
            "problems": self.problems,
            "scope": self.scope,
            "unrecorded": self.unrecorded,
            "alerts": self.alerts,
            "data_notes": self.data_notes,
        }


@dataclass
class Evaluation:
    """Unrounded results: for internal use, never rendered directly."""

    meta: EvaluationMeta
    tables: dict[str, ResultTable]
    # analyses that raised an unexpected error: (title, "ExceptionType: message"); the rest ran
    failed: list[tuple[str, str]] = field(default_factory=list)
    raise_errors: bool = False  # --debug: renderers let an error propagate too

    def publish(self, policy: Disclosure | None = None) -> PublishedEvaluation:
        """Apply disclosure control (the settings' policy unless another is given)."""
        from .disclosure import describe_policy, protect_release

        policy = policy or self.meta.settings.disclosure
        return PublishedEvaluation(
            meta=self.meta,
            disclosure=describe_policy(policy),
            tables=protect_release(self.tables, policy),
            failed=list(self.failed),
            raise_errors=self.raise_errors,
        )


@dataclass
class PublishedEvaluation:
    """Results after disclosure control: what every output is rendered from."""

    meta: EvaluationMeta
    disclosure: dict[str, Any]
    tables: dict[str, ProtectedTable]
    # analyses, and report sections that could not be drawn, that failed unexpectedly:
    # (what, "ExceptionType: message"); renderers add the sections they could not draw
    failed: list[tuple[str, str]] = field(default_factory=list)
    raise_errors: bool = False

    def table(self, key: str) -> ProtectedTable | None:
        return self.tables.get(key)

    def missing_reason(self, key: str) -> str:
        """Why table ``key`` is not here, in plain words (the reason its analysis did not run)."""
        from .analyses import missing_table_reason

        status = self.tables.get("analyses")
        return missing_table_reason(status.data.to_dicts() if status else [], key)


def data_quality(row_counts: pl.DataFrame, problems: pl.DataFrame) -> ResultTable:
    """Rows read, used, rejected and left out per table, with the number of problems found (row
    counts stored before rows could be left out have none)."""
    if row_counts.height == 0:
        df = pl.DataFrame(schema=ROW_COUNT_SCHEMA | {"errors": pl.Int64, "warnings": pl.Int64})
    else:
        if problems.height:
            per = problems.group_by("table").agg(
                (pl.col("severity") == "error").sum().cast(pl.Int64).alias("errors"),
                (pl.col("severity") == "warning").sum().cast(pl.Int64).alias("warnings"),
            )
        else:
            per = pl.DataFrame(schema={"table": pl.Utf8, "errors": pl.Int64, "warnings": pl.Int64})
        if "rows_left_out" not in row_counts.columns:
            row_counts = row_counts.with_columns(pl.lit(0, dtype=pl.Int64).alias("rows_left_out"))
        counted = ("rows_read", "rows_used", "rows_rejected", "rows_left_out")
        df = (
            row_counts.select("table", "file", *counted)
            .with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in counted)
            .join(per, on="table", how="left")
            .with_columns(pl.col("errors").fill_null(0), pl.col("warnings").fill_null(0))
        )
    return ResultTable(
        key="data_quality",
        title="Data quality: rows read, used and rejected",
        data=df,
        dims=["table", "file"],
        about_people=False,
        columns={
            "rows_read": "data rows in the file (blank rows ignored)",
            "rows_used": "rows that passed every check and are analysed",
            "rows_rejected": "rows excluded because of at least one error",
            "rows_left_out": "rows that are not records of the table (a future booking, a case note: "
            "see [mapping.codes] leave_out), neither used nor rejected",
            "errors": "problems that excluded a row",
            "warnings": "problems noted but not excluding a row",
        },
        notes=[
            "Rows read = rows used + rows rejected + rows left out, for every table. Counts of records, "
            "not of people."
        ],
    )


Step = Callable[[str], None]


def problem_counts(problems: pl.DataFrame) -> dict[str, int]:
    """Errors and warnings found; of the errors, how many only follow from a rejected client row
    (the counts validate and evaluate print, see :func:`ipseval.validate.count_problems`)."""
    from .validate_summary import count_problems

    c = count_problems(problems)
    return {"error": c.errors, "warning": c.warnings, "excluded_with_client": c.cascaded}


def compute(
    store: Store,
    settings: Settings | None = None,
    row_counts: pl.DataFrame | None = None,
    problems: pl.DataFrame | None = None,
    source: str = "",
    data_cut_source: str = "settings",
    step: Step | None = None,
    data_folder: Path | None = None,
    scope: str = "",
    raise_errors: bool = False,
    only: tuple[str, ...] | None = None,
    while_waiting: Callable[[], Any] | None = None,
) -> Evaluation:
    """Every registered analysis on the imported data, as unrounded tidy tables.

    ``settings``: None = the settings the store was imported with; others are refused when their
    definitions differ from those (the store's metric views were built from them). ``data_folder``:
    the folder the data came from, for its ``interviews/`` transcripts (text, not rows).
    ``scope``: which clients the store holds, in words, when it is part of the data. ``step(name,
    done, total)`` reports progress. ``raise_errors``: let an analysis's unexpected exception
    propagate (--debug) instead of recording it as failed. ``only``: run just these analyses.
    ``while_waiting``: work for this process while it waits for the helper's impact models.
    """
    from .analyses import Context, run_all, status_table, tables_of
    from .validate_summary import rejected_alerts, rejected_notes

    settings = settings_for_store(store, settings)
    step = step or (lambda *_args: None)
    row_counts = row_counts if row_counts is not None else store.table("import_row_counts")
    problems = problems if problems is not None else store.table("import_problems")
    if "severity" not in problems.columns:  # a store imported without a problem list
        problems = pl.DataFrame(schema=PROBLEM_SCHEMA)
    if "rows_read" not in row_counts.columns:
        row_counts = pl.DataFrame(schema=ROW_COUNT_SCHEMA)
    ctx = Context(store, settings, lambda name: step(name), data_folder)
    outcomes = run_all(ctx, step, raise_errors=raise_errors, only=only, while_waiting=while_waiting)
    tables = tables_of(outcomes)
    tables["analyses"] = status_table(outcomes)
    tables["data_quality"] = data_quality(row_counts, problems)
    start, end = metrics.referral_period(store)
    meta = EvaluationMeta(
        service_name=settings.service_name,
        source=source,
        data_cut=store.data_cut,
        data_cut_source=data_cut_source,
        period_start=start,
        period_end=end,
        generated_at=datetime.now().replace(microsecond=0).isoformat(),
        software_version=__version__,
        standard_version=STANDARD_VERSION,
        tables_present=store.tables_present,
        settings=settings,
        problems=problem_counts(problems),
        scope=scope,
        unrecorded=sorted(store.unrecorded),
        alerts=rejected_alerts(problems, row_counts, settings.input.max_rejected_share),
        data_notes=rejected_notes(problems, row_counts, settings.input.max_rejected_share),
    )
    failed = [(o.analysis.title, o.failure) for o in outcomes if o.error]
    return Evaluation(meta=meta, tables=tables, failed=failed, raise_errors=raise_errors)


def settings_for_store(store: Store, settings: Settings | None) -> Settings:
    """The settings to evaluate ``store`` with: its own when none are given; ``settings`` when
    their definitions are the store's (other sections, such as the disclosure policy, may differ)."""
    stored = store.settings()
    if settings is None:
        return stored
    if settings.definitions != stored.definitions:
        changed = [
            k for k in type(settings.definitions).model_fields
            if getattr(settings.definitions, k) != getattr(stored.definitions, k)
        ]  # fmt: skip
        raise StoreError(
            f"{store.path.name}: the store was imported with other definitions ("
            + ", ".join(f"definitions.{k}" for k in changed)
            + "); import the data again with these settings (ipseval evaluate re-imports)"
        )
    return settings
