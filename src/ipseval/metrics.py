"""Service outcomes: referrals, engagement, job entry, hours, sustainment, meetings, time to job.

Each function reads the store's SQL views (src/ipseval/sql/metrics.sql holds the definitions)
and returns a tidy, unrounded :class:`ResultTable`. Breakdowns (overall, by local authority,
by referral year) come from one GROUPING SETS query, so the parts always match the whole.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .competing import cumulative_incidence, first_reaching
from .disclosure.cellkey import key_sum, keyed
from .results import ColumnsAddUp, Monotone, Rate, ResultTable, RowsAddUp, SameCount
from .settings import Settings
from .store import Store

BREAKDOWN_ORDER = {"overall": 0, "local_authority": 1, "referral_year": 2}
DAYS_PER_MONTH = 365.25 / 12


def _sort_breakdowns(df: pl.DataFrame, *extra: str) -> pl.DataFrame:
    return (
        df.with_columns(pl.col("breakdown").replace_strict(BREAKDOWN_ORDER, default=9).alias("_o"))
        .sort(["_o", "group", *extra])
        .drop("_o")
    )


# Columns that only mean something when the data set has the table they come from: without it they
# are null ("not reported"), never 0.
JOB_COLUMNS = (
    "job_entries", "job_entry_rate", "job_entry_ci_low", "job_entry_ci_high", "job_starts",
    "first_jobs_hours_known", "first_jobs_16plus", "share_16plus", "share_16plus_ci_low",
    "share_16plus_ci_high", "entries_within_window", "share_within_window", "jobs_before_engagement",
    "without_job_entry", "first_jobs_under_threshold", "entries_after_window",
)  # fmt: skip
MEETING_COLUMNS = (
    "meetings_engaged", "meetings_per_engaged_client", "median_meetings", "engaged_without_meetings",
)  # fmt: skip


# Outcome counts that other tables publish too, for the same groups of clients
SHARED_OUTCOMES = ("referrals", "engaged", "not_engaged", "denominator", "job_entries", "without_job_entry")

# Columns that count engaged clients: without any engagement date, nobody can be told engaged
ENGAGEMENT_COLUMNS = ("engaged", "engaged_rate", "not_engaged", "denominator", "engaged_without_meetings")


def not_reported(df: pl.DataFrame, store: Store) -> pl.DataFrame:
    """Null the job columns when there is no jobs table, the meeting columns when no meetings, and
    the engagement columns (so job entry too) when no engagement date is recorded."""
    present, unrecorded = set(store.tables_present), store.unrecorded
    gone = [*(JOB_COLUMNS if "jobs" not in present else ())]
    gone += MEETING_COLUMNS if "meetings" not in present else ()
    if "clients.engagement_date" in unrecorded:  # nobody engaged: no job-entry denominator at all
        gone += [*ENGAGEMENT_COLUMNS, *JOB_COLUMNS, *MEETING_COLUMNS, "clients"]
    if "clients.employed_at_referral" in unrecorded:
        gone.append("employed_at_referral")
    gone = [c for c in dict.fromkeys(gone) if c in df.columns]
    return df.with_columns(pl.lit(None, dtype=df.schema[c]).alias(c) for c in gone) if gone else df


# complements of outcome counts: count -> (total, part), for their cell keys
OUTCOME_COMPLEMENTS = {
    "not_engaged": ("referrals", "engaged"),
    "without_job_entry": ("denominator", "job_entries"),
    "first_jobs_under_threshold": ("first_jobs_hours_known", "first_jobs_16plus"),
    "entries_after_window": ("job_entries", "entries_within_window"),
}


def _cell_keys(
    df: pl.DataFrame, counts: list[str], store: Store, complements: dict[str, tuple[str, str]]
) -> tuple[pl.DataFrame, dict[str, str]]:
    """The table's cell keys (``<count>_key`` columns, complements worked out from their total's and
    part's), declared only when every count has one and the store's record keys are usable."""
    from .disclosure.cellkey import keyed, with_complement_keys

    df = with_complement_keys(df, complements)
    return keyed(df, counts, usable=store.record_keys is not None)


def population_keys(store: Store) -> pl.DataFrame | None:
    """The key of each breakdown group's clients (breakdown, group, population_key): the population
    every count of that group's rows is perturbed with (see ResultTable.population_key); None when
    the store keeps no usable record keys."""
    if (
        store.record_keys is None
        or "referrals_key" not in store.query("SELECT * FROM outcomes_summary LIMIT 0").columns
    ):
        return None
    return store.query('SELECT breakdown, "group", referrals_key AS population_key FROM outcomes_summary')


def _with_population(
    df: pl.DataFrame, store: Store, keys: dict[str, str], on: list[str]
) -> tuple[pl.DataFrame, str]:
    """``df`` with its rows' population keys (joined on ``on``), when it has cell keys."""
    pops = population_keys(store) if keys else None
    if pops is None:
        return df, ""
    if on:
        return df.join(pops, on=on, how="left", maintain_order="left"), "population_key"
    overall = pops.filter(pl.col("breakdown") == "overall")["population_key"]
    return df.with_columns(
        pl.lit(overall[0] if overall.len() else 0, dtype=pl.Int64).alias("population_key")
    ), "population_key"


def _key_columns(store: Store, view: str) -> str:
    """``, a_key, b_key`` for the view's cell key columns ("" in a store imported before keys)."""
    names = [c for c in store.query(f"SELECT * FROM {view} LIMIT 0").columns if c.endswith("_key")]
    return "".join(f", {c}" for c in names)


def outcomes(store: Store) -> ResultTable:
    """Referrals, engagement, job entry (Wilson 95% CI), 16+ hours, timing and meetings."""
    df = store.query(
        """
        SELECT *,
               ratio(engaged, referrals) AS engaged_rate,
               ratio(job_entries, denominator) AS job_entry_rate,
               wilson_low(job_entries, denominator) AS job_entry_ci_low,
               wilson_high(job_entries, denominator) AS job_entry_ci_high,
               ratio(first_jobs_16plus, first_jobs_hours_known) AS share_16plus,
               wilson_low(first_jobs_16plus, first_jobs_hours_known) AS share_16plus_ci_low,
               wilson_high(first_jobs_16plus, first_jobs_hours_known) AS share_16plus_ci_high,
               ratio(entries_within_window, job_entries) AS share_within_window,
               -- complements, declared so that e.g. '38 of 40' cannot reveal a hidden '2 without'
               referrals - engaged AS not_engaged,
               denominator - job_entries AS without_job_entry,
               first_jobs_hours_known - first_jobs_16plus AS first_jobs_under_threshold,
               job_entries - entries_within_window AS entries_after_window
        FROM outcomes_summary
        """
    )
    df = _sort_breakdowns(df)
    counts = [
        "referrals",
        "engaged",
        "employed_at_referral",
        "denominator",
        "job_entries",
        "first_jobs_hours_known",
        "first_jobs_16plus",
        "entries_within_window",
        "jobs_before_engagement",
        "engaged_without_meetings",
        "not_engaged",
        "without_job_entry",
        "first_jobs_under_threshold",
        "entries_after_window",
    ]
    df = df.with_columns([pl.col(c).cast(pl.Int64) for c in [*counts, "job_starts", "meetings_engaged"]])
    df = not_reported(df, store)
    df, keys = _cell_keys(df, counts, store, OUTCOME_COMPLEMENTS)
    return ResultTable(
        key="outcomes",
        keys=keys,
        population_key="referrals_key" if keys else "",
        title="Referrals, engagement and job outcomes",
        data=df,
        dims=["breakdown", "group"],
        counts=counts,
        rates={
            "engaged_rate": Rate("engaged", "referrals"),
            "job_entry_rate": Rate("job_entries", "denominator", ("job_entry_ci_low", "job_entry_ci_high")),
            "share_16plus": Rate(
                "first_jobs_16plus", "first_jobs_hours_known", ("share_16plus_ci_low", "share_16plus_ci_high")
            ),
            "share_within_window": Rate("entries_within_window", "job_entries"),
        },
        guarded={
            "job_starts": "job_entries",
            "meetings_engaged": "engaged",
            "meetings_per_engaged_client": "engaged",
            "median_meetings": "engaged",
        },
        additive=[
            *(RowsAddUp(c, ("breakdown",), total=(("breakdown", "overall"),)) for c in counts),
            ColumnsAddUp(("engaged", "not_engaged"), "referrals"),
            ColumnsAddUp(("job_entries", "without_job_entry"), "denominator"),
            ColumnsAddUp(("first_jobs_16plus", "first_jobs_under_threshold"), "first_jobs_hours_known"),
            ColumnsAddUp(("entries_within_window", "entries_after_window"), "job_entries"),
        ],
        shares=[SameCount(c, c, ("breakdown", "group")) for c in SHARED_OUTCOMES],
        spare=["not_engaged", "without_job_entry", "first_jobs_under_threshold", "entries_after_window"],
        columns={
            "breakdown": "overall, local_authority or referral_year",
            "group": "the area or year ('All' for overall)",
            "referrals": "clients referred (rows in clients)",
            "engaged": "clients with an engagement date (vocational profile started)",
            "engaged_rate": "engaged / referrals",
            "employed_at_referral": "clients in work when referred (job retention; not in the job-entry denominator)",
            "denominator": "job-entry denominator: engaged and not employed at referral",
            "job_entries": "clients in the denominator with at least one job start",
            "job_entry_rate": "job_entries / denominator",
            "job_entry_ci_low": "Wilson 95% interval, lower bound",
            "job_entry_ci_high": "Wilson 95% interval, upper bound",
            "job_starts": "all job starts (first and later) by clients in the denominator",
            "first_jobs_hours_known": "first jobs with hours recorded",
            "first_jobs_16plus": "first jobs at or above the hours threshold (16 by default)",
            "share_16plus": "first_jobs_16plus / first_jobs_hours_known",
            "share_16plus_ci_low": "Wilson 95% interval, lower bound",
            "share_16plus_ci_high": "Wilson 95% interval, upper bound",
            "entries_within_window": "job entries whose first job started within the window after engagement",
            "share_within_window": "entries_within_window / job_entries",
            "jobs_before_engagement": "job entries whose first job was recorded before the engagement date",
            "meetings_engaged": "attended meetings of engaged clients",
            "meetings_per_engaged_client": "mean attended meetings per engaged client",
            "median_meetings": "median attended meetings per engaged client",
            "engaged_without_meetings": "engaged clients with no attended meeting",
            "not_engaged": "referrals - engaged",
            "without_job_entry": "denominator - job_entries",
            "first_jobs_under_threshold": "first jobs with known hours below the threshold",
            "entries_after_window": "job entries whose first job started after the window",
        },
    )


def sustainment(store: Store) -> ResultTable:
    """First jobs sustained N weeks; jobs too recent to tell are 'not yet due', not failures."""
    key_cols = _key_columns(store, "sustainment_summary")
    df = store.query(
        f"""
        SELECT breakdown, "group", weeks, first_jobs, sustained, not_sustained, not_yet_due,
               first_jobs - not_yet_due AS due,
               ratio(sustained, first_jobs - not_yet_due) AS sustained_rate,
               wilson_low(sustained, first_jobs - not_yet_due) AS sustained_ci_low,
               wilson_high(sustained, first_jobs - not_yet_due) AS sustained_ci_high{key_cols}
        FROM sustainment_summary
        """
    )
    counts = ["first_jobs", "sustained", "not_sustained", "not_yet_due", "due"]
    df = _sort_breakdowns(df.with_columns([pl.col(c).cast(pl.Int64) for c in counts]), "weeks")
    df, keys = _cell_keys(df, counts, store, {"due": ("first_jobs", "not_yet_due")})
    df = _whole_service_only(df, ["not_yet_due", "first_jobs"])
    df, population = _with_population(df, store, keys, ["breakdown", "group"])
    return ResultTable(
        key="sustainment",
        keys=keys,
        population_key=population,
        title="First jobs sustained",
        data=df,
        dims=["breakdown", "group", "weeks"],
        counts=counts,
        rates={
            "sustained_rate": Rate("sustained", "due", ("sustained_ci_low", "sustained_ci_high")),
        },
        additive=[
            *(RowsAddUp(c, ("breakdown", "weeks"), total=(("breakdown", "overall"),)) for c in counts),
            ColumnsAddUp(("sustained", "not_sustained"), "due"),
            ColumnsAddUp(("due", "not_yet_due"), "first_jobs"),
        ],
        shares=[SameCount("first_jobs", "job_entries", ("breakdown", "group"))],
        spare=["not_yet_due", "first_jobs", "not_sustained"],
        columns={
            "weeks": "sustainment horizon in weeks",
            "first_jobs": "first jobs of job entrants (whole service only: see outcomes' job_entries)",
            "sustained": "first jobs lasting at least the horizon (ongoing jobs measured to the data cut)",
            "not_sustained": "first jobs that ended before the horizon",
            "not_yet_due": "first jobs still ongoing that started less than the horizon before the data cut "
            "(whole service only)",
            "due": "first_jobs - not_yet_due: jobs whose outcome is known",
            "sustained_rate": "sustained / due",
            "sustained_ci_low": "Wilson 95% interval, lower bound",
            "sustained_ci_high": "Wilson 95% interval, upper bound",
        },
    )


def no_meetings_merged(without: int, settings: Settings) -> bool:
    """Whether the clients with no attended meeting are counted in the first band: when there are
    so few of them (1 up to the disclosure threshold) that a row of their own would be hidden, and
    hiding it would hide a second band too. Merging a tiny category hides nothing."""
    policy = settings.disclosure
    return policy.policy != "none" and 1 <= without <= policy.effective_threshold


def first_band_with_none(settings: Settings) -> str:
    """The first band's label with 0 meetings added: '1-4' -> '0-4'."""
    first = settings.definitions.meeting_bands[0]
    return f"0-{first.high}" if first.high is not None else f"0+ ({first.label})"


def _whole_service_only(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Counts left out (null) of every row but the whole service's. The not-yet-due count of an
    area is small wherever the area is (a few jobs started in the last weeks) and a reader needs
    only the jobs whose outcome is known; published, its smallness would hide the area's
    sustainment rate with it (see docs/disclosure.md)."""
    whole = pl.col("breakdown") == "overall"
    return df.with_columns([pl.when(whole).then(pl.col(c)).otherwise(None).alias(c) for c in columns])


def meeting_bands(store: Store, settings: Settings | None = None) -> ResultTable:
    """Job entry by band of attended meetings (descriptive, unadjusted). With few clients without
    meetings (see :func:`no_meetings_merged`) they are counted in the first band."""
    key_cols = _key_columns(store, "meeting_band_summary")
    df = store.query(
        f"""
        SELECT ord AS band_order, meeting_band, clients, job_entries,
               clients - job_entries AS without_job_entry,
               ratio(job_entries, clients) AS job_entry_rate,
               wilson_low(job_entries, clients) AS job_entry_ci_low,
               wilson_high(job_entries, clients) AS job_entry_ci_high{key_cols}
        FROM meeting_band_summary ORDER BY ord
        """
    ).with_columns(pl.col(c).cast(pl.Int64) for c in ("clients", "job_entries", "without_job_entry"))
    notes = []
    if settings is not None and df.height > 1 and no_meetings_merged(int(df["clients"][0] or 0), settings):
        df = _merge_first_two(df, first_band_with_none(settings))
        notes.append(
            "Clients with no attended meeting were too few to show on their own, so they are counted in "
            "the first band."
        )
    df = not_reported(df, store)
    df, keys = _cell_keys(
        df,
        ["clients", "job_entries", "without_job_entry"],
        store,
        {"without_job_entry": ("clients", "job_entries")},
    )
    df, population = _with_population(df, store, keys, [])
    return ResultTable(
        key="job_entry_by_meeting_band",
        keys=keys,
        population_key=population,
        title="Job entry by number of IPS meetings attended (unadjusted)",
        data=df,
        dims=["band_order", "meeting_band"],
        counts=["clients", "job_entries", "without_job_entry"],
        rates={"job_entry_rate": Rate("job_entries", "clients", ("job_entry_ci_low", "job_entry_ci_high"))},
        additive=[
            # the bands add up to the job-entry denominator's overall figures (the outcomes table)
            RowsAddUp("clients", of=("denominator", ("=overall", "=All"))),
            RowsAddUp("job_entries", of=("job_entries", ("=overall", "=All"))),
            RowsAddUp("without_job_entry", of=("without_job_entry", ("=overall", "=All"))),
            ColumnsAddUp(("job_entries", "without_job_entry"), "clients"),
        ],
        columns={
            "meeting_band": "band of attended meetings (all meetings, including in-work support)",
            "clients": "clients in the job-entry denominator in the band",
            "job_entries": "of whom started a job",
            "without_job_entry": "clients - job_entries",
            "job_entry_rate": "job_entries / clients",
        },
        shares=[SameCount("clients", "band_clients", ("meeting_band",))],
        notes=[
            "Unadjusted. Clients who find work go on to have in-work support meetings, and clients who "
            "stay longer both meet more and have more time to find work, so this overstates the effect "
            "of meetings; see the service impact analysis.",
            *notes,
        ],
    )


def _merge_first_two(df: pl.DataFrame, label: str) -> pl.DataFrame:
    """The 'No meetings' row added into the first band's, relabelled, with its rate recomputed."""
    from .disclosure import wilson_interval
    from .disclosure.cellkey import KEY_MODULUS

    a, b = df.row(0, named=True), df.row(1, named=True)
    n, x = a["clients"] + b["clients"], a["job_entries"] + b["job_entries"]
    lo, hi = wilson_interval(x, n) if n else (None, None)
    merged = {
        **b, "meeting_band": label, "clients": n, "job_entries": x, "without_job_entry": n - x,
        "job_entry_rate": x / n if n else None, "job_entry_ci_low": lo, "job_entry_ci_high": hi,
    }  # fmt: skip
    for c in (c for c in df.columns if c.endswith("_key")):  # cell keys: the two bands' records together
        if a[c] is not None and b[c] is not None:
            merged[c] = (a[c] + b[c]) % KEY_MODULUS
    return pl.concat([pl.DataFrame([merged], schema=df.schema), df.slice(2)])


# ---------------------------------------------------------------- time to first job (competing risks)


def _time_to_job_frame(store: Store) -> pl.DataFrame:
    """One row per client in the denominator: days to first job or end of follow-up, whether a job
    started, and ``exit_status`` (1 job, 2 discharged without a job, 0 still on the caseload at the
    data cut); with ``record_key`` when the store's record keys are usable (cell keys)."""
    key = ", record_key" if _usable_record_key(store) else ""
    return store.query(
        f"""
        SELECT client_id, local_authority, referral_year{key},
               CASE WHEN job_entry THEN days_to_first_job
                    ELSE greatest(date_diff('day', engagement_date, follow_up_end), 0) END AS days,
               job_entry AS event,
               CASE WHEN job_entry THEN 1
                    WHEN discharge_date IS NOT NULL AND discharge_date <= follow_up_end THEN 2
                    ELSE 0 END AS exit_status
        FROM client_outcomes WHERE in_denominator
        """
    )


def _usable_record_key(store: Store) -> bool:
    """client_outcomes has each client's record key, and the store's keys may be used."""
    if store.record_keys is None:
        return False
    return "record_key" in store.query("SELECT * FROM client_outcomes LIMIT 0").columns


def kaplan_meier(days: np.ndarray, event: np.ndarray, z: float = 1.959963984540054) -> pl.DataFrame:
    """Kaplan-Meier estimate of staying out of work, with a Greenwood log-log 95% CI.

    Only a sensitivity now (methods appendix): with discharge as censoring, 1 - S is the share who
    would have started a job had nobody been discharged, higher than the share who did (see
    :mod:`ipseval.competing`).

    Returns one row per distinct time (time 0 always included): day, at_risk, events, censored,
    survival, ci_low, ci_high. Vectorised numpy (a lifelines fit costs ~0.15 s per group); the
    tests check it against lifelines and statsmodels.
    """
    days = np.asarray(days, dtype=float)
    event = np.asarray(event, dtype=bool)
    if days.size == 0:
        return pl.DataFrame(
            schema={
                "day": pl.Float64,
                "at_risk": pl.Int64,
                "events": pl.Int64,
                "censored": pl.Int64,
                "survival": pl.Float64,
                "ci_low": pl.Float64,
                "ci_high": pl.Float64,
            }
        )
    times, inverse = np.unique(np.concatenate([[0.0], days]), return_inverse=True)
    inverse = inverse[1:]
    removed = np.bincount(inverse, minlength=times.size)
    events = np.bincount(inverse, weights=event, minlength=times.size).astype(np.int64)
    at_risk = days.size - np.concatenate([[0], np.cumsum(removed)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - events / at_risk)
        # Greenwood's sum, then the interval on the log(-log S) scale
        greenwood = np.cumsum(np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0))
        log_s = np.log(survival)
        half = z * np.sqrt(greenwood) / np.abs(log_s)
        centre = np.log(-log_s)
        low = np.exp(-np.exp(centre + half))
        high = np.exp(-np.exp(centre - half))
    undefined = (survival >= 1.0) | (survival <= 0.0)
    low = np.where(undefined, survival, low)
    high = np.where(undefined, survival, high)
    return pl.DataFrame(
        {
            "day": times,
            "at_risk": at_risk.astype(np.int64),
            "events": events,
            "censored": (removed - events).astype(np.int64),
            "survival": survival,
            "ci_low": low,
            "ci_high": high,
        }
    )


SHARES = ("in_work", "in_work_ci_low", "in_work_ci_high")
DISCHARGE_SHARES = ("discharged", "discharged_ci_low", "discharged_ci_high")
KM_SHARES = ("km_in_work", "km_in_work_ci_low", "km_in_work_ci_high")


def read_at(curve: pl.DataFrame, days: np.ndarray, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Step-curve values at ``days`` (the last row at or before each day; 0 before the first).

    An interval of a share that is still 0 (no job start yet) is [0, 0], not blank."""
    idx = np.searchsorted(curve["day"].to_numpy(), np.asarray(days, float), side="right") - 1
    take = np.clip(idx, 0, max(curve.height - 1, 0))
    out = {}
    for col in columns:
        values = np.nan_to_num(curve[col].to_numpy(), nan=0.0) if curve.height else np.zeros(1)
        out[col] = np.where(idx >= 0, values[take], 0.0)
    return out


def curve_on_grid(
    ci: pl.DataFrame, days: np.ndarray, step_days: int = 7, min_at_risk: int = 1
) -> pl.DataFrame:
    """The cumulative incidence curves read off every ``step_days`` (weekly by default), for publication.

    Publishing the estimate at every event day beside the number at risk would let a reader work
    out each day's small number of job starts; on a weekly grid the number at risk is kept only to
    guard the estimates (disclosure control drops it), and the published numbers at risk are those
    at set months (see time_to_job_at). ``ci``: :func:`ipseval.competing.cumulative_incidence`.
    """
    days = np.asarray(days, dtype=float)
    top = float(days.max()) if days.size else 0.0
    grid = np.arange(0.0, top + 1.0, step_days)  # up to the last follow-up, not beyond
    ordered = np.sort(days)
    at_risk = ordered.size - np.searchsorted(ordered, grid, side="left")
    keep = at_risk >= min_at_risk  # the tail rests on few people and jumps about: not reported
    grid, at_risk = grid[keep], at_risk[keep]
    cum = ci.with_columns(
        pl.col("job_starts").cum_sum().alias("starts"), pl.col("discharges").cum_sum().alias("gone")
    )
    values = read_at(cum, grid, (*SHARES, *DISCHARGE_SHARES, "starts", "gone"))
    return pl.DataFrame(
        {
            "day": grid,
            # an estimate rests on both: few still at risk, or few events so far, identify people
            "guard_n": np.minimum(at_risk, values.pop("starts")).astype(np.int64),
            "discharge_guard_n": np.minimum(at_risk, values.pop("gone")).astype(np.int64),
            **values,
        }
    )


CURVE_COLUMNS = {
    "day": "days since engagement (weekly grid)",
    "in_work": "share who had started a job by then (cumulative incidence, discharge without a job competing)",
    "in_work_ci_low": "95% interval for in_work, lower (log scale, infinitesimal-jackknife standard error)",
    "in_work_ci_high": "95% interval for in_work, upper",
    "discharged": "share discharged without a job by then (cumulative incidence of the competing event)",
    "discharged_ci_low": "95% interval for discharged, lower",
    "discharged_ci_high": "95% interval for discharged, upper",
}
CURVE_STATISTICS = (*SHARES, *DISCHARGE_SHARES)
CURVE_GUARDS = dict.fromkeys(SHARES, "guard_n") | dict.fromkeys(DISCHARGE_SHARES, "discharge_guard_n")
AT_COLUMNS = {
    "months": "months since engagement",
    "at_risk": "clients still out of work and followed up at that time (number at risk)",
    "job_entries_by_then": "first job starts observed by then",
    "discharged_by_then": "clients discharged without a job by then (the competing event)",
    "in_work": "share who had started a job by then (cumulative incidence, discharge without a job competing)",
    "discharged": "share discharged without a job by then (cumulative incidence)",
    "km_in_work": "sensitivity: Kaplan-Meier 1 - S treating discharge as censoring (higher: it treats the "
    "discharged as if they could still find a job)",
}
AT_GUARDS = dict.fromkeys((*SHARES, *KM_SHARES), "job_entries_by_then") | dict.fromkeys(
    DISCHARGE_SHARES, "discharged_by_then"
)
# at a month of the grid, those still at risk, those with a job start and those discharged are
# never more than all clients (the rest: followed up for less than that); when nobody's follow-up
# ended sooner they are all, so a reader can work out a hidden count from the other three
AT_MOST_CLIENTS = ColumnsAddUp(
    ("at_risk", "job_entries_by_then", "discharged_by_then"), "clients", at_most=True
)
NOTE = (
    "Cumulative incidence (Aalen-Johansen) of a first job start from engagement, among engaged clients "
    "not in work at referral, with discharge without a job as a competing event (a discharged client "
    "cannot find a job through the service); clients still on the caseload are censored at the data "
    "cut. 95% CI: log scale, infinitesimal-jackknife standard errors (as R survfit)."
)


def _km_groups(frame: pl.DataFrame) -> list[tuple[str, str, pl.DataFrame]]:
    groups: list[tuple[str, str, pl.DataFrame]] = [("overall", "All", frame)]
    for breakdown in ("local_authority", "referral_year"):
        for key, sub in sorted(frame.group_by(breakdown), key=lambda kv: str(kv[0][0])):
            groups.append((breakdown, str(key[0]), sub))
    return groups


def _at_keys(rk: np.ndarray | None, days: np.ndarray, status: np.ndarray, t: float, m: int) -> dict[str, int]:
    """Cell keys of a time_to_job_at row (none without record keys): all clients, those still at
    risk at time ``t`` (everyone at month 0), those with a job start and those discharged by then."""
    if rk is None:
        return {}
    at_risk = days >= t if m > 0 else np.ones(days.size, dtype=bool)
    return {
        "clients_key": key_sum(rk),
        "at_risk_key": key_sum(rk, at_risk),
        "job_entries_by_then_key": key_sum(rk, (days <= t) & (status == 1)),
        "discharged_by_then_key": key_sum(rk, (days <= t) & (status == 2)),
    }


def at_months(days: np.ndarray, status: np.ndarray, months: list[int]) -> list[dict]:
    """Share in work (cumulative incidence), share discharged and the Kaplan-Meier sensitivity at
    each of ``months`` (0 first), with the number at risk and the events so far."""
    ci = cumulative_incidence(days, status)
    km = kaplan_meier(days, status == 1).select(
        "day",
        *(
            (1.0 - pl.col(c)).alias(k)
            for c, k in zip(("survival", "ci_high", "ci_low"), KM_SHARES, strict=True)
        ),
    )
    t = np.array(months, float) * DAYS_PER_MONTH
    shares = read_at(ci, t, (*SHARES, *DISCHARGE_SHARES)) | read_at(km, t, KM_SHARES)
    rows = []
    for i, m in enumerate(months):
        rows.append(
            {
                "months": m,
                "clients": int(days.size),
                "at_risk": int((days >= t[i]).sum()) if m > 0 else int(days.size),
                "job_entries_by_then": int(((days <= t[i]) & (status == 1)).sum()),
                "discharged_by_then": int(((days <= t[i]) & (status == 2)).sum()),
            }
            | {k: (float(v[i]) if days.size else None) for k, v in shares.items()}
        )
    return rows


def time_to_job(store: Store, settings: Settings) -> dict[str, ResultTable]:
    """Time from engagement to first job with discharge without a job as a competing event.

    Returns the cumulative incidence curve (weekly grid), the share who had started a job at set
    months with the number still at risk (and the Kaplan-Meier sensitivity), and the median time
    to first job per group (the day half had started a job; blank when fewer than half ever do).
    """
    frame = _time_to_job_frame(store)
    months = [0, *settings.definitions.share_in_work_months]
    curves, at_rows, summary = [], [], []
    for breakdown, group, sub in _km_groups(frame):
        days, status = sub["days"].to_numpy(), sub["exit_status"].to_numpy()
        ci = cumulative_incidence(days, status)
        curves.append(
            curve_on_grid(ci, days, min_at_risk=settings.report.curve_min_at_risk).with_columns(
                pl.lit(breakdown).alias("breakdown"), pl.lit(group).alias("group")
            )
        )
        rk = sub["record_key"].to_numpy() if "record_key" in sub.columns else None
        for row in at_months(days, status, months):
            t = row["months"] * DAYS_PER_MONTH
            at_rows.append(
                {"breakdown": breakdown, "group": group} | row | _at_keys(rk, days, status, t, row["months"])
            )
        job, gone = status == 1, status == 2
        summary.append(
            {
                "breakdown": breakdown,
                "group": group,
                "clients": len(days),
                "job_entries": int(job.sum()),
                "discharged": int(gone.sum()),
                "median_days": first_reaching(ci, "in_work"),
            }
            | (
                {}
                if rk is None
                else {
                    "clients_key": key_sum(rk),
                    "job_entries_key": key_sum(rk, job),
                    "discharged_key": key_sum(rk, gone),
                }
            )
        )
    curve = pl.concat(curves).select(
        "breakdown", "group", "day", "guard_n", "discharge_guard_n", *CURVE_STATISTICS
    )
    at = pl.DataFrame(at_rows, infer_schema_length=None)
    summ = pl.DataFrame(summary, schema_overrides={"median_days": pl.Float64})
    at_counts = ["clients", "at_risk", "job_entries_by_then", "discharged_by_then"]
    at, at_keys = keyed(at, at_counts)
    summ, summ_keys = keyed(summ, ["clients", "job_entries", "discharged"])
    at, at_population = _with_population(at, store, at_keys, ["breakdown", "group"])
    summ, summ_population = _with_population(summ, store, summ_keys, ["breakdown", "group"])
    return {
        "time_to_job_curve": ResultTable(
            key="time_to_job_curve",
            title="Share who had started a job by time since engagement (cumulative incidence)",
            data=curve,
            dims=["breakdown", "group", "day"],
            counts=["guard_n", "discharge_guard_n"],
            internal=["guard_n", "discharge_guard_n"],
            guarded=dict(CURVE_GUARDS),
            columns=dict(CURVE_COLUMNS),
            notes=[
                NOTE,
                "Points where fewer clients than the disclosure threshold remain at risk are not shown.",
            ],
        ),
        "time_to_job_at": ResultTable(
            key="time_to_job_at",
            title="Share who had started a job by months since engagement",
            data=at,
            dims=["breakdown", "group", "months"],
            counts=at_counts,
            keys=at_keys,
            population_key=at_population,
            # guarded by the events so far: share x clients would otherwise give a hidden count
            guarded=dict(AT_GUARDS),
            # every month of the grid: areas (and years) add up to all clients
            additive=[
                *(
                    RowsAddUp(c, ("breakdown", "months"), total=(("breakdown", "overall"),))
                    for c in at_counts
                ),
                AT_MOST_CLIENTS,
            ],
            monotone=[
                Monotone("job_entries_by_then", "months", ("breakdown", "group")),
                Monotone("discharged_by_then", "months", ("breakdown", "group")),
                Monotone("at_risk", "months", ("breakdown", "group"), increasing=False),
            ],
            shares=[
                SameCount("clients", "denominator", ("breakdown", "group")),
                SameCount("job_entries_by_then", "entries_by", ("breakdown", "group", "months")),
                SameCount("discharged_by_then", "discharged_by", ("breakdown", "group", "months")),
                SameCount("at_risk", "at_risk", ("breakdown", "group", "months")),
            ],
            spare=["at_risk", "discharged_by_then"],
            columns={"clients": "clients in the analysis (engaged, not in work at referral)", **AT_COLUMNS},
            notes=[NOTE],
        ),
        "time_to_job_summary": ResultTable(
            key="time_to_job_summary",
            title="Median time from engagement to first job",
            data=summ,
            dims=["breakdown", "group"],
            counts=["clients", "job_entries", "discharged"],
            keys=summ_keys,
            population_key=summ_population,
            guarded={"median_days": "clients"},
            additive=[
                RowsAddUp(c, ("breakdown",), total=(("breakdown", "overall"),))
                for c in ("clients", "job_entries", "discharged")
            ],
            shares=[
                SameCount("clients", "denominator", ("breakdown", "group")),
                SameCount("job_entries", "job_entries", ("breakdown", "group")),
                SameCount("discharged", "discharged", ("breakdown", "group")),
            ],
            spare=["discharged"],
            columns={
                "discharged": "clients discharged without a job (the competing event)",
                "median_days": "days by which half had started a job (cumulative incidence reaches 50%); "
                "blank = never reached: fewer than half started a job",
            },
            notes=[NOTE],
        ),
    }


def referral_period(store: Store) -> tuple[str, str]:
    """First and last referral dates (ISO)."""
    row = store.query("SELECT min(referral_date) AS a, max(referral_date) AS b FROM clients").row(0)
    return (row[0].isoformat() if row[0] else "", row[1].isoformat() if row[1] else "")
