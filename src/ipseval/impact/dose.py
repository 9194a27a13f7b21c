"""Dose-response without the published analysis's built-in biases (the primary analysis, issue 3 §2).

The published evaluation compared job entry by band of *all* attended meetings. That rewards the
outcome twice: people who find work then get in-work support meetings, and people who stay longer
on the caseload both meet more and have longer to find work. Two analyses here are free of both:

- :func:`discrete_time_hazard` (primary): a logit of a first job start in each 28-day period on
  the meetings attended *before* that period, the time since engagement and the controls.
- :func:`landmark`: among clients still on the caseload and without a job 12 weeks after
  engagement, the same kind of logit of a first job start per period from then to 9 months after
  engagement, by band of meetings attended before the 12 weeks (exposure fixed at the landmark).

Both fit with :func:`ipseval.impact.flat.logit`, clustered by local authority (CR1, t on G-1 df).

:func:`compare_with_published_note` explains the difference in plain English for a commissioner.
"""

from __future__ import annotations

import math
from typing import Literal

import polars as pl

from ..settings import Settings
from ..store import Store
from .data import analysis_frame, controls, controls_note, meeting_days
from .flat import ModelError, logit
from .person_period import (
    Missing,
    band_label,
    bands_expr,
    build_person_periods,
    landmark_cohort,
    merge_sparse_bands,
    model_bands,
    period_days_setting,
    prepare_controls,
    tertile_bands,
    time_band,
    time_band_breaks,
    time_band_labels,
)
from .result import AnalysisError, ImpactResult

Exposure = Literal["recent", "cumulative", "both"]

EXPOSURE_TERMS: dict[str, tuple[str, ...]] = {
    "recent": ("recent_meetings",),
    "cumulative": ("cumulative_band",),
    "both": ("recent_meetings", "cumulative_band"),
}


# -- shared pieces --------------------------------------------------------------------------------


def _se_setting(settings: Settings, se: str | None) -> str:
    if se is not None:
        return se
    return str(getattr(getattr(settings, "impact", None), "se", "cluster_t"))


def _fit(
    df: pl.DataFrame,
    outcome: str,
    terms: list[str],
    reference: dict[str, str],
    se: str,
    what: str,
    ame_terms: list[str] | None = None,
    clients: pl.DataFrame | None = None,
) -> ImpactResult:
    """flat.logit on person-periods, clustered by local authority ('_cluster'), factored by client.

    ``clients``: one row per client with the controls and '_cluster'; person-period rows then carry
    only what changes from period to period (a million clients' controls are not copied 15 times).

    Robust SEs if there is only one area. Marginal effects only for ``ame_terms`` (the exposure):
    a control's effect on a four-week hazard is not something the report shows. With separation
    the fit is Firth's (:mod:`.firth`), with profile intervals for ``ame_terms`` only (default all).
    """
    notes = []
    cluster_source = df if clients is None else clients
    if se in ("cluster_t", "wild") and cluster_source["_cluster"].n_unique() < 2:
        se = "robust"
        notes.append("There is only one local authority, so robust (HC1) standard errors are used.")
    try:
        fit = logit(
            df,
            outcome,
            terms,
            reference=reference,
            cluster="_cluster",
            se=se,
            unit="client_id",
            unit_frame=clients,
            ame_terms=ame_terms if ame_terms is not None else terms,
            # separation in a small service: Firth's fit, profiling only the meeting terms shown
            method="auto",
            profile_terms=ame_terms,
        )
    except ModelError as e:
        k = 1 + sum(
            1 if frame.schema[t].is_numeric() else frame[t].n_unique() - 1
            for t in terms
            for frame in [df if t in df.columns else clients]
        )
        raise AnalysisError(
            f"The {what} could not be fitted (too few job starts for its {k} coefficients): "
            f"{str(e).rstrip('.')}."
        ) from None
    fit.notes = [*notes, *(n.replace("by _cluster", "by local_authority") for n in fit.notes)]
    fit.card["cluster"] = "local_authority" if fit.card.get("cluster") else None
    fit.card["se_type"] = str(fit.card.get("se_type", "")).replace("_cluster", "local_authority")
    return fit


def _finish_table(
    table: pl.DataFrame,
    df: pl.DataFrame,
    outcome: str,
    roles: dict[str, str],
    order: dict[str, list[str]],
    clients: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Add role and events columns; rows by role (exposure, time, control, intercept), levels in order.

    Events of a client-level term are counted on ``clients`` (column '_event': 0/1 per client).
    """
    events = {}
    sources = [(df, outcome), *([(clients, "_event")] if clients is not None else [])]
    for frame, count in sources:
        for term in {*table["term"].to_list()} & set(frame.columns):
            if not frame.schema[term].is_numeric():
                by = frame.group_by(pl.col(term).cast(pl.Utf8)).agg(pl.col(count).sum())
                events |= {(term, lev): int(e) for lev, e in by.iter_rows()}
    total = int(df[outcome].sum())
    rank = {"exposure": 0, "time": 1, "control": 2, "intercept": 3}
    first: dict[str, int] = {}
    keys = []
    role_col, event_col = [], []
    for i, (term, level) in enumerate(table.select("term", "level").iter_rows()):
        first.setdefault(term, i)
        role = roles.get(term, "control")
        levels = order.get(term, [])
        keys.append((rank[role], first[term], levels.index(level) if level in levels else -1, i))
        role_col.append(role)
        event_col.append(total if level == "" else events.get((term, level)))
    t = table.with_columns(
        pl.Series("role", role_col, dtype=pl.Utf8),
        pl.Series("events", event_col, dtype=pl.Int64),
        pl.Series("_key", [sorted(keys).index(k) for k in keys]),
    )
    return t.sort("_key").drop("_key")


def _prepared_clients(
    pp: pl.DataFrame, clients: pl.DataFrame | None, settings: Settings, missing: Missing
) -> tuple[pl.DataFrame, list[str], list[str], str]:
    """One row per client: client_id, '_cluster', '_event' (0/1) and the controls ready for the model.

    From ``clients`` if given, else from the controls repeated on the person-period rows.
    Returns (clients, controls present, control terms, how missing controls were handled).
    """
    source = pp if clients is None else clients
    ctrl = controls(settings, source)
    cols = list(dict.fromkeys(["local_authority", *ctrl]))
    if clients is None:
        people = pp.group_by("client_id", maintain_order=True).agg(
            pl.col("event").max().alias("_event"), *(pl.col(c).first() for c in cols)
        )
    else:
        people = clients.select("client_id", pl.col("job_entry").alias("_event"), *cols)
    people = people.with_columns(pl.col("local_authority").cast(pl.Utf8).alias("_cluster"))
    people, terms, how = prepare_controls(people, ctrl, missing, "_event")
    return people.select("client_id", "_cluster", "_event", *dict.fromkeys(terms)), ctrl, terms, how


def _rows_of(rows: pl.DataFrame, people: pl.DataFrame, clients: pl.DataFrame | None) -> pl.DataFrame:
    """Person-period rows of the clients still in the model (complete cases drop whole clients)."""
    if clients is not None and people.height == clients.height:  # nobody dropped: no 10M-row join
        return rows
    return rows.join(people.select("client_id"), on="client_id", how="semi", maintain_order="left")


def _numbered(frame: pl.DataFrame) -> pl.DataFrame:
    """The client frame with client_id replaced by the client's number (client_index): the models
    never show who a client is, and ten million person-period rows join and group far faster on
    numbers than on id strings."""
    return frame.with_columns(pl.col("client_index").alias("client_id"))


# -- 1. discrete-time hazard ----------------------------------------------------------------------


def fit_discrete_time_hazard(
    pp: pl.DataFrame,
    settings: Settings,
    exposure: Exposure = "recent",
    period_days: int | None = None,
    missing: Missing = "complete_case",
    se: str | None = None,
    clients: pl.DataFrame | None = None,
) -> ImpactResult:
    """The discrete-time hazard model on person-period rows from :func:`person_periods`.

    ``clients``: one row per client (client_id, local_authority, job_entry and the controls), when
    ``pp`` does not carry the controls itself (see :func:`client_frame`).
    """
    if exposure not in EXPOSURE_TERMS:
        raise ValueError(f"exposure must be one of {sorted(EXPOSURE_TERMS)}, not {exposure!r}")
    p = period_days_setting(settings) if period_days is None else period_days
    if pp.height == 0 or int(pp["event"].sum()) == 0:
        raise AnalysisError("The discrete-time model needs job starts after engagement; there are none.")
    exp_terms = list(EXPOSURE_TERMS[exposure])
    people, _, ctrl_terms, how_missing = _prepared_clients(pp, clients, settings, missing)
    df = pp.select("client_id", "event", "recent_meetings", "cumulative_meetings", "period_start_day")
    df = _rows_of(df, people, clients)
    breaks = time_band_breaks(df["period_start_day"], df["event"])
    df = df.with_columns(time_band(pl.col("period_start_day"), breaks).alias("time_band"))
    cum_bands = merge_sparse_bands(df["cumulative_meetings"], df["event"], model_bands(settings))
    cum_levels = [band_label(b) for b in cum_bands]
    df = df.with_columns(bands_expr(pl.col("cumulative_meetings"), cum_bands).alias("cumulative_band"))
    time_levels = time_band_labels(breaks)
    reference = {"time_band": time_levels[0], "cumulative_band": cum_levels[0]}
    terms = [*exp_terms, "time_band", *ctrl_terms]
    se_type = _se_setting(settings, se)
    fit = _fit(df, "event", terms, reference, se_type, "discrete-time hazard model", exp_terms, people)
    roles = {t: "exposure" for t in exp_terms} | {"time_band": "time", "(Intercept)": "intercept"}
    order = {"time_band": time_levels, "cumulative_band": cum_levels}
    table = _finish_table(fit.table, df, "event", roles, order, people)
    exposure_def = {
        "recent": f"attended meetings in the {p} days before the period starts (per meeting)",
        "cumulative": "attended meetings before the period starts, in the settings' bands with none yet "
        f"counted in the first (bands without events merged): {', '.join(cum_levels)}; reference {cum_levels[0]}",
    }
    exp_desc = "; ".join(
        exposure_def[e] for e in (["recent", "cumulative"] if exposure == "both" else [exposure])
    )
    card = dict(fit.card)
    card |= {
        "outcome": "first job start in the period (0/1), one row per client per period at risk",
        "formula": f"event ~ {' + '.join([*exp_terms, 'time_band', *ctrl_terms])}",
        "n": df.height,
        "person_periods": df.height,
        "clients": fit.card.get("units"),
        "events": int(df["event"].sum()),
        "period_days": p,
        "exposure": exp_desc,
        "time": "piecewise-constant baseline hazard in bands of time since engagement: "
        + ", ".join(time_levels),
        "controls": ", ".join(controls(settings)),
        "missing_controls": how_missing,
        "imputations": 0,
    }
    by_time = (
        df.group_by("time_band")
        .agg(
            pl.len().alias("person_periods"),
            pl.col("event").sum().cast(pl.Int64).alias("events"),
            pl.col("event").mean().alias("hazard"),
            pl.col("recent_meetings").mean().alias("mean_recent_meetings"),
        )
        .with_columns(
            pl.col("time_band").replace_strict({v: i for i, v in enumerate(time_levels)}).alias("_o")
        )
        .sort("_o")
        .drop("_o")
    )
    recent_counts = (
        df.group_by(pl.col("recent_meetings").clip(upper_bound=6).alias("recent_meetings_capped"))
        .agg(pl.len().alias("person_periods"), pl.col("event").sum().cast(pl.Int64).alias("events"))
        .with_columns((pl.col("events") / pl.col("person_periods")).alias("hazard"))
        .sort("recent_meetings_capped")
    )
    result = ImpactResult(
        name="discrete_time_hazard",
        table=table,
        card=card,
        notes=[
            "Exposure is measured only before each period, so in-work support after a job start and time "
            "on the caseload cannot inflate the estimate. It can still be confounded by things that change "
            "over time and are not recorded (e.g. motivation, or more meetings when a job offer is near).",
            *fit.notes,
            *controls_note(settings, pp if clients is None else clients, ("local_authority",)),
        ],
        extra={"by_time_band": by_time, "by_recent_meetings": recent_counts},
    )
    result.notes.append(compare_with_published_note(result))
    return result


def discrete_time_hazard(
    store: Store,
    settings: Settings,
    exposure: Exposure = "recent",
    period_days: int | None = None,
    missing: Missing = "complete_case",
    se: str | None = None,
) -> ImpactResult:
    """Discrete-time hazard (person-period logit) of first job entry on prior meetings (primary).

    exposure: 'recent' = attended meetings in the previous period (per meeting); 'cumulative' =
    all attended meetings before the period, in the settings' bands; 'both' = both together.
    Time since engagement enters as a piecewise-constant baseline; controls from the settings;
    standard errors clustered by local authority (CR1, t on G-1 df). ``.table`` has every term,
    with ``role`` ('exposure', 'time', 'control', 'intercept') and odds ratios per meeting/band.
    """
    p = period_days_setting(settings) if period_days is None else period_days
    clients = _numbered(analysis_frame(store, settings))
    pp = build_person_periods(clients, meeting_days(store), settings, p, carry=[])
    return fit_discrete_time_hazard(pp, settings, exposure, p, missing, se, clients=clients)


# -- 2. landmark ----------------------------------------------------------------------------------


def landmark(
    store: Store,
    settings: Settings,
    landmark_weeks: int | None = None,
    horizon_months: int | None = None,
    bands: Literal["tertiles", "settings"] = "tertiles",
    missing: Missing = "complete_case",
    se: str | None = None,
) -> ImpactResult:
    """Landmark analysis: hazard of a first job after the landmark by meetings attended before it.

    Clients in the denominator still on the caseload and not yet in work ``landmark_weeks`` (12)
    after engagement; their exposure is fixed at the landmark: attended meetings before it, in
    tertiles (default) or the settings' bands. From the landmark they are followed in periods until
    a first job start, discharge, the data cut or ``horizon_months`` (the settings' job-entry
    window, 9) after engagement, and a discrete-time logit (time since the landmark by period, the
    controls, clustered by local authority) compares their chance of starting work per period.
    ``extra['per_meeting']`` has the same model with meetings as a number.

    Why a hazard from the landmark rather than 'a job by 9 months' (logit on a fixed window): with
    a fixed window a client discharged soon after the landmark counts as 'no job', so clients who
    stay on the caseload longer (and meet more) get more chances, which is the time bias this
    analysis exists to remove. In simulations with no effect of meetings but longer stays for those
    who meet more, the fixed-window version found a per-meeting odds ratio around 1.03 with CIs
    excluding 1; the hazard version, which ends follow-up at discharge, did not.

    Why tertiles by default: the settings' bands were drawn for meetings over the whole caseload
    (often a year or more); 12 weeks of roughly weekly meetings gives 0-15, so '20+' would be
    nearly empty and '10-19' would hold only the most engaged. Tertiles give three bands of about
    equal size (the most precise comparison for two odds ratios) and their labels show the ranges.
    Bands without a job start (or only job starts) are merged into the band below.
    """
    p = period_days_setting(settings)
    cohort, counts = landmark_cohort(store, settings, landmark_weeks, horizon_months)
    cohort = _numbered(cohort)
    weeks, months = counts["landmark_weeks"], counts["horizon_months"]
    if cohort.height == 0 or cohort["job_entry"].sum() == 0:
        raise AnalysisError(
            f"No client was still looking for work {weeks} weeks after engagement and then found a job "
            f"within {months} months of engagement, so the landmark analysis cannot be fitted."
        )
    if bands == "tertiles":
        cuts = tertile_bands(cohort["meetings_before_landmark"])
    elif bands == "settings":
        cuts = [(b.low, b.high) for b in settings.definitions.meeting_bands]
        cuts = [*([(0, 0)] if cuts[0][0] > 0 else []), *cuts]
    else:
        raise ValueError(f"bands must be 'tertiles' or 'settings', not {bands!r}")
    empty = pl.DataFrame(schema={"client_index": pl.Int32, "day": pl.Int32})
    pp = build_person_periods(
        cohort.with_columns(pl.col("landmark_date").alias("engagement_date")),
        empty,
        settings,
        p,
        ["meetings_before_landmark"],
    )
    counts["followed_after_landmark"] = pp["client_id"].n_unique()  # at least half a period, or a job
    offset = 7 * weeks
    people, ctrl, ctrl_terms, how_missing = _prepared_clients(pp, cohort, settings, missing)
    df = pp.select("client_id", "event", "meetings_before_landmark", "period_start_day")
    df = _rows_of(df, people, cohort)
    breaks = time_band_breaks(df["period_start_day"], df["event"], tuple(range(0, 28 * months, p)))
    time_levels = time_band_labels(breaks, offset)
    df = df.with_columns(time_band(pl.col("period_start_day"), breaks, offset).alias("time_band"))
    cuts = merge_sparse_bands(df["meetings_before_landmark"], df["event"], cuts)
    labels = [band_label(b) for b in cuts]
    if len(labels) < 2:
        raise AnalysisError(
            "Meetings before the landmark give no contrast: everyone is in one band once bands without "
            "job starts are merged."
        )
    df = df.with_columns(bands_expr(pl.col("meetings_before_landmark"), cuts).alias("landmark_band"))
    se_type = _se_setting(settings, se)
    reference = {"landmark_band": labels[0], "time_band": time_levels[0]}
    terms = ["landmark_band", "time_band", *ctrl_terms]
    fit = _fit(df, "event", terms, reference, se_type, "landmark model", ["landmark_band"], people)
    per_terms = ["meetings_before_landmark", "time_band", *ctrl_terms]
    per = _fit(
        df,
        "event",
        per_terms,
        {"time_band": time_levels[0]},
        se_type,
        "landmark model",
        ["meetings_before_landmark"],
        people,
    )
    roles = {
        "landmark_band": "exposure",
        "meetings_before_landmark": "exposure",
        "time_band": "time",
        "(Intercept)": "intercept",
    }
    order = {"landmark_band": labels, "time_band": time_levels}
    table = _finish_table(fit.table, df, "event", roles, order, people)
    clients = df.unique("client_id").select("client_id", "landmark_band")
    by_band = (
        df.group_by("landmark_band")
        .agg(
            pl.col("client_id").n_unique().alias("clients"),
            pl.len().alias("person_periods"),
            pl.col("event").sum().cast(pl.Int64).alias("job_entries"),
        )
        .with_columns(
            pl.col("landmark_band").replace_strict({v: i for i, v in enumerate(labels)}).alias("_o")
        )
        .sort("_o")
        .drop("_o")
    )
    card = dict(fit.card) | {
        "outcome": f"first job start in the period (0/1), from the landmark to {months} months after engagement",
        "formula": f"event ~ {' + '.join(['landmark_band', 'time_band', *ctrl_terms])}",
        "n": df.height,
        "person_periods": df.height,
        "clients": clients.height,
        "events": int(df["event"].sum()),
        "period_days": p,
        "landmark_weeks": weeks,
        "horizon_months": months,
        "exposure": f"attended meetings before the landmark ({weeks} weeks after engagement), "
        + ("tertiles: " if bands == "tertiles" else "settings' bands: ")
        + ", ".join(labels)
        + f" (reference {labels[0]})",
        "time": "time since the landmark, by period: " + ", ".join(time_levels),
        "eligibility": counts,
        "controls": ", ".join(ctrl),
        "missing_controls": how_missing,
        "imputations": 0,
    }
    return ImpactResult(
        name="landmark",
        table=table,
        card=card,
        notes=[
            f"Only clients still on the caseload and not yet in work {weeks} weeks after engagement are "
            f"compared, by the meetings they had attended by then, on their chance of starting work in each "
            f"four weeks from then until {months} months after engagement. Meetings after the landmark, "
            "including in-work support, are not counted, and a discharge ends a client's follow-up (it does "
            "not count as 'no job', which would favour clients who stay longer).",
            *fit.notes,
            *controls_note(settings, cohort, ("local_authority",)),
            compare_with_published_note(),
        ],
        extra={
            "per_meeting": _finish_table(per.table, df, "event", roles, order, people),
            "by_band": by_band,
        },
    )


# -- 3. for the commissioner -----------------------------------------------------------------------


def compare_with_published_note(primary: ImpactResult | None = None) -> str:
    """Why the published-style model (all meetings, all follow-up) and the primary analysis differ.

    Plain English for a commissioner; with a fitted primary result, its estimate is added.
    """
    days = int((primary.card.get("period_days") if primary is not None else None) or 28)
    span = "four weeks" if days == 28 else f"{days} days"
    text = (
        "Why this differs from the published evaluation. The published evaluation grouped clients by "
        "all the meetings they ever attended and compared how many in each group found work. That "
        "comparison favours meetings twice over, even if meetings made no difference at all. First, "
        "once a client starts a job the service keeps supporting them in work, so people who found work "
        "go on to have more meetings because they found work, not the other way round. Second, clients "
        "who stay on the caseload longer both have more meetings and have longer in which to find a job, "
        "so a count of meetings is partly a measure of time. The primary analysis here avoids both: it "
        f"follows each client {span} at a time and asks whether the meetings attended in the previous "
        f"{span} change the chance of starting a first job in the next {span}, compared with clients at "
        "the same point since engagement and with similar characteristics. Meetings after a job start are "
        "never counted, and time on the caseload is compared like with like. The landmark analysis checks "
        "this another way: among clients still looking for work 12 weeks after engagement, did those who "
        "had attended more meetings by then go on to find work sooner? The published figures should "
        "therefore be read as mixing any real benefit of meetings with these two biases; the primary "
        "analysis is the fairer estimate, though it can still be affected by things the data do not "
        "record, such as a client's motivation rising and falling."
    )
    rows = primary.table.filter(pl.col("term") == "recent_meetings") if primary is not None else None
    if rows is not None and rows.height and rows["estimate"][0] is not None:
        r = rows.row(0, named=True)
        est, lo, hi = (math.exp(r[k]) for k in ("estimate", "ci_low", "ci_high"))
        verdict = (
            "consistent with meetings making no difference"
            if lo <= 1 <= hi
            else ("a benefit of more recent meetings" if lo > 1 else "fewer job starts after more meetings")
        )
        text += (
            f" In these data, each extra meeting in the previous {span} multiplied the odds of starting work "
            f"in the next {span} by {est:.2f} (95% confidence interval {lo:.2f} to {hi:.2f}): {verdict}."
        )
    return text
