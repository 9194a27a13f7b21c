"""Firth's penalised-likelihood logit (ipseval.impact.firth) and the analyses that fall back to it.

R's brglm2 and a base-R profile likelihood are the reference in test_reference_firth.py; here,
answers worked by hand and the 300-client service whose key analyses used to be "not run".
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import optimize, special, stats

from ipseval.impact.firth import CHI2_95, SANDWICH_NOTE, SEPARATION_NOTE
from ipseval.impact.flat import SeparationError, logit

# A 2x2 table with an empty cell: 4 job entries among 10 clients with few meetings, none among 8
# with many. Maximum likelihood puts the odds ratio at zero; Firth's estimate for one binary
# covariate is the log odds ratio with 0.5 added to every cell (Firth 1993; Heinze & Schemper 2002).
ZERO_CELL = pl.DataFrame(
    {
        "job_entry": [1] * 4 + [0] * 6 + [0] * 8,
        "band": ["few"] * 10 + ["many"] * 8,
        "area": ["a", "b", "c"] * 6,
    }
)


def _log_odds(events: float, n: float) -> float:
    return math.log(events / (n - events))


def test_zero_cell_estimates_add_a_half_to_every_cell():
    result = logit(ZERO_CELL, "job_entry", ["band"], se="model", method="auto")
    est = dict(zip(result.table["level"], result.table["estimate"], strict=True))
    assert est[""] == pytest.approx(_log_odds(4.5, 11), abs=1e-10)  # (4 + .5) / (6 + .5)
    assert est["many"] == pytest.approx(_log_odds(0.5, 9) - _log_odds(4.5, 11), abs=1e-10)
    # SEs: inverse information at the estimate, with each band's fitted chance (events + .5) / (n + 1)
    p_few, p_many = 4.5 / 11, 0.5 / 9
    var_few, var_many = 1 / (10 * p_few * (1 - p_few)), 1 / (8 * p_many * (1 - p_many))
    se = dict(zip(result.table["level"], result.table["std_error"], strict=True))
    assert se[""] == pytest.approx(math.sqrt(var_few), abs=1e-10)
    assert se["many"] == pytest.approx(math.sqrt(var_few + var_many), abs=1e-10)
    assert result.card["fit"] == "firth"
    assert result.card["separated_levels"] == ["band = 'many'"]
    assert result.notes[0] == SEPARATION_NOTE


def _penalised(intercept: float, slope: float) -> float:
    """l* of the zero-cell table from its two groups, written out: a check independent of firth.py."""
    ll, info = 0.0, np.zeros((2, 2))
    for x, events, n in ((0.0, 4, 10), (1.0, 0, 8)):
        eta = intercept + slope * x
        ll += events * eta - n * np.logaddexp(0.0, eta)
        p = special.expit(eta)
        info += n * p * (1 - p) * np.outer([1.0, x], [1.0, x])
    return ll + 0.5 * np.linalg.slogdet(info)[1]


def test_zero_cell_profile_interval_and_likelihood_ratio_p_value():
    result = logit(ZERO_CELL, "job_entry", ["band"], se="model", method="firth")
    row = result.table.filter(pl.col("level") == "many").row(0, named=True)
    top = _penalised(_log_odds(4.5, 11), row["estimate"])

    def profile(slope: float) -> float:  # max over the intercept with the slope fixed
        return -optimize.minimize_scalar(lambda a: -_penalised(a, slope), bracket=(-3, 1), tol=1e-12).fun

    for bound in (row["ci_low"], row["ci_high"]):
        assert 2 * (top - profile(bound)) == pytest.approx(CHI2_95, abs=1e-7)
    assert row["estimate"] - row["ci_low"] > 1.5 * (
        row["ci_high"] - row["estimate"]
    )  # not symmetric like Wald
    assert row["p_value"] == pytest.approx(stats.chi2.sf(2 * (top - profile(0.0)), 1), rel=1e-7)


def test_maximum_likelihood_refuses_and_auto_falls_back():
    with pytest.raises(SeparationError):
        logit(ZERO_CELL, "job_entry", ["band"], cluster="area")
    clustered = logit(ZERO_CELL, "job_entry", ["band"], cluster="area", method="auto")
    assert clustered.card["fit"] == "firth" and clustered.card["df"] is None
    assert "sandwich_std_error" in clustered.table.columns  # CR1 at the Firth estimate, for comparison
    assert any("clustering by area is not reflected" in n for n in clustered.notes)


def test_auto_without_separation_is_maximum_likelihood():
    rows = ZERO_CELL.with_columns(job_entry=pl.Series([1] * 4 + [0] * 6 + [1] + [0] * 7))
    ml = logit(rows, "job_entry", ["band"], se="model")
    auto = logit(rows, "job_entry", ["band"], se="model", method="auto")
    assert auto.card["fit"] == "maximum_likelihood"
    assert auto.table["estimate"].to_list() == ml.table["estimate"].to_list()


def test_profile_only_the_terms_asked_for():
    data = ZERO_CELL.with_columns(age=pl.Series(np.arange(18) % 7, dtype=pl.Float64))
    result = logit(data, "job_entry", ["band", "age"], se="model", method="auto", profile_terms=["band"])
    assert result.card["profiled_terms"] == ["band"]
    age = result.table.filter(pl.col("term") == "age").row(0, named=True)
    z = stats.norm.ppf(0.975)
    assert age["ci_high"] == pytest.approx(age["estimate"] + z * age["std_error"], abs=1e-12)  # Wald
    assert any("Only band has profile-likelihood intervals" in n for n in result.notes)


@pytest.fixture(scope="module")
def small_service(tmp_path_factory):
    """A clean 300-client demo service (seed 1): its key models have separation."""
    from ipseval import demo
    from ipseval.settings import load_settings
    from ipseval.store import Store, import_dataset
    from ipseval.validate import load

    data = Path(tmp_path_factory.mktemp("small")) / "data"
    demo.write_demo(data, n_clients=300, seed=1, clean=True, interviews=False)
    settings = load_settings(search_dir=data)
    ds = load(data, settings)
    db = data.parent / "store.duckdb"
    import_dataset(db, ds.tables, settings, ds.data_cut, row_counts=ds.row_counts)
    with Store(db) as store:
        yield store, settings


def test_small_service_runs_the_published_style_model(small_service):
    from ipseval.impact.published import published_model

    found = published_model(*small_service, m=2)
    model = found["published_complete_case"]  # 117 clients, 30 job entries, 41 coefficients
    assert model.card["fit"] == "firth"
    assert SEPARATION_NOTE in model.notes
    assert model.card["profiled_terms"] == ["meeting_band"]
    bands = model.table.filter((pl.col("term") == "meeting_band") & ~pl.col("reference"))
    assert bands["ci_low"].is_not_null().all() and bands["odds_ratio"].is_finite().all()
    assert found["published_mi"].card["fit"] == "firth"  # every imputation fitted the same way
    assert SANDWICH_NOTE in model.notes and SANDWICH_NOTE not in found["published_mi"].notes  # not pooled
    assert not any("_cluster" in n for n in model.notes)
    assert found["published_unadjusted"].card["fit"] == "maximum_likelihood"  # bands alone: no separation


def test_small_service_runs_the_landmark_and_area_models(small_service):
    from ipseval.impact.areas import area_variation
    from ipseval.impact.dose import landmark

    result = landmark(*small_service)
    assert result.card["fit"] == "firth" and SEPARATION_NOTE in result.notes
    assert result.card["profiled_terms"] == ["landmark_band"]
    assert not any("_cluster" in n for n in result.notes)
    areas = area_variation(*small_service)
    assert areas["area_expected_model"].card["fit"] == "firth"
    assert any("Firth's penalised likelihood" in n for n in areas["area_variation"].notes)
    assert areas["area_variation"].data["expected_job_entries"].is_not_null().all()


def test_frequency_weights_equal_repeated_rows():
    counts = ZERO_CELL.group_by("job_entry", "band").agg(pl.len().alias("clients")).sort("band", "job_entry")
    weighted = logit(counts, "job_entry", ["band"], se="model", method="firth", weights="clients")
    repeated = logit(ZERO_CELL, "job_entry", ["band"], se="model", method="firth")
    for col in ("estimate", "std_error", "ci_low", "ci_high", "p_value"):
        np.testing.assert_allclose(weighted.table[col], repeated.table[col], rtol=1e-8, atol=1e-10)
