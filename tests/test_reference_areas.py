"""Funnel plot control limits (ipseval.impact.areas.funnel_limits) against R's qbinom / pbinom / dbinom.

Reference: tests/reference/areas.R: Spiegelhalter's exact binomial limits with the interpolated
quantile at 95% and 99.8%, around the demo's overall job entry rate, for denominators 1 to 600.
Deterministic: tolerance 1e-8. The area expected-job-entry and integration-strength models are
compared in test_reference_logit.py.
"""

from __future__ import annotations

from ipseval.impact.areas import funnel_limits
from reference_helpers import assert_close, read_expected


def test_funnel_limits():
    """funnel_limits(p0, n) against (r - (pbinom(r) - prob) / dbinom(r)) / n, r = qbinom(prob); 1e-8."""
    r = read_expected("areas_funnel.csv")
    ours = funnel_limits(float(r["p0"][0]), r["n"].to_numpy())
    for c in ("lower_95", "upper_95", "lower_998", "upper_998"):
        assert_close(ours[c], r[c], c)
