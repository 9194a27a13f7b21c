"""What the records show beside the reviewers' fidelity scores (keys ``evidence_*``).

- Caseload (item 1): people on the caseload per full-time-equivalent (FTE) specialist in post, on
  the last day of each month, by area, from clients (referral to discharge), meetings (who is
  active) and staff (who is in post, at what FTE).
- Employer contacts (item 17): contacts and face-to-face contacts per FTE specialist per week, by
  calendar quarter, from employer_contacts and staff.
- Job starts (items 19 and 20): how varied the employers and sectors of job starts are.
- Meetings in the first 3 months after referral (engagement, items 15 and 25).
- A comparison of each scored review with what the records imply under the item's numeric
  anchors, flagged where they disagree (:mod:`.comparison`).

Time from engagement to the first employer contact (item 15) cannot be worked out: the standard's
employer_contacts table records the specialist, not the client a contact was for.
Counts of people (and of their jobs and meetings) are declared for disclosure control; specialist
counts and FTE describe staffing and are shown in full.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from ..results import ColumnsAddUp, Rate, ResultTable, RowsAddUp
from ..settings import Settings
from ..store import Store
from .caseload import caseload_at
from .comparison import comparison_table
from .items import item
from .records import (
    ACTIVE_DAYS,
    ALL_AREAS,
    JOB_WINDOW_DAYS,
    MIN_JOBS,
    UNASSIGNED,
    contacts_in,
    grouping,
    has_staff,
    jobs_in,
    unlisted_contacts,
)

FIRST_DAYS = 91  # "first 3 months" after referral
_STAFF_NOTE = "Specialists and FTE describe staffing, not the people supported, and are shown in full."


def evidence_tables(store: Store, settings: Settings) -> dict[str, ResultTable]:
    """Every records-based fidelity result (keys ``evidence_*``); only those the data allow."""
    present = set(store.tables_present)
    out: list[ResultTable] = []
    out.append(caseload_table(store))
    if "employer_contacts" in present:
        out.append(contacts_table(store))
    if "jobs" in present:
        out.append(job_diversity_table(store))
        out.append(job_sectors_table(store))
    if "meetings" in present:
        out.append(first_meetings_table(store))
    if "fidelity" in present:
        out.append(comparison_table(store))
    return {t.key: t for t in out}


def _sort(df: pl.DataFrame, *extra: str) -> pl.DataFrame:
    return (
        df.with_columns(
            (pl.col("breakdown") == "local_authority").cast(pl.Int8).alias("_o"),
            (pl.col("group") == UNASSIGNED).cast(pl.Int8).alias("_u"),
        )
        .sort(["_o", "_u", "group", *extra])
        .drop("_o", "_u")
    )


def _safe_div(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None)


# ------------------------------------------------------------------------------------------------
# Tables
# ------------------------------------------------------------------------------------------------


def _month_ends(first: date, cut: date) -> list[date]:
    out = []
    y, m = first.year, first.month
    while True:
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        end = min(nxt - timedelta(days=1), cut)
        out.append(end)
        if end >= cut:
            return out
        y, m = nxt.year, nxt.month


def caseload_table(store: Store) -> ResultTable:
    """Caseload per FTE specialist on the last day of each month (the data cut for the last one)."""
    cut = store.data_cut
    first = store.query("SELECT min(referral_date) AS d FROM clients")["d"][0]
    days = _month_ends(first, cut) if first is not None and first <= cut else []
    df = caseload_at(store, days) if days else pl.DataFrame()
    cols = {
        "breakdown": "overall or local_authority",
        "group": f"the area ('{ALL_AREAS}' overall; '{UNASSIGNED}': staff with no area recorded)",
        "date": "last day of the month (the data cut for the last month)",
        "on_caseload": "clients referred on or before the date and not yet discharged",
        "active": f"of whom referred, or at an attended meeting, in the {ACTIVE_DAYS} days up to the date",
        "specialists": "employment specialists in post on the date (staff table)",
        "fte": "their total FTE (a blank FTE counts as 1)",
        "caseload_per_fte": "on_caseload / fte: the caseload-size measure of item 1",
        "active_per_fte": "active / fte",
        "implied_score": "the item 1 score caseload_per_fte gets (5 = 20 or fewer ... 1 = 41 or more)",
    }
    if df.height:
        df = df.rename({"day": "date"}).with_columns(
            _safe_div("on_caseload", "fte").alias("caseload_per_fte"),
            _safe_div("active", "fte").alias("active_per_fte"),
        )
        df = df.with_columns(
            pl.col("caseload_per_fte")
            .map_elements(item(1).implied_score, return_dtype=pl.Int64)
            .alias("implied_score")
        )
        df = _sort(df, "date").select(list(cols))
    else:
        df = pl.DataFrame(
            schema={
                "breakdown": pl.Utf8,
                "group": pl.Utf8,
                "date": pl.Date,
                "on_caseload": pl.Int64,
                "active": pl.Int64,
                "specialists": pl.Int64,
                "fte": pl.Float64,
                "caseload_per_fte": pl.Float64,
                "active_per_fte": pl.Float64,
                "implied_score": pl.Int64,
            }
        )
    return ResultTable(
        key="evidence_caseload",
        title="Caseload per full-time specialist, month by month (item 1)",
        data=df,
        dims=["breakdown", "group", "date"],
        counts=["on_caseload", "active"],
        guarded={
            "caseload_per_fte": "on_caseload",
            "implied_score": "on_caseload",
            "active_per_fte": "active",
        },
        additive=[
            RowsAddUp("on_caseload", ("breakdown", "date"), total=(("breakdown", "overall"),)),
            RowsAddUp("active", ("breakdown", "date"), total=(("breakdown", "overall"),)),
        ],
        columns=cols,
        notes=[
            "Item 1 anchors: 20 or fewer people per full-time specialist scores 5, 21-25 scores 4, "
            "26-30 scores 3, 31-40 scores 2, 41 or more scores 1.",
            "Clients are counted in the area they were supported in; specialists in the area of their "
            "staff record. A caseload kept high by people never discharged shows as a gap between the "
            "people on the caseload and those active in it.",
            _STAFF_NOTE,
        ],
    )


def _quarters(first: date, cut: date) -> list[tuple[str, date, date]]:
    out = []
    y, q = first.year, (first.month - 1) // 3
    while True:
        start = date(y, 3 * q + 1, 1)
        if start > cut:
            return out
        nxt = date(y + (q == 3), (3 * q + 3) % 12 + 1, 1)
        out.append((f"{y}-Q{q + 1}", start, min(nxt - timedelta(days=1), cut)))
        y, q = nxt.year, (nxt.month - 1) // 3


def contacts_table(store: Store) -> ResultTable:
    """Employer contacts per FTE specialist per week, and the face-to-face share, by quarter."""
    cut = store.data_cut
    first = store.query("SELECT min(contact_date) AS d FROM employer_contacts")["d"][0]
    windows = _quarters(first, cut) if first is not None and first <= cut else []
    cols = {
        "breakdown": "overall or local_authority",
        "group": f"the area of the specialist's staff record ('{ALL_AREAS}' overall; '{UNASSIGNED}': none recorded)",
        "quarter": "calendar quarter",
        "first_day": "first day of the quarter",
        "last_day": "last day of the quarter (the data cut for the last one)",
        "specialists": "specialists in post at some time in the quarter",
        "fte_weeks": "FTE times weeks in post, summed over specialists (a blank FTE counts as 1)",
        "contacts": "employer contacts recorded by those specialists in the quarter",
        "face_to_face": "of which face to face",
        "f2f_recorded": "contacts with face_to_face recorded (yes or no)",
        "f2f_share": "face_to_face / f2f_recorded",
        "contacts_per_fte_week": "contacts / fte_weeks",
        "f2f_per_fte_week": "face_to_face / fte_weeks: the measure of item 17",
        "implied_score": "the item 17 score f2f_per_fte_week gets under its numeric anchor alone",
    }
    if windows:
        df = contacts_in(store, windows).rename({"label": "quarter"})
        bounds = pl.DataFrame(windows, schema=["quarter", "first_day", "last_day"], orient="row")
        df = df.join(bounds, on="quarter", how="left").with_columns(
            _safe_div("face_to_face", "f2f_recorded").alias("f2f_share"),
            _safe_div("contacts", "fte_weeks").alias("contacts_per_fte_week"),
            _safe_div("face_to_face", "fte_weeks").alias("f2f_per_fte_week"),
        )
        df = df.with_columns(
            pl.col("f2f_per_fte_week")
            .map_elements(item(17).implied_score, return_dtype=pl.Int64)
            .alias("implied_score")
        )
        df = _sort(df, "quarter").select(list(cols))
    else:
        df = pl.DataFrame(
            schema={
                "breakdown": pl.Utf8,
                "group": pl.Utf8,
                "quarter": pl.Utf8,
                "first_day": pl.Date,
                "last_day": pl.Date,
                "specialists": pl.Int64,
                "fte_weeks": pl.Float64,
                "contacts": pl.Int64,
                "face_to_face": pl.Int64,
                "f2f_recorded": pl.Int64,
                "f2f_share": pl.Float64,
                "contacts_per_fte_week": pl.Float64,
                "f2f_per_fte_week": pl.Float64,
                "implied_score": pl.Int64,
            }
        )
    notes = [
        "Item 17 anchors: 6 or more face-to-face employer contacts a week scores 5, 5 scores 4, 4 "
        "scores 3, 2 scores 2, fewer than 2 scores 1; a 3, 4 or 5 also needs a tracking log reviewed "
        "by the team leader, which the records do not show.",
        "Weeks in post include leave and sickness, so rates per week are a little lower than per week "
        "worked.",
        _STAFF_NOTE,
    ]
    unlisted = unlisted_contacts(store)
    if unlisted:
        notes.append(
            f"{unlisted:,} employer {'contact was' if unlisted == 1 else 'contacts were'} by specialists "
            "not in the staff table and are left out."
        )
    if not has_staff(store):
        notes.append("No staff table: contacts cannot be put per specialist or per area.")
    counts = ["contacts", "face_to_face", "f2f_recorded"]
    return ResultTable(
        key="evidence_contacts",
        title="Employer contacts per full-time specialist per week, by quarter (item 17)",
        data=df,
        dims=["breakdown", "group", "quarter", "first_day", "last_day"],
        counts=counts,
        rates={"f2f_share": Rate("face_to_face", "f2f_recorded")},
        guarded={
            "contacts_per_fte_week": "contacts",
            "f2f_per_fte_week": "face_to_face",
            "implied_score": "face_to_face",
        },
        additive=[RowsAddUp(c, ("breakdown", "quarter"), total=(("breakdown", "overall"),)) for c in counts],
        columns=cols,
        notes=notes,
    )


def job_diversity_table(store: Store) -> ResultTable:
    """Different employers and sectors among job starts, in the last 12 months and in all the records."""
    cut = store.data_cut
    first = store.query("SELECT min(start_date) AS d FROM qualifying_jobs")["d"][0] or cut
    windows = [
        ("last_12_months", cut - timedelta(days=JOB_WINDOW_DAYS - 1), cut),
        ("all", min(first, cut), cut),
    ]
    df = jobs_in(store, windows).rename({"label": "period"})
    df = df.with_columns(
        _safe_div("distinct_employers", "with_employer").alias("employer_share"),
        _safe_div("distinct_sectors", "with_sector").alias("sector_share"),
        (pl.col("job_starts") - pl.col("with_employer")).alias("without_employer"),
        (pl.col("job_starts") - pl.col("with_sector")).alias("without_sector"),
    )
    df = df.with_columns(
        pl.col(c).cast(pl.Int64)
        for c in (
            "job_starts",
            "with_employer",
            "distinct_employers",
            "with_sector",
            "distinct_sectors",
            "self_employed",
            "without_employer",
            "without_sector",
        )
    )
    df = df.with_columns(
        pl.when(pl.col("with_employer") >= MIN_JOBS)
        .then(pl.col("employer_share").map_elements(item(20).implied_score, return_dtype=pl.Int64))
        .alias("employer_implied_score"),
        pl.when(pl.col("with_sector") >= MIN_JOBS)
        .then(pl.col("sector_share").map_elements(item(19).implied_score, return_dtype=pl.Int64))
        .alias("sector_implied_score"),
        pl.col("period").replace_strict({"last_12_months": 0, "all": 1}).alias("_p"),
    )
    cols = {
        "period": "last_12_months (to the data cut) or all (every job start in the records)",
        "breakdown": "overall or local_authority",
        "group": f"the client's area ('{ALL_AREAS}' overall)",
        "job_starts": "job starts (first and later jobs) by clients in the period",
        "self_employed": "of which self-employed",
        "with_employer": "job starts with an employer recorded",
        "without_employer": "job_starts - with_employer",
        "distinct_employers": "different employers among them (names compared without case, punctuation, Ltd/PLC)",
        "employer_share": "distinct_employers / with_employer: the measure of item 20",
        "employer_implied_score": f"the item 20 score employer_share gets (blank with fewer than {MIN_JOBS} job starts)",
        "with_sector": "job starts with a sector recorded",
        "without_sector": "job_starts - with_sector",
        "distinct_sectors": "different sectors among them",
        "sector_share": "distinct_sectors / with_sector: a floor for the measure of item 19",
        "sector_implied_score": f"the item 19 score sector_share gets (blank with fewer than {MIN_JOBS} job starts)",
    }
    df = df.sort("_p").pipe(_sort, "_p").drop("_p")
    df = df.select(list(cols))
    counts = [
        "job_starts",
        "self_employed",
        "with_employer",
        "without_employer",
        "with_sector",
        "without_sector",
    ]
    return ResultTable(
        key="evidence_job_diversity",
        title="Diversity of employers and sectors of job starts (items 19 and 20)",
        data=df,
        dims=["period", "breakdown", "group"],
        counts=counts,
        # different employers and sectors count businesses and sectors, not people: they are shown
        # with the job starts they come from, and hidden with them
        guarded={
            "distinct_employers": "with_employer",
            "employer_share": "with_employer",
            "employer_implied_score": "with_employer",
            "distinct_sectors": "with_sector",
            "sector_share": "with_sector",
            "sector_implied_score": "with_sector",
        },
        additive=[
            *(
                RowsAddUp(c, ("period", "breakdown"), total=(("breakdown", "overall"),))
                for c in (
                    "job_starts",
                    "self_employed",
                    "with_employer",
                    "without_employer",
                    "with_sector",
                    "without_sector",
                )
            ),
            ColumnsAddUp(("with_employer", "without_employer"), "job_starts"),
            ColumnsAddUp(("with_sector", "without_sector"), "job_starts"),
        ],
        columns=cols,
        notes=[
            "Items 19 and 20 anchors: 85% or more of jobs different scores 5, 70-84% 4, 60-69% 3, "
            "50-59% 2, under 50% 1. The share different is the number of different employers (or "
            "sectors) divided by the number of job starts.",
            "A sector is broader than the scale's 'job type' (a café and a hotel kitchen are both "
            "hospitality), so the sector share understates the diversity of job types.",
            "Different employers and sectors count businesses and sectors, not people; they are hidden "
            "whenever the job starts they come from are.",
        ],
    )


def job_sectors_table(store: Store) -> ResultTable:
    """Job starts by sector, all areas, in the last 12 months and in all the records."""
    cut = store.data_cut
    first = store.query("SELECT min(start_date) AS d FROM qualifying_jobs")["d"][0] or cut
    df = store.query(
        f"""
        WITH j AS (
            SELECT CASE WHEN start_date > DATE '{cut.isoformat()}' - {JOB_WINDOW_DAYS}
                        THEN TRUE ELSE FALSE END AS recent,
                   nullif(lower(trim(sector)), '') AS sector
            FROM qualifying_jobs
        ),
        both_periods AS (
            SELECT 'last_12_months' AS period, sector FROM j WHERE recent
            UNION ALL SELECT 'all' AS period, sector FROM j
        )
        SELECT period, coalesce(sector, '(not recorded)') AS sector, count(*) AS job_starts
        FROM both_periods GROUP BY ALL
        """
    )
    df = df.with_columns(pl.col("job_starts").cast(pl.Int64))
    totals = df.group_by("period").agg(pl.col("job_starts").sum().alias("_t"))
    df = (
        df.join(totals, on="period")
        .with_columns(
            pl.col("period").replace_strict({"last_12_months": 0, "all": 1}, default=2).alias("_p"),
            (pl.col("sector") == "(not recorded)").alias("_nr"),
        )
        .sort(["_p", "_nr", "job_starts", "sector"], descending=[False, False, True, False])
        .drop("_p", "_nr", "_t")
    )
    return ResultTable(
        key="evidence_job_sectors",
        title="Job starts by sector, all areas",
        data=df,
        dims=["period", "sector"],
        counts=["job_starts"],
        additive=[RowsAddUp("job_starts", ("period",))],
        columns={
            "period": f"last_12_months (to the data cut, from {max(first, cut - timedelta(days=JOB_WINDOW_DAYS - 1)).isoformat()}) or all",
            "sector": "sector as recorded (compared without case)",
            "job_starts": "job starts (first and later jobs) in the sector",
        },
    )


def first_meetings_table(store: Store) -> ResultTable:
    """Attended meetings in the first 3 months (91 days) after referral, per client, by area."""
    df = store.query(
        f"""
        WITH c AS (
            SELECT c.client_id, c.local_authority, c.referral_date
            FROM clients c, params p
            WHERE c.referral_date <= p.data_cut - {FIRST_DAYS - 1}
        ),
        -- meetings counted per client first, then joined to the clients (one row each)
        met AS (
            SELECT m.client_id, count(*) AS meetings
            FROM attended_meetings m JOIN c USING (client_id)
            WHERE m.meeting_date >= c.referral_date AND m.meeting_date < c.referral_date + {FIRST_DAYS}
            GROUP BY m.client_id
        ),
        per AS (
            SELECT c.local_authority, coalesce(met.meetings, 0) AS meetings
            FROM c LEFT JOIN met USING (client_id)
        )
        SELECT {grouping()},
               count(*) AS clients,
               sum(meetings) AS meetings,
               avg(meetings) AS mean_meetings,
               quantile_cont(meetings, 0.5) AS median_meetings,
               count(*) FILTER (WHERE meetings = 0) AS clients_no_meeting,
               count(*) FILTER (WHERE meetings > 0) AS clients_with_meeting,
               count(*) FILTER (WHERE meetings >= 6) AS clients_6_plus
        FROM per
        GROUP BY GROUPING SETS ((), (local_authority))
        """
    )
    counts = ["clients", "meetings", "clients_no_meeting", "clients_with_meeting", "clients_6_plus"]
    df = df.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in counts)
    df = df.with_columns(
        _safe_div("clients_no_meeting", "clients").alias("share_no_meeting"),
        _safe_div("clients_6_plus", "clients").alias("share_6_plus"),
    )
    cols = {
        "breakdown": "overall or local_authority",
        "group": f"the client's area ('{ALL_AREAS}' overall)",
        "clients": f"clients referred at least {FIRST_DAYS} days before the data cut",
        "meetings": f"their attended meetings in the {FIRST_DAYS} days from referral",
        "mean_meetings": "meetings / clients",
        "median_meetings": "median meetings per client",
        "clients_no_meeting": "clients with no attended meeting in that time",
        "clients_with_meeting": "clients with at least one",
        "share_no_meeting": "clients_no_meeting / clients",
        "clients_6_plus": "clients with 6 or more (about one a fortnight)",
        "share_6_plus": "clients_6_plus / clients",
    }
    df = _sort(df).select(list(cols))
    return ResultTable(
        key="evidence_first_meetings",
        title="Meetings in the first 3 months after referral",
        data=df,
        dims=["breakdown", "group"],
        counts=counts,
        rates={
            "share_no_meeting": Rate("clients_no_meeting", "clients"),
            "share_6_plus": Rate("clients_6_plus", "clients"),
        },
        guarded={"mean_meetings": "clients", "median_meetings": "clients"},
        additive=[
            *(RowsAddUp(c, ("breakdown",), total=(("breakdown", "overall"),)) for c in counts),
            ColumnsAddUp(("clients_no_meeting", "clients_with_meeting"), "clients"),
        ],
        columns=cols,
        notes=[
            "Everyone referred counts, engaged or not, and a client discharged within the 3 months "
            "counts with the meetings they had: this is how intensive early contact was, as clients "
            "experienced it. The scale has no numeric anchor for it; it bears on rapid job search "
            "(item 15) and assertive engagement (item 25)."
        ],
    )
