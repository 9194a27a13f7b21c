"""The Cox engine against R's survival::coxph(ties = "efron") on the Rossi recidivism data.

tests/reference/cox.R fits Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, and the
same with wexp as strata; it writes the coefficients, the model SE (inverse information), the robust
SE (``robust = TRUE``), the clustered SE (``cluster = id %% 20``, no small-sample factor) and the
Efron score residuals. Everything here is deterministic, so the comparison is to 1e-8.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ipseval.impact import cox, survival

REF = Path(__file__).parent / "reference"
TERMS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
FITS = {"plain": (TERMS, None), "strata": ([t for t in TERMS if t != "wexp"], "wexp")}


@pytest.fixture(scope="module")
def rossi() -> pl.DataFrame:
    frame = pl.read_csv(REF / "data" / "rossi.csv")
    # the cluster R used (id %% 20), as a label column for fit_cox
    return frame.with_columns(cluster=pl.format("c{}", pl.col("id") % 20))


def _expected(name: str, part: str) -> pl.DataFrame:
    return pl.read_csv(REF / "expected" / f"cox_{name}_{part}.csv", infer_schema_length=None)


def _fit(rossi: pl.DataFrame, name: str) -> cox.CoxFit:
    terms, strata = FITS[name]
    X = rossi.select(terms).to_numpy().astype(float)
    by = None if strata is None else rossi[strata].to_numpy()
    return cox.fit(rossi["week"].to_numpy(), rossi["arrest"].to_numpy(), X, by)


@pytest.mark.parametrize("name", FITS)
def test_coefficients_model_se_and_loglik_equal_r(rossi, name):
    fit, ref = _fit(rossi, name), _expected(name, "coefficients")
    assert ref["term"].to_list() == FITS[name][0]
    assert fit.params == pytest.approx(ref["estimate"].to_numpy(), rel=1e-8)
    se = np.sqrt(np.diag(np.linalg.inv(fit.information)))
    assert se == pytest.approx(ref["std_error"].to_numpy(), rel=1e-8)
    assert fit.loglik == pytest.approx(ref["loglik"][0], rel=1e-10)


@pytest.mark.parametrize("name", FITS)
def test_efron_score_residuals_equal_r_and_sum_to_zero(rossi, name):
    fit = _fit(rossi, name)
    U = fit.score_residuals()
    ref = _expected(name, "score_residuals").select(FITS[name][0]).to_numpy()
    assert np.abs(U - ref).max() <= 1e-8 * np.abs(ref).max()
    # at the estimate the residuals sum to the score, 0 (Breslow residuals at the Efron estimate
    # did not: age +0.41, prio -0.47)
    assert np.abs(U.sum(axis=0)).max() <= 1e-8


@pytest.mark.parametrize("name", FITS)
def test_robust_and_clustered_se_equal_r(rossi, name):
    terms, strata = FITS[name]
    ref = _expected(name, "coefficients")
    robust = survival.fit_cox(rossi, terms, "week", "arrest", cluster=None, strata=strata, se="robust")
    assert robust.table["std_error"].to_numpy() == pytest.approx(ref["robust_se"].to_numpy(), rel=1e-8)
    clustered = survival.fit_cox(rossi, terms, "week", "arrest", cluster="cluster", strata=strata)
    g = clustered.card["clusters"]
    assert g == 20
    # fit_cox multiplies by sqrt(G/(G-1)) (CR1); R's coxph does not
    raw = clustered.table["std_error"].to_numpy() / np.sqrt(g / (g - 1))
    assert raw == pytest.approx(ref["cluster_se"].to_numpy(), rel=1e-8)
    assert clustered.table["estimate"].to_numpy() == pytest.approx(ref["estimate"].to_numpy(), rel=1e-8)
