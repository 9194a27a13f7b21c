"""Time to first job by group, the log-rank test and the Cox model, checked by hand and against
lifelines and statsmodels.

Tiny service (data cut 2021-06-30; everyone engaged 2020-01-13, so followed 534 days unless a job):
  area A (strong): 20 clients, first jobs on days 10, 20, ..., 100 (10 entries)
  area B (weak):   20 clients, first jobs on days 30, 60, 120, 200 (4 entries)
  area C (not in the areas table): 3 referrals, never engaged
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from lifelines import CoxPHFitter
from lifelines.statistics import multivariate_logrank_test
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg

from ipseval import metrics
from ipseval.disclosure import protect
from ipseval.impact import survival
from ipseval.settings import Settings

CUT = date(2021, 6, 30)
ENGAGED = date(2020, 1, 13)
JOB_DAYS = {"A": [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], "B": [30, 60, 120, 200]}


def tiny_tables() -> dict[str, pl.DataFrame]:
    """Clients by sex: A 15 women (9 find work) and 5 men (1); B 5 women (1) and 15 men (3)."""
    rows, jobs = [], []
    plan = {"A": [("female", 15, 9), ("male", 5, 1)], "B": [("female", 5, 1), ("male", 15, 3)]}
    for area, groups in plan.items():
        days = iter(JOB_DAYS[area])
        for sex, n, with_job in groups:
            for i in range(n):
                cid = f"{area}{sex[0]}{i:02d}"
                rows.append((cid, area, ENGAGED, sex))
                if i < with_job:
                    jobs.append((cid, ENGAGED + timedelta(days=next(days))))
    rows += [(f"C{i}", "C", None, "male") for i in range(3)]
    clients = pl.DataFrame(
        rows, schema=["client_id", "local_authority", "engagement_date", "sex"], orient="row"
    )
    clients = clients.with_columns(
        pl.lit(date(2020, 1, 6)).alias("referral_date"), pl.lit(False).alias("employed_at_referral")
    )
    return {
        "clients": clients,
        "jobs": pl.DataFrame(jobs, schema=["client_id", "start_date"], orient="row"),
        "areas": pl.DataFrame(
            {
                "local_authority": ["A", "B"],
                "integration_strength": ["strong", "weak"],
                "population": [1e5, 2e5],
            }
        ),
    }


TINY_SETTINGS = Settings.model_validate({"definitions": {"model_controls": ["sex"]}})


@pytest.fixture
def tiny(make_store):
    return make_store(tiny_tables(), CUT, TINY_SETTINGS)


def _row(df: pl.DataFrame, **where) -> dict:
    for k, v in where.items():
        df = df.filter(pl.col(k) == v)
    assert df.height == 1, where
    return df.row(0, named=True)


# ------------------------------------------------------------------------------------ log-rank


def test_logrank_by_hand_on_five_clients():
    # A: 1 (job), 2 (job), 3 (censored); B: 2 (job), 4 (job)
    # t=1: n 5 (A 3), d 1 -> E_A 0.6, V 1*4/4 * 3/5 * 2/5 = 0.24
    # t=2: n 4 (A 2), d 2 -> E_A 1.0, V 2*2/3 * 1/2 * 1/2 = 1/3;  t=4: A has nobody at risk
    r = survival.logrank(np.array([1, 2, 3, 2, 4]), np.array([1, 1, 0, 1, 1]), np.array(list("AAABB")))
    assert r["observed"].tolist() == [2, 2]
    assert r["expected"] == pytest.approx([1.6, 2.4])
    assert r["chi_square"] == pytest.approx(0.4**2 / (0.24 + 1 / 3))
    assert r["df"] == 1


def test_logrank_matches_lifelines_with_ties_and_three_groups():
    rng = np.random.default_rng(1)
    g = rng.choice(["a", "b", "c"], 400)
    t = np.ceil(rng.exponential(10, 400) * np.where(g == "a", 1.0, 1.4))  # whole days: many ties
    e = rng.random(400) < 0.7
    ours = survival.logrank(t, e, g)
    ref = multivariate_logrank_test(t, g, e)
    assert ours["chi_square"] == pytest.approx(ref.test_statistic, rel=1e-10)
    assert ours["p_value"] == pytest.approx(ref.p_value, rel=1e-8)
    assert ours["df"] == ref.degrees_of_freedom == 2


# ------------------------------------------------------------------- cumulative incidence by group


def test_share_in_work_at_risk_and_median_by_hand(tiny):
    out = survival.time_to_job_by(tiny, TINY_SETTINGS, "local_authority")
    assert set(out) == {f"time_to_job_by_local_authority_{k}" for k in ("curve", "at", "summary", "gray")}
    at = out["time_to_job_by_local_authority_at"].data
    a3 = _row(at, group="A", months=3)  # day 91.3: jobs on days 10..90, nobody censored yet
    assert (a3["clients"], a3["job_entries_by_then"], a3["at_risk"]) == (20, 9, 11)
    assert a3["in_work"] == pytest.approx(9 / 20)
    assert _row(at, group="A", months=0)["at_risk"] == 20
    assert _row(at, group="B", months=9)["in_work"] == pytest.approx(4 / 20)
    summary = out["time_to_job_by_local_authority_summary"].data
    assert _row(summary, group="A")["median_days"] == 100  # the 10th of 20 starts a job on day 100
    assert _row(summary, group="B")["median_days"] is None  # not reached
    assert summary["group"].to_list() == ["A", "B"]  # C has nobody in the denominator


def test_gray_table_on_the_store(tiny):
    """Gray's test of the store's clients (the estimator itself is checked against R cmprsk)."""
    from ipseval.competing import gray_test

    t = survival.time_to_job_by(tiny, TINY_SETTINGS, "integration_strength")
    row = t["time_to_job_by_integration_strength_gray"].data.row(0, named=True)
    days = np.array(JOB_DAYS["A"] + [534] * 10 + JOB_DAYS["B"] + [534] * 16)
    status = np.array([1] * 10 + [0] * 10 + [1] * 4 + [0] * 16)
    ref = gray_test(days, status, np.array(["strong"] * 20 + ["weak"] * 20))
    assert row["chi_square"] == pytest.approx(ref["statistic"], rel=1e-12)
    assert (row["groups"], row["df"], row["fewest_group_job_entries"]) == (2, 1, 4)
    summary = t["time_to_job_by_integration_strength_summary"].data
    assert summary["discharged"].sum() == 0  # nobody was discharged in these data


def test_small_groups_are_hidden_by_disclosure_control(tiny):
    out = survival.time_to_job_by(tiny, TINY_SETTINGS, "local_authority")
    at = protect(out["time_to_job_by_local_authority_at"], TINY_SETTINGS.disclosure)
    i = at.data.with_row_index().filter((pl.col("group") == "B") & (pl.col("months") == 3))["index"][0]
    assert at.is_hidden(i, "job_entries_by_then") and at.is_hidden(i, "in_work")  # 2 entries
    test = protect(out["time_to_job_by_local_authority_gray"], TINY_SETTINGS.disclosure)
    assert test.is_hidden(0, "chi_square")  # B has only 4 job entries


def test_by_area_agrees_with_the_overall_metrics(demo_store):
    settings = demo_store.settings()
    ours = survival.time_to_job_by(demo_store, settings, "local_authority")
    theirs = metrics.time_to_job(demo_store, settings)
    a = ours["time_to_job_by_local_authority_at"].data.sort("group", "months")
    b = theirs["time_to_job_at"].data.filter(pl.col("breakdown") == "local_authority").sort("group", "months")
    for col in ("clients", "at_risk", "job_entries_by_then", "discharged_by_then", "in_work", "discharged"):
        assert a[col].to_list() == pytest.approx(b[col].to_list())
    m = theirs["time_to_job_summary"].data.filter(pl.col("breakdown") == "local_authority").sort("group")
    assert (
        ours["time_to_job_by_local_authority_summary"].data["median_days"].to_list()
        == m["median_days"].to_list()
    )


def test_demo_by_integration_strong_areas_find_work_sooner(demo_store):
    settings = demo_store.settings()
    out = survival.time_to_job_by(demo_store, settings, "integration_strength")
    at = out["time_to_job_by_integration_strength_at"].data
    assert _row(at, group="strong", months=12)["in_work"] > _row(at, group="weak", months=12)["in_work"]
    assert out["time_to_job_by_integration_strength_summary"].data["group"].to_list() == [
        "strong",
        "moderate",
        "weak",
    ]
    assert out["time_to_job_by_integration_strength_gray"].data["df"][0] == 2
    for table in out.values():
        protect(table, settings.disclosure)  # declarations are consistent


# ---------------------------------------------------------------------------------------- Cox


def simulated(n: int = 800, clusters: int = 10, whole_weeks: bool = False, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    cl = rng.integers(0, clusters, n)
    x = rng.normal(size=n)
    grp = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    lp = 0.5 * x - 0.4 * (grp == "b") + 0.7 * (grp == "c") + rng.normal(0, 0.3, clusters)[cl]
    t, c = rng.exponential(100 * np.exp(-lp)), rng.uniform(0, 250, n)
    days = np.minimum(t, c)
    return pl.DataFrame(
        {
            "days_followed": np.ceil(days / 7) if whole_weeks else days,
            "job_entry": (t <= c).astype(int),
            "x": x,
            "grp": grp,
            "local_authority": [f"LA{i}" for i in cl],
        }
    )


def _lifelines(df: pl.DataFrame):
    """lifelines' Cox fit (Efron ties) with its clustered sandwich, as the second implementation."""
    x = df.select(
        "days_followed", "job_entry", "x", "local_authority",
        b=(pl.col("grp") == "b").cast(float), c=(pl.col("grp") == "c").cast(float),
    ).to_pandas()  # fmt: skip
    cph = CoxPHFitter().fit(
        x, "days_followed", "job_entry", cluster_col="local_authority", fit_options={"precision": 1e-10}
    )
    return cph.params_[["x", "b", "c"]].to_numpy(), cph.standard_errors_[["x", "b", "c"]].to_numpy()


def _ours(df: pl.DataFrame):
    res = survival.fit_cox(df, ["x", "grp"], references={"grp": "a"})
    est = res.table.filter(~pl.col("reference"))
    return res, est["estimate"].to_numpy(), est["std_error"].to_numpy()


def test_cox_matches_lifelines_without_ties():
    df = simulated()
    res, beta, se = _ours(df)
    ll_beta, ll_se = _lifelines(df)
    assert beta == pytest.approx(ll_beta, abs=1e-6)
    # same clustered sandwich (score residuals summed by area); ours then multiplies by sqrt(G/(G-1))
    assert se == pytest.approx(ll_se * np.sqrt(10 / 9), rel=1e-5)
    assert res.card["se_factor"] == pytest.approx(np.sqrt(10 / 9))
    assert (res.card["clusters"], res.card["df"]) == (10, 9)
    assert res.table["hazard_ratio"].drop_nulls().to_numpy() == pytest.approx(np.exp(beta))
    assert res.table["hr_ci_low"].drop_nulls().to_numpy() == pytest.approx(
        np.exp(beta - stats.t.ppf(0.975, 9) * se)
    )


def test_stratified_cox_matches_lifelines():
    # two strata of five areas; clients censored before their stratum's first job start have a zero
    # score residual (statsmodels returns NaN for them; ipseval.impact.cox gives 0)
    df = simulated().with_columns(
        pl.col("local_authority").str.slice(2).cast(pl.Int64).mod(2).alias("site"),
        pl.when(pl.int_range(pl.len()) < 5)
        .then(0.001)
        .otherwise(pl.col("days_followed"))
        .alias("days_followed"),
        pl.when(pl.int_range(pl.len()) < 5).then(0).otherwise(pl.col("job_entry")).alias("job_entry"),
    )
    res = survival.fit_cox(df, ["x", "grp"], strata="site", references={"grp": "a"})
    est = res.table.filter(~pl.col("reference"))
    x = df.with_columns(b=(pl.col("grp") == "b").cast(float), c=(pl.col("grp") == "c").cast(float)).drop(
        "grp"
    )
    cph = CoxPHFitter().fit(
        x.to_pandas(), "days_followed", "job_entry", cluster_col="local_authority", strata=["site"],
        fit_options={"precision": 1e-10},
    )  # fmt: skip
    assert est["estimate"].to_numpy() == pytest.approx(cph.params_[["x", "b", "c"]].to_numpy(), abs=1e-6)
    assert est["std_error"].to_numpy() == pytest.approx(
        cph.standard_errors_[["x", "b", "c"]].to_numpy() * np.sqrt(10 / 9), rel=1e-5
    )
    assert "strata(site)" in res.card["formula"]


def test_cox_with_tied_weeks_matches_lifelines_efron_and_not_breslow():
    df = simulated(whole_weeks=True)
    assert df["days_followed"].n_unique() < 60  # heavily tied
    _, beta, _ = _ours(df)
    ll_beta, _ = _lifelines(df)
    assert beta == pytest.approx(ll_beta, abs=1e-6)  # both Efron
    exog = np.column_stack([df["x"], df["grp"] == "b", df["grp"] == "c"]).astype(float)
    breslow = PHReg(
        df["days_followed"].to_numpy(), exog, status=df["job_entry"].to_numpy(), ties="breslow"
    ).fit()
    assert np.abs(beta - breslow.params).max() > 1e-3  # the tie method matters here


def test_cox_standard_errors_do_not_depend_on_row_order_with_ties():
    # lifelines' score residuals ignore ties (its own TODO), so its clustered SEs change with the
    # order of tied rows; ours (Efron-weighted, as R's coxph: test_reference_cox) do not
    df = simulated(whole_weeks=True)
    se = [_ours(df.sample(fraction=1.0, shuffle=True, seed=s))[2] for s in (0, 1)]
    assert se[0] == pytest.approx(se[1], rel=1e-9)
    ll = [_lifelines(df.sample(fraction=1.0, shuffle=True, seed=s))[1] for s in (0, 1)]
    assert np.abs(ll[0] / ll[1] - 1).max() > 1e-3


def test_design_collapses_sparse_levels_and_drops_missing():
    df = simulated(n=200).with_columns(
        pl.when(pl.int_range(pl.len()) < 4).then(pl.lit("rare")).otherwise(pl.col("grp")).alias("grp"),
        pl.when(pl.int_range(pl.len()) == 7).then(None).otherwise(pl.col("x")).alias("x"),
    )
    d = survival.design(df, ["x", "grp"])
    assert d.dropped == 1
    assert "rare" not in d.frame["grp"].to_list()
    assert any("rare" in n for n in d.notes) and any("Complete cases" in n for n in d.notes)


def test_cox_on_the_demo(demo_store):
    settings = demo_store.settings()
    res = survival.cox_model(demo_store, settings)
    assert res.name == "cox"
    assert {"hazard_ratio", "hr_ci_low", "hr_ci_high"} <= set(res.table.columns)
    assert "local_authority" not in res.table["term"].to_list()  # a stratum
    assert "strata(local_authority)" in res.card["formula"]
    assert res.card["clusters"] == 8 and res.card["df"] == 7
    assert res.card["n"] + res.card["dropped_missing"] == 581
    assert any("Complete cases" in n for n in res.notes) and any("Only 8 clusters" in n for n in res.notes)
    ref = res.table.filter(pl.col("reference"))
    assert ref["estimate"].null_count() == ref.height
    integ = survival.cox_model(demo_store, settings, integration=True).table
    weak = _row(integ, term="integration_strength", level="weak")
    assert weak["hazard_ratio"] < 1  # strong is the reference
