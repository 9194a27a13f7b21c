"""Local variation and integration strength: O/E and funnel limits worked out by hand.

Tiny service (data cut 2021-06-30), the only control is sex:
  area A (strong, population 100,000): 15 women (9 find work) and 5 men (1)  -> O = 10
  area B (weak, population 200,000):    5 women (1 finds work) and 15 men (3) -> O = 4
  area C (not in the areas table): 3 referrals, never engaged
Women: 10 of 20 find work (0.5), men 4 of 20 (0.2); the logit on sex alone reproduces these, so
  E_A = 15 x 0.5 + 5 x 0.2 = 8.5,  E_B = 5 x 0.5 + 15 x 0.2 = 5.5,  overall rate p0 = 14 / 40 = 0.35.
"""

from __future__ import annotations

from datetime import date, timedelta
from math import comb

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy import stats

from ipseval.disclosure import protect
from ipseval.impact import areas
from ipseval.settings import Settings

CUT = date(2021, 6, 30)
ENGAGED = date(2020, 1, 13)
SETTINGS = Settings.model_validate({"definitions": {"model_controls": ["sex"]}})


def tiny_tables(with_areas: bool = True) -> dict[str, pl.DataFrame]:
    rows, jobs, day = [], [], 10
    plan = {"A": [("female", 15, 9), ("male", 5, 1)], "B": [("female", 5, 1), ("male", 15, 3)]}
    for area, groups in plan.items():
        for sex, n, with_job in groups:
            for i in range(n):
                cid = f"{area}{sex[0]}{i:02d}"
                rows.append((cid, area, ENGAGED, sex))
                if i < with_job:
                    jobs.append((cid, ENGAGED + timedelta(days=day)))
                    day += 7
    rows += [(f"C{i}", "C", None, "male") for i in range(3)]
    clients = pl.DataFrame(
        rows, schema=["client_id", "local_authority", "engagement_date", "sex"], orient="row"
    )
    tables = {
        "clients": clients.with_columns(
            pl.lit(date(2020, 1, 6)).alias("referral_date"), pl.lit(False).alias("employed_at_referral")
        ),
        "jobs": pl.DataFrame(jobs, schema=["client_id", "start_date"], orient="row"),
    }
    if with_areas:
        tables["areas"] = pl.DataFrame(
            {
                "local_authority": ["A", "B"],
                "integration_strength": ["strong", "weak"],
                "population": [1e5, 2e5],
            }
        )
    return tables


@pytest.fixture
def tiny(make_store):
    return make_store(tiny_tables(), CUT, SETTINGS)


def _row(df: pl.DataFrame, **where) -> dict:
    for k, v in where.items():
        df = df.filter(pl.col(k) == v)
    assert df.height == 1, where
    return df.row(0, named=True)


# ------------------------------------------------------------------------------------ funnel limits


def test_binomial_limits_by_hand():
    # Binomial(10, 0.5): P(X<=1) = 11/1024, P(X<=2) = 56/1024, P(X<=7) = 968/1024, P(X<=8) = 1013/1024
    # upper 97.5%: r = 8, a = (1013/1024 - 0.975) / (45/1024); limit = (8 - a) / 10
    # lower 2.5%:  r = 2, a = (56/1024 - 0.025) / (45/1024);   limit = (2 - a) / 10
    cdf = {r: sum(comb(10, k) for k in range(r + 1)) / 1024 for r in (1, 2, 7, 8)}
    assert cdf[8] == 1013 / 1024
    upper = (8 - (cdf[8] - 0.975) / (cdf[8] - cdf[7])) / 10
    lower = (2 - (cdf[2] - 0.025) / (cdf[2] - cdf[1])) / 10
    assert upper == pytest.approx(0.7675556, abs=1e-7) and lower == pytest.approx(0.1324444, abs=1e-7)
    lim = areas.funnel_limits(0.5, np.array([10])).row(0, named=True)
    assert (lim["lower_95"], lim["upper_95"]) == pytest.approx((lower, upper))
    assert lim["lower_998"] < lim["lower_95"] < 0.5 < lim["upper_95"] < lim["upper_998"]


def test_binomial_limits_approach_the_normal_limits_for_large_n():
    n, p0 = 10_000, 0.3
    lim = areas.funnel_limits(p0, np.array([n])).row(0, named=True)
    for name, z in (("95", stats.norm.ppf(0.975)), ("998", stats.norm.ppf(0.999))):
        half = z * np.sqrt(p0 * (1 - p0) / n)
        assert lim[f"upper_{name}"] == pytest.approx(p0 + half, abs=1.5 / n)
        assert lim[f"lower_{name}"] == pytest.approx(p0 - half, abs=1.5 / n)


def test_limits_narrow_as_n_grows_and_stay_in_0_1():
    t = areas.funnel_limits(0.35, np.arange(1, 300))
    width = (t["upper_95"] - t["lower_95"]).to_numpy()
    assert (np.diff(width[20:]) < 0.02).all() and width[-1] < width[20]
    assert t.select(pl.all().exclude("n", "p0")).to_numpy().min() >= 0
    assert t.select(pl.all().exclude("n", "p0")).to_numpy().max() <= 1


# ----------------------------------------------------------------------------------- O/E by hand


def test_observed_expected_and_adjusted_rate_by_hand(tiny):
    out = areas.area_variation(tiny, SETTINGS)
    t = out["area_variation"].data
    a, b, c = (_row(t, local_authority=x) for x in "ABC")
    assert (a["denominator"], a["job_entries"], b["job_entries"]) == (20, 10, 4)
    assert a["expected_job_entries"] == pytest.approx(8.5, abs=1e-6)
    assert b["expected_job_entries"] == pytest.approx(5.5, abs=1e-6)
    assert a["oe_ratio"] == pytest.approx(10 / 8.5, abs=1e-6)
    assert b["oe_ratio"] == pytest.approx(4 / 5.5, abs=1e-6)
    assert a["adjusted_rate"] == pytest.approx(10 / 8.5 * 0.35, abs=1e-6)
    assert b["adjusted_rate"] == pytest.approx(4 / 5.5 * 0.35, abs=1e-6)
    assert b["oe_ci_low"] == pytest.approx(stats.chi2.ppf(0.025, 8) / 2 / 5.5, rel=1e-5)  # exact Poisson
    assert b["oe_ci_high"] == pytest.approx(stats.chi2.ppf(0.975, 10) / 2 / 5.5, rel=1e-5)
    assert a["referrals_per_100k"] == pytest.approx(20.0)
    # C: referred, nobody engaged, not in the areas table
    assert (c["integration_strength"], c["referrals"], c["denominator"]) == ("not recorded", 3, 0)
    assert c["job_entry_rate"] is None and c["oe_ratio"] is None
    # n = 20, p0 = 0.35: P(X<=10) = 0.946833, P(X<=11) = 0.980421 -> upper 95% = (11 - 0.16137) / 20
    # P(X<=2) = 0.012118, P(X<=3) = 0.044376 -> lower 95% = (3 - 0.60066) / 20
    lim = areas.funnel_limits(0.35, np.array([20])).row(0, named=True)
    assert lim["upper_95"] == pytest.approx((11 - (0.980421 - 0.975) / (0.980421 - 0.946833)) / 20, abs=1e-5)
    assert lim["lower_95"] == pytest.approx((3 - (0.044376 - 0.025) / (0.044376 - 0.012118)) / 20, abs=1e-5)
    assert (a["funnel_95"], b["funnel_95"]) == ("within", "within")  # 0.5 < 0.5419, 0.2 > 0.1200
    limits = out["area_funnel_limits"]
    assert not limits.about_people and limits.data["p0"].unique().to_list() == [pytest.approx(0.35)]
    assert out["area_expected_model"].card["formula"] == "job_entry ~ sex"


def test_small_area_counts_hide_the_model_statistics_that_would_give_them_back(tiny):
    t = protect(areas.area_variation(tiny, SETTINGS)["area_variation"], SETTINGS.disclosure)
    b = t.data["local_authority"].to_list().index("B")
    assert t.is_hidden(b, "job_entries")  # 4 <= threshold
    for col in ("oe_ratio", "adjusted_rate", "adjusted_ci_low", "funnel_95"):
        assert t.is_hidden(b, col), col
    assert not t.is_hidden(b, "expected_job_entries")  # E alone does not reveal O


# ---------------------------------------------------------------------------------- integration


def test_integration_panel_on_the_tiny_service(tiny):
    out = areas.integration_panel(tiny, SETTINGS)
    t = out["integration_panel"].data
    assert t["integration_strength"].to_list() == ["strong", "weak", "not recorded"]
    s, w, nr = (t.row(i, named=True) for i in range(3))
    assert (s["areas"], s["referrals"], s["job_entry_rate"]) == (1, 20, 0.5)
    assert w["referrals_per_100k"] == pytest.approx(10.0) and w["job_entry_rate"] == pytest.approx(0.2)
    assert (nr["areas"], nr["referrals"], nr["population"]) == (1, 3, None)
    assert s["odds_ratio"] == 1.0 and s["ame_pp"] is None  # the reference
    assert w["odds_ratio"] is not None and w["ame_pp_ci_low"] is None  # one area per level: no interval
    assert any("single area" in n for n in out["integration_logit"].notes)


def test_integration_panel_without_an_areas_table(make_store):
    store = make_store(tiny_tables(with_areas=False), CUT, SETTINGS)
    out = areas.integration_panel(store, SETTINGS)
    assert out["integration_panel"].data["integration_strength"].to_list() == ["not recorded"]
    assert out["integration_panel"].data["areas"][0] == 3 and out["integration_logit"] is None


def test_logit_average_marginal_effects_match_statsmodels():
    rng = np.random.default_rng(4)
    n = 1500
    x, grp, cl = rng.normal(size=n), rng.choice(["a", "b"], n), rng.integers(0, 12, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.8 * x + 0.6 * (grp == "b"))))).astype(int)
    df = pl.DataFrame({"y": y, "x": x, "grp": grp, "cl": cl})
    ours = areas.logit(df, "y", ["x", "grp"], reference={"grp": "a"}, cluster="cl")
    X = sm.add_constant(np.column_stack([x, grp == "b"]).astype(float))
    ref = sm.Logit(y, X).fit(disp=0, cov_type="cluster", cov_kwds={"groups": cl})
    me = ref.get_margeff(at="overall", dummy=True)
    t = ours.table.filter(~pl.col("reference") & (pl.col("term") != "(Intercept)"))
    assert t["estimate"].to_numpy() == pytest.approx(ref.params[1:], abs=1e-6)
    assert t["std_error"].to_numpy() == pytest.approx(ref.bse[1:], rel=1e-6)
    assert t["ame"].to_numpy() == pytest.approx(me.margeff, abs=1e-6)
    half = (t["ame_ci_high"] - t["ame"]).to_numpy() / stats.t.ppf(0.975, 11)
    assert half == pytest.approx(me.margeff_se, rel=1e-4)


# ------------------------------------------------------------------------------------------ demo


def test_demo_area_variation_and_integration(demo_store):
    settings = demo_store.settings()
    out = areas.area_variation(demo_store, settings)
    t = out["area_variation"].data
    assert t.height == 8 and t["denominator"].sum() == 581
    assert t["expected_job_entries"].sum() == pytest.approx(t["job_entries"].sum(), rel=1e-6)  # logit MLE
    assert set(t["funnel_95"].to_list()) <= {"above", "below", "within"}
    panel = areas.integration_panel(demo_store, settings)
    p = panel["integration_panel"].data
    assert p["integration_strength"].to_list() == ["strong", "moderate", "weak"]
    assert p["areas"].to_list() == [3, 3, 2]
    rate = dict(zip(p["integration_strength"], p["job_entry_rate"], strict=True))
    assert rate["strong"] > rate["weak"]
    weak = _row(p, integration_strength="weak")
    assert weak["odds_ratio"] < 1 and weak["ame_pp"] < 0 and weak["ame_pp_ci_low"] < weak["ame_pp"]
    logit = panel["integration_logit"]
    assert logit.card["clusters"] == 8 and logit.card["df"] == 7
    assert any("Weak evidence" in n for n in logit.notes)
    for table in (out["area_variation"], out["area_funnel_limits"], panel["integration_panel"]):
        protect(table, settings.disclosure)
