"""Cox proportional hazards model, Efron ties, optional strata: vectorised numpy.

The same estimator as R's ``coxph(ties="efron")`` and statsmodels ``PHReg(ties="efron")`` (the test
suites check the parameters, the Hessian and the log-likelihood against both, and the score residuals
and robust and clustered standard errors against R), without per-subject loops: every sum over a risk set
is a cumulative sum after sorting by (stratum, time), so a fit costs a few passes over the data.

Per stratum, at the unique failure times u_k with d_k tied events D_k and risk set R_k (everyone still
followed at u_k, including those censored then), r = exp(eta), c_l = l / d_k and
phi_kl = S0_k - c_l S0D_k (l = 0..d_k-1), with S_j sums of r x^j over R_k and SD_j over D_k:

    loglik      = sum_D eta - sum_k sum_l log phi_kl
    score       = sum_D x - sum_k (a0_k S1_k - a1_k S1D_k),   a_j = sum_l c_l^j / phi_kl
    information = sum_k (a0_k S2_k - a1_k S2D_k)
                  - sum_k (b0_k S1 S1' - b1_k (S1 S1D' + S1D S1') + b2_k S1D S1D'),   b_j = sum_l c_l^j / phi_kl^2

and sum_k a0_k S2_k = X' diag(r_i A0(t_i)) X with A0(t) the running sum of a0 over failure times up
to t, so the information is a single weighted Gram matrix plus small corrections.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy import sparse

from .design import tdot

COLLINEAR_EIGENVALUE = 1e-11  # smallest eigenvalue of the scaled information at beta = 0


class CollinearError(np.linalg.LinAlgError):
    """The covariates are collinear within the risk sets: the model is not identified."""


def _segment_cumsum(values: np.ndarray, bounds: np.ndarray, reverse: bool = False) -> np.ndarray:
    """Cumulative sums (along axis 0) restarted at each segment [bounds[j], bounds[j + 1])."""
    out = np.empty_like(values)
    for a, b in pairwise(bounds.tolist()):
        if reverse:
            out[a:b] = np.cumsum(values[a:b][::-1], axis=0)[::-1]
        else:
            np.cumsum(values[a:b], axis=0, out=out[a:b])
    return out


@dataclass
class CoxFit:
    """Fitted Cox model: estimates, observed information (minus the Hessian) and fitting record."""

    model: Efron
    params: np.ndarray
    information: np.ndarray
    loglik: float
    iterations: int
    converged: bool

    def score_residuals(self, groups=None, n_groups: int | None = None) -> np.ndarray:
        """Score residuals at the estimates, or their sums by group (see :meth:`Efron.score_residuals`)."""
        return self.model.score_residuals(self.params, groups, n_groups)


class Efron:
    """Right-censored times sorted by (stratum, time) for the Efron partial likelihood.

    time, status (1 = event), X (n x p), strata (labels, or None for one stratum). Subjects who add
    nothing to the likelihood (in a stratum without events, or censored before its first event) are
    set aside; their score residuals are 0.
    """

    def __init__(self, time, status, X, strata=None):
        time = np.asarray(time, dtype=float)
        status = np.asarray(status).astype(bool)
        X = np.asarray(X, dtype=float).reshape(len(time), -1)
        self.n, self.p = X.shape
        if time.size == 0 or not time.min() >= 0:
            raise ValueError("Survival times must be given, not missing and not negative.")
        if not status.any():
            raise ValueError("No events: the partial likelihood is empty.")
        if strata is None:
            s = np.zeros(self.n, dtype=np.int64)
        else:
            s = np.asarray(strata)
            if not np.issubdtype(s.dtype, np.integer):
                s = np.unique(s, return_inverse=True)[1]
            s = s.astype(np.int64)
        # events first among tied times, so each failure time's events are consecutive rows
        order = np.lexsort((~status, time, s))
        s, t, e = s[order], time[order], status[order]
        new_time = np.r_[True, (s[1:] != s[:-1]) | (t[1:] != t[:-1])]
        fails = new_time & e  # first row of each failure time (its events come first)
        # k: the last failure time at or before each row's time, numbered 0..K-1 over all strata;
        # the row is kept if that failure time is in its own stratum (else it is in no risk set)
        k = np.cumsum(fails) - 1
        fstrat = np.append(s[fails], -1)  # k = -1 (before every failure time) picks the -1
        keep = fstrat[k] == s
        self.rows = order[keep]  # input row of each kept (sorted) row
        s, e, k = s[keep], e[keep], k[keep]
        self.X = X[self.rows]
        self.X_mean = self.X.mean(0)
        self.X -= self.X_mean  # centred: the model is unchanged, the sums are more accurate
        self._work = np.empty_like(self.X)  # reused by every evaluation (no fresh pages each time)
        self.events = np.flatnonzero(e)
        self._k = k
        # rows with the same k lie between two failure times: the risk set at u_k is every row of
        # the stratum with k' >= k, so risk-set sums are reverse cumulative sums over k
        K = int(k[-1]) + 1
        self._k_ptr = np.searchsorted(k, np.arange(K + 1))
        self._strata_rows = np.r_[np.flatnonzero(np.r_[True, s[1:] != s[:-1]]), s.size]
        self._strata_k = np.r_[k[self._strata_rows[:-1]], K]
        self.d = np.bincount(k[self.events], minlength=K).astype(float)
        self._event_ptr = np.r_[0, np.cumsum(self.d)].astype(np.int64)
        # one entry per event: its failure time k and c_l = l / d_k
        self._rep = k[self.events]
        self._c = (np.arange(self.events.size) - self._event_ptr[self._rep]) / self.d[self._rep]
        self._sum_x_events = self.X[self.events].sum(0)

    # ------------------------------------------------------------------------------ pieces

    def _hazard(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Linear predictor less its stratum maximum (as statsmodels), and r = exp of it."""
        eta = self.X @ beta
        top = np.maximum.reduceat(eta, self._strata_rows[:-1])
        eta -= np.repeat(top, np.diff(self._strata_rows))
        return eta, np.exp(eta)

    def _sums(self, r: np.ndarray) -> tuple[np.ndarray, ...]:
        """S0, S1 over each failure time's risk set and S0D, S1D over its events (S1: K x p)."""
        K, n, ev = self.d.size, r.size, self.events
        by_k = sparse.csr_matrix((r, np.arange(n), self._k_ptr), shape=(K, n))
        s0 = _segment_cumsum(np.add.reduceat(r, self._k_ptr[:-1]), self._strata_k, reverse=True)
        s1 = _segment_cumsum(by_k @ self.X, self._strata_k, reverse=True)
        at_k = sparse.csr_matrix((r[ev], ev, self._event_ptr), shape=(K, n))
        return s0, s1, np.add.reduceat(r[ev], self._event_ptr[:-1]), at_k @ self.X

    def evaluate(self, beta, derivatives: bool = True):
        """(log partial likelihood, score, information); the last two None without derivatives."""
        beta = np.asarray(beta, dtype=float)
        eta, r = self._hazard(beta)
        ev, rep, c, K = self.events, self._rep, self._c, self.d.size
        if not derivatives:
            s0 = _segment_cumsum(np.add.reduceat(r, self._k_ptr[:-1]), self._strata_k, reverse=True)
            s0d = np.add.reduceat(r[ev], self._event_ptr[:-1])
            return float(eta[ev].sum() - np.log(s0[rep] - c * s0d[rep]).sum()), None, None
        s0, s1, s0d, s1d = self._sums(r)
        phi = s0[rep] - c * s0d[rep]
        loglik = float(eta[ev].sum() - np.log(phi).sum())
        inv = 1 / phi
        a0, a1 = np.bincount(rep, inv, K), np.bincount(rep, c * inv, K)
        score = self._sum_x_events - a0 @ s1 + a1 @ s1d
        inv2 = inv * inv
        b0, b1, b2 = (np.bincount(rep, w, K) for w in (inv2, c * inv2, c * c * inv2))
        # sum_k a0_k S2_k - a1_k S2D_k as one Gram: weight r_i (A0(t_i) - [event] a1_k(i)) >= 0
        weight = _segment_cumsum(a0, self._strata_k)[self._k]
        weight[ev] -= a1[rep]
        root = np.multiply(self.X, np.sqrt(r * np.maximum(weight, 0))[:, None], out=self._work)
        info = tdot(root)
        info -= tdot(s1, b0[:, None] * s1 - b1[:, None] * s1d) + tdot(
            s1d, b2[:, None] * s1d - b1[:, None] * s1
        )
        return loglik, score, (info + info.T) / 2

    def loglike(self, beta) -> float:
        return self.evaluate(beta, derivatives=False)[0]

    def score(self, beta) -> np.ndarray:
        return self.evaluate(beta)[1]

    def information(self, beta) -> np.ndarray:
        """Observed information: minus statsmodels' ``PHReg.hessian``."""
        return self.evaluate(beta)[2]

    def score_residuals(self, beta, groups=None, n_groups: int | None = None) -> np.ndarray:
        """Efron-weighted score residuals (as R's ``residuals(coxph(ties="efron"), "score")``), input order.

        Efron's method splits a failure time u_k with d_k tied events into d_k steps l = 0..d_k-1: at
        step l each tied event is 1/d_k of a death and keeps the risk weight (1 - c_l) r_i, everyone
        else in R_k keeps r_i, so the step's denominator is phi_kl and its mean m_kl =
        (S1_k - c_l S1D_k) / phi_kl. Subject i's residual is the sum over the steps it is at risk for

            U_i = sum_k sum_l (dN_ikl - w_ikl r_i / phi_kl) (x_i - m_kl),
            dN_ikl = [i in D_k] / d_k,   w_ikl = 1 - c_l [i in D_k],

        which sums over subjects to the score (0 at the estimate: sum_i w_ikl r_i (x_i - m_kl) = 0 per
        step). With a0_k, a1_k as in the module docstring, B_k = sum_l m_kl / phi_kl,
        B1_k = sum_l c_l m_kl / phi_kl, mbar_k = sum_l m_kl / d_k and running sums A(t) of a0_k and
        G(t) of B_k over failure times up to t:

            U_i = x_i (e_i - r_i A(t_i)) + r_i G(t_i) - e_i (mbar_k + r_i (B1_k - a1_k x_i)),  k = k(i).

        Without ties (d_k = 1) this is the Breslow residual (a0_k = 1 / S0_k, m_k = xbar_k, c = 0). A
        subject outside every risk set gets 0 (statsmodels: NaN). With ``groups`` (integer codes
        0..n_groups-1 per input row): the sums of U within each group (n_groups x p), without forming U.
        """
        _, r = self._hazard(np.asarray(beta, dtype=float))
        a0, a1, B, B1, mbar = self._steps(r)
        own = -r * _segment_cumsum(a0, self._strata_k)[self._k]
        ev, rep = self.events, self._rep
        own[ev] += 1 + r[ev] * a1[rep]
        G = _segment_cumsum(B, self._strata_k)
        at_event = mbar[rep] + r[ev, None] * B1[rep]  # the event's own terms at its failure time
        if groups is None:
            U = self.X * own[:, None] + r[:, None] * G[self._k]
            U[ev] -= at_event
            out = np.zeros((self.n, self.p))
            out[self.rows] = U
            return out
        g = np.asarray(groups)[self.rows]
        n_groups = int(g.max()) + 1 if n_groups is None else n_groups
        by_group = sparse.csr_matrix((own, (g, np.arange(g.size))), shape=(n_groups, g.size))
        at_risk = sparse.csr_matrix((r, (g, self._k)), shape=(n_groups, self.d.size))  # duplicates summed
        failing = np.zeros((n_groups, self.p))
        np.add.at(failing, g[ev], at_event)
        return by_group @ self.X + at_risk @ G - failing

    def _steps(self, r: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per failure time: a0, a1 (as in the module docstring), B, B1 and mbar (K x p) of Efron's steps."""
        s0, s1, s0d, s1d = self._sums(r)
        rep, c, K, ptr = self._rep, self._c, self.d.size, self._event_ptr[:-1]
        inv = 1 / (s0[rep] - c * s0d[rep])
        m = (s1[rep] - c[:, None] * s1d[rep]) * inv[:, None]  # one row per step (k, l)
        a0, a1 = np.bincount(rep, inv, K), np.bincount(rep, c * inv, K)
        # every failure time has at least one event, so no reduceat segment is empty
        B = np.add.reduceat(m * inv[:, None], ptr)
        B1 = np.add.reduceat(m * (c * inv)[:, None], ptr)
        mbar = np.add.reduceat(m, ptr) / self.d[:, None]
        return a0, a1, B, B1, mbar

    # ---------------------------------------------------------------------------------- fit

    def fit(self, maxiter: int = 100, tol: float = 1e-10, max_abs: float = 50.0) -> CoxFit:
        """Newton-Raphson with step-halving from beta = 0.

        Converged when a full step moves each coefficient by at most ``tol`` (1 + |beta|) (statsmodels
        PHReg: 1e-8); that step is still taken, so the estimates are exact to rounding. Stops
        unconverged after ``maxiter`` steps, when halving cannot raise the likelihood, or once a
        coefficient passes ``max_abs`` (estimates running off to infinity: separation).
        CollinearError if the information at beta = 0 is singular.
        """
        beta = np.zeros(self.p)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            loglik, score, info = self.evaluate(beta)
            scale = np.sqrt(np.diag(info))
            if not (scale > 0).all() or (
                np.linalg.eigvalsh(info / np.outer(scale, scale))[0] < COLLINEAR_EIGENVALUE
            ):
                raise CollinearError("collinear covariates")
            converged, it = False, 0
            while it < maxiter and not converged:
                it += 1
                try:
                    step = np.linalg.solve(info, score)
                except np.linalg.LinAlgError:
                    break  # the information has become singular: estimates running off to infinity
                small = np.abs(step) <= tol * (1 + np.abs(beta))
                for _ in range(40):
                    new = beta + step
                    trial = self.evaluate(new)
                    if np.isfinite(trial[0]) and trial[0] >= loglik - 1e-12 * abs(loglik):
                        break
                    step = step / 2
                else:
                    break  # cannot improve the likelihood
                converged = small.all()
                beta, (loglik, score, info) = new, trial
                if np.abs(beta).max() > max_abs:
                    break
        return CoxFit(self, beta, info, loglik, it, bool(converged))


def fit(time, status, X, strata=None, **kwargs) -> CoxFit:
    """Fit a Cox model with Efron ties (see :class:`Efron`)."""
    return Efron(time, status, X, strata).fit(**kwargs)
