"""Run every impact analysis the data allow, as part of an evaluation.

Each analysis is independent: one that cannot be fitted on these data (too few clusters, no
events, separation) is recorded with its reason in ``impact_not_run`` instead of stopping the
evaluation. Model output becomes ResultTables so disclosure control covers it like every table.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from ..results import ResultTable
from ..settings import Settings
from ..store import Store
from .result import AnalysisError, ImpactResult
from .tables import model_cards, result_table

Step = Callable[[str], None]

TITLES = {
    "impact_published_adjusted": "Job entry by number of IPS meetings, adjusted (published-style model)",
    "impact_published_complete_case": "Published-style model, complete cases (sensitivity)",
    "impact_published_unadjusted": "Job entry by number of IPS meetings, unadjusted",
    "impact_hazard": "Primary analysis: monthly chance of a first job by recent IPS meetings",
    "impact_landmark": "Landmark analysis: job entry after 12 weeks by meetings before then",
    "impact_cox": "Time to first job: Cox model with controls",
    "impact_integration_logit": "Job entry by integration strength, adjusted",
    "comparison_ipw": "Effect of IPS against a comparison group (weighting)",
    "comparison_match": "Effect of IPS against a comparison group (matching)",
}


def _attempt(name: str, fn: Callable[[], object], skipped: list[dict[str, str]]) -> object | None:
    try:
        return fn()
    except AnalysisError as e:
        skipped.append({"analysis": name, "reason": str(e)})
        return None


def impact_tables(store: Store, settings: Settings, step: Step | None = None) -> dict[str, ResultTable]:
    """Every impact analysis the data allow, as ResultTables keyed for results.json."""
    step = step or (lambda _name: None)
    present = set(store.tables_present)
    if "jobs" not in present:
        return {}
    results: dict[str, ImpactResult] = {}
    tables: dict[str, ResultTable] = {}
    skipped: list[dict[str, str]] = []

    if "meetings" in present:
        from .dose import discrete_time_hazard, landmark
        from .published import published_model

        step("impact: published-style model")
        published = _attempt(
            "published-style model",
            lambda: published_model(
                store,
                settings,
                m=settings.impact.imputations,
                progress=lambda i, n: step(f"impact: imputation {i} of {n}"),
            ),
            skipped,
        )
        if published:
            adjusted = published.get("published_mi") or published.get("published_complete_case")
            for key, result in (
                ("impact_published_adjusted", adjusted),
                ("impact_published_complete_case", published.get("published_complete_case")),
                ("impact_published_unadjusted", published.get("published_unadjusted")),
            ):
                if result is not None:
                    results[key] = result
        step("impact: dose-response without the built-in biases")
        hazard = _attempt("discrete-time hazard", lambda: discrete_time_hazard(store, settings), skipped)
        if hazard is not None:
            results["impact_hazard"] = hazard
        mark = _attempt(
            "landmark analysis",
            lambda: landmark(store, settings, landmark_weeks=settings.impact.landmark_weeks),
            skipped,
        )
        if mark is not None:
            results["impact_landmark"] = mark

    from . import areas, survival

    step("impact: time to job by group")
    if "areas" in present:
        by_integration = _attempt(
            "time to job by integration strength",
            lambda: survival.time_to_job_by(store, settings, "integration_strength"),
            skipped,
        )
        tables |= by_integration or {}
    by_area = _attempt(
        "time to job by area", lambda: survival.time_to_job_by(store, settings, "local_authority"), skipped
    )
    tables |= by_area or {}
    cox = _attempt("Cox model", lambda: survival.cox_model(store, settings), skipped)
    if cox is not None:
        results["impact_cox"] = cox

    step("impact: areas and integration")
    variation = _attempt("area variation", lambda: areas.area_variation(store, settings), skipped)
    if variation:
        tables |= {k: v for k, v in variation.items() if isinstance(v, ResultTable)}
        if variation.get("area_expected_model") is not None:
            results["impact_area_expected"] = variation["area_expected_model"]
    if "areas" in present:
        panel = _attempt("integration panel", lambda: areas.integration_panel(store, settings), skipped)
        if panel:
            tables["integration_panel"] = panel["integration_panel"]
            if panel.get("integration_logit") is not None:
                results["impact_integration_logit"] = panel["integration_logit"]

    if "comparison" in present:
        from .compare import comparison_impact

        step("impact: comparison group")
        comparison = _attempt("comparison group", lambda: comparison_impact(store, settings), skipped) or {}
        for key, result in comparison.items():
            results[key] = result
            if "balance" in result.extra:
                tables[f"{key}_balance"] = ResultTable(
                    key=f"{key}_balance",
                    title="Covariate balance before and after adjustment",
                    data=result.extra["balance"],
                    dims=[c for c in ("covariate", "level") if c in result.extra["balance"].columns],
                    about_people=False,  # standardised differences, not counts of people
                )

    for key, result in results.items():
        tables[key] = result_table(result, key, TITLES.get(key, key.replace("_", " ")))
    if results:
        tables["model_cards"] = model_cards(results)
    tables["impact_not_run"] = ResultTable(
        key="impact_not_run",
        title="Impact analyses that could not be run on these data",
        data=pl.DataFrame(skipped, schema={"analysis": pl.Utf8, "reason": pl.Utf8}),
        dims=["analysis", "reason"],
        about_people=False,
    )
    return tables
