"""Restricted wild cluster score bootstrap (WCR) for the logit engine's p-values and 95% CIs.

Kline & Santos (2012), as Stata ``boottest`` after ML: per coefficient the model is refitted with
the null imposed, cluster scores are multiplied by Webb six-point weights, and the bootstrap t
uses a CR1 variance of the linearised refit (exactly WCR for OLS). CIs invert the test by
bisection with the same draws. Webb, because for G=8 Rademacher has only 2^8 = 256 draws (128
distinct |t|); restricted, because it controls size best with few clusters (MacKinnon & Webb 2018).
It works on the dense matrix: meant for the tens of thousands of rows a bootstrap can afford.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import special

from ..distributions import t_ppf
from .design import Design

_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def wild_cluster_bootstrap(design: Design, beta, cov, ssf, reps, seed, progress):
    """WCR score bootstrap p-values and test-inversion 95% CIs (columns p, low, high) per coefficient."""
    order = np.argsort(design.groups, kind="stable")
    X, y, g = design.dense()[order], design.y[order], design.groups[order]
    w = np.ones(len(y)) if design.w is None else design.w[order]
    bounds = np.flatnonzero(np.r_[True, g[1:] != g[:-1], True])
    slices = [slice(a, b) for a, b in itertools.pairwise(bounds)]
    rng = np.random.default_rng(seed)
    V = np.vstack([np.ones(len(slices)), _WEBB[rng.integers(0, 6, size=(reps, len(slices)))]])
    k_all = X.shape[1]

    def stats_at(k, b, start):
        bt = start.copy()
        bt[k] = b
        free = np.arange(k_all) != k

        def loglik(b_):
            eta = X @ b_
            return w @ (y * eta - np.logaddexp(0.0, eta))

        ll = loglik(bt)
        for _ in range(50):  # Newton with step-halving on the free coefficients, beta_k held at b
            p = special.expit(X @ bt)
            xs = X * np.sqrt(w * p * (1 - p))[:, None]
            try:
                step = np.linalg.solve((xs.T @ xs)[np.ix_(free, free)], ((w * (y - p)) @ X)[free])
            except np.linalg.LinAlgError:
                return None, bt
            for _ in range(30):
                trial = bt.copy()
                trial[free] += step
                ll_new = loglik(trial)
                if ll_new >= ll - 1e-12 * abs(ll):
                    break
                step = step / 2
            bt, ll = trial, ll_new
            if np.abs(step).max() < 1e-9:
                break
        else:
            return None, bt
        p = special.expit(X @ bt)
        r, dw = w * (y - p), w * p * (1 - p)
        xs = X * np.sqrt(dw)[:, None]
        A = np.linalg.inv(xs.T @ xs)
        xa = X @ A[k]
        S = np.array([r[s] @ X[s] for s in slices])  # cluster scores at the restricted fit
        Hk = np.array([(dw[s] * xa[s]) @ X[s] for s in slices])  # H_g a_k
        psi, Q = S @ A[k], S @ (Hk @ A).T
        u = V * psi[None, :] - V @ Q  # a_k' (cluster scores after the linearised refit)
        return (V @ psi) / np.sqrt(ssf * (u**2).sum(axis=1)), bt

    def pvalue(k, b, start):
        t, bt = stats_at(k, b, start)
        if t is None or not np.isfinite(t[0]):  # the null could not be imposed: no p-value
            return np.nan, start
        return float(np.mean(np.abs(t[1:]) >= np.abs(t[0]))), bt

    out = np.full((k_all, 3), np.nan)
    crit = t_ppf(0.975, len(slices) - 1)
    for k in range(k_all):
        se_k = np.sqrt(cov[k, k])
        out[k, 0], _ = pvalue(k, 0.0, beta)
        for side, col in ((-1.0, 1), (1.0, 2)):
            inside, start, outside = beta[k], beta, None
            for i in range(2, 13):  # bracket: move out until the test rejects at 5%
                cand = beta[k] + side * i * crit * se_k
                pv, bt = pvalue(k, cand, start)
                if not pv >= 0.05:
                    outside = cand
                    break
                inside, start = cand, bt
            if outside is None:
                continue
            for _ in range(16):
                mid = 0.5 * (inside + outside)
                pv, bt = pvalue(k, mid, start)
                if not pv >= 0.05:
                    outside = mid
                else:
                    inside, start = mid, bt
            out[k, col] = 0.5 * (inside + outside)
        if progress is not None:
            progress(k + 1, k_all)
    return out
