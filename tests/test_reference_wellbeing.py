"""Wellbeing change statistics (ipseval.wellbeing.stats) against R's t.test, wilcox.test and p.adjust.

Reference: tests/reference/wellbeing.R, on the demo's followed-up clients per measure
(tests/reference/data/demo_wellbeing.csv) and, for the exact Wilcoxon path, 30 Mroz log wages.
Deterministic: tolerance 1e-8.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ipseval.settings import Settings
from ipseval.wellbeing.stats import changes, holm, paired_summary, welch_difference
from reference_helpers import assert_close, read_data, read_expected

MIN_PAIRS = 10  # as in wellbeing.R


@pytest.fixture(scope="module")
def measures() -> dict[str, pl.DataFrame]:
    scores = read_data("demo_wellbeing.csv")
    return {
        key[0]: part for key, part in scores.partition_by("key", as_dict=True, maintain_order=True).items()
    }


def test_min_pairs_default():
    """wellbeing.R uses the default min_pairs."""
    assert Settings().wellbeing.min_pairs == MIN_PAIRS


def test_paired_change(measures):
    """paired_summary per measure against t.test(d) (mean, 95% CI, t, df, p), mean(d)/sd(d)
    (Cohen's d_z) and wilcox.test(d) with R's defaults (V, p; normal approximation with continuity
    correction, as the scores have ties); Holm across measures as p.adjust(method = "holm"). 1e-8."""
    r = read_expected("wellbeing_change.csv")
    rows = []
    for key in r["key"]:
        m = measures[key]
        rows.append(
            paired_summary(
                m["baseline_score"].to_numpy(),
                m["follow_up_score"].to_numpy(),
                bool(m["higher_is_better"][0]),
                MIN_PAIRS,
            )
        )
    ours = pl.DataFrame(rows)
    for c in ("n", "improved", "no_change", "worse"):
        assert ours[c].to_list() == r[c].to_list(), c
    for c in (
        "change_mean", "change_sd", "change_ci_low", "change_ci_high", "effect_size", "t_statistic",
        "df", "p_t", "wilcoxon_v", "p_wilcoxon",
    ):  # fmt: skip
        assert_close(ours[c], r[c], c)
    assert ours["wilcoxon_method"].to_list() == ["exact" if e else "normal" for e in r["wilcoxon_exact"]]
    assert_close(holm(ours["p_t"].to_list()), r["p_t_holm"], "Holm-adjusted t p-values")
    assert_close(holm(ours["p_wilcoxon"].to_list()), r["p_wilcoxon_holm"], "Holm-adjusted Wilcoxon p-values")


def test_exact_wilcoxon():
    """The exact path (30 changes, no ties or zeros): wilcox.test(d) exact V and p, t.test(d); 1e-8."""
    r = read_expected("wellbeing_exact.csv").row(0, named=True)
    lwg = read_data("mroz.csv").filter(pl.col("lfp") == 1)["lwg"].unique(maintain_order=True).head(30)
    ours = paired_summary(np.ones(30), lwg.to_numpy(), min_pairs=MIN_PAIRS)
    assert r["method"] == "Wilcoxon signed rank exact test" and ours["wilcoxon_method"] == "exact"
    for c in ("wilcoxon_v", "p_wilcoxon", "t_statistic", "p_t", "effect_size"):
        assert_close(ours[c], r[c], c)


def test_welch_by_job_entry(measures):
    """welch_difference(found work, not) per measure (clients in the job-entry denominator, both
    groups of 10 or more) against Welch's t.test(x, y): difference, 95% CI, df, p; Holm across
    measures as p.adjust(method = "holm"). 1e-8."""
    r = read_expected("wellbeing_by_job_entry.csv")
    rows = []
    for key in r["key"]:
        m = measures[key].filter(pl.col("in_denominator") == 1)
        d = changes(
            m["baseline_score"].to_numpy(), m["follow_up_score"].to_numpy(), bool(m["higher_is_better"][0])
        )
        work = m["found_work"].to_numpy() == 1
        rows.append(welch_difference(d[work], d[~work]))
    ours = pl.DataFrame(rows)
    for c in ("difference", "ci_low", "ci_high", "df", "p_value"):
        assert_close(ours[c], r[c], c)
    assert_close(holm(ours["p_value"].to_list()), r["p_value_holm"], "Holm-adjusted Welch p-values")
