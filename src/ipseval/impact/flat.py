"""Logistic regression on any table: dummy coding, clustered or robust SEs, odds ratios and AMEs.

The API other analyses call. The design (:mod:`.design`) is dummy-coded and factored so a
person-period table is not repeated per row; the fit is Newton-Raphson with step-halving on that
design (numpy; the tests check it against statsmodels ``Logit``, R conventions and a textbook).

Standard errors (``se``):

* ``"cluster_t"`` (default): CR1 sandwich, statsmodels ``cov_type="cluster"`` with its factor
  G/(G-1) * (N-1)/(N-K) (G clusters, N rows, K coefficients with the intercept; as R
  ``sandwich::vcovCL(fit, cluster=, type="HC1")``; Stata's ``logit, vce(cluster)`` uses G/(G-1)
  only). CIs and p-values from Student's t with G-1 df (R ``lmtest::coeftest(fit, V, df=G-1)``):
  with eight areas the normal approximation over-rejects.
* ``"wild"``: CR1 standard errors; p-values and 95% CIs from a restricted wild cluster score
  bootstrap with Webb weights (:mod:`.wild`).
* ``"robust"``: HC1 = HC0 * N/(N-K), normal CIs. ``"model"``: inverse information, normal CIs.

AMEs (for ``ame_terms``, default all) average over all rows (weighted by ``weights``): a level's is P(level) - P(reference) with
the term set to each; a number's the derivative; delta-method SEs with the model's covariance
and the same t or normal. ``weights`` are R ``glm(weights=)`` / statsmodels ``GLM(var_weights=)``.

Separation (a level with no events or only events, or estimates running off to infinity): with
``method="auto"`` (or ``"firth"``) the model is refitted by Firth's penalised likelihood
(:mod:`.firth`, as R logistf / brglm2): model-based SEs from the inverse information at the
estimate, profile penalised-likelihood CIs and likelihood-ratio p-values, AMEs by the delta method
with that covariance and normal intervals. A cluster-robust sandwich around a penalised estimate is
not what logistf or brglm2 give, and with a separated level it is unreliable, so clustering is not
reflected in the Firth intervals; the CR1 (or HC1) sandwich SE at the Firth estimate is reported in
``sandwich_std_error`` for comparison. ``card["fit"]`` says which fit was used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import special

from .. import __version__
from ..distributions import norm_ppf, norm_sf, t_ppf, t_sf
from .design import Design, ModelError, SeparationError, build, check_rank
from .firth import FirthFit, firth, firth_words, profiled_terms
from .result import CORE_COLUMNS, ImpactResult

SE_TYPES = ("cluster_t", "wild", "robust", "model")
METHODS = ("ml", "firth", "auto")
MAX_ITERATIONS = 100
# |linear predictor| above this means fitted probabilities of 0 or 1 to machine precision (R's
# glm.fit warns at the same point): the likelihood has no maximum, the odds ratios run off to infinity
SEPARATION_ETA = 33.0
# designs with more rows start Newton from a fit on a random sample of this many units
WARM_START_ROWS = 400_000
WARM_START_UNITS = 50_000
BIG_DESIGN_STEP = 1e-5

_SEPARATION = (
    "the model cannot be estimated: it did not converge because some combination of terms predicts "
    "the outcome (almost) perfectly (complete or quasi-complete separation); merge sparse levels or drop terms"
)

__all__ = ["METHODS", "SE_TYPES", "ModelError", "SeparationError", "logit"]


def _evaluate(design: Design, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, float]:
    """Log-likelihood, score, information and the largest |linear predictor| at beta."""
    ll, score, info, top = 0.0, np.zeros(design.k), np.zeros((design.k, design.k)), 0.0
    for b in design.blocks():
        eta, w = b.eta(beta), b.weights
        p = special.expit(eta)
        ll += float(w @ (b.y * eta - np.logaddexp(0.0, eta)))
        score += b.project(w * (b.y - p))
        info += b.gram(w * p * (1 - p))
        top = max(top, float(np.abs(eta).max()))
    return ll, score, info, top


def _warm_start(design: Design) -> np.ndarray | None:
    """Estimates from a random sample of units, as a starting point for a big design (or None).

    The log-likelihood is concave, so the start changes only the path, never the estimates: from
    the sample's estimates Newton needs two or three full passes instead of six or seven.
    """
    units = design.n if design.sizes is None else len(design.sizes)
    if design.n < WARM_START_ROWS or units < 4 * WARM_START_UNITS:
        return None
    try:
        return _newton(design.subsample(WARM_START_UNITS), warm=False, check=False)[0]
    except (ModelError, np.linalg.LinAlgError):  # e.g. a rare level missing from the sample
        return None


def _newton(
    design: Design, warm: bool = True, check: bool = True, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Maximum likelihood by Newton-Raphson with step-halving; (beta, information, loglik, iterations).

    ``start``: where to begin (e.g. a previous imputation's estimates); else a fit on a sample of
    a big design, else the intercept alone. The log-likelihood is concave: the start changes the
    number of steps, not the estimates (within the convergence tolerance)."""
    if start is None and warm:
        start = _warm_start(design)
    if start is None:
        start = np.zeros(design.k)
        start[0] = special.logit(np.average(design.y, weights=design.w))
    beta = start
    ll, score, info, top = _evaluate(design, beta)
    if check and design.w is None:  # X'WX with positive weights has the rank of X'X
        try:
            check_rank(design, info)
        except ModelError:
            check_rank(design)  # confirm on X'X: small weights can make X'WX look singular
    elif check:
        check_rank(design)
    # A big design stops one full pass earlier: when the step is below BIG_DESIGN_STEP, Newton's
    # quadratic convergence puts beta + step within about its square (1e-10 or less) of the maximum,
    # so that is returned, with the information at beta (its standard errors differ by about 1e-6
    # relative from those at the maximum: far below their own sampling error).
    big = design.n >= WARM_START_ROWS
    for iteration in range(1, MAX_ITERATIONS + 1):
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            raise SeparationError(_SEPARATION) from None
        size = np.abs(step).max() / (1 + np.abs(beta).max())
        if size <= 1e-10 or score @ step < 1e-24 or (big and size <= BIG_DESIGN_STEP):  # converged
            if top > SEPARATION_ETA or not np.isfinite(beta).all():
                raise SeparationError(_SEPARATION)
            return (beta + step if size > 1e-10 else beta), info, ll, iteration - 1
        if top > 2 * SEPARATION_ETA:  # running off to infinity
            raise SeparationError(_SEPARATION)
        for _ in range(40):
            trial = beta + step
            result = _evaluate(design, trial)
            if result[0] >= ll - 1e-12 * abs(ll):
                break
            step = step / 2
        beta, (ll, score, info, top) = trial, result
    raise SeparationError(_SEPARATION)


def _covariance(design: Design, beta: np.ndarray, info: np.ndarray, se: str, n_groups: int | None):
    """Covariance of beta for the SE type (see module doc) and its small-sample factor."""
    n, k = design.n, design.k
    bread = np.linalg.inv(info)
    if se == "model":
        return bread, None
    meat = np.zeros((k, k))
    if se in ("cluster_t", "wild"):
        scores = np.zeros((n_groups, k))
        for b in design.blocks():
            r = b.weights * (b.y - special.expit(b.eta(beta)))
            by_cluster = np.zeros((n_groups, b.n))
            by_cluster[b.groups, np.arange(b.n)] = r
            scores += b.project(by_cluster)
        meat = scores.T @ scores
        factor = n_groups / (n_groups - 1) * (n - 1) / (n - k)
    else:  # HC1
        for b in design.blocks():
            r = b.weights * (b.y - special.expit(b.eta(beta)))
            meat += b.gram(r * r)
        factor = n / (n - k)
    return factor * bread @ meat @ bread, factor


def _ames(design: Design, beta: np.ndarray, cov: np.ndarray, ame_terms: set[str]):
    """Average marginal effect and delta-method SE per column (NaN for the intercept and other terms).

    Level j of a term: mean over rows of P(term = j) - P(term = reference); its gradient is
    X'(w (d1 - d0)) outside the term's own columns, mean(w d1) at j and 0 at the term's other
    levels (d = p(1-p)). Numbers: mean(beta_j d), gradient e_j mean(w d) + beta_j X'(w d (1-2p)).
    """
    k = design.k
    numeric = [j for j, (t, level) in enumerate(design.columns) if j and not level and t in ame_terms]
    blocks = [
        np.array([i for i, c in enumerate(design.columns) if c[0] == t])
        for t, ref, _, _ in design.terms
        if ref and t in ame_terms
    ]
    levels = [int(j) for b in blocks for j in b]
    sums = np.zeros(1 + 2 * len(levels))  # mean d, then mean (p1 - p0) and mean d1 per level
    xt = np.zeros((1 + len(levels), k))  # (w d (1-2p))' X, then (w (d1 - d0))' X per level
    total = design.weights.sum()
    for part in design.blocks():
        w = part.weights / total
        eta = part.eta(beta)
        p = special.expit(eta)
        dens = p * (1 - p)
        cols, s_diff, s_d1 = [w * dens * (1 - 2 * p)], [], []
        for b in blocks:
            eta0 = eta - part.part(beta, b)
            p0 = special.expit(eta0)
            p1 = special.expit(eta0[:, None] + beta[None, b])  # everyone at each level in turn
            d1 = p1 * (1 - p1)
            cols.extend((w[:, None] * (d1 - (p0 * (1 - p0))[:, None])).T)
            s_diff.append(w @ (p1 - p0[:, None]))
            s_d1.append(w @ d1)
        sums[0] += w @ dens
        if levels:
            sums[1 : 1 + len(levels)] += np.concatenate(s_diff)
            sums[1 + len(levels) :] += np.concatenate(s_d1)
        xt += part.project(np.vstack(cols))
    ame, grad = np.full(k, np.nan), np.zeros((k, k))
    if numeric:
        ame[numeric] = beta[numeric] * sums[0]
        grad[numeric] = beta[numeric, None] * xt[0][None, :]
        grad[numeric, numeric] += sums[0]
    if levels:
        ame[levels] = sums[1 : 1 + len(levels)]
        grad[levels] = xt[1:]
        for b in blocks:
            grad[np.ix_(b, b)] = 0.0
        grad[levels, levels] = sums[1 + len(levels) :]
    ame_se = np.sqrt(np.einsum("ij,jk,ik->i", grad, cov, grad))
    ame_se[np.isnan(ame)] = np.nan
    return ame, ame_se


@dataclass
class _Fit:
    """Estimates and inference of one fit, by maximum likelihood or (``penalised``) Firth's method."""

    beta: np.ndarray
    cov: np.ndarray
    se: np.ndarray
    ci: np.ndarray
    p: np.ndarray
    crit: float  # multiplier of the AME intervals
    ssf: float | None
    loglik: float
    iterations: int
    penalised: FirthFit | None = None
    sandwich_se: np.ndarray | None = None


def _ml_fit(
    design: Design, se: str, n_groups: int | None, reps: int, seed: int, progress, start=None
) -> _Fit:
    """Maximum likelihood with the SE type's covariance, CIs and p-values (module doc)."""
    beta, info, loglik, iterations = _newton(design, start=start)
    cov, ssf = _covariance(design, beta, info, se, n_groups)
    bse = np.sqrt(np.diag(cov))
    if not np.isfinite(bse).all():
        raise SeparationError(_SEPARATION)
    df_t = n_groups - 1 if n_groups else None
    crit = t_ppf(0.975, df_t) if df_t else norm_ppf(0.975)
    tstat = beta / bse
    pvals = 2 * (t_sf(np.abs(tstat), df_t) if df_t else norm_sf(np.abs(tstat)))
    ci = np.column_stack([beta - crit * bse, beta + crit * bse])
    if se == "wild":
        from .wild import wild_cluster_bootstrap

        boot = wild_cluster_bootstrap(design, beta, cov, ssf, reps, seed, progress)
        pvals, ci = boot[:, 0], boot[:, 1:]
    return _Fit(beta, cov, bse, ci, pvals, crit, ssf, loglik, iterations)


def _firth_fit(design: Design, se: str, n_groups: int | None, profile_terms: list[str] | None) -> _Fit:
    """Firth's fit (:mod:`.firth`); the sandwich of ``se`` at its estimate is kept for comparison only."""
    profile = None if profile_terms is None else np.array([t in profile_terms for t, _ in design.columns])
    fit = firth(design, profile)
    sandwich = None
    if se != "model":
        cov, _ = _covariance(design, fit.beta, fit.information, "cluster_t" if se == "wild" else se, n_groups)
        sandwich = np.sqrt(np.diag(cov))
    z = norm_ppf(0.975)
    bse = np.sqrt(np.diag(fit.covariance))
    return _Fit(
        fit.beta,
        fit.covariance,
        bse,
        fit.ci,
        fit.p_value,
        z,
        None,
        fit.log_likelihood,
        fit.iterations,
        fit,
        sandwich,
    )


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
    unit: str | None = None,
    ame_terms: list[str] | None = None,
    unit_frame=None,
    method: str = "ml",
    profile_terms: list[str] | None = None,
    start: dict[tuple[str, str], float] | None = None,
) -> ImpactResult:
    """Logistic regression of a 0/1 outcome on terms (strings/booleans dummy-coded); see module doc.

    Returns an ImpactResult named "logit": log-odds with CIs, odds ratios and average marginal
    effects per level, a reference row per categorical term, and a model card.

    ``unit``: a column grouping rows that belong together, e.g. ``client_id`` in a person-period
    table; terms constant within a unit are stored once per unit (same estimates, far less time
    and memory). ``unit_frame``: one row per unit, keyed by ``unit``, with unit-level terms (and
    the cluster) so ``df`` need not repeat them. ``ame_terms``: terms with marginal effects (default all).

    ``method``: "ml" (maximum likelihood; separation raises :class:`SeparationError`), "firth", or
    "auto": maximum likelihood unless there is separation, then Firth (for job-entry models: the
    note speaks of job entries). ``profile_terms``: the terms with profile-likelihood intervals in
    a Firth fit (default all). ``start``: estimates by (term, level) to start maximum likelihood
    from, e.g. the fit of the previous imputed table (the same estimates, in fewer steps).
    """
    if se not in SE_TYPES:
        raise ValueError(f"se must be one of {SE_TYPES}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    if se in ("cluster_t", "wild") and not cluster:
        raise ValueError(f"se={se!r} needs a cluster column")
    clustered = se in ("cluster_t", "wild")
    group = cluster if clustered else None
    design = build(df, outcome, terms, reference, group, weights, unit, unit_frame, method != "ml")
    n, k = design.n, design.k
    n_groups = int(design.groups.max()) + 1 if design.groups is not None else None
    if n_groups is not None and n_groups < 2:
        raise ModelError(f"clustering needs at least two clusters; {cluster} has {n_groups}")
    df_t = n_groups - 1 if n_groups else None
    if method == "firth" or design.separated:
        fit = _firth_fit(design, se, n_groups, profile_terms)
    else:
        try:
            begin = None if start is None else np.array([start.get(c, 0.0) for c in design.columns])
            fit = _ml_fit(design, se, n_groups, bootstrap_reps, seed, progress, begin)
        except SeparationError:
            if method == "ml":
                raise
            fit = _firth_fit(design, se, n_groups, profile_terms)
    beta, bse, ci, pvals, crit, ssf = fit.beta, fit.se, fit.ci, fit.p, fit.crit, fit.ssf
    ame, ame_se = _ames(design, beta, fit.cov, set(terms if ame_terms is None else ame_terms))

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
    if fit.sandwich_se is not None:
        values["sandwich_std_error"] = fit.sandwich_se
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
    notes = []
    if fit.penalised is not None:
        words, notes = firth_words(design.columns, fit.penalised.profiled, se, cluster)
    card = {
        "model": "logistic regression (logit link), "
        + (
            "Firth's penalised likelihood (Jeffreys prior; as R logistf and brglm2 AS_mean)"
            if fit.penalised
            else "maximum likelihood (Newton-Raphson)"
        ),
        "fit": "firth" if fit.penalised else "maximum_likelihood",
        "formula": f"{outcome} ~ " + (" + ".join(terms) if terms else "1"),
        "outcome": outcome,
        "n": n,
        "events": int(design.y.sum()),
        "n_dropped": design.n_dropped,
        "units": n if design.sizes is None else len(design.sizes),
        "cluster": cluster if n_groups else None,
        "clusters": n_groups,
        "se_type": words,
        "se": "model" if fit.penalised else se,
        "df": None if fit.penalised else df_t,
        "df_residual": n - k,
        "small_sample_factor": None
        if fit.penalised
        else ssf
        if n_groups
        else (n / (n - k) if se == "robust" else None),
        "reference_levels": {t: ref for t, ref, _, _ in design.terms if ref is not None},
        "weights": weights,
        "log_likelihood": fit.loglik,
        "converged": True,
        "iterations": fit.iterations,
        "software": f"ipseval {__version__} logit (Newton-Raphson in numpy {np.__version__}; "
        "checked against statsmodels Logit in the test suite)",
    }
    if fit.penalised:
        card |= {
            "penalised_log_likelihood": float(fit.penalised.penalised_log_likelihood),
            "separated_levels": list(design.separated),
            "profiled_terms": profiled_terms(design.columns, fit.penalised.profiled),
            "software": f"ipseval {__version__} Firth logit (numpy {np.__version__}; checked against R "
            "brglm2 brglmFit(type = 'AS_mean') in the test suite)",
        }
    if design.n_dropped:
        notes.append(
            f"{design.n_dropped} rows with a missing {outcome} or term were left out (complete cases)."
        )
    if se == "wild" and not fit.penalised and np.isnan(np.column_stack([pvals, ci])).any():
        notes.append(
            "Some wild bootstrap CI limits are empty: the test did not reject within 12 CR1 half-widths "
            "(a very wide or unbounded interval, as happens with few clusters), or the refit failed."
        )
    return ImpactResult(name="logit", table=table, card=card, notes=notes)
