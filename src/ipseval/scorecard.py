"""The four factors of an effective IPS service side by side per area, beside the area's job entry
rate (``scorecard_areas``), and fidelity against job entry across areas (``scorecard_correlation``).

Integration (how IPS sits in the drug and alcohol service), fidelity (the latest IPS-25 review),
employer engagement (contacts, diversity of employers) and specialist practice (caseload, early
contact) are each measured from the records per local authority. Fidelity teams are matched to
areas by the fidelity package's matcher; the per-area queries are the fidelity evidence's own
(:mod:`ipseval.fidelity.records`). Missing tables give blank measures and a note, never an error.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import polars as pl

from .disclosure import wilson_interval
from .distributions import spearman_rho, t_sf
from .fidelity.caseload import caseload_at, caseload_clients
from .fidelity.comparison import targets
from .fidelity.evidence import FIRST_DAYS, _month_ends
from .fidelity.items import DEFAULT_CUTS, Cuts
from .fidelity.records import (
    ALL_AREAS,
    JOB_WINDOW_DAYS,
    UNASSIGNED,
    contacts_in,
    grouping,
    has_staff,
    jobs_in,
)
from .fidelity.scoring import read_reviews, team_key
from .results import ColumnsAddUp, Rate, ResultTable, RowsAddUp
from .settings import Settings
from .store import Store

TREATMENT_SOURCE = "drug_alcohol_service"  # clients.referral_source: the drug and alcohol service
MIN_AREAS = 4  # fewer areas with both measures: no correlation (Fisher's z needs n > 3)
_Z95 = 1.959963984540054
_OVERALL = "\0overall"  # join key of the all-areas row (no area's name can be this)

AREA_COLUMNS: dict[str, str] = {
    "breakdown": "local_authority (one row per area) or overall (all areas)",
    "local_authority": f"the area as spelt in the clients table ('{ALL_AREAS}' overall)",
    # integration
    "integration_strength": "strong, moderate or weak (areas table); blank if not recorded",
    "co_located": "employment specialists based in the treatment service (areas table)",
    "referrals": "clients referred",
    "referrals_from_treatment": f"of whom referred by the drug and alcohol service ({TREATMENT_SOURCE})",
    "referrals_other": "of whom referred by anyone else or with no source recorded",
    "referrals_source_unknown": "referrals with no source recorded (blank or unknown; part of referrals_other)",
    "share_from_treatment": "referrals_from_treatment / referrals",
    # fidelity
    "fidelity_team": "the fidelity team matched to the area (by name)",
    "fidelity_review_date": "date of the team's latest scored IPS-25 review",
    "fidelity_total": "its total score (25 to 125)",
    "fidelity_band": "its band: exemplary, good, fair or not_ips",
    "fidelity_band_label": "the band in words",
    "fidelity_review_age_days": "days from that review to the data cut",
    # employer engagement
    "specialists_12m": "specialists in post at some time in the 12 months to the data cut (staff table)",
    "fte_weeks_12m": "their FTE times weeks in post in those 12 months (a blank FTE counts as 1)",
    "contacts": "employer contacts by those specialists in the 12 months to the data cut",
    "face_to_face": "of which face to face",
    "f2f_recorded": "contacts with face_to_face recorded (yes or no)",
    "contacts_per_fte_week": "contacts / fte_weeks_12m",
    "f2f_per_fte_week": "face_to_face / fte_weeks_12m (the measure of IPS-25 item 17)",
    "f2f_share": "face_to_face / f2f_recorded",
    "jobs_with_employer": "job starts (first and later) in the 12 months to the data cut with an employer recorded",
    "distinct_employers": "different employers among them (names compared without case, punctuation, Ltd/PLC)",
    "employer_diversity": "distinct_employers / jobs_with_employer (the measure of IPS-25 item 20)",
    # specialist practice
    "fte": "mean FTE in post on the last day of each of the 12 months to the data cut (days with none left out)",
    "caseload_clients": "clients on the caseload on at least one of those 12 days",
    "caseload_per_fte": "mean over those days (with FTE in post) of people on the caseload / FTE",
    "engaged_3m": f"clients engaged at least {FIRST_DAYS} days before the data cut",
    "meetings_first_3m": f"their attended meetings in the {FIRST_DAYS} days from engagement",
    "meetings_per_client_3m": "meetings_first_3m / engaged_3m",
    "referred_3m": f"clients referred at least {FIRST_DAYS} days before the data cut",
    "median_days_to_first_meeting": f"median days from referral to the first attended meeting among "
    f"referred_3m (no meeting within {FIRST_DAYS} days counts as longer; blank if that is half or more)",
    # outcome
    "denominator": "job-entry denominator: engaged clients not in work when referred",
    "job_entries": "of whom started a job",
    "without_job_entry": "denominator - job_entries",
    "job_entry_rate": "job_entries / denominator",
    "job_entry_ci_low": "95% Wilson interval, lower",
    "job_entry_ci_high": "95% Wilson interval, upper",
    "in_correlation": "the area is a point of scorecard_correlation (fidelity total and job entry rate)",
}
_REFERRAL_COUNTS = ["referrals", "referrals_from_treatment", "referrals_other", "referrals_source_unknown"]
_CONTACT_COUNTS = ["contacts", "face_to_face", "f2f_recorded"]
_JOB_COUNTS = ["denominator", "job_entries", "without_job_entry"]
COUNTS = [
    *_REFERRAL_COUNTS,
    *_CONTACT_COUNTS,
    "jobs_with_employer",
    "caseload_clients",
    "engaged_3m",
    "meetings_first_3m",
    "referred_3m",
    *_JOB_COUNTS,
]
_FIDELITY_SCHEMA = {
    "fidelity_team": pl.Utf8,
    "fidelity_review_date": pl.Date,
    "fidelity_total": pl.Int64,
    "fidelity_band": pl.Utf8,
    "fidelity_band_label": pl.Utf8,
}


def scorecard_tables(store: Store, settings: Settings) -> dict[str, ResultTable]:
    """``scorecard_areas`` (the four factors and job entry per area) and ``scorecard_correlation``."""
    areas = areas_table(store, settings.benchmarks.fidelity_cuts)
    corr = correlation_table(areas)
    return {areas.key: areas, corr.key: corr}


# ------------------------------------------------------------------------------------------------
# Per area
# ------------------------------------------------------------------------------------------------


def _keyed(df: pl.DataFrame, group: str = "group") -> pl.DataFrame:
    """Add the join key ``_k``: the area's name as compared by the fidelity matcher (case, spacing,
    '&'/'and' ignored), or the all-areas key; rows of staff with no area are dropped."""
    df = df.filter(~((pl.col("breakdown") == "local_authority") & (pl.col(group) == UNASSIGNED)))
    key = pl.col(group).map_elements(team_key, return_dtype=pl.Utf8)
    return df.with_columns(
        pl.when(pl.col("breakdown") == "overall").then(pl.lit(_OVERALL)).otherwise(key).alias("_k")
    ).drop("breakdown", group)


def _base(store: Store) -> tuple[pl.DataFrame, list[str]]:
    """One row per area (clients' spelling; areas only in the areas table too) and all areas, with
    the areas table's integration strength and co-location."""
    names = store.query("SELECT DISTINCT local_authority FROM clients ORDER BY 1")["local_authority"]
    info = store.query("SELECT local_authority, integration_strength, co_located FROM areas")
    rows: dict[str, str] = {}
    for n in [*names.to_list(), *info["local_authority"].to_list()]:
        if n is not None:
            rows.setdefault(team_key(n), n)
    base = pl.DataFrame(
        {
            "breakdown": ["local_authority"] * len(rows) + ["overall"],
            "local_authority": [*sorted(rows.values(), key=str.casefold), ALL_AREAS],
        }
    )
    base = base.with_columns(
        pl.when(pl.col("breakdown") == "overall")
        .then(pl.lit(_OVERALL))
        .otherwise(pl.col("local_authority").map_elements(team_key, return_dtype=pl.Utf8))
        .alias("_k")
    )
    info = info.with_columns(
        pl.col("local_authority").map_elements(team_key, return_dtype=pl.Utf8).alias("_k")
    ).unique("_k", keep="first")
    base = base.join(info.drop("local_authority"), on="_k", how="left")
    notes = []
    if "areas" not in store.tables_present:
        notes.append("No areas table: integration strength and co-location are not recorded.")
    else:
        missing = base.filter(
            (pl.col("breakdown") == "local_authority") & pl.col("integration_strength").is_null()
        )["local_authority"].to_list()
        if missing:
            notes.append("Integration strength not recorded for: " + ", ".join(missing) + ".")
    return base, notes


def _referrals(store: Store) -> pl.DataFrame:
    src = "lower(coalesce(referral_source, 'unknown'))"
    return _keyed(
        store.query(
            f"""
            SELECT {grouping()},
                   count(*) AS referrals,
                   count(*) FILTER (WHERE {src} = '{TREATMENT_SOURCE}') AS referrals_from_treatment,
                   count(*) FILTER (WHERE {src} <> '{TREATMENT_SOURCE}') AS referrals_other,
                   count(*) FILTER (WHERE {src} = 'unknown') AS referrals_source_unknown
            FROM clients
            GROUP BY GROUPING SETS ((), (local_authority))
            """
        )
    )


def _fidelity(store: Store, base: pl.DataFrame, cuts: Cuts) -> tuple[pl.DataFrame, list[str]]:
    """Each area's matched team's latest scored review (the whole service's, if no team has an
    area's name and there is exactly one team)."""
    empty = pl.DataFrame(schema={"_k": pl.Utf8, **_FIDELITY_SCHEMA})
    if "fidelity" not in store.tables_present:
        return empty, ["No fidelity table: no fidelity scores."]
    latest = read_reviews(store, cuts).reviews.filter(pl.col("latest"))
    if latest.height == 0:
        return empty, ["No fidelity review could be scored (see the fidelity section)."]
    matched = targets(store, latest["team"].to_list())
    notes: list[str] = []
    to_key: dict[str, str] = {}
    whole = [t for t, m in matched.items() if m.breakdown == "overall"]
    if whole:
        if len(whole) == 1:
            to_key[whole[0]] = _OVERALL
            notes.append(
                f"The fidelity team '{whole[0]}' has no area's name, so its review is taken as the "
                "whole service's (all areas)."
            )
        else:
            notes.append(
                "No fidelity team has an area's name ("
                + ", ".join(sorted(whole))
                + "): scores cannot be set beside areas."
            )
    for t, m in matched.items():
        if m.breakdown == "local_authority" and m.group is not None:
            to_key[t] = team_key(m.group)
    unmatched = sorted(t for t, m in matched.items() if m.breakdown is None)
    if unmatched:
        notes.append("Fidelity teams with no area of the same name, left out: " + ", ".join(unmatched) + ".")
    df = latest.filter(pl.col("team").is_in(list(to_key))).select(
        pl.col("team").replace_strict(to_key).alias("_k"),
        pl.col("team").alias("fidelity_team"),
        pl.col("review_date").alias("fidelity_review_date"),
        pl.col("total").alias("fidelity_total"),
        pl.col("band").alias("fidelity_band"),
        pl.col("band_label").alias("fidelity_band_label"),
    )
    if not whole:
        areas = base.filter(pl.col("breakdown") == "local_authority")
        without = areas.filter(~pl.col("_k").is_in(df["_k"].to_list()))["local_authority"].to_list()
        if without:
            notes.append("No scored fidelity review for: " + ", ".join(without) + ".")
    return df, notes


def _employer(store: Store, first: date, cut: date) -> tuple[pl.DataFrame, list[str]]:
    """Employer contacts per FTE-week and the diversity of employers, ``first`` to ``cut``."""
    present = set(store.tables_present)
    frames: list[pl.DataFrame] = []
    notes: list[str] = []
    window = [("12m", first, cut)]
    if "employer_contacts" in present:
        c = contacts_in(store, window).drop("label")
        frames.append(_keyed(c).rename({"specialists": "specialists_12m", "fte_weeks": "fte_weeks_12m"}))
        if not has_staff(store):
            notes.append("No staff table: employer contacts cannot be put per FTE specialist or per area.")
    else:
        notes.append("No employer_contacts table: no employer contact rates.")
    if "jobs" in present:
        j = jobs_in(store, window).select("breakdown", "group", "with_employer", "distinct_employers")
        frames.append(_keyed(j).rename({"with_employer": "jobs_with_employer"}))
    return _join_all(frames), notes


def _practice(store: Store, days: list[date]) -> tuple[pl.DataFrame, list[str]]:
    """Caseload per FTE on ``days`` (month ends), meetings in the 3 months from engagement, and
    days from referral to the first attended meeting."""
    present = set(store.tables_present)
    frames: list[pl.DataFrame] = []
    notes: list[str] = []
    if has_staff(store):
        cl = caseload_at(store, days, active=False).filter(pl.col("fte") > 0)
        per = cl.group_by("breakdown", "group").agg(
            (pl.col("on_caseload") / pl.col("fte")).mean().alias("caseload_per_fte"),
            pl.col("fte").mean().alias("fte"),
        )
        people = caseload_clients(store, days)
        frames.append(_join_all([_keyed(people), _keyed(per)]))
    else:
        notes.append("No staff table: no caseload per FTE specialist.")
    if "meetings" in present:
        early = store.query(
            f"""
            WITH c AS (
                SELECT client_id, local_authority, engagement_date
                FROM clients, params p
                WHERE engagement_date IS NOT NULL AND engagement_date <= p.data_cut - {FIRST_DAYS - 1}
            ),
            -- meetings counted per client first, then joined to the clients (one row each)
            met AS (
                SELECT m.client_id, count(*) AS meetings
                FROM attended_meetings m JOIN c USING (client_id)
                WHERE m.meeting_date >= c.engagement_date AND m.meeting_date < c.engagement_date + {FIRST_DAYS}
                GROUP BY m.client_id
            ),
            per AS (
                SELECT c.local_authority, coalesce(met.meetings, 0) AS meetings
                FROM c LEFT JOIN met USING (client_id)
            )
            SELECT {grouping()},
                   count(*) AS engaged_3m,
                   sum(meetings) AS meetings_first_3m,
                   avg(meetings) AS meetings_per_client_3m
            FROM per GROUP BY GROUPING SETS ((), (local_authority))
            """
        )
        # no first meeting within the window counts as longer than any (a large number), so the
        # median is exact whenever more than half were seen within it
        first = store.query(
            f"""
            WITH c AS (
                SELECT client_id, local_authority, referral_date
                FROM clients, params p WHERE referral_date <= p.data_cut - {FIRST_DAYS - 1}
            ),
            met AS (
                SELECT m.client_id, min(m.meeting_date) AS first_meeting
                FROM attended_meetings m JOIN c USING (client_id)
                WHERE m.meeting_date >= c.referral_date
                GROUP BY m.client_id
            ),
            per AS (
                SELECT c.local_authority, c.referral_date, met.first_meeting
                FROM c LEFT JOIN met USING (client_id)
            ),
            d AS (
                SELECT local_authority,
                       CASE WHEN first_meeting < referral_date + {FIRST_DAYS}
                            THEN date_diff('day', referral_date, first_meeting) ELSE 1000000 END AS days
                FROM per
            )
            SELECT {grouping()},
                   count(*) AS referred_3m,
                   quantile_cont(days, 0.5) AS median_days_to_first_meeting
            FROM d GROUP BY GROUPING SETS ((), (local_authority))
            """
        ).with_columns(
            pl.when(pl.col("median_days_to_first_meeting") < FIRST_DAYS)
            .then(pl.col("median_days_to_first_meeting"))
            .alias("median_days_to_first_meeting")
        )
        frames += [_keyed(early), _keyed(first)]
    else:
        notes.append("No meetings table: no meetings in the first 3 months or time to first meeting.")
    return _join_all(frames), notes


def _job_entry(store: Store) -> pl.DataFrame:
    df = store.query(
        """SELECT breakdown, "group", denominator, job_entries
           FROM outcomes_summary WHERE breakdown IN ('overall', 'local_authority')"""
    )
    return _keyed(df)


def _join_all(frames: list[pl.DataFrame]) -> pl.DataFrame:
    out = pl.DataFrame(schema={"_k": pl.Utf8})
    for f in frames:
        out = out.join(f, on="_k", how="full", coalesce=True)
    return out


def areas_table(store: Store, cuts: Cuts = DEFAULT_CUTS) -> ResultTable:
    """One row per area and one for all areas: the four factors' measures and the job entry rate
    (fidelity bands by ``cuts``, the lowest totals of the exemplary, good and fair bands)."""
    cut = store.data_cut
    present = set(store.tables_present)
    first = cut - timedelta(days=JOB_WINDOW_DAYS - 1)
    # the first of the month 11 months before the cut's month: 12 month ends, the cut the last
    month_one = date(cut.year - (cut.month < 12), cut.month % 12 + 1, 1)
    days = _month_ends(month_one, cut)
    base, notes = _base(store)
    fid, fid_notes = _fidelity(store, base, cuts)
    emp, emp_notes = _employer(store, first, cut)
    prac, prac_notes = _practice(store, days)
    frames = [_referrals(store), fid, emp, prac]
    if "jobs" in present:
        frames.append(_job_entry(store))
    else:
        notes.append("No jobs table: job entry cannot be measured.")
    df = base
    for f in frames:
        df = df.join(f, on="_k", how="left")
    # every column, typed, null where its table is missing
    float_cols = [
        "share_from_treatment",
        "fte_weeks_12m",
        "contacts_per_fte_week",
        "f2f_per_fte_week",
        "f2f_share",
        "employer_diversity",
        "fte",
        "caseload_per_fte",
        "meetings_per_client_3m",
        "median_days_to_first_meeting",
        "job_entry_rate",
        "job_entry_ci_low",
        "job_entry_ci_high",
    ]
    types = (
        {c: pl.Int64 for c in [*COUNTS, "specialists_12m", "distinct_employers"]}
        | dict.fromkeys(float_cols, pl.Float64)
        | _FIDELITY_SCHEMA
        | {"integration_strength": pl.Utf8, "co_located": pl.Boolean}
    )
    df = df.with_columns(
        (pl.col(c) if c in df.columns else pl.lit(None)).cast(t).alias(c) for c, t in types.items()
    )

    def fill0(cols: list[str], when: bool) -> list[pl.Expr]:
        return [pl.col(c).fill_null(0) for c in cols] if when else []

    staffed = has_staff(store)
    df = df.with_columns(
        *fill0(_REFERRAL_COUNTS, True),
        *fill0(_CONTACT_COUNTS, "employer_contacts" in present and staffed),
        *fill0(["jobs_with_employer", "distinct_employers"], "jobs" in present),
        *fill0(["caseload_clients"], staffed),
        *fill0(["engaged_3m", "meetings_first_3m", "referred_3m"], "meetings" in present),
        *fill0(["denominator", "job_entries"], "jobs" in present),
    )
    df = df.with_columns(
        _ratio("referrals_from_treatment", "referrals").alias("share_from_treatment"),
        _ratio("contacts", "fte_weeks_12m").alias("contacts_per_fte_week"),
        _ratio("face_to_face", "fte_weeks_12m").alias("f2f_per_fte_week"),
        _ratio("face_to_face", "f2f_recorded").alias("f2f_share"),
        _ratio("distinct_employers", "jobs_with_employer").alias("employer_diversity"),
        (pl.col("denominator") - pl.col("job_entries")).alias("without_job_entry"),
        _ratio("job_entries", "denominator").alias("job_entry_rate"),
    )
    cis = [
        wilson_interval(x, n) if n else (None, None)
        for x, n in df.select("job_entries", "denominator").iter_rows()
    ]
    df = df.with_columns(
        pl.Series("job_entry_ci_low", [c[0] for c in cis], dtype=pl.Float64),
        pl.Series("job_entry_ci_high", [c[1] for c in cis], dtype=pl.Float64),
        (
            (pl.col("breakdown") == "local_authority")
            & pl.col("fidelity_total").is_not_null()
            & pl.col("job_entry_rate").is_not_null()
        )
        .fill_null(False)
        .alias("in_correlation"),
        (pl.lit(cut) - pl.col("fidelity_review_date")).dt.total_days().alias("fidelity_review_age_days"),
    )
    notes += fid_notes + emp_notes + prac_notes
    notes += [
        f"Employer engagement and caseload: the 12 months to the data cut ({first.isoformat()} to "
        f"{cut.isoformat()}); specialists count in the area of their staff record. Job entry: everyone "
        "referred over the whole period. Fidelity: each team's latest scored review.",
        "Caseload per FTE is averaged over the last day of each of the 12 months, as one day swings "
        "when a specialist starts or leaves.",
        f"Time to first meeting runs from referral, not engagement: engagement (the vocational "
        f"profile) is usually recorded at the first meeting, so from engagement it would be about 0 "
        f"for nearly everyone. From referral it shows how quickly people are seen, which integration "
        f"and assertive engagement should shorten. Clients not seen within {FIRST_DAYS} days count "
        "as slower than any who were.",
        "Share of referrals from the drug and alcohol service: of all referrals; a referral with no "
        "source recorded counts as not from the service, so the share is a lower bound.",
        "Specialists and FTE describe staffing and fidelity scores describe teams; they are shown in "
        "full. Different employers count businesses and are hidden with the job starts they come from.",
    ]
    df = df.select(list(AREA_COLUMNS))
    return ResultTable(
        key="scorecard_areas",
        title="Four factors of an effective IPS service, by area, with job entry",
        data=df,
        dims=["breakdown", "local_authority"],
        counts=COUNTS,
        rates={
            "share_from_treatment": Rate("referrals_from_treatment", "referrals"),
            "f2f_share": Rate("face_to_face", "f2f_recorded"),
            "job_entry_rate": Rate("job_entries", "denominator", ("job_entry_ci_low", "job_entry_ci_high")),
        },
        guarded={
            "contacts_per_fte_week": "contacts",
            "f2f_per_fte_week": "face_to_face",
            "distinct_employers": "jobs_with_employer",
            "employer_diversity": "jobs_with_employer",
            "caseload_per_fte": "caseload_clients",
            "meetings_per_client_3m": "engaged_3m",
            "median_days_to_first_meeting": "referred_3m",
        },
        additive=[
            *(RowsAddUp(c, ("breakdown",), total=(("breakdown", "overall"),)) for c in COUNTS),
            ColumnsAddUp(("referrals_from_treatment", "referrals_other"), "referrals"),
            ColumnsAddUp(("job_entries", "without_job_entry"), "denominator"),
        ],
        columns=AREA_COLUMNS,
        notes=notes,
    )


def _ratio(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den))


# ------------------------------------------------------------------------------------------------
# Fidelity against job entry
# ------------------------------------------------------------------------------------------------


def correlation(x: list[float], y: list[float]) -> dict[str, float | None]:
    """Pearson's r with its Fisher-z 95% interval and t-test p-value, and Spearman's rho.

    Fisher: z = atanh(r), standard error 1 / sqrt(n - 3), interval tanh(z -/+ 1.96 SE). Needs
    n >= 4 points with some spread in both; otherwise every value is None.
    """
    out: dict[str, float | None] = dict.fromkeys(
        ("pearson_r", "pearson_ci_low", "pearson_ci_high", "pearson_p_value", "spearman_rho")
    )
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(xa)
    if n < MIN_AREAS or np.ptp(xa) == 0 or np.ptp(ya) == 0:
        return out
    r = float(np.corrcoef(xa, ya)[0, 1])
    r = max(-1.0, min(1.0, r))
    if abs(r) < 1:
        z, se = math.atanh(r), 1 / math.sqrt(n - 3)
        lo, hi = math.tanh(z - _Z95 * se), math.tanh(z + _Z95 * se)
        t = r * math.sqrt((n - 2) / (1 - r * r))
        p = float(2 * t_sf(abs(t), n - 2))
    else:
        lo = hi = r
        p = 0.0
    rho = spearman_rho(xa, ya)
    return out | {
        "pearson_r": r,
        "pearson_ci_low": lo,
        "pearson_ci_high": hi,
        "pearson_p_value": p,
        "spearman_rho": rho,
    }


def correlation_table(areas: ResultTable) -> ResultTable:
    """Fidelity total against job entry rate, one point per area (the rows of ``scorecard_areas``
    marked ``in_correlation``): n, Pearson's r (Fisher-z 95% CI), Spearman's rho, the caveat."""
    pts = areas.data.filter(pl.col("in_correlation"))
    n = pts.height
    res = correlation(pts["fidelity_total"].to_list(), pts["job_entry_rate"].to_list())
    # every area's job counts, not only the points': protecting a small count elsewhere can hide a
    # point's count (secondary suppression), which r and the other points could then give back
    areas_rows = areas.data.filter(pl.col("breakdown") == "local_authority")
    positive = [v for c in ("job_entries", "without_job_entry") for v in areas_rows[c].to_list() if v]
    data = pl.DataFrame(
        {"n_areas": [n], **{k: [v] for k, v in res.items()}, "smallest_count": [min(positive, default=None)]},
        schema={
            "n_areas": pl.Int64,
            **dict.fromkeys(res, pl.Float64),
            "smallest_count": pl.Int64,
        },
    )
    notes: list[str] = []
    if n < MIN_AREAS:
        notes.append(
            f"No correlation: {n} {'area has' if n == 1 else 'areas have'} both a scored fidelity "
            f"review and a job entry rate, and at least {MIN_AREAS} are needed (with fewer, Fisher's "
            "interval cannot be worked out and any pattern is meaningless)."
        )
    elif res["pearson_r"] is None:
        notes.append("No correlation: every area has the same fidelity total or the same job entry rate.")
    else:
        notes.append(
            f"With only {n} areas, this cannot show that higher fidelity leads to more people finding "
            "work, nor rule it out. The 95% interval is wide; one unusual area can move r a long way; "
            "and areas differ in many ways at once (who is referred, the local job market, how long "
            "the team has run, integration with treatment), any of which could produce or hide a "
            "pattern. The fidelity total is one review on one day, while the job entry rate covers "
            "everyone referred over the whole period. Read it as a description of these areas, not as "
            "evidence that would carry over to other services."
        )
    notes += [
        "Pearson's r between each area's latest IPS-25 total and its job entry rate, one unweighted "
        "point per area; 95% interval by Fisher's z transformation (z = atanh r, standard error "
        "1/sqrt(n - 3)); p-value from the t test on n - 2 degrees of freedom; Spearman's rho on "
        "ranks (ties averaged). The points are the areas of the scorecard with both a fidelity total and a job entry rate.",
        "The correlation is hidden when any area's job entry count is small enough to be hidden: a "
        "hidden point could otherwise be worked back from r and the other points.",
    ]
    stats_cols = list(res)
    return ResultTable(
        key="scorecard_correlation",
        title="Fidelity and job entry across areas",
        data=data,
        counts=["smallest_count"],
        guarded=dict.fromkeys(stats_cols, "smallest_count"),
        internal=["smallest_count"],
        columns={
            "n_areas": "areas with both a scored fidelity review and a job entry rate (the points)",
            "pearson_r": "Pearson correlation of fidelity total and job entry rate across the points",
            "pearson_ci_low": "95% interval, lower (Fisher's z)",
            "pearson_ci_high": "95% interval, upper (Fisher's z)",
            "pearson_p_value": "two-sided p-value for r = 0 (t test, n - 2 degrees of freedom)",
            "spearman_rho": "Spearman rank correlation",
        },
        notes=notes,
    )
