"""Service impact: the published-style model of meetings and job entry, the primary (bias-aware)
dose-response analysis beside it, time to job by integration, local variation, comparison group.

Selection only: rows come from protected tables; regression tables follow gtsummary's layout
(OR | 95% CI | p-value, unadjusted and adjusted side by side, reference levels as 'Ref').
"""

from __future__ import annotations

from typing import Any

from ...evaluation import PublishedEvaluation
from ...labels import characteristic_label, code_label
from ...metrics import DAYS_PER_MONTH
from ..tables import Col, TableSpec
from . import row, rows, visible

ID = "impact"
TITLE = "Service impact"

MEETING_TERM = "meeting_band"


def _term_label(term: str) -> str:
    if term == MEETING_TERM:
        return "IPS meetings attended"
    if term == "(Intercept)":
        return "Intercept"
    return characteristic_label(term)


def _level_label(term: str, level: Any) -> str:
    if level in (None, ""):
        return ""
    if term == MEETING_TERM:
        return str(level)
    return code_label(term, str(level))


def _model_rows(pub: PublishedEvaluation, key: str) -> list[dict[str, Any]]:
    return [r for r in rows(pub, key) if r.get("term") != "(Intercept)"]


def regression_table(
    pub: PublishedEvaluation,
    table_id: str,
    caption: str,
    models: list[tuple[str, str]],
    terms: list[str] | None = None,
    ratio: tuple[str, str, str] = ("odds_ratio", "or_ci_low", "or_ci_high"),
    ratio_name: str = "OR",
    ame: bool = False,
) -> TableSpec | None:
    """gtsummary's tbl_merge layout: one stub of terms and levels, then ratio, CI and p per model."""
    present = [(key, label) for key, label in models if pub.table(key) is not None]
    if not present:
        return None
    order: list[tuple[str, str]] = []
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for i, (key, _label) in enumerate(present):
        for r in _model_rows(pub, key):
            if terms is not None and r["term"] not in terms:
                continue
            k = (r["term"], r.get("level") or "")
            if k not in cells:
                order.append(k)
                cells[k] = {}
            cells[k].update(
                {
                    f"ratio_{i}": "Ref" if r.get("reference") else r.get(ratio[0]),
                    f"low_{i}": None if r.get("reference") else r.get(ratio[1]),
                    f"high_{i}": None if r.get("reference") else r.get(ratio[2]),
                    f"p_{i}": None if r.get("reference") else r.get("p_value"),
                    f"ame_{i}": None if r.get("reference") else r.get("ame"),
                }
            )
    out: list[dict[str, Any]] = []
    seen_terms: set[str] = set()
    for term, level in order:
        if level and term not in seen_terms:
            blank = {
                f"{part}_{i}": ""
                for i in range(len(present))
                for part in ("ratio", "low", "high", "p", "ame")
            }
            out.append({"label": _term_label(term), "_strong": True, **blank})
        seen_terms.add(term)
        label = _level_label(term, level) if level else _term_label(term)
        out.append({"label": label, "_indent": 1 if level else 0, **cells[(term, level)]})
    columns = [Col("label", "Characteristic", align="left")]
    for i, (_key, model_label) in enumerate(present):
        prefix = f"{model_label}: " if len(present) > 1 else ""
        columns += [
            Col(f"ratio_{i}", f"{prefix}{ratio_name}", "ratio_or_ref"),
            Col(f"ci_{i}", "95% CI", "ratio_ci", (f"low_{i}", f"high_{i}")),
            Col(f"p_{i}", "p-value", "p_value_marked"),
        ]
        if ame:
            columns.append(Col(f"ame_{i}", "Marginal effect", "pp"))
    notes = [SIGNIFICANCE_NOTE]
    if ame:
        notes.append(
            "Marginal effect: the average difference in the chance of moving into work against the "
            "reference level, in percentage points."
        )
    for key, _label in present:
        notes += [n for n in pub.table(key).notes if not n.startswith(EXPLANATION_START)]
    return TableSpec(
        id=table_id, caption=caption, columns=columns, rows=out, notes=list(dict.fromkeys(notes))
    )


SIGNIFICANCE_NOTE = "‡ p < 0.05: conventionally called statistically significant."


# The dose-response models carry a plain-English explanation for commissioners as their last
# note; the section shows it once, as prose, rather than under every table.
EXPLANATION_START = "Why this differs from the published evaluation"


def _explanation(pub: PublishedEvaluation) -> str | None:
    for key in ("impact_hazard", "impact_landmark"):
        table = pub.table(key)
        for note in table.notes if table is not None else []:
            if note.startswith(EXPLANATION_START):
                return note
    return None


def _forest_items(pub: PublishedEvaluation, key: str, term: str) -> list[tuple[str, Any, Any, Any, bool]]:
    return [
        (
            str(r["level"]),
            r.get("odds_ratio"),
            r.get("or_ci_low"),
            r.get("or_ci_high"),
            bool(r.get("reference")),
        )
        for r in rows(pub, key, term=term)
    ]


def _exposure_terms(pub: PublishedEvaluation, key: str) -> list[str]:
    """Terms of a dose model that are about meetings (not controls, time or the intercept)."""
    terms: list[str] = []
    for r in rows(pub, key):
        if r.get("role", "exposure") == "exposure" and r["term"] not in terms and r["term"] != "(Intercept)":
            terms.append(r["term"])
    return terms


def _curves(pub: PublishedEvaluation, prefix: str) -> list[tuple[str, list[tuple[float, float]]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for r in rows(pub, f"{prefix}_curve"):
        g = str(r["group"])
        out.setdefault(g, [])
        if visible(r["in_work"]):  # hidden points (few job starts so far, or few at risk) are skipped
            out[g].append((float(r["day"]) / DAYS_PER_MONTH, r["in_work"]))
    return [(code_label("integration_strength", g) if g else g, pts) for g, pts in out.items()]


def _areas(pub: PublishedEvaluation) -> dict[str, Any] | None:
    table = pub.table("area_variation")
    if table is None:
        return None
    area_rows = rows(pub, "area_variation")
    spec = TableSpec(
        id="area-variation",
        caption="Job entry by area, observed and adjusted for who was referred",
        columns=[
            Col("local_authority", "Local authority", align="left"),
            Col("integration", "Integration", align="left"),
            Col("denominator", "Clients", "count"),
            Col("job_entries", "Job entries", "count"),
            Col(
                "rate",
                "Job entry rate (95% CI)",
                "pct_ci",
                ("job_entry_rate", "job_entry_ci_low", "job_entry_ci_high"),
            ),
            Col("expected_job_entries", "Expected", "number"),
            Col(
                "adjusted",
                "Adjusted rate (95% CI)",
                "pct_ci",
                ("adjusted_rate", "adjusted_ci_low", "adjusted_ci_high"),
            ),
            Col("funnel_95", "Funnel (95%)", align="left"),
            Col("adjusted_funnel_95", "Adjusted funnel (95%)", align="left"),
        ],
        rows=[
            {**r, "integration": code_label("integration_strength", r.get("integration_strength") or "")}
            for r in area_rows
        ],
        notes=list(table.notes),
    )
    overall = row(pub, "outcomes", breakdown="overall") or {}
    limits = [
        (r["n"], r["lower_95"], r["upper_95"], r["lower_998"], r["upper_998"])
        for r in rows(pub, "area_funnel_limits")
    ]
    points = [(r["local_authority"], r["denominator"], r["job_entry_rate"]) for r in area_rows]
    panel = None
    if pub.table("integration_panel") is not None:
        panel = TableSpec(
            id="integration-panel",
            caption="Strength of IPS integration into the drug and alcohol team",
            columns=[
                Col("label", "Integration", align="left"),
                Col("areas", "Areas", "count"),
                Col("referrals", "Referrals", "count"),
                Col("referrals_per_area", "Referrals per area", "number"),
                Col(
                    "rate",
                    "Job entry rate (95% CI)",
                    "pct_ci",
                    ("job_entry_rate", "job_entry_ci_low", "job_entry_ci_high"),
                ),
                Col("odds_ratio", "Adjusted OR", "ratio_or_ref"),
                Col("or_ci", "95% CI", "ratio_ci", ("or_ci_low", "or_ci_high")),
                Col("ame_pp", "Adjusted difference", "pp_points"),
                Col("p_value", "p-value", "p_value"),
            ],
            rows=[
                {**r, "label": code_label("integration_strength", r.get("integration_strength") or "")}
                for r in rows(pub, "integration_panel")
            ],
            notes=list(pub.table("integration_panel").notes),
        )
    return {
        "table": spec,
        "limits": limits,
        "points": points,
        "overall": overall.get("job_entry_rate"),
        "panel": panel,
        "gray": row(pub, "time_to_job_by_local_authority_gray"),
    }


def _comparison(pub: PublishedEvaluation) -> dict[str, Any] | None:
    found = [(key, row(pub, key, term="ips")) for key in ("comparison_ipw", "comparison_match")]
    found = [(k, r) for k, r in found if r is not None]
    if not found:
        return None
    table = TableSpec(
        id="comparison",
        caption="Effect of IPS on job entry against a comparison group (effect on the treated)",
        columns=[
            Col("method", "Method", align="left"),
            Col("estimate", "Effect", "pp"),
            Col("ci", "95% CI", "pp_ci", ("ci_low", "ci_high")),
            Col("treated_n", "IPS clients", "count"),
            Col("comparison_n", "Comparison", "count"),
            Col("e_value", "E-value", "number"),
        ],
        rows=[{"method": "Weighting (IPW)" if k.endswith("ipw") else "Matching", **r} for k, r in found],
    )
    balance = pub.table(f"{found[0][0]}_balance")
    return {
        "table": table,
        "notes": list(dict.fromkeys(n for k, _r in found for n in pub.table(k).notes)),
        "balance": balance.data if balance is not None and balance.data.height else None,
    }


def build(pub: PublishedEvaluation) -> dict[str, Any] | None:
    if not rows(pub, "analyses", section=ID, status="run"):
        return None  # nothing ran: the section lists why (see report.render_sections)
    controls = [characteristic_label(c) for c in pub.meta.settings.definitions.model_controls]
    published = regression_table(
        pub,
        "published-model",
        "Likelihood of moving into work by IPS meetings attended (reference: 1-4 meetings)",
        [
            ("impact_published_unadjusted", "Unadjusted"),
            ("impact_published_adjusted", "Adjusted"),
            ("impact_published_complete_case", "Complete cases"),
        ],
        terms=[MEETING_TERM],
        ame=True,
    )
    full_model = regression_table(
        pub,
        "published-model-full",
        "Published-style model: every term",
        [("impact_published_adjusted", "Adjusted")],
    )
    hazard_terms = _exposure_terms(pub, "impact_hazard")
    landmark_terms = _exposure_terms(pub, "impact_landmark")
    hazard = regression_table(
        pub, "hazard-model", "Primary analysis: chance of a first job by meetings before each period",
        [("impact_hazard", "Adjusted")], terms=hazard_terms,
    )  # fmt: skip
    landmark = regression_table(
        pub, "landmark-model", "Landmark analysis: job entry after the landmark by meetings before it",
        [("impact_landmark", "Adjusted")], terms=landmark_terms,
    )  # fmt: skip
    cox = regression_table(
        pub, "cox-model", "Time to first job: cause-specific Cox model (hazard ratios of a job start)",
        [("impact_cox", "Adjusted")], ratio=("hazard_ratio", "hr_ci_low", "hr_ci_high"), ratio_name="HR",
    )  # fmt: skip
    fine_gray = regression_table(
        pub, "fine-gray-model", "Sensitivity: Fine-Gray model (subdistribution hazard ratios of a job start)",
        [("impact_fine_gray", "Adjusted")], ratio=("hazard_ratio", "hr_ci_low", "hr_ci_high"), ratio_name="SHR",
    )  # fmt: skip
    prefix = "time_to_job_by_integration_strength"
    at = [
        {**r, "label": code_label("integration_strength", str(r["group"]))}
        for r in rows(pub, f"{prefix}_at")
        if r["months"] in (3, 6, 9, 12)
    ]
    at_table = (
        TableSpec(
            id="integration-at",
            caption="Share who had started a job by months since engagement, by integration strength",
            columns=[
                Col("label", "Integration", align="left"),
                Col("months", "Months", "count"),
                Col("at_risk", "Number at risk", "count"),
                Col(
                    "in_work",
                    "Share who had started a job (95% CI)",
                    "pct_ci",
                    ("in_work", "in_work_ci_low", "in_work_ci_high"),
                ),
            ],
            rows=at,
        )
        if at
        else None
    )
    return {
        "controls": controls,
        "published": published,
        "published_forest": _forest_items(pub, "impact_published_adjusted", MEETING_TERM),
        "published_notes": pub.table("impact_published_adjusted").notes
        if pub.table("impact_published_adjusted")
        else [],
        "full_model": full_model,
        "hazard": hazard,
        "explanation": _explanation(pub),
        "landmark": landmark,
        "curves": _curves(pub, prefix) if pub.table(f"{prefix}_curve") is not None else [],
        "at_table": at_table,
        "gray": row(pub, f"{prefix}_gray"),
        "cox": cox,
        "fine_gray": fine_gray,
        "areas": _areas(pub),
        "comparison": _comparison(pub),
    }
