"""Reviewers' IPS-25 scores beside what the records imply (key ``evidence_comparison``).

For items 1 (caseload), 17 (employer contacts), 19 and 20 (diversity of job types and employers)
the records give a number that the item's numeric anchors turn into a score; item 15 (rapid job
search) is listed with the reason the records cannot measure it. A disagreement is flagged by
:data:`FLAG_RULE`. Fidelity teams are matched to areas by name (see :func:`targets`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from ..results import ResultTable
from ..store import Store
from .caseload import caseload_at
from .items import item
from .records import ALL_AREAS, JOB_WINDOW_DAYS, MIN_JOBS, contacts_in, jobs_in
from .scoring import read_reviews, team_key

CONTACT_WINDOW_DAYS = 91  # employer contacts: the 13 weeks before a review
FLAG_POINTS = 2
FLAG_RULE = (
    "A review item is flagged when the reviewer's score and the score the records imply differ by "
    f"{FLAG_POINTS} points or more, in the direction the records can show: for caseload and employers "
    "either way; for employer contacts only when the reviewer's score is higher (the anchor also "
    "needs a weekly tracking log the records do not show, so the records give the most the item "
    "could score); for job types only when the reviewer's score is lower (sectors are broader than "
    "job types, so the records give the least it could score). A 1-point difference is within what "
    "the choice of dates and the recording of FTE and discharges can explain."
)
# item -> (what the records measure, bound on the true score the records give)
EVIDENCE_ITEMS: dict[int, tuple[str, str]] = {
    1: ("people on the caseload per FTE specialist on the review date", "about"),
    15: ("days from engagement to first face-to-face employer contact", "about"),
    17: ("face-to-face employer contacts per FTE specialist per week, 13 weeks before the review", "at most"),
    19: ("different sectors per job start with a sector recorded, 12 months before the review", "at least"),
    20: ("different employers per job start with an employer recorded, 12 months before the review", "about"),
}
NO_RAPID = (
    "not in the records: the employer contacts table does not say which client a contact was for, so the "
    "first employer contact of each person cannot be found"
)


@dataclass
class Target:
    """Where a review's evidence comes from: an area, the whole service, or nowhere."""

    breakdown: str | None
    group: str | None
    note: str = ""


def targets(store: Store, teams: list[str]) -> dict[str, Target]:
    """Match fidelity teams to areas by name (case, spacing and '&'/'and' ignored). If no team
    matches any area, each review is taken to cover the whole service."""
    areas = store.query("SELECT DISTINCT local_authority FROM clients")["local_authority"].to_list()
    by_key = {team_key(a): a for a in areas if a is not None}
    matched = {t: by_key.get(team_key(t)) for t in teams}
    if teams and not any(matched.values()):
        note = "no area has this team's name, so the whole service's records are used"
        return {t: Target("overall", ALL_AREAS, note) for t in teams}
    return {
        t: Target("local_authority", a)
        if a is not None
        else Target(None, None, "no area of this name in the clients table: records not compared")
        for t, a in matched.items()
    }


def comparison_table(store: Store) -> ResultTable:
    """Each scored review's item scores beside what the records imply (items 1, 15, 17, 19, 20)."""
    found = read_reviews(store)
    reviews = found.reviews.select("team", "review_date")
    scores = {
        (t, d, i): s
        for t, d, i, s in found.item_scores.select("team", "review_date", "item", "score").iter_rows()
    }
    present = set(store.tables_present)
    matched = targets(store, reviews["team"].unique().to_list())
    days = sorted(set(reviews["review_date"].to_list()))
    caseload = (
        caseload_at(store, days, active=False).rename({"day": "review_date"}) if days else pl.DataFrame()
    )
    contact_windows = [
        (d.isoformat(), d - timedelta(days=CONTACT_WINDOW_DAYS), d - timedelta(days=1)) for d in days
    ]
    job_windows = [(d.isoformat(), d - timedelta(days=JOB_WINDOW_DAYS), d - timedelta(days=1)) for d in days]
    contacts = (
        contacts_in(store, contact_windows) if days and "employer_contacts" in present else pl.DataFrame()
    )
    jobs = jobs_in(store, job_windows) if days and "jobs" in present else pl.DataFrame()

    def lookup(frame: pl.DataFrame, key_col: str, key: Any, tgt: Target) -> dict[str, Any] | None:
        if not frame.height or tgt.breakdown is None:
            return None
        hit = frame.filter(
            (pl.col(key_col) == key) & (pl.col("breakdown") == tgt.breakdown) & (pl.col("group") == tgt.group)
        )
        return hit.row(0, named=True) if hit.height else None

    rows: list[dict[str, Any]] = []
    for team, day in reviews.iter_rows():
        tgt = matched[team]
        for num, (measure, bound) in EVIDENCE_ITEMS.items():
            r: dict[str, Any] = {
                "team": team,
                "review_date": day,
                "item": num,
                "item_name": item(num).name,
                "reviewer_score": scores[(team, day, num)],
                "measure": measure,
                "window_start": None,
                "window_end": None,
                "value": None,
                "n": None,
                "implied_score": None,
                "bound": bound,
                "note": tgt.note,
            }
            if tgt.breakdown is not None:
                _fill(r, num, day, tgt, present, lookup, caseload, contacts, jobs)
            rows.append(r)
    df = pl.DataFrame(rows, schema=_COMPARISON_SCHEMA)
    df = df.with_columns((pl.col("reviewer_score") - pl.col("implied_score")).alias("difference"))
    flag = (
        pl.when(pl.col("implied_score").is_null())
        .then(None)
        .when(pl.col("bound") == "at most")
        .then(pl.col("difference") >= FLAG_POINTS)
        .when(pl.col("bound") == "at least")
        .then(pl.col("difference") <= -FLAG_POINTS)
        .otherwise(pl.col("difference").abs() >= FLAG_POINTS)
    )
    df = df.with_columns(flag.alias("flag")).sort("team", "review_date", "item")
    cols = {
        "team": "the team or area reviewed",
        "review_date": "date of the scored review",
        "item": "item number",
        "item_name": "short name of the item",
        "reviewer_score": "the reviewers' score (1 to 5)",
        "measure": "what the records measure for the item",
        "window_start": "first day of the records used",
        "window_end": "last day of the records used",
        "value": "the measure from the records",
        "n": "the count the value rests on (people on the caseload, face-to-face contacts or job starts)",
        "implied_score": "the score the value gets under the item's numeric anchors",
        "bound": "about: the records measure the item; at most / at least: they bound it (see notes)",
        "difference": "reviewer_score - implied_score",
        "flag": "true where the reviewer's score and the records disagree (see notes)",
        "note": "why there is no implied score, where there is none",
    }
    return ResultTable(
        key="evidence_comparison",
        title="Reviewers' scores beside what the records imply",
        data=df.select(list(cols)),
        dims=["team", "review_date", "item", "item_name", "measure", "bound"],
        counts=["n"],
        guarded={"value": "n", "implied_score": "n", "difference": "n", "flag": "n"},
        internal=["n"],
        columns={k: v for k, v in cols.items() if k != "n"},
        notes=[
            FLAG_RULE,
            "Job diversity needs at least "
            f"{MIN_JOBS} job starts in the 12 months before the review for an implied score.",
            "The records can only be as complete as the recording: unlogged employer contacts or "
            "discharges not entered move the measures, so a flag is a question to check, not a verdict.",
        ],
    )


_COMPARISON_SCHEMA = {
    "team": pl.Utf8,
    "review_date": pl.Date,
    "item": pl.Int64,
    "item_name": pl.Utf8,
    "reviewer_score": pl.Int64,
    "measure": pl.Utf8,
    "window_start": pl.Date,
    "window_end": pl.Date,
    "value": pl.Float64,
    "n": pl.Int64,
    "implied_score": pl.Int64,
    "bound": pl.Utf8,
    "note": pl.Utf8,
}


def _fill(
    r: dict[str, Any],
    num: int,
    day: date,
    tgt: Target,
    present: set[str],
    lookup: Any,
    caseload: pl.DataFrame,
    contacts: pl.DataFrame,
    jobs: pl.DataFrame,
) -> None:
    """Put the records' value and implied score for item ``num`` of one review into ``r``."""
    notes = [r["note"]] if r["note"] else []
    if num == 1:
        r["window_start"] = r["window_end"] = day
        hit = lookup(caseload, "review_date", day, tgt)
        n = int(hit["on_caseload"]) if hit else 0
        fte = hit.get("fte") if hit else None
        r["n"] = n
        if not fte:
            notes.append("no specialists in post on the review date in the staff table")
        else:
            r["value"] = n / fte
            r["implied_score"] = item(1).implied_score(r["value"])
    elif num == 15:
        notes.append(NO_RAPID)
    elif num == 17:
        r["window_start"] = day - timedelta(days=CONTACT_WINDOW_DAYS)
        r["window_end"] = day - timedelta(days=1)
        if "employer_contacts" not in present:
            notes.append("no employer_contacts table")
        else:
            hit = lookup(contacts, "label", day.isoformat(), tgt)
            f2f = int(hit["face_to_face"]) if hit else 0
            weeks = hit.get("fte_weeks") if hit else None
            r["n"] = f2f
            if not weeks:
                notes.append("no specialists in post in the 13 weeks before the review in the staff table")
            else:
                r["value"] = f2f / weeks
                r["implied_score"] = item(17).implied_score(r["value"])
    else:
        r["window_start"] = day - timedelta(days=JOB_WINDOW_DAYS)
        r["window_end"] = day - timedelta(days=1)
        if "jobs" not in present:
            notes.append("no jobs table")
        else:
            hit = lookup(jobs, "label", day.isoformat(), tgt)
            with_col, distinct_col = (
                ("with_sector", "distinct_sectors") if num == 19 else ("with_employer", "distinct_employers")
            )
            n = int(hit[with_col]) if hit else 0
            r["n"] = n
            if n < MIN_JOBS:
                what = "a sector" if num == 19 else "an employer"
                notes.append(
                    f"fewer than {MIN_JOBS} job starts with {what} recorded in the 12 months before the review"
                )
            else:
                r["value"] = int(hit[distinct_col]) / n
                r["implied_score"] = item(num).implied_score(r["value"])
    r["note"] = "; ".join(notes) or None
