"""Aalen-Johansen cumulative incidence and Gray's test on small hand-worked data (R: see
test_reference_competing.py)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ipseval.competing import cumulative_incidence, first_reaching, gray_test
from ipseval.metrics import kaplan_meier

# Six clients: days to first job (1), discharge without a job (2) or the data cut (0)
DAYS = np.array([1, 2, 2, 3, 4, 5])
STATUS = np.array([1, 2, 0, 1, 1, 0])


def test_aalen_johansen_by_hand():
    """Worked by hand (n at risk, h1 = jobs / n, h2 = discharges / n, S = prod(1 - h1 - h2)):

    day 1: n 6, one job:         F1 = 1/6,                 S = 5/6
    day 2: n 5, one discharge, one censored: F2 = 5/6 x 1/5 = 1/6, S = 5/6 x 4/5 = 2/3
    day 3: n 3, one job:         F1 = 1/6 + 2/3 x 1/3 = 7/18,  S = 4/9
    day 4: n 2, one job:         F1 = 7/18 + 4/9 x 1/2 = 11/18, S = 2/9
    day 5: n 1, censored:        unchanged.

    Kaplan-Meier with discharge as censoring gives 1 - 5/6 x 2/3 x 1/2 = 13/18 by day 4: higher,
    because it treats the discharged client as if they could still find a job.
    """
    ci = cumulative_incidence(DAYS, STATUS)
    assert ci["day"].to_list() == [1, 2, 3, 4, 5]
    assert ci["at_risk"].to_list() == [6, 5, 3, 2, 1]
    np.testing.assert_allclose(ci["in_work"], [1 / 6, 1 / 6, 7 / 18, 11 / 18, 11 / 18], rtol=1e-14)
    np.testing.assert_allclose(ci["discharged"], [0, 1 / 6, 1 / 6, 1 / 6, 1 / 6], atol=1e-15)
    np.testing.assert_allclose(ci["out_of_work"], [5 / 6, 2 / 3, 4 / 9, 2 / 9, 2 / 9], rtol=1e-14)
    km = kaplan_meier(DAYS, STATUS == 1)
    assert 1 - km.filter(km["day"] == 4)["survival"][0] == pytest.approx(13 / 18)
    assert first_reaching(ci, "in_work") == 4.0
    assert first_reaching(ci, "discharged") is None


def _weighted_cif(w: np.ndarray) -> np.ndarray:
    """F1 at each distinct day with case weights (a plain loop, independent of the module)."""
    out, s, f = [], 1.0, 0.0
    for t in np.unique(DAYS):
        n = w[t <= DAYS].sum()
        d1 = w[(t == DAYS) & (STATUS == 1)].sum()
        d2 = w[(t == DAYS) & (STATUS == 2)].sum()
        f += s * d1 / n
        s *= 1 - (d1 + d2) / n
        out.append(f)
    return np.array(out)


def test_standard_error_is_the_infinitesimal_jackknife():
    """se^2 = sum_i (dF/dw_i)^2, the derivatives taken numerically here."""
    eps, base = 1e-7, np.ones(DAYS.size)
    grads = [
        (_weighted_cif(base + eps * e) - _weighted_cif(base - eps * e)) / (2 * eps) for e in np.eye(DAYS.size)
    ]
    want = np.sqrt((np.array(grads) ** 2).sum(0))
    np.testing.assert_allclose(cumulative_incidence(DAYS, STATUS)["in_work_se"], want, rtol=1e-6)


def test_states_add_up_and_no_competing_events_is_one_minus_km():
    rng = np.random.default_rng(7)
    days = rng.integers(0, 60, 300).astype(float)
    status = rng.choice([0, 1, 2], 300, p=[0.3, 0.4, 0.3])
    ci = cumulative_incidence(days, status)
    np.testing.assert_allclose(ci["in_work"] + ci["discharged"] + ci["out_of_work"], 1.0, rtol=1e-12)
    assert (ci["in_work_ci_low"] <= ci["in_work"]).all() and (ci["in_work"] <= ci["in_work_ci_high"]).all()
    only_jobs = np.where(status == 2, 0, status)
    ci = cumulative_incidence(days, only_jobs)
    km = kaplan_meier(days, only_jobs == 1)
    km = km.filter(pl.col("day").is_in(np.unique(days).tolist()))  # it adds a row at day 0
    np.testing.assert_allclose(ci["in_work"], 1 - km["survival"], rtol=1e-12)
    np.testing.assert_allclose(ci["discharged"], 0.0)


def test_gray_test_two_groups_and_one_group():
    rng = np.random.default_rng(3)
    days = rng.integers(1, 100, 200).astype(float)
    status = rng.choice([0, 1, 2], 200)
    group = np.where(np.arange(200) < 100, "a", "b")
    days[group == "b"] *= 0.6  # group b leaves sooner
    res = gray_test(days, status, group)
    assert res["df"] == 1 and res["statistic"] > 0 and 0 < res["p_value"] < 1
    assert gray_test(days, status, np.full(200, "a"))["statistic"] is None
    # the statistic does not depend on which group is left out of the score
    flipped = gray_test(days, status, np.where(group == "a", "z", "b"))
    assert flipped["statistic"] == pytest.approx(res["statistic"], rel=1e-10)


def test_gray_test_with_a_group_without_events_uses_the_rank():
    """A group of one client discharged at once adds nothing to the variance: the test uses a
    generalised inverse with the rank as its degrees of freedom instead of failing."""
    days = np.array([10.0, 20, 30, 40, 15, 25, 35, 45, 5])
    status = np.array([1, 2, 1, 0, 1, 1, 2, 0, 0])
    group = np.array(["a"] * 4 + ["b"] * 4 + ["c"])
    out = gray_test(days, status, group)
    assert out["df"] == 1 and out["statistic"] is not None and 0 <= out["p_value"] <= 1
