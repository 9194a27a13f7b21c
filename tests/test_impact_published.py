"""Multiple imputation (Rubin's rules checked by hand) and the published evaluation's model on the demo."""

from __future__ import annotations

import time

import numpy as np
import polars as pl
import pytest
from scipy import stats

from ipseval.impact import CORE_COLUMNS, ImpactResult
from ipseval.impact.flat import logit
from ipseval.impact.imputation import impute_and_fit, pool, rubin
from ipseval.impact.published import published_model


def test_rubin_rules_by_hand():
    # m = 3: estimates 1.0, 1.2, 0.8; variances 0.04, 0.05, 0.06
    # mean 1.0; W = 0.05; B = (0 + 0.04 + 0.04) / 2 = 0.04; T = 0.05 + (4/3) 0.04 = 0.31/3
    # lambda = (0.16/3) / (0.31/3) = 16/31; nu_old = (m-1)/lambda^2 = 2 * 961/256 = 7.5078125
    # complete-data df 7: nu_obs = (8/10) * 7 * (15/31) = 84/31; nu = 1/(256/1922 + 31/84)
    # r = (0.16/3)/0.05 = 16/15; fmi = (r + 2/(nu+3)) / (r+1)
    out = rubin([[1.0], [1.2], [0.8]], [[0.04], [0.05], [0.06]], df_complete=7)
    nu = 1 / (256 / 1922 + 31 / 84)
    assert nu == pytest.approx(1.991071, abs=1e-6)
    assert out["estimate"][0] == pytest.approx(1.0)
    assert out["std_error"][0] == pytest.approx(np.sqrt(0.31 / 3))
    assert out["lambda"][0] == pytest.approx(16 / 31)
    assert out["df"][0] == pytest.approx(nu)
    assert out["riv"][0] == pytest.approx(16 / 15)
    assert out["fmi"][0] == pytest.approx((16 / 15 + 2 / (nu + 3)) / (31 / 15))
    half = stats.t.ppf(0.975, nu) * np.sqrt(0.31 / 3)
    assert out["ci_low"][0] == pytest.approx(1.0 - half) and out["ci_high"][0] == pytest.approx(1.0 + half)
    assert out["p_value"][0] == pytest.approx(2 * stats.t.sf(1 / np.sqrt(0.31 / 3), nu))
    # no complete-data df given (normal-theory fit): df is the old Rubin df
    assert rubin([[1.0], [1.2], [0.8]], [[0.04], [0.05], [0.06]])["df"][0] == pytest.approx(7.5078125)


def _fake(est: float, se: float, ame: float) -> ImpactResult:
    table = pl.DataFrame(
        {
            "term": ["g", "g"],
            "level": ["a", "b"],
            "reference": [True, False],
            "estimate": [None, est],
            "std_error": [None, se],
            "ci_low": [None, est - 2 * se],
            "ci_high": [None, est + 2 * se],
            "p_value": [None, 0.5],
            "n": [10, 11],
            "odds_ratio": [1.0, float(np.exp(est))],
            "or_ci_low": [None, 0.0],
            "or_ci_high": [None, 0.0],
            "ame": [None, ame],
            "ame_std_error": [None, se / 4],
            "ame_ci_low": [None, 0.0],
            "ame_ci_high": [None, 0.0],
        }
    )
    return ImpactResult("fake", table, card={"df": 7, "n": 21, "events": 9, "se_type": "CR1"})


def test_pool_gives_odds_ratios_on_the_log_scale_and_keeps_reference_rows():
    r = pool([_fake(1.0, 0.2, 0.10), _fake(1.2, 0.2236068, 0.12), _fake(0.8, 0.2449490, 0.08)])
    ref, b = r.table.row(0, named=True), r.table.row(1, named=True)
    assert list(r.table.columns[: len(CORE_COLUMNS)]) == list(CORE_COLUMNS)
    assert ref["reference"] and ref["estimate"] is None and ref["odds_ratio"] == 1.0 and ref["fmi"] is None
    assert b["estimate"] == pytest.approx(1.0) and b["odds_ratio"] == pytest.approx(np.e)
    assert b["or_ci_low"] == pytest.approx(np.exp(b["ci_low"]))
    assert b["ame"] == pytest.approx(0.10) and b["df"] == pytest.approx(1.991071, abs=1e-5)
    assert r.card["imputations"] == 3 and r.extra["imputations"].height == 6


def _with_missing(seed: int = 2) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    group = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    x = rng.normal(0, 1, n) + (group == "b")
    eta = -0.5 + 0.8 * x + np.select([group == "c"], [1.0], 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    df = pl.DataFrame(
        {"y": y, "x": x, "group": group, "count": rng.integers(0, 5, n), "area": rng.integers(0, 6, n)}
    )
    return df.with_columns(
        group=pl.when(pl.Series(rng.random(n) < 0.15)).then(None).otherwise(pl.col("group")),
        count=pl.when(pl.Series(rng.random(n) < 0.10)).then(None).otherwise(pl.col("count")),
    )


def test_impute_and_fit_fills_only_observed_categories_and_is_seeded():
    df = _with_missing()
    seen = []

    def fit(d: pl.DataFrame) -> ImpactResult:
        assert d["group"].null_count() == 0 and d["count"].null_count() == 0
        assert set(d["group"].unique()) <= {"a", "b", "c"} and d.schema["count"] == pl.Int64
        seen.append(d)
        return logit(d, "y", ["x", "group", "count"], cluster="area")

    progress = []
    r = impute_and_fit(
        df,
        fit,
        ["group", "count"],
        m=4,
        seed=3,
        predictors=["y", "x"],
        progress=lambda i, m: progress.append(i),
    )
    assert progress == [1, 2, 3, 4] and r.card["imputations"] == 4 and r.card["n"] == 400
    assert r.card["n_missing"]["group"] == df["group"].null_count()
    assert not seen[0]["group"].equals(seen[1]["group"])  # each imputation is a fresh draw
    observed = df["group"].is_not_null()
    assert seen[0].filter(observed)["group"].equals(df.filter(observed)["group"])
    b = r.table.filter(pl.col("level") == "c").row(0, named=True)
    assert 0 < b["fmi"] < 1 and b["df"] > 0 and b["or_ci_low"] < b["odds_ratio"] < b["or_ci_high"]
    again = impute_and_fit(df, fit, ["group", "count"], m=4, seed=3, predictors=["y", "x"])
    assert again.table.equals(r.table)


@pytest.fixture
def demo_store(demo_store_and_settings):
    return demo_store_and_settings


def test_published_model_on_the_demo_shows_large_rising_band_odds_ratios(demo_store):
    store, settings = demo_store
    started = time.perf_counter()
    out = published_model(store, settings, m=5)
    assert time.perf_counter() - started < 20
    assert set(out) == {"published_mi", "published_complete_case", "published_unadjusted"}
    mi = out["published_mi"]
    bands = mi.table.filter(pl.col("term") == "meeting_band")
    # the demo has one engaged client without a meeting: too few to show, so counted in the first band
    assert bands["level"].to_list() == ["0-4", "5-9", "10-19", "20+"]
    assert bands["reference"].to_list() == [True, False, False, False]
    ors = bands["odds_ratio"].to_list()
    assert ors[0] == 1.0 and 2 < ors[1] < ors[2] and ors[3] > 5  # the in-work meetings bias
    for name, r in out.items():
        assert r.name == name
        assert r.table.filter(pl.col("reference"))["term"].n_unique() >= 1
        card = r.card
        for key in (
            "formula",
            "outcome",
            "n",
            "events",
            "n_dropped",
            "clusters",
            "se_type",
            "df",
            "software",
        ):
            assert key in card, (name, key)
        assert card["clusters"] == 8 and card["df"] == 7 and card["population"] == "job-entry denominator"
        assert any("no attended meeting were too few" in n for n in r.notes)
    assert mi.card["imputations"] == 5 and "fmi" in mi.table.columns
    assert any("both a control" in n for n in mi.notes)
    cc = out["published_complete_case"]
    assert cc.card["n_dropped"] > 0 and cc.card["n"] + cc.card["n_dropped"] == mi.card["n"]
    assert out["published_unadjusted"].card["formula"] == "job_entry ~ meeting_band"
    # sparse levels never reach the model: every non-reference level has an estimate
    assert mi.table.filter(~pl.col("reference"))["estimate"].null_count() == 0
    # imputations = 0: complete cases only, no pooled model
    assert set(published_model(store, settings, m=0)) == {"published_complete_case", "published_unadjusted"}
