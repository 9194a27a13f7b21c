"""Disclosure control: hand-worked fixtures, then property tests that no hidden cell can be recovered."""

from __future__ import annotations

import time

import numpy as np
import polars as pl
import pytest
import scipy.linalg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from scipy.optimize import linprog
from statsmodels.stats.proportion import proportion_confint

from ipseval.disclosure import (
    NOT_FOR_PUBLICATION,
    _fixed_variables,
    describe_policy,
    protect,
    protect_all,
    wilson_interval,
)
from ipseval.results import ColumnsAddUp, Rate, ResultTable, RowsAddUp
from ipseval.settings import Disclosure

NDTMS = Disclosure()
NHS = Disclosure(policy="nhs")
NONE = Disclosure(policy="none")


def hidden_cells(p, column: str) -> list[int]:
    return [i for i, h in enumerate(p.hidden[column].to_list()) if h]


# ----------------------------------------------------------------------------------------------
# Hand-worked fixtures
# ----------------------------------------------------------------------------------------------


def one_way() -> ResultTable:
    return ResultTable(
        key="job_starts_by_area",
        title="Job starts by area",
        data=pl.DataFrame(
            {
                "area": ["Ash", "Birch", "Cedar", "Damson"],
                "job_starts": [3, 10, 12, 40],
                "clients": [20, 30, 40, 100],
                "job_start_rate": [0.15, 10 / 30, 0.30, 0.40],
                "ci_low": [0.05, 0.19, 0.18, 0.31],
                "ci_high": [0.36, 0.51, 0.45, 0.50],
            }
        ),
        dims=["area"],
        counts=["job_starts", "clients"],
        rates={"job_start_rate": Rate("job_starts", "clients", ci=("ci_low", "ci_high"))},
        additive=[RowsAddUp("job_starts")],
    )


def test_one_way_primary_and_secondary():
    # k = 4. Ash's 3 is in 1..4: hidden (primary). The job_starts total (65) is published, so
    # 3 could be recovered as 65 - 10 - 12 - 40: hide the smallest other non-zero cell, Birch's 10.
    # Now two cells are hidden: 3 + 10 = 13 is known but not how it splits. Clients are all > 4.
    # The job-start rates of Ash and Birch are hidden, and their CI columns with them.
    p = protect(one_way(), NDTMS)
    assert hidden_cells(p, "job_starts") == [0, 1]
    assert p.data["job_starts"].to_list() == [None, None, 12, 40]
    assert hidden_cells(p, "clients") == []
    for col in ("job_start_rate", "ci_low", "ci_high"):
        assert hidden_cells(p, col) == [0, 1]
        assert p.data[col][:2].to_list() == [None, None]
    assert p.data["job_start_rate"][2] == pytest.approx(0.30)
    assert p.data["ci_low"][3] == pytest.approx(0.31)  # ndtms does not touch visible values
    # Dims and order untouched, hidden frame has one Boolean column per protected column.
    assert p.data.columns == one_way().data.columns
    assert p.data["area"].to_list() == ["Ash", "Birch", "Cedar", "Damson"]
    assert p.hidden.columns == ["job_starts", "clients", "job_start_rate", "ci_low", "ci_high"]
    assert all(dt == pl.Boolean for dt in p.hidden.dtypes)
    assert p.rows()[0]["job_starts"] == "*" and p.rows()[2]["job_starts"] == 12
    assert p.is_hidden(1, "job_starts") and not p.is_hidden(2, "job_starts")


def test_profile_rows_add_up_by_characteristic():
    # Each characteristic's levels add up to the number of clients (published), so each
    # characteristic is its own group. k = 4.
    #   sex:       female 2 (hidden), male 30, unknown 0 -> one hidden; the smallest NON-ZERO
    #              visible cell is male 30 (zero is only a fallback) -> hide 30; 0 stays shown.
    #   age:       5, 12, 9 -> nothing is 1..4, nothing hidden.
    #   substance: alcohol 1, opiates 4 (both hidden), crack 20 -> two hidden already; nothing more.
    #   housing:   owner 3 (hidden), renting 0 -> the total is 3, itself 1..4 and so hidden
    #              wherever it is published: nothing to recover it from, no secondary needed.
    #   ethnicity: A 2 (hidden), B 7, C 7, D 50 -> tie between the two 7s: first row (B) is hidden.
    data = pl.DataFrame(
        {
            "characteristic": ["sex"] * 3
            + ["age"] * 3
            + ["substance"] * 3
            + ["housing"] * 2
            + ["ethnicity"] * 4,
            "level": [
                *("female", "male", "unknown", "18-24", "25-34", "35+", "alcohol", "opiates", "crack"),
                *("owner", "renting", "A", "B", "C", "D"),
            ],
            "n": [2, 30, 0, 5, 12, 9, 1, 4, 20, 3, 0, 2, 7, 7, 50],
        }
    )
    t = ResultTable(
        key="profile",
        title="Profile",
        data=data,
        dims=["characteristic", "level"],
        counts=["n"],
        additive=[RowsAddUp("n", ("characteristic",))],
    )
    p = protect(t, NDTMS)
    assert hidden_cells(p, "n") == [0, 1, 6, 7, 9, 11, 12]
    assert p.data["n"].to_list() == [None, None, 0, 5, 12, 9, None, None, 20, None, 0, None, None, 7, 50]
    assert p.data["n"].dtype == pl.Int64


def sustainment(rows: dict[str, list[int]]) -> ResultTable:
    return ResultTable(
        key="sustainment",
        title="Job sustainment",
        data=pl.DataFrame(
            {"area": list(rows), **{c: [r[i] for r in rows.values()] for i, c in enumerate(COLS)}}
        ),
        dims=["area"],
        counts=list(COLS),
        additive=[ColumnsAddUp(("sustained", "not_sustained", "not_yet_due"), "first_jobs")],
    )


COLS = ("sustained", "not_sustained", "not_yet_due", "first_jobs")


def test_columns_add_up():
    # sustained + not_sustained + not_yet_due = first_jobs on every row. k = 4.
    #   a: 2, 8, 5 | 15  -> 2 hidden, total 15 visible: hide the smallest other part, 5 (not_yet_due).
    #   b: 6, 0, 3 | 9   -> 3 hidden; other parts 6 and 0: smallest NON-ZERO is 6 (sustained).
    #   c: 10, 6, 7 | 23 -> nothing small, nothing hidden.
    #   d: 1, 1, 0 | 2   -> 1, 1 and the total 2 are all primary; three unknowns, one equation: fine.
    p = protect(
        sustainment({"a": [2, 8, 5, 15], "b": [6, 0, 3, 9], "c": [10, 6, 7, 23], "d": [1, 1, 0, 2]}),
        NDTMS,
    )
    assert hidden_cells(p, "sustained") == [0, 1, 3]
    assert hidden_cells(p, "not_sustained") == [3]
    assert hidden_cells(p, "not_yet_due") == [0, 1]
    assert hidden_cells(p, "first_jobs") == [3]
    assert p.data["not_sustained"].to_list() == [8, 0, 6, None]


def test_columns_add_up_hidden_total_with_visible_parts_is_protected():
    #        sustained  not_sustained  not_yet_due | first_jobs   (columns first_jobs and
    #   a        10          6             7      |    23        not_sustained also add up
    #   b         1          2             0      |     3        over rows, totals published)
    #   c        30         40            50      |   120
    # Primary (k = 4): b's 1, 2 and 3. Row b then has three hidden cells: fine.
    # Column first_jobs has one hidden (3): hide its smallest other, a's 23. Row a's parts
    # 10 + 6 + 7 are all visible and would give 23 away, so one part must go too: the smallest,
    # a's 6 (not_sustained). Column not_sustained now has a's 6 and b's 2 hidden: fine.
    # Every relation now has 0 or >= 2 hidden cells, but the audit still finds one recoverable:
    #   b.sustained = b.first_jobs - b.not_sustained (b.not_yet_due = 0 is shown)
    #               = (FJ - a.first_jobs - 120) - (NS - a.not_sustained - 40)
    #   and a.first_jobs - a.not_sustained = 10 + 7 is published, so b.sustained = 1 is known.
    # Its only relation is row b, whose only visible cell is the 0 (not_yet_due): hide it. Now
    # b.sustained + b.not_yet_due is all that is known (1 + 0: either could be 0 or 1).
    t = sustainment({"a": [10, 6, 7, 23], "b": [1, 2, 0, 3], "c": [30, 40, 50, 120]})
    t.additive.append(RowsAddUp("first_jobs"))
    t.additive.append(RowsAddUp("not_sustained"))
    p = protect(t, NDTMS)
    assert hidden_cells(p, "first_jobs") == [0, 1]
    assert hidden_cells(p, "not_sustained") == [0, 1]
    assert hidden_cells(p, "sustained") == [1]
    assert hidden_cells(p, "not_yet_due") == [1]


def test_cascade_across_two_relations():
    # Parts add up to first_jobs on each row, and each column adds up over areas (published).
    #   a: sustained 3 | not_sustained 20 | first_jobs 23
    #   b: sustained 9 | not_sustained 15 | first_jobs 24
    #   c: sustained 30| not_sustained 40 | first_jobs 70
    # 3 is primary. Column 'sustained' then has one hidden: hide its smallest other, b's 9.
    # Row a has one hidden part and a visible total: hide a's other part, 20. Row b likewise: 15.
    # Column 'not_sustained' now has two hidden (20, 15): done. Four cells on a cycle: none
    # can be worked out (a.s + b.s, a.s + a.ns, b.s + b.ns and a.ns + b.ns known; rank 3 of 4).
    t = ResultTable(
        key="chain",
        title="Chain",
        data=pl.DataFrame(
            {
                "area": ["a", "b", "c"],
                "sustained": [3, 9, 30],
                "not_sustained": [20, 15, 40],
                "first_jobs": [23, 24, 70],
            }
        ),
        dims=["area"],
        counts=["sustained", "not_sustained", "first_jobs"],
        additive=[
            RowsAddUp("sustained"),
            RowsAddUp("not_sustained"),
            RowsAddUp("first_jobs"),
            ColumnsAddUp(("sustained", "not_sustained"), "first_jobs"),
        ],
    )
    p = protect(t, NDTMS)
    assert hidden_cells(p, "sustained") == [0, 1]
    assert hidden_cells(p, "not_sustained") == [0, 1]
    assert hidden_cells(p, "first_jobs") == []


def two_way(matrix: list[list[int]]) -> ResultTable:
    rows, cols = len(matrix), len(matrix[0])
    return ResultTable(
        key="two_way",
        title="Two-way",
        data=pl.DataFrame(
            {
                "r": [i for i in range(rows) for _ in range(cols)],
                "c": [j for _ in range(rows) for j in range(cols)],
                "n": [v for row in matrix for v in row],
            }
        ),
        dims=["r", "c"],
        counts=["n"],
        additive=[RowsAddUp("n", ("r",)), RowsAddUp("n", ("c",))],
    )


def test_two_way_cascade():
    #        x   y   z
    #   A    3  20  30     3 primary. Row A: hide its smallest other, 20 (A,y).
    #   B   10   6  40     Column x: one hidden -> hide 10 (B,x) (smaller than 12).
    #   C   12  50   8     Column y: one hidden -> hide 6 (B,y). Row B has (B,x),(B,y): done.
    # Hidden: (A,x),(A,y),(B,x),(B,y) = flat 0, 1, 3, 4.
    p = protect(two_way([[3, 20, 30], [10, 6, 40], [12, 50, 8]]), NDTMS)
    assert hidden_cells(p, "n") == [0, 1, 3, 4]


def test_bridge_between_two_blocks_is_caught():
    # Two 2x2 blocks of small (primary) cells joined by one small cell (row 1, col 2):
    #        c0  c1  c2  c3
    #   r0    1   2  20  30
    #   r1    3   4   2  25
    #   r2   15  40   1   2
    #   r3   35  45   3   4
    # Every row and column has 0 or >= 2 hidden cells, so the simple rule stops, yet the bridge
    # is recoverable: (hidden in r0 + r1) - (hidden in c0 + c1) = (1+2) + (3+4+2) - (1+3) - (2+4) = 2.
    # The audit finds it and hides the smallest visible cell sharing a row or column with it:
    # r1 offers 25, c2 offers 20 -> hide (r0, c2) = 20, which closes a cycle through the bridge.
    p = protect(two_way([[1, 2, 20, 30], [3, 4, 2, 25], [15, 40, 1, 2], [35, 45, 3, 4]]), NDTMS)
    assert hidden_cells(p, "n") == [0, 1, 2, 4, 5, 6, 10, 11, 14, 15]
    true = np.array(p.source.data["n"].to_list()).reshape(4, 4)
    assert_unrecoverable(true, p.hidden["n"].to_numpy(), two_way_equations(true, 4), warned=False)


def test_zero_handling_and_missing_counts():
    # Zeros are shown (not disclosive) and only used as cover when no non-zero cell is left.
    #        x   y   z        Relations are worked in declaration order: rows A, B, then columns.
    #   A    3  20  30        Row A: one hidden (3) -> hide the smallest other non-zero, 20 (A,y).
    #   B    9   0  40        Column x (total 12): one hidden -> hide its only other cell, 9 (B,x).
    # Column y (total 20): one hidden (A,y) -> its only other cell is the 0 (B,y): fall back to it.
    # Row B now has (B,x) and (B,y) hidden: done. The four hidden cells form a cycle:
    # A,x = 3+t, A,y = 20-t, B,x = 9-t, B,y = 0+t for any t in 0..9, so none is recoverable.
    p = protect(two_way([[3, 20, 30], [9, 0, 40]]), NDTMS)
    assert hidden_cells(p, "n") == [0, 1, 3, 4]
    # 1-way [0, 0, 3]: 3 is hidden; the total is 3, itself 1..4, so no secondary is needed.
    t = ResultTable("z", "Z", pl.DataFrame({"g": ["a", "b", "c"], "n": [0, 0, 3]}), dims=["g"], counts=["n"])
    t.additive.append(RowsAddUp("n"))
    assert hidden_cells(protect(t, NDTMS), "n") == [2]
    # A missing (null) count stays null and is NOT hidden; it gives no cover either, so with
    # [null, 3, 20] the 20 is hidden too. Float counts come back as integers.
    t = ResultTable(
        "m", "M", pl.DataFrame({"g": ["a", "b", "c"], "n": [None, 3.0, 20.0]}), dims=["g"], counts=["n"]
    )
    t.additive.append(RowsAddUp("n"))
    p = protect(t, NDTMS)
    assert p.data["n"].dtype == pl.Int64
    assert p.data["n"].to_list() == [None, None, None]
    assert hidden_cells(p, "n") == [1, 2]
    assert not p.is_hidden(0, "n")
    # Zeros alone: nothing hidden.
    t = ResultTable("o", "O", pl.DataFrame({"g": ["a", "b"], "n": [0, 0]}), dims=["g"], counts=["n"])
    assert hidden_cells(protect(t, NDTMS), "n") == []


def test_unprotectable_release_is_not_written():
    #        x   y        Row B's total is 0, so (B,y) = 0 is known whatever is hidden; column y's
    #   A    3  20        total 20 then gives (A,y) = 20, and row A's total 23 gives (A,x) = 3.
    #   B    0   0        No cell of this table can prevent that: the release audit refuses it.
    from ipseval.disclosure import DisclosureError, protect_release

    with pytest.raises(DisclosureError, match="release is not written"):
        protect_release({"t": two_way([[3, 20], [0, 0]])}, NDTMS)


def test_nhs_rounding_and_recomputed_rates():
    # k = 7, base 5: 12 -> 10, 13 -> 15, 8 -> 10, 7 hidden, 0 stays 0, 27 -> 25.
    # Rate 13/27 becomes 15/25 = 0.6, and its Wilson CI is recomputed from 15 of 25.
    # Rate 7/12: numerator hidden, so the rate and its CI are hidden.
    # Rate 0/8 -> 0/10 = 0.0. Rate 12/13 -> 10/15.
    t = ResultTable(
        key="nhs",
        title="NHS",
        data=pl.DataFrame(
            {
                "g": ["a", "b", "c", "d"],
                "jobs": [13, 7, 0, 12],
                "clients": [27, 12, 8, 13],
                "rate": [13 / 27, 7 / 12, 0.0, 12 / 13],
                "lo": [0.3, 0.3, 0.0, 0.6],
                "hi": [0.6, 0.8, 0.3, 0.99],
            }
        ),
        dims=["g"],
        counts=["jobs", "clients"],
        rates={"rate": Rate("jobs", "clients", ci=("lo", "hi"))},
        additive=[RowsAddUp("jobs")],  # ignored by nhs: rounding protects
    )
    p = protect(t, NHS)
    assert p.data["jobs"].to_list() == [15, None, 0, 10]
    assert p.data["clients"].to_list() == [25, 10, 10, 15]
    assert hidden_cells(p, "jobs") == [1]
    assert p.data["rate"][0] == pytest.approx(0.6)
    assert p.data["rate"][2] == 0.0
    assert p.data["rate"][3] == pytest.approx(10 / 15)
    lo, hi = proportion_confint(15, 25, method="wilson")
    assert p.data["lo"][0] == pytest.approx(lo) and p.data["hi"][0] == pytest.approx(hi)
    for col in ("rate", "lo", "hi"):
        assert hidden_cells(p, col) == [1]
    assert t.data["jobs"].to_list() == [13, 7, 0, 12]  # the source stays unrounded
    # Halves round up: base 10, 15 -> 20, 25 -> 30, 8 -> 10.
    t = ResultTable("h", "H", pl.DataFrame({"n": [15, 25, 8, 3]}), counts=["n"])
    p = protect(t, Disclosure(policy="nhs", threshold=4, rounding_base=10))
    assert p.data["n"].to_list() == [20, 30, 10, None]


def test_nhs_rounded_value_never_small_or_falsely_zero():
    # threshold 5, base 5: 6 would round to 5, itself 1..5 -> hidden. threshold 1, base 5:
    # 2 would round to 0, a false zero -> hidden; 3 -> 5 is shown; a true 0 stays 0.
    t = ResultTable("s", "S", pl.DataFrame({"n": [6, 8, 0]}), counts=["n"])
    assert protect(t, Disclosure(policy="nhs", threshold=5)).data["n"].to_list() == [None, 10, 0]
    t = ResultTable("s", "S", pl.DataFrame({"n": [2, 3, 0, 1]}), counts=["n"])
    p = protect(t, Disclosure(policy="nhs", threshold=1))
    assert p.data["n"].to_list() == [None, 5, 0, None]
    assert hidden_cells(p, "n") == [0, 3]


def guarded_table() -> ResultTable:
    return ResultTable(
        key="days_to_job",
        title="Days to first job",
        data=pl.DataFrame(
            {"g": ["a", "b", "c", "d"], "n": [3, 10, 25, 7], "median_days": [40.0, 55.5, 60.0, 70.0]}
        ),
        dims=["g"],
        counts=["n"],
        guarded={"median_days": "n"},
    )


def test_guarded_statistics():
    # ndtms k=4: n=3 -> median hidden. Nothing else (no additive relation declared).
    p = protect(guarded_table(), NDTMS)
    assert hidden_cells(p, "median_days") == [0]
    assert p.data["median_days"].to_list() == [None, 55.5, 60.0, 70.0]
    # With the n column adding up: 3 primary, 7 (smallest other) secondary -> its median hidden too.
    t = guarded_table()
    t.additive.append(RowsAddUp("n"))
    assert hidden_cells(protect(t, NDTMS), "median_days") == [0, 3]
    # nhs k=7: n=3 and n=7 hidden, their medians too; medians are not rounded.
    p = protect(guarded_table(), NHS)
    assert hidden_cells(p, "median_days") == [0, 3]
    assert p.data["median_days"][1] == 55.5


def test_guarded_with_missing_n_fails_closed():
    t = ResultTable(
        "g", "G", pl.DataFrame({"n": [None, 10], "mean": [4.2, 5.0]}), counts=["n"], guarded={"mean": "n"}
    )
    p = protect(t, NDTMS)
    assert hidden_cells(p, "mean") == [0] and hidden_cells(p, "n") == []


def test_not_about_people_passes_through():
    t = ResultTable(
        key="rows_read",
        title="Rows read per file",
        data=pl.DataFrame({"file": ["a.csv", "b.csv"], "rows": [1.0, 3.0]}),
        dims=["file"],
        counts=["rows"],
        additive=[RowsAddUp("rows")],
        about_people=False,
    )
    p = protect(t, NDTMS)
    assert_frame_equal(p.data, t.data)
    assert p.hidden["rows"].to_list() == [False, False]


def test_none_policy_shows_everything():
    t = one_way()
    p = protect(t, NONE)
    assert_frame_equal(p.data, t.data)
    assert not any(p.hidden[c].any() for c in p.hidden.columns)
    d = describe_policy(NONE)
    assert d["warning"] == NOT_FOR_PUBLICATION and d["warning"].startswith("Not for publication: ")
    assert d["secondary_suppression"] is False and d["threshold"] is None


def test_describe_policy():
    d = describe_policy(NDTMS)
    assert d == d | {"name": "ndtms", "threshold": 4, "rounding_base": None, "secondary_suppression": True}
    assert d["warning"] is None and "1 to 4" in d["description"]
    d = describe_policy(Disclosure(policy="nhs", rounding_base=10))
    assert (d["name"], d["threshold"], d["rounding_base"], d["secondary_suppression"]) == (
        "nhs",
        7,
        10,
        False,
    )
    assert "nearest 10" in d["description"] and "no secondary suppression" in d["description"]
    assert "Counts of 1 are" in describe_policy(Disclosure(threshold=1))["description"]


def test_protect_all_keeps_keys_and_order():
    out = protect_all({"b": guarded_table(), "a": one_way()}, NDTMS)
    assert list(out) == ["b", "a"]
    assert out["a"].key == "job_starts_by_area"


def test_bad_declarations_fail_closed():
    data = pl.DataFrame({"x": [1, 2], "n": [5, 6], "r": [0.2, 0.3]})
    with pytest.raises(ValueError, match="not a declared count"):
        protect(ResultTable("t", "T", data, counts=["x"], rates={"r": Rate("x", "n")}), NDTMS)
    with pytest.raises(ValueError, match="non-whole"):
        protect(ResultTable("t", "T", pl.DataFrame({"x": [1.5]}), counts=["x"]), NDTMS)
    with pytest.raises(ValueError, match="negative"):
        protect(ResultTable("t", "T", pl.DataFrame({"x": [-1]}), counts=["x"]), NDTMS)
    with pytest.raises(ValueError, match="only 'wilson'"):
        t = ResultTable(
            "t", "T", data.with_columns(lo=pl.col("r"), hi=pl.col("r")), counts=["x", "n"],
            rates={"r": Rate("x", "n", ci=("lo", "hi"), ci_method="exact")},
        )  # fmt: skip
        protect(t, NHS)


def test_two_thousand_rows_is_fast():
    rng = np.random.default_rng(7)
    vals = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 50], size=2000)
    t = two_way(vals.reshape(100, 20).tolist())
    t.data = t.data.with_columns(rate=pl.col("n") / 100, total=pl.lit(100))
    t.counts.append("total")
    t.rates["rate"] = Rate("n", "total")
    start = time.perf_counter()
    p = protect(t, NDTMS)
    assert time.perf_counter() - start < 1.0
    assert p.hidden["n"].sum() >= int(((vals >= 1) & (vals <= 4)).sum())


# ----------------------------------------------------------------------------------------------
# Checks used by the property tests
# ----------------------------------------------------------------------------------------------


def cell_ranges(true: np.ndarray, hidden: np.ndarray, equations: list[dict[int, int]]) -> list[float]:
    """For each hidden cell (flat index order), max - min of its value over all non-negative
    assignments to the hidden cells that keep every equation (published cells fixed, totals at
    their true values); ``inf`` when unbounded. One LP per cell: two copies x, y of the hidden
    cells, both satisfying the equations, maximising x_i - y_i."""
    h = list(np.flatnonzero(hidden))
    where = {c: i for i, c in enumerate(h)}
    rows, b_eq = [], []
    for eq in equations:
        if any(c in where for c in eq):
            row = np.zeros(len(h))
            for c, coef in eq.items():
                if c in where:
                    row[where[c]] = coef
            rows.append(row)
            b_eq.append(sum(coef * true[c] for c, coef in eq.items() if c in where))
    a = np.array(rows).reshape(len(rows), len(h))
    a_eq = np.block([[a, np.zeros_like(a)], [np.zeros_like(a), a]])
    kw = {"A_eq": a_eq, "b_eq": np.array(b_eq * 2)} if rows else {}
    out = []
    for i in range(len(h)):
        obj = np.zeros(2 * len(h))
        obj[i], obj[len(h) + i] = -1, 1
        res = linprog(obj, bounds=[(0, None)] * (2 * len(h)), method="highs", **kw)
        assert res.status in (0, 3)
        out.append(np.inf if res.status == 3 else -res.fun)
    return out


def assert_unrecoverable(
    true: np.ndarray, hidden: np.ndarray, equations: list[dict[int, int]], warned: bool
) -> None:
    """Structural and linear-programming checks over the published relations ``equations``.

    Structural: no relation has exactly one hidden cell. LP: every hidden cell can take values at
    least 1 apart. The only allowed exception is a cell that would be recoverable even with every
    cell of the table hidden (nothing in the table can protect it), and then protect must warn.
    """
    true, hidden = true.ravel(), hidden.ravel()
    ranges = cell_ranges(true, hidden, equations)
    if all(r >= 1 - 1e-7 for r in ranges):
        for eq in equations:
            assert sum(hidden[c] for c in eq) != 1
        return
    assert warned, "a hidden cell is recoverable and the release was not refused"
    everything = cell_ranges(true, np.ones_like(hidden), equations)
    for c, r in zip(np.flatnonzero(hidden), ranges, strict=True):
        if r < 1 - 1e-7:
            assert everything[c] < 1 - 1e-7, f"cell {c} recoverable but could have been protected"


def two_way_equations(true: np.ndarray, k: int) -> list[dict[int, int]]:
    """Row and column totals that are published: groups of 2+ cells whose total is not 1..k."""
    rows, cols = true.shape
    groups = [{i * cols + j: 1 for j in range(cols)} for i in range(rows)] if cols > 1 else []
    groups += [{i * cols + j: 1 for i in range(rows)} for j in range(cols)] if rows > 1 else []
    flat = true.ravel()
    return [g for g in groups if not 1 <= sum(flat[c] for c in g) <= k]


def protect_recording(table: ResultTable, policy: Disclosure):
    """The table protected as a release of its own (tables alone leave to the release-wide audit
    what they cannot protect themselves); (None, True) when the release is refused."""
    from ipseval.disclosure import DisclosureError, protect_release

    try:
        return protect_release({table.key: table}, policy)[table.key], False
    except DisclosureError:
        return None, True


small_counts = st.one_of(st.integers(0, 6), st.integers(0, 6), st.integers(0, 60))


@st.composite
def tables_2way(draw):
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    values = draw(st.lists(small_counts, min_size=rows * cols, max_size=rows * cols))
    return np.array(values).reshape(rows, cols), draw(st.integers(1, 8))


FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(tables_2way())
def test_property_ndtms_2way(case):
    true, k = case
    p, warned = protect_recording(two_way(true.tolist()), Disclosure(policy="ndtms", threshold=k))
    if p is None:
        return  # refused: nothing is published, which is safe
    hidden = p.hidden["n"].to_numpy().reshape(true.shape)
    shown = p.data["n"].to_numpy().reshape(true.shape)
    # (a) no published count in 1..k; hidden cells are exactly the nulls (no nulls in input)
    assert not (~hidden & (true >= 1) & (true <= k)).any()
    assert ((true >= 1) & (true <= k) <= hidden).all()
    assert (np.isnan(shown.astype(float)) == hidden).all()
    # (b) no hidden cell recoverable from (published) row or column totals
    assert_unrecoverable(true, hidden, two_way_equations(true, k), warned)


@FAST
@given(tables_2way(), st.sampled_from([1, 3, 5, 10]))
def test_property_nhs_2way(case, base):
    true, k = case
    nhs = Disclosure(policy="nhs", threshold=k, rounding_base=base, hide_whole_group=False)
    p = protect(two_way(true.tolist()), nhs)
    hidden = p.hidden["n"].to_numpy().reshape(true.shape)
    rounded = (2 * true + base) // (2 * base) * base
    # small counts, and counts whose rounded value would be small or a false 0; nothing else
    assert (hidden == ((true >= 1) & ((true <= k) | (rounded <= k)))).all()
    shown = np.array(p.data["n"].to_list(), dtype=object).reshape(true.shape)
    for v, t, h in zip(shown.ravel(), true.ravel(), hidden.ravel(), strict=True):
        if h:
            assert v is None
        else:  # (a) nothing shown is 1..k; multiples of the base, nearest to the truth; 0 iff 0
            assert not 1 <= v <= k and v % base == 0 and abs(v - t) * 2 <= base
            assert (v == 0) == (t == 0)


@FAST
@given(st.lists(small_counts, min_size=1, max_size=25), st.integers(1, 8))
def test_property_ndtms_1way(values, k):
    t = ResultTable("one", "One", pl.DataFrame({"n": values}), counts=["n"], additive=[RowsAddUp("n")])
    true = np.array(values)
    p, warned = protect_recording(t, Disclosure(threshold=k))
    assert p is not None  # a 1-way table can always be protected
    hidden = p.hidden["n"].to_numpy()
    assert not (~hidden & (true >= 1) & (true <= k)).any()
    published = len(values) > 1 and not 1 <= true.sum() <= k
    assert_unrecoverable(true, hidden, [dict.fromkeys(range(len(values)), 1)] if published else [], warned)
    assert not warned  # a 1-way table can always be protected


@FAST
@given(
    st.lists(st.tuples(small_counts, small_counts, small_counts), min_size=1, max_size=6),
    st.integers(1, 8),
    st.booleans(),
)
def test_property_ndtms_columns_add_up(parts, k, column_totals):
    # sustained + not_sustained + not_yet_due = first_jobs on each row; optionally every column
    # also adds up over rows (published column totals), so the two kinds of relation interact.
    rows = {f"r{i}": [*p, sum(p)] for i, p in enumerate(parts)}
    t = sustainment(rows)
    if column_totals:
        t.additive += [RowsAddUp(c) for c in COLS]
    p, warned = protect_recording(t, Disclosure(threshold=k))
    if p is None:
        return  # refused: nothing is published, which is safe
    true = np.array(list(rows.values()))
    hidden = np.column_stack([p.hidden[c].to_numpy() for c in COLS])
    assert not (~hidden & (true >= 1) & (true <= k)).any()
    eqs = [{4 * i: 1, 4 * i + 1: 1, 4 * i + 2: 1, 4 * i + 3: -1} for i in range(len(parts))]
    if column_totals and len(parts) > 1:
        eqs += [{4 * i + j: 1 for i in range(len(parts))} for j in range(4) if not 1 <= true[:, j].sum() <= k]
    assert_unrecoverable(true, hidden, eqs, warned)


@FAST
@given(st.lists(small_counts, min_size=2, max_size=12), st.integers(1, 6))
def test_property_rates_and_cis_of_hidden_cells_are_hidden(values, k):
    n = len(values)
    t = ResultTable(
        "r",
        "R",
        pl.DataFrame(
            {"x": values, "d": [60] * n, "p": [v / 60 for v in values], "lo": [0.0] * n, "hi": [1.0] * n}
        ),
        counts=["x", "d"],
        rates={"p": Rate("x", "d", ci=("lo", "hi"))},
        additive=[RowsAddUp("x")],
    )
    for policy in (Disclosure(threshold=k), Disclosure(policy="nhs", threshold=k)):
        p = protect(t, policy)
        for col in ("p", "lo", "hi"):
            assert p.hidden[col].to_list() == p.hidden["x"].to_list()
            assert (p.data[col].is_null() == p.hidden["x"]).all()


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))).filter(lambda t: t[1] > 0)
)
def test_wilson_matches_statsmodels(case):
    x, n = case
    assert wilson_interval(x, n) == pytest.approx(
        proportion_confint(x, n, alpha=0.05, method="wilson"), abs=1e-12
    )


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 9),
    st.lists(st.lists(st.sampled_from([0, 0, 0, 1, -1]), min_size=9, max_size=9), max_size=8),
)
def test_fixed_variables_matches_svd(nvars, matrix):
    eqs = [e for e in ({j: c for j, c in enumerate(row[:nvars]) if c} for row in matrix) if e]
    if not eqs:
        return
    variables = sorted({v for e in eqs for v in e})
    a = np.zeros((len(eqs), nvars))
    for i, e in enumerate(eqs):
        for j, c in e.items():
            a[i, j] = c
    ns = scipy.linalg.null_space(a)
    expected = {j for j in variables if ns.shape[1] == 0 or np.abs(ns[j]).max() < 1e-9}
    assert _fixed_variables(eqs, variables) == expected


def _benefits_profile() -> ResultTable:
    """Two characteristics of one small service: benefits held by all 6 clients alike (group
    disclosure), sex split 4 / 2."""
    return ResultTable(
        key="profile",
        title="Profile",
        data=pl.DataFrame(
            {
                "characteristic": ["benefits"] * 4 + ["sex"] * 3,
                "level": ["out_of_work", "in_work", "none", "unknown", "male", "female", "unknown"],
                "n": [9, 0, 0, 0, 4, 2, 0],
            }
        ),
        dims=["characteristic", "level"],
        counts=["n"],
        additive=[RowsAddUp("n", ("characteristic",))],
    )


def test_an_answer_everyone_in_the_group_shares_is_hidden_with_a_zero_beside_it():
    # by hand: 9 of 9 out of work is primary; its group then has one hidden cell, so the
    # cheapest visible one (a zero, the first: in_work) covers it. Sex: 4 and 2 are hidden (<= 4).
    p = protect(_benefits_profile(), NDTMS)
    assert p.data["n"].to_list() == [None, None, 0, 0, None, None, 0]
    # the reader knows out_of_work + in_work = 9: 9 + 0, 8 + 1, ... 0 + 9 all fit
    lo, hi = (linprog(c, A_eq=[[1, 1]], b_eq=[9], bounds=[(0, None)] * 2).fun for c in ([1, 0], [-1, 0]))
    assert (lo, -hi) == (0.0, 9.0)


def test_whole_group_under_nhs_hides_the_whole_group_as_its_zeros_are_true_zeros():
    p = protect(_benefits_profile(), NHS)
    assert p.data["n"].to_list()[:4] == [None, None, None, None]


def test_whole_group_rule_can_be_switched_off_and_spares_groups_that_differ():
    off = protect(_benefits_profile(), Disclosure(hide_whole_group=False))
    assert off.data["n"].to_list()[:4] == [9, 0, 0, 0]
    big = _benefits_profile()
    big.data = big.data.with_columns(pl.Series("n", [700, 18, 0, 0, 500, 218, 0]))
    assert protect(big, NDTMS).data["n"].to_list() == [700, 18, 0, 0, 500, 218, 0]


@FAST
@given(tables_2way())
def test_property_no_published_count_says_a_whole_row_or_column_shares_one_answer(case):
    true, k = case
    p, _ = protect_recording(two_way(true.tolist()), Disclosure(policy="ndtms", threshold=k))
    if p is None:
        return
    hidden = p.hidden["n"].to_numpy().reshape(true.shape)
    for lines, hid, crossing in ((true, hidden, true.sum(axis=0)), (true.T, hidden.T, true.sum(axis=1))):
        for line, h in zip(lines, hid, strict=True):
            total = line.sum()
            # a cell can cover only if the crossing line's published total is not 0
            can_cover = (line != total) & (crossing != 0)
            if total > k and len(line) > 1 and (line == total).any() and can_cover.any():
                # a count equal to its line's total is hidden, and so is one more of its line
                assert not ((line == total) & ~h).any()
                assert h.sum() != 1
