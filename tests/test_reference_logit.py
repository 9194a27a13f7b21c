"""ipseval's logit engine (impact.flat.logit) against R's glm, sandwich and lmtest.

Reference: tests/reference/logit.R. Deterministic, so everything agrees to 1e-8 (relative, or
absolute near zero): coefficients, CR1 / HC1 / model SEs, t(G-1) or normal CIs and p-values,
odds ratios, average marginal effects and their delta-method SEs.

Data: Mroz (carData; CR1 clustered by age in years, HC1, model) and every logit model of the demo's
impact section, on the rows ipseval fitted them on (tests/reference/export_demo.py recorded them
while the real analyses ran): published-style model (complete cases, unadjusted), discrete-time
hazard, landmark (bands, per meeting), area expected-job-entry model and integration-strength model.
"""

from __future__ import annotations

import polars as pl
import pytest

from ipseval.impact.flat import logit
from reference_helpers import assert_close, read_data, read_expected, read_json

COLUMNS = (
    "estimate", "std_error", "ci_low", "ci_high", "p_value", "odds_ratio",
    "ame", "ame_std_error", "ame_ci_low", "ame_ci_high",
)  # fmt: skip
MROZ_TERMS = ["k5", "k618", "age", "wc", "hc", "lwg", "inc"]
DEMO_MODELS = read_json("demo_models.json")


def compare(result, expected: pl.DataFrame, name: str) -> None:
    """Every non-reference row of ipseval's table against R's, matched on (term, level)."""
    ours = result.table.filter(~pl.col("reference"))
    joined = expected.with_columns(pl.col("level").fill_null("")).join(
        ours, on=["term", "level"], how="left", suffix="_ipseval"
    )
    assert ours.height == expected.height, f"{name}: {ours.height} coefficients, R has {expected.height}"
    assert joined["estimate_ipseval"].null_count() == 0, f"{name}: terms missing from ipseval's table"
    for c in COLUMNS:
        assert_close(joined[f"{c}_ipseval"], joined[c], f"{name} {c}")
    assert result.card["n"] == expected["n"][0]
    assert_close(result.card["log_likelihood"], expected["log_likelihood"][0], f"{name} log-likelihood")


@pytest.fixture(scope="module")
def mroz() -> pl.DataFrame:
    return read_data("mroz.csv", strings=["wc", "hc"])


@pytest.mark.parametrize("se", ["cluster_t", "robust", "model"])
def test_mroz(mroz, se):
    """glm(lfp ~ k5 + k618 + age + wc + hc + lwg + inc, binomial) on Mroz with
    vcovCL(cluster = ~age, type = "HC1") and coeftest(df = G - 1) / vcovHC(type = "HC1") / vcov();
    AMEs by hand (mean of beta p(1-p); P(wc = 1) - P(wc = 0)) with delta-method SEs. Tolerance 1e-8."""
    result = logit(
        mroz,
        "lfp",
        MROZ_TERMS,
        reference={"wc": "0", "hc": "0"},
        cluster="age" if se == "cluster_t" else None,
        se=se,
    )
    compare(result, read_expected(f"logit_mroz_{se}.csv"), f"mroz {se}")
    if se == "cluster_t":
        assert result.card["df"] == 30  # 31 ages: t on G - 1 = 30 df


@pytest.mark.parametrize("name", list(DEMO_MODELS))
def test_demo_models(name):
    """The demo's impact models refitted from their recorded rows against glm(binomial) with
    vcovCL(type = "HC1") clustered by local authority and t(G - 1) (area expected model: vcov(),
    normal), AMEs of the model's exposure by hand. Tolerance 1e-8."""
    spec = DEMO_MODELS[name]
    frame = read_data(f"demo_model_{name}.csv", strings=spec["categorical"])
    result = logit(
        frame,
        spec["outcome"],
        spec["terms"],
        reference=spec["reference"],
        cluster=spec["cluster"],
        se=spec["se"],
        unit=spec["unit"],
        ame_terms=spec["ame_terms"],
    )
    compare(result, read_expected(f"logit_demo_{name}.csv"), name)
