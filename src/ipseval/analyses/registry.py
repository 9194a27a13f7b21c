"""Every analysis of an evaluation, in report order: one entry each (see :mod:`.contract`).

Adding an analysis is one entry here: ``compute`` walks this tuple, and the report, results.json,
the generated docs/results.md and the contract tests read it. Run functions are small adapters:
the statistics live in the domain modules they call.
"""

from __future__ import annotations

from .contract import Analysis, Context, Needs, Output

__all__ = ["REGISTRY", "by_key"]

# Job entry needs a denominator and at least one job; a model needs more to have anything to say.
MODEL = Needs(tables=("jobs",), min_denominator=20, min_job_entries=5, impact=True)
MODEL_MEETINGS = Needs(tables=("jobs", "meetings"), min_denominator=20, min_job_entries=5, impact=True)


def _outcomes(ctx: Context) -> Output:
    from .. import metrics

    return {"outcomes": metrics.outcomes(ctx.store)}


def _sustainment(ctx: Context) -> Output:
    from .. import metrics

    return {"sustainment": metrics.sustainment(ctx.store)}


def _meeting_bands(ctx: Context) -> Output:
    from .. import metrics

    return {"job_entry_by_meeting_band": metrics.meeting_bands(ctx.store, ctx.settings)}


def _time_to_job(ctx: Context) -> Output:
    from .. import metrics

    return metrics.time_to_job(ctx.store, ctx.settings)


def _profile(ctx: Context) -> Output:
    from .. import profile

    return {"profile": profile.profile(ctx.store)}


def _published(ctx: Context) -> Output:
    from ..impact.published import published_model
    from ..progress import Countdown

    s = ctx.settings
    found = published_model(
        ctx.store,
        s,
        m=s.impact.imputations,
        progress=Countdown(ctx.step, "impact: imputation"),
    )
    adjusted = found.get("published_mi") or found.get("published_complete_case")
    out = {
        "impact_published_adjusted": adjusted,
        "impact_published_complete_case": found.get("published_complete_case"),
        "impact_published_unadjusted": found.get("published_unadjusted"),
    }
    return {k: v for k, v in out.items() if v is not None}


def _hazard(ctx: Context) -> Output:
    from ..impact.dose import discrete_time_hazard

    return {"impact_hazard": discrete_time_hazard(ctx.store, ctx.settings)}


def _landmark(ctx: Context) -> Output:
    from ..impact.dose import landmark

    s = ctx.settings
    return {"impact_landmark": landmark(ctx.store, s, landmark_weeks=s.impact.landmark_weeks)}


def _by(column: str):
    def run(ctx: Context) -> Output:
        from ..impact.survival import time_to_job_by

        return time_to_job_by(ctx.store, ctx.settings, column)

    return run


def _cox(ctx: Context) -> Output:
    from ..impact.finegray import fine_gray_model
    from ..impact.survival import cox_model

    return {
        "impact_cox": cox_model(ctx.store, ctx.settings),
        "impact_fine_gray": fine_gray_model(ctx.store, ctx.settings),
    }


def _area_variation(ctx: Context) -> Output:
    from ..impact.areas import area_variation

    found = area_variation(ctx.store, ctx.settings)
    model = found.pop("area_expected_model", None)
    return {k: v for k, v in found.items() if v is not None} | (
        {"impact_area_expected": model} if model is not None else {}
    )


def _integration_panel(ctx: Context) -> Output:
    from ..impact.areas import integration_panel

    found = integration_panel(ctx.store, ctx.settings)
    model = found.get("integration_logit")
    return {"integration_panel": found["integration_panel"]} | (
        {"impact_integration_logit": model} if model is not None else {}
    )


def _comparison(ctx: Context) -> Output:
    from ..impact.compare import comparison_impact

    return comparison_impact(ctx.store, ctx.settings)


def _wellbeing(ctx: Context) -> Output:
    from ..wellbeing import wellbeing_tables

    return wellbeing_tables(ctx.store, ctx.settings)


def _fidelity(ctx: Context) -> Output:
    from ..fidelity import fidelity_tables

    return fidelity_tables(ctx.store, ctx.settings)


def _evidence(ctx: Context) -> Output:
    from ..fidelity import evidence_tables

    return evidence_tables(ctx.store, ctx.settings)


def _scorecard(ctx: Context) -> Output:
    from ..scorecard import scorecard_tables

    return scorecard_tables(ctx.store, ctx.settings)


def _interviews(ctx: Context) -> Output:
    from ..qualitative.evaluate import interview_tables

    return interview_tables(ctx.data_folder, ctx.store, ctx.settings)


def _a(key: str, title: str, section: str, needs: Needs, run, produces: tuple[str, ...], beside=False):
    return Analysis(key, title, section, needs, run, produces, beside)


REGISTRY: tuple[Analysis, ...] = (
    _a("outcomes", "Referrals, engagement and job outcomes", "outcomes", Needs(), _outcomes, ("outcomes",)),
    _a("sustainment", "Jobs sustained", "outcomes", Needs(tables=("jobs",)), _sustainment, ("sustainment",)),
    _a(
        "meeting_bands",
        "Job entry by number of IPS meetings",
        "outcomes",
        Needs(tables=("meetings",)),
        _meeting_bands,
        ("job_entry_by_meeting_band",),
    ),
    _a(
        "time_to_job",
        "Time from engagement to first job",
        "outcomes",
        Needs(tables=("jobs",), min_denominator=1),
        _time_to_job,
        ("time_to_job_curve", "time_to_job_at", "time_to_job_summary"),
    ),
    _a("profile", "Who the service supported", "profile", Needs(), _profile, ("profile",)),
    _a(
        "published_model",
        "Published-style model: job entry by IPS meetings with controls",
        "impact",
        MODEL_MEETINGS,
        _published,
        ("impact_published_*",),
        beside=True,
    ),
    _a(
        "hazard",
        "Primary analysis: monthly chance of a first job by recent meetings",
        "impact",
        MODEL_MEETINGS,
        _hazard,
        ("impact_hazard",),
        beside=True,
    ),
    _a(
        "landmark",
        "Landmark analysis: job entry after the landmark by meetings before it",
        "impact",
        MODEL_MEETINGS,
        _landmark,
        ("impact_landmark",),
        beside=True,
    ),
    _a(
        "time_to_job_by_integration",
        "Time to first job by integration strength",
        "impact",
        Needs(
            tables=("jobs", "areas"), columns=("areas.integration_strength",), min_denominator=1, impact=True
        ),
        _by("integration_strength"),
        ("time_to_job_by_integration_strength_*",),
        beside=True,
    ),
    _a(
        "time_to_job_by_area",
        "Time to first job by area",
        "impact",
        Needs(tables=("jobs",), min_denominator=1, impact=True),
        _by("local_authority"),
        ("time_to_job_by_local_authority_*",),
        beside=True,
    ),
    _a(
        "cox",
        "Time to first job: cause-specific Cox model with controls (Fine-Gray as a sensitivity)",
        "impact",
        MODEL,
        _cox,
        ("impact_cox", "impact_fine_gray"),
        True,
    ),
    _a(
        "area_variation",
        "Observed and expected job entries by area",
        "impact",
        Needs(tables=("jobs",), min_denominator=20, min_job_entries=1, min_areas=2, impact=True),
        _area_variation,
        ("area_variation", "area_funnel_limits", "impact_area_expected"),
        beside=True,
    ),
    _a(
        "integration_panel",
        "Strength of integration by area",
        "impact",
        Needs(tables=("jobs", "areas"), columns=("areas.integration_strength",), impact=True),
        _integration_panel,
        ("integration_panel", "impact_integration_logit"),
        beside=True,
    ),
    _a(
        "comparison",
        "Effect of IPS against a comparison group",
        "impact",
        Needs(tables=("comparison",), impact=True),
        _comparison,
        ("comparison_*",),
        beside=True,
    ),
    _a(
        "wellbeing",
        "Wellbeing and recovery",
        "wellbeing",
        Needs(tables=("wellbeing",)),
        _wellbeing,
        ("wellbeing_*",),
    ),
    _a(
        "fidelity",
        "Fidelity reviews (IPS-25)",
        "fidelity",
        Needs(tables=("fidelity",)),
        _fidelity,
        ("fidelity_*",),
    ),
    _a("evidence", "Fidelity: what the records show", "fidelity", Needs(), _evidence, ("evidence_*",)),
    _a("scorecard", "The four factors by area", "scorecard", Needs(), _scorecard, ("scorecard_*",)),
    _a(
        "interviews",
        "What staff and clients said",
        "qualitative",
        Needs(interviews=True),
        _interviews,
        ("qualitative_*",),
    ),
)


def by_key(key: str) -> Analysis:
    """The registered analysis ``key`` (KeyError if there is none)."""
    for a in REGISTRY:
        if a.key == key:
            return a
    raise KeyError(key)
