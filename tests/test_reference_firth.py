"""Firth's penalised-likelihood logit against R (tests/reference/firth.R).

Estimates and standard errors: brglm2 ``brglmFit(type = "AS_mean")``, converged to epsilon 1e-12.
Profile penalised-likelihood 95% intervals and likelihood-ratio p-values: a base-R implementation
(Newton steps with a numerical Jacobian, uniroot to 1e-11); ours stop Brent/Newton at 1e-9 in
the bound, so bounds are compared to 1e-6.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ipseval.impact.flat import SeparationError, logit

REFERENCE = Path(__file__).parent / "reference"
MROZ_TERMS = ["k5", "k618", "age", "wc", "hc", "lwg", "inc", "high_wage"]
DEMO_TERMS = ["meeting_band", "sex", "age", "criminal_conviction", "gp_visit_recent"]


def _fit(name: str, outcome: str, terms: list[str], method: str = "firth", **kw):
    data = pl.read_csv(REFERENCE / "data" / f"{name}.csv")
    return logit(data, outcome, terms, se="model", method=method, **kw)


def _compare(result, expected_name: str) -> None:
    expected = pl.read_csv(REFERENCE / "expected" / f"firth_{expected_name}.csv")
    ours = result.table.filter(~pl.col("reference")).with_columns(
        (pl.col("term") + pl.col("level")).alias("name")
    )
    joined = expected.join(ours, left_on="term", right_on="name", how="left", suffix="_py")
    assert joined.height == ours.height == expected.height
    for col, tol in [("estimate", 1e-8), ("std_error", 1e-8), ("ci_low", 1e-6), ("ci_high", 1e-6)]:
        np.testing.assert_allclose(joined[f"{col}_py"], joined[col], rtol=0, atol=tol, err_msg=col)
    np.testing.assert_allclose(joined["p_value_py"], joined["p_value"], rtol=1e-6, atol=1e-12)
    assert result.card["penalised_log_likelihood"] == pytest.approx(expected["penalised_loglik"][0], abs=1e-8)
    # R's logLik of a brglmFit agrees only to about 1e-8 (the estimates agree to 1e-14)
    assert result.card["log_likelihood"] == pytest.approx(expected["loglik"][0], abs=1e-7)


def test_mroz_with_separation_matches_brglm2():
    with pytest.raises(SeparationError):  # high_wage = 1 only in the labour force: no ML estimate
        _fit("mroz_separated", "lfp", MROZ_TERMS, method="ml")
    result = _fit("mroz_separated", "lfp", MROZ_TERMS, method="auto")
    assert result.card["fit"] == "firth"
    _compare(result, "mroz")


def test_demo_frame_with_separation_matches_brglm2():
    with pytest.raises(SeparationError):  # one client with sex 'other', who found work
        _fit("firth_demo", "job_entry", DEMO_TERMS, method="ml")
    result = _fit("firth_demo", "job_entry", DEMO_TERMS, method="auto", reference={"sex": "female"})
    assert result.card["fit"] == "firth"
    assert result.card["separated_levels"] == ["sex = 'other'"]
    _compare(result, "demo")
