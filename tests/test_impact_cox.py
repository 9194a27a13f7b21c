"""The Cox engine (ipseval.impact.cox) against statsmodels PHReg(ties="efron"), the reference it replaced.

PHReg loops over subjects and failure times in Python; ours sums risk sets with cumulative sums. They
must agree to rounding on the estimates and the log partial likelihood, score and Hessian at any beta.
PHReg's score residuals are Breslow's, which at the Efron estimate do not sum to zero when times are
tied; ours are Efron-weighted as R's coxph (tests/test_reference_cox.py checks them against R on tied
data), so here they are compared with PHReg's only where the two coincide: without ties.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from statsmodels.duration.hazard_regression import PHReg

from ipseval.impact import cox, survival
from ipseval.impact.data import analysis_frame, controls
from ipseval.impact.result import AnalysisError


def tied_data(n: int = 1500, seed: int = 11, weeks: bool = True):
    """Whole-week times (a dozen distinct values, heavy ties), five strata, one of them without
    events, and a few clients censored at time 0 (before any failure: in no risk set).
    ``weeks=False``: continuous times instead (no ties), censored at time 0 all the same."""
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [rng.normal(size=n), rng.integers(0, 2, n), rng.integers(0, 3, n) + 40.0, rng.normal(5, 2, n)]
    )
    strata = rng.integers(0, 5, n)
    lp = X[:, 0] * 0.6 - 0.5 * X[:, 1] + 0.2 * (X[:, 2] - 41) + 0.3 * strata
    t, c = rng.exponential(30 * np.exp(-lp)) / 7, rng.uniform(0, 90, n) / 7
    if weeks:
        t, c = np.ceil(t), np.ceil(c)
    time, status = np.minimum(t, c), (t <= c).astype(float)
    status[strata == 4] = 0
    time[:15], status[:15] = 0.0, 0.0
    return time, status, X, strata


@pytest.fixture(scope="module")
def tied():
    time, status, X, strata = tied_data()
    ref = PHReg(time, X, status=status, strata=strata, ties="efron")
    return time, status, X, strata, ref, ref.fit()


def test_heavy_ties_and_strata_match_phreg(tied):
    time, status, X, strata, ref, ref_fit = tied
    assert np.unique(time).size < 20 and (status[strata == 4] == 0).all()
    model = cox.Efron(time, status, X, strata)
    fit = model.fit()
    assert fit.converged and fit.iterations < 10
    assert fit.params == pytest.approx(ref_fit.params, rel=1e-10, abs=1e-12)
    H = ref.hessian(fit.params)
    assert np.abs(fit.information + H).max() <= 1e-10 * np.abs(H).max()
    assert fit.loglik == pytest.approx(ref.loglike(fit.params), rel=1e-12)
    # away from the maximum too
    beta = np.array([0.3, -0.2, 0.1, 0.05])
    ll, score, info = model.evaluate(beta)
    assert ll == pytest.approx(ref.loglike(beta), rel=1e-12)
    assert score == pytest.approx(ref.score(beta), rel=1e-10, abs=1e-9)
    assert np.abs(info + ref.hessian(beta)).max() <= 1e-10 * np.abs(info).max()
    assert model.loglike(beta) == ll
    # strata as labels rather than codes
    assert cox.fit(time, status, X, strata.astype(str)).params == pytest.approx(fit.params, rel=1e-12)


def test_efron_score_residuals_sum_to_zero_and_group_sums_add_up(tied):
    time, status, X, strata, ref, _ = tied
    fit = cox.fit(time, status, X, strata)
    U = fit.score_residuals()
    # at the estimate they sum to the score, 0; PHReg's Breslow residuals do not under heavy ties
    scale = np.abs(U).sum(axis=0)
    assert np.abs(U.sum(axis=0)).max() <= 1e-10 * scale.max()
    assert (np.abs(np.nansum(ref.score_residuals(fit.params), axis=0)) > 1e-3 * scale).any()
    outside = (time == 0) | (strata == 4)  # censored at 0 or in the stratum without events
    assert outside.sum() > 0 and (U[outside] == 0).all()
    # summed by cluster without forming the residuals
    groups = np.random.default_rng(0).integers(0, 9, time.size)
    by_hand = np.zeros((9, X.shape[1]))
    np.add.at(by_hand, groups, U)
    assert np.abs(fit.score_residuals(groups, 9) - by_hand).max() <= 1e-10 * np.abs(by_hand).max()


def test_without_ties_residuals_and_sandwich_equal_phreg():
    # no tied times: Efron's residuals are Breslow's, so PHReg's residuals and its robust covariance
    # are a reference (its covariance is NaN when a residual is undefined, so nobody is censored
    # before their stratum's first event and every stratum has events)
    time, status, X, strata = tied_data(seed=4, weeks=False)
    first = {s: time[(strata == s) & (status == 1)].min() for s in range(4)}
    keep = (strata < 4) & (time >= np.array([first.get(s, np.inf) for s in strata]))
    time, status, X, strata = time[keep], status[keep], X[keep], strata[keep]
    assert np.unique(time).size == time.size
    groups = np.random.default_rng(1).integers(0, 12, time.size)
    model = PHReg(time, X, status=status, strata=strata, ties="efron")
    ref = model.fit(groups=groups)
    fit = cox.fit(time, status, X, strata)
    U = fit.score_residuals()
    theirs = model.score_residuals(fit.params)  # NaN: censored before the stratum's first event
    assert (U[np.isnan(theirs).any(axis=1)] == 0).all()
    assert np.abs(U - np.nan_to_num(theirs)).max() <= 1e-10 * np.abs(U).max()
    bread = np.linalg.inv(fit.information)
    meat = fit.score_residuals(groups, 12)
    cov = bread @ meat.T @ meat @ bread
    assert np.abs(cov - ref.cov_params()).max() <= 1e-9 * np.abs(cov).max()
    # fit_cox multiplies the standard errors by sqrt(G/(G-1))
    df = pl.DataFrame(
        {"days_followed": time, "job_entry": status.astype(int), "site": strata,
         "local_authority": [f"LA{g:02d}" for g in groups]}
    ).with_columns(*(pl.Series(f"x{j}", X[:, j]) for j in range(X.shape[1])))  # fmt: skip
    res = survival.fit_cox(df, [f"x{j}" for j in range(X.shape[1])], strata="site")
    assert res.table["estimate"].to_numpy() == pytest.approx(ref.params, rel=1e-9)
    assert res.table["std_error"].to_numpy() == pytest.approx(ref.bse * np.sqrt(12 / 11), rel=1e-8)


def test_unstratified_and_single_covariate():
    time, status, X, _ = tied_data(n=400, seed=2)
    ref = PHReg(time, X[:, :1], status=status, ties="efron")
    fit = cox.fit(time, status, X[:, 0])
    assert fit.params == pytest.approx(ref.fit().params, rel=1e-10)
    assert fit.information[0, 0] == pytest.approx(-ref.hessian(fit.params)[0, 0], rel=1e-10)
    assert abs(fit.score_residuals().sum()) <= 1e-10 * np.abs(fit.score_residuals()).sum()


def test_cox_model_on_the_demo_equals_phreg(demo_store):
    settings = demo_store.settings()
    res = survival.cox_model(demo_store, settings)
    frame = survival.with_integration(analysis_frame(demo_store, settings))
    terms = [t for t in controls(settings) if t != "local_authority"]
    d = survival.design(frame, terms)
    la = d.frame["local_authority"].to_numpy()
    ref = PHReg(
        d.frame["days_followed"].to_numpy().astype(float), d.X,
        status=d.frame["job_entry"].to_numpy().astype(float), strata=la, ties="efron",
    )  # fmt: skip
    ref_fit = ref.fit()
    est = res.table.filter(pl.col("estimate").is_not_null())
    assert est["estimate"].to_numpy() == pytest.approx(ref_fit.params, rel=1e-8, abs=1e-10)
    # the clustered sandwich by hand from the engine's Efron residuals and statsmodels' Hessian
    codes = np.unique(la, return_inverse=True)[1]
    fit = cox.fit(d.frame["days_followed"].to_numpy(), d.frame["job_entry"].to_numpy(), d.X, la)
    meat = np.zeros((codes.max() + 1, d.X.shape[1]))
    np.add.at(meat, codes, fit.score_residuals())
    bread = np.linalg.inv(ref.hessian(ref_fit.params))
    g = meat.shape[0]
    se = np.sqrt(np.diag(bread @ meat.T @ meat @ bread) * g / (g - 1))
    assert est["std_error"].to_numpy() == pytest.approx(se, rel=1e-8)
    assert "coxph" in res.card["software"] and "ipseval" in res.card["software"]


def _two_areas(x: np.ndarray, time: np.ndarray, status: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(
        {"days_followed": time, "job_entry": status, "x": x,
         "local_authority": np.where(np.arange(x.size) % 2, "A", "B")}
    )  # fmt: skip


def test_collinear_covariates_are_an_analysis_error():
    time, status, X, _ = tied_data(n=300, seed=5)
    df = _two_areas(X[:, 0], time, status.astype(int)).with_columns(x2=2 * pl.col("x") + 1)
    with pytest.raises(AnalysisError, match="collinear"):
        survival.fit_cox(df, ["x", "x2"])
    with pytest.raises(cox.CollinearError):
        cox.fit(time, status, np.column_stack([X[:, 0], X[:, 0]]))


def test_separation_is_an_analysis_error():
    # every client with x = 1 starts a job before anyone with x = 0 leaves: beta runs off to infinity
    x = np.r_[np.ones(40), np.zeros(40)]
    time = np.r_[np.arange(1.0, 41), np.full(40, 100.0)]
    status = np.r_[np.ones(40, int), np.zeros(40, int)]
    assert cox.fit(time, status, x).params[0] > 15  # where the likelihood is flat to rounding
    with pytest.raises(AnalysisError, match="did not converge"):
        survival.fit_cox(_two_areas(x, time, status), ["x"])
