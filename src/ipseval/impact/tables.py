"""Impact results as ResultTables, so model output passes through disclosure control like the rest.

A model's table counts people per level (``n``, and ``events`` where given): those are protected,
and every estimate for a level is guarded by that level's n, so an odds ratio for a band of three
clients is never shown. Model cards (N, events, clusters, SE type...) become one table too.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from ..results import ResultTable, RowsAddUp, SameCount
from .result import ImpactResult

_COUNT_COLUMNS = ("n", "events", "treated_n", "comparison_n")
_LABELS = ("term", "level", "reference")

CARD_FIELDS = ("outcome", "formula", "n", "events", "clusters", "se_type", "df", "imputations", "software")

TITLES = {
    "impact_published_adjusted": "Job entry by number of IPS meetings, adjusted (published-style model)",
    "impact_published_complete_case": "Published-style model, complete cases (sensitivity)",
    "impact_published_unadjusted": "Job entry by number of IPS meetings, unadjusted",
    "impact_hazard": "Primary analysis: monthly chance of a first job by recent IPS meetings",
    "impact_landmark": "Landmark analysis: job entry after 12 weeks by meetings before then",
    "impact_cox": "Time to first job: cause-specific Cox model with controls",
    "impact_fine_gray": "Time to first job: Fine-Gray model with controls (sensitivity)",
    "impact_integration_logit": "Job entry by integration strength, adjusted",
    "comparison_ipw": "Effect of IPS against a comparison group (weighting)",
    "comparison_match": "Effect of IPS against a comparison group (matching)",
}


def model_tables(models: dict[str, ImpactResult]) -> dict[str, ResultTable]:
    """Fitted models as ResultTables keyed for results.json (with a balance table where the model
    made one: comparison-group estimates)."""
    tables: dict[str, ResultTable] = {}
    for key, result in models.items():
        tables[key] = result_table(result, key, TITLES.get(key, key.replace("_", " ")))
        balance = result.extra.get("balance")
        if balance is not None:
            tables[f"{key}_balance"] = ResultTable(
                key=f"{key}_balance",
                title="Covariate balance before and after adjustment",
                data=balance,
                dims=[c for c in ("covariate", "level") if c in balance.columns],
                about_people=False,  # standardised differences, not counts of people
            )
    return tables


def result_table(result: ImpactResult, key: str, title: str) -> ResultTable:
    """One impact result as a ResultTable: counts protected, estimates guarded by their n."""
    df = result.table
    counts = [c for c in _COUNT_COLUMNS if c in df.columns]
    df = df.with_columns(pl.col(c).cast(pl.Int64) for c in counts)
    numeric = [
        c
        for c, dtype in df.schema.items()
        if c not in counts and c not in _LABELS and dtype.is_numeric() and c != "df"
    ]
    guard = "n" if "n" in counts else (counts[0] if counts else None)
    return ResultTable(
        key=key,
        title=title,
        data=df,
        dims=[c for c in _LABELS if c in df.columns],
        counts=counts,
        guarded=dict.fromkeys(numeric, guard) if guard else {},
        # a term's levels add up to the model's N (and events), which the model card publishes
        # a term's levels add up to the model's n (and events), which its model card publishes
        additive=[
            RowsAddUp(c, ("term",), of=(f"model_{c}", (f"={key}",)))
            for c in ("n", "events")
            if c in counts and "term" in df.columns
        ],
        shares=list(result.shares),
        columns={
            "term": "model term (variable)",
            "level": "category of a categorical term; blank for a numeric term",
            "reference": "true on the reference level (shown as Ref)",
            "estimate": "estimate on the model's own scale (log-odds, log-hazard, or probability for effects)",
            "std_error": "standard error of estimate",
            "ci_low": "95% interval, lower (estimate scale)",
            "ci_high": "95% interval, upper (estimate scale)",
            "p_value": "p-value",
            "n": "people in the level (or in the model, for a numeric term)",
            "odds_ratio": "exp(estimate) for a logit",
            "ame": "average marginal effect (probability; x100 = percentage points)",
            "hazard_ratio": "exp(estimate) for a hazard model",
            "sandwich_std_error": "Firth's fit only: CR1 clustered standard error at its estimates, for "
            "comparison (the intervals do not use it)",
        },
        notes=list(result.notes),
        model=True,  # a perturbed view shows it only for a model of enough people, without counts
    )


# Model card details that say how a model was fitted, never how many people: counts (units,
# person-periods, rows dropped, residual degrees of freedom, small-sample factors that contain n)
# stay internal; n and events are the card's own protected count columns.
PUBLISHED_DETAILS = (
    "areas_per_level", "cluster", "collapsed_levels", "controls", "converged", "exposure",
    "horizon_months", "imputation", "iterations", "landmark_weeks", "log_likelihood",
    "missing_controls", "model", "period_days", "pooling", "population", "reference_levels", "se",
    "se_factor", "ties", "time", "weights", "exposure_definition", "strata", "method",
    # comparison-group estimates
    "estimand", "bootstrap_mean", "analytic_se", "caliper", "trim", "missing", "ps_converged",
    "ps_terms", "covariates_without_variation", "risk_ratio", "e_value", "e_value_ci",
    "naive_difference", "balance", "seed",
    # Firth's fit after separation: which fit and which terms profiled (not which levels had all
    # or no job entries: with a level of one or two people that would tell their outcome)
    "fit", "profiled_terms", "penalised_log_likelihood",
)  # fmt: skip


def model_cards(results: dict[str, ImpactResult]) -> ResultTable:
    """One row per fitted model: what it is and how it was fitted (for the methods appendix)."""
    rows = []
    for key, r in results.items():
        card = {k: v for k, v in r.card.items() if k in (*CARD_FIELDS, *PUBLISHED_DETAILS)}
        row = {"model": key, "analysis": r.name}
        for f in CARD_FIELDS:
            v = card.pop(f, None)
            row[f] = (
                None
                if v is None
                else (
                    v
                    if isinstance(v, int | float) and f in ("n", "events", "clusters", "df", "imputations")
                    else str(v)
                )
            )
        row["details"] = json.dumps(card, default=str, sort_keys=True) if card else ""
        rows.append(row)
    schema = {
        "model": pl.Utf8,
        "analysis": pl.Utf8,
        "outcome": pl.Utf8,
        "formula": pl.Utf8,
        "n": pl.Int64,
        "events": pl.Int64,
        "clusters": pl.Int64,
        "se_type": pl.Utf8,
        "df": pl.Float64,
        "imputations": pl.Int64,
        "software": pl.Utf8,
        "details": pl.Utf8,
    }
    data = pl.DataFrame(
        [{k: (int(v) if schema[k] == pl.Int64 and v is not None else v) for k, v in r.items()} for r in rows],
        schema=schema,
    )
    return ResultTable(
        key="model_cards",
        title="Model cards",
        data=data,
        dims=["model", "analysis"],
        counts=["n", "events"],
        shares=[SameCount("n", "model_n", ("model",)), SameCount("events", "model_events", ("model",))],
        model=True,
        columns={
            "model": "key of the model's table in results.json",
            "formula": "the model in R formula notation",
            "n": "people (or person-periods) in the model",
            "events": "outcomes observed (e.g. job entries)",
            "clusters": "clusters for the standard errors (local authorities)",
            "se_type": "how standard errors were computed",
            "df": "degrees of freedom for t-based intervals",
            "imputations": "multiple imputations pooled by Rubin's rules (0 = complete cases)",
        },
    )


def publish_result(result: ImpactResult, key: str, title: str, policy) -> dict[str, Any]:
    """One fitted model as it may leave: its table and model card protected together as one
    release (see :func:`ipseval.disclosure.protect_release`), notes without counts of people.

    Returns ``{"analysis", "table" (rows, hidden cells '*'), "card", "notes", "disclosure"}``.
    """
    from ..disclosure import describe_policy, protect_release

    release = protect_release(
        {key: result_table(result, key, title), "model_cards": model_cards({key: result})}, policy
    )
    card_row = release["model_cards"].rows("*")[0]
    details = json.loads(card_row.pop("details") or "{}")
    card = {
        k: v for k, v in {**card_row, **details}.items() if k not in ("model", "analysis") and v is not None
    }
    return {
        "analysis": result.name,
        "table": release[key].rows("*"),
        "columns": list(release[key].data.columns),
        "card": card,
        "notes": list(release[key].notes),
        "disclosure": describe_policy(policy),
    }
