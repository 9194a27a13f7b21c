"""Competing risks against R (tests/reference/competing.R): Aalen-Johansen with survfit's
infinitesimal-jackknife standard errors and log intervals, Gray's test (cmprsk::cuminc),
cause-specific Cox (coxph, Efron) and Fine-Gray (cmprsk::crr run with gtol 1e-12), on Rossi with
an artificial competing event and on the 718-client demo. All to 1e-8."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ipseval.competing import cumulative_incidence, gray_test
from ipseval.impact import cox
from ipseval.impact.finegray import fit_fine_gray

REF = Path(__file__).parent / "reference"
TOL = 1e-8
ROSSI_TERMS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


def _read(name: str) -> pl.DataFrame:
    return pl.read_csv(REF / name, null_values="NA", infer_schema_length=None)


@pytest.fixture(scope="module")
def rossi() -> pl.DataFrame:
    return _read("data/rossi_competing.csv").rename({"week": "time"})


@pytest.fixture(scope="module")
def demo() -> pl.DataFrame:
    return _read("data/demo_competing.csv").rename({"days": "time"})


def _groups(df: pl.DataFrame, data: str):
    yield "All", df
    for by in ("fin", "prio3") if data == "rossi" else ("local_authority", "integration_strength"):
        for (value,), sub in df.group_by(by):
            yield f"{by}={value}", sub


COLUMNS = {
    "p0": "out_of_work", "p1": "in_work", "p2": "discharged",
    "se0": "out_of_work_se", "se1": "in_work_se", "se2": "discharged_se",
    "lower0": "out_of_work_ci_low", "lower1": "in_work_ci_low", "lower2": "discharged_ci_low",
    "upper0": "out_of_work_ci_high", "upper1": "in_work_ci_high", "upper2": "discharged_ci_high",
}  # fmt: skip


@pytest.mark.parametrize("data", ["rossi", "demo"])
def test_aalen_johansen_matches_survfit(data, rossi, demo):
    expected = _read("expected/competing_aj.csv").filter(pl.col("data") == data)
    seen = 0
    for group, sub in _groups(rossi if data == "rossi" else demo, data):
        want = expected.filter(pl.col("group") == group)
        got = cumulative_incidence(sub["time"].to_numpy(), sub["status"].to_numpy())
        assert want.height == got.height > 0, group
        np.testing.assert_array_equal(got["day"], want["time"])
        np.testing.assert_array_equal(got["at_risk"], want["n_risk"])
        for r_name, ours in COLUMNS.items():
            a, b = got[ours].to_numpy(), want[r_name].cast(pl.Float64).to_numpy()
            np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{group} {ours}")
            np.testing.assert_allclose(a, b, rtol=0, atol=TOL, equal_nan=True, err_msg=f"{group} {ours}")
        seen += 1
    assert seen == expected["group"].n_unique()


def test_gray_matches_cuminc(rossi, demo):
    for r in _read("expected/competing_gray.csv").iter_rows(named=True):
        df = rossi if r["data"] == "rossi" else demo
        got = gray_test(df["time"].to_numpy(), df["status"].to_numpy(), df[r["by"]].cast(pl.Utf8), r["cause"])
        assert got["df"] == r["df"]
        assert got["statistic"] == pytest.approx(r["statistic"], abs=TOL)
        assert got["p_value"] == pytest.approx(r["p_value"], abs=TOL)


def _demo_design(demo: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray]:
    cc = demo.drop_nulls(["age", "gender"])
    X = np.column_stack(
        [
            cc["age"].to_numpy().astype(float),
            (cc["gender"] == "male").to_numpy().astype(float),
            *((cc["integration_strength"] == lv).to_numpy().astype(float) for lv in ("moderate", "weak")),
        ]
    )
    return cc, X


@pytest.mark.parametrize("data", ["rossi", "demo"])
def test_cause_specific_cox_and_fine_gray_match_r(data, rossi, demo):
    if data == "rossi":
        df, X = rossi, rossi.select(ROSSI_TERMS).to_numpy().astype(float)
    else:
        df, X = _demo_design(demo)
    time, status = df["time"].to_numpy().astype(float), df["status"].to_numpy()
    expected = _read("expected/competing_models.csv").filter(pl.col("data") == data)
    cs = cox.fit(time, status == 1, X)
    want = expected.filter(pl.col("model") == "cause_specific_cox")
    np.testing.assert_allclose(cs.params, want["estimate"], rtol=0, atol=TOL)
    np.testing.assert_allclose(np.sqrt(np.diag(np.linalg.inv(cs.information))), want["std_error"], atol=TOL)
    fg = fit_fine_gray(time, status, X)
    want = expected.filter(pl.col("model") == "fine_gray")
    np.testing.assert_allclose(fg.params, want["estimate"], rtol=0, atol=TOL)
    np.testing.assert_allclose(np.sqrt(np.diag(fg.covariance)), want["std_error"], rtol=0, atol=TOL)
