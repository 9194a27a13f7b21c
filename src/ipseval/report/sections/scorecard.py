"""The four factors of an effective service side by side per area (integration, fidelity, employer
engagement, specialist practice) beside each area's job entry rate, and fidelity against job entry.

Areas run across the table and the measures down it, grouped by factor: eight areas read better
as columns than forty measures would. Cells are written with the shared formatters of
:mod:`..format` (one formatter per row, so here rather than per column); the chart is drawn by
:mod:`..scorecard_charts`, reached from the template as ``section.charts``.
"""

from __future__ import annotations

from typing import Any

from ...benchmarks import fidelity_bands_in_words, percent, short_source
from ...evaluation import PublishedEvaluation
from .. import picture_charts
from .. import scorecard_charts as charts
from ..format import FORMATTERS, is_hidden
from ..tables import Col, TableSpec
from . import row, rows

__all__ = ["ID", "TITLE", "build", "charts", "pictures"]
pictures = picture_charts  # the integration picture, reached from the template as section.pictures

ID = "scorecard"
TITLE = "Four factors of an effective service"

OLD_REVIEW_DAYS = 365  # a latest review older than this at the data cut is pointed out
_WORDS = {"strong": "Strong", "moderate": "Moderate", "weak": "Weak"}
_BANDS = {"exemplary": "Exemplary", "good": "Good", "fair": "Fair", "not_ips": "Not IPS"}

# (factor, [(label, formatter, fields)]); formatter "word" maps codes and yes/no to words
MEASURES: list[tuple[str, list[tuple[str, str, tuple[str, ...]]]]] = [
    (
        "Integration with drug and alcohol treatment",
        [
            ("How well IPS is integrated", "word", ("integration_strength",)),
            ("Specialists based in treatment service", "word", ("co_located",)),
            ("Referrals from drug and alcohol service", "pct0", ("share_from_treatment",)),
        ],
    ),
    (
        "Fidelity to IPS (latest review)",
        [
            ("IPS-25 total (of 125)", "count", ("fidelity_total",)),
            ("Band", "band", ("fidelity_band",)),
            ("Year of the review", "year", ("fidelity_review_date",)),
        ],
    ),
    (
        "Employer engagement (last 12 months)",
        [
            ("Employer contacts per FTE a week", "number", ("contacts_per_fte_week",)),
            ("Of which face to face", "pct0", ("f2f_share",)),
            ("Job starts with different employers", "pct0", ("employer_diversity",)),
        ],
    ),
    (
        "Specialist practice",
        [
            ("Caseload per FTE specialist", "number", ("caseload_per_fte",)),
            ("Meetings per client, 3 months from engagement", "number", ("meetings_per_client_3m",)),
            ("Median days, referral to first meeting", "stat", ("median_days_to_first_meeting",)),
        ],
    ),
    (
        "Job entry (everyone referred)",
        [
            ("Job entry rate", "pct", ("job_entry_rate",)),
            ("95% CI", "ci0", ("job_entry_ci_low", "job_entry_ci_high")),
            ("Job entries of denominator", "n_of", ("job_entries", "denominator")),
        ],
    ),
]


def _cell(fmt: str, *values: Any) -> str:
    """One cell written by the shared formatters ('*' hidden, '–' missing)."""
    if fmt in ("word", "band"):
        v = values[0]
        if v is None or is_hidden(v):
            return FORMATTERS["text"](v)
        if isinstance(v, bool):
            return "Yes" if v else "No"
        return (_WORDS if fmt == "word" else _BANDS).get(v, str(v))
    if fmt == "year":  # the year alone keeps the column narrow; an old review stands out
        v = values[0]
        return FORMATTERS["text"](v if v is None or is_hidden(v) else str(v)[:4])
    if fmt == "pct0":
        return FORMATTERS["pct"](values[0], 0)
    if fmt == "ci0":
        return FORMATTERS["ci"](*values, 0)
    if fmt == "n_of" and all(v is None for v in values):
        return FORMATTERS["text"](None)
    return FORMATTERS[fmt](*values)


def _notes(pub: PublishedEvaluation, key: str) -> list[str]:
    t = pub.table(key)
    return list(t.notes) if t else []


def factor_table(pub: PublishedEvaluation) -> TableSpec | None:
    """Measures down, areas across (all areas last), grouped by factor."""
    areas = rows(pub, "scorecard_areas", breakdown="local_authority")
    if not areas:
        return None
    cols = [*areas, *rows(pub, "scorecard_areas", breakdown="overall")]
    out: list[dict[str, Any]] = []
    for factor, measures in MEASURES:
        # a single space: a heading row's cells are blank, not missing ('–')
        out.append({"label": factor, "_strong": True, **{f"a{i}": " " for i in range(len(cols))}})
        for label, fmt, fields in measures:
            cells = {f"a{i}": _cell(fmt, *(c[f] for f in fields)) for i, c in enumerate(cols)}
            out.append({"label": label, "_indent": 1, **cells})
    return TableSpec(
        id="scorecard-areas",
        caption="The four factors by area, with job entry",
        columns=[
            Col("label", "", align="left"),
            *(Col(f"a{i}", c["local_authority"], "text", align="center") for i, c in enumerate(cols)),
        ],
        rows=out,
        # the section's text names the areas without a review
        notes=[
            n for n in _notes(pub, "scorecard_areas") if not n.startswith("No scored fidelity review for")
        ],
    )


def scatter(pub: PublishedEvaluation) -> dict[str, Any] | None:
    """The chart's points (areas with a fidelity total and a job entry rate) and the correlation."""
    found = rows(pub, "scorecard_areas", breakdown="local_authority", in_correlation=True)
    if not found:
        return None
    overall = row(pub, "scorecard_areas", breakdown="overall") or {}
    corr = row(pub, "scorecard_correlation") or {}
    notes = _notes(pub, "scorecard_correlation")
    return {
        "points": [
            (
                r["local_authority"],
                r["fidelity_total"],
                r["job_entry_rate"],
                r["job_entry_ci_low"],
                r["job_entry_ci_high"],
            )
            for r in found
        ],
        "not_shown": [r["local_authority"] for r in found if is_hidden(r["job_entry_rate"])],
        "reference": overall.get("job_entry_rate"),
        "cuts": pub.meta.settings.benchmarks.fidelity_cuts,
        "corr": corr,
        "caveat": notes[0] if notes else "",
        "method": notes[1:],
    }


_ORDER = {"strong": 0, "moderate": 1, "weak": 2}


def integration_picture(areas: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """(area, integration strength) for the dot picture, strongest first, then by name; empty when
    no area's strength is recorded."""
    if all(a["integration_strength"] is None for a in areas):
        return []
    ranked = sorted(
        areas, key=lambda a: (_ORDER.get(str(a["integration_strength"]), 3), a["local_authority"])
    )
    return [(a["local_authority"], a["integration_strength"]) for a in ranked]


def build(pub: PublishedEvaluation) -> dict[str, Any] | None:
    table = factor_table(pub)
    if table is None:
        return None
    areas = rows(pub, "scorecard_areas", breakdown="local_authority")
    old = [
        (r["local_authority"], r["fidelity_review_date"])
        for r in areas
        if r["fidelity_review_age_days"] is not None and r["fidelity_review_age_days"] > OLD_REVIEW_DAYS
    ]
    return {
        "table": table,
        "old_reviews": old,
        "no_review": [
            r["local_authority"]
            for r in areas
            if r["fidelity_total"] is None and any(a["fidelity_total"] is not None for a in areas)
        ],
        "scatter": scatter(pub),
        "benchmarks": benchmarks(pub),
        "integration": integration_picture(areas),
    }


def benchmarks(pub: PublishedEvaluation) -> dict[str, Any]:
    """The national benchmarks the table's fidelity band and job entry rate are read against."""
    b = pub.meta.settings.benchmarks
    return {
        "bands": fidelity_bands_in_words(b.fidelity_cuts),
        "bands_source": short_source(b.fidelity_bands_source),
        "job_entry": percent(b.job_entry_rate),
        "job_entry_source": short_source(b.job_entry_rate_source),
    }
