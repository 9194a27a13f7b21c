"""The evaluation as data: compute every tidy result from the store, then protect it once.

``Evaluation`` holds unrounded results (internal); ``PublishedEvaluation`` holds the same results
after disclosure control, and is the only thing renderers (report, JSON, CSV, dashboard) receive.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from . import __version__, metrics, profile
from .results import ProtectedTable, ResultTable
from .schema import STANDARD_VERSION
from .settings import Disclosure, Settings
from .store import Store
from .validate import CASCADE_EXPECTED, PROBLEM_SCHEMA, ROW_COUNT_SCHEMA


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
        }


@dataclass
class Evaluation:
    """Unrounded results: for internal use, never rendered directly."""

    meta: EvaluationMeta
    tables: dict[str, ResultTable]

    def publish(self, policy: Disclosure | None = None) -> PublishedEvaluation:
        """Apply disclosure control (the settings' policy unless another is given)."""
        from .disclosure import describe_policy, protect_all

        policy = policy or self.meta.settings.disclosure
        return PublishedEvaluation(
            meta=self.meta, disclosure=describe_policy(policy), tables=protect_all(self.tables, policy)
        )


@dataclass
class PublishedEvaluation:
    """Results after disclosure control: what every output is rendered from."""

    meta: EvaluationMeta
    disclosure: dict[str, Any]
    tables: dict[str, ProtectedTable]

    def table(self, key: str) -> ProtectedTable | None:
        return self.tables.get(key)


def data_quality(row_counts: pl.DataFrame, problems: pl.DataFrame) -> ResultTable:
    """Rows read, used and rejected per table, with the number of problems found."""
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
        df = (
            row_counts.select("table", "file", "rows_read", "rows_used", "rows_rejected")
            .with_columns(pl.col(c).cast(pl.Int64) for c in ("rows_read", "rows_used", "rows_rejected"))
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
            "errors": "problems that excluded a row",
            "warnings": "problems noted but not excluding a row",
        },
        notes=["Rows read = rows used + rows rejected, for every table. Counts of records, not of people."],
    )


Step = Callable[[str], None]


def problem_counts(problems: pl.DataFrame) -> dict[str, int]:
    """Errors and warnings found; of the errors, how many only follow from a rejected client row."""
    if not problems.height or "severity" not in problems.columns:
        return {"error": 0, "warning": 0, "excluded_with_client": 0}
    errors = problems.filter(pl.col("severity") == "error")
    cascade = (
        errors.filter(pl.col("expected") == CASCADE_EXPECTED).height if "expected" in errors.columns else 0
    )
    return {
        "error": errors.height,
        "warning": problems.height - errors.height,
        "excluded_with_client": cascade,
    }


def _impact_tables(store: Store, settings: Settings, step: Step) -> dict[str, ResultTable]:
    """The impact models on their own connection to the store (they run in a second thread)."""
    from .impact.evaluate import impact_tables

    own = store.cursor()
    try:
        return impact_tables(own, settings, step)
    finally:
        own.close()


def _other_analyses(
    store: Store, settings: Settings, step: Step, data_folder: Path | None
) -> dict[str, ResultTable]:
    """Wellbeing, fidelity, the scorecard and the interviews (everything after the impact models)."""
    tables: dict[str, ResultTable] = {}
    if "wellbeing" in store.tables_present:
        from .wellbeing import wellbeing_tables

        step("wellbeing")
        tables |= wellbeing_tables(store, settings)
    step("fidelity and evidence from the records")
    from .fidelity import evidence_tables, fidelity_tables

    tables |= fidelity_tables(store, settings) | evidence_tables(store, settings)
    step("four factors scorecard")
    from .scorecard import scorecard_tables

    tables |= scorecard_tables(store, settings)
    if data_folder is not None:
        from .qualitative.evaluate import interview_tables

        step("interviews")
        tables |= interview_tables(data_folder, store, settings)
    return tables


def compute(
    store: Store,
    settings: Settings,
    row_counts: pl.DataFrame | None = None,
    problems: pl.DataFrame | None = None,
    source: str = "",
    data_cut_source: str = "settings",
    step: Step | None = None,
    data_folder: Path | None = None,
    scope: str = "",
) -> Evaluation:
    """Every analysis on the imported data, as unrounded tidy tables.

    ``data_folder``: the folder the data came from, for its ``interviews/`` transcripts (they are
    text, not rows, so they are read from the folder rather than the store). ``scope``: which
    clients the store holds, in words, when it is part of the data (captions say so).
    """
    step = step or (lambda _name: None)
    row_counts = row_counts if row_counts is not None else store.table("import_row_counts")
    problems = problems if problems is not None else store.table("import_problems")
    if "severity" not in problems.columns:  # a store imported without a problem list
        problems = pl.DataFrame(schema=PROBLEM_SCHEMA)
    if "rows_read" not in row_counts.columns:
        row_counts = pl.DataFrame(schema=ROW_COUNT_SCHEMA)
    tables: dict[str, ResultTable] = {}
    step("outcomes")
    for t in (metrics.outcomes(store), metrics.sustainment(store), metrics.meeting_bands(store)):
        tables[t.key] = t
    step("time to job")
    tables |= metrics.time_to_job(store, settings)
    step("profile")
    tables["profile"] = profile.profile(store)
    if settings.impact.enabled:
        # The impact models are mostly numpy on one core, the other analyses mostly DuckDB and
        # polars: side by side they share the two cores of a small machine (a million clients:
        # about 3 s less than one after the other, about 0.7 GB more memory at the peak)
        with ThreadPoolExecutor(max_workers=1) as pool:
            impact = pool.submit(_impact_tables, store, settings, step)
            others = _other_analyses(store, settings, step, data_folder)
            tables |= impact.result()
        tables |= others
    else:
        tables |= _other_analyses(store, settings, step, data_folder)
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
    )
    return Evaluation(meta=meta, tables=tables)
