"""A small IPS caseload simulator with known truth, for the dose-response tests.

It writes the tables the store needs (clients, meetings, jobs) for clients in 8 areas. Time runs in
28-day periods from engagement (the periods of the discrete-time model). In each period a client
still on the caseload and not yet in work:

- attends Poisson(rate_i) meetings, on days spread over the days they are on the caseload;
  rate_i is a lasting client trait (gamma-distributed, higher with work confidence);
- starts a first job with probability expit(baseline(period) + controls + area + frailty
  + log(recent_or) x meetings in the previous period), on a uniform day of the period;
- is discharged without a job with a probability that is lower for clients who meet more
  (so clients differ in how long they stay, and those who meet more stay longer).

A client who starts a job stays on the caseload for 3-9 months of in-work support, with meetings
at ``in_work_rate`` per period. With ``recent_or = 1`` meetings have no effect on job chances, yet
the published-style comparison (all meetings, all follow-up) finds large odds ratios.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
from scipy.special import expit

from ipseval.settings import Definitions, Settings

DATA_CUT = date(2022, 3, 31)
PERIOD = 28
AREAS = [f"Area {c}" for c in "ABCDEFGH"]
CONTROLS = ["local_authority", "age", "sex", "work_confidence", "referral_year"]


def sim_settings() -> Settings:
    return Settings(definitions=Definitions(model_controls=CONTROLS))


def baseline_logit(period: np.ndarray) -> np.ndarray:
    """Job hazard per period on the logit scale: low in the first period, a peak, then a slow decline."""
    k = period.astype(float)
    return np.where(k == 0, -3.4, -2.7 - 0.5 * np.log1p(k))


def simulate(
    seed: int,
    n_clients: int = 4000,
    recent_or: float = 1.0,
    in_work_rate: float = 1.0,
    frailty_sd: float = 0.0,
) -> dict[str, pl.DataFrame]:
    """clients, meetings and jobs tables (see the module docstring); data cut DATA_CUT."""
    rng = np.random.default_rng(seed)
    n = n_clients
    area = rng.integers(0, len(AREAS), n)
    area_effect = rng.normal(0, 0.3, len(AREAS))[area]
    start = date(2019, 1, 1)
    span = (date(2021, 9, 30) - start).days
    referral = rng.integers(0, span, n)
    engagement = referral + rng.integers(0, 22, n)  # days after 2019-01-01
    follow = (DATA_CUT - start).days - engagement  # days from engagement to the data cut
    age = rng.integers(18, 65, n)
    male = rng.random(n) < 0.65
    confidence = rng.integers(0, 11, n)
    rate = rng.gamma(2.0, 1.0, n) * np.exp(0.06 * (confidence - 5))  # meetings per period, mean ~2
    lin = -0.015 * (age - 40) + 0.08 * (confidence - 5) - 0.1 * male + area_effect
    lin = lin + rng.normal(0, frailty_sd, n) if frailty_sd else lin
    leave = expit(-2.0 - 0.35 * (rate - 2.0))  # discharge hazard per period (no job)
    beta = np.log(recent_or)

    job_day = np.full(n, -1)  # days from engagement; -1 = no job
    discharge_day = np.full(n, -1)
    active = np.ones(n, dtype=bool)
    prev = np.zeros(n, dtype=np.int64)
    m_client, m_day = [], []
    k = 0
    while active.any():
        lo = k * PERIOD
        active &= follow > lo
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        seen = np.minimum(PERIOD, follow[idx] - lo)  # days of this period before the data cut
        job = rng.random(idx.size) < expit(baseline_logit(np.full(idx.size, k)) + lin[idx] + beta * prev[idx])
        jday = lo + rng.integers(0, PERIOD, idx.size)
        leaves = rng.random(idx.size) < leave[idx]
        lday = lo + rng.integers(0, PERIOD, idx.size)
        job &= jday < lo + seen
        job &= ~(leaves & (lday < jday))
        leaves &= ~job & (lday < lo + seen)
        end = np.where(job, jday, np.where(leaves, lday, lo + seen))  # last day at risk (exclusive)
        count = rng.poisson(rate[idx] * (end - lo) / PERIOD)
        m_client.append(np.repeat(idx, count))
        m_day.append(
            np.repeat(lo, count.sum()) + (rng.random(count.sum()) * np.repeat(end - lo, count)).astype(int)
        )
        job_day[idx[job]] = jday[job]
        discharge_day[idx[leaves]] = lday[leaves]
        prev = np.zeros(n, dtype=np.int64)
        prev[idx] = count
        active[idx[job | leaves]] = False
        k += 1

    # in-work support after a job start: on the caseload 3-9 months more, meeting at in_work_rate
    entrants = np.flatnonzero(job_day >= 0)
    support_end = np.minimum(job_day[entrants] + rng.integers(90, 271, entrants.size), follow[entrants])
    discharge_day[entrants] = np.where(support_end < follow[entrants], support_end, -1)
    support = np.maximum(support_end - job_day[entrants], 0)
    count = rng.poisson(in_work_rate * support / PERIOD)
    m_client.append(np.repeat(entrants, count))
    m_day.append(
        np.repeat(job_day[entrants], count)
        + (rng.random(count.sum()) * np.repeat(support, count)).astype(int)
    )

    ids = np.array([f"S{i:06d}" for i in range(n)])
    epoch = (start - date(1970, 1, 1)).days

    def to_date(days: np.ndarray) -> pl.Series:
        return pl.Series(days + epoch, dtype=pl.Int32).cast(pl.Date)

    clients = pl.DataFrame(
        {
            "client_id": ids,
            "local_authority": np.array(AREAS)[area],
            "referral_date": to_date(referral),
            "engagement_date": to_date(engagement),
            "discharge_date": to_date(engagement + discharge_day),
            "employed_at_referral": np.zeros(n, dtype=bool),
            "age": age,
            "sex": np.where(male, "male", "female"),
            "work_confidence": confidence,
        }
    ).with_columns(
        pl.when(pl.Series(discharge_day >= 0)).then(pl.col("discharge_date")).alias("discharge_date")
    )
    mc, md = np.concatenate(m_client), np.concatenate(m_day)
    meetings = pl.DataFrame(
        {
            "client_id": ids[mc],
            "meeting_date": to_date(engagement[mc] + md),
            "attended": np.ones(mc.size, dtype=bool),
        }
    ).filter(pl.col("meeting_date") <= DATA_CUT)
    jobs = pl.DataFrame(
        {
            "client_id": ids[entrants],
            "start_date": to_date(engagement[entrants] + job_day[entrants]),
            "hours_per_week": rng.integers(8, 38, entrants.size).astype(float),
        }
    )
    return {"clients": clients, "meetings": meetings, "jobs": jobs}
