"""Wellbeing and recovery: change from baseline to follow-up by domain and measure, who was lost
to follow-up, and whether clients who found work improved more.

Selection and formatting only: every number, interval, test and classification ("better",
"more", "noticeable") comes from the protected ``wellbeing_*`` tables.
"""

from __future__ import annotations

from typing import Any

from ...evaluation import PublishedEvaluation
from ..format import HIDDEN, MISSING, number, p_value, pct, text
from ..tables import Col, TableSpec
from ..wellbeing_charts import change_dots, signed
from . import row, rows, visible

ID = "wellbeing"
TITLE = "Wellbeing and recovery"

NO_DOMAIN = "Not in a domain"


def change_ci(v: Any, low: Any, high: Any, dp: int = 1) -> str:
    """'+1.5 (+1.2 to +1.8)'; the interval left off when it is not available."""
    s = signed(v, dp)
    if s in (HIDDEN, MISSING):
        return s
    if not (visible(low) and visible(high)):
        return s
    return f"{s} ({signed(low, dp)} to {signed(high, dp)})"


def mean_sd(mean: Any, sd: Any, dp: int = 1) -> str:
    """gtsummary's 'mean (SD)': '9.6 (2.9)'."""
    s = number(mean, dp)
    if s in (HIDDEN, MISSING) or not visible(sd):
        return s
    return f"{s} ({number(sd, dp)})"


def _heading(label: str, columns: list[Col]) -> dict[str, Any]:
    """A bold heading row with blank cells (gtsummary's variable line)."""
    blank: dict[str, Any] = {"label": label, "_strong": True}
    for c in columns[1:]:
        for f in c.sources:
            blank[f] = " " if c.fmt == "text" else ""
    return blank


def p_values(p_t: Any, p_wilcoxon: Any) -> str:
    """'<0.001; 0.012': the t-test and the Wilcoxon test, side by side."""
    t, w = p_value(p_t), p_value(p_wilcoxon)
    return t if t == w and t in (HIDDEN, MISSING) else f"{t}; {w}"


def _dp(r: dict[str, Any]) -> int:
    """Decimals for a measure: 2 on short scales (e.g. SURE 3-9), else 1."""
    return 2 if float(r["scale_max"]) - float(r["scale_min"]) <= 12 else 1


def _change_cells(r: dict[str, Any], dp: int) -> dict[str, Any]:
    return {
        "means": f"{number(r['baseline_mean'], dp)} → {number(r['follow_up_mean'], dp)}",
        "change": change_ci(r["change_mean"], r["change_ci_low"], r["change_ci_high"], dp),
        "p_cell": p_values(r["p_t_holm"], r["p_wilcoxon_holm"]),
        "direction_cell": text(r["direction"]),
    }


def _change_columns(first: str) -> list[Col]:
    return [
        Col("label", first, align="left"),
        Col("n", "N", "count"),
        Col("means", "Mean: baseline → follow-up", "text"),
        Col("change", "Change (95% CI)", "text"),
        Col("direction_cell", "Better or worse?", "text"),
        Col("effect_size", "Effect size (dz)", "ratio"),
        Col("p_cell", "p-value (t; Wilcoxon)", "text"),
        Col("improved_cell", "Improved", "n_pct", ("improved", "share_improved")),
        Col("no_change_cell", "No change", "n_pct", ("no_change", "share_no_change")),
        Col("worse_cell", "Worse", "n_pct", ("worse", "share_worse")),
    ]


_TEST_NOTE = (
    "Change: follow-up minus baseline in the row's own units and sign (for days of use a fall is "
    "negative); 'Better or worse?' says whether the mean change is an improvement, from the "
    "measure's direction (fewer days of use is better; a higher quality-of-life score is better); "
    "95% CI from the t distribution. Effect size: Cohen's dz, "
    "the mean change divided by the standard deviation of the changes (about 0.2 small, 0.5 "
    "medium, 0.8 large). p-values: paired t-test and Wilcoxon signed-rank test, Holm-adjusted for "
    "the number of rows tested."
)


def domain_table(domain_rows: list[dict[str, Any]], min_pairs: int) -> TableSpec:
    return TableSpec(
        id="wellbeing-domains",
        caption="Change in wellbeing by domain (0–100 scale, 100 = best)",
        columns=_change_columns("Domain"),
        rows=[{**r, **_change_cells(r, 1)} for r in domain_rows],
        notes=[
            "Each measure is put on a 0–100 scale where 100 is the best possible score; a client's "
            "domain score is the average over the domain's measures they completed at both times.",
            _TEST_NOTE,
            f"Intervals and tests need at least {min_pairs} clients with both assessments.",
        ],
    )


def measure_table(measure_rows: list[dict[str, Any]], domains: list[dict[str, Any]]) -> TableSpec:
    """gtsummary-style: a bold line per domain, its measures indented, in their own units."""
    columns = _change_columns("Measure (questionnaire, scale)")
    order = [(d["domain"], d["label"]) for d in domains]
    order += [("", NO_DOMAIN)] if any(not r["domain"] for r in measure_rows) else []
    known = {code for code, _l in order}
    order += [(r["domain"], r["domain"]) for r in measure_rows if r["domain"] not in known]
    out: list[dict[str, Any]] = []
    for code, label in dict.fromkeys(order):
        members = sorted((r for r in measure_rows if r["domain"] == code), key=lambda r: r["measure_order"])
        if not members:
            continue
        out.append(_heading(label, columns))
        for r in members:
            better = "higher" if r["higher_is_better"] else "lower"
            scale = f"{float(r['scale_min']):g}–{float(r['scale_max']):g}, {better} better"
            label = str(r["label"]).removesuffix(f" ({r['instrument']})")
            label = f"{label} ({r['instrument']} {scale})"
            out.append({**r, **_change_cells(r, _dp(r)), "label": label, "_indent": 1})
    return TableSpec(
        id="wellbeing-measures",
        caption="Change in wellbeing by measure, grouped by domain (each in its own units)",
        columns=columns,
        rows=out,
        notes=[
            _TEST_NOTE,
            "TOP days of use (in the past 28 days): only clients using that substance at baseline; a "
            "negative change is fewer days.",
        ],
    )


def coverage_table(coverage_rows: list[dict[str, Any]]) -> TableSpec:
    return TableSpec(
        id="wellbeing-coverage",
        caption="Wellbeing questionnaires: baseline and follow-up",
        columns=[
            Col("instrument", "Questionnaire", align="left"),
            Col("followed_up", "Followed up", "count"),
            Col("lost", "Lost to follow-up", "count"),
            Col("not_yet_due", "Not yet due", "count"),
            Col(
                "rate",
                "Follow-up rate (95% CI)",
                "pct_ci",
                ("follow_up_rate", "follow_up_ci_low", "follow_up_ci_high"),
            ),
        ],
        rows=[
            {**r, "instrument": "Any questionnaire" if r["instrument"] == "Any" else r["instrument"]}
            for r in coverage_rows
        ],
        notes=[
            "Engaged clients with a questionnaire near the engagement date (baseline). Lost to "
            "follow-up: no follow-up although its window had closed by the data cut. Not yet due: the "
            "window was still open. Follow-up rate: followed up out of followed up and lost."
        ],
    )


def attrition_table(attrition_rows: list[dict[str, Any]]) -> TableSpec:
    columns = [
        Col("label", "", align="left"),
        Col("followed_up", "Followed up", "text"),
        Col("lost", "Lost to follow-up", "text"),
        Col("smd", "Standardised difference", "ratio"),
    ]
    out: list[dict[str, Any]] = []
    for kind, heading in (("domain", "Baseline score (0–100)"), ("characteristic", "Characteristics")):
        members = [r for r in attrition_rows if r["kind"] == kind]
        if not members:
            continue
        out.append(_heading(heading, columns))
        for r in members:
            if r["statistic"] == "share":
                fu, lost = pct(r["followed_up_share"]), pct(r["lost_share"])
            else:
                fu, lost = (
                    mean_sd(r["followed_up_mean"], r["followed_up_sd"]),
                    mean_sd(r["lost_mean"], r["lost_sd"]),
                )
            out.append({"label": r["label"], "followed_up": fu, "lost": lost, "smd": r["smd"], "_indent": 1})
    return TableSpec(
        id="wellbeing-attrition",
        caption="Clients followed up and clients lost to follow-up, at baseline",
        columns=columns,
        rows=out,
        notes=[
            "Mean (SD) or share of the group. Standardised difference: the difference between the "
            "groups divided by their pooled standard deviation; 0.1 or more (either sign) is a "
            "noticeable difference, positive = higher among clients followed up.",
        ],
    )


def job_table(job_rows: list[dict[str, Any]], min_pairs: int) -> TableSpec:
    return TableSpec(
        id="wellbeing-job-entry",
        caption="Change in wellbeing by job entry (0–100 scale)",
        columns=[
            Col("label", "Domain", align="left"),
            Col("found_work", "Found work: N", "count"),
            Col("work_change", "Change (95% CI)", "text"),
            Col("no_work", "Not (yet): N", "count"),
            Col("no_work_change_cell", "Change (95% CI)", "text"),
            Col("difference_cell", "Difference (95% CI)", "text"),
            Col("p_value_holm", "p-value", "p_value"),
        ],
        rows=[
            {
                **r,
                "work_change": change_ci(
                    r["found_work_change_mean"], r["found_work_ci_low"], r["found_work_ci_high"]
                ),
                "no_work_change_cell": change_ci(
                    r["no_work_change_mean"], r["no_work_ci_low"], r["no_work_ci_high"]
                ),
                "difference_cell": change_ci(
                    r["difference"], r["difference_ci_low"], r["difference_ci_high"]
                ),
            }
            for r in job_rows
        ],
        notes=[
            "Found work: started a job on or before the follow-up questionnaire. Both groups are engaged "
            "clients not in work when referred. Difference: found work minus not, with Welch's 95% CI "
            f"and t-test (Holm-adjusted across domains), where each group has at least {min_pairs} clients.",
        ],
    )


def _labels(domain_rows: list[dict[str, Any]], key: str, value: str) -> list[str]:
    return [r["label"] for r in domain_rows if r.get(key) == value]


def build(pub: PublishedEvaluation) -> dict[str, Any] | None:
    if pub.table("wellbeing_coverage") is None:
        return None
    settings = pub.meta.settings.wellbeing
    coverage = rows(pub, "wellbeing_coverage")
    overall = row(pub, "wellbeing_coverage", instrument="Any")
    domains = sorted(rows(pub, "wellbeing_domains"), key=lambda r: r["domain_order"])
    measures = rows(pub, "wellbeing_measures")
    job = sorted(rows(pub, "wellbeing_by_job_entry", level="domain"), key=lambda r: r["order"])
    attrition = rows(pub, "wellbeing_attrition")
    attrition_shown = [r for r in attrition if r["kind"] in ("domain", "characteristic")]
    shown_changes = [r for r in domains if visible(r["change_mean"])]
    largest = max(shown_changes, key=lambda r: r["change_mean"], default=None)
    job_entry = next((r for r in attrition if r["variable"] == "job_entry"), None)
    noticeable = [r for r in attrition_shown if r.get("noticeable") is True]
    chart = None
    if domains:
        chart = change_dots(
            "wellbeing-change",
            "Mean change in wellbeing by domain",
            [(r["label"], [(r["change_mean"], r["change_ci_low"], r["change_ci_high"])]) for r in domains],
        )
    job_chart = None
    if any(visible(r["found_work_change_mean"]) or visible(r["no_work_change_mean"]) for r in job):
        job_chart = change_dots(
            "wellbeing-job-entry",
            "Mean change in wellbeing by domain, by job entry",
            [
                (
                    r["label"],
                    [
                        (r["found_work_change_mean"], r["found_work_ci_low"], r["found_work_ci_high"]),
                        (r["no_work_change_mean"], r["no_work_ci_low"], r["no_work_ci_high"]),
                    ],
                )
                for r in job
            ],
            series=("Found work", "Not (yet) in work"),
        )
    return {
        "settings": settings,
        "overall": overall,
        "engaged": (row(pub, "outcomes", breakdown="overall") or {}).get("engaged"),
        "instruments": [r["instrument"] for r in coverage if r["instrument"] != "Any"],
        "domains": domains,
        "better": _labels(domains, "evidence", "better"),
        "all_better": bool(domains) and all(r["evidence"] == "better" for r in domains),
        "worse": _labels(domains, "evidence", "worse"),
        "unclear": _labels(domains, "evidence", "unclear"),
        "largest": largest,
        "largest_change": signed(largest["change_mean"]) if largest else None,
        "chart": chart,
        "coverage_table": coverage_table(coverage),
        "domain_table": domain_table(domains, settings.min_pairs) if domains else None,
        "measure_table": measure_table(measures, domains) if measures else None,
        "attrition_table": attrition_table(attrition_shown) if attrition_shown else None,
        "noticeable": noticeable,
        "job_entry": job_entry,
        "lost_less_often_in_work": bool(
            job_entry
            and job_entry.get("noticeable") is True
            and visible(job_entry["smd"])
            and job_entry["smd"] > 0
        ),
        "job": job,
        "job_more": _labels(job, "evidence", "more"),
        "all_job_more": bool(job) and all(r["evidence"] == "more" for r in job),
        "job_less": _labels(job, "evidence", "less"),
        "job_chart": job_chart,
        "job_table": job_table(job, settings.min_pairs) if job else None,
    }
