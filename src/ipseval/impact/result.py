"""The result shape every impact analysis returns (after lifelines: small objects, tidy tables).

``.table`` has the same core columns everywhere, so a regression, a survival model and a
comparison-group estimate can be read, joined and rendered the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl


class AnalysisError(Exception):
    """A model that cannot be fitted on these data (separation, no events, too few clusters...).

    The message is one plain sentence for the user; the CLI shows it without a traceback.
    """


# Core columns of every impact table, in this order (analyses add their own after them):
#   term       the variable (e.g. "meeting_band"), or "(Intercept)"
#   level      the category for a categorical term ("5-9"); "" for a numeric term
#   reference  True on the reference level's row ("Ref" in gtsummary), which has no estimate
#   estimate   the model's own scale: log-odds, log-hazard, or percentage points for effects
#   std_error, ci_low, ci_high, p_value   on the same scale as estimate (95% CI)
#   n          people in that level (categorical) or in the model (numeric)
CORE_COLUMNS = ("term", "level", "reference", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n")


@dataclass
class ImpactResult:
    """One fitted analysis.

    name: what it is ("published_logit", "discrete_time_hazard", "cox", "ipw_att", ...).
    table: tidy, unrounded, CORE_COLUMNS first (plus e.g. odds_ratio, or_ci_low, or_ci_high,
        ame, ame_ci_low, ame_ci_high, hazard_ratio ...).
    card: the model card: formula, outcome, n, events, clusters, se_type, df, imputations,
        software versions, anything a reader needs to reproduce it.
    notes: plain-English caveats for the report.
    extra: other tidy tables the analysis produced (e.g. balance, person-period counts).
    """

    name: str
    table: pl.DataFrame
    card: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, pl.DataFrame] = field(default_factory=dict)
    # counts of the table that other tables publish too (see ipseval.results.SameCount)
    shares: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        missing = [c for c in CORE_COLUMNS if c not in self.table.columns]
        if missing:
            raise ValueError(f"impact result {self.name!r} lacks core columns {missing}")

    @property
    def converged(self) -> bool:
        """False when the model (or a comparison's propensity model) did not converge: its
        estimates are not to be used (the reason is in :attr:`notes`)."""
        return (
            self.card.get("converged", True) is not False and self.card.get("ps_converged", True) is not False
        )

    def to_pandas(self) -> Any:
        """:attr:`table` as a pandas DataFrame (for statsmodels and pandas users)."""
        return self.table.to_pandas()

    def summary(self) -> str:
        """A plain-text summary as statsmodels users expect: what was fitted, on how many, then
        one line per term with the estimate, its 95% CI and p-value (odds or hazard ratios where
        the model has them), then the notes."""
        from .summary import summary_text

        return summary_text(self)
