"""Kaplan-Meier curves, medians and the log-rank test against R's survival package.

Reference: tests/reference/km.R. Deterministic: tolerance 1e-8.

* metrics.kaplan_meier (the time-to-job tables): ``survfit(Surv(time, event) ~ 1,
  conf.type = "log-log")``: numbers at risk, events, censored, survival and the Greenwood log-log
  95% interval at every time, on Rossi (all, by fin) and the demo's time to first job (all, by area).
* the median time (first time the survival is at or below one half): survfit's median.
* impact.survival.logrank: ``survdiff(Surv(time, event) ~ group)``: observed and expected events,
  chi-square and its p-value (Rossi by fin and by prio > 2; demo by area and integration strength).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ipseval.impact.survival import logrank
from ipseval.metrics import kaplan_meier
from reference_helpers import assert_close, read_data, read_expected


def _frames() -> dict[str, pl.DataFrame]:
    rossi = read_data("rossi.csv").select(
        pl.col("week").alias("days"), pl.col("arrest").alias("event"), "fin"
    )
    demo = read_data("demo_time_to_job.csv")
    return {"rossi": rossi, "demo": demo}


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return _frames()


def _subset(frames, data: str, group: str) -> pl.DataFrame:
    frame = frames[data]
    if group == "All":
        return frame
    if group.startswith("fin="):
        return frame.filter(pl.col("fin") == int(group[4:]))
    return frame.filter(pl.col("local_authority") == group)


CURVES = read_expected("km_curve.csv").partition_by("data", "group", as_dict=True, maintain_order=True)


@pytest.mark.parametrize("key", list(CURVES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_kaplan_meier(frames, key):
    """kaplan_meier(days, event) against survfit(conf.type = "log-log") at every time; 1e-8.

    ipseval adds a row at time 0 (survival 1). Where the survival is 1 (only censorings so far) or
    0 (the last at risk had the event) the log-log interval is undefined: R gives NA, ipseval the
    survival itself ([1, 1] or [0, 0], as kaplan_meier documents)."""
    r = CURVES[key]
    undefined = pl.col("survival").is_in([0.0, 1.0]) & pl.col("ci_low").is_null()
    r = r.with_columns(
        pl.when(undefined).then(pl.col("survival")).otherwise(pl.col(c)).alias(c)
        for c in ("ci_low", "ci_high")
    )
    sub = _subset(frames, *key)
    km = kaplan_meier(sub["days"].to_numpy(), sub["event"].to_numpy())
    assert km.row(0, named=True)["day"] == 0 and km["survival"][0] == 1.0
    ours = km.filter(pl.col("day") > 0) if r["day"].min() > 0 else km
    assert_close(ours["day"], r["day"], "times")
    for c in ("at_risk", "events", "censored", "survival", "ci_low", "ci_high"):
        assert_close(ours[c], r[c], f"{key} {c}")


def test_median(frames):
    """The median time to first job (first day with survival <= 0.5, as the time_to_job_summary
    table gives it) against survfit's median; both blank when it is not reached. Exact."""
    for row in read_expected("km_median.csv").iter_rows(named=True):
        sub = _subset(frames, row["data"], row["group"])
        km = kaplan_meier(sub["days"].to_numpy(), sub["event"].to_numpy())
        below = km.filter(pl.col("survival") <= 0.5)
        ours = float(below["day"][0]) if below.height else None
        assert ours == row["median"], (row["data"], row["group"], ours, row["median"])


@pytest.mark.parametrize(
    "data, by",
    [
        ("rossi", "fin"),
        ("rossi", "prio_over_2"),
        ("demo", "local_authority"),
        ("demo", "integration_strength"),
    ],
)
def test_logrank(data, by):
    """logrank(days, event, group) against survdiff(Surv(time, event) ~ group): observed,
    expected, chi-square on K-1 df, p-value; 1e-8."""
    r = read_expected("km_logrank.csv").filter((pl.col("data") == data) & (pl.col("by") == by))
    if data == "rossi":
        frame = read_data("rossi.csv")
        days, event = frame["week"].to_numpy(), frame["arrest"].to_numpy()
        group = (
            frame["fin"].cast(pl.Utf8) if by == "fin" else pl.Series(np.where(frame["prio"] > 2, "yes", "no"))
        )
    else:
        frame = read_data("demo_time_to_job.csv")
        days, event, group = frame["days"].to_numpy(), frame["event"].to_numpy(), frame[by]
    test = logrank(days, event, group.to_numpy())
    assert list(test["levels"]) == r["level"].cast(pl.Utf8).to_list()
    assert_close(test["observed"], r["observed"], "observed")
    assert_close(test["expected"], r["expected"], "expected")
    assert_close(test["chi_square"], r["chi_square"][0], "chi-square")
    assert test["df"] == r["df"][0]
    assert_close(test["p_value"], r["p_value"][0], "p-value")
