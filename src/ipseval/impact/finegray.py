"""Fine-Gray subdistribution hazards of job entry, discharge without a job competing (sensitivity).

The cause-specific Cox model (:func:`.survival.cox_model`, discharge as censoring) says how fast
clients still on the caseload start work; the Fine-Gray model says how the share who ever start a
job (the cumulative incidence) differs, because it keeps discharged clients in the risk set. It is
fitted as ``cmprsk::crr`` does (Fine and Gray 1999): Breslow ties, the discharged weighted by the
Kaplan-Meier estimate G of staying uncensored, and crr's sandwich variance that allows for G being
estimated; tests/reference/competing.R checks the coefficients and standard errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import __version__
from ..competing import CENSORED, DISCHARGED, JOB
from ..distributions import norm_ppf, norm_sf
from ..settings import Settings
from ..store import Store
from .data import analysis_frame, controls, controls_note
from .result import AnalysisError, ImpactResult
from .survival import INTEGRATION_REFERENCE, design, hazard_ratio_table, with_integration


@dataclass
class FineGrayFit:
    """Estimates, observed information, crr's sandwich covariance, and the fitting record."""

    params: np.ndarray
    information: np.ndarray
    covariance: np.ndarray
    iterations: int
    converged: bool


class _Data:
    """Times, status and X, with what every evaluation reuses: G(T-) per client and the job times.

    Job-start times tau_k (d_k starts each) with risk weights w_i(tau) = 1 while client i is followed
    (T_i >= tau), G(tau-) / G(T_i-) once discharged before tau, 0 once censored. G is the
    Kaplan-Meier estimate of not being censored, read just before each time (crr reads G(0) at 0).
    """

    def __init__(self, days: np.ndarray, status: np.ndarray, X: np.ndarray) -> None:
        order = np.argsort(days, kind="stable")
        self.t, self.status = np.asarray(days, float)[order], np.asarray(status)[order]
        self.X = np.asarray(X, float)[order]
        self.X = self.X - self.X.mean(0)  # the model is unchanged; the sums are more accurate
        self.order = order
        times, at = np.unique(self.t, return_inverse=True)
        n = self.t.size - np.concatenate([[0], np.cumsum(np.bincount(at))[:-1]])
        cens = np.bincount(at, weights=self.status == CENSORED, minlength=times.size)
        after = np.cumprod(1.0 - cens / n)
        before = np.where(times > 0, np.concatenate([[1.0], after[:-1]]), after)
        self.g = before[at]  # G(T_i-) per client
        self.comp = self.status == DISCHARGED
        self.job = self.status == JOB
        self.tau, self.d = np.unique(self.t[self.job], return_counts=True)
        self.g_tau = before[np.searchsorted(times, self.tau)]
        self.first = np.searchsorted(self.t, self.tau, side="left")  # first client with T >= tau_k
        self.k_of = np.searchsorted(self.tau, self.t, side="right")  # job times <= T_i: k < k_of
        self.censor_times, self.censored = times[cens > 0], cens[cens > 0]
        self.censor_at_risk = n[cens > 0]

    def sums(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """S0_k and S1_k: weighted sums of r and r x over the risk set at each job-start time."""
        rx = np.column_stack([r, r[:, None] * self.X])
        followed = np.vstack([rx[::-1].cumsum(0)[::-1], np.zeros((1, rx.shape[1]))])[self.first]
        gone = np.vstack([np.zeros((1, rx.shape[1])), np.cumsum(rx * (self.comp / self.g)[:, None], 0)])
        s = followed + self.g_tau[:, None] * gone[self.first]
        return s[:, 0], s[:, 1:]

    def per_client(self, values: np.ndarray) -> np.ndarray:
        """sum_k d_k w_i(tau_k) values_k for every client (values: one row per job time)."""
        v = values.reshape(self.tau.size, -1) * self.d[:, None]
        upto = np.vstack([np.zeros((1, v.shape[1])), v.cumsum(0)])
        later = np.vstack([(v * self.g_tau[:, None])[::-1].cumsum(0)[::-1], np.zeros((1, v.shape[1]))])
        return upto[self.k_of] + (self.comp / self.g)[:, None] * later[self.k_of]


def _evaluate(data: _Data, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, dict]:
    """Log partial likelihood, score and information (Breslow) at ``beta``, with the pieces the
    sandwich needs. information = X' diag(r_i W_i) X - sum_k d_k xbar_k xbar_k', where W_i =
    sum_k d_k w_i(tau_k) / S0_k, because sum_k d_k S2_k / S0_k is a weighted Gram matrix."""
    eta = data.X @ beta
    r = np.exp(eta)
    s0, s1 = data.sums(r)
    xbar = s1 / s0[:, None]
    loglik = float(eta[data.job].sum() - (data.d * np.log(s0)).sum())
    score = data.X[data.job].sum(0) - data.d @ xbar
    w = data.per_client(1.0 / s0)[:, 0]
    info = (data.X * (r * w)[:, None]).T @ data.X - (xbar * data.d[:, None]).T @ xbar
    return loglik, score, info, {"r": r, "s0": s0, "xbar": xbar, "w": w}


def _sandwich_middle(data: _Data, parts: dict) -> np.ndarray:
    """sum_i (eta_i + psi_i)(eta_i + psi_i)' as crr: eta_i the score residual against the weighted
    risk sets, psi_i = [censored] q(T_i) / Y(T_i) - sum_{censoring times u <= T_i} c_u q(u) / Y(u)^2
    for G being estimated, where q(u) = sum_{tau_k >= u} d_k G(tau_k-) (A1(u) - xbar_k A0(u)) / S0_k
    and A0, A1 sum r_j / G(T_j-) (times x_j) over the discharged with T_j < u."""
    r, s0, xbar, w = parts["r"], parts["s0"], parts["xbar"], parts["w"]
    v = data.per_client(xbar / s0[:, None])
    eta = -r[:, None] * (w[:, None] * data.X - v)
    k_own = np.searchsorted(data.tau, data.t[data.job])
    eta[data.job] += data.X[data.job] - xbar[k_own]
    # q(u) at each censoring time u
    weight = data.d * data.g_tau / s0
    tail0 = np.concatenate([weight[::-1].cumsum()[::-1], [0.0]])
    tail1 = np.vstack([(weight[:, None] * xbar)[::-1].cumsum(0)[::-1], np.zeros((1, xbar.shape[1]))])
    k_u = np.searchsorted(data.tau, data.censor_times, side="left")
    gone = np.column_stack([r, r[:, None] * data.X]) * (data.comp / data.g)[:, None]
    gone = np.vstack([np.zeros((1, gone.shape[1])), gone.cumsum(0)])
    a = gone[np.searchsorted(data.t, data.censor_times, side="left")]
    q = a[:, 1:] * tail0[k_u][:, None] - a[:, :1] * tail1[k_u]
    u_of = np.searchsorted(data.censor_times, data.t, side="right")  # censoring times <= T_i
    drift = np.vstack(
        [np.zeros((1, q.shape[1])), np.cumsum(q * (data.censored / data.censor_at_risk**2)[:, None], 0)]
    )
    psi = -drift[u_of]
    cens = data.status == CENSORED
    psi[cens] += q[u_of[cens] - 1] / data.censor_at_risk[u_of[cens] - 1][:, None]
    total = eta + psi
    return total.T @ total


def fit_fine_gray(days, status, X, maxiter: int = 100, tol: float = 1e-10) -> FineGrayFit:
    """Fine-Gray model of job entry (status 1) with discharge (2) competing; Newton-Raphson from
    beta = 0 with step-halving, as accurate as rounding allows. Covariance: crr's sandwich."""
    data = _Data(days, status, X)
    if not data.job.any():
        raise AnalysisError("No first job starts: no Fine-Gray model.")
    beta = np.zeros(data.X.shape[1])
    loglik, score, info, parts = _evaluate(data, beta)
    converged, it = False, 0
    while it < maxiter and not converged:
        it += 1
        step = np.linalg.solve(info, score)
        converged = bool((np.abs(step) <= tol * (1 + np.abs(beta))).all())
        for _ in range(40):
            trial = _evaluate(data, beta + step)
            if np.isfinite(trial[0]) and trial[0] >= loglik - 1e-12 * abs(loglik):
                break
            step = step / 2
        beta = beta + step
        loglik, score, info, parts = trial
    bread = np.linalg.inv(info)
    covariance = bread @ _sandwich_middle(data, parts) @ bread
    return FineGrayFit(beta, info, covariance, it, converged)


def fine_gray_model(store: Store, settings: Settings) -> ImpactResult:
    """Fine-Gray model of job entry on the settings' controls (local authority as a factor: the
    model has no strata), discharge without a job competing; crr's sandwich standard errors."""
    frame = with_integration(analysis_frame(store, settings))
    terms = controls(settings, frame)
    keep = list(dict.fromkeys(["days_followed", "exit_status", "job_entry", *terms]))
    d = design(
        frame.select(keep), terms, "job_entry", references={"integration_strength": INTEGRATION_REFERENCE}
    )
    if not d.names:
        raise AnalysisError("The Fine-Gray model has no covariates left to estimate.")
    try:
        res = fit_fine_gray(d.frame["days_followed"].to_numpy(), d.frame["exit_status"].to_numpy(), d.X)
    except np.linalg.LinAlgError:
        raise AnalysisError("The Fine-Gray model could not be fitted (collinear covariates).") from None
    std = np.sqrt(np.diag(res.covariance))
    if not (np.isfinite(res.params).all() and np.isfinite(std).all()) or np.abs(res.params).max() > 15:
        raise AnalysisError(
            "The Fine-Gray model did not converge (a covariate perfectly predicts job entry)."
        )
    crit = norm_ppf(0.975)
    p = 2 * norm_sf(np.abs(res.params / std))
    table = hazard_ratio_table(d, res.params, std, crit, p)
    status = d.frame["exit_status"].to_numpy()
    notes = [
        "Sensitivity: Fine-Gray model of the subdistribution hazard of a first job, with discharge without "
        "a job as the competing event (discharged clients stay in the risk set, weighted by the chance of "
        "still being followed up). Its hazard ratios describe differences in the share who ever start a "
        "job; the cause-specific Cox model describes the pace of job starts among clients still on the "
        "caseload. Fitted as R's cmprsk::crr (Breslow ties; sandwich standard errors allowing for the "
        "estimated censoring weights; normal intervals), checked against it in the test suite.",
        "Local authority enters as a factor (the model has no strata); standard errors are not clustered.",
        *d.notes,
    ]
    if not res.converged:
        notes.append(f"Fitting warning: Newton-Raphson did not converge ({res.iterations} iterations).")
    notes += controls_note(settings, frame)
    card = {
        "outcome": "time from engagement to first job start (days); discharge without a job competing",
        "formula": f"crr(days_followed, exit_status; failcode 1, cencode 0) ~ {' + '.join(t for t in terms if t in {r['term'] for r in d.rows})}",
        "n": d.frame.height,
        "events": int((status == JOB).sum()),
        "competing_events": int((status == DISCHARGED).sum()),
        "clusters": None,
        "se_type": "Fine-Gray sandwich (cmprsk::crr), normal",
        "df": None,
        "imputations": 0,
        "software": f"ipseval {__version__} Fine-Gray (numpy {np.__version__}; verified against R cmprsk::crr)",
        "ties": "breslow",
        "dropped_missing": d.dropped,
    }
    return ImpactResult("fine_gray", table, card, notes)
