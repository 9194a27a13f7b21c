"""ipseval.distributions against scipy.stats (issue 17: an evaluation no longer imports scipy.stats).

Normal, t and chi-square call the scipy.special routine scipy.stats calls, and ranks, Spearman and
the Wilcoxon test do the same arithmetic, so those are compared for equality. The binomial P(X <= k)
is Boost's incomplete beta (scipy.stats goes through Boost's binomial): compared to 1e-12 relative;
its quantile exactly for q from 1e-6 to 1 - 1e-6, except at ties P(X <= k) = q; there and in the far
tails scipy.stats is sometimes off, and this module's answer is checked in exact rational arithmetic.
Small Wilcoxon cases are worked by hand.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from fractions import Fraction
from math import comb

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from ipseval import distributions as D
from ipseval.wellbeing.stats import wilcoxon_signed_rank as wellbeing_wilcoxon

X = np.r_[-np.inf, -40, -8.5, np.linspace(-6, 6, 97), 8.5, 40, np.inf, np.nan]
Q = np.r_[-0.1, 0, 1e-300, 1e-12, 1e-6, 1e-3, np.linspace(0.01, 0.99, 99), 0.999, 1 - 1e-12, 1, 1.1, np.nan]
DF = [-1, 0, 0.5, 1, 2, 2.5, 3, 7, 30, 120, 1e6, np.inf, np.nan]


def test_normal():
    assert_array_equal(D.norm_cdf(X), stats.norm.cdf(X))
    assert_array_equal(D.norm_sf(X), stats.norm.sf(X))
    assert_array_equal(D.norm_ppf(Q), stats.norm.ppf(Q))
    assert D.norm_ppf(0.975) == stats.norm.ppf(0.975)
    assert isinstance(D.norm_ppf(0.975), np.float64)


@pytest.mark.parametrize("df", DF)
def test_t(df):
    assert_array_equal(D.t_sf(X, df), stats.t.sf(X, df))
    assert_array_equal(D.t_ppf(Q, df), stats.t.ppf(Q, df))


def test_t_broadcasts_over_df():
    df = np.array([1.0, 4.0, np.inf, 12.5])
    assert_array_equal(D.t_sf(1.7, df), stats.t.sf(1.7, df))
    assert_array_equal(D.t_ppf(0.975, df), stats.t.ppf(0.975, df))
    assert (
        D.t_ppf(0.975, np.inf)
        == stats.t.ppf(0.975, np.inf)
        == pytest.approx(stats.norm.ppf(0.975), rel=1e-15)
    )


@pytest.mark.parametrize("df", [-1, 0, 0.5, 1, 2, 3, 4.5, 10, 41, 200, 1e4, np.nan])
def test_chi2(df):
    x = np.r_[-1, 0, 1e-8, np.linspace(0.01, 60, 120), 500, np.inf, np.nan]
    assert_array_equal(D.chi2_sf(x, df), stats.chi2.sf(x, df))
    assert_array_equal(D.chi2_ppf(Q, df), stats.chi2.ppf(Q, df))


def test_chi2_garwood_interval():
    """The exact Poisson interval of ipseval.impact.areas: chi2 quantiles with df 2o and 2o + 2."""
    o = np.arange(1, 300)
    assert_array_equal(D.chi2_ppf(0.025, 2 * o), stats.chi2.ppf(0.025, 2 * o))
    assert_array_equal(D.chi2_ppf(0.975, 2 * o + 2), stats.chi2.ppf(0.975, 2 * o + 2))


NS = [0, 1, 2, 3, 5, 10, 37, 100, 333, 1000, 5000]
PS = [0, 1e-6, 0.01, 0.1, 0.27, 0.5, 0.7, 0.99, 1]


@pytest.mark.parametrize("n", NS)
def test_binom_cdf(n):
    k = np.r_[np.arange(-2, n + 3), -0.5, 0.5, n - 0.5, n + 0.5, np.nan]
    for p in PS:
        ours, theirs = D.binom_cdf(k, n, p), stats.binom.cdf(k, n, p)
        assert_allclose(ours, theirs, rtol=1e-12, atol=1e-300)
        assert_array_equal(ours[k < 0], 0.0)
        assert_array_equal(ours[k >= n], 1.0)


def test_binom_invalid():
    for args in [(3, 2.5, 0.3), (3, -1, 0.3), (3, 10, -0.1), (3, 10, 1.1), (3, np.nan, 0.3)]:
        assert np.isnan(D.binom_cdf(*args)) and np.isnan(stats.binom.cdf(*args))
        assert np.isnan(D.binom_ppf(0.5, *args[1:])) and np.isnan(stats.binom.ppf(0.5, *args[1:]))


def _exact_quantile(q: float, n: int, p: float) -> int:
    """The smallest k with P(X <= k) >= q, in exact rational arithmetic on the doubles q and p."""
    q, p = Fraction(q), Fraction(p)
    total = Fraction(0)
    for k in range(n + 1):
        total += comb(n, k) * p**k * (1 - p) ** (n - k)
        if total >= q:
            return k
    return n


@pytest.mark.parametrize("n", NS)
def test_binom_ppf(n):
    """Equal to scipy.stats.binom.ppf for q from 1e-6 to 1 - 1e-6 (the funnel plot uses 0.001 to
    0.999), except at a tie P(X <= k) = q that scipy.stats puts one up: checked exactly."""
    q = np.r_[Q[(Q == 0) | (Q >= 1e-6) & (Q <= 1 - 1e-6) | (Q >= 1) | np.isnan(Q)]]
    q = np.r_[q, 0.025, 0.975, 0.001, 0.999, 0.0005, 0.9995, np.linspace(0, 1, 201)]
    for p in PS:
        ours, theirs = D.binom_ppf(q, n, p), stats.binom.ppf(q, n, p)
        assert_array_equal(np.isnan(ours), np.isnan(theirs))
        for i in np.flatnonzero(~np.isnan(ours) & (ours != theirs)):
            assert abs(ours[i] - theirs[i]) == 1 and n <= 400, (q[i], n, p)
            assert ours[i] == _exact_quantile(q[i], n, p), (q[i], n, p)


@pytest.mark.filterwarnings("ignore:Error in function boost")  # scipy.stats, at q = 1 - 1e-16
def test_binom_ppf_where_scipy_is_off():
    """Cases where scipy.stats.binom.ppf (Boost) is off, worked exactly or with R's pbinom.

    Ties: P(X <= 166) = 1/2 exactly for n = 333, p = 1/2 (R's qbinom: 166); P(X <= 0) = 1 - p just
    below 0.7000000000000001 (np.linspace's 0.7). Far tails: P(X <= 0) = 2^-1000 < 1e-300 for
    n = 1000; above q = 1 - 1e-14 the answer turns on P(X > k) near 1e-16, computed here directly
    (R: pbinom(2440:2441, 3219, p, lower.tail = FALSE) = 1.47e-16, 1.05e-16 against 1 - q = 1.11e-16;
    pbinom(2382:2383, 4177, ...) = 1.22e-16, 9.41e-17)."""
    exact = [
        (0.5, 333, 0.5, 166, 167),
        (0.7000000000000001, 1, 0.3, 1, 0),
        (1e-300, 1000, 0.5, 1, 0),
        (0.99999999999999, 204, 0.1, 60, 59),
        (0.9999999999999999, 122, 0.2922812942321803, 80, 79),
        (1e-300, 653, 0.8, 83, 82),
    ]
    for q, n, p, ours, theirs in exact:
        assert D.binom_ppf(q, n, p) == ours == _exact_quantile(q, n, p)
        assert stats.binom.ppf(q, n, p) == theirs
    q = 0.9999999999999999
    assert D.binom_ppf(q, 3219, 0.6931452738777405) == 2441
    assert D.binom_ppf(q, 4177, 0.5070880613869977) == 2383


def test_binom_ppf_exact_ties():
    """Where P(X <= k) = q exactly (p = 1/2, n <= 50: exact binary fractions), the quantile is k."""
    for n in (1, 2, 3, 5, 10, 20, 37, 50):
        k = np.arange(n)
        q = np.array([sum(comb(n, j) for j in range(i + 1)) / 2**n for i in k])
        assert_array_equal(D.binom_ppf(q, n, 0.5), k)
        assert_array_equal(stats.binom.ppf(q, n, 0.5), k)


def test_binom_ppf_vectorised():
    n = np.array([1, 10, 250, 4000])
    assert_array_equal(D.binom_ppf(0.975, n, 0.31), stats.binom.ppf(0.975, n, 0.31))
    assert_array_equal(
        D.binom_ppf([0.001, 0.5, 0.999], 77, 0.2), stats.binom.ppf([0.001, 0.5, 0.999], 77, 0.2)
    )
    assert D.binom_ppf(0.0, 10, 0.3) == -1 and D.binom_ppf(1.0, 10, 0.3) == 10


@settings(max_examples=300, deadline=None)
@given(q=st.floats(1e-6, 1 - 1e-6), n=st.integers(0, 3000), p=st.floats(0, 1))
def test_binom_property(q, n, p):
    k = D.binom_ppf(q, n, p)
    theirs = stats.binom.ppf(q, n, p)
    if k != theirs:  # hypothesis finds n odd, p = q = 1/2: P(X <= (n - 1)/2) = 1/2, scipy one up
        assert p == 0.5 and abs(k - theirs) == 1 and k == _exact_quantile(q, n, p)


def test_rankdata():
    for a in ([3, 1, 2], [1, 1, 1], [2, 1, 2, 3, 1, 2], [0.5], [], [4, np.nan, 1]):
        assert_array_equal(D.rankdata(a), stats.rankdata(a))
    assert_array_equal(D.rankdata([10, 20, 20, 30]), [1, 2.5, 2.5, 4])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-5, 5) | st.floats(-1e6, 1e6), min_size=0, max_size=60))
def test_rankdata_property(a):
    assert_array_equal(D.rankdata(a), stats.rankdata(a))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-4, 4), st.floats(-100, 100)), min_size=0, max_size=40))
def test_spearman_property(pairs):
    x = np.array([a for a, _ in pairs], dtype=float)
    y = np.array([b for _, b in pairs], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns of a constant input
        theirs = stats.spearmanr(x, y).statistic if x.size else np.nan
    ours = D.spearman_rho(x, y)
    assert (np.isnan(ours) and np.isnan(theirs)) or ours == theirs


def test_spearman():
    x, y = [1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 6]
    assert D.spearman_rho(x, y) == stats.spearmanr(x, y).statistic
    assert D.spearman_rho([1, 2, 3], [3, 2, 1]) == -1.0
    assert math.isnan(D.spearman_rho([1, 1, 1], [1, 2, 3]))
    assert math.isnan(D.spearman_rho([1], [2]))


# -- Wilcoxon signed rank -------------------------------------------------------------------------


def test_wilcoxon_exact_by_hand():
    """d = 1, 2, 3, -4: ranks 1-4, V = 1 + 2 + 3 = 6. Of the 16 equally likely sign patterns, 7 have
    V >= 6 ({2,4}, {3,4}, {1,2,3}, {1,2,4}, {1,3,4}, {2,3,4}, {1,2,3,4}) and 11 have V <= 6, so
    p = 2 x 7/16 = 0.875 (R's wilcox.test: V = 6, p-value = 0.875)."""
    res = D.wilcoxon_signed_rank([1, 2, 3, -4])
    assert res == (6.0, 0.875, "exact")
    assert D.wilcoxon_signed_rank([1]) == (1.0, 1.0, "exact")  # V = 1: P(V >= 1) = 1/2, doubled
    # all five positive: V = 15, only 1 of 32 patterns as extreme on each side: p = 2/32
    assert D.wilcoxon_signed_rank([0.1, 0.2, 0.3, 0.4, 0.5]) == (15.0, 0.0625, "exact")


def test_wilcoxon_normal_by_hand():
    """d = 1, 1, 2, -3, 0: the zero is dropped (so the normal approximation), |d| ranks 1.5, 1.5, 3, 4;
    V = 6, mean n(n + 1)/4 = 5, variance (n(n + 1)(2n + 1) - (2^3 - 2)/2) / 24 = 7.375, z with the
    continuity correction (6 - 5 - 0.5) / sqrt(7.375); R: V = 6, p-value = 0.85392329928706678."""
    res = D.wilcoxon_signed_rank([1, 1, 2, -3, 0])
    assert res.statistic == 6.0 and res.method == "normal"
    assert res.pvalue == pytest.approx(math.erfc(0.5 / math.sqrt(7.375) / math.sqrt(2)), rel=1e-15)
    assert res.pvalue == pytest.approx(0.85392329928706678, rel=1e-14)


def _scipy_wilcoxon(d: np.ndarray) -> dict:
    """ipseval.wellbeing.stats.wilcoxon_signed_rank as it was before issue 17, on scipy.stats."""
    d = np.asarray(d, dtype=float)
    zeros = bool((d == 0).any())
    nz = d[d != 0]
    out: dict = {"wilcoxon_v": None, "p_wilcoxon": None, "wilcoxon_method": None}
    if nz.size == 0:
        return out
    ranks = stats.rankdata(np.abs(nz))
    out["wilcoxon_v"] = float(ranks[nz > 0].sum())
    ties = np.unique(np.abs(nz)).size < nz.size
    exact = nz.size < 50 and not ties and not zeros
    res = stats.wilcoxon(
        nz,
        zero_method="wilcox",
        correction=not exact,
        alternative="two-sided",
        method="exact" if exact else "asymptotic",
    )
    p = float(res.pvalue)
    out["p_wilcoxon"] = None if math.isnan(p) or math.isinf(p) else p
    out["wilcoxon_method"] = "exact" if exact else "normal"
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-30, 30), min_size=0, max_size=120))
def test_wilcoxon_ties_and_zeros_against_scipy(d):
    """Mostly the normal approximation (ties, zeros or 50+ changes), some exact."""
    assert wellbeing_wilcoxon(np.array(d)) == _scipy_wilcoxon(np.array(d))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-50, 50, allow_subnormal=False).filter(bool), min_size=1, max_size=70, unique=True))
def test_wilcoxon_exact_against_scipy(d):
    """Distinct non-zero values: the exact distribution below 50, the normal approximation from 50."""
    d = np.array(d)
    ours = D.wilcoxon_signed_rank(d)
    if np.unique(np.abs(d)).size < d.size:  # x and -x are tied in |d|
        assert ours.method == "normal"
    assert wellbeing_wilcoxon(d) == _scipy_wilcoxon(d)
    exact = d.size < 50 and ours.method == "exact"
    method = "exact" if exact else "asymptotic"
    theirs = stats.wilcoxon(d, correction=not exact, method=method)
    assert ours.pvalue == theirs.pvalue


def test_wilcoxon_large_sample():
    rng = np.random.default_rng(17)
    for n in (49, 50, 51, 300):
        d = rng.normal(0.2, 1, n)
        ours = D.wilcoxon_signed_rank(d)
        assert ours.method == ("exact" if n < 50 else "normal")
        assert wellbeing_wilcoxon(d) == _scipy_wilcoxon(d)


def test_wilcoxon_degenerate():
    with pytest.raises(ValueError):
        D.wilcoxon_signed_rank([0, 0])
    assert wellbeing_wilcoxon(np.array([0.0, 0.0])) == _scipy_wilcoxon(np.array([0.0, 0.0]))
    assert math.isnan(D.wilcoxon_signed_rank([1, np.nan, 2]).pvalue)


def test_no_scipy_stats_on_import():
    """The modules of an evaluation's analyses do not import scipy.stats or pandas."""
    modules = [
        "ipseval.distributions",
        "ipseval.evaluation",
        "ipseval.competing",
        "ipseval.scorecard",
        "ipseval.wellbeing",
        "ipseval.impact.areas",
        "ipseval.impact.compare",
        "ipseval.impact.finegray",
        "ipseval.impact.flat",
        "ipseval.impact.imputation",
        "ipseval.impact.published",
        "ipseval.impact.survival",
        "ipseval.impact.wild",
    ]
    code = (
        f"import importlib, sys\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
        "print(sorted(m for m in ('scipy.stats', 'scipy.optimize', 'pandas', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
