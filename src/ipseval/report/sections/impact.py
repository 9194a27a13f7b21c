"""Service impact: the primary (bias-aware) dose-response analysis first, drawn, with the
published-style model beside it and why it overstates; then time to job by integration, local
variation and the comparison group.

Selection only: rows come from protected tables; charts are drawn by the template from the rows
selected here, and the plain-English readings of the ratios come from :mod:`..impact_words`.
"""

from __future__ import annotations

from typing import Any

from ...evaluation import PublishedEvaluation
from ...labels import characteristic_label, code_label, in_sentence
from ...metrics import DAYS_PER_MONTH
from ..forest import ForestRow
from ..tables import Col, TableSpec
from . import row, rows, visible
from ._impact_areas import areas, comparison
from ._regression import MEETING_TERM, dose_explanation, regression_table

ID = "impact"
TITLE = "Service impact"

PER_MEETING_TERM = "recent_meetings"  # the primary analysis's exposure (registry: exposure 'recent')
LANDMARK_TERM = "landmark_band"


def _meetings(level: Any) -> str:
    """A band of meetings as a label: '5-9' -> '5–9 meetings'."""
    return f"{str(level).replace('-', '–')} meetings"


def _band_rows(pub: PublishedEvaluation, key: str, term: str) -> list[ForestRow]:
    return [
        ForestRow(_meetings(r["level"]), r.get("odds_ratio"), r.get("or_ci_low"), r.get("or_ci_high"),
                  bool(r.get("reference")))
        for r in rows(pub, key, term=term)
    ]  # fmt: skip


def _not_run(pub: PublishedEvaluation, *keys: str) -> list[str]:
    """Titles of the analyses behind these tables that did not run (the section lists why at its
    end, see report.render_sections), to say so where their chart would be."""
    from ...analyses import REGISTRY, declared

    return [a.title for key in keys if pub.table(key) is None for a in REGISTRY if declared(a, key)]


def _span(days: int) -> str:
    return "four weeks" if days == 28 else f"{days} days"


def _adjusted_for(pub: PublishedEvaluation) -> str:
    """What the primary analysis allows for, in words (its controls come from the settings)."""
    names = [in_sentence(characteristic_label(c)) for c in pub.meta.settings.definitions.model_controls]
    such_as = f", such as {', '.join(names[:2])} and {names[2]}" if len(names) > 3 else ""
    recorded = f" and {len(names)} recorded characteristics{such_as}" if names else ""
    return f"how long clients had been with the service{recorded}"


def _primary(pub: PublishedEvaluation) -> dict[str, Any]:
    """The primary analysis's chart rows: the odds ratio per recent meeting, then the landmark bands."""
    weeks = pub.meta.settings.impact.landmark_weeks
    span = _span(pub.meta.settings.impact.period_days)
    per_meeting = row(pub, "impact_hazard", term=PER_MEETING_TERM)
    bands = _band_rows(pub, "impact_landmark", LANDMARK_TERM)
    chart: list[ForestRow] = []
    if per_meeting is not None:
        chart += [
            ForestRow("Recent meetings", heading=True),
            ForestRow("Each extra meeting", per_meeting.get("odds_ratio"), per_meeting.get("or_ci_low"),
                      per_meeting.get("or_ci_high")),
        ]  # fmt: skip
    if bands:
        chart += [ForestRow(f"By week {weeks} (landmark)", heading=True), *bands]
    return {
        "chart": chart,
        "per_meeting": per_meeting,
        "bands": [b for b in bands if not b.reference],
        "reference": next((b.label for b in bands if b.reference), ""),
        "weeks": weeks,
        "span": span,
        "adjusted_for": _adjusted_for(pub),
        "not_run": _not_run(pub, "impact_hazard", "impact_landmark"),
    }


def _published(pub: PublishedEvaluation) -> dict[str, Any]:
    """The published-style model's chart rows: adjusted odds ratios by band of all meetings."""
    bands = _band_rows(pub, "impact_published_adjusted", MEETING_TERM)
    return {
        "chart": bands,
        "bands": [b for b in bands if not b.reference],
        "reference": next((b.label for b in bands if b.reference), ""),
        "not_run": _not_run(pub, "impact_published_adjusted"),
    }


def _curves(pub: PublishedEvaluation, prefix: str) -> list[tuple[str, list[tuple[float, float]]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for r in rows(pub, f"{prefix}_curve"):
        g = str(r["group"])
        out.setdefault(g, [])
        if visible(r["in_work"]):  # hidden points (few job starts so far, or few at risk) are skipped
            out[g].append((float(r["day"]) / DAYS_PER_MONTH, r["in_work"]))
    return [(code_label("integration_strength", g) if g else g, pts) for g, pts in out.items()]


def _at_table(pub: PublishedEvaluation, prefix: str) -> TableSpec | None:
    at = [
        {**r, "label": code_label("integration_strength", str(r["group"]))}
        for r in rows(pub, f"{prefix}_at")
        if r["months"] in (3, 6, 9, 12)
    ]
    if not at:
        return None
    return TableSpec(
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


def _exposure_terms(pub: PublishedEvaluation, key: str) -> list[str]:
    """Terms of a dose model that are about meetings (not controls, time or the intercept)."""
    terms: list[str] = []
    for r in rows(pub, key):
        if r.get("role", "exposure") == "exposure" and r["term"] not in terms and r["term"] != "(Intercept)":
            terms.append(r["term"])
    return terms


def _model_tables(pub: PublishedEvaluation, reference: str) -> dict[str, TableSpec | None]:
    """The regression tables behind the two charts, and the time-to-job models."""
    published = regression_table(
        pub, "published-model",
        f"Likelihood of moving into work by IPS meetings attended (reference: {reference or 'first band'})",
        [("impact_published_unadjusted", "Unadjusted"), ("impact_published_adjusted", "Adjusted"),
         ("impact_published_complete_case", "Complete cases")],
        terms=[MEETING_TERM], ame=True,
    )  # fmt: skip
    hazard = regression_table(
        pub, "hazard-model", "Primary analysis: chance of a first job by meetings before each period",
        [("impact_hazard", "Adjusted")], terms=_exposure_terms(pub, "impact_hazard"),
    )  # fmt: skip
    landmark = regression_table(
        pub, "landmark-model", "Landmark analysis: job entry after the landmark by meetings before it",
        [("impact_landmark", "Adjusted")], terms=_exposure_terms(pub, "impact_landmark"),
    )  # fmt: skip
    cox = regression_table(
        pub, "cox-model", "Time to first job: cause-specific Cox model (hazard ratios of a job start)",
        [("impact_cox", "Adjusted")], ratio=("hazard_ratio", "hr_ci_low", "hr_ci_high"), ratio_name="HR",
    )  # fmt: skip
    fine_gray = regression_table(
        pub, "fine-gray-model", "Sensitivity: Fine-Gray model (subdistribution hazard ratios of a job start)",
        [("impact_fine_gray", "Adjusted")], ratio=("hazard_ratio", "hr_ci_low", "hr_ci_high"), ratio_name="SHR",
    )  # fmt: skip
    return {
        "published_table": published, "hazard": hazard, "landmark": landmark, "cox": cox, "fine_gray": fine_gray,
    }  # fmt: skip


def build(pub: PublishedEvaluation) -> dict[str, Any] | None:
    """The section's values: the two dose-response charts' rows first, then the tables and panels."""
    if not rows(pub, "analyses", section=ID, status="run"):
        return None  # nothing ran: the section lists why (see report.render_sections)
    published = _published(pub)
    prefix = "time_to_job_by_integration_strength"
    return {
        "controls": [characteristic_label(c) for c in pub.meta.settings.definitions.model_controls],
        "primary": _primary(pub),
        "published": published,
        **_model_tables(pub, published["reference"]),
        "explanation": dose_explanation(pub),
        "curves": _curves(pub, prefix) if pub.table(f"{prefix}_curve") is not None else [],
        "at_table": _at_table(pub, prefix),
        "gray": row(pub, f"{prefix}_gray"),
        "areas": areas(pub),
        "comparison": comparison(pub),
    }
