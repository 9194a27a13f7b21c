"""Outcomes: job entry, hours, sustainment, time to first job, and the same by area and year."""

from __future__ import annotations

from typing import Any

from ...evaluation import PublishedEvaluation
from ...labels import breakdown_label
from ..tables import Col, TableSpec
from . import has_table, row, rows, visible
from .headline import sustainment_weeks

ID = "outcomes"
TITLE = "Outcomes"


def key_outcomes(pub: PublishedEvaluation, overall: dict[str, Any]) -> TableSpec:
    """Job entry, 16+ hours, each sustainment horizon and the within-window share, overall."""
    d = pub.meta.settings.definitions
    hours = f"{d.hours_threshold:g}"
    out: list[dict[str, Any]] = [
        {
            "label": "Started a job (job entry)",
            "n": overall["job_entries"],
            "of": overall["denominator"],
            "base": "engaged clients not in work when referred",
            "rate": overall["job_entry_rate"],
            "low": overall["job_entry_ci_low"],
            "high": overall["job_entry_ci_high"],
            "not_yet_due": None,
        },
        {
            "label": f"First job {hours}+ hours a week",
            "n": overall["first_jobs_16plus"],
            "of": overall["first_jobs_hours_known"],
            "base": "first jobs with hours recorded",
            "rate": overall["share_16plus"],
            "low": overall["share_16plus_ci_low"],
            "high": overall["share_16plus_ci_high"],
            "not_yet_due": None,
        },
    ]
    for s in rows(pub, "sustainment", breakdown="overall"):
        out.append(
            {
                "label": f"First job sustained {s['weeks']} weeks",
                "n": s["sustained"],
                "of": s["due"],
                "base": "first jobs whose outcome is known",
                "rate": s["sustained_rate"],
                "low": s["sustained_ci_low"],
                "high": s["sustained_ci_high"],
                "not_yet_due": s["not_yet_due"],
            }
        )
    out.append(
        {
            "label": f"Job entry within {d.job_entry_window_months} months of engagement",
            "n": overall["entries_within_window"],
            "of": overall["job_entries"],
            "base": "job entries",
            "rate": overall["share_within_window"],
            "low": None,
            "high": None,
            "not_yet_due": None,
        }
    )
    return TableSpec(
        id="key-outcomes",
        caption=f"Job outcomes, {pub.meta.coverage}",
        columns=[
            Col("label", "Outcome", align="left"),
            Col("n", "Number", "count"),
            Col("of", "Out of", "count"),
            Col("base", "Base", align="left"),
            Col("rate", "Rate", "pct"),
            Col("ci", "95% CI", "ci", ("low", "high")),
            Col("not_yet_due", "Not yet due", "count"),
        ],
        rows=out,
        notes=[
            "Not yet due: first jobs that started less than the horizon before the data cut, so "
            "they have not yet had the chance to last that long; they are left out of the "
            "sustainment rate (neither sustained nor not sustained).",
            "95% CI: Wilson score interval.",
        ],
    )


def breakdown_table(pub: PublishedEvaluation, breakdown: str, caption: str) -> TableSpec:
    """One row per area (or referral year) plus the all-areas row, side by side."""
    weeks = sustainment_weeks(pub)
    sustained = {s["group"]: s for s in rows(pub, "sustainment", breakdown=breakdown, weeks=weeks)}
    overall_sustained = row(pub, "sustainment", breakdown="overall", weeks=weeks) or {}
    meetings = has_table(pub, "meetings")
    out: list[dict[str, Any]] = []
    for r in rows(pub, "outcomes", breakdown=breakdown):
        s = sustained.get(r["group"], {})
        out.append({**r, "label": r["group"], "sustained_rate": s.get("sustained_rate")})
    overall = row(pub, "outcomes", breakdown="overall")
    if overall is not None:
        out.append(
            {
                **overall,
                "label": "All areas" if breakdown == "local_authority" else "All years",
                "sustained_rate": overall_sustained.get("sustained_rate"),
                "_strong": True,
            }
        )
    if not meetings:
        for r in out:
            r["meetings_per_engaged_client"] = None
    hours = f"{pub.meta.settings.definitions.hours_threshold:g}"
    first = "Local authority" if breakdown == "local_authority" else breakdown_label(breakdown)
    return TableSpec(
        id=f"by-{breakdown}",
        caption=caption,
        columns=[
            Col("label", first, align="left"),
            Col("referrals", "Referrals", "count"),
            Col("engaged", "Engaged", "count"),
            Col("denominator", "Job-entry denominator", "count"),
            Col("job_entries", "Job entries", "count"),
            Col(
                "rate",
                "Job entry rate (95% CI)",
                "pct_ci",
                ("job_entry_rate", "job_entry_ci_low", "job_entry_ci_high"),
            ),
            Col("share_16plus", f"First jobs {hours}+ hours", "pct"),
            Col("sustained_rate", f"Sustained {weeks} weeks", "pct"),
            Col("meetings_per_engaged_client", "Meetings per engaged client", "number"),
        ],
        rows=out,
        notes=[
            "Job-entry denominator: engaged clients not in work when referred. "
            f"Sustained {weeks} weeks: share of first jobs whose outcome is known (not yet due left out)."
        ],
    )


def time_to_job(pub: PublishedEvaluation) -> dict[str, Any] | None:
    """The overall cumulative incidence of job entry (discharge without a job competing) up to its
    first hidden point, the number at risk at set months, the median time to first job, and the
    row the sentence reads when fewer than half started a job (12 months, else the last month)."""
    curve_rows = rows(pub, "time_to_job_curve", breakdown="overall")
    if not curve_rows:
        return None
    min_at_risk = pub.meta.settings.report.curve_min_at_risk
    points = []
    for r in curve_rows:
        if not visible(r["in_work"]):
            continue  # hidden by disclosure control (few job starts so far, or few still at risk)
        points.append((r["day"], r["in_work"], r["in_work_ci_low"], r["in_work_ci_high"]))
    at = sorted(rows(pub, "time_to_job_at", breakdown="overall"), key=lambda r: r["months"])
    at_table = pub.table("time_to_job_at")
    summary = row(pub, "time_to_job_summary", breakdown="overall") or {}
    table = TableSpec(
        id="share-in-work",
        caption=f"Share who had started a job by months since engagement, {pub.meta.coverage}",
        columns=[
            Col("label", "Months since engagement", align="left"),
            Col("at_risk", "Number at risk", "count"),
            Col("job_entries_by_then", "Job entries by then", "count"),
            Col("discharged_by_then", "Discharged without a job by then", "count"),
            Col(
                "in_work",
                "Share who had started a job (95% CI)",
                "pct_ci",
                ("in_work", "in_work_ci_low", "in_work_ci_high"),
            ),
            Col("discharged", "Share discharged without a job", "pct"),
        ],
        rows=[{**r, "label": f"{r['months']} months"} for r in at if r["months"] > 0],
        notes=list(at_table.notes) if at_table else [],
    )
    curve_table = pub.table("time_to_job_curve")
    later = [r for r in at if r["months"] > 0]
    by_then = next((r for r in later if r["months"] == 12), later[-1] if later else None)
    return {
        "by_then": by_then,
        "points": points,
        "at_risk": [(r["months"], r["at_risk"]) for r in at],
        "marks": [(r["months"], r["in_work"]) for r in at if r["months"] > 0],
        "table": table,
        "median_days": summary.get("median_days"),
        "median_why": _why_hidden(pub, summary),
        "clients": summary.get("clients"),
        "job_entries": summary.get("job_entries"),
        "notes": [
            *(curve_table.notes if curve_table else []),
            f"The curve stops where fewer than {min_at_risk} clients remain at risk.",
        ],
    }


def _why_hidden(pub: PublishedEvaluation, summary: dict[str, Any]) -> str:
    """Why the median time to first job is hidden (see ..hidden), for the sentence that says so."""
    from ..hidden import DISCLOSURE, why_hidden

    return f"{why_hidden(pub.table('time_to_job_summary'), summary, 'median_days')} {DISCLOSURE}"


def meeting_bands(pub: PublishedEvaluation) -> TableSpec | None:
    table = pub.table("job_entry_by_meeting_band")
    if table is None or not has_table(pub, "meetings") or table.data.height == 0:
        return None
    return TableSpec(
        id="meeting-bands",
        caption="Job entry by number of IPS meetings attended (unadjusted)",
        columns=[
            Col("meeting_band", "Meetings attended", align="left"),
            Col("clients", "Clients", "count"),
            Col("job_entries", "Job entries", "count"),
            Col(
                "rate",
                "Job entry rate (95% CI)",
                "pct_ci",
                ("job_entry_rate", "job_entry_ci_low", "job_entry_ci_high"),
            ),
        ],
        rows=sorted(rows(pub, "job_entry_by_meeting_band"), key=lambda r: r["band_order"]),
        notes=list(table.notes),
    )


def build(pub: PublishedEvaluation) -> dict[str, Any] | None:
    overall = row(pub, "outcomes", breakdown="overall")
    if overall is None or not has_table(pub, "jobs"):
        return None
    areas = rows(pub, "outcomes", breakdown="local_authority")
    if not any(r["job_entry_rate"] is not None for r in areas):
        areas = []  # no rate to draw (hidden ones are drawn as '*'; missing ones are not)
    return {
        "overall": overall,
        "key_outcomes": key_outcomes(pub, overall),
        "sustainment": rows(pub, "sustainment", breakdown="overall"),
        "window_months": pub.meta.settings.definitions.job_entry_window_months,
        "time_to_job": time_to_job(pub),
        "areas": areas,
        "area_chart": {  # bars: (area, rate, ci_low, ci_high)
            "bars": [
                (r["group"], r["job_entry_rate"], r["job_entry_ci_low"], r["job_entry_ci_high"])
                for r in areas
            ],
            "reference": overall["job_entry_rate"],
        },
        "area_table": breakdown_table(pub, "local_authority", "Outcomes by local authority"),
        "year_table": breakdown_table(pub, "referral_year", "Outcomes by year of referral"),
        "meeting_bands": meeting_bands(pub),
        "outcomes_notes": pub.table("outcomes").notes if pub.table("outcomes") else [],
    }
