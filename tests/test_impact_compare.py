"""Impact against a comparison group: checked against the NSW experiment and a known simulation.

NSW/CPS (causaldata): the NSW job-training experiment's treated men against the CPS comparison
sample (Dehejia & Wahba; LaLonde). Outcome: employed in 1978 (re78 > 0). The experimental
benchmark is the treated-control difference within the experiment (+11.1 pp); the naive
treated-vs-CPS difference is -10.7 pp. Weighting and matching must land near the benchmark.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from scipy.special import expit

from ipseval.impact import CORE_COLUMNS, AnalysisError
from ipseval.impact.balance import REASONS, balance_table, design, e_value, e_value_ci
from ipseval.impact.compare import _match, compare, comparison_impact, fit_logit
from ipseval.report.impact_charts import love_plot_svg
from ipseval.settings import Settings

NSW_COVARIATES = ["age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "u74", "u75"]


def _employment(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        employed=(pl.col("re78") > 0).cast(pl.Int8),
        u74=(pl.col("re74") == 0).cast(pl.Int8),
        u75=(pl.col("re75") == 0).cast(pl.Int8),
    )


@pytest.fixture(scope="module")
def nsw():
    causaldata = pytest.importorskip("causaldata")
    experiment = _employment(pl.from_pandas(causaldata.nsw_mixtape.load_pandas().data))
    cps = _employment(pl.from_pandas(causaldata.cps_mixtape.load_pandas().data))
    rate = {g: experiment.filter(pl.col("treat") == g)["employed"].mean() for g in (0, 1)}
    observational = pl.concat([experiment.filter(pl.col("treat") == 1), cps])
    return {"benchmark": rate[1] - rate[0], "data": observational}


@pytest.fixture(scope="module")
def nsw_results(nsw):
    return {
        m: compare(nsw["data"], "treat", "employed", NSW_COVARIATES, method=m, bootstrap_reps=150)
        for m in ("ipw", "match")
    }


def test_nsw_benchmark_and_naive_difference(nsw, nsw_results):
    assert nsw["benchmark"] == pytest.approx(0.1106, abs=5e-4)  # 75.7% vs 64.6% employed
    naive = nsw_results["ipw"].table["naive_estimate"][0]
    assert naive == pytest.approx(-0.1074, abs=5e-4)  # NSW treated vs CPS: the wrong sign
    assert nsw_results["ipw"].table["naive_ci_high"][0] < 0


@pytest.mark.parametrize("method", ["ipw", "match"])
def test_nsw_cps_estimate_lands_near_the_experimental_benchmark(nsw, nsw_results, method):
    r = nsw_results[method]
    row = r.table.row(0, named=True)
    bench = nsw["benchmark"]
    assert row["ci_low"] <= bench <= row["ci_high"]
    assert abs(row["estimate"] - bench) < 0.10
    assert row["estimate"] - row["naive_estimate"] > 0.15  # adjustment removes most of the bias
    assert row["treated_n"] == 185  # min-max common support keeps every treated man
    assert row["estimate_pp"] == pytest.approx(100 * row["estimate"])
    bsum = r.card["balance"]
    assert bsum["max_abs_smd_before"] > 2 and bsum["max_abs_smd_after"] < 0.15
    assert bsum["imbalanced_after"] <= 1 < 9 == bsum["imbalanced_before"]


def test_nsw_fixed_lower_bound_drops_treated_men_and_says_why(nsw):
    r = compare(nsw["data"], "treat", "employed", NSW_COVARIATES, trim=(0.01, 0.99), bootstrap_reps=0)
    s = {(x["group"], x["reason"]): x["n"] for x in r.extra["support"].to_dicts()}
    assert s[("treated", REASONS[1])] > 0
    assert r.table["treated_n"][0] == 185 - s[("treated", REASONS[1])]
    assert any("86 times the size" in n for n in r.notes)
    assert r.table["ci_low"][0] is None  # no replicates, no interval (and no NaN)


def _simulate(n: int = 3000, seed: int = 7) -> tuple[pl.DataFrame, float]:
    """Confounded by x1 (raises both treatment and outcome); true ATT known per person."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.4, n)
    x3 = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    ps = expit(-0.8 + 0.9 * x1 + 0.8 * x2 + np.select([x3 == "b", x3 == "c"], [0.5, -0.7], 0.0))
    t = rng.binomial(1, ps)
    eta0 = -0.6 + 0.9 * x1 + 0.6 * x2 + np.select([x3 == "b", x3 == "c"], [-0.4, 0.5], 0.0)
    tau = 0.5 * (1 + 0.3 * x1)
    p1, p0 = expit(eta0 + tau), expit(eta0)
    y = rng.binomial(1, np.where(t == 1, p1, p0))
    true_att = float(np.mean((p1 - p0)[t == 1]))
    return pl.DataFrame({"t": t, "y": y, "x1": x1, "x2": x2, "x3": x3}), true_att


@pytest.fixture(scope="module")
def sim():
    df, truth = _simulate()
    res = {
        m: compare(df, "t", "y", ["x1", "x2", "x3"], method=m, bootstrap_reps=120, seed=3)
        for m in ("ipw", "match")
    }
    return df, truth, res


@pytest.mark.parametrize("method", ["ipw", "match"])
def test_simulation_recovers_the_true_att_where_the_naive_difference_is_biased(sim, method):
    _df, truth, res = sim
    row = res[method].table.row(0, named=True)
    assert abs(row["naive_estimate"] - truth) > 0.1
    assert not row["naive_ci_low"] <= truth <= row["naive_ci_high"]
    assert row["ci_low"] <= truth <= row["ci_high"]
    assert abs(row["estimate"] - truth) < 0.05
    assert row["ci_low_analytic"] <= truth <= row["ci_high_analytic"]
    assert res[method].card["balance"]["max_abs_smd_after"] < 0.1


def test_result_has_core_columns_and_tidy_extras(sim):
    r = sim[2]["ipw"]
    assert r.table.columns[: len(CORE_COLUMNS)] == list(CORE_COLUMNS)
    assert r.table["term"][0] == "ips" and r.table["level"][0] == "ipw" and r.name == "ipw_att"
    assert r.table["n"][0] == r.table["treated_n"][0] + r.table["comparison_n"][0]
    assert 0 < r.table["comparison_ess"][0] < r.table["comparison_n"][0]
    assert set(r.extra) == {"balance", "love_plot", "support"}
    levels = r.extra["balance"].filter(pl.col("covariate") == "x3")["level"].to_list()
    assert levels == ["a", "b", "c"]  # every level, the reference included
    assert r.extra["love_plot"].height == 2 * r.extra["balance"].height


def test_ipw_sandwich_se_agrees_with_the_bootstrap(sim):
    row = sim[2]["ipw"].table.row(0, named=True)
    assert row["std_error_analytic"] / row["std_error"] == pytest.approx(1, abs=0.3)


def test_e_value_follows_vanderweele_and_ding():
    assert e_value(2.0) == pytest.approx(2 + math.sqrt(2))
    assert e_value(0.5) == pytest.approx(2 + math.sqrt(2))  # protective: RR inverted
    assert e_value(1.0) == 1.0
    assert e_value_ci(0.9, 1.3) == 1.0  # interval includes 1
    assert e_value_ci(1.2, 1.5) == pytest.approx(e_value(1.2))  # limit closer to 1
    assert e_value_ci(0.4, 0.8) == pytest.approx(e_value(0.8))


def test_e_value_in_table_uses_treated_and_counterfactual_risks(sim):
    row = sim[2]["match"].table.row(0, named=True)
    rr = row["treated_risk"] / row["counterfactual_risk"]
    assert row["risk_ratio"] == pytest.approx(rr)
    assert row["e_value"] == pytest.approx(rr + math.sqrt(rr * (rr - 1)))
    assert row["treated_risk"] - row["counterfactual_risk"] == pytest.approx(row["estimate"])
    assert row["rr_ci_low"] > 1 and row["e_value_ci"] == pytest.approx(e_value(row["rr_ci_low"]))


def test_logit_matches_statsmodels(sim):
    sm = pytest.importorskip("statsmodels.api")
    df = sim[0]
    d = design(df, ["x1", "x2", "x3"])
    beta, converged = fit_logit(d.X, df["t"].to_numpy().astype(float))
    ref = sm.Logit(df["t"].to_numpy(), d.X).fit(disp=0)
    assert converged
    np.testing.assert_allclose(beta, ref.params, rtol=1e-6, atol=1e-8)


def test_matching_is_nearest_neighbour_with_replacement_ties_shared_and_caliper():
    rng = np.random.default_rng(0)
    for _ in range(100):
        n = int(rng.integers(5, 50))
        lps = np.round(rng.normal(size=n), 1)  # many exact ties
        t = rng.random(n) < 0.4
        keep = rng.random(n) < 0.9
        if not (keep & t).any() or not (keep & ~t).any():
            continue
        width = float(rng.choice([0.05, 0.3, 10.0]))
        matched, K, K2, _ = _match(lps, t, keep, width)
        want_matched, want_K, want_K2 = np.zeros(n, bool), np.zeros(n), np.zeros(n)
        pool = np.flatnonzero(keep & ~t)
        for i in np.flatnonzero(keep & t):
            dist = np.abs(lps[pool] - lps[i])
            if dist.min() > width:
                continue
            nearest = pool[dist <= dist.min() + 1e-9]  # e.g. 0.3 between 0.2 and 0.4: a tie
            want_matched[i] = True
            want_K[nearest] += 1 / len(nearest)
            want_K2[nearest] += 1 / len(nearest) ** 2
        np.testing.assert_array_equal(matched, want_matched)
        np.testing.assert_allclose(K, want_K)
        np.testing.assert_allclose(K2, want_K2)


def test_near_ties_are_shared_whatever_the_rounding():
    # scores equal in exact arithmetic but not in floating point: a treated person at 0.3 between
    # comparison people at 0.2 and 0.4 (0.3 - 0.2 < 0.4 - 0.3 in binary), and two comparison people
    # whose scores differ in the last bits (as identical characteristics can after X @ beta)
    lps = np.array([0.3, 0.2, 0.4, 1.0, 1.0 + 4e-16, 1.0 - 2e-16, 5.0])
    t = np.array([True, False, False, True, False, False, False])
    keep = np.ones(7, bool)
    _, K, K2, _ = _match(lps, t, keep, np.inf)
    np.testing.assert_allclose(K, [0, 0.5, 0.5, 0, 0.5, 0.5, 0])
    np.testing.assert_allclose(K2, [0, 0.25, 0.25, 0, 0.25, 0.25, 0])
    # with no tolerance the last bits decide: one comparison person each
    _, K, _, _ = _match(lps, t, keep, np.inf, tol=0.0)
    assert sorted(K.tolist()) == [0, 0, 0, 0, 0, 1, 1]
    # noise of 1e-13 anywhere changes nothing
    rng = np.random.default_rng(3)
    base = np.round(rng.normal(size=300), 1)
    t, keep = rng.random(300) < 0.3, np.ones(300, bool)
    want = _match(base, t, keep, 0.3)[1]
    for _ in range(5):
        noisy = base + rng.uniform(-1e-13, 1e-13, 300)
        np.testing.assert_allclose(_match(noisy, t, keep, 0.3)[1], want, atol=1e-12)


def test_balance_smd_and_variance_ratio_by_hand():
    df = pl.DataFrame(
        {"t": [1, 1, 1, 0, 0, 0, 0], "x": [1.0, 2.0, 6.0, 0.0, 1.0, 2.0, 3.0], "g": list("aabbaab")}
    )
    d = design(df, ["x", "g"])
    t = df["t"].to_numpy() == 1
    w = np.array([1, 1, 1, 2, 0, 1, 1], float)
    b = balance_table(d, t, w).filter(pl.col("covariate") == "x").row(0, named=True)
    x = df["x"].to_numpy()
    sd = math.sqrt((np.var(x[t], ddof=1) + np.var(x[~t], ddof=1)) / 2)
    assert b["smd_before"] == pytest.approx((3.0 - 1.5) / sd)
    assert b["mean_comparison_after"] == pytest.approx((0 * 2 + 2 + 3) / 4)
    assert b["smd_after"] == pytest.approx((3.0 - 1.25) / sd)  # same SD before and after
    assert b["var_ratio_before"] == pytest.approx(np.var(x[t], ddof=1) / np.var(x[~t], ddof=1))
    g = balance_table(d, t, w).filter(pl.col("covariate") == "g")
    assert g["level"].to_list() == ["a", "b"] and g["var_ratio_after"].null_count() == 2


def test_support_table_adds_up_and_counts_blank_covariates(sim):
    df = sim[0].with_columns(
        x1=pl.when(pl.int_range(pl.len()) % 10 == 0).then(None).otherwise(pl.col("x1")),
    )
    r = compare(df, "t", "y", ["x1", "x2", "x3"], method="match", trim=(0.05, 0.95), bootstrap_reps=0)
    s = r.extra["support"]
    for group, mask in (("treated", pl.col("t") == 1), ("comparison", pl.col("t") == 0)):
        rows = dict(s.filter(pl.col("group") == group).select("reason", "n").iter_rows())
        assert rows["in the data"] == df.filter(mask).height
        assert rows[REASONS[0]] == df.filter(mask & pl.col("x1").is_null()).height
        assert rows["in the data"] == sum(v for k, v in rows.items() if k != "in the data")
    assert (
        r.table["treated_n"][0]
        == s.filter((pl.col("group") == "treated") & (pl.col("reason") == "analysed"))["n"][0]
    )
    assert any("complete cases" in n for n in r.notes)


def test_missing_indicator_keeps_everyone_and_balances_the_blanks(sim):
    df = sim[0].with_columns(
        x1=pl.when(pl.int_range(pl.len()) % 10 == 0).then(None).otherwise(pl.col("x1")),
        x3=pl.when(pl.int_range(pl.len()) % 7 == 0).then(None).otherwise(pl.col("x3")),
    )
    r = compare(df, "t", "y", ["x1", "x2", "x3"], missing="indicator", bootstrap_reps=0)
    assert r.extra["support"].filter(pl.col("reason") == REASONS[0])["n"].sum() == 0
    b = r.extra["balance"]
    assert b.filter(pl.col("level") == "(missing)")["covariate"].sort().to_list() == ["x1", "x3"]


def test_seeded_bootstrap_repeats_and_reports_progress(sim):
    df = sim[0].head(800)
    calls: list[tuple[int, int]] = []
    a = compare(
        df,
        "t",
        "y",
        ["x1", "x2", "x3"],
        bootstrap_reps=30,
        seed=5,
        progress=lambda i, n: calls.append((i, n)),
    )
    b = compare(df, "t", "y", ["x1", "x2", "x3"], bootstrap_reps=30, seed=5)
    assert a.table.equals(b.table)
    assert calls == [(i, 30) for i in range(1, 31)]


def test_matching_without_a_caliper_matches_every_treated_person_in_support(sim):
    r = compare(sim[0], "t", "y", ["x1", "x2", "x3"], method="match", caliper=None, bootstrap_reps=0)
    s = dict(r.extra["support"].filter(pl.col("group") == "treated").select("reason", "n").iter_rows())
    assert s["no comparison within the caliper"] == 0 and r.card["caliper"] == "none"


def test_pandas_table_and_yes_no_treatment(sim):
    df = sim[0].head(800).with_columns(pl.col("t").cast(pl.Boolean))
    r = compare(df.to_pandas(), "t", "y", ["x1", "x2", "x3"], method="match", bootstrap_reps=0)
    assert r.table["treated_n"][0] > 0


def test_plain_errors():
    df = pl.DataFrame({"t": [0, 1, 2, 1], "y": [0, 1, 0, 1], "x": [1.0, 2, 3, 4]})
    with pytest.raises(AnalysisError, match="0/1"):
        compare(df, "t", "y", ["x"])
    with pytest.raises(AnalysisError, match="no column named z"):
        compare(df, "t", "y", ["z"])
    with pytest.raises(AnalysisError, match="method"):
        compare(df, "t", "y", ["x"], method="kernel")


def test_love_plot_svg_is_self_contained(sim):
    svg = str(love_plot_svg(sim[2]["ipw"].extra["balance"]))
    assert svg.startswith("<svg") and "Covariate balance" in svg and "xmlns" not in svg


def _comparison_table(n: int = 600, seed: int = 11) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 65, n)
    conf = rng.integers(0, 11, n)
    benefits = rng.choice(["out_of_work", "none", "unknown"], n, p=[0.6, 0.3, 0.1])
    ips = rng.random(n) < expit(-0.5 + 0.15 * (conf - 5) + 0.5 * (benefits == "out_of_work"))
    job = rng.random(n) < expit(-1.2 + 0.1 * (conf - 5) + 0.6 * ips)
    end = date(2023, 12, 31)
    start = [
        end - timedelta(days=int(d)) if j else None for j, d in zip(job, rng.integers(1, 300, n), strict=True)
    ]
    start[0], job[0] = end + timedelta(days=3), False  # a start after the follow-up is not counted
    return pl.DataFrame(
        {
            "client_id": [f"p{i}" for i in range(n)],
            "group": np.where(ips, "ips", "comparison"),
            "local_authority": np.where(ips, "Here", "There"),  # area would separate the groups
            "employed_at_referral": [i % 50 == 1 for i in range(n)],
            "age": age,
            "sex": rng.choice(["female", "male"], n),
            "benefits": benefits,
            "work_confidence": conf,
            "job_start_date": start,
            "follow_up_end": [end] * n,
        }
    )


def test_comparison_impact_from_the_store(make_store):
    table = _comparison_table()
    settings = Settings.model_validate({"impact": {"bootstrap_reps": 99}})
    store = make_store({"comparison": table}, date(2024, 1, 31), settings)
    out = comparison_impact(store, settings)
    assert set(out) == {"comparison_ipw", "comparison_match"}
    r = out["comparison_ipw"]
    kept = table.filter(~pl.col("employed_at_referral"))
    row = r.table.row(0, named=True)
    assert row["treated_n"] + row["comparison_n"] <= kept.height
    assert r.card["formula"].startswith("logit(ips) ~ ") and "local_authority" not in r.card["formula"]
    assert "(missing)" in r.extra["balance"].filter(pl.col("covariate") == "benefits")["level"].to_list()
    assert r.card["events"] <= kept.filter(pl.col("job_start_date") <= pl.col("follow_up_end")).height
    assert row["estimate"] > 0 and row["ci_low"] < row["estimate"] < row["ci_high"]


def test_comparison_impact_without_a_comparison_table_is_empty(make_store):
    store = make_store({}, date(2024, 1, 31))
    assert comparison_impact(store, Settings()) == {}
