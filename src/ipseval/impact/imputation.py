"""Multiple imputation by chained equations with predictive mean matching, pooled by Rubin's rules.

Missing controls are filled m times, each completed table is fitted, and the m results combined.

Method (as R ``mice(method = "pmm")``, written in numpy because statsmodels ``MICEData`` with
dummy-coded predictors re-parses a patsy formula on every update, ~0.3 s each, too slow for 20
imputations): each imputation is its own chain, started from random observed values and run
``iterations`` cycles (5 by default, mice's maxit; settings ``impact.imputation_cycles``). In a cycle every incomplete column is regressed (least squares) on all
the others (categorical ones dummy-coded), including the outcome and any ``predictors``; the
coefficients and residual variance are drawn from their posterior (Bayesian linear regression,
flat prior), and each missing value is copied from one of the 5 observed rows whose fitted
value (with the estimated coefficients) is closest to the missing row's drawn prediction
(type-1 matching, 5 donors: mice's defaults). For a categorical column the fitted value is the
vector of fitted level probabilities (a linear model for each level's indicator) and closeness
is Euclidean, so an imputed value is always an observed category and no order is imposed on
the levels. The chains are in :mod:`.chained` (the donor search in :mod:`.matching`):
imputation j draws from its own generator, seeded ``[seed, j]``, so its values do not depend on
m or on how many chains run side by side.

Pooling (Rubin 1987; Barnard & Rubin 1999, as R ``mice::pool``): estimate = mean of the m
estimates; total variance T = W + (1 + 1/m) B (W mean within-imputation variance, B
between-imputation variance); df = 1/(1/nu_old + 1/nu_obs) with nu_old = (m-1)/lambda^2,
lambda = (1 + 1/m) B / T, nu_obs = (nu_com + 1)/(nu_com + 3) nu_com (1 - lambda), nu_com the
complete-data df (G-1 for a cluster_t fit, else N-K); fmi = (r + 2/(df + 3))/(r + 1) with
r = (1 + 1/m) B / W. Odds ratios are exp of the pooled log-odds and CI; AMEs are pooled
directly with their delta-method SEs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import polars as pl

from ..distributions import norm_ppf, norm_sf, t_ppf, t_sf
from .chained import Layout, each_imputation
from .design import polars_frame
from .result import CORE_COLUMNS, ImpactResult

CYCLES = 5  # chained-equation cycles per imputation: mice's maxit default (settings impact.imputation_cycles)


def rubin(estimates, variances, df_complete: float = np.inf) -> dict[str, np.ndarray]:
    """Rubin's rules over axis 0 (imputations) of estimates and their squared SEs.

    Returns estimate, std_error, df (Barnard-Rubin), ci_low, ci_high, p_value, fmi, riv, lambda.
    """
    q, u = np.asarray(estimates, float), np.asarray(variances, float)
    m = q.shape[0]
    qbar, w = q.mean(axis=0), u.mean(axis=0)
    b = q.var(axis=0, ddof=1) if m > 1 else np.zeros_like(qbar)
    t = w + (1 + 1 / m) * b
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(t > 0, (1 + 1 / m) * b / t, 0.0)
        nu_old = np.where(lam > 0, (m - 1) / lam**2, np.inf)
        if np.isfinite(df_complete):
            nu_obs = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - lam)
        else:
            nu_obs = np.full_like(lam, np.inf)
        nu = 1 / (1 / nu_old + 1 / nu_obs)
        riv = np.where(w > 0, (1 + 1 / m) * b / w, np.inf)
        fmi = (riv + 2 / (nu + 3)) / (riv + 1)
        se = np.sqrt(t)
        crit = np.where(np.isfinite(nu), t_ppf(0.975, nu), norm_ppf(0.975))
        tstat = np.abs(qbar) / se
        p = np.where(np.isfinite(nu), 2 * t_sf(tstat, nu), 2 * norm_sf(tstat))
    return {
        "estimate": qbar,
        "std_error": se,
        "df": nu,
        "ci_low": qbar - crit * se,
        "ci_high": qbar + crit * se,
        "p_value": p,
        "fmi": fmi,
        "riv": riv,
        "lambda": lam,
    }


def _encode(data: pl.DataFrame, cols: list[str]):
    """Columns as float arrays (NaN = missing); categorical ones as level codes 0..L-1.

    Levels are numbered in the order they first occur in the rows, not by their labels: the first
    is the imputation model's reference level, and the posterior draws depend on it (beta* = beta +
    sigma R z, R from the design's cross-products), so numbering by label made the imputations,
    and the pooled estimates, change when only an area was renamed."""
    arrays, levels = {}, {}
    for c in cols:
        s = data[c]
        if s.dtype in (pl.String, pl.Categorical, pl.Boolean) or isinstance(s.dtype, pl.Enum):
            lv = s.cast(pl.String).drop_nulls().unique(maintain_order=True).to_list()
            levels[c] = lv
            code = s.cast(pl.String).replace_strict(
                lv, list(range(len(lv))), default=None, return_dtype=pl.Float64
            )
            arrays[c] = code.to_numpy().astype(float)
        else:
            arrays[c] = s.cast(pl.Float64).fill_nan(None).to_numpy().astype(float)
    return arrays, levels


AUTO_FEWEST, AUTO_MOST = 5, 20


def imputations_for(incomplete_share: float) -> int:
    """The 'auto' number of imputations: the percentage of incomplete cases (White, Royston & Wood
    2011, so a second seed gives the same estimates and p-values to the digits reported), at least
    5 and at most 20 (beyond that the Monte Carlo error is small against the report's rounding)."""
    percent = math.ceil(round(100 * incomplete_share, 9))  # round: 0.05 is not 5.000000000000001%
    return min(AUTO_MOST, max(AUTO_FEWEST, percent))


def impute_and_fit(
    df,
    fit: Callable[[pl.DataFrame], ImpactResult],
    columns: list[str],
    m: int = 20,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    *,
    predictors: list[str] | None = None,
    iterations: int = CYCLES,
) -> ImpactResult:
    """Impute the missing values of ``columns`` m times, fit each completed table, pool (Rubin).

    ``columns`` are imputed and used as predictors for one another; ``predictors`` (complete
    columns such as the outcome and exposure) only predict. Returns ``fit``'s table pooled,
    plus df and fmi columns; ``extra["imputations"]`` holds the m sets of estimates.
    """
    data = polars_frame(df)
    predictors = [p for p in (predictors or []) if p not in columns]
    cols = list(dict.fromkeys([*columns, *predictors]))
    for p in predictors:
        if data[p].null_count():
            raise ValueError(f"predictor {p} has missing values: list it in columns to impute it")
    arrays, levels = _encode(data, cols)
    n_missing = {c: int(np.isnan(arrays[c]).sum()) for c in columns}
    targets = [c for c in columns if n_missing[c]]
    for c in targets:
        if n_missing[c] == data.height:
            raise ValueError(f"{c} has no observed values to impute from")
    if m < 2:
        raise ValueError("multiple imputation needs m >= 2 imputations (Rubin's rules use their spread)")
    if not targets:
        result = fit(data)
        result.card["imputations"] = 0
        result.notes.append("No values were missing in the imputation columns: fitted once, nothing pooled.")
        return result
    results = []
    for completed in each_imputation(Layout(arrays, levels, targets), iterations, seed, m):
        results.append(fit(_completed(data, completed, targets, levels)))
        if progress is not None:
            progress(len(results), m)
    return pool(results, n_missing=n_missing, iterations=iterations)


def _completed(data: pl.DataFrame, completed: dict, targets: list[str], levels: dict) -> pl.DataFrame:
    """The table with its imputed columns in their own types (categories looked up from their
    codes), in one polars pass."""
    fills = []
    for c in targets:
        values = pl.lit(pl.Series(completed[c]))
        if c in levels:
            values = pl.lit(pl.Series(levels[c], dtype=pl.String)).gather(values.cast(pl.UInt32))
            values = values == "true" if data.schema[c] == pl.Boolean else values.cast(data.schema[c])
        fills.append(values.cast(data.schema[c]).alias(c))
    return data.with_columns(fills)


def pool(results: list[ImpactResult], **card_extra) -> ImpactResult:
    """Combine fits of m completed data sets with Rubin's rules (see module docstring)."""
    first = results[0]
    keys = first.table.select("term", "level")
    for r in results[1:]:
        if not r.table.select("term", "level").equals(keys):
            raise ValueError("the imputed fits do not have the same terms and levels; cannot pool")
    m = len(results)
    card = first.card
    df_complete = card.get("df") or card.get("df_residual") or np.inf
    est = np.array([r.table["estimate"].to_numpy().astype(float) for r in results])
    var = np.array([r.table["std_error"].to_numpy().astype(float) ** 2 for r in results])
    pooled = rubin(est, var, df_complete)
    is_ref = first.table["reference"].to_numpy()
    cols = {c: np.where(is_ref, np.nan, pooled[c]) for c in ("estimate", "std_error", "ci_low", "ci_high")}
    cols.update(p_value=pooled["p_value"], df=pooled["df"], fmi=pooled["fmi"])
    n = np.rint(np.mean([r.table["n"].to_numpy() for r in results], axis=0)).astype(np.int64)
    table = first.table.select("term", "level", "reference").with_columns(
        *(
            pl.Series(c, np.where(is_ref, np.nan, v)).fill_nan(None)
            for c, v in cols.items()
            if c != "estimate"
        ),
        pl.Series("estimate", cols["estimate"]).fill_nan(None),
        pl.Series("n", n),
    )
    if "odds_ratio" in first.table.columns:
        table = table.with_columns(
            pl.when(pl.col("reference")).then(1.0).otherwise(pl.col("estimate").exp()).alias("odds_ratio"),
            pl.col("ci_low").exp().alias("or_ci_low"),
            pl.col("ci_high").exp().alias("or_ci_high"),
        )
    if "ame" in first.table.columns:
        ame = np.array([r.table["ame"].to_numpy().astype(float) for r in results])
        ame_var = np.array([r.table["ame_std_error"].to_numpy().astype(float) ** 2 for r in results])
        pa = rubin(ame, ame_var, df_complete)
        table = table.with_columns(
            *(
                pl.Series(name, pa[c]).fill_nan(None)
                for name, c in (
                    ("ame", "estimate"),
                    ("ame_std_error", "std_error"),
                    ("ame_ci_low", "ci_low"),
                    ("ame_ci_high", "ci_high"),
                )
            )
        )
    table = table.select(*CORE_COLUMNS, *(c for c in table.columns if c not in CORE_COLUMNS))
    per = pl.concat(
        r.table.select("term", "level", "estimate", "std_error").with_columns(imputation=pl.lit(j + 1))
        for j, r in enumerate(results)
    )
    new_card = dict(card)
    new_card.update(
        imputations=m,
        n=int(np.mean([r.card.get("n", 0) for r in results])),
        events=int(np.mean([r.card.get("events", 0) for r in results])),
        imputation="chained equations, predictive mean matching (5 donors, type-1 matching, Bayesian "
        "draw of the imputation model), one chain per imputation",
        pooling=f"Rubin's rules; Barnard-Rubin df with complete-data df {df_complete}; ORs are exp of the "
        "pooled log-odds; AMEs pooled directly",
        se_type=f"{card.get('se_type', '')}; pooled over {m} imputations by Rubin's rules (t with Barnard-Rubin df)",
        **card_extra,
    )
    notes = list(dict.fromkeys(n for r in results for n in r.notes))
    if len({r.card.get("fit") for r in results}) > 1:  # separation in some completed data sets only
        new_card["fit"] = "mixed"
        notes.append(
            "Some imputed data sets needed Firth's penalised likelihood (separation) and the others maximum "
            "likelihood; all are pooled by Rubin's rules."
        )
    if card.get("se") == "wild":
        notes.append(
            "Pooled p-values and CIs use the CR1 standard errors and Rubin's rules, not the wild bootstrap."
        )
    return ImpactResult(name=first.name, table=table, card=new_card, notes=notes, extra={"imputations": per})
