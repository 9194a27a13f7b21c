"""Paired change statistics, Holm adjustment, Welch differences and standardised differences.

Pure functions on arrays, named and computed the way R does, so an analyst can check any figure:

- mean change (follow-up minus baseline, in the measure's own units and with its own sign) with a
  95% t interval and paired t-test: ``t.test(follow_up, baseline, paired = TRUE)``; whether it is an
  improvement is said separately (``direction``, ``evidence``), from the measure's known direction;
- effect size: Cohen's d_z = mean change / SD of the changes (the paired-design effect size);
- Wilcoxon signed-rank test: ``wilcox.test(change)``: zero changes are dropped (zero_method
  "wilcox"); the exact null distribution when fewer than 50 changes remain and none are zero or
  tied, otherwise the normal approximation with a continuity correction and the tie-corrected
  variance;
- Holm's step-down adjustment: ``p.adjust(p, "holm")``;
- difference in mean change between two groups: Welch's ``t.test(x, y)``;
- standardised difference: (mean1 - mean2) / sqrt((var1 + var2) / 2), sample variances, as in
  the comparison-group balance table.

Values that cannot be computed (too few clients, no spread) are None, never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import distributions
from ..distributions import t_ppf, t_sf

CONFIDENCE = 0.95
_EPS = 1e-9  # changes smaller than this (floating-point noise on averaged scores) count as zero
# an SD below this fraction of the values' magnitude is rounding (the mean of n equal numbers need not
# be that number), not spread: equal changes on a 0-100 domain scale gave SD 1.8e-15, d_z 8e15
SPREAD_TOLERANCE = 1e-9


def _f(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def changes(baseline: np.ndarray, follow_up: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Change in the better direction (positive = better), with float noise snapped to 0."""
    d = np.asarray(follow_up, dtype=float) - np.asarray(baseline, dtype=float)
    if not higher_is_better:
        d = -d
    d = np.round(d, 9)
    d[np.abs(d) < _EPS] = 0.0
    return d


def spread(values: np.ndarray, scale: float | None = None) -> float | None:
    """Sample SD (n - 1) of ``values``, 0.0 when it is below SPREAD_TOLERANCE x ``scale`` (default:
    the largest |value|), None for fewer than two values. The one place the effect size, t and
    standardised differences learn whether there is any spread."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return None
    sd = _f(values.std(ddof=1))
    if sd is None:
        return None
    top = float(np.abs(values).max()) if scale is None else scale
    return 0.0 if sd <= SPREAD_TOLERANCE * top else sd


def wilcoxon_signed_rank(d: np.ndarray) -> dict[str, Any]:
    """R's ``wilcox.test(d)`` (two-sided): V = sum of the ranks of positive changes after zeros
    are dropped, the p-value, and the method used ('exact' or 'normal'); see
    :func:`ipseval.distributions.wilcoxon_signed_rank`."""
    d = np.asarray(d, dtype=float)
    if not (d != 0).any():
        return {"wilcoxon_v": None, "p_wilcoxon": None, "wilcoxon_method": None}
    res = distributions.wilcoxon_signed_rank(d)
    return {"wilcoxon_v": res.statistic, "p_wilcoxon": _f(res.pvalue), "wilcoxon_method": res.method}


def mean_interval(
    d: np.ndarray, min_n: int = 2
) -> tuple[float | None, float | None, float | None, float | None]:
    """(mean, SD, 95% t interval low, high) of ``d``; the interval only from ``min_n`` values."""
    d = np.asarray(d, dtype=float)
    n = d.size
    mean = _f(d.mean()) if n else None
    sd = spread(d)
    if n < max(min_n, 2) or mean is None or sd is None:
        return mean, sd, None, None
    half = float(t_ppf(0.5 + CONFIDENCE / 2, n - 1)) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half


def paired_summary(
    baseline: Sequence[float] | np.ndarray,
    follow_up: Sequence[float] | np.ndarray,
    higher_is_better: bool = True,
    min_pairs: int = 10,
) -> dict[str, Any]:
    """Everything reported about one measure's change (see the module docstring for methods).

    Means, SDs and ``change_*`` (follow-up minus baseline), effect size and t are in the measure's own
    units with their own sign: for days of use a fall is negative. ``direction`` says whether the mean
    change is 'better', 'worse' or 'no change', ``evidence`` the same of its 95% interval; the
    counts improved / worse and the Wilcoxon V (sum of the ranks of improvements) use the better
    direction. The
    interval, effect size and tests need at least ``min_pairs`` clients; the effect size and t also
    some spread (:func:`spread`, relative to the largest score or change), else they are None."""
    b = np.asarray(baseline, dtype=float)
    f = np.asarray(follow_up, dtype=float)
    n = int(b.size)
    d = changes(b, f, higher_is_better)
    scale = float(max(np.abs(b).max(), np.abs(f).max(), np.abs(d).max())) if n else 0.0
    out: dict[str, Any] = {
        "n": n,
        "improved": int((d > 0).sum()),
        "no_change": int((d == 0).sum()),
        "worse": int((d < 0).sum()),
        "baseline_mean": _f(b.mean()) if n else None,
        "baseline_sd": spread(b, scale),
        "follow_up_mean": _f(f.mean()) if n else None,
        "follow_up_sd": spread(f, scale),
        "change_mean": _f(d.mean()) if n else None,
        "change_sd": spread(d, scale),
        "change_ci_low": None,
        "change_ci_high": None,
        "effect_size": None,
        "t_statistic": None,
        "df": None,
        "p_t": None,
        "wilcoxon_v": None,
        "p_wilcoxon": None,
        "wilcoxon_method": None,
    }
    if n < max(min_pairs, 2):
        return _in_own_units(out, higher_is_better)
    mean, sd = float(d.mean()), float(out["change_sd"] or 0.0)
    se = sd / math.sqrt(n)
    q = float(t_ppf(0.5 + CONFIDENCE / 2, n - 1))
    out["change_ci_low"], out["change_ci_high"] = mean - q * se, mean + q * se
    out["df"] = n - 1
    if sd > 0:
        t = mean / se
        out["effect_size"] = mean / sd
        out["t_statistic"] = t
        out["p_t"] = _f(2 * t_sf(abs(t), n - 1))
    out |= wilcoxon_signed_rank(d)
    return _in_own_units(out, higher_is_better)


def _in_own_units(out: dict[str, Any], higher_is_better: bool) -> dict[str, Any]:
    """Say which way the better-direction summary points, then turn its signed figures round into
    the measure's own units where lower is better."""
    better = out["change_mean"]
    out["direction"] = None if better is None else _direction(better)
    out["evidence"] = evidence(out["change_ci_low"], out["change_ci_high"])
    if higher_is_better:
        return out
    flip = {k: None if out[k] is None else -out[k] for k in ("change_mean", "effect_size", "t_statistic")}
    low, high = out["change_ci_low"], out["change_ci_high"]
    flip["change_ci_low"], flip["change_ci_high"] = (None, None) if low is None else (-high, -low)
    return out | flip


def _direction(better_change: float) -> str:
    return "better" if better_change > 0 else "worse" if better_change < 0 else "no change"


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values (R's ``p.adjust(p, "holm")``); None stays None and is
    not counted among the tests."""
    idx = [i for i, p in enumerate(p_values) if p is not None and not math.isnan(p)]
    m = len(idx)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, i in enumerate(sorted(idx, key=lambda i: p_values[i])):  # type: ignore[arg-type, return-value]
        running = max(running, min(1.0, (m - rank) * float(p_values[i])))  # type: ignore[arg-type]
        out[i] = running
    return out


def welch_difference(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """mean(x) - mean(y) with Welch's 95% interval and two-sided p (R's ``t.test(x, y)``)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    out: dict[str, Any] = {"difference": None, "ci_low": None, "ci_high": None, "df": None, "p_value": None}
    if x.size == 0 or y.size == 0:
        return out
    diff = float(x.mean() - y.mean())
    out["difference"] = diff
    if x.size < 2 or y.size < 2:
        return out
    vx, vy = float(x.var(ddof=1)) / x.size, float(y.var(ddof=1)) / y.size
    se = math.sqrt(vx + vy)
    if se == 0:
        return out
    df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    q = float(t_ppf(0.5 + CONFIDENCE / 2, df))
    out |= {
        "ci_low": diff - q * se,
        "ci_high": diff + q * se,
        "df": df,
        "p_value": _f(2 * t_sf(abs(diff / se), df)),
    }
    return out


def standardised_difference(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float | None:
    """(mean(x) - mean(y)) / sqrt((var(x) + var(y)) / 2), sample variances; 0/1 values for a
    share. None when either group has fewer than 2 values or there is no spread at all."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 2 or y.size < 2:
        return None
    scale = float(max(np.abs(x).max(), np.abs(y).max()))
    pooled = math.sqrt(((spread(x, scale) or 0.0) ** 2 + (spread(y, scale) or 0.0) ** 2) / 2)
    if pooled == 0:
        return None
    return float(x.mean() - y.mean()) / pooled


def evidence(ci_low: float | None, ci_high: float | None) -> str | None:
    """'better' when the 95% interval of the change lies above 0, 'worse' when below, else
    'unclear'; None without an interval."""
    if ci_low is None or ci_high is None:
        return None
    if ci_low > 0:
        return "better"
    if ci_high < 0:
        return "worse"
    return "unclear"
