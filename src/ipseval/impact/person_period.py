"""Person-period data for the discrete-time hazard of first job entry (one row per client per period).

Each client in the job-entry denominator contributes one row per period of ``period_days`` from
engagement, until the period in which they start their first job (the event period, the last row)
or the end of follow-up (discharge or the data cut). Exposure on a row is measured only *before*
the period starts, so meetings that follow a job (in-work support) or that happen in the same
period as the job start can never count towards it:

- ``recent_meetings``: attended meetings in the previous period (the ``period_days`` before the
  period starts; for the first period, the ``period_days`` before engagement);
- ``cumulative_meetings``: all attended meetings before the period starts (including any before
  engagement), and ``cumulative_band``: the same in the settings' meeting bands ('0' for none).

Also here: the landmark cohort (:func:`landmark_cohort`) and the model-frame helpers shared by the
dose-response models (time bands, meeting bands, controls).

Built with numpy position arithmetic (no per-client Python loop, no multi-key joins): a million
clients with fifteen periods each take seconds.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import numpy as np
import polars as pl

from ..labels import code_words, column_words
from ..settings import Settings
from ..store import Store
from .data import analysis_frame, controls, meeting_days, read_once
from .result import AnalysisError

DEFAULT_PERIOD_DAYS = 28
ZERO_BAND = "0"  # label of the cumulative band for clients with no attended meetings yet
# Baseline hazard: piecewise constant over these bands of time since engagement (days at the start
# of the period): weeks 0-3, 4-7, 8-11, 12-23, 24-35, 36-47, 48-71, 72+.
TIME_BREAKS_DAYS = (0, 28, 56, 84, 168, 252, 336, 504)
MIN_BAND_EVENTS = 5  # a time band with fewer events (or non-events) is merged into its neighbour
MISSING_LEVEL = "(missing)"
SPARSE_LEVEL = "(sparse levels)"
Missing = Literal["complete_case", "indicator"]


def period_days_setting(settings: Settings) -> int:
    """The period length from the settings' [impact] section, or 28 days."""
    impact = getattr(settings, "impact", None)
    return int(getattr(impact, "period_days", DEFAULT_PERIOD_DAYS))


def band_labels(settings: Settings) -> list[str]:
    """Cumulative-band levels in order: '0' (unless the first band starts at 0), the settings' bands."""
    bands = settings.definitions.meeting_bands
    return [*([ZERO_BAND] if bands[0].low > 0 else []), *(b.label for b in bands)]


Band = tuple[int, int | None]  # (fewest, most) meetings; most None = no upper limit


def band_label(band: Band) -> str:
    lo, hi = band
    return f"{lo}+" if hi is None else (f"{lo}" if lo == hi else f"{lo}-{hi}")


def bands_expr(count: pl.Expr, bands: list[Band]) -> pl.Expr:
    """The label of the band a count falls in (null if none), as a string."""
    expr = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.Utf8))
    for lo, hi in bands:
        expr = expr.when(count >= lo if hi is None else count.is_between(lo, hi)).then(
            pl.lit(band_label((lo, hi)))
        )
    return expr


def cumulative_band(count: np.ndarray, settings: Settings) -> pl.Series:
    """The settings' band of each count as an Enum ('0' for none), by binary search (fast)."""
    bands = settings.definitions.meeting_bands
    labels = band_labels(settings)
    lows = np.array([*([0] if bands[0].low > 0 else []), *(b.low for b in bands)])
    code = np.searchsorted(lows, count, side="right") - 1
    gap = (code == 0) & (count > 0) if bands[0].low > 1 else np.zeros(len(count), dtype=bool)  # 1..low-1
    missing = gap | (code < 0)
    out = pl.Series("cumulative_band", labels, dtype=pl.Enum(labels)).gather(np.where(missing, 0, code))
    return out.scatter(np.flatnonzero(missing), None) if missing.any() else out


def model_bands(settings: Settings) -> list[Band]:
    """Cumulative bands for a model: the settings' bands with 0 merged into the first ('1-4' -> '0-4').

    Before the first period nobody has met yet, so a separate '0' level would be (almost) the same
    rows as the first period and could not be told apart from the baseline hazard.
    """
    bands = [(b.low, b.high) for b in settings.definitions.meeting_bands]
    return [(0, bands[0][1]), *bands[1:]]


def merge_sparse_bands(count: pl.Series, event: pl.Series, bands: list[Band]) -> list[Band]:
    """Bands with no rows, no events or no non-events merged into the band below (the first: above).

    Such a band's odds ratio cannot be estimated (separation); merging keeps its rows in the model.
    """
    labels = pl.DataFrame({"c": count}).select(bands_expr(pl.col("c"), bands))
    df = (
        pl.DataFrame({"b": labels.to_series(), "e": event})
        .group_by("b")
        .agg(pl.len().alias("n"), pl.col("e").sum())
    )
    stats = {b: (n, e) for b, n, e in df.iter_rows()}
    groups = [[b] for b in bands]

    def sparse(group: list[Band]) -> bool:
        n = sum(stats.get(band_label(b), (0, 0))[0] for b in group)
        e = sum(stats.get(band_label(b), (0, 0))[1] for b in group)
        return e == 0 or e == n

    for k in range(len(groups) - 1, 0, -1):
        if sparse(groups[k]):
            groups[k - 1] += groups.pop(k)
    while len(groups) > 1 and sparse(groups[0]):
        first = groups.pop(0)
        groups[0] = first + groups[0]
    return [
        (min(b[0] for b in g), None if any(b[1] is None for b in g) else max(b[1] for b in g)) for g in groups
    ]


def client_columns(settings: Settings) -> list[str]:
    """Client columns carried onto every person-period row: the cluster and the controls."""
    cols = ["local_authority", *controls(settings)]
    return list(dict.fromkeys(cols))


def build_person_periods(
    frame: pl.DataFrame,
    meetings: pl.DataFrame,
    settings: Settings,
    period_days: int = DEFAULT_PERIOD_DAYS,
    carry: list[str] | None = None,
) -> pl.DataFrame:
    """Person-period rows from a client frame and the attended meetings (see the module docstring).

    frame: one row per client with client_id, engagement_date, job_entry (0/1) and days_followed
        (engagement to first job start, or to the end of follow-up), as from ``analysis_frame``.
    meetings: attended meetings, columns client_id and meeting_date, or client_index (row of
        ``frame``) and day (days since engagement) as from :func:`~.data.meeting_days`.
    carry: client columns repeated on every row (default: local_authority and the controls).

    Rows: the event period always counts; a censored client's last, partial period counts only if
    they were followed for at least half of it (the actuarial convention: otherwise a period
    observed for a day or two would count as a whole period without a job). Columns: client_id,
    period (0 = the first period after engagement), period_start, period_start_day, days_at_risk,
    event, recent_meetings, cumulative_meetings, cumulative_band, then the carried columns.
    """
    if period_days < 1:
        raise ValueError("period_days must be at least 1")
    p = int(period_days)
    carry = client_columns(settings) if carry is None else carry
    n_clients = frame.height
    job = frame["job_entry"].fill_null(0).cast(pl.Int8).to_numpy().astype(bool)
    days = frame["days_followed"].fill_null(0).clip(lower_bound=0).cast(pl.Int64).to_numpy()
    engaged = frame["engagement_date"].cast(pl.Int32).to_numpy().astype(np.int64)  # days since 1970
    # periods per client: up to the event period, or the full periods of follow-up plus a last
    # partial one if at least half of it was followed
    n_per = np.where(job, days // p + 1, days // p + (days % p >= (p + 1) // 2))
    end = np.where(job, days + 1, days)  # end of time at risk, days after engagement (exclusive)
    offsets = np.concatenate([[0], np.cumsum(n_per)[:-1]]).astype(np.int64)
    total = int(n_per.sum())
    cid = np.repeat(np.arange(n_clients, dtype=np.int64), n_per)
    period = np.arange(total, dtype=np.int64) - np.repeat(offsets, n_per)

    # each attended meeting's period (negative = before engagement), then counts per row by
    # position (the rows of client c are offsets[c] + period), without hashing or sorting
    if {"client_index", "day"} <= set(meetings.columns):  # from meeting_days: rows of this frame
        mc = meetings["client_index"].to_numpy().astype(np.int64)
        mp = meetings["day"].to_numpy().astype(np.int64) // p
    else:
        m = meetings.select("client_id", "meeting_date").join(
            frame.select("client_id", pl.int_range(pl.len(), dtype=pl.Int64).alias("_cid")), on="client_id"
        )
        mc = m["_cid"].to_numpy()
        mp = (m["meeting_date"].cast(pl.Int32).to_numpy().astype(np.int64) - engaged[mc]) // p
    inside = (mp >= 0) & (mp < n_per[mc])
    in_period = np.bincount(offsets[mc[inside]] + mp[inside], minlength=total)
    before = np.bincount(mc[mp < 0], minlength=n_clients)  # all meetings before engagement
    just_before = np.bincount(mc[mp == -1], minlength=n_clients)  # in the period before it
    recent = np.empty(total, dtype=np.int64)
    recent[1:] = in_period[:-1]
    first_rows = offsets[n_per > 0]
    recent[first_rows] = just_before[n_per > 0]
    prior = np.cumsum(in_period) - in_period  # meetings in earlier rows (all clients so far)
    cumulative = before[cid] + prior - np.repeat(prior[offsets[n_per > 0]], n_per[n_per > 0])

    start_day = period * p
    out = pl.DataFrame(
        {
            "client_id": frame["client_id"].gather(cid),
            "period": period.astype(np.int32),
            "period_start": pl.Series(engaged[cid] + start_day, dtype=pl.Int32).cast(pl.Date),
            "period_start_day": start_day,
            "days_at_risk": np.minimum(p, end[cid] - start_day).astype(np.int32),
            "event": (job[cid] & (period == n_per[cid] - 1)).astype(np.int8),
            "recent_meetings": recent.astype(np.int32),
            "cumulative_meetings": cumulative.astype(np.int32),
        }
    ).with_columns(cumulative_band(cumulative, settings))
    if carry:
        extra = frame.select(carry).with_columns(
            pl.col(c).cast(pl.Categorical) for c in carry if frame.schema[c] == pl.Utf8
        )
        out = pl.concat([out, extra.select(pl.all().gather(cid))], how="horizontal")
    return out


def attended_meetings(store: Store) -> pl.DataFrame:
    """Attended meetings up to the data cut of clients in the job-entry denominator."""
    return read_once(
        store,
        "attended_meetings",
        lambda: store.query(
            """
        SELECT m.client_id, m.meeting_date
        FROM attended_meetings m
        JOIN client_outcomes o ON o.client_id = m.client_id
        WHERE o.in_denominator
        """
        ),
    )


def person_periods(store: Store, settings: Settings, period_days: int | None = None) -> pl.DataFrame:
    """One row per client in the job-entry denominator per period at risk of a first job start.

    ``period_days`` defaults to the settings' ``impact.period_days`` (28). String controls come
    back as polars Categorical (a million clients times fifteen periods would otherwise copy every
    string fifteen times). See :func:`build_person_periods` for the columns.
    """
    p = period_days_setting(settings) if period_days is None else period_days
    return build_person_periods(analysis_frame(store, settings), meeting_days(store), settings, p)


# -- the landmark cohort --------------------------------------------------------------------------


def tertile_bands(counts: pl.Series) -> list[Band]:
    """Up to three bands of a count with roughly equal numbers of people in each."""
    c = counts.drop_nulls()
    cuts = sorted({int(c.quantile(q, interpolation="lower")) for q in (1 / 3, 2 / 3)})
    cuts = [x for x in cuts if x < int(c.max())]
    return list(zip([int(c.min()), *(x + 1 for x in cuts)], [*cuts, None], strict=True))


def landmark_cohort(
    store: Store, settings: Settings, landmark_weeks: int | None = None, horizon_months: int | None = None
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Clients at risk at the landmark, with meetings before it and follow-up after it; plus counts.

    Eligible: in the denominator, engaged at least ``landmark_weeks`` before the data cut, not
    discharged and without a job before the landmark. Follow-up runs from the landmark to the first
    job start, discharge, the data cut or the horizon (``horizon_months`` after engagement),
    whichever is first; ``job_entry`` is a first job start in that time.
    """
    impact = getattr(settings, "impact", None)
    weeks = int(getattr(impact, "landmark_weeks", 12)) if landmark_weeks is None else landmark_weeks
    months = settings.definitions.job_entry_window_months if horizon_months is None else horizon_months
    if 7 * weeks >= 28 * months:  # a month is at least 28 days
        raise AnalysisError(f"The horizon ({months} months) must end after the landmark ({weeks} weeks).")
    data_cut: date = store.data_cut
    frame = analysis_frame(store, settings).with_columns(
        (pl.col("engagement_date") + pl.duration(days=7 * weeks)).alias("landmark_date"),
        pl.col("engagement_date").dt.offset_by(f"{months}mo").alias("horizon_end"),
    )
    counts = {"denominator": frame.height}
    frame = frame.filter(pl.col("landmark_date") < data_cut)
    counts["engaged_before_landmark"] = frame.height
    frame = frame.filter(
        pl.col("discharge_date").is_null() | (pl.col("discharge_date") >= pl.col("landmark_date"))
    )
    counts["on_caseload_at_landmark"] = frame.height
    frame = frame.filter((pl.col("job_entry") == 0) | (pl.col("first_job_start") >= pl.col("landmark_date")))
    counts["eligible"] = frame.height
    met = meeting_days(store).filter(pl.col("day") < 7 * weeks)
    before = np.bincount(met["client_index"].to_numpy(), minlength=int(frame["client_index"].max() or 0) + 1)
    in_window = (pl.col("job_entry") == 1) & (pl.col("first_job_start") <= pl.col("horizon_end"))
    end = (
        pl.when(in_window)
        .then("first_job_start")
        .otherwise(pl.min_horizontal("follow_up_end", "horizon_end"))
    )
    frame = frame.with_columns(
        pl.Series("meetings_before_landmark", before[frame["client_index"].to_numpy()], dtype=pl.Int64),
        in_window.cast(pl.Int8).alias("job_entry"),
        (end - pl.col("landmark_date")).dt.total_days().alias("days_followed"),
    )
    return frame, counts | {"landmark_weeks": weeks, "horizon_months": months}


# -- model frames: time bands and controls ---------------------------------------------------------


def time_band_breaks(
    period_start_day: pl.Series, event: pl.Series, candidates: tuple[int, ...] = TIME_BREAKS_DAYS
) -> list[int]:
    """Band starts (days) from ``candidates``, with bands too sparse to estimate merged.

    A band with fewer than MIN_BAND_EVENTS events or non-events joins the band before it (the
    first band joins the one after), so no time level is all-or-nothing.
    """
    last = int(period_start_day.max() or 0)
    breaks = [b for b in candidates if b == candidates[0] or b <= last]
    counts = (
        pl.DataFrame({"d": period_start_day, "e": event})
        .with_columns(pl.col("d").cut(breaks[1:], left_closed=True).to_physical().alias("i"))
        .group_by("i")
        .agg(pl.col("e").sum().alias("ev"), pl.len().alias("n"))
    )
    ev = dict(zip(counts["i"].to_list(), counts["ev"].to_list(), strict=True))
    n = dict(zip(counts["i"].to_list(), counts["n"].to_list(), strict=True))
    bands = [[i] for i in range(len(breaks))]

    def sparse(group: list[int]) -> bool:
        e = sum(ev.get(i, 0) for i in group)
        return e < MIN_BAND_EVENTS or sum(n.get(i, 0) for i in group) - e < MIN_BAND_EVENTS

    for k in range(len(bands) - 1, 0, -1):
        if sparse(bands[k]):
            bands[k - 1] += bands.pop(k)
    while len(bands) > 1 and sparse(bands[0]):
        first = bands.pop(0)
        bands[0] = first + bands[0]
    return [breaks[g[0]] for g in bands]


def time_band_labels(breaks: list[int], offset_days: int = 0) -> list[str]:
    """'weeks 0-3', 'weeks 4-7', ..., 'weeks 72+': weeks since engagement at the period's start."""
    labels = []
    for lo, hi in zip(breaks, [*breaks[1:], None], strict=True):
        a = (lo + offset_days) // 7
        labels.append(f"weeks {a}+" if hi is None else f"weeks {a}-{(hi - 1 + offset_days) // 7}")
    return labels


def time_band(period_start_day: pl.Expr, breaks: list[int], offset_days: int = 0) -> pl.Expr:
    """The time band of a period (see :func:`time_band_labels`), as a string."""
    labels = time_band_labels(breaks, offset_days)
    return period_start_day.cut(breaks[1:], left_closed=True, labels=labels).cast(pl.Utf8)


def prepare_controls(
    df: pl.DataFrame, names: list[str], missing: Missing, outcome: str
) -> tuple[pl.DataFrame, list[str], str]:
    """Controls ready for a model: (frame, terms, one line on how they were prepared).

    complete_case: rows with a missing control are dropped. indicator: a missing category is its
    own level '(missing)'; a missing number is set to the mean and flagged by a 0/1 term
    ``<name>_missing``. Categorical controls come back as strings. A control level in which the
    outcome never (or always) happens cannot be estimated (separation): such levels are pooled into
    '(sparse levels)', and that into the largest level if it is still all-or-nothing. Constant
    controls are dropped. The exposure and time terms are never touched.
    """
    cat = [c for c in names if not df.schema[c].is_numeric()]
    df = df.with_columns(pl.col(c).cast(pl.Utf8) for c in cat)
    terms = list(names)
    if missing == "complete_case":
        df = df.drop_nulls(names)
        # how many were left out is the model card's n against the population: not in words
        how = "complete cases (clients with a missing control left out)"
    elif missing == "indicator":
        fixes = [pl.col(c).fill_null(MISSING_LEVEL) for c in cat]
        for c in names:
            if c not in cat and df[c].null_count():
                flag = pl.col(c).is_null().cast(pl.Int8).alias(f"{c}_missing")
                fixes += [pl.col(c).fill_null(pl.col(c).mean()), flag]
                terms.append(f"{c}_missing")
        df = df.with_columns(fixes)
        how = "missing-indicator: '(missing)' level for categories, mean plus a 0/1 flag for numbers"
    else:
        raise ValueError(f"missing must be 'complete_case' or 'indicator', not {missing!r}")
    pooled = []
    for c in cat:
        for _ in range(2):  # sparse levels -> '(sparse levels)'; if still sparse -> the largest level
            by = df.group_by(c).agg(pl.len().alias("n"), pl.col(outcome).sum().alias("e")).sort("n")
            bad = by.filter((pl.col("e") == 0) | (pl.col("e") == pl.col("n")))[c].to_list()
            if not bad or by.height < 2:
                break
            target = SPARSE_LEVEL if SPARSE_LEVEL not in bad else by[c][-1]
            if target in bad:  # the largest level itself is all-or-nothing: leave it to the fitter
                break
            pooled += [f"{column_words(c)}: {code_words(c, str(lev))}" for lev in bad if lev != SPARSE_LEVEL]
            df = df.with_columns(
                pl.when(pl.col(c).is_in(bad)).then(pl.lit(target)).otherwise(pl.col(c)).alias(c)
            )
    if pooled:
        how += f"; pooled for lack of events: {', '.join(pooled)}"
    return df, [t for t in terms if df[t].n_unique() > 1], how
