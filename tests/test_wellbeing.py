"""Wellbeing change: baseline/follow-up selection, paired statistics worked out by hand, domains,
attrition, job entry, disclosure control and the report section."""

from __future__ import annotations

import math
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import settings as settings_hyp
from hypothesis import strategies as st

from ipseval.disclosure import protect
from ipseval.evaluation import compute
from ipseval.results import ResultTable
from ipseval.settings import Disclosure, Settings, SettingsError, Wellbeing
from ipseval.store import sql_literal
from ipseval.wellbeing import (
    holm,
    load_measures,
    pair,
    paired_summary,
    standardised_difference,
    welch_difference,
    wellbeing_tables,
    wilcoxon_signed_rank,
)
from ipseval.wellbeing.tables import domain_scores, paired_frame

CUT = date(2024, 3, 31)
ENGAGED = date(2023, 1, 10)  # follow-up point (6 months): 2023-07-10
NDTMS = Disclosure(policy="ndtms")


def settings(**wellbeing: object) -> Settings:
    s = Settings()
    s.impact.enabled = False
    s.wellbeing = Wellbeing(**wellbeing)
    return s


def clients(n: int, engaged: date = ENGAGED, employed: tuple[int, ...] = ()) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "client_id": [f"C{i}" for i in range(1, n + 1)],
            "local_authority": ["Northbrook"] * n,
            "referral_date": [engaged - timedelta(days=20)] * n,
            "engagement_date": [engaged] * n,
            "employed_at_referral": [i in employed for i in range(1, n + 1)],
            "age": [30 + i for i in range(n)],
            "sex": ["female" if i % 2 else "male" for i in range(n)],
        }
    )


def assessments(rows: list[tuple[str, date, str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "client_id": pl.Utf8,
            "assessment_date": pl.Date,
            "instrument": pl.Utf8,
            "measure": pl.Utf8,
            "score": pl.Float64,
        },
        orient="row",
    )


def protected(table: ResultTable) -> list[dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return protect(table, NDTMS).rows("*")


# ----------------------------------------------------------------------------- paired statistics
# Five clients, TOP psychological health (0-20, higher better):
#   baseline   10  12   8  15   9   mean 54/5 = 10.8
#   follow-up  13  12  11  14  15   mean 65/5 = 13.0
#   change      3   0   3  -1   6   mean 11/5 = 2.2; improved 3, no change 1, worse 1
# deviations 0.8 -2.2 0.8 -3.2 3.8, squares 0.64 4.84 0.64 10.24 14.44 = 30.8
#   SD = sqrt(30.8 / 4) = sqrt(7.7) = 2.774887; SE = 2.774887 / sqrt(5) = 1.240967
#   t = 2.2 / 1.240967 = 1.772811 on 4 df; p = 0.150944 (R: t.test(fu, base, paired = TRUE))
#   t(0.975, 4) = 2.776445; CI 2.2 -/+ 2.776445 * 1.240967 = -1.245478 to 5.645478
#   d_z = 2.2 / 2.774887 = 0.792825
# Wilcoxon: drop the zero -> 3 3 -1 6; |d| ranks 2.5 2.5 1 4; V = 2.5 + 2.5 + 4 = 9 (W- = 1).
#   Zero and tie -> normal approximation: mean 4*5/4 = 5; var 4*5*9/24 - (2^3 - 2)/48 = 7.375;
#   z = (9 - 5 - 0.5) / sqrt(7.375) = 1.288804; p = 2 * (1 - Phi(z)) = 0.197466
#   (R: wilcox.test(c(3, 0, 3, -1, 6)) gives V = 9, p-value = 0.1975)
BASE = [10, 12, 8, 15, 9]
FOLLOW = [13, 12, 11, 14, 15]
HAND = {
    "n": 5,
    "baseline_mean": 10.8,
    "follow_up_mean": 13.0,
    "change_mean": 2.2,
    "change_sd": math.sqrt(7.7),
    "change_ci_low": -1.245478,
    "change_ci_high": 5.645478,
    "effect_size": 0.792825,
    "t_statistic": 1.772811,
    "df": 4,
    "p_t": 0.150944,
    "wilcoxon_v": 9.0,
    "p_wilcoxon": 0.197466,
    "improved": 3,
    "no_change": 1,
    "worse": 1,
}


def assert_hand(got: dict, expected: dict, scale: float = 1.0) -> None:
    """``scale`` multiplies the values in score units (0-100 domain scale: 100 / 20 = 5)."""
    unit = {"baseline_mean", "follow_up_mean", "change_mean", "change_sd", "change_ci_low", "change_ci_high"}
    for k, v in expected.items():
        want = v * scale if k in unit else v
        assert got[k] == pytest.approx(want, abs=1e-5), k


def test_paired_statistics_match_the_hand_calculation() -> None:
    s = paired_summary(BASE, FOLLOW, higher_is_better=True, min_pairs=5)
    assert_hand(s, HAND)
    assert s["wilcoxon_method"] == "normal"


def test_paired_statistics_agree_with_scipy() -> None:
    from scipy import stats

    s = paired_summary(BASE, FOLLOW, min_pairs=2)
    t = stats.ttest_rel(FOLLOW, BASE)
    assert s["t_statistic"] == pytest.approx(t.statistic) and s["p_t"] == pytest.approx(t.pvalue)
    w = stats.wilcoxon([3, 3, -1, 6], correction=True, method="asymptotic")
    assert s["p_wilcoxon"] == pytest.approx(w.pvalue)


def test_lower_is_better_keeps_the_sign_and_counts_improvements() -> None:
    # days of use: 10 -> 4 (6 fewer: better), 20 -> 20 (same), 5 -> 8 (3 more: worse)
    s = paired_summary([10, 20, 5], [4, 20, 8], higher_is_better=False, min_pairs=2)
    assert s["change_mean"] == pytest.approx((-6 + 0 + 3) / 3) and s["direction"] == "better"
    assert (s["improved"], s["no_change"], s["worse"]) == (1, 1, 1)
    assert s["baseline_mean"] == pytest.approx(35 / 3) and s["follow_up_mean"] == pytest.approx(32 / 3)


def test_wilcoxon_is_exact_without_ties_or_zeros() -> None:
    # changes 1 2 -3 4 5: ranks 1..5, V = 1 + 2 + 4 + 5 = 12, W- = 3. Subsets of {1..5} summing to
    # 3 or less: {}, {1}, {2}, {3}, {1,2} = 5 of 32, so p = 2 * 5/32 = 0.3125 (R gives the same).
    w = wilcoxon_signed_rank(np.array([1.0, 2, -3, 4, 5]))
    assert w == {"wilcoxon_v": 12.0, "p_wilcoxon": pytest.approx(0.3125), "wilcoxon_method": "exact"}


def test_no_tests_below_min_pairs_and_none_without_spread() -> None:
    few = paired_summary(BASE, FOLLOW, min_pairs=6)
    assert few["change_mean"] == pytest.approx(2.2) and few["p_t"] is None and few["change_ci_low"] is None
    same = paired_summary([5, 6, 7], [7, 8, 9], min_pairs=2)  # every change +2: no spread
    assert same["change_mean"] == 2 and same["p_t"] is None and same["effect_size"] is None
    assert same["change_ci_low"] == same["change_ci_high"] == 2
    zero = paired_summary([5, 6], [5, 6], min_pairs=2)
    assert zero["no_change"] == 2 and zero["p_wilcoxon"] is None and zero["wilcoxon_v"] is None


def test_holm_by_hand() -> None:
    # four tests (None is not one): sorted 0.005 0.01 0.03 0.04, times 4 3 2 1 = 0.02 0.03 0.06
    # 0.04, then each at least the one before: 0.02 0.03 0.06 0.06
    assert holm([0.01, 0.04, 0.03, None, 0.005]) == pytest.approx([0.03, 0.06, 0.06, None, 0.02])
    from statsmodels.stats.multitest import multipletests

    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx(
        list(multipletests([0.01, 0.04, 0.03, 0.005], method="holm")[1])
    )
    # 0.6 * 2 = 1.2 is capped at 1; 0.7 * 1 = 0.7 is raised to the 1 before it
    assert holm([0.6, 0.7]) == [1.0, 1.0]


def test_welch_difference_by_hand() -> None:
    # x = 5 7 9 (mean 7, var 4), y = 1 2 3 6 (mean 3, var 14/3): difference 4;
    # SE^2 = 4/3 + (14/3)/4 = 2.5; df = 2.5^2 / ((4/3)^2/2 + (7/6)^2/3) = 4.655172; t = 4/sqrt(2.5)
    w = welch_difference([5, 7, 9], [1, 2, 3, 6])
    assert w["difference"] == 4 and w["df"] == pytest.approx(4.655172)
    from scipy import stats

    assert w["p_value"] == pytest.approx(stats.ttest_ind([5, 7, 9], [1, 2, 3, 6], equal_var=False).pvalue)
    q = stats.t.ppf(0.975, 4.655172)
    assert w["ci_low"] == pytest.approx(4 - q * math.sqrt(2.5), rel=1e-6)


def test_standardised_difference_by_hand() -> None:
    # shares 3/4 and 1/4, sample variances 0.25 each: (0.75 - 0.25) / sqrt(0.25) = 1
    assert standardised_difference([1, 0, 1, 1], [0, 0, 1, 0]) == pytest.approx(1.0)
    # means 4 and 2, variances 4 and 2: 2 / sqrt(3)
    assert standardised_difference([2, 4, 6], [1, 3]) == pytest.approx(2 / math.sqrt(3))
    assert standardised_difference([1], [2, 3]) is None


# ----------------------------------------------------------------------------- pairing rules


def pairing_fixture() -> tuple[pl.DataFrame, pl.DataFrame]:
    d = date
    people = pl.DataFrame(
        {
            "client_id": ["A", "B", "C", "D", "E", "F", "G"],
            "engagement_date": [ENGAGED] * 6 + [d(2023, 11, 1)],
        }
    )
    psych = ("TOP", "psychological_health")
    rows = [
        # A: baseline tie, 5 days before and 5 after engagement -> the one before (score 7)
        ("A", d(2023, 1, 5), *psych, 7),
        ("A", d(2023, 1, 15), *psych, 9),
        ("A", d(2023, 7, 10), *psych, 12),
        # B: two follow-ups, 20 days before and 5 days after the 6-month point -> the nearer (15)
        ("B", d(2023, 1, 10), *psych, 8),
        ("B", d(2023, 6, 20), *psych, 11),
        ("B", d(2023, 7, 15), *psych, 15),
        # C: follow-up tie, 5 days either side of the point -> the later one (14); also a score
        # out of range (25 on 0-20) and an assessment after the data cut, both ignored
        ("C", d(2023, 1, 12), *psych, 10),
        ("C", d(2023, 7, 5), *psych, 13),
        ("C", d(2023, 7, 15), *psych, 14),
        ("C", d(2023, 7, 10), *psych, 25),
        ("C", d(2024, 7, 10), *psych, 3),
        # D: outside both baseline windows (70 days before, 41 after) -> no baseline
        ("D", d(2022, 11, 1), *psych, 10),
        ("D", d(2023, 2, 20), *psych, 10),
        ("D", d(2023, 7, 10), *psych, 12),
        # E: follow-up 83 days after the point (window 60) ignored; window closed -> lost
        ("E", d(2023, 1, 10), "top", "Psychological_Health ", 6),  # case and spaces ignored
        ("E", d(2023, 10, 1), *psych, 16),
        # F: not using alcohol at baseline -> no days_alcohol pair (users only); using -> paired
        ("F", d(2023, 1, 10), "TOP", "days_alcohol", 0),
        ("F", d(2023, 7, 10), "TOP", "days_alcohol", 4),
        ("F", d(2023, 1, 10), "TOP", "days_opiates", 20),
        ("F", d(2023, 7, 10), "TOP", "days_opiates", 12),
        # G: engaged 2023-11-01, follow-up window ends 2024-06-30, after the cut -> not yet due
        ("G", d(2023, 11, 1), *psych, 10),
        # an undefined measure is counted, not analysed
        ("A", d(2023, 1, 10), "TOP", "mood", 3),
    ]
    return assessments(rows), people


def test_baseline_and_follow_up_selection_rules() -> None:
    a, people = pairing_fixture()
    measures = load_measures(Settings())
    p = pair(a, people, measures, Wellbeing(), CUT)
    ep = {(r["client_id"], r["key"]): r for r in p.episodes.to_dicts()}
    psych = "top|psychological_health"
    assert ep[("A", psych)]["baseline_score"] == 7 and ep[("A", psych)]["follow_up_score"] == 12
    assert ep[("B", psych)]["follow_up_score"] == 15 and ep[("B", psych)]["follow_up_date"] == date(
        2023, 7, 15
    )
    assert ep[("C", psych)]["follow_up_score"] == 14  # tie -> later; 25 out of range ignored
    assert ("D", psych) not in ep
    assert ep[("E", psych)]["status"] == "lost" and ep[("E", psych)]["follow_up_score"] is None
    assert ("F", "top|days_alcohol") not in ep
    assert ep[("F", "top|days_opiates")]["follow_up_score"] == 12
    assert ep[("G", psych)]["status"] == "not_yet_due"
    assert {k[0] for k, v in ep.items() if v["status"] == "followed_up"} == {"A", "B", "C", "F"}
    rec = {r["measure"]: r for r in p.records.to_dicts()}
    assert rec["mood"]["defined"] is False and rec["mood"]["used"] == 0
    assert rec["psychological_health"]["out_of_range"] == 1
    assert rec["psychological_health"]["after_data_cut"] == 1


def test_baseline_windows_are_settings() -> None:
    a, people = pairing_fixture()
    wide = Wellbeing(baseline_days_before=80, baseline_days_after=0)
    p = pair(a, people, load_measures(Settings()), wide, CUT)
    ep = {(r["client_id"], r["key"]): r for r in p.episodes.to_dicts()}
    assert ep[("D", "top|psychological_health")]["baseline_date"] == date(2022, 11, 1)


def test_follow_up_window_may_not_overlap_the_baseline_window() -> None:
    with pytest.raises(ValueError, match="overlaps"):
        Wellbeing(follow_up_months=1, follow_up_window_days=20)


def test_pairing_sql_literals_have_the_parameter_types() -> None:
    """The measure definitions and the data cut go into the pairing SQL as literals (DuckDB imports
    pandas, half a second, to inspect Python parameters): each literal is the value, and of the
    type, that DuckDB makes of it as a parameter."""
    con = duckdb.connect()
    values = [None, True, False, 3, -7, 2**40, 0.1, 1e-300, -0.0, 5.0, math.inf, math.nan, "it's"]
    values += [date(2021, 3, 4), datetime(2021, 3, 4, 5, 6, 7, 123456)]
    for v in values:
        lit = con.execute(f"SELECT {sql_literal(v)}, typeof({sql_literal(v)})").fetchone()
        par = con.execute("SELECT $v, typeof($v)", {"v": v}).fetchone()
        assert lit[1] == par[1]
        assert lit[0] == par[0] or (math.isnan(lit[0]) and math.isnan(par[0]))
        assert not isinstance(v, float) or math.copysign(1, lit[0]) == math.copysign(1, par[0])


# ----------------------------------------------------------------------------- the tables


@pytest.fixture
def five(make_store):
    """The five hand-computed clients on TOP psychological health. Jobs: C1 and C3 started work
    before their follow-up, C5 after it; C4 was in work when referred."""
    fu = ENGAGED + timedelta(days=181)  # 2023-07-10
    rows = []
    for i, (b, f) in enumerate(zip(BASE, FOLLOW, strict=True), start=1):
        rows += [
            (f"C{i}", ENGAGED, "TOP", "psychological_health", b),
            (f"C{i}", fu, "TOP", "psychological_health", f),
        ]
    jobs = pl.DataFrame(
        {
            "client_id": ["C1", "C3", "C5"],
            "start_date": [date(2023, 3, 1), date(2023, 3, 1), date(2023, 9, 1)],
        }
    )
    tables = {"clients": clients(5, employed=(4,)), "wellbeing": assessments(rows), "jobs": jobs}
    return make_store(tables, CUT)


def test_measure_table_carries_the_hand_numbers(five) -> None:
    t = wellbeing_tables(five, settings(min_pairs=5))
    (r,) = t["wellbeing_measures"].data.filter(pl.col("measure") == "psychological_health").to_dicts()
    assert_hand(r, HAND)
    assert r["p_t_holm"] == pytest.approx(HAND["p_t"])  # one test: Holm changes nothing
    assert r["evidence"] == "unclear"  # the interval includes 0
    assert r["share_improved"] == pytest.approx(0.6)


def test_domain_is_the_measure_on_a_0_to_100_scale(five) -> None:
    # mental health = TOP psychological health alone: every score times 100/20 = 5
    t = wellbeing_tables(five, settings(min_pairs=5))
    (r,) = t["wellbeing_domains"].data.filter(pl.col("domain") == "mental_health").to_dicts()
    assert_hand(r, HAND, scale=5.0)
    assert r["label"] == "Mental health"


def test_domain_score_averages_its_measures_per_client() -> None:
    # substance recovery: TOP days of alcohol 14 -> 7 (0-28, lower better: 50 -> 75) and SURE
    # substance use 12 -> 15 (6-18: 50 -> 75); mean of the two: 50 -> 75
    a = assessments(
        [
            ("A", ENGAGED, "TOP", "days_alcohol", 14),
            ("A", date(2023, 7, 10), "TOP", "days_alcohol", 7),
            ("A", ENGAGED, "SURE", "substance_use", 12),
            ("A", date(2023, 7, 10), "SURE", "substance_use", 15),
        ]
    )
    m = load_measures(Settings())
    p = pair(a, pl.DataFrame({"client_id": ["A"], "engagement_date": [ENGAGED]}), m, Wellbeing(), CUT)
    (r,) = domain_scores(paired_frame(p, m)).to_dicts()
    assert r["domain"] == "substance_recovery" and r["measures"] == 2
    assert r["baseline_pomp"] == pytest.approx(50) and r["follow_up_pomp"] == pytest.approx(75)


def test_coverage_counts_followed_up_lost_and_not_yet_due(make_store) -> None:
    a, people = pairing_fixture()
    c = people.with_columns(
        pl.lit("Northbrook").alias("local_authority"), pl.lit(date(2022, 12, 1)).alias("referral_date")
    )
    store = make_store({"clients": c, "wellbeing": a}, CUT)
    t = wellbeing_tables(store, settings())
    (top,) = t["wellbeing_coverage"].data.filter(pl.col("instrument") == "TOP").to_dicts()
    # A, B, C, F followed up; E lost; G not yet due; D assessed but no baseline
    assert (top["followed_up"], top["lost"], top["not_yet_due"], top["due"]) == (4, 1, 1, 5)
    assert top["no_baseline"] == 1 and top["not_followed_up"] == 3  # D; and D + E + G
    assert top["follow_up_rate"] == pytest.approx(4 / 5)  # of the 5 due


def test_job_entry_comparison_by_hand(five) -> None:
    # found work by the follow-up: C1, C3 (changes 3, 3); not: C2, C5 (0, 6; C5's job came after);
    # C4 was in work when referred. Difference 3 - 3 = 0; Welch SE^2 = 0/2 + 18/2 = 9, df = 1.
    t = wellbeing_tables(five, settings(min_pairs=2))
    (r,) = (
        t["wellbeing_by_job_entry"].data.filter(pl.col("variable") == "top|psychological_health").to_dicts()
    )
    assert (r["n"], r["found_work"], r["no_work"], r["not_in_denominator"]) == (5, 2, 2, 1)
    assert r["found_work_change_mean"] == 3 and r["no_work_change_mean"] == 3
    assert r["difference"] == 0 and r["p_value"] == pytest.approx(1.0)
    from scipy import stats

    assert r["difference_ci_high"] == pytest.approx(stats.t.ppf(0.975, 1) * 3)
    assert r["evidence"] == "unclear"
    # below min_pairs per group, no difference is estimated
    t = wellbeing_tables(five, settings(min_pairs=3))
    (r,) = (
        t["wellbeing_by_job_entry"].data.filter(pl.col("variable") == "top|psychological_health").to_dicts()
    )
    assert r["difference"] is None and r["found_work_change_mean"] == 3


def test_no_wellbeing_table_gives_no_tables(make_store) -> None:
    store = make_store({"clients": clients(3)}, CUT)
    assert wellbeing_tables(store, settings()) == {}


def test_an_empty_wellbeing_table_counts_as_none_so_nothing_is_reported_as_zero(make_store) -> None:
    store = make_store({"clients": clients(3), "wellbeing": assessments([])}, CUT)
    assert "wellbeing" not in store.tables_present
    assert wellbeing_tables(store, settings()) == {}


# ----------------------------------------------------------------------------- measures file


def test_measures_file_adds_an_instrument_and_replaces_a_builtin(tmp_path: Path, make_store) -> None:
    (tmp_path / "measures.csv").write_text(
        "Instrument,Measure,Min,Max,Higher_is_better,Domain,Label\n"
        "WEMWBS,total,14,70,yes,Mental health,Warwick-Edinburgh wellbeing\n"
        "TOP,quality_of_life,0,20,yes,resilience,\n",
        encoding="utf-8",
    )
    (tmp_path / "ipseval.toml").write_text('[wellbeing]\nmeasures_file = "measures.csv"\nmin_pairs = 2\n')
    from ipseval.settings import load_settings

    s = load_settings(tmp_path / "ipseval.toml")
    m = load_measures(s)
    wem = m.filter(pl.col("instrument") == "WEMWBS").to_dicts()[0]
    assert wem["domain"] == "mental_health" and wem["label"] == "Warwick-Edinburgh wellbeing"
    assert m.filter(pl.col("measure") == "quality_of_life")["domain"].to_list() == ["resilience"]
    fu = date(2023, 7, 10)
    rows = [(f"C{i}", ENGAGED, "wemwbs", "total", 30 + i) for i in (1, 2, 3)]
    rows += [(f"C{i}", fu, "WEMWBS", "total", 35 + 2 * i) for i in (1, 2, 3)]
    store = make_store({"clients": clients(3), "wellbeing": assessments(rows)}, CUT, s)
    t = wellbeing_tables(store, s)
    (r,) = t["wellbeing_measures"].data.filter(pl.col("instrument") == "WEMWBS").to_dicts()
    # baselines 31 32 33, follow-ups 37 39 41: changes 6 7 8, mean 7
    assert r["n"] == 3 and r["change_mean"] == pytest.approx(7.0)


def test_a_bad_measures_file_names_every_problem(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text(
        "instrument,measure,min,max,higher_is_better,domain\nX,a,10,5,yes,\nX,b,0,1,perhaps,\n",
        encoding="utf-8",
    )
    s = Settings(wellbeing=Wellbeing(measures_file=str(tmp_path / "m.csv")))
    with pytest.raises(SettingsError) as e:
        load_measures(s)
    assert "row 2: min (10) must be below max (5)" in str(e.value)
    assert "row 3: higher_is_better must be yes or no" in str(e.value)
    s = Settings(wellbeing=Wellbeing(measures_file=str(tmp_path / "missing.csv")))
    with pytest.raises(SettingsError, match="not found"):
        load_measures(s)


def test_builtin_definitions_cover_top_and_sure() -> None:
    m = load_measures(Settings())
    top = m.filter(pl.col("instrument") == "TOP")
    assert set(top["measure"]) == {
        "psychological_health",
        "physical_health",
        "quality_of_life",
        "days_alcohol",
        "days_opiates",
        "days_crack",
        "days_cocaine",
        "days_cannabis",
        "days_other",
    }
    days = top.filter(pl.col("measure").str.starts_with("days_"))
    assert days["higher_is_better"].to_list() == [False] * 6 and set(days["scale_max"]) == {28}
    sure = m.filter(pl.col("instrument") == "SURE")
    assert set(sure["measure"]) == {
        "substance_use",
        "self_care",
        "relationships",
        "material_resources",
        "outlook_on_life",
        "total",
    }
    assert sure["higher_is_better"].all()
    assert m.filter(pl.col("domain") != "")["domain"].unique().len() == 6


# ----------------------------------------------------------------------------- disclosure control


def test_every_column_about_people_is_protected_or_a_label(five) -> None:
    for t in wellbeing_tables(five, settings(min_pairs=2)).values():
        if not t.about_people:
            continue
        covered = set(t.dims) | set(t.protected_columns) | set(t.internal)
        assert set(t.data.columns) <= covered, (t.key, set(t.data.columns) - covered)
        for c in t.data.columns:
            if c not in t.dims and t.data[c].dtype.is_integer():
                assert c in t.counts, (t.key, c)


def test_disclosure_hides_small_counts_and_the_statistics_resting_on_them(make_store) -> None:
    # 3 clients on SURE relationships: n = 3 is hidden, and every mean and test with it
    fu = date(2023, 7, 10)
    rows = [(f"C{i}", ENGAGED, "SURE", "relationships", 6 + i) for i in (1, 2, 3)]
    rows += [(f"C{i}", fu, "SURE", "relationships", s) for i, s in ((1, 9), (2, 11), (3, 10))]
    store = make_store({"clients": clients(3), "wellbeing": assessments(rows)}, CUT)
    t = wellbeing_tables(store, settings(min_pairs=2))
    (r,) = protected(t["wellbeing_measures"])
    assert r["n"] == "*" and r["baseline_mean"] == "*" and r["change_mean"] == "*" and r["p_t"] == "*"
    assert r["improved"] == "*" and r["share_improved"] == "*"
    assert r["no_change"] == 0 and r["worse"] == 0  # zeros are shown
    (d,) = protected(t["wellbeing_domains"])
    assert d["n"] == "*" and d["change_ci_low"] == "*" and d["evidence"] == "*"
    any_row = next(r for r in protected(t["wellbeing_coverage"]) if r["instrument"] == "Any")
    assert any_row["followed_up"] == "*" and any_row["follow_up_rate"] == "*"
    assert "due" not in any_row and "no_baseline" not in any_row  # internal: never published


def test_a_small_lost_count_cannot_be_worked_out_from_the_change_tables(make_store) -> None:
    # 6 followed up, 2 lost. followed_up (6) is also the n of the change tables, so the coverage
    # table must not hide it to cover "lost": it hides the follow-up rate instead (6 / 8 would
    # give lost = 2) and publishes no total (with a baseline = 8 would too).
    fu = date(2023, 7, 10)
    rows = [(f"C{i}", ENGAGED, "TOP", "physical_health", 8 + i) for i in range(1, 9)]
    rows += [(f"C{i}", fu, "TOP", "physical_health", 10 + i) for i in range(1, 7)]
    store = make_store({"clients": clients(8), "wellbeing": assessments(rows)}, CUT)
    t = wellbeing_tables(store, settings(min_pairs=2))
    cov = next(r for r in protected(t["wellbeing_coverage"]) if r["instrument"] == "Any")
    (dom,) = protected(t["wellbeing_domains"])
    assert cov["followed_up"] == dom["n"] == 6
    assert cov["lost"] == "*" and cov["follow_up_rate"] == "*" and cov["follow_up_ci_low"] == "*"
    assert set(cov) == {
        "instrument",
        "followed_up",
        "lost",
        "not_yet_due",
        *(f"follow_up_{x}" for x in ("rate", "ci_low", "ci_high")),
    }


def test_disclosure_in_the_five_client_fixture(five) -> None:
    t = wellbeing_tables(five, settings(min_pairs=2))
    (r,) = [x for x in protected(t["wellbeing_measures"]) if x["measure"] == "psychological_health"]
    assert r["n"] == 5 and r["change_mean"] == pytest.approx(2.2)  # n = 5 is above the threshold
    assert r["improved"] == r["no_change"] == r["worse"] == "*"  # 3, 1, 1
    (j,) = [x for x in protected(t["wellbeing_by_job_entry"]) if x["variable"] == "top|psychological_health"]
    assert j["found_work"] == j["no_work"] == j["not_in_denominator"] == "*"
    assert j["found_work_change_mean"] == "*" and j["difference"] == "*"
    assert "comparison_n" not in j


def test_attrition_publishes_no_counts_and_hides_small_groups(make_store) -> None:
    # 6 followed up, 2 lost (baseline, window closed, no follow-up)
    fu = date(2023, 7, 10)
    rows = [(f"C{i}", ENGAGED, "TOP", "physical_health", 8 + i) for i in range(1, 9)]
    rows += [(f"C{i}", fu, "TOP", "physical_health", 10 + i) for i in range(1, 7)]
    store = make_store({"clients": clients(8), "wellbeing": assessments(rows)}, CUT)
    t = wellbeing_tables(store, settings(min_pairs=2))
    out = protected(t["wellbeing_attrition"])
    assert not set(out[0]) & {"followed_up_n", "lost_n", "smd_n", "lost_yes"}
    (phys,) = [r for r in out if r["kind"] == "domain" and r["variable"] == "physical_health"]
    assert phys["followed_up_mean"] == pytest.approx(100 * 11.5 / 20)  # 9..14 -> mean 11.5
    assert phys["lost_mean"] == "*" and phys["smd"] == "*" and phys["noticeable"] == "*"
    src = t["wellbeing_attrition"].data.filter(pl.col("variable") == "physical_health").to_dicts()[0]
    assert src["lost_n"] == 2 and src["lost_mean"] == pytest.approx(100 * 15.5 / 20)


# ----------------------------------------------------------------------------- the demo and the report


@pytest.fixture(scope="module")
def demo_published(demo_store_and_settings):
    store, demo_settings = demo_store_and_settings
    s = demo_settings.model_copy(deep=True)
    s.impact.enabled = False
    ev = compute(store, s, source="demo")
    ev.tables |= wellbeing_tables(store, s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return ev, ev.publish()


def test_demo_shows_wellbeing_gains_larger_for_clients_who_found_work(demo_published) -> None:
    ev, _pub = demo_published
    domains = ev.tables["wellbeing_domains"].data
    assert domains.height == 6
    assert (domains["change_mean"] > 0).all() and (domains["evidence"] == "better").all()
    assert (domains["n"] >= 50).all()
    job = ev.tables["wellbeing_by_job_entry"].data.filter(pl.col("level") == "domain")
    assert (job["difference"] > 0).all()
    cov = ev.tables["wellbeing_coverage"].data.filter(pl.col("instrument") == "Any").to_dicts()[0]
    assert 0.3 < cov["follow_up_rate"] < 0.9


def test_results_json_carries_every_wellbeing_number(demo_published) -> None:
    from ipseval.report.outputs import results_json

    ev, pub = demo_published
    out = results_json(pub)["tables"]
    for key, table in ev.tables.items():
        if not key.startswith("wellbeing_"):
            continue
        published = [c for c in table.data.columns if c not in table.internal]
        assert list(out[key]["columns"]) == published, key
        assert len(out[key]["rows"]) == table.data.height
        for c in published:
            assert out[key]["columns"][c], f"{key}.{c} has no documented meaning"
    # a visible statistic is the unrounded value
    src = ev.tables["wellbeing_domains"].data.row(0, named=True)
    assert out["wellbeing_domains"]["rows"][0]["change_mean"] == src["change_mean"]


def test_report_section_renders_with_chart_tables_and_summary(demo_published, monkeypatch) -> None:
    from ipseval import report
    from ipseval.report.sections import wellbeing as section

    _ev, pub = demo_published
    monkeypatch.setattr(report, "SECTIONS", [section])
    html = report.render_html(pub)
    assert 'id="wellbeing"' in html and "Wellbeing and recovery" in html
    assert 'aria-labelledby="wellbeing-change-title"' in html  # the chart of change by domain
    for table_id in ("wellbeing-coverage", "wellbeing-domains", "wellbeing-measures", "wellbeing-attrition"):
        assert f'id="tbl-{table_id}"' in html
    assert "In short." in html and "Substance recovery" in html
    assert "http://" not in html and "https://" not in html


def test_report_section_is_left_out_without_wellbeing_data(demo_published) -> None:
    from ipseval.report.sections import wellbeing as section

    _ev, pub = demo_published
    bare = type(pub)(
        meta=pub.meta,
        disclosure=pub.disclosure,
        tables={k: v for k, v in pub.tables.items() if not k.startswith("wellbeing_")},
    )
    assert section.build(bare) is None


# ------------------------------------------------------------------ no spread, direction


@settings_hyp(max_examples=200, deadline=None)
@given(
    change=st.floats(-1e6, 1e6, allow_nan=False),
    baseline=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=60),
    higher_is_better=st.booleans(),
)
def test_constant_changes_never_give_a_finite_effect_size(change, baseline, higher_is_better) -> None:
    b = np.array(baseline)
    s = paired_summary(b, b + change, higher_is_better, min_pairs=2)
    assert s["effect_size"] is None and s["t_statistic"] is None and s["p_t"] is None
    assert s["change_sd"] == 0.0


def test_equal_domain_changes_have_no_spread_and_no_effect_size() -> None:
    # 0-100 domain scores: the mean of n equal numbers is not always that number (SD 1.8e-15 before)
    b = np.full(30, 100 / 3)
    s = paired_summary(b, b + 10 * 100 / 28, min_pairs=10)
    assert s["change_sd"] == 0.0 and s["effect_size"] is None and s["t_statistic"] is None
    assert s["direction"] == "better"


def test_days_of_use_keep_their_own_sign_and_say_better() -> None:
    # days drinking 10 -> 6, 12 -> 9, 8 -> 5: change -3.33 days, an improvement
    s = paired_summary([10, 12, 8], [6, 9, 5], higher_is_better=False, min_pairs=2)
    assert s["change_mean"] == pytest.approx(-10 / 3)
    assert s["change_ci_low"] < s["change_mean"] < s["change_ci_high"] < 0
    assert s["effect_size"] < 0 and s["t_statistic"] < 0
    assert s["direction"] == "better" and s["evidence"] == "better"
    assert s["improved"] == 3
    worse = paired_summary([1, 2, 3], [4, 6, 5], higher_is_better=False, min_pairs=2)
    assert worse["change_mean"] > 0 and worse["direction"] == "worse"
