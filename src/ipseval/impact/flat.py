"""Logistic regression on any table: dummy coding, clustered or robust SEs, odds ratios and AMEs.

The API other analyses call: a vectorised design (polars -> numpy) and one statsmodels Logit fit.

Standard errors (``se``):

* ``"cluster_t"`` (default): CR1 sandwich, statsmodels ``cov_type="cluster"`` with its factor
  G/(G-1) * (N-1)/(N-K) (G clusters, N rows, K coefficients with the intercept; as R
  ``sandwich::vcovCL(fit, cluster=, type="HC1")``; Stata's ``logit, vce(cluster)`` uses G/(G-1)
  only). CIs and p-values from Student's t with G-1 df (R ``lmtest::coeftest(fit, V, df=G-1)``):
  with eight areas the normal approximation over-rejects.
* ``"wild"``: CR1 standard errors; p-values and 95% CIs from a restricted wild cluster score
  bootstrap (WCR, Kline & Santos 2012, as Stata ``boottest`` after ML). Per coefficient the
  model is refitted with the null imposed, cluster scores are multiplied by Webb six-point
  weights, and the bootstrap t uses a CR1 variance of the linearised refit (exactly WCR for
  OLS). CIs invert the test by bisection with the same draws. Webb, because for G=8
  Rademacher has only 2^8 = 256 draws (128 distinct |t|); restricted, because it controls
  size best with few clusters (MacKinnon & Webb 2018).
* ``"robust"``: HC1 = HC0 * N/(N-K), normal CIs. ``"model"``: inverse information, normal CIs.

AMEs average over all rows (weighted by ``weights``): a level's is P(level) - P(reference) with
the term set to each; a number's the derivative; delta-method SEs with the model's covariance
and the same t or normal. ``weights`` are R ``glm(weights=)`` / statsmodels ``GLM(var_weights=)``.
"""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl
import statsmodels
from scipy import special, stats
from statsmodels.discrete.discrete_model import Logit
from statsmodels.tools import sm_exceptions as sme

from .result import CORE_COLUMNS, AnalysisError, ImpactResult

SE_TYPES = ("cluster_t", "wild", "robust", "model")
_BAND = re.compile(r"^\s*(\d+)\s*(?:[-–]\s*\d+|\+)?\s*$")
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


_SEPARATION = (
    "the model cannot be estimated: it did not converge because some combination of terms predicts "
    "the outcome (almost) perfectly (complete or quasi-complete separation); merge sparse levels or drop terms"
)


class ModelError(AnalysisError):
    """A model that cannot be estimated (separation, no convergence, collinear terms)."""


class _Logit(Logit):
    """statsmodels Logit with optional case weights and a fast (syrk) Hessian for big designs."""

    def __init__(self, endog, exog, weights=None):
        super().__init__(endog, exog, check_rank=False)
        self.w = np.ones(len(endog)) if weights is None else np.asarray(weights, float)

    def loglikeobs(self, params):
        return self.w * super().loglikeobs(params)

    def loglike(self, params):
        return float(self.loglikeobs(params).sum())

    def score_obs(self, params):
        return (self.w * (self.endog - self.cdf(self.exog @ params)))[:, None] * self.exog

    def score(self, params):
        return (self.w * (self.endog - self.cdf(self.exog @ params))) @ self.exog

    def hessian(self, params):
        if getattr(self, "_h_at", None) is not None and np.array_equal(self._h_at, params):
            return self._h.copy()  # the covariance steps ask again at the same estimate
        p = self.cdf(self.exog @ params)
        xs = self.exog * np.sqrt(self.w * p * (1 - p))[:, None]
        self._h_at, self._h = np.array(params, copy=True), -(xs.T @ xs)
        return self._h.copy()


@dataclass
class _Design:
    X: np.ndarray
    y: np.ndarray
    w: np.ndarray | None
    groups: np.ndarray | None
    columns: list[tuple[str, str]]  # (term, level) per column of X
    terms: list[tuple[str, str | None, list[str], list[int]]]  # term, reference, levels, level counts
    n_dropped: int


def _sorted_levels(values: list[str]) -> list[str]:
    if values and all(_BAND.match(v) for v in values):  # band labels and whole numbers: by number
        return sorted(values, key=lambda v: (int(_BAND.match(v).group(1)), len(v)))
    return sorted(values)


def _design(df, outcome, terms, reference, cluster, weights) -> _Design:
    data = pl.from_pandas(df) if isinstance(df, pd.DataFrame) else df
    reference = {k: str(v) for k, v in (reference or {}).items()}
    if outcome in terms or len(set(terms)) != len(terms):
        raise ValueError("terms must be distinct and must not include the outcome")
    cols = list(dict.fromkeys([outcome, *terms, *(c for c in (cluster, weights) if c)]))
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in the table: {missing}")
    data = data.select(cols)
    ok = [pl.col(c).is_not_null() for c in cols]
    ok += [pl.col(c).is_not_nan() for c in cols if data.schema[c].is_float()]
    kept = data.filter(pl.all_horizontal(ok))
    n, n_dropped = kept.height, data.height - kept.height
    y = kept[outcome].cast(pl.Float64).to_numpy()
    if n == 0 or not np.isin(y, (0.0, 1.0)).all():
        raise ModelError(f"{outcome} must be 0/1 (or true/false) with at least one complete row")
    schema = kept.schema
    kinds = (pl.String, pl.Categorical, pl.Boolean)
    categorical = [t for t in terms if t in reference or schema[t] in kinds or isinstance(schema[t], pl.Enum)]
    present = kept.select(pl.col(t).cast(pl.String).unique().implode() for t in categorical)
    present = present.row(0) if categorical else ()
    orders = {}
    for t, values in zip(categorical, present, strict=True):
        if isinstance(schema[t], pl.Enum):
            levels = [c for c in schema[t].categories.to_list() if c in values]
        else:
            levels = ["false", "true"] if schema[t] == pl.Boolean else _sorted_levels(values)
            levels = [v for v in levels if v in values]
        ref = reference.get(t, levels[0])
        if ref not in levels:
            raise ValueError(f"reference level {ref!r} of {t} is not in the data (levels: {levels})")
        if len(levels) < 2:
            raise ModelError(
                f"{t} has only one level ({ref!r}) among the complete rows: drop it from the model"
            )
        orders[t] = [ref, *(v for v in levels if v != ref)]
    values = kept.select(  # one pass: level codes (0 = reference) and numbers
        pl.col(t)
        .cast(pl.String)
        .replace_strict(orders[t], list(range(len(orders[t]))), return_dtype=pl.Int32)
        if t in orders
        else pl.col(t).cast(pl.Float64)
        for t in terms
    )
    columns, meta = [("(Intercept)", "")], []
    for t in terms:
        columns += [(t, lv) for lv in orders[t][1:]] if t in orders else [(t, "")]
    X = np.zeros((n, len(columns)))
    X[:, 0] = 1.0
    at = 1
    for t in terms:
        v = values[t].to_numpy()
        if t not in orders:
            X[:, at] = v
            meta.append((t, None, [], []))
            at += 1
            continue
        order = orders[t]
        rows = np.flatnonzero(v > 0)
        X[rows, at + v[rows] - 1] = 1.0
        counts = np.bincount(v, minlength=len(order))
        events = np.bincount(v, weights=y, minlength=len(order))
        for lv, c, e in zip(order, counts, events, strict=True):
            if e == 0 or e == c:
                raise ModelError(
                    f"{t} = {lv!r} has {int(e)} {outcome} events among {c} rows: its odds ratio cannot "
                    "be estimated (separation). Merge it with another level or leave it out."
                )
        meta.append((t, order[0], order, counts.tolist()))
        at += len(order) - 1
    _check_rank(X, columns)
    w = kept[weights].cast(pl.Float64).to_numpy() if weights else None
    if w is not None and (w < 0).any():
        raise ValueError(f"weights in {weights} must not be negative")
    groups = (kept[cluster].rank("dense") - 1).cast(pl.Int64).to_numpy() if cluster else None
    return _Design(X, y, w, groups, columns, meta, n_dropped)


def _check_rank(X: np.ndarray, columns: list[tuple[str, str]]) -> None:
    xtx = X.T @ X
    d = np.sqrt(np.diag(xtx))
    if (d == 0).any():
        raise ModelError(f"{columns[int(np.argmin(d))][0]} is zero for every row")
    vals, vecs = np.linalg.eigh(xtx / np.outer(d, d))
    if vals[0] < 1e-10 * vals[-1]:
        bad = [" ".join(x for x in columns[i] if x) for i in np.flatnonzero(np.abs(vecs[:, 0]) > 0.1)]
        raise ModelError(f"collinear terms, the model cannot separate their effects: {', '.join(bad)}")


def _fit(design: _Design, se: str):
    n, k = design.X.shape
    model = _Logit(design.y, design.X, design.w)
    if se in ("cluster_t", "wild"):
        kw = dict(cov_type="cluster", cov_kwds={"groups": design.groups}, use_t=True)
    elif se == "robust":  # statsmodels' "HC1" is HC0 for non-OLS models: apply N/(N-K) explicitly
        kw = dict(cov_type="HC0", cov_kwds={"scaling_factor": n / (n - k)}, use_t=False)
    else:
        kw = dict(cov_type="nonrobust", use_t=False)
    start = np.zeros(k)
    start[0] = special.logit(np.average(design.y, weights=design.w))
    with warnings.catch_warnings():
        warnings.simplefilter("error", sme.PerfectSeparationWarning)
        warnings.simplefilter("ignore", sme.ConvergenceWarning)
        warnings.simplefilter("ignore", sme.HessianInversionWarning)
        try:
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                res = model.fit(method="newton", maxiter=100, disp=0, start_params=start, **kw)
        except (sme.PerfectSeparationWarning, np.linalg.LinAlgError):
            raise ModelError(_SEPARATION) from None
    if not res.mle_retvals.get("converged", False) or not np.isfinite(res.bse).all():
        raise ModelError(_SEPARATION)
    return res


def _ames(design: _Design, beta: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average marginal effect and delta-method SE per column (NaN for the intercept).

    Level j of a term: mean over rows of P(term = j) - P(term = reference); its gradient is
    X'(w (d1 - d0)) outside the term's own columns, mean(w d1) at j and 0 at the term's other
    levels (d = p(1-p)). Numbers: mean(beta_j d), gradient e_j mean(w d) + beta_j X'(w d (1-2p)).
    """
    X, k = design.X, design.X.shape[1]
    w = np.ones(len(X)) if design.w is None else design.w
    w = w / w.sum()
    numeric = [j for j, (_, level) in enumerate(design.columns) if j and not level]
    blocks = [[i for i, c in enumerate(design.columns) if c[0] == t] for t, ref, _, _ in design.terms if ref]
    levels = [j for b in blocks for j in b]
    spans = [slice(b[0], b[-1] + 1) for b in blocks]  # a term's columns are adjacent
    sums = np.zeros(3 + 2 * len(levels))  # mean d, then mean (p1 - p0) and mean d1 per level
    xt = np.zeros((1 + len(levels), k))  # (w d (1-2p))' X, then (w (d1 - d0))' X per level
    for lo in range(0, len(X), 1 << 17):  # row chunks: X is read once, memory stays small
        xc, wc = X[lo : lo + (1 << 17)], w[lo : lo + (1 << 17)]
        eta = xc @ beta
        p = special.expit(eta)
        dens = p * (1 - p)
        cols, s_diff, s_d1 = [wc * dens * (1 - 2 * p)], [], []
        for b in spans:
            eta0 = eta - xc[:, b] @ beta[b]
            p0 = special.expit(eta0)
            p1 = special.expit(eta0[:, None] + beta[None, b])  # everyone at each level in turn
            d1 = p1 * (1 - p1)
            cols.extend((wc[:, None] * (d1 - (p0 * (1 - p0))[:, None])).T)
            s_diff.append(wc @ (p1 - p0[:, None]))
            s_d1.append(wc @ d1)
        sums[0] += wc @ dens
        if levels:
            sums[3 : 3 + len(levels)] += np.concatenate(s_diff)
            sums[3 + len(levels) :] += np.concatenate(s_d1)
        xt += np.vstack(cols) @ xc  # rows-by-X in C order: ~10x faster than X.T @ columns
    ame, grad = np.full(k, np.nan), np.zeros((k, k))
    if numeric:
        ame[numeric] = beta[numeric] * sums[0]
        grad[numeric] = beta[numeric, None] * xt[0][None, :]
        grad[numeric, numeric] += sums[0]
    if levels:
        ame[levels] = sums[3 : 3 + len(levels)]
        grad[levels] = xt[1:]
        for b in blocks:
            grad[np.ix_(b, b)] = 0.0
        grad[levels, levels] = sums[3 + len(levels) :]
    return ame, np.sqrt(np.einsum("ij,jk,ik->i", grad, cov, grad))


def _wild(design: _Design, beta, cov, ssf, reps, seed, progress):
    """WCR score bootstrap p-values and test-inversion 95% CIs for every coefficient."""
    order = np.argsort(design.groups, kind="stable")
    X, y, g = design.X[order], design.y[order], design.groups[order]
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
    crit = stats.t.ppf(0.975, len(slices) - 1)
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


def logit(
    df,
    outcome: str,
    terms: list[str],
    reference: dict[str, str] | None = None,
    cluster: str | None = None,
    se: str = "cluster_t",
    weights: str | None = None,
    bootstrap_reps: int = 999,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> ImpactResult:
    """Logistic regression of a 0/1 outcome on terms (strings/booleans dummy-coded); see module doc.

    Returns an ImpactResult named "logit": log-odds with CIs, odds ratios and average marginal
    effects per level, a reference row per categorical term, and a model card.
    """
    if se not in SE_TYPES:
        raise ValueError(f"se must be one of {SE_TYPES}")
    if se in ("cluster_t", "wild") and not cluster:
        raise ValueError(f"se={se!r} needs a cluster column")
    design = _design(df, outcome, terms, reference, cluster if se in ("cluster_t", "wild") else None, weights)
    n, k = design.X.shape
    n_groups = int(design.groups.max()) + 1 if design.groups is not None else None
    if n_groups is not None and n_groups < 2:
        raise ModelError(f"clustering needs at least two clusters; {cluster} has {n_groups}")
    df_t = n_groups - 1 if n_groups else None
    res = _fit(design, se)
    beta, cov = np.asarray(res.params), np.asarray(res.cov_params())
    bse, pvals, ci = np.asarray(res.bse), np.asarray(res.pvalues), np.asarray(res.conf_int())
    crit = stats.t.ppf(0.975, df_t) if df_t else stats.norm.ppf(0.975)
    ssf = n_groups / (n_groups - 1) * (n - 1) / (n - k) if n_groups else None
    if se == "wild":
        boot = _wild(design, beta, cov, ssf, bootstrap_reps, seed, progress)
        pvals, ci = boot[:, 0], boot[:, 1:]
    ame, ame_se = _ames(design, beta, cov)

    col = {c: i for i, c in enumerate(design.columns)}
    rows = [("(Intercept)", "", 0, n)]  # term, level, column of X (-1 = reference), n
    for term, ref, levels, counts in design.terms:
        if ref is None:
            rows.append((term, "", col[(term, "")], n))
        else:
            rows += [(term, lv, col.get((term, lv), -1), c) for lv, c in zip(levels, counts, strict=True)]
    j = np.array([r[2] for r in rows])
    values = {
        "estimate": beta, "std_error": bse, "ci_low": ci[:, 0], "ci_high": ci[:, 1], "p_value": pvals,
        "odds_ratio": np.exp(beta), "or_ci_low": np.exp(ci[:, 0]), "or_ci_high": np.exp(ci[:, 1]),
        "ame": ame, "ame_std_error": ame_se, "ame_ci_low": ame - crit * ame_se, "ame_ci_high": ame + crit * ame_se,
    }  # fmt: skip
    table = pl.DataFrame(
        {
            "term": [r[0] for r in rows],
            "level": [r[1] for r in rows],
            "reference": j < 0,
            **{name: np.where(j < 0, np.nan, v[np.maximum(j, 0)]) for name, v in values.items()},
            "n": np.array([r[3] for r in rows], dtype=np.int64),
        }
    ).with_columns(pl.col(pl.Float64).fill_nan(None))
    table = table.with_columns(odds_ratio=pl.when("reference").then(1.0).otherwise("odds_ratio"))
    table = table.select(*CORE_COLUMNS, *(c for c in table.columns if c not in CORE_COLUMNS))

    words = {
        "cluster_t": f"CR1 cluster-robust sandwich clustered by {cluster} (G = {n_groups}), small-sample "
        f"factor G/(G-1)*(N-1)/(N-K) = {ssf or 0:.4f}; 95% CIs and p-values from t with G-1 = {df_t} df",
        "wild": f"CR1 standard errors clustered by {cluster} (G = {n_groups}); p-values and 95% CIs from a "
        f"restricted wild cluster score bootstrap (WCR, Kline-Santos), Webb six-point weights, "
        f"B = {bootstrap_reps}, seed = {seed}; CIs by test inversion; AME CIs use CR1 and t({df_t})",
        "robust": f"HC1 heteroskedasticity-robust (HC0 x N/(N-K) = {n / (n - k):.4f}); normal 95% CIs",
        "model": "model-based (inverse information); normal (Wald z) 95% CIs and p-values",
    }[se]
    card = {
        "model": "logistic regression (logit link), maximum likelihood (Newton)",
        "formula": f"{outcome} ~ " + (" + ".join(terms) if terms else "1"),
        "outcome": outcome,
        "n": n,
        "events": int(design.y.sum()),
        "n_dropped": design.n_dropped,
        "cluster": cluster if n_groups else None,
        "clusters": n_groups,
        "se_type": words,
        "se": se,
        "df": df_t,
        "df_residual": n - k,
        "small_sample_factor": ssf if n_groups else (n / (n - k) if se == "robust" else None),
        "reference_levels": {t: ref for t, ref, _, _ in design.terms if ref is not None},
        "weights": weights,
        "log_likelihood": float(res.llf),
        "converged": bool(res.mle_retvals.get("converged")),
        "iterations": int(res.mle_retvals.get("iterations", 0)),
        "software": f"statsmodels {statsmodels.__version__} (Logit, Newton); numpy {np.__version__}",
    }
    notes = []
    if design.n_dropped:
        notes.append(
            f"{design.n_dropped} rows with a missing {outcome} or term were left out (complete cases)."
        )
    if se == "wild" and np.isnan(np.column_stack([pvals, ci])).any():
        notes.append(
            "Some wild bootstrap CI limits are empty: the test did not reject within 12 CR1 half-widths "
            "(a very wide or unbounded interval, as happens with few clusters), or the refit failed."
        )
    return ImpactResult(name="logit", table=table, card=card, notes=notes)
