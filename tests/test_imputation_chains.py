"""The chained-equations machinery behind multiple imputation: donor search, chains side by side,
the imputations a seed gives, and the imputation progress with the time left."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ipseval.impact import chained
from ipseval.impact.chained import Layout, each_imputation, impute_chains
from ipseval.impact.flat import logit
from ipseval.impact.imputation import _encode, impute_and_fit
from ipseval.impact.matching import nearest, plane_basis
from ipseval.progress import Countdown, duration
from test_impact_published import _with_missing


def _brute_force(fitted: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """Every squared distance, the k smallest by a stable sort (chains, missing, k)."""
    d = ((predicted[:, :, None, :] - fitted[:, None, :, :]) ** 2).sum(axis=3)
    return np.argsort(d, axis=2, kind="stable")[:, :, :k]


@pytest.mark.parametrize("dims", [1, 2, 4])
def test_nearest_donors_are_exactly_the_k_nearest_nearest_first(dims):
    rng = np.random.default_rng(dims)
    fitted, predicted = rng.normal(size=(3, 400, dims)), rng.normal(size=(3, 60, dims)) * 1.3
    found = nearest(fitted, predicted, 5)
    assert found.shape == (3, 60, 5)
    np.testing.assert_array_equal(found, _brute_force(fitted, predicted, 5))
    # a tiny table: fewer observed rows than twice the donors
    np.testing.assert_array_equal(
        nearest(fitted[:, :3], predicted, 3), _brute_force(fitted[:, :3], predicted, 3)
    )


def test_level_probabilities_are_matched_on_their_plane():
    """Fitted level probabilities sum to one, so the nearest donors in L dimensions are the
    nearest in the plane's L-1 coordinates, whatever the drawn predictions sum to."""
    rng = np.random.default_rng(7)
    for levels in (2, 3, 6):
        fitted = rng.dirichlet(np.ones(levels), size=(2, 300))
        predicted = fitted[:, :40] + rng.normal(0, 0.05, (2, 40, levels))  # sums are not one
        basis = plane_basis(levels)
        assert np.allclose(basis.T @ basis, np.eye(levels - 1)) and np.allclose(basis.sum(axis=0), 0)
        on_plane = nearest(fitted @ basis, predicted @ basis, 5)
        np.testing.assert_array_equal(on_plane, _brute_force(fitted, predicted, 5))


def _layout():
    df = _with_missing()
    arrays, levels = _encode(df, ["group", "count", "y", "x"])
    return Layout(arrays, levels, ["group", "count"])


def test_chains_side_by_side_are_the_chains_one_at_a_time():
    layout = _layout()
    together = impute_chains(layout, 10, [np.random.default_rng([3, j]) for j in range(4)])
    for j, chain in enumerate(together):
        alone = impute_chains(layout, 10, [np.random.default_rng([3, j])])[0]
        for c in ("group", "count"):
            np.testing.assert_array_equal(chain[c], alone[c])
    assert not np.array_equal(together[0]["group"], together[1]["group"])
    assert layout.batch(20) == 20 and layout.batch(10**6) == 1  # too many to stack: one at a time


def test_a_seed_gives_the_imputations_of_the_one_chain_at_a_time_implementation():
    """Pinned from the implementation before chains ran side by side (ipseval 0.1.0 at c0dee9f):
    the same draws in the same order, so the same imputed values and pooled estimates (at the
    10 cycles that implementation ran; the default is now 5). Re-pinned when levels came to be
    numbered in the order they first occur, not by label (group: a, c, b; was 0.7950082365656946
    and -0.08952991435417279)."""
    r = impute_and_fit(
        _with_missing(),
        lambda d: logit(d, "y", ["x", "group", "count"], cluster="area"),
        ["group", "count"],
        m=4,
        seed=3,
        predictors=["y", "x"],
        iterations=10,
    )
    estimate = dict(zip(r.table["level"].to_list(), r.table["estimate"].to_list(), strict=True))
    assert estimate["c"] == pytest.approx(0.9055280044960367, abs=1e-9)
    assert r.table.filter(r.table["term"] == "count")["estimate"][0] == pytest.approx(
        -0.11498287241152289, abs=1e-9
    )


def test_renaming_a_category_changes_no_imputation_and_no_pooled_estimate():
    """A walkthrough renamed area codes to names (NBK -> Northbrook) and the headline odds ratio
    moved from 1.75 to 1.81: levels numbered by label changed the imputation model's reference
    level and so every posterior draw. Renamed so that the alphabetical order reverses, every
    estimate is the same (the renamed group's own ones under their new names)."""
    renamed = {"a": "z", "b": "y", "c": "x"}

    def pooled(d: pl.DataFrame) -> dict:
        r = impute_and_fit(
            d, lambda f: logit(f, "y", ["x", "group", "count"], cluster="area", reference={"group": "a"} if "a" in f["group"] else {"group": "z"}),
            ["group", "count"], m=4, seed=3, predictors=["y", "x"], iterations=5,
        )  # fmt: skip
        levels = [renamed.get(v, v) for v in r.table["level"].to_list()]
        return dict(
            zip(
                zip(r.table["term"].to_list(), levels, strict=True),
                r.table["estimate"].to_list(),
                strict=True,
            )
        )

    before = _with_missing()
    after = before.with_columns(pl.col("group").replace(renamed))
    a, b = pooled(before), pooled(after)
    assert a.keys() == b.keys()
    for key in a:
        assert b[key] == pytest.approx(a[key], abs=1e-9), key


def test_countdown_gives_the_time_left_at_the_pace_since_the_first_report():
    said, now = [], [100.0]
    countdown = Countdown(said.append, "impact: imputation", clock=lambda: now[0])
    for seconds in (30.0, 0.5, 3.5, 0.5, 3.5):  # setting up, then repeats finishing in pairs
        now[0] += seconds
        countdown(len(said) + 1, 5)
    assert said == [
        "impact: imputation 1 of 5",
        "impact: imputation 2 of 5",
        "impact: imputation 3 of 5, about 4 s left",
        "impact: imputation 4 of 5, about 2 s left",
        "impact: imputation 5 of 5",
    ]
    assert [duration(s) for s in (0.2, 12.4, 89, 95, 3600, 5430)] == [
        "1 s",
        "12 s",
        "89 s",
        "2 min",
        "60 min",
        "1 h 30 min",
    ]


def test_a_column_with_one_observed_level_is_filled_with_it():
    df = _with_missing().with_columns(
        group=pl.when(pl.col("group").is_null()).then(None).otherwise(pl.lit("a")), flag=pl.lit(True)
    )
    df = df.with_columns(flag=pl.when(pl.col("count") == 0).then(None).otherwise(pl.col("flag")))
    seen = []

    def fit(d: pl.DataFrame):
        seen.append(d)
        return logit(d, "y", ["x", "count"], cluster="area")

    impute_and_fit(df, fit, ["group", "count", "flag"], m=2, seed=1, predictors=["y", "x"])
    assert all(set(d["group"].to_list()) == {"a"} and d["flag"].to_list() == [True] * d.height for d in seen)
    assert all(d.schema["flag"] == pl.Boolean for d in seen)


def test_chains_in_threads_are_the_chains_in_turn(monkeypatch):
    """A big table's chains run two at a time in threads; each has its own generator, so the
    imputations are those of one chain after another (and of all chains side by side)."""
    layout = _layout()
    together = list(each_imputation(layout, 10, 3, 4))
    monkeypatch.setattr(chained, "BATCH_BYTES", 0)  # a big table: one chain per imputation
    monkeypatch.setattr(chained.os, "cpu_count", lambda: 2)
    threaded = list(each_imputation(layout, 10, 3, 4))
    monkeypatch.setenv("IPSEVAL_WORKERS", "0")
    in_turn = list(each_imputation(layout, 10, 3, 4))
    for a, b, c in zip(together, threaded, in_turn, strict=True):
        for column in ("group", "count"):
            np.testing.assert_array_equal(a[column], b[column])
            np.testing.assert_array_equal(a[column], c[column])
