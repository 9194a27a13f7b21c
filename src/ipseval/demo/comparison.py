"""A synthetic comparison group for the demo: people in treatment who were not referred to IPS.

Comparison people are resampled IPS-like profiles shifted towards the characteristics that make
work less likely (IPS took the more work-ready: selection on what is recorded), and their chance
of a job within 12 months follows a simple model of those characteristics with no IPS support.
So the naive IPS-vs-comparison difference overstates the effect, and adjustment brings it down.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from .. import schema
from .days import DATA_CUT

FOLLOW_UP_DAYS = 365
COMPARISON_PER_CLIENT = 2


def _valid(df: pl.DataFrame, column: schema.Column) -> pl.Expr:
    """The column's text when valid under the standard (case and spaces ignored), else null."""
    value = pl.col(column.name).str.strip_chars().str.to_lowercase()
    if column.codes:
        return pl.when(value.is_in(list(column.codes))).then(value).otherwise(None)
    if column.type == "integer":
        number = value.cast(pl.Int64, strict=False)
        ok = number.is_between(column.minimum, column.maximum)
        return pl.when(ok).then(number.cast(pl.Utf8)).otherwise(None)
    if column.type == "bool":
        return (
            pl.when(value.is_in(["yes", "y"]))
            .then(pl.lit("yes"))
            .when(value.is_in(["no", "n"]))
            .then(pl.lit("no"))
        )
    return value


def _job_chance(people: pl.DataFrame, shift: float) -> np.ndarray:
    """Chance of a job start within 12 months, from recorded characteristics (log-odds model)."""
    confidence = people["work_confidence"].cast(pl.Float64, strict=False).fill_null(5.0).to_numpy()
    recent = people["time_since_last_job"].is_in(["under_1y", "1_to_2y"]).fill_null(False).to_numpy()
    distant = people["time_since_last_job"].is_in(["never_worked", "over_10y"]).fill_null(False).to_numpy()
    homeless = (people["housing_tenure"] == "homeless").fill_null(False).to_numpy()
    eta = -2.1 + 0.22 * (confidence - 5) + 0.6 * recent - 0.5 * distant - 0.5 * homeless + shift
    return 1 / (1 + np.exp(-eta))


def comparison_table(clients: pl.DataFrame, jobs: pl.DataFrame, seed: int) -> pl.DataFrame:
    """IPS clients (engaged at least 12 months before the cut, not in work when referred) and
    twice as many comparison people, in the standard's `comparison` columns (text)."""
    rng = np.random.default_rng([seed, 77])
    table = schema.TABLES["comparison"]
    characteristics = [c for c in schema.CHARACTERISTICS]
    clean = clients.with_columns(_valid(clients, c).alias(c.name) for c in characteristics).with_columns(
        pl.col("engagement_date").str.to_date("%Y-%m-%d", strict=False).alias("_engaged"),
    )
    cutoff = DATA_CUT - timedelta(days=FOLLOW_UP_DAYS)
    ips = clean.filter(
        pl.col("_engaged").is_not_null()
        & (pl.col("_engaged") <= cutoff)
        & (pl.col("employed_at_referral") != "yes").fill_null(True)
    )
    first_job = (
        jobs.select("client_id", pl.col("start_date").str.to_date("%Y-%m-%d", strict=False).alias("_start"))
        .drop_nulls()
        .group_by("client_id")
        .agg(pl.col("_start").min())
    )
    ips = ips.join(first_job, on="client_id", how="left").with_columns(
        (pl.col("_engaged") + pl.duration(days=FOLLOW_UP_DAYS)).alias("_end")
    )
    ips = ips.with_columns(
        pl.when((pl.col("_start") >= pl.col("_engaged")) & (pl.col("_start") <= pl.col("_end")))
        .then(pl.col("_start"))
        .otherwise(None)
        .alias("_job")
    )
    # Comparison people: resampled IPS-like profiles, shifted towards the characteristics that make
    # work less likely (IPS took the more work-ready), with the job model minus IPS's effect.
    n = COMPARISON_PER_CLIENT * ips.height
    donors = ips.select([c.name for c in characteristics]).sample(
        n, with_replacement=True, seed=int(rng.integers(2**31))
    )
    confidence = donors["work_confidence"].cast(pl.Float64, strict=False)
    lowered = (confidence - rng.choice([0, 1, 2], size=n, p=[0.4, 0.35, 0.25])).clip(0, 10)
    donors = donors.with_columns(lowered.round(0).cast(pl.Int64).cast(pl.Utf8).alias("work_confidence"))
    drift = rng.random(n) < 0.2
    donors = donors.with_columns(
        pl.when(pl.Series(drift))
        .then(pl.lit("over_10y"))
        .otherwise(pl.col("time_since_last_job"))
        .alias("time_since_last_job")
    )
    p_comparison = _job_chance(donors, shift=0.0)
    got_job = rng.random(n) < p_comparison
    start_day = rng.integers(0, (cutoff - date(2019, 1, 1)).days, size=n)
    job_offset = rng.integers(0, FOLLOW_UP_DAYS, size=n)
    index = pl.lit(date(2019, 1, 1)) + pl.duration(days=pl.Series(start_day))
    comparison = donors.with_columns(
        pl.Series("client_id", [f"CMP{i + 1:07d}" for i in range(n)]),
        pl.lit("comparison").alias("group"),
        pl.lit("Comparison area").alias("local_authority"),
        pl.when(pl.Series(got_job))
        .then(index + pl.duration(days=pl.Series(job_offset)))
        .otherwise(None)
        .cast(pl.Utf8)
        .alias("job_start_date"),
        (index + pl.duration(days=FOLLOW_UP_DAYS)).cast(pl.Utf8).alias("follow_up_end"),
    )
    treated = ips.with_columns(
        pl.lit("ips").alias("group"),
        pl.col("_job").cast(pl.Utf8).alias("job_start_date"),
        pl.col("_end").cast(pl.Utf8).alias("follow_up_end"),
    )
    return pl.concat(
        [treated.select(table.column_names), comparison.select(table.column_names)], how="vertical"
    ).with_columns(pl.all().cast(pl.Utf8))
