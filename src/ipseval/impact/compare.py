"""Impact against a comparison group: the effect of IPS on the people it supported (ATT).

As the DWP Employment Data Lab does it: a logit propensity score on characteristics, then either
inverse-probability weighting with odds weights or 1:1 nearest-neighbour matching on the logit of
the score (with replacement, within a caliper), common support enforced and reported, balance
shown before and after, a bootstrap CI that refits the score, and an E-value for how strong an
unmeasured confounder would have to be to explain the effect away.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
from scipy.special import expit

from ..distributions import norm_ppf, norm_sf
from .balance import (
    balance_summary,
    balance_table,
    design,
    diagnostic_notes,
    e_value,
    e_value_ci,
    effective_n,
    is_numeric,
    love_plot_data,
    support_table,
)
from .result import AnalysisError, ImpactResult

Progress = Callable[[int, int], None]


def fit_logit(
    X: np.ndarray, t: np.ndarray, start: np.ndarray | None = None, max_iter: int = 50
) -> tuple[np.ndarray, bool]:
    """Maximum-likelihood logit by Newton-Raphson with step halving; (coefficients, converged).

    Rank-deficient or separated designs do not fail: steps are least-squares solutions, and a
    separated level's coefficient just grows until its fitted probabilities are ~0 or ~1.
    """
    beta = np.zeros(X.shape[1]) if start is None else start.copy()

    def loglik(b: np.ndarray) -> float:
        eta = X @ b
        return float(np.sum(t * eta - np.logaddexp(0, eta)))

    ll = loglik(beta)
    for _ in range(max_iter):
        p = expit(X @ beta)
        grad = X.T @ (t - p)
        hess = X.T @ (X * (p * (1 - p))[:, None])
        step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        for _half in range(30):
            new = loglik(beta + step)
            if new >= ll - 1e-10:
                break
            step /= 2
        beta, change, ll = beta + step, new - ll, new
        if abs(change) < 1e-9 and np.max(np.abs(step)) < 1e-6:
            return beta, True
    return beta, False


def _support(ps: np.ndarray, t: np.ndarray, trim: tuple[float, float] | None) -> np.ndarray:
    """Per person: 0 = kept, else 2..5 = the REASONS index (+1) that excluded them.

    Fixed bounds first (when ``trim`` is given), then min-max common support (always).
    """
    why = np.zeros(len(ps), dtype=np.int8)
    if trim is not None:
        why[ps < trim[0]] = 2
        why[(why == 0) & (ps > trim[1])] = 3
    kept = why == 0
    if (kept & t).any() and (kept & ~t).any():
        why[kept & ~t & (ps < ps[kept & t].min())] = 4
        why[kept & t & (ps > ps[kept & ~t].max())] = 5
    return why


TIE_TOLERANCE = 1e-9  # logit-PS distances this close are equal (_match); settings.impact default too


def _match(lps: np.ndarray, t: np.ndarray, keep: np.ndarray, width: float, tol: float = TIE_TOLERANCE):
    """1:1 nearest neighbour on logit PS, with replacement, ties shared; within ``width``.

    A treated person's match is every comparison person whose distance is within ``tol`` of the
    nearest distance d, i.e. with a logit PS in [L - d - tol, L + d + tol]; they share the match
    equally. Without the tolerance, people whose scores are equal in exact arithmetic (identical
    characteristics, or a treated person exactly between two comparison people, common with whole-
    number characteristics) would be split or not by the last bits of floating-point rounding.

    Returns (matched treated mask, y-weights per person = times used (K), K' = sum of squared
    shares (for the Abadie-Imbens variance), and the (start, stop, sorted comparison index)
    needed to average outcomes).
    """
    ci = np.flatnonzero(keep & ~t)
    ci = ci[np.argsort(lps[ci], kind="stable")]
    cv = lps[ci]
    ti = np.flatnonzero(keep & t)
    L = lps[ti]
    pos = np.searchsorted(cv, L)
    left = np.where(pos > 0, L - cv[np.maximum(pos - 1, 0)], np.inf)
    right = np.where(pos < len(cv), cv[np.minimum(pos, len(cv) - 1)] - L, np.inf)
    d = np.minimum(left, right)
    ok = d <= width
    lo = np.searchsorted(cv, L - d - tol, "left")
    hi = np.searchsorted(cv, L + d + tol, "right")
    lo, hi, ti = lo[ok], hi[ok], ti[ok]
    share = 1.0 / (hi - lo)
    diff = np.zeros(len(cv) + 1)
    diff2 = np.zeros(len(cv) + 1)
    np.add.at(diff, lo, share)
    np.add.at(diff, hi, -share)
    np.add.at(diff2, lo, share**2)
    np.add.at(diff2, hi, -(share**2))
    K = np.zeros(len(t))
    K2 = np.zeros(len(t))
    K[ci] = np.cumsum(diff)[:-1]
    K2[ci] = np.cumsum(diff2)[:-1]
    K[np.abs(K) < 1e-9] = 0.0  # running sums leave ~1e-16 where no range is open (a share is >= 1/n)
    K2[np.abs(K2) < 1e-12] = 0.0
    matched = np.zeros(len(t), dtype=bool)
    matched[ti] = True
    return matched, K, K2, (lo, hi, ci, ti)


def _estimate(X, t, y, method, trim, caliper, start=None, tol=TIE_TOLERANCE) -> dict[str, Any]:
    """One fit: propensity score, support, weights and the ATT with treated/counterfactual risks."""
    beta, converged = fit_logit(X, t.astype(float), start)
    ps = np.clip(expit(X @ beta), 1e-12, 1 - 1e-12)
    lps = np.log(ps / (1 - ps))
    why = _support(ps, t, trim)
    keep = why == 0
    if not (keep & t).any() or not (keep & ~t).any():
        raise AnalysisError("no treated or no comparison people are left inside common support")
    out: dict[str, Any] = {"beta": beta, "converged": converged, "ps": ps, "lps": lps}
    if method == "ipw":
        w = np.where(t, 1.0, ps / (1 - ps)) * keep
        w[~t] *= (keep & t).sum() / w[~t].sum()  # comparison weights sum to the treated n
        p1 = float(y[keep & t].mean())
        p0 = float(np.sum(w[~t] * y[~t]) / w[~t].sum())
    else:
        width = math.inf if caliper is None else caliper * float(np.std(lps[keep], ddof=1))
        matched, K, K2, (lo, hi, ci, ti) = _match(lps, t, keep, width, tol)
        why[t & keep & ~matched] = 6
        if not matched.any():
            raise AnalysisError("no treated person has a comparison within the caliper")
        cum = np.concatenate([[0.0], np.cumsum(y[ci])])
        y0 = (cum[hi] - cum[lo]) / (hi - lo)
        w = np.where(t, matched.astype(float), K)
        p1, p0 = float(y[ti].mean()), float(y0.mean())
        out |= {"K": K, "K2": K2, "y0": y0, "ti": ti, "width": width}
    return out | {"why": why, "w": w, "p1": p1, "p0": p0, "att": p1 - p0}


def _ipw_sandwich(X, t, y, fit) -> float:
    """SE of the IPW ATT from stacked estimating equations (logit score, treated mean, weighted
    comparison mean), so the propensity score's estimation is accounted for; support held fixed."""
    n, k = X.shape
    e, S = fit["ps"], (fit["why"] == 0).astype(float)
    tt = t.astype(float)
    w = e / (1 - e)
    mu1, mu0 = fit["p1"], fit["p0"]
    psi = np.column_stack([X * (tt - e)[:, None], S * tt * (y - mu1), S * (1 - tt) * w * (y - mu0)])
    Bm = psi.T @ psi / n
    A = np.zeros((k + 2, k + 2))
    A[:k, :k] = -(X * (e * (1 - e))[:, None]).T @ X / n
    A[k, k] = -np.mean(S * tt)
    A[k + 1, :k] = (X * (S * (1 - tt) * w * (y - mu0))[:, None]).sum(axis=0) / n
    A[k + 1, k + 1] = -np.mean(S * (1 - tt) * w)
    Ainv = np.linalg.pinv(A)
    V = Ainv @ Bm @ Ainv.T / n
    g = np.zeros(k + 2)
    g[k], g[k + 1] = 1.0, -1.0
    return float(np.sqrt(g @ V @ g))


def _ai_se(t, y, fit, J: int = 2) -> float:
    """Abadie & Imbens (2006) SE for the matching ATT, treating the propensity score as known.

    Conditional variances come from the J nearest people in the same group (on the logit PS).
    """
    lps, K, K2, ti, y0 = fit["lps"], fit["K"], fit["K2"], fit["ti"], fit["y0"]
    n1 = len(ti)
    total = np.sum((y[ti] - y0 - fit["att"]) ** 2)
    need = np.flatnonzero((~t) & (K * K - K2 > 1e-12))
    if need.size:
        pool = np.flatnonzero((~t) & (fit["why"] == 0))
        pool = pool[np.argsort(lps[pool], kind="stable")]
        pv = lps[pool]
        pos = np.searchsorted(pv, lps[need])
        cand = pos[:, None] + np.arange(-J, J + 1)[None, :]
        valid = (cand >= 0) & (cand < len(pool))
        cand_c = np.clip(cand, 0, len(pool) - 1)
        valid &= pool[cand_c] != need[:, None]
        dist = np.where(valid, np.abs(pv[cand_c] - lps[need][:, None]), np.inf)
        nearest = np.take_along_axis(cand_c, np.argsort(dist, axis=1, kind="stable")[:, :J], axis=1)
        ybar = y[pool[nearest]].mean(axis=1)
        sigma2 = J / (J + 1) * (y[need] - ybar) ** 2
        total += np.sum((K[need] ** 2 - K2[need]) * sigma2)
    return float(np.sqrt(total) / n1)


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _frame(df: Any, treatment: str, outcome: str, covariates: list[str]) -> pl.DataFrame:
    if not isinstance(df, pl.DataFrame):
        df = pl.from_pandas(df) if hasattr(df, "columns") else pl.DataFrame(df)
    missing = [c for c in dict.fromkeys([treatment, outcome, *covariates]) if c not in df.columns]
    if missing:
        raise AnalysisError(f"no column named {', '.join(missing)}")
    for col in (treatment, outcome):
        if not is_numeric(df[col].dtype):
            raise AnalysisError(f"{col} must be numeric or yes/no (it is {df[col].dtype})")
    if not df[treatment].drop_nulls().cast(pl.Float64).is_in([0.0, 1.0]).all():
        raise AnalysisError(f"{treatment} must be 0/1 or yes/no (1 = received the service)")
    return df.with_columns(pl.col(pl.Float32, pl.Float64).fill_nan(None))


def compare(
    df: Any,
    treatment: str,
    outcome: str,
    covariates: list[str],
    method: str = "ipw",
    caliper: float | None = 0.2,
    trim: tuple[float, float] | None = None,
    bootstrap_reps: int = 500,
    seed: int = 1,
    progress: Progress | None = None,
    missing: str = "complete",
    tie_tolerance: float = TIE_TOLERANCE,
) -> ImpactResult:
    """Average effect on the treated (ATT) of ``treatment`` (0/1) on ``outcome``, on any flat table.

    method: "ipw" (odds weights p/(1-p) for comparison people, normalised; treated weight 1) or
        "match" (1:1 nearest neighbour on the logit PS, with replacement, ties shared, caliper =
        ``caliper`` x SD of the logit PS in the supported sample; None = no caliper). Comparison
        people whose distance is within ``tie_tolerance`` (logit scale) of the nearest are tied and
        share the match equally, so equal scores are not split by floating-point rounding.
    trim: None (default) = min-max common support only: comparison people below the lowest
        treated PS and treated people above the highest comparison PS are left out (as psmatch2's
        ``common``). (low, high), e.g. (0.01, 0.99) = first also drop anyone with a PS outside the
        bounds (Crump et al.), so the ATT is for treated people inside them. Fixed bounds depend
        on group sizes: with a comparison pool many times the treated group every score is small
        and the lower bound drops treated people who have plenty of comparable others.
    missing: "complete" (drop rows with a blank covariate, counted in ``extra["support"]``) or
        "indicator" (blank categorical = its own level; blank number = mean plus a 0/1 indicator).
    The main CI is estimate +/- 1.96 bootstrap SE (people resampled within group; PS refitted,
    support and matching redone each time); the percentile interval, and an analytic SE (IPW:
    sandwich; matching: Abadie-Imbens), are extra columns. Estimate is in outcome units
    (probability for a 0/1 outcome; ``estimate_pp`` = x100), with an E-value for a 0/1 outcome.
    """
    if method not in ("ipw", "match"):
        raise AnalysisError(f"method must be 'ipw' or 'match', not {method!r}")
    if missing not in ("complete", "indicator"):
        raise AnalysisError(f"missing must be 'complete' or 'indicator', not {missing!r}")
    df = _frame(df, treatment, outcome, covariates)
    need = [treatment, outcome, *(covariates if missing == "complete" else [])]
    ok = df.select(pl.all_horizontal([pl.col(c).is_not_null() for c in need]))[:, 0].to_numpy()
    group = df[treatment].cast(pl.Float64).to_numpy()
    data = df.filter(pl.Series(ok))
    t = data[treatment].cast(pl.Float64).to_numpy() == 1.0
    y = data[outcome].cast(pl.Float64).to_numpy()
    if t.sum() < 2 or (~t).sum() < 2:
        raise AnalysisError("need at least two treated and two comparison people with complete data")
    d = design(data, covariates, missing)
    fit = _estimate(d.X, t, y, method, trim, caliper, tol=tie_tolerance)

    # bootstrap: resample people within each group, refit the score and re-apply support each time
    rng = np.random.default_rng(seed)
    it, ic = np.flatnonzero(t), np.flatnonzero(~t)
    boots = np.full(bootstrap_reps, np.nan)
    for b in range(bootstrap_reps):
        idx = np.concatenate([rng.choice(it, it.size), rng.choice(ic, ic.size)])
        try:
            r = _estimate(d.X[idx], t[idx], y[idx], method, trim, caliper, fit["beta"], tie_tolerance)
            boots[b] = r["att"]
        except AnalysisError:
            pass
        if progress is not None:
            progress(b + 1, bootstrap_reps)

    # point estimate; main CI = estimate +/- 1.96 bootstrap SE; percentile and analytic alongside
    att, p1, p0 = fit["att"], fit["p1"], fit["p0"]
    good = boots[~np.isnan(boots)]
    z = float(norm_ppf(0.975))
    se = float(np.std(good, ddof=1)) if len(good) > 1 else math.nan
    lo, hi = att - z * se, att + z * se
    pct = np.percentile(good, [2.5, 97.5]) if len(good) > 1 else (math.nan, math.nan)
    p_value = float(2 * norm_sf(abs(att / se))) if se > 0 else math.nan
    se_an = _ipw_sandwich(d.X, t, y, fit) if method == "ipw" else _ai_se(t, y, fit)
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    rr = rr_lo = rr_hi = ev = ev_ci = math.nan
    if binary:
        # risk ratio treated / counterfactual; its CI maps the ATT's CI with the treated risk held
        # fixed, so the two intervals always agree on whether there is an effect
        rr, rr_lo, rr_hi = (
            (p1 / (p1 - a) if p1 - a > 0 else math.inf) if math.isfinite(a) else math.nan
            for a in (att, lo, hi)
        )
        ev = e_value(rr)
        ev_ci = e_value_ci(rr_lo, rr_hi) if math.isfinite(se) else math.nan
    y1, y0n = y[t], y[~t]
    naive = float(y1.mean() - y0n.mean())
    naive_se = float(np.sqrt(y1.var(ddof=1) / y1.size + y0n.var(ddof=1) / y0n.size))

    w, why = fit["w"], fit["why"]
    used = w > 0
    n1, n0 = int((used & t).sum()), int((used & ~t).sum())
    row = {
        "term": "ips",
        "level": method,
        "reference": False,
        "estimate": att,
        "std_error": se,
        "ci_low": float(lo),
        "ci_high": float(hi),
        "p_value": p_value,
        "n": n1 + n0,
        "ci_low_percentile": float(pct[0]),
        "ci_high_percentile": float(pct[1]),
        "estimate_pp": 100 * att,
        "ci_low_pp": 100 * float(lo),
        "ci_high_pp": 100 * float(hi),
        "treated_n": n1,
        "comparison_n": n0,
        "comparison_ess": effective_n(w[~t]),
        "treated_risk": p1,
        "counterfactual_risk": p0,
        "risk_ratio": rr,
        "rr_ci_low": rr_lo,
        "rr_ci_high": rr_hi,
        "e_value": ev,
        "e_value_ci": ev_ci,
        "std_error_analytic": se_an,
        "ci_low_analytic": att - z * se_an,
        "ci_high_analytic": att + z * se_an,
        "naive_estimate": naive,
        "naive_ci_low": naive - z * naive_se,
        "naive_ci_high": naive + z * naive_se,
    }
    table = pl.DataFrame([row])
    if not binary:
        table = table.with_columns(
            pl.lit(None, dtype=pl.Float64).alias(c) for c in table.columns if c.endswith("_pp")
        )
    table = table.with_columns(  # no NaN or infinity in a published table
        pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c)
        for c, dt in table.schema.items()
        if dt == pl.Float64
    )

    balance = balance_table(d, t, w, fit["lps"])
    bsum = balance_summary(balance)
    support = support_table(group, ok, t, why, used)
    analytic = (
        "sandwich (stacked logit score and weighted means; PS estimation accounted for, support fixed)"
        if method == "ipw"
        else "Abadie-Imbens (2006), PS treated as known; conditional variances from 2 same-group neighbours"
    )
    card: dict[str, Any] = {
        "analysis": "propensity score " + ("weighting" if method == "ipw" else "matching"),
        "estimand": "ATT (average effect on the treated)",
        "outcome": outcome,
        "formula": f"logit({treatment}) ~ {' + '.join(covariates) or '1'}",
        "n": n1 + n0,
        "events": int(y[used].sum()) if binary else None,
        "se_type": f"bootstrap SE, normal 95% CI ({len(good)} of {bootstrap_reps} replicates; people "
        "resampled within group; propensity score refitted, support and matching redone each time)",
        "bootstrap_mean": float(good.mean()) if len(good) else None,
        "analytic_se": analytic,
        "weights": "treated 1; comparison p/(1-p), normalised to sum to the treated n"
        if method == "ipw"
        else "1:1 nearest neighbour on logit PS with replacement; ties (distances within "
        f"{tie_tolerance:g} of the nearest) share the match",
        "caliper": None
        if method == "ipw"
        else (f"{caliper} SD of logit PS = {fit['width']:.4g}" if caliper is not None else "none"),
        "trim": "none" if trim is None else f"PS outside [{trim[0]}, {trim[1]}], then min-max common support",
        "missing": missing,
        "ps_converged": fit["converged"],
        "ps_terms": len(d.x_names),
        "covariates_without_variation": d.dropped,
        "risk_ratio": _finite(rr),
        "e_value": _finite(ev),
        "e_value_ci": _finite(ev_ci),
        "naive_difference": naive,
        "balance": bsum,
        "seed": seed,
        "software": f"ipseval (numpy {np.__version__})",
    }
    notes = _notes(
        method, att, lo, hi, binary, ev, ev_ci, support, bsum, fit["converged"], len(good), bootstrap_reps
    )
    extra = {"balance": balance, "love_plot": love_plot_data(balance), "support": support}
    name = "ipw_att" if method == "ipw" else "match_att"
    return ImpactResult(name=name, table=table, card=card, notes=notes, extra=extra)


def _notes(method, att, lo, hi, binary, ev, ev_ci, support, bsum, converged, good, reps) -> list[str]:
    """Plain-English caveats for the report."""
    unit = (lambda v: f"{100 * v:+.1f} percentage points") if binary else (lambda v: f"{v:+.4g}")
    adj = "weighting" if method == "ipw" else "matching"
    notes = [
        f"Effect on the people who received the service (ATT), by propensity score {adj}: {unit(att)} "
        f"(95% bootstrap CI {unit(lo)} to {unit(hi)}).",
        "The comparison makes the groups alike only on the characteristics listed; anything not "
        "recorded (motivation, health, an adviser's judgement) can still bias the estimate.",
    ]
    if binary and math.isfinite(ev):
        notes.append(
            f"E-value {ev:.2f} (CI limit: {ev_ci:.2f}): an unmeasured confounder would have to raise both "
            f"the chance of receiving the service and the chance of the outcome by a risk ratio of at "
            f"least {ev:.2f} each, beyond the characteristics adjusted for, to explain the effect away."
        )
    notes += diagnostic_notes(support, bsum, adj)
    if method == "match":
        notes.append(
            "The bootstrap is not guaranteed to be accurate for nearest-neighbour matching with "
            "replacement (Abadie & Imbens 2008); the Abadie-Imbens standard error is given alongside."
        )
    if not converged:
        notes.append(
            "The propensity model did not converge: some characteristics predict the group almost "
            "perfectly, and the people concerned fall outside common support."
        )
    if good < reps:
        notes.append(f"{reps - good} of {reps} bootstrap replicates could not be estimated and were skipped.")
    return notes


# the comparison table's characteristics that are not covariates: area (a comparison group usually
# comes from other areas, where area predicts the group perfectly) and the job-entry denominator flag
_NOT_COVARIATES = ("local_authority", "referral_year", "employed_at_referral")


def comparison_frame(store: Any, settings: Any) -> tuple[pl.DataFrame, list[str], dict[str, int]]:
    """The store's ``comparison`` table as an analysis frame: ``ips`` (0/1), ``job_start`` (0/1:
    a job start on or before follow_up_end), the settings' controls ('unknown' as blank, yes/no
    as 0/1), restricted like the job-entry denominator to people not in work when referred."""
    from ..schema import COMPARISON, UNKNOWN

    raw = store.table("comparison")
    controls = [
        c
        for c in settings.definitions.model_controls
        if c in COMPARISON.column_names and c not in _NOT_COVARIATES and raw[c].null_count() < raw.height
    ]
    employed = pl.col("employed_at_referral")
    out = employed.fill_null(settings.definitions.missing_employed_at_referral == "exclude")
    counts = {"rows": raw.height, "employed_at_referral": int(raw.select(out.sum()).item() or 0)}
    fixes = []
    for name in controls:
        col = COMPARISON.column(name)
        if col.type == "code":
            fixes.append(pl.when(pl.col(name) == UNKNOWN).then(None).otherwise(pl.col(name)).alias(name))
        elif col.type == "bool":
            fixes.append(pl.col(name).cast(pl.Int8))
    started = pl.col("job_start_date").is_not_null() & (
        pl.col("follow_up_end").is_null() | (pl.col("job_start_date") <= pl.col("follow_up_end"))
    )
    frame = raw.filter(~out).select(
        (pl.col("group") == "ips").cast(pl.Int8).alias("ips"),
        started.cast(pl.Int8).alias("job_start"),
        *controls,
    )
    return frame.with_columns(fixes), controls, counts


def comparison_impact(store: Any, settings: Any, progress: Progress | None = None) -> dict[str, ImpactResult]:
    """IPS against the store's comparison group, by weighting and by matching ({} if no table).

    Outcome: a job start within the follow-up; treatment: group == "ips"; covariates: the
    settings' model controls found in the table (not area). Blank or 'unknown' answers are kept
    as their own level (missing-indicator), because dropping them would lose most records.
    Bootstrap replicates and seed come from ``settings.impact``; raises AnalysisError (one plain
    sentence) when the groups cannot be compared, e.g. fewer than two people in one of them.
    """
    if "comparison" not in store.tables_present:
        return {}
    frame, covariates, counts = comparison_frame(store, settings)
    if frame.height == 0:
        return {}
    reps = settings.impact.bootstrap_reps
    results: dict[str, ImpactResult] = {}
    for i, method in enumerate(("ipw", "match")):
        step = None if progress is None else (lambda b, n, i=i: progress(i * n + b, 2 * n))
        r = compare(
            frame,
            "ips",
            "job_start",
            covariates,
            method=method,
            bootstrap_reps=reps,
            seed=settings.impact.seed,
            progress=step,
            missing="indicator",
            tie_tolerance=settings.impact.match_tie_tolerance,
        )
        r.card["outcome"] = "job start within the follow-up (job_start_date on or before follow_up_end)"
        r.card["population"] = (
            f"comparison table, {counts['rows']} rows; {counts['employed_at_referral']} in work when "
            "referred left out (as in the job-entry denominator)"
        )
        r.notes.append(
            "Blank or unknown answers are a category of their own in the propensity score (missing "
            "indicator), so everyone stays in; area is not a covariate (a comparison group usually "
            "comes from other areas). Job starts are compared over each person's follow-up, so the "
            "groups' follow-up periods should be of similar length."
        )
        results[f"comparison_{method}"] = r
    return results
