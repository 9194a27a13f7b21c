"""Which assessment is a client's baseline and which their follow-up, for each measure.

Rules (each a setting in ``[wellbeing]``, defaults in brackets):

- Only assessments on or before the data cut, of a defined measure, with a score inside the
  measure's range, of clients with an engagement date, are used; two scores for the same client,
  measure and date are averaged.
- Baseline: the assessment nearest the engagement date, from ``baseline_days_before`` [42] days
  before to ``baseline_days_after`` [28] days after. Equally near before and after: the one before
  (support had not yet begun).
- Follow-up: the assessment nearest the follow-up point, engagement + ``follow_up_months`` [6]
  calendar months, within ``follow_up_window_days`` [60] days either side and after the baseline.
  A client with several uses the nearest; equally near before and after the point: the one after
  (the client has had at least the full period of support).
- Pairing is per measure, so a questionnaire with a measure left blank still pairs on the rest.
- A ``users_only`` measure (TOP days of use) pairs only clients scoring above its minimum at
  baseline (using the substance).
- Status of a client with a baseline: ``followed_up`` (has a follow-up), ``lost`` (none, and the
  window closed on or before the data cut) or ``not_yet_due`` (none, window still open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from ..settings import Wellbeing
from ..store import Store

STATUSES = ("followed_up", "lost", "not_yet_due")

CLIENT_COLUMNS = (
    "age",
    "sex",
    "main_substance",
    "treatment_status",
    "criminal_conviction",
    "housing_tenure",
    "work_confidence",
)


@dataclass
class Pairs:
    """``episodes``: one row per client and measure with a baseline (see :func:`pair`);
    ``assessed``: (client_id, key) of every usable assessment, at any date;
    ``records``: assessment rows per instrument and measure and what became of them;
    ``clients``: engaged clients with their job outcome and characteristics."""

    episodes: pl.DataFrame
    assessed: pl.DataFrame
    records: pl.DataFrame
    clients: pl.DataFrame


def load_clients(store: Store) -> pl.DataFrame:
    """Engaged clients: engagement date, job-entry facts and the characteristics compared in the
    attrition analysis."""
    cols = ", ".join(f"c.{c}" for c in CLIENT_COLUMNS)
    return store.query(
        f"""
        SELECT o.client_id, o.engagement_date, o.in_denominator, o.job_entry, o.first_job_start,
               {cols}
        FROM client_outcomes o JOIN clients c USING (client_id)
        WHERE o.engagement_date IS NOT NULL
        ORDER BY o.client_id
        """
    )


def load_assessments(store: Store) -> pl.DataFrame:
    return store.query(
        "SELECT client_id, assessment_date, instrument, measure, score FROM wellbeing ORDER BY source_row"
    )


def pair(
    assessments: pl.DataFrame,
    clients: pl.DataFrame,
    measures: pl.DataFrame,
    settings: Wellbeing,
    data_cut: date,
) -> Pairs:
    """Select baselines and follow-ups (pure: frames in, frames out).

    ``episodes`` columns: client_id, key, engagement_date, baseline_date, baseline_score,
    follow_up_date, follow_up_score (null unless followed up), status.
    """
    a = assessments.with_columns(
        pl.concat_str(
            pl.col("instrument").str.strip_chars().str.to_lowercase(),
            pl.lit("|"),
            pl.col("measure").str.strip_chars().str.to_lowercase(),
        ).alias("key"),
        pl.col("score").cast(pl.Float64),
    )
    defs = measures.select("key", "scale_min", "scale_max", "users_only")
    engaged = clients.select("client_id", "engagement_date")
    a = a.join(defs, on="key", how="left").join(engaged, on="client_id", how="left")
    a = a.with_columns(
        pl.col("scale_min").is_not_null().alias("defined"),
        (pl.col("assessment_date") > pl.lit(data_cut)).alias("after_data_cut"),
        ((pl.col("score") < pl.col("scale_min")) | (pl.col("score") > pl.col("scale_max")))
        .fill_null(False)
        .alias("out_of_range"),
        pl.col("engagement_date").is_null().alias("not_engaged"),
    )
    a = a.with_columns(
        (
            pl.col("defined") & ~pl.col("after_data_cut") & ~pl.col("out_of_range") & ~pl.col("not_engaged")
        ).alias("used")
    )
    records = (
        a.group_by("key")
        .agg(
            pl.col("instrument").first(),
            pl.col("measure").first(),
            pl.col("defined").first(),
            pl.len().cast(pl.Int64).alias("records"),
            pl.col("used").sum().cast(pl.Int64).alias("used"),
            pl.col("out_of_range").sum().cast(pl.Int64).alias("out_of_range"),
            pl.col("after_data_cut").sum().cast(pl.Int64).alias("after_data_cut"),
            (pl.col("not_engaged") & pl.col("defined")).sum().cast(pl.Int64).alias("client_not_engaged"),
        )
        .sort("key")
    )

    usable = (
        a.filter("used")
        .group_by("client_id", "key", "assessment_date")
        .agg(pl.col("score").mean(), pl.col("engagement_date").first(), pl.col("users_only").first())
        .with_columns(
            (pl.col("assessment_date") - pl.col("engagement_date")).dt.total_days().alias("day"),
            pl.col("engagement_date").dt.offset_by(f"{settings.follow_up_months}mo").alias("target"),
        )
        .with_columns((pl.col("assessment_date") - pl.col("target")).dt.total_days().alias("off"))
    )
    baseline = (
        usable.filter(pl.col("day").is_between(-settings.baseline_days_before, settings.baseline_days_after))
        # nearest engagement; equally near: the earlier (negative day first)
        .sort("client_id", "key", pl.col("day").abs(), "day")
        .group_by("client_id", "key", maintain_order=True)
        .first()
        .join(measures.select("key", "scale_min"), on="key")
        .filter(~pl.col("users_only") | (pl.col("score") > pl.col("scale_min")))
        .select(
            "client_id",
            "key",
            "engagement_date",
            "target",
            pl.col("assessment_date").alias("baseline_date"),
            pl.col("score").alias("baseline_score"),
        )
    )
    follow_up = (
        usable.filter(pl.col("off").abs() <= settings.follow_up_window_days)
        .join(baseline.select("client_id", "key", "baseline_date"), on=["client_id", "key"])
        .filter(pl.col("assessment_date") > pl.col("baseline_date"))
        # nearest the follow-up point; equally near: the later (positive offset first)
        .sort("client_id", "key", pl.col("off").abs(), pl.col("off"), descending=[False, False, False, True])
        .group_by("client_id", "key", maintain_order=True)
        .first()
        .select(
            "client_id",
            "key",
            pl.col("assessment_date").alias("follow_up_date"),
            pl.col("score").alias("follow_up_score"),
        )
    )
    window_closed = pl.col("target").dt.offset_by(f"{settings.follow_up_window_days}d") <= pl.lit(data_cut)
    episodes = (
        baseline.join(follow_up, on=["client_id", "key"], how="left")
        .with_columns(
            pl.when(pl.col("follow_up_date").is_not_null())
            .then(pl.lit("followed_up"))
            .when(window_closed)
            .then(pl.lit("lost"))
            .otherwise(pl.lit("not_yet_due"))
            .alias("status")
        )
        .drop("target")
        .sort("client_id", "key")
    )
    assessed = usable.select("client_id", "key").unique().sort("client_id", "key")
    return Pairs(episodes=episodes, assessed=assessed, records=records, clients=clients)


def pairs_from_store(store: Store, measures: pl.DataFrame, settings: Wellbeing) -> Pairs:
    """:func:`pair` on the store's wellbeing and clients tables."""
    return pair(load_assessments(store), load_clients(store), measures, settings, store.data_cut)
