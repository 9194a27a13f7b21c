"""Headline panel: the evaluation's key figures as cards, each with one plain-English sentence."""

from __future__ import annotations

from typing import Any

from ...benchmarks import percent, short_source
from ...evaluation import PublishedEvaluation
from . import has_table, row, rows, visible

ID = "headline"
TITLE = "At a glance"


def sustainment_weeks(pub: PublishedEvaluation, preferred: int = 13) -> int:
    """The horizon the headline reports: 13 weeks if it was computed, else the shortest one."""
    weeks = pub.meta.settings.definitions.sustainment_weeks
    return preferred if preferred in weeks else min(weeks)


def area_range(pub: PublishedEvaluation) -> dict[str, Any] | None:
    """The lowest and highest visible job entry rates across areas (None if fewer than two)."""
    areas = [r for r in rows(pub, "outcomes", breakdown="local_authority") if visible(r["job_entry_rate"])]
    if len(areas) < 2:
        return None
    low = min(areas, key=lambda r: r["job_entry_rate"])
    high = max(areas, key=lambda r: r["job_entry_rate"])
    if low["job_entry_rate"] == high["job_entry_rate"]:
        return None
    return {
        "low_area": low["group"],
        "low_rate": low["job_entry_rate"],
        "high_area": high["group"],
        "high_rate": high["job_entry_rate"],
        "areas_shown": len(areas),
        "areas_total": len(rows(pub, "outcomes", breakdown="local_authority")),
    }


def build(pub: PublishedEvaluation) -> dict[str, Any] | None:
    from ..summary import facts, summary, sustained_floor
    from ..where_next import where_next

    overall = row(pub, "outcomes", breakdown="overall")
    if overall is None:
        return None
    d = pub.meta.settings.definitions
    weeks = sustainment_weeks(pub)
    benefits = row(pub, "profile", characteristic="benefits", level="out_of_work")
    jobs = has_table(pub, "jobs")
    sustained = row(pub, "sustainment", breakdown="overall", weeks=weeks) if jobs else None
    return {
        "referrals": overall["referrals"],
        "period_start": pub.meta.period_start,
        "period_end": pub.meta.period_end,
        "data_cut": pub.meta.data_cut,
        "out_of_work": benefits,  # n, clients, percent (None if benefits were not recorded)
        "has_jobs": jobs,
        "outcomes": overall,
        "area_range": area_range(pub) if jobs else None,
        "hours_threshold": d.hours_threshold,
        "sustainment_weeks": weeks,
        "sustained": sustained,
        "sustained_floor": sustained_floor(sustained),
        "window_months": d.job_entry_window_months,
        "no_job_entry": _no_job_entry(pub, overall),
        "no_hours": "No first job has its weekly hours recorded."
        if overall.get("job_entries")
        else "No job entries yet.",
        "summary": summary(facts(pub)),
        "where_next": where_next(pub),
        "benchmarks": benchmarks(pub, weeks),
        "not_shown": not_shown_words(pub, overall, benefits, sustained),
        "clients_rejected": (row(pub, "data_quality", table="clients") or {}).get("rows_rejected") or 0,
    }


def not_shown_words(
    pub: PublishedEvaluation,
    overall: dict[str, Any],
    benefits: dict[str, Any] | None,
    sustained: dict[str, Any] | None,
) -> dict[str, str]:
    """Why each card's figure is hidden by disclosure control, from the published marks (see
    ..hidden), ending a card's 'Not shown, ...': 'to protect the few people in one of its parts
    (disclosure control)'. A hidden figure is never said to rest on too few people to estimate."""
    from ..hidden import DISCLOSURE, why_hidden

    outcomes = pub.table("outcomes")
    found = {
        "out_of_work": why_hidden(pub.table("profile"), benefits or {}, "percent"),
        "job_entry_rate": why_hidden(outcomes, overall, "job_entry_rate"),
        "share_16plus": why_hidden(outcomes, overall, "share_16plus"),
        "share_within_window": why_hidden(outcomes, overall, "share_within_window"),
        "sustained_rate": why_hidden(pub.table("sustainment"), sustained or {}, "sustained_rate"),
    }
    return {k: f"{why} {DISCLOSURE}" for k, why in found.items()}


def benchmarks(pub: PublishedEvaluation, weeks: int) -> dict[str, str]:
    """The national benchmark to print beside each headline card that has one."""
    b = pub.meta.settings.benchmarks
    out = {
        "job_entry": f"National benchmark: {percent(b.job_entry_rate)} ({short_source(b.job_entry_rate_source)})."
    }
    if weeks == 13:
        out["sustained"] = (
            f"Benchmark: at least {percent(b.sustained_13_weeks)} ({short_source(b.sustained_13_weeks_source)})."
        )
    return out


def _no_job_entry(pub: PublishedEvaluation, overall: dict[str, Any]) -> str:
    """Why job entry has no figure (when it is missing, not hidden)."""
    if "clients.engagement_date" in pub.meta.unrecorded:
        return (
            "No engagement dates were recorded, so no client can be counted as engaged and job entry "
            "cannot be reported. Add each client's engagement_date (the date their vocational profile "
            "started) to the clients table."
        )
    return "No client was both engaged and out of work when referred, so job entry cannot be reported."
