"""Multiple imputation (ipseval.impact.imputation) against R's mice.

Reference: tests/reference/mice.R.

Rubin's rules (deterministic, 1e-8): ipseval's ``rubin`` against ``mice::pool.scalar`` on the
demo published-style model's 20 completed-data fits, complete-data df G - 1 = 7.

Not yet compared: the imputation itself (ipseval's chained equations against mice, within Monte
Carlo error).
"""

from __future__ import annotations

import polars as pl

from ipseval.impact.imputation import rubin
from reference_helpers import assert_close, read_data, read_expected

G = 8  # areas in the demo: complete-data df G - 1


def test_rubin_rules():
    """rubin(estimates, variances, df_complete=7) against mice::pool.scalar(Q, U, n = 8, k = 1):
    pooled estimate, SE (sqrt of total variance), Barnard-Rubin df, riv, lambda, fmi; 1e-8."""
    fits = read_data("demo_mi_fits.csv").with_columns(pl.col("level").fill_null(""))
    r = read_expected("mice_rubin.csv").with_columns(pl.col("level").fill_null(""))
    wide = fits.pivot(on="imputation", index=["term", "level"], values=["estimate", "std_error"])
    wide = r.select("term", "level").join(wide, on=["term", "level"], how="left", maintain_order="left")
    m = fits["imputation"].max()
    est = wide.select(f"estimate_{j}" for j in range(1, m + 1)).to_numpy().T
    se = wide.select(f"std_error_{j}" for j in range(1, m + 1)).to_numpy().T
    pooled = rubin(est, se**2, df_complete=G - 1)
    for c in ("estimate", "std_error", "df", "riv", "lambda", "fmi"):
        assert_close(pooled[c], r[c], c)
