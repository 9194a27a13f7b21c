"""Fidelity: IPS-25 reviews (scores, bands, trend, item profile, lowest items) and, beside them,
what the records show (caseload, employer contacts, job diversity, early meetings).

Charts are drawn by :mod:`..fidelity_charts`, reached from the template as ``section.charts``.
"""

from __future__ import annotations

from typing import Any

from ...benchmarks import BAND_WORDS, fidelity_band_ranges
from ...evaluation import PublishedEvaluation
from ...fidelity.comparison import FLAG_RULE
from ...fidelity.items import SECTION_LABELS, item, section_max
from .. import fidelity_charts as charts
from ..format import is_hidden, long_date
from ..tables import Col, TableSpec
from ..time_charts import covid_period
from . import has_table, rows

__all__ = ["ID", "TITLE", "build", "charts"]

ID = "fidelity"
TITLE = "Fidelity to IPS"


def bands(pub: PublishedEvaluation) -> list[tuple[str, str]]:
    """The fidelity bands of the settings' benchmarks: ('115 to 125', 'exemplary fidelity'), ..."""
    ranges = fidelity_band_ranges(pub.meta.settings.benchmarks.fidelity_cuts)
    return [(f"{low} to {high}", BAND_WORDS[key]) for key, low, high in ranges]


def _notes(pub: PublishedEvaluation, key: str) -> list[str]:
    t = pub.table(key)
    return list(t.notes) if t else []


def reviews_table(pub: PublishedEvaluation) -> TableSpec | None:
    found = sorted(rows(pub, "fidelity_reviews"), key=lambda r: (r["team"], r["review_date"]))
    if not found:
        return None
    return TableSpec(
        id="fidelity-reviews",
        caption="IPS-25 fidelity reviews",
        columns=[
            Col("team", "Team", align="left"),
            Col("review_date", "Review date", "date", align="left"),
            Col("total", "Total (of 125)", "count"),
            Col("band_label", "Band", align="left"),
            Col("staffing", f"Staffing (of {section_max('staffing')})", "count"),
            Col("organisation", f"Organisation (of {section_max('organisation')})", "count"),
            Col("services", f"Services (of {section_max('services')})", "count"),
            Col("change", "Change since previous review", "stat"),
        ],
        rows=found,
        notes=[n for n in _notes(pub, "fidelity_reviews") if not n.startswith("Fidelity scores describe")],
    )


def trend_series(pub: PublishedEvaluation) -> list[tuple[str, list[tuple[Any, Any]]]]:
    by_team: dict[str, list[tuple[Any, Any]]] = {}
    for r in sorted(rows(pub, "fidelity_reviews"), key=lambda r: (r["team"], r["review_date"])):
        by_team.setdefault(r["team"], []).append((r["review_date"], r["total"]))
    return list(by_team.items())


def profile(pub: PublishedEvaluation) -> dict[str, Any] | None:
    """Bars for the item profile: the mean of the teams' latest scores with their range, or the
    single team's own scores."""
    summary = sorted(rows(pub, "fidelity_item_summary"), key=lambda r: r["item"])
    if not summary:
        return None
    teams = sorted({r["team"] for r in rows(pub, "fidelity_items")})
    single = len(teams) == 1
    if single:
        own = {r["item"]: r["score"] for r in rows(pub, "fidelity_items")}
        bars = [
            (r["item"], SECTION_LABELS[r["section"]], r["item_name"], own.get(r["item"]), None, None)
            for r in summary
        ]
        title = f"Item scores at the latest review: {teams[0]}"
    else:
        bars = [
            (
                r["item"],
                SECTION_LABELS[r["section"]],
                r["item_name"],
                r["mean_score"],
                r["min_score"],
                r["max_score"],
            )
            for r in summary
        ]
        title = "Item scores at each team's latest review: mean and range across teams"
    return {"bars": bars, "title": title, "single": single, "teams": teams}


def items_by_team(pub: PublishedEvaluation) -> TableSpec | None:
    """Items down, teams across: each team's latest score, and the mean across teams."""
    found = rows(pub, "fidelity_items")
    if not found:
        return None
    teams = sorted({r["team"] for r in found})
    dates = {r["team"]: r["review_date"] for r in found}
    score = {(r["team"], r["item"]): r["score"] for r in found}
    means = {r["item"]: r["mean_score"] for r in rows(pub, "fidelity_item_summary")}
    out: list[dict[str, Any]] = []
    section = None
    for n in range(1, 26):
        it = item(n)
        if it.section != section:
            section = it.section
            out.append(
                {
                    "label": SECTION_LABELS[section],
                    "_strong": True,
                    **{f"t{i}": "" for i in range(len(teams))},
                    "mean": "",
                }
            )
        out.append(
            {
                "label": f"{n}. {it.name}",
                "_indent": 1,
                **{f"t{i}": score.get((t, n)) for i, t in enumerate(teams)},
                "mean": means.get(n),
            }
        )
    columns = [Col("label", "Item", align="left")]
    columns += [Col(f"t{i}", t, "count", align="center") for i, t in enumerate(teams)]
    if len(teams) > 1:
        columns.append(Col("mean", "Mean", "number", align="center"))
    return TableSpec(
        id="fidelity-items",
        caption="Item scores at each team's latest scored review",
        columns=columns,
        rows=out,
        notes=["Latest scored review: " + "; ".join(f"{t} {dates[t]}" for t in teams) + "."],
    )


def lowest_tables(pub: PublishedEvaluation) -> list[TableSpec]:
    """One short table per team (all teams first): its lowest items and what a 5 looks like."""
    found = rows(pub, "fidelity_lowest")
    teams: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(found, key=lambda r: (r["team"] != "All teams", r["team"], r["rank"], r["item"] or 0)):
        teams.setdefault(r["team"], []).append(r)
    out = []
    for i, (team, team_rows) in enumerate(teams.items()):
        day = team_rows[0]["review_date"]
        table_rows = []
        for r in team_rows:
            if r["item"] is None:
                label = f"{r['item_name']}: items {r['tied_items']}"
                table_rows.append({**r, "item_label": label, "good": "(see the item profile above)"})
            else:
                table_rows.append({**r, "item_label": f"{r['item']}. {r['item_name']}"})
        caption = (
            "All teams: lowest mean scores at the latest reviews"
            if day is None
            else f"{team}: lowest scores at the review of {long_date(day)}"
        )
        out.append(
            TableSpec(
                id=f"fidelity-lowest-{i}",
                caption=caption,
                columns=[
                    Col("item_label", "Item", align="left"),
                    Col("score", "Score", "stat"),
                    Col("good", "What a 5 looks like", align="left"),
                ],
                rows=table_rows,
                wrap_text=True,
            )
        )
    return out


def _flag_word(v: Any) -> Any:
    if is_hidden(v) or v is None:
        return v
    return "Check" if v else "No conflict"


def _implied_label(r: dict[str, Any]) -> Any:
    """'4', or 'at most 4' / 'at least 1' where the records only bound the item's score."""
    v = r["implied_score"]
    if is_hidden(v) or v is None or r["bound"] == "about":
        return v
    return f"{r['bound']} {v}"


def comparison(
    pub: PublishedEvaluation, items: tuple[int, ...], value_label: str, fmt: str
) -> TableSpec | None:
    found = [r for r in rows(pub, "evidence_comparison") if r["item"] in items]
    if not found:
        return None
    found = sorted(found, key=lambda r: (r["team"], r["review_date"], r["item"]))
    out = [
        {
            **r,
            "check": _flag_word(r["flag"]),
            "implied": _implied_label(r),
            "item_label": f"{r['item']}. {r['item_name']}",
        }
        for r in found
    ]
    columns = [
        Col("team", "Team", align="left"),
        Col("review_date", "Review date", "date", align="left"),
    ]
    if len(items) > 1:
        columns.append(Col("item_label", "Item", align="left"))
    columns += [
        Col("reviewer_score", "Reviewers' score", "count"),
        Col("value", value_label, fmt),
        Col("implied", "Score the records imply", align="right"),
        Col("check", "Records and score", align="left"),
    ]
    if any(r["note"] for r in found):
        columns.append(Col("note", "Note", align="left"))
    return TableSpec(
        id="evidence-" + "-".join(str(i) for i in items),
        caption="Reviewers' scores beside the records: "
        + ", ".join(f"item {i} ({item(i).name})" for i in items),
        columns=columns,
        rows=out,
        wrap_text=any(r["note"] for r in found),
    )


def flagged(pub: PublishedEvaluation) -> list[dict[str, Any]]:
    return [r for r in rows(pub, "evidence_comparison") if r["flag"] is True]


def _series(found: list[dict[str, Any]], x: str, y: str) -> tuple[list[Any], list[tuple[str, list[Any]]]]:
    overall = [(r[x], r[y]) for r in sorted(found, key=lambda r: r[x]) if r["breakdown"] == "overall"]
    areas: dict[str, list[Any]] = {}
    for r in sorted(found, key=lambda r: r[x]):
        if r["breakdown"] == "local_authority":
            areas.setdefault(r["group"], []).append((r[x], r[y]))
    return overall, list(areas.items())


def caseload_chart(pub: PublishedEvaluation) -> dict[str, Any] | None:
    found = rows(pub, "evidence_caseload")
    if not found or not has_table(pub, "staff"):
        return None
    overall, areas = _series(found, "date", "caseload_per_fte")
    cuts = [(c, f"{int(c)}") for c in item(1).at_most or ()]
    return {"overall": overall, "areas": areas, "cuts": cuts, "anchors": item(1).anchor_text}


def contacts_chart(pub: PublishedEvaluation) -> dict[str, Any] | None:
    found = rows(pub, "evidence_contacts")
    if not found or not has_table(pub, "staff"):
        return None
    overall, areas = _series(found, "first_day", "f2f_per_fte_week")
    cuts = [(c, f"{int(c)} a week") for c in item(17).at_least or ()]
    return {"overall": overall, "areas": areas, "cuts": cuts, "anchors": item(17).anchor_text}


def first_meetings(pub: PublishedEvaluation) -> TableSpec | None:
    found = rows(pub, "evidence_first_meetings")
    if not found:
        return None
    ordered = [r for r in found if r["breakdown"] == "local_authority"] + [
        {**r, "_strong": True} for r in found if r["breakdown"] == "overall"
    ]
    return TableSpec(
        id="evidence-first-meetings",
        caption="Meetings in the first 3 months after referral",
        columns=[
            Col("group", "Local authority", align="left"),
            Col("clients", "Clients", "count"),
            Col("mean_meetings", "Meetings per client", "number"),
            Col("median_meetings", "Median", "stat"),
            Col("share_no_meeting", "No meeting", "pct"),
            Col("share_6_plus", "6 or more", "pct"),
        ],
        rows=ordered,
        notes=_notes(pub, "evidence_first_meetings"),
    )


def diversity(pub: PublishedEvaluation) -> TableSpec | None:
    found = rows(pub, "evidence_job_diversity", period="last_12_months")
    if not found:
        return None
    ordered = [r for r in found if r["breakdown"] == "local_authority"] + [
        {**r, "_strong": True} for r in found if r["breakdown"] == "overall"
    ]
    return TableSpec(
        id="evidence-diversity",
        caption="Employers and sectors of job starts in the 12 months to the data cut",
        columns=[
            Col("group", "Local authority", align="left"),
            Col("job_starts", "Job starts", "count"),
            Col("distinct_employers", "Different employers", "count"),
            Col("employer_share", "Share different (item 20)", "pct"),
            Col("distinct_sectors", "Different sectors", "count"),
            Col("sector_share", "Share different (item 19, by sector)", "pct"),
        ],
        rows=ordered,
        notes=_notes(pub, "evidence_job_diversity"),
    )


def sectors(pub: PublishedEvaluation) -> TableSpec | None:
    found = rows(pub, "evidence_job_sectors", period="last_12_months")
    if not found:
        return None
    return TableSpec(
        id="evidence-sectors",
        caption=f"Job starts by sector in the 12 months to the data cut, {pub.meta.coverage}",
        columns=[Col("sector", "Sector", align="left"), Col("job_starts", "Job starts", "count")],
        rows=found,
    )


def build(pub: PublishedEvaluation) -> dict[str, Any] | None:
    if not any(has_table(pub, t) for t in ("fidelity", "staff", "employer_contacts")):
        return None
    not_scored = sorted(rows(pub, "fidelity_not_scored"), key=lambda r: (r["team"], r["review_date"]))
    return {
        "has_fidelity": has_table(pub, "fidelity"),
        "bands": bands(pub),
        "bands_source": pub.meta.settings.benchmarks.fidelity_bands_source,
        "reviews": reviews_table(pub),
        "not_scored": not_scored,
        "trend": trend_series(pub),
        "profile": profile(pub),
        "items_table": items_by_team(pub),
        "lowest": lowest_tables(pub),
        "lowest_notes": _notes(pub, "fidelity_lowest"),
        "caseload_compare": comparison(pub, (1,), "People per FTE specialist on the date", "number"),
        "contacts_compare": comparison(pub, (17,), "Face-to-face contacts per FTE a week", "number"),
        "diversity_compare": comparison(pub, (19, 20), "Share of job starts different", "pct"),
        "rapid_note": next((r["note"] for r in rows(pub, "evidence_comparison") if r["item"] == 15), None),
        "flagged": flagged(pub),
        "flag_rule": FLAG_RULE,
        "comparison_notes": _notes(pub, "evidence_comparison")[1:],
        "caseload_chart": caseload_chart(pub),
        "caseload_notes": _notes(pub, "evidence_caseload"),
        "contacts_chart": contacts_chart(pub),
        "contacts_notes": _notes(pub, "evidence_contacts"),
        "first_meetings": first_meetings(pub),
        "diversity": diversity(pub),
        "sectors": sectors(pub),
        "period": covid_period(pub.meta.settings),
        "cuts": pub.meta.settings.benchmarks.fidelity_cuts,
    }
