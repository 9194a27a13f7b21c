"""The few distribution functions ipseval needs, on :mod:`scipy.special` alone.

``scipy.stats`` costs about a second to import (every distribution object and its generated
docstrings, plus ``scipy.optimize`` and ``scipy.spatial``), a large part of a small evaluation.
These functions call the ``scipy.special`` routines ``scipy.stats`` (1.17) calls, so they return the
same numbers: normal (``ndtr``, ``ndtri``), Student t (``stdtr``, ``stdtrit``), chi-square
(``chdtrc``; the quantile as ``2 gammaincinv(df / 2, q)``, as ``scipy.stats.chi2.ppf``); ranks,
Spearman's rho and the Wilcoxon signed-rank test do scipy.stats' arithmetic. The binomial
P(X <= k) is Boost's regularised incomplete beta ``betaincc(k + 1, n - k, p)``, the formula of
the Boost binomial ``scipy.stats.binom`` calls: it agrees with that and with R's ``pbinom`` to about
1e-14 relative (Cephes' ``bdtr`` is off by up to 1e-11 for n in the thousands).

Arguments broadcast like NumPy ufuncs; a scalar argument gives a NumPy scalar. Out-of-range
arguments (df <= 0, q outside [0, 1], a non-integer n) give NaN, as in ``scipy.stats``.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

EXACT_WILCOXON_BELOW = 50  # R's wilcox.test: the exact null distribution below 50 non-zero changes


def norm_cdf(x: ArrayLike) -> Any:
    """Standard normal P(X <= x)."""
    return special.ndtr(x)


def norm_sf(x: ArrayLike) -> Any:
    """Standard normal P(X > x)."""
    return special.ndtr(-np.asarray(x, dtype=float))


def norm_ppf(q: ArrayLike) -> Any:
    """Standard normal quantile."""
    return special.ndtri(q)


def t_sf(x: ArrayLike, df: ArrayLike) -> Any:
    """Student t P(X > x) with ``df`` degrees of freedom (``df`` may be infinite)."""
    return special.stdtr(df, -np.asarray(x, dtype=float))


def t_ppf(q: ArrayLike, df: ArrayLike) -> Any:
    """Student t quantile with ``df`` degrees of freedom (-inf for q = 0, where stdtrit says +inf)."""
    q, df = np.asarray(q, dtype=float), np.asarray(df, dtype=float)
    return np.where((q == 0) & (df > 0), -np.inf, special.stdtrit(df, q))[()]


def chi2_sf(x: ArrayLike, df: ArrayLike) -> Any:
    """Chi-square P(X > x) with ``df`` > 0 degrees of freedom (1 for x <= 0)."""
    x, df = np.asarray(x, dtype=float), np.asarray(df, dtype=float)
    return np.where(df > 0, special.chdtrc(df, np.maximum(x, 0.0)), np.nan)[()]


def chi2_ppf(q: ArrayLike, df: ArrayLike) -> Any:
    """Chi-square quantile with ``df`` > 0 degrees of freedom."""
    q, df = np.asarray(q, dtype=float), np.asarray(df, dtype=float)
    return np.where(df > 0, 2 * special.gammaincinv(df / 2, q), np.nan)[()]


def _binom_args(n: ArrayLike, p: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, p = np.asarray(n, dtype=float), np.asarray(p, dtype=float)
    return n, p, (n >= 0) & (n == np.floor(n)) & (p >= 0) & (p <= 1)


def binom_cdf(k: ArrayLike, n: ArrayLike, p: ArrayLike) -> Any:
    """Binomial P(X <= k), X ~ Bin(n, p): 0 below 0, 1 from n on, k rounded down."""
    n, p, ok = _binom_args(n, p)
    k = np.floor(np.asarray(k, dtype=float))
    inside = special.betaincc(k + 1, n - k, p)  # NaN outside 0 <= k < n, replaced below
    return np.where(ok, np.where(k < 0, 0.0, np.where(k >= n, 1.0, inside)), np.nan)[()]


def _binom_reaches(k: np.ndarray, n: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """P(X <= k) >= q; above q = 1/2 as P(X > k) <= 1 - q (exact for q >= 1/2), the upper tail
    being accurate to its last digits where P(X <= k) rounds to 1."""
    upper = q > 0.5
    sf = np.where(k < 0, 1.0, np.where(k >= n, 0.0, special.betainc(k + 1, n - k, p)))
    return np.where(upper, sf <= 1 - q, binom_cdf(k, n, p) >= q)


def binom_ppf(q: ArrayLike, n: ArrayLike, p: ArrayLike) -> Any:
    """Binomial quantile: the smallest k with P(X <= k) >= q (-1 for q = 0, as scipy.stats).

    Starts from ceil(bdtrik), the continuous inverse, then steps down while P(X <= k - 1) >= q
    and up while P(X <= k) < q (only the elements still moving are evaluated). The same integer as
    ``scipy.stats.binom.ppf``, except where P(X <= k) is within a rounding error of q or q is
    within about 1e-12 of 0 or 1: there scipy.stats (Boost) is sometimes off by one or two, and
    the answers here were checked in exact arithmetic (P(X <= 166) = 1/2 exactly for n = 333,
    p = 1/2: 166 here and in R, 167 in scipy.stats)."""
    q, n, p = np.broadcast_arrays(np.asarray(q, dtype=float), *_binom_args(n, p)[:2])
    valid = _binom_args(n, p)[2]
    ok = valid & (q > 0) & (q < 1)
    with np.errstate(invalid="ignore"):
        k = np.nan_to_num(np.clip(np.ceil(special.bdtrik(q, n, p)), 0, n), nan=0.0).ravel()
    qf, nf, pf = q.ravel(), n.ravel(), p.ravel()
    i = np.flatnonzero(ok.ravel())
    while i.size:  # down while P(X <= k - 1) >= q
        i = i[(k[i] > 0) & _binom_reaches(k[i] - 1, nf[i], pf[i], qf[i])]
        k[i] -= 1
    i = np.flatnonzero(ok.ravel())
    while i.size:  # up while P(X <= k) < q
        i = i[(k[i] < nf[i]) & ~_binom_reaches(k[i], nf[i], pf[i], qf[i])]
        k[i] += 1
    edge = np.where(q == 0, -1.0, np.where(q == 1, n, np.nan))
    return np.where(ok, k.reshape(q.shape), np.where(valid, edge, np.nan))[()]


def _ranks_and_ties(a: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks of the flattened ``a`` (all NaN if any value is NaN) and the size of each group
    of equal values."""
    x = np.asarray(a, dtype=float).ravel()
    if x.size == 0 or np.isnan(x).any():
        return np.full(x.shape, np.nan), np.ones(x.size, dtype=np.int64)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    first = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    counts = np.diff(first, append=x.size)
    ranks = np.empty(x.size)
    ranks[order] = np.repeat(first + 1 + (counts - 1) / 2, counts)
    return ranks, counts


def rankdata(a: ArrayLike) -> np.ndarray:
    """Ranks 1..n of the flattened ``a``, ties given their average rank (``scipy.stats.rankdata``
    and R's ``rank``); all NaN if any value is NaN."""
    return _ranks_and_ties(a)[0]


def spearman_rho(x: ArrayLike, y: ArrayLike) -> float:
    """Spearman's rank correlation: Pearson's r of the average ranks (NaN for fewer than two
    points, a constant input or any NaN, as ``scipy.stats.spearmanr``)."""
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.size != y.size:
        raise ValueError("x and y must have the same length")
    if x.size < 2 or (x == x[0]).all() or (y == y[0]).all() or np.isnan(x).any() or np.isnan(y).any():
        return float("nan")
    return float(np.corrcoef(np.column_stack((rankdata(x), rankdata(y))), rowvar=False)[1, 0])


class WilcoxonResult(NamedTuple):
    statistic: float  # V: the sum of the ranks of the positive differences
    pvalue: float  # two-sided
    method: Literal["exact", "normal"]


def _signed_rank_pmf(n: int) -> np.ndarray:
    """P(V = v), v = 0 .. n(n + 1)/2, under the null, by adding one rank at a time."""
    c = np.ones(1)
    for k in range(1, n + 1):
        prev, c = c, np.zeros(k * (k + 1) // 2 + 1)
        c[: prev.size] = prev * 0.5
        c[-prev.size :] += prev * 0.5
    return c


def wilcoxon_signed_rank(d: ArrayLike) -> WilcoxonResult:
    """R's ``wilcox.test(d)``, two-sided. Zero differences are dropped. With fewer than 50 left and
    no zeros or ties, the p-value comes from the exact null distribution of V; otherwise from the
    normal approximation with the tie-corrected variance and a continuity correction (as
    ``scipy.stats.wilcoxon(d, correction=True, method="asymptotic")``). NaN p-value if any
    difference is NaN; ValueError if every difference is zero."""
    d = np.asarray(d, dtype=float).ravel()
    nz = d[d != 0]
    if nz.size == 0:
        raise ValueError("the Wilcoxon test needs at least one non-zero difference")
    ranks, ties = _ranks_and_ties(np.abs(nz))
    v = float(ranks[nz > 0].sum())
    n = nz.size
    exact = n < EXACT_WILCOXON_BELOW and np.unique(np.abs(nz)).size == n and nz.size == d.size
    if np.isnan(nz).any():
        return WilcoxonResult(v, float("nan"), "exact" if exact else "normal")
    if exact:
        pmf, k, mean = _signed_rank_pmf(n), int(v), n * (n + 1) / 4
        sf = pmf[k:].sum() if k <= mean else 1 - pmf[:k].sum()
        cdf = pmf[: k + 1].sum() if k <= mean else 1 - pmf[k + 1 :].sum()
        return WilcoxonResult(v, float(np.clip(2 * min(sf, cdf), 0, 1)), "exact")
    count = float(n)
    se = np.sqrt((count * (count + 1.0) * (2.0 * count + 1.0) - float(np.sum(ties**3 - ties)) / 2) / 24)
    z = (v - count * (count + 1.0) * 0.25) / se
    z -= np.sign(z) * 0.5 / se
    return WilcoxonResult(v, float(2 * special.ndtr(-abs(z))), "normal")
