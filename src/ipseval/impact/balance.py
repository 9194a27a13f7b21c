"""How far a comparison-group estimate can be trusted: covariates, balance, support, E-value.

``design`` turns a flat table's covariates into a model matrix (categoricals dummy-coded) and a
balance matrix (every level of every categorical, numerics as given). ``balance_table`` gives
standardised mean differences and variance ratios per covariate level; ``love_plot_data`` lays
them out for a love plot (drawn by the report). ``support_table`` counts who was left out and why; ``e_value`` is the sensitivity to an
unmeasured confounder (VanderWeele & Ding 2017).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

MISSING_LEVEL = "(missing)"
SMD_THRESHOLD = 0.1  # |SMD| below this counts as balanced (Austin 2009; Stuart 2010)

# reasons a person is outside the analysis, in the order they are applied
REASONS = (
    "missing outcome, treatment or covariate",
    "propensity below the lower trimming bound",
    "propensity above the upper trimming bound",
    "comparison propensity below the lowest treated",
    "treated propensity above the highest comparison",
    "no comparison within the caliper",
)


@dataclass
class Design:
    """Model matrix ``X`` (intercept first, other columns standardised) and balance matrix ``B``."""

    X: np.ndarray
    x_names: list[str]
    B: np.ndarray
    b_rows: list[tuple[str, str, str]]  # (covariate, level, kind): kind numeric | binary | level
    dropped: list[str]  # covariates with no variation (left out of the model)


def is_numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or dtype == pl.Boolean


def design(frame: pl.DataFrame, covariates: list[str], missing: str = "complete") -> Design:
    """Model and balance matrices for ``covariates`` of ``frame`` (already filtered to the sample).

    Numeric and boolean columns enter as given; any other column is categorical, dummy-coded
    against its first level (sorted). With ``missing="indicator"`` a blank categorical is its own
    level "(missing)" and a blank number is set to the observed mean plus a 0/1 "(missing)"
    indicator; with ``"complete"`` the caller has already dropped incomplete rows.
    """
    cols: list[np.ndarray] = []
    names: list[str] = []
    b_cols: list[np.ndarray] = []
    b_rows: list[tuple[str, str, str]] = []
    dropped: list[str] = []
    for cov in covariates:
        s = frame[cov]
        if is_numeric(s.dtype):
            v = s.cast(pl.Float64).fill_nan(None)
            miss = v.is_null().to_numpy()
            x = v.fill_null(v.mean() if v.null_count() < len(v) else 0.0).to_numpy().astype(float)
            binary = bool(np.isin(x[~miss], (0.0, 1.0)).all())
            parts = [(cov, "", "binary" if binary else "numeric", x)]
            if missing == "indicator" and miss.any():
                parts.append((cov, MISSING_LEVEL, "binary", miss.astype(float)))
            for name, level, kind, x_ in parts:
                b_cols.append(x_)
                b_rows.append((name, level, kind))
                if np.ptp(x_) > 0:
                    cols.append(x_)
                    names.append(f"{name}[{level}]" if level else name)
                elif not level:
                    dropped.append(name)
        else:
            v = s.cast(pl.Utf8)
            if missing == "indicator":
                v = v.fill_null(MISSING_LEVEL)
            arr = v.to_numpy()
            levels = sorted({x for x in arr if x is not None})
            for i, level in enumerate(levels):
                x = (arr == level).astype(float)
                b_cols.append(x)
                b_rows.append((cov, level, "level"))
                if i > 0:
                    cols.append(x)
                    names.append(f"{cov}[{level}]")
            if len(levels) < 2:
                dropped.append(cov)
    n = frame.height
    if cols:
        Z = np.column_stack(cols)
        Z = (Z - Z.mean(axis=0)) / Z.std(axis=0)
        X = np.column_stack([np.ones(n), Z])
    else:
        X = np.ones((n, 1))
    B = np.column_stack(b_cols) if b_cols else np.empty((n, 0))
    return Design(X=X, x_names=["(Intercept)", *names], B=B, b_rows=b_rows, dropped=dropped)


def _wmean_var(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and variance (reliability weights, unbiased) of each column of ``x``."""
    sw = w.sum()
    m = (w[:, None] * x).sum(axis=0) / sw
    denom = sw - (w**2).sum() / sw
    v = (w[:, None] * (x - m) ** 2).sum(axis=0) / denom if denom > 0 else np.full(x.shape[1], np.nan)
    return m, v


def effective_n(w: np.ndarray) -> float:
    """Kish's effective sample size of a set of weights: (sum w)^2 / sum w^2."""
    w = w[w > 0]
    return float(w.sum() ** 2 / (w**2).sum()) if w.size else 0.0


def balance_table(
    d: Design,
    treated: np.ndarray,
    w_after: np.ndarray,
    logit_ps: np.ndarray | None = None,
) -> pl.DataFrame:
    """Standardised mean differences and variance ratios per covariate level, before and after.

    Before: everyone in the model sample, unweighted. After: ``w_after`` (0 = not in the adjusted
    sample; treated 1 or matched, comparison odds weights or times matched). Both SMDs divide by
    the same SD, pooled from the unadjusted groups (sqrt((s_t^2 + s_c^2)/2)), so a change in SMD is
    a change in means. Variance ratios (treated / comparison) are given for non-binary numerics.
    """
    B, rows = d.B, list(d.b_rows)
    if logit_ps is not None:
        B = np.column_stack([B, logit_ps])
        rows.append(("propensity score (logit)", "", "distance"))
    t = treated.astype(bool)
    ones = np.ones(len(t))
    m1b, v1b = _wmean_var(B[t], ones[t])
    m0b, v0b = _wmean_var(B[~t], ones[~t])
    keep1, keep0 = t & (w_after > 0), ~t & (w_after > 0)
    m1a, v1a = _wmean_var(B[keep1], w_after[keep1])
    m0a, v0a = _wmean_var(B[keep0], w_after[keep0])
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt((v1b + v0b) / 2)
        smd_b = np.where(sd > 0, (m1b - m0b) / sd, np.nan)
        smd_a = np.where(sd > 0, (m1a - m0a) / sd, np.nan)
        vr_b, vr_a = v1b / v0b, v1a / v0a
    cont = np.array([kind in ("numeric", "distance") for _c, _l, kind in rows])
    out = pl.DataFrame(
        {
            "covariate": [r[0] for r in rows],
            "level": [r[1] for r in rows],
            "kind": [r[2] for r in rows],
            "mean_treated_before": m1b,
            "mean_comparison_before": m0b,
            "smd_before": smd_b,
            "var_ratio_before": np.where(cont, vr_b, np.nan),
            "mean_treated_after": m1a,
            "mean_comparison_after": m0a,
            "smd_after": smd_a,
            "var_ratio_after": np.where(cont, vr_a, np.nan),
        }
    )
    out = out.with_columns(pl.col(pl.Float64).fill_nan(None))
    return out.with_columns(balanced_after=pl.col("smd_after").abs() < SMD_THRESHOLD)


def balance_summary(balance: pl.DataFrame) -> dict[str, float | int]:
    """Covariate levels (not the propensity score) with |SMD| >= 0.1 before and after; max |SMD|."""
    b = balance.filter(pl.col("kind") != "distance")
    return {
        "levels": b.height,
        "imbalanced_before": int((b["smd_before"].abs() >= SMD_THRESHOLD).sum()),
        "imbalanced_after": int((b["smd_after"].abs() >= SMD_THRESHOLD).sum()),
        "max_abs_smd_before": float(b["smd_before"].abs().max() or 0.0),
        "max_abs_smd_after": float(b["smd_after"].abs().max() or 0.0),
    }


def support_table(group, ok, t, why, used) -> pl.DataFrame:
    """People per group: in the data, each reason for leaving them out, and analysed."""
    rows = []
    for label, value, mask in (("treated", 1.0, t), ("comparison", 0.0, ~t)):
        rows.append((label, "in the data", int((group == value).sum())))
        rows.append((label, REASONS[0], int(((group == value) & ~ok).sum())))
        for code, reason in enumerate(REASONS[1:], start=2):
            if label == "comparison" and code == 6:
                rows.append(
                    (label, "in support but not chosen as a match", int((mask & (why == 0) & ~used).sum()))
                )
            else:
                rows.append((label, reason, int((mask & (why == code)).sum())))
        rows.append((label, "analysed", int((mask & used).sum())))
    unknown = int(np.isnan(group).sum())
    if unknown:
        rows.append(("unknown", REASONS[0], unknown))
    return pl.DataFrame(rows, schema={"group": pl.Utf8, "reason": pl.Utf8, "n": pl.Int64}, orient="row")


def diagnostic_notes(support: pl.DataFrame, bsum: dict[str, float | int], adjustment: str) -> list[str]:
    """Plain-English notes on who was left out (and why) and on balance after ``adjustment``."""
    notes: list[str] = []
    adj = adjustment
    s = {(r["group"], r["reason"]): r["n"] for r in support.to_dicts()}
    out_t = sum(s.get(("treated", r), 0) for r in REASONS[1:])
    out_c = sum(s.get(("comparison", r), 0) for r in REASONS[1:5])
    if out_t or out_c:
        notes.append(
            f"{out_t} treated and {out_c} comparison people were outside common support (or without a "
            "match) and left out"
            + ("; the effect is for treated people who have comparable others." if out_t else ".")
        )
    low = s.get(("treated", REASONS[1]), 0)
    if low:
        ratio = s.get(("comparison", "in the data"), 0) / max(s.get(("treated", "in the data"), 1), 1)
        notes.append(
            f"{low} treated people had a propensity score below the lower trimming bound"
            + (
                f"; the comparison group is {ratio:.0f} times the size of the treated group, so every "
                "score is small and a fixed lower bound drops treated people who do have comparable "
                "others (trim=None keeps them; min-max common support still applies)."
                if ratio >= 5
                else "."
            )
        )
    miss = sum(s.get((g, REASONS[0]), 0) for g in ("treated", "comparison", "unknown"))
    if miss:
        notes.append(
            f"{miss} people with a blank outcome, group or characteristic were left out (complete cases)."
        )
    k, m = bsum["imbalanced_after"], bsum["levels"]
    notes.append(
        f"Balance after {adj}: {k} of {m} characteristic levels with |SMD| of 0.1 or more "
        f"(largest {bsum['max_abs_smd_after']:.2f}; before: {bsum['imbalanced_before']}, largest "
        f"{bsum['max_abs_smd_before']:.2f})."
    )
    return notes


def e_value(rr: float) -> float:
    """VanderWeele & Ding (2017) E-value for a risk ratio: RR + sqrt(RR(RR-1)), RR<1 inverted."""
    if rr is None or not math.isfinite(rr) or rr <= 0:
        return math.inf if rr is not None and (rr == math.inf or rr <= 0) else math.nan
    rr = 1 / rr if rr < 1 else rr
    return rr + math.sqrt(rr * (rr - 1))


def e_value_ci(rr_low: float, rr_high: float) -> float:
    """E-value for the CI limit closer to 1 (1 when the interval includes 1)."""
    if rr_low <= 1 <= rr_high:
        return 1.0
    return e_value(rr_low if rr_low > 1 else rr_high)


def love_plot_data(balance: pl.DataFrame) -> pl.DataFrame:
    """Long form for a love plot: one row per covariate level and stage (before | after)."""
    label = pl.when(pl.col("level") == "").then(pl.col("covariate"))
    label = label.otherwise(pl.col("covariate") + ": " + pl.col("level"))
    wide = balance.select(
        label.alias("label"), "covariate", "level", pl.col("smd_before"), pl.col("smd_after")
    ).with_row_index("order")
    long = wide.unpivot(
        index=["order", "label", "covariate", "level"],
        on=["smd_before", "smd_after"],
        variable_name="stage",
        value_name="smd",
    ).with_columns(pl.col("stage").str.replace("smd_", ""), abs_smd=pl.col("smd").abs())
    return long.sort("order", "stage", descending=[False, True]).drop("order")
