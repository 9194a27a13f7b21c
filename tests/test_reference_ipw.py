"""Propensity score weighting (ipseval.impact.compare, method "ipw") against R on lalonde.

Reference: tests/reference/ipw.R: glm propensity score, min-max common support, odds weights, the
ATT, its sandwich SE from the influence function (sandwich::estfun and bread of the propensity
model carried through the weights), standardised differences and variance ratios before and after,
Kish's effective n and the E-value (VanderWeele & Ding). Deterministic: tolerance 1e-8.

The bootstrap interval is Monte Carlo and is not compared (2 replicates keep the test fast).
"""

from __future__ import annotations

import polars as pl
import pytest

from ipseval.impact.compare import compare
from reference_helpers import assert_close, read_data, read_expected

COVARIATES = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


@pytest.fixture(scope="module")
def fits() -> dict:
    data = read_data("lalonde.csv").with_columns(employed78=(pl.col("re78") > 0).cast(pl.Int64))
    return {
        outcome: compare(data, "treat", outcome, COVARIATES, method="ipw", bootstrap_reps=2)
        for outcome in ("re78", "employed78")
    }


@pytest.mark.parametrize("outcome", ["re78", "employed78"])
def test_att(fits, outcome):
    """ATT, treated and counterfactual means, analytic (sandwich) SE, group sizes in support,
    effective n of the comparison weights, naive difference; risk ratio and E-value for the 0/1
    outcome. Against ipw.R's by-hand M-estimation; 1e-8."""
    r = read_expected("ipw_att.csv").filter(pl.col("outcome") == outcome)
    row = fits[outcome].table
    for c in (
        "estimate", "treated_risk", "counterfactual_risk", "std_error_analytic", "treated_n", "comparison_n",
        "comparison_ess", "naive_estimate", "risk_ratio", "e_value",
    ):  # fmt: skip
        assert_close(row[c], r[c], f"{outcome} {c}")


def test_balance(fits):
    """Standardised differences and variance ratios before and after weighting, per covariate
    level and for the logit propensity score, against ipw.R; 1e-8."""
    r = read_expected("ipw_balance.csv").with_columns(pl.col("level").fill_null(""))
    ours = fits["re78"].extra["balance"]
    joined = r.join(ours, on=["covariate", "level"], how="left", suffix="_ipseval")
    assert ours.height == r.height
    for c in ("smd_before", "smd_after", "var_ratio_before", "var_ratio_after"):
        assert_close(joined[f"{c}_ipseval"], joined[c], c)
