"""Time to first job with discharge as a competing event: Aalen-Johansen and Gray's test.

A client leaves "out of work, on the caseload" (state 0) by starting a job (event 1) or by being
discharged without one (event 2, the competing event: the service cannot find them a job after
that); clients still on the caseload at the data cut are censored. Kaplan-Meier with discharge as
censoring answers "how many would have started a job had nobody been discharged", which is not
what happened; the cumulative incidence below is the share who did start a job by each time.

Status codes used throughout: 0 censored, 1 job start, 2 discharged without a job
(:data:`CENSORED`, :data:`JOB`, :data:`DISCHARGED`). The estimators match R
``survival::survfit(Surv(time, factor(status)) ~ 1)`` and ``cmprsk::cuminc`` (see
tests/reference/competing.R).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .distributions import chi2_sf, norm_ppf

CENSORED, JOB, DISCHARGED = 0, 1, 2
Z95 = float(norm_ppf(0.975))


def cumulative_incidence(days: np.ndarray, status: np.ndarray, z: float = Z95) -> pl.DataFrame:
    """Aalen-Johansen estimate of the share who had started a job (and been discharged) by each time.

    At the distinct times t_l (any exit) with n_l at risk and d_jl exits of type j, h_jl = d_jl / n_l
    and h_l = h_1l + h_2l. Still out of work: S(t) = prod_{t_l <= t} (1 - h_l); cumulative incidence
    of event j: F_j(t) = sum_{t_l <= t} S(t_{l-1}) h_jl.

    Standard errors are the infinitesimal jackknife (R's survfit for multi-state data): the
    derivative U_i of the estimate with respect to client i's case weight, se^2 = sum_i U_i^2. With
    dN_ijl = [client i leaves by event j at t_l], Y_il = [at risk at t_l], dh_jl/dw_i = (dN_ijl -
    Y_il h_jl) / n_l and, for P = F_j (or S), A_l = S(t_{l-1}) / n_l (0 for S),
    b_l = -1 / (n_l (1 - h_l)) (0 when h_l = 1) and x_l = F_j(t_l) (0 for S):

        U_i(t) = sum_{t_l <= t} A_l dN_ijl + b_l (P(t) - x_l) dN_il - Y_il (p_l + P(t) q_l),
        p_l = A_l h_jl - b_l h_l x_l,   q_l = b_l h_l.

    A client who left at t_e <= t contributes c_e + P(t) g_e (c_e = A_e [j] - b_e x_e [event]
    - sum_{l <= e} p_l, g_e = b_e [event] - sum_{l <= e} q_l); everyone still at risk after t
    contributes -(sum_{l <= t} p_l + P(t) q_l). So se^2 is a few running sums: no n x times matrix.
    95% intervals on the log scale, as survfit's default: p exp(-/+ z se / p), upper capped at 1.

    Returns one row per distinct time: day, at_risk, job_starts, discharges, censored, out_of_work
    (S), in_work (F_1), discharged (F_2), each with _se, _ci_low and _ci_high.
    """
    days = np.asarray(days, dtype=float)
    status = np.asarray(status, dtype=np.int64)
    times, exit_at = np.unique(days, return_inverse=True)
    counts = np.zeros((3, times.size))
    np.add.at(counts, (status, exit_at), 1.0)
    leaving = counts.sum(0)
    at_risk = days.size - np.concatenate([[0.0], np.cumsum(leaving)[:-1]])
    h = counts[1:] / at_risk
    h_any = h.sum(0)
    out = np.cumprod(1.0 - h_any)
    before = np.concatenate([[1.0], out[:-1]])
    cif = np.cumsum(before * h, axis=1)
    ends = np.isclose(h_any, 1.0)
    b = np.where(ends, 0.0, -1.0 / (at_risk * np.where(ends, 1.0, 1.0 - h_any)))
    frame = {
        "day": times,
        "at_risk": at_risk.astype(np.int64),
        "job_starts": counts[JOB].astype(np.int64),
        "discharges": counts[DISCHARGED].astype(np.int64),
        "censored": counts[CENSORED].astype(np.int64),
    }
    estimates = {"out_of_work": (out, 0), "in_work": (cif[0], JOB), "discharged": (cif[1], DISCHARGED)}
    for name, (p, j) in estimates.items():
        se = _jackknife_se(p, j, counts, at_risk, h, h_any, before, b)
        low, high = log_interval(p, se, z)
        frame |= {name: p, f"{name}_se": se, f"{name}_ci_low": low, f"{name}_ci_high": high}
    return pl.DataFrame(frame)


def _jackknife_se(p, j, counts, at_risk, h, h_any, before, b) -> np.ndarray:
    """Infinitesimal-jackknife standard error of ``p`` (state j: 0 = still out of work); see above."""
    if j == CENSORED:
        a, x, hj = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    else:
        a, x, hj = before / at_risk, p, h[j - 1]
    p_cum = np.cumsum(a * hj - b * h_any * x)
    q_cum = np.cumsum(b * h_any)
    events = counts[1:].sum(0)
    own = counts[j] if j != CENSORED else np.zeros_like(p)
    # per exit time, the clients who left then: n_e (c_e + P g_e)^2 summed by type of exit
    c_event, c_own = -b * x - p_cum, a - b * x - p_cum
    g_event, g_rest = b - q_cum, -q_cum
    n_other_event = events - own
    sums = [
        own * c_own**2 + n_other_event * c_event**2 + counts[CENSORED] * p_cum**2,
        own * c_own * g_event + n_other_event * c_event * g_event + counts[CENSORED] * -p_cum * g_rest,
        (own + n_other_event) * g_event**2 + counts[CENSORED] * g_rest**2,
    ]
    s0, s1, s2 = (np.cumsum(s) for s in sums)
    later = at_risk - counts.sum(0)
    var = s0 + 2 * p * s1 + p**2 * s2 + later * (p_cum + p * q_cum) ** 2
    return np.sqrt(np.maximum(var, 0.0))


def log_interval(p: np.ndarray, se: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """survfit's log-scale interval p exp(-/+ z se / p), upper capped at 1; null where p is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        half = np.where(se == 0, 0.0, z * se / p)
        low = np.where(p > 0, p * np.exp(-half), np.nan)
        high = np.where(p > 0, np.minimum(p * np.exp(half), 1.0), np.nan)
    return low, high


def first_reaching(curve: pl.DataFrame, column: str, share: float = 0.5) -> float | None:
    """The first day ``column`` reaches ``share`` (the median time to first job when the share who
    started a job reaches a half), or None when it never does."""
    hit = curve.filter(pl.col(column) >= share - 1e-12)  # a sum of n / 2 steps of 1 / n can fall short
    return float(hit["day"][0]) if hit.height else None


def gray_test(days: np.ndarray, status: np.ndarray, group: np.ndarray, cause: int = JOB) -> dict:
    """Gray's (1988) K-sample test of equal cumulative incidence of ``cause`` (rho = 0), as
    ``cmprsk::cuminc(...)$Tests``.

    At each distinct event time, per group k with n_k at risk, left-continuous S_k- and F_k-:
    R_k = n_k (1 - F_k-) / S_k- is the subdistribution risk set and the score is
    z_k = sum_t d_1k - d_1 R_k / sum_k R_k (observed minus expected, first K-1 groups). Its
    variance is Gray's, which allows for the competing event: with h_k = n_k / S_k-, T = sum h_k,
    a = diag(h) - h h' / T and C(t) = sum_{s <= t} a(s) d_1 / (T (1 - F-)) (F: pooled), each
    cause-1 time adds sum_k t3_k (a_k - t4_k C_k)(a_k - t4_k C_k)' and each competing event
    t3'_k t4'_k^2 C_k C_k', plus cross terms with the final C (the variance of the F_k estimates).

    Returns levels, statistic, df, p_value (statistic None for fewer than two groups).
    """
    days = np.asarray(days, dtype=float)
    status = np.asarray(status, dtype=np.int64)
    levels, g = np.unique(np.asarray(group).astype(str), return_inverse=True)
    k = levels.size
    out = {"levels": levels, "statistic": None, "df": 0, "p_value": None}
    if k < 2:
        return out
    per = _group_steps(days, status, g, k, cause)
    score, var = _gray_sums(per)
    # a group without events (or of one client) makes the variance singular: a generalised
    # inverse, with the degrees of freedom its rank, as survival::survdiff does
    v = var[:-1, :-1]
    rank = int(np.linalg.matrix_rank(v, tol=1e-10 * max(float(np.abs(v).max()), 1e-300)))
    if rank == 0:
        return out
    stat = float(score[:-1] @ np.linalg.pinv(v, rcond=1e-10, hermitian=True) @ score[:-1])
    return out | {"statistic": stat, "df": rank, "p_value": float(chi2_sf(stat, rank))}


def _group_steps(days, status, g, k, cause) -> dict[str, np.ndarray]:
    """Per distinct event time (rows) and group (columns): at risk, events of the cause and of
    the other cause, and the left-continuous and right-continuous S_k and F_k."""
    times, at = np.unique(days, return_inverse=True)
    d = np.zeros((3, times.size, k))
    np.add.at(d, (np.where(status == CENSORED, 0, np.where(status == cause, 1, 2)), at, g), 1.0)
    leaving = d.sum(0)
    n = leaving[::-1].cumsum(0)[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(n > 0, 1.0 - (d[1] + d[2]) / n, 1.0)
        s = np.cumprod(step, axis=0)
        s_before = np.vstack([np.ones((1, k)), s[:-1]])
        f = np.cumsum(np.where(n > 0, s_before * d[1] / n, 0.0), axis=0)
    f_before = np.vstack([np.zeros((1, k)), f[:-1]])
    keep = (d[1] + d[2]).sum(1) > 0
    return {"n": n[keep], "d1": d[1][keep], "d2": d[2][keep], "s": s[keep], "s_before": s_before[keep],
            "f_before": f_before[keep]}  # fmt: skip


def _gray_sums(per: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Gray's score and its variance from the per-time, per-group steps of :func:`_group_steps`."""
    n, d1, d2, s, s_before, f_before = (per[c] for c in ("n", "d1", "d2", "s", "s_before", "f_before"))
    live = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        hk = np.where(live, n / s_before, 0.0)  # n_k / S_k-
        rk = np.where(live, n * (1 - f_before) / s_before, 0.0)  # subdistribution risk sets
    total, nd1 = hk.sum(1), d1.sum(1)
    pooled = np.cumsum(nd1 / total)  # pooled F after each time, F- before it
    pooled_before = np.concatenate([[0.0], pooled[:-1]])
    score = (d1 - nd1[:, None] * rk / rk.sum(1, keepdims=True)).sum(0)
    k = hk.shape[1]
    c, var, v2, v3 = np.zeros((k, k)), np.zeros((k, k)), np.zeros((k, k)), np.zeros(k)
    with np.errstate(divide="ignore", invalid="ignore"):
        t4_event = np.where(s > 0, 1 - (1 - pooled[:, None]) / s, 1.0)
        tie = np.where(nd1[:, None] > 1, 1 - (nd1[:, None] - 1) / (total[:, None] * s_before - 1), 1.0)
        t3_event = np.where(live, tie * s_before * nd1[:, None] / (total[:, None] * n), 0.0)
        t4_other = np.where((s > 0) & (d2 > 0), (1 - pooled[:, None]) / s, 0.0)
        tie2 = np.where(d2 > 1, 1 - (d2 - 1) / (n - 1), 1.0)
        t3_other = np.where(t4_other > 0, tie2 * s_before**2 * d2 / n**2, 0.0)
    for t in range(hk.shape[0]):
        a = np.diag(hk[t]) - np.outer(hk[t], hk[t]) / total[t]
        c += a * nd1[t] / (total[t] * (1 - pooled_before[t]))
        if nd1[t] > 0:
            m = a - t4_event[t] * c
            var += (m * t3_event[t]) @ m.T
            v3 += t4_event[t] ** 2 * t3_event[t]
            v2 += m * t4_event[t] * t3_event[t]
        w = t4_other[t] ** 2 * t3_other[t]
        var += (c * w) @ c.T
        v3 += w
        v2 -= c * w
    var += (c * v3) @ c.T + c @ v2.T + v2 @ c.T
    return score, var
