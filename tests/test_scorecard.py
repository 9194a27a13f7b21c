"""The four factors scorecard, on a hand-made service with known answers.

The fixture (data cut 2021-12-31; the 12-month window is 2021-01-01 to 2021-12-31, 365 days =
52.142857 weeks; month ends 2021-01-31 ... 2021-12-31), five areas:

  A  a1 ref 01-04 dat  eng 01-11  job 03-01 "Acme Ltd"; meetings 01-11, 02-01, 04-20 (eng + 99: late)
     a2 ref 02-01 self eng 02-08  discharged 06-15;      meetings 02-08, 02-15 (missed)
     a3 ref 03-01 dat  eng 03-15;                        meeting 03-29
     a4 ref 04-01 (no source) eng 04-05;                 no meetings
  B  b1 ref 01-05 dat eng 01-10 job 04-01 "Acme";          meeting 01-10
     b2 ref 01-05 dat eng 01-12 job 05-01 "acme limited";  meeting 05-01 (116 days after referral)
     b3, b4 ref 02-01 dat eng 02-08;                       no meetings
  C  c1-c4 ref 03-01 (dat, dat, dat, gp_health) eng 03-08; jobs c1 "Bravo", c2 "Charlie", c3 (no
     employer), all 06-01
  D  d1-d6 ref 05-03 (dat x3, criminal_justice, jobcentre, unknown) eng 05-10; d6 employed at
     referral; job d1 "Delta" 07-01
  E  e1 ref 2020-11-02 self eng 2020-11-09 job 2020-12-15 "Echo" (before the window); e2 ref
     2020-11-02 dat, never engaged
  areas table: A strong co-located, B moderate, C weak, "d " (= D) strong; E not in it
  staff: SA1 A fte 1 from 2020-01-01; SA2 "a" (= A) fte 0.5 from 2021-07-01; SB1 B fte 1 (no dates);
         SX no area fte 1
  contacts in 2021: SA1 10 (6 f2f, 2 not, 2 blank) + one in 2020; SA2 3 f2f; SB1 5 f2f; SX 2
  fidelity (latest): A 75 (all 3, 2021-06-30); "b" 100 (all 4, 2021-09-30; an earlier all-3 review
         in 2020); C 125 (all 5, 2021-03-31); D 88 (items 1-13 at 4, 14-25 at 3, 2021-10-15);
         "Elsewhere" (no such area)
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import polars as pl
import pytest
from scipy import stats

from ipseval import scorecard
from ipseval.disclosure import protect, wilson_interval
from ipseval.settings import Disclosure, Settings

D = date
CUT = D(2021, 12, 31)
WEEKS = 365 / 7  # the 12-month window in weeks
DAT = "drug_alcohol_service"


def _clients() -> pl.DataFrame:
    rows = [
        # client, area, referred, source, engaged, discharged, employed at referral
        ("a1", "A", D(2021, 1, 4), DAT, D(2021, 1, 11), None, False),
        ("a2", "A", D(2021, 2, 1), "self", D(2021, 2, 8), D(2021, 6, 15), False),
        ("a3", "A", D(2021, 3, 1), DAT, D(2021, 3, 15), None, False),
        ("a4", "A", D(2021, 4, 1), None, D(2021, 4, 5), None, False),
        ("b1", "B", D(2021, 1, 5), DAT, D(2021, 1, 10), None, False),
        ("b2", "B", D(2021, 1, 5), DAT, D(2021, 1, 12), None, False),
        ("b3", "B", D(2021, 2, 1), DAT, D(2021, 2, 8), None, False),
        ("b4", "B", D(2021, 2, 1), DAT, D(2021, 2, 8), None, False),
        *(
            (f"c{i}", "C", D(2021, 3, 1), src, D(2021, 3, 8), None, False)
            for i, src in enumerate([DAT, DAT, DAT, "gp_health"], start=1)
        ),
        *(
            (f"d{i}", "D", D(2021, 5, 3), src, D(2021, 5, 10), None, i == 6)
            for i, src in enumerate([DAT, DAT, DAT, "criminal_justice", "jobcentre", "unknown"], start=1)
        ),
        ("e1", "E", D(2020, 11, 2), "self", D(2020, 11, 9), None, False),
        ("e2", "E", D(2020, 11, 2), DAT, None, None, False),
    ]
    cols = [
        "client_id",
        "local_authority",
        "referral_date",
        "referral_source",
        "engagement_date",
        "discharge_date",
        "employed_at_referral",
    ]
    return pl.DataFrame(rows, schema=cols, orient="row")


def _review(team: str, day: date, scores: list[int]) -> pl.DataFrame:
    return pl.DataFrame(
        {"team": team, "review_date": day, "item": list(range(1, 26)), "score": scores},
        schema={"team": pl.Utf8, "review_date": pl.Date, "item": pl.Int64, "score": pl.Int64},
    )


def tables() -> dict[str, pl.DataFrame]:
    meetings = pl.DataFrame(
        [
            ("a1", D(2021, 1, 11), True),
            ("a1", D(2021, 2, 1), True),
            ("a1", D(2021, 4, 20), True),
            ("a2", D(2021, 2, 8), True),
            ("a2", D(2021, 2, 15), False),
            ("a3", D(2021, 3, 29), True),
            ("b1", D(2021, 1, 10), True),
            ("b2", D(2021, 5, 1), True),
        ],
        schema=["client_id", "meeting_date", "attended"],
        orient="row",
    )
    jobs = pl.DataFrame(
        [
            ("a1", D(2021, 3, 1), "Acme Ltd"),
            ("b1", D(2021, 4, 1), "Acme"),
            ("b2", D(2021, 5, 1), "acme limited"),
            ("c1", D(2021, 6, 1), "Bravo"),
            ("c2", D(2021, 6, 1), "Charlie"),
            ("c3", D(2021, 6, 1), None),
            ("d1", D(2021, 7, 1), "Delta"),
            ("e1", D(2020, 12, 15), "Echo"),
        ],
        schema=["client_id", "start_date", "employer"],
        orient="row",
    )
    areas = pl.DataFrame(
        [("A", "strong", True), ("B", "moderate", False), ("C", "weak", False), ("d ", "strong", True)],
        schema=["local_authority", "integration_strength", "co_located"],
        orient="row",
    )
    staff = pl.DataFrame(
        [
            ("SA1", "A", 1.0, D(2020, 1, 1)),
            ("SA2", "a", 0.5, D(2021, 7, 1)),
            ("SB1", "B", 1.0, None),
            ("SX", None, 1.0, None),
        ],
        schema=["employment_specialist_id", "local_authority", "fte", "start_date"],
        orient="row",
    )
    contacts = [
        ("SA1", D(2021, 1, 4) + timedelta(days=7 * i), f) for i, f in enumerate([True] * 6 + [False] * 2)
    ]
    contacts += [("SA1", D(2021, 6, 1), None), ("SA1", D(2021, 6, 2), None), ("SA1", D(2020, 12, 31), True)]
    contacts += [("SA2", D(2021, 8, i), True) for i in (2, 3, 4)]
    contacts += [("SB1", D(2021, 9, i), True) for i in (1, 2, 3, 6, 7)]
    contacts += [("SX", D(2021, 10, 1), True), ("SX", D(2021, 10, 4), False)]
    employer_contacts = pl.DataFrame(
        contacts, schema=["employment_specialist_id", "contact_date", "face_to_face"], orient="row"
    )
    fidelity = pl.concat(
        [
            _review("A", D(2021, 6, 30), [3] * 25),
            _review("b", D(2020, 9, 30), [3] * 25),
            _review("b", D(2021, 9, 30), [4] * 25),
            _review("C", D(2021, 3, 31), [5] * 25),
            _review("D", D(2021, 10, 15), [4] * 13 + [3] * 12),
            _review("Elsewhere", D(2021, 5, 1), [2] * 25),
        ]
    )
    return {
        "clients": _clients(),
        "meetings": meetings,
        "jobs": jobs,
        "areas": areas,
        "staff": staff,
        "employer_contacts": employer_contacts,
        "fidelity": fidelity,
    }


@pytest.fixture
def store(make_store):
    return make_store(tables(), CUT)


@pytest.fixture
def result(store):
    return scorecard.scorecard_tables(store, Settings())


def area(df: pl.DataFrame, name: str) -> dict:
    hit = df.filter(pl.col("local_authority") == name)
    assert hit.height == 1, name
    return hit.row(0, named=True)


# ------------------------------------------------------------------------------------- per area


def test_one_row_per_area_then_all_areas(result):
    df = result["scorecard_areas"].data
    assert df["local_authority"].to_list() == ["A", "B", "C", "D", "E", "All areas"]
    assert df["breakdown"].to_list() == ["local_authority"] * 5 + ["overall"]


def test_integration_by_hand(result):
    df = result["scorecard_areas"].data
    a, d, e = area(df, "A"), area(df, "D"), area(df, "E")
    assert (a["integration_strength"], a["co_located"]) == ("strong", True)
    assert (d["integration_strength"], d["co_located"]) == ("strong", True)  # areas table spells it "d "
    assert e["integration_strength"] is None and e["co_located"] is None  # not in the areas table
    # A: a1, a3 from the service, a2 self, a4 blank -> 2 of 4; the blank counts as not from it
    assert (a["referrals"], a["referrals_from_treatment"], a["referrals_other"]) == (4, 2, 2)
    assert a["referrals_source_unknown"] == 1 and a["share_from_treatment"] == 0.5
    assert area(df, "B")["share_from_treatment"] == 1.0
    assert area(df, "C")["share_from_treatment"] == 0.75
    # D: 3 of 6 ('unknown' written out counts like a blank)
    assert (d["referrals_from_treatment"], d["referrals_source_unknown"], d["share_from_treatment"]) == (
        3,
        1,
        0.5,
    )
    overall = area(df, "All areas")
    assert (overall["referrals"], overall["referrals_from_treatment"]) == (20, 2 + 4 + 3 + 3 + 1)
    notes = " ".join(result["scorecard_areas"].notes)
    assert "Integration strength not recorded for: E." in notes


def test_fidelity_is_the_latest_scored_review_of_the_matched_team(result):
    df = result["scorecard_areas"].data
    b = area(df, "B")
    assert (b["fidelity_team"], b["fidelity_review_date"], b["fidelity_total"]) == ("b", D(2021, 9, 30), 100)
    assert b["fidelity_band"] == "good" and b["fidelity_review_age_days"] == (CUT - D(2021, 9, 30)).days
    assert area(df, "A")["fidelity_total"] == 75 and area(df, "A")["fidelity_band"] == "fair"
    assert area(df, "C")["fidelity_total"] == 125 and area(df, "C")["fidelity_band"] == "exemplary"
    assert area(df, "D")["fidelity_total"] == 13 * 4 + 12 * 3  # 88
    assert area(df, "E")["fidelity_total"] is None and area(df, "All areas")["fidelity_total"] is None
    notes = " ".join(result["scorecard_areas"].notes)
    assert "No scored fidelity review for: E." in notes
    assert "no area of the same name, left out: Elsewhere." in notes


def test_employer_engagement_by_hand(result):
    df = result["scorecard_areas"].data
    a = area(df, "A")
    # SA1 all year (52.14 weeks at FTE 1) + SA2 from 07-01 (184 days at FTE 0.5; its staff record
    # spells the area "a"); the 2020 contact is outside the window
    fte_weeks = WEEKS + 0.5 * 184 / 7
    assert a["specialists_12m"] == 2 and a["fte_weeks_12m"] == pytest.approx(fte_weeks)
    assert (a["contacts"], a["face_to_face"], a["f2f_recorded"]) == (10 + 3, 6 + 3, 8 + 3)
    assert a["contacts_per_fte_week"] == pytest.approx(13 / fte_weeks)  # 0.1991
    assert a["f2f_per_fte_week"] == pytest.approx(9 / fte_weeks)
    assert a["f2f_share"] == pytest.approx(9 / 11)
    b = area(df, "B")
    assert (b["contacts"], b["contacts_per_fte_week"]) == (5, pytest.approx(5 / WEEKS))
    c = area(df, "C")  # no specialists: no contacts, no rate
    assert (c["contacts"], c["fte_weeks_12m"], c["contacts_per_fte_week"]) == (0, None, None)
    overall = area(df, "All areas")  # SX (no area) counts here only
    assert overall["contacts"] == 13 + 5 + 2
    assert overall["fte_weeks_12m"] == pytest.approx(fte_weeks + 2 * WEEKS)
    # job starts in 2021 with an employer: A acme; B acme, acme (the same employer); C bravo,
    # charlie (c3 has none); D delta; E's job was in 2020
    assert (a["jobs_with_employer"], a["distinct_employers"], a["employer_diversity"]) == (1, 1, 1.0)
    assert (b["jobs_with_employer"], b["distinct_employers"], b["employer_diversity"]) == (2, 1, 0.5)
    assert (c["jobs_with_employer"], c["employer_diversity"]) == (2, 1.0)
    e = area(df, "E")
    assert (e["jobs_with_employer"], e["employer_diversity"]) == (0, None)
    assert (overall["jobs_with_employer"], overall["distinct_employers"]) == (6, 4)


def test_specialist_practice_by_hand(result):
    df = result["scorecard_areas"].data
    a = area(df, "A")
    # on the caseload / FTE at the month ends: Jan 1/1, Feb 2/1, Mar 3/1, Apr 4/1, May 4/1,
    # Jun 3/1 (a2 discharged 06-15), Jul-Dec 3/1.5 = 2 (SA2 joins) -> (1+2+3+4+4+3+6*2)/12 = 29/12
    assert a["caseload_per_fte"] == pytest.approx(29 / 12)
    assert a["fte"] == pytest.approx((6 * 1 + 6 * 1.5) / 12) and a["caseload_clients"] == 4
    b = area(df, "B")  # Jan 2, Feb-Dec 4, FTE 1 throughout -> (2 + 11*4)/12
    assert b["caseload_per_fte"] == pytest.approx(46 / 12)
    assert area(df, "C")["caseload_per_fte"] is None and area(df, "C")["caseload_clients"] == 4
    # meetings in the 91 days from engagement: a1 2 (04-20 is day 99), a2 1 (the missed one does not
    # count), a3 1, a4 0 -> 4 / 4
    assert (a["engaged_3m"], a["meetings_first_3m"], a["meetings_per_client_3m"]) == (4, 4, 1.0)
    # B: b1 1; b2's meeting on 05-01 is 109 days after engagement -> 1 / 4
    assert (b["meetings_first_3m"], b["meetings_per_client_3m"]) == (1, 0.25)
    assert area(df, "E")["engaged_3m"] == 1  # e2 never engaged
    # days from referral to the first meeting: A 7, 7, 28, never -> median of 4 = (7 + 28) / 2
    assert (a["referred_3m"], a["median_days_to_first_meeting"]) == (4, 17.5)
    # B: 5 days, then 116 (beyond 91 days: counts as not seen), never, never -> not reached
    assert b["median_days_to_first_meeting"] is None and b["referred_3m"] == 4


def test_job_entry_with_wilson_interval(result):
    df = result["scorecard_areas"].data
    expect = {"A": (1, 4), "B": (2, 4), "C": (3, 4), "D": (1, 5), "E": (1, 1), "All areas": (8, 18)}
    for name, (x, n) in expect.items():
        r = area(df, name)
        assert (r["job_entries"], r["denominator"], r["without_job_entry"]) == (x, n, n - x), name
        assert r["job_entry_rate"] == pytest.approx(x / n)
        assert (r["job_entry_ci_low"], r["job_entry_ci_high"]) == pytest.approx(wilson_interval(x, n))
    # Wilson by hand for 1 of 4: centre (0.25 + z²/8) / (1 + z²/4), half-width
    # z sqrt(0.25*0.75/4 + z²/64) / (1 + z²/4) -> 0.0456 to 0.6994
    a = area(df, "A")
    assert a["job_entry_ci_low"] == pytest.approx(0.04559, abs=1e-4)
    assert a["job_entry_ci_high"] == pytest.approx(0.69936, abs=1e-4)
    assert df.filter(pl.col("in_correlation"))["local_authority"].to_list() == ["A", "B", "C", "D"]


# ---------------------------------------------------------------------------------- correlation


def test_correlation_by_hand(result):
    """x = 75, 100, 125, 88; y = 0.25, 0.5, 0.75, 0.2.
    mean x 97, dx -22, 3, 28, -9; mean y 0.425, dy -0.175, 0.075, 0.325, -0.225
    Sxy = 3.85 + 0.225 + 9.1 + 2.025 = 15.2; Sxx = 484 + 9 + 784 + 81 = 1358;
    Syy = 0.030625 + 0.005625 + 0.105625 + 0.050625 = 0.1925
    r = 15.2 / sqrt(1358 * 0.1925) = 15.2 / 16.16840 = 0.94011
    Fisher: z = atanh r = ½ ln(1.94011 / 0.05989) = 1.73899, SE = 1 / sqrt(4 - 3) = 1,
    tanh(1.73899 -/+ 1.95996) = tanh(-0.22097), tanh(3.69895) = -0.2174, 0.9988
    Spearman: ranks x 1 3 4 2, y 2 3 4 1, sum d² = 2, rho = 1 - 6*2 / (4*15) = 0.8
    """
    c = result["scorecard_correlation"].data.row(0, named=True)
    assert c["n_areas"] == 4
    r = 15.2 / math.sqrt(1358 * 0.1925)
    assert c["pearson_r"] == pytest.approx(r) and r == pytest.approx(0.94011, abs=1e-5)
    z = math.atanh(r)
    assert c["pearson_ci_low"] == pytest.approx(math.tanh(z - 1.959963984540054))
    assert c["pearson_ci_high"] == pytest.approx(math.tanh(z + 1.959963984540054))
    assert (c["pearson_ci_low"], c["pearson_ci_high"]) == pytest.approx((-0.2174, 0.9988), abs=1e-4)
    assert c["spearman_rho"] == pytest.approx(0.8)
    # p from t = r sqrt(n - 2) / sqrt(1 - r²) on 2 degrees of freedom
    t = r * math.sqrt(2) / math.sqrt(1 - r * r)
    assert c["pearson_p_value"] == pytest.approx(2 * stats.t.sf(t, 2))
    assert result["scorecard_correlation"].notes[0].startswith("With only 4 areas")


@pytest.mark.parametrize(
    "x, y",
    [
        ([75, 100, 125, 88], [0.25, 0.5, 0.75, 0.2]),
        ([80, 92, 104, 106, 107, 90, 76], [0.25, 0.31, 0.36, 0.36, 0.36, 0.19, 0.2]),
        ([110, 95, 70, 100, 101], [0.1, 0.3, 0.4, 0.2, 0.35]),
    ],
)
def test_correlation_matches_scipy(x, y):
    got = scorecard.correlation(x, y)
    ref = stats.pearsonr(x, y)
    ci = ref.confidence_interval(0.95)  # scipy's is Fisher's z as well
    assert got["pearson_r"] == pytest.approx(ref.statistic)
    assert got["pearson_p_value"] == pytest.approx(ref.pvalue)
    assert (got["pearson_ci_low"], got["pearson_ci_high"]) == pytest.approx((ci.low, ci.high))
    assert got["spearman_rho"] == pytest.approx(stats.spearmanr(x, y).statistic)


def test_no_correlation_with_fewer_than_four_areas_or_no_spread():
    assert scorecard.correlation([70, 80, 90], [0.1, 0.2, 0.4])["pearson_r"] is None
    assert scorecard.correlation([80, 80, 80, 80], [0.1, 0.2, 0.4, 0.3])["pearson_r"] is None


def test_three_reviewed_areas_give_no_correlation_and_say_why(make_store):
    t = tables()
    t["fidelity"] = t["fidelity"].filter(pl.col("team") != "D")
    res = scorecard.scorecard_tables(make_store(t, CUT), Settings())
    c = res["scorecard_correlation"]
    row = c.data.row(0, named=True)
    assert row["n_areas"] == 3 and row["pearson_r"] is None and row["spearman_rho"] is None
    assert c.notes[0].startswith("No correlation: 3 areas have both") and "at least 4" in c.notes[0]


# ---------------------------------------------------------------------------------- missing data


def test_clients_alone_give_nulls_and_notes_never_an_error(make_store):
    res = scorecard.scorecard_tables(make_store({"clients": _clients()}, CUT), Settings())
    t = res["scorecard_areas"]
    a = area(t.data, "A")
    assert a["referrals"] == 4 and a["share_from_treatment"] == 0.5  # from clients alone
    for col in (
        "integration_strength",
        "fidelity_total",
        "contacts",
        "contacts_per_fte_week",
        "employer_diversity",
        "caseload_per_fte",
        "caseload_clients",
        "meetings_per_client_3m",
        "median_days_to_first_meeting",
        "denominator",
        "job_entries",
        "job_entry_rate",
    ):
        assert t.data[col].null_count() == t.data.height, col
    notes = " ".join(t.notes)
    for what in ("No areas table", "No fidelity table", "No employer_contacts table", "No staff table",
                 "No meetings table", "No jobs table"):  # fmt: skip
        assert what in notes, what
    c = res["scorecard_correlation"].data.row(0, named=True)
    assert c["n_areas"] == 0 and c["pearson_r"] is None
    protect(t, Disclosure(policy="ndtms"))  # declarations hold with every column empty


def test_contacts_without_staff_are_counted_overall_only(make_store):
    t = tables()
    del t["staff"]
    res = scorecard.scorecard_tables(make_store(t, CUT), Settings())
    df = res["scorecard_areas"].data
    assert area(df, "All areas")["contacts"] == 10 + 3 + 5 + 2  # every contact in 2021, by anyone
    assert area(df, "A")["contacts"] is None and area(df, "A")["caseload_per_fte"] is None
    assert "No staff table: employer contacts cannot be put" in " ".join(res["scorecard_areas"].notes)


def test_single_team_without_an_area_name_is_the_whole_service(make_store):
    t = tables()
    t["fidelity"] = _review("West London IPS", D(2021, 9, 1), [4] * 25)
    res = scorecard.scorecard_tables(make_store(t, CUT), Settings())
    df = res["scorecard_areas"].data
    assert area(df, "All areas")["fidelity_total"] == 100
    assert df.filter(pl.col("breakdown") == "local_authority")["fidelity_total"].null_count() == 5
    assert "taken as the whole service's" in " ".join(res["scorecard_areas"].notes)
    assert res["scorecard_correlation"].data["n_areas"][0] == 0


# ---------------------------------------------------------------------------------- disclosure

NOT_ABOUT_PEOPLE = {  # team scores and staffing, shown in full
    "fidelity_total",
    "fidelity_review_age_days",
    "specialists_12m",
    "fte_weeks_12m",
    "fte",
    "n_areas",
}


def test_every_number_about_people_is_declared(result):
    for t in result.values():
        assert t.about_people
        numeric = [c for c, d in t.data.schema.items() if d.is_numeric() and c not in t.dims]
        loose = [c for c in numeric if c not in t.protected_columns and c not in NOT_ABOUT_PEOPLE]
        assert not loose, (t.key, loose)


def test_small_counts_are_hidden_with_what_rests_on_them(result):
    policy = Disclosure(policy="ndtms")  # counts 1..4 hidden
    areas = protect(result["scorecard_areas"], policy)
    i = areas.data["local_authority"].to_list().index("A")
    for col in ("referrals", "job_entries", "denominator", "job_entry_rate", "job_entry_ci_low",
                "share_from_treatment", "meetings_per_client_3m", "median_days_to_first_meeting",
                "caseload_per_fte", "employer_diversity", "distinct_employers"):  # fmt: skip
        assert areas.is_hidden(i, col), col
    assert areas.data["fidelity_total"][i] == 75  # a team's score, not about people
    assert areas.data["contacts"][i] == 13 and not areas.is_hidden(i, "contacts_per_fte_week")
    overall = areas.data["local_authority"].to_list().index("All areas")
    assert areas.data["denominator"][overall] == 18
    # the correlation rests on job entry counts of 1 to 3: it could give them back, so it is hidden
    corr = protect(result["scorecard_correlation"], policy)
    assert "smallest_count" not in corr.data.columns
    for col in ("pearson_r", "pearson_ci_low", "pearson_ci_high", "pearson_p_value", "spearman_rho"):
        assert corr.is_hidden(0, col), col
    assert corr.data["n_areas"][0] == 4
    shown = protect(result["scorecard_correlation"], Disclosure(policy="none"))
    assert shown.data["pearson_r"][0] == pytest.approx(0.94011, abs=1e-5)


def test_rounding_policy_recomputes_rates_from_rounded_counts(result):
    areas = protect(result["scorecard_areas"], Disclosure(policy="nhs"))
    overall = areas.data.filter(pl.col("breakdown") == "overall").row(0, named=True)
    assert overall["referrals"] == 20 and overall["denominator"] == 20  # 18 -> 20
    assert overall["job_entries"] == 10 and overall["job_entry_rate"] == 0.5  # 8 -> 10


# ---------------------------------------------------------------------------------- demo


def test_demo_scorecard(demo_store_and_settings):
    from ipseval.evaluation import Evaluation, EvaluationMeta
    from ipseval.report import environment
    from ipseval.report.outputs import results_json
    from ipseval.report.sections import scorecard as section

    store, settings = demo_store_and_settings
    res = scorecard.scorecard_tables(store, settings)
    df = res["scorecard_areas"].data
    assert df.height == 9 and df["breakdown"].to_list()[-1] == "overall"
    assert df["job_entry_rate"].is_between(0, 1).all() and df["caseload_per_fte"].drop_nulls().len() == 9
    corr = res["scorecard_correlation"].data.row(0, named=True)
    assert corr["n_areas"] == 7  # one area's only review cannot be scored
    assert -1 <= corr["pearson_ci_low"] <= corr["pearson_r"] <= corr["pearson_ci_high"] <= 1
    meta = EvaluationMeta(
        service_name="demo",
        source="demo",
        data_cut=store.data_cut,
        data_cut_source="settings",
        period_start="",
        period_end="",
        generated_at="",
        software_version="",
        standard_version="1",
        tables_present=store.tables_present,
        settings=settings,
    )
    pub = Evaluation(meta=meta, tables=res).publish()
    out = results_json(pub)["tables"]
    for key, t in res.items():  # results.json carries every row and documented column
        published = [c for c in t.data.columns if c not in t.internal]
        assert list(out[key]["columns"]) == published
        assert all(out[key]["columns"][c] for c in published if c not in t.dims or c == "local_authority")
        assert len(out[key]["rows"]) == t.data.height
    assert out["scorecard_correlation"]["rows"][0]["pearson_r"] == corr["pearson_r"]  # shown, unrounded
    data = section.build(pub)
    html = (
        environment().get_template("sections/scorecard.html.j2").render(pub=pub, data=data, section=section)
    )
    # the scatter, and the integration picture: a row of dots per area
    assert html.count("<svg") == 2 and "What this can and cannot show." in html
    assert 'aria-labelledby="scorecard-integration-title"' in html
    assert [area for area, _level in data["integration"]][:3] == [
        "Brent",
        "Ealing",
        "Hounslow",
    ]  # strong first
    assert "Pearson&#39;s r = " in html or "Pearson's r = " in html
    assert "Kensington and Chelsea" in html


def test_a_small_count_outside_the_points_also_hides_the_correlation():
    """Areas P1-P4 (the points) have 20+ job entries and 20+ without; Q (no review) has 2 job entries.
    Protecting Q's 2 can hide a point's count by secondary suppression, and r with the other points
    would give that back: r is hidden."""
    from ipseval.results import ResultTable

    def table(q_entries: int) -> ResultTable:
        df = pl.DataFrame(
            {
                "breakdown": ["local_authority"] * 5,
                "local_authority": ["P1", "P2", "P3", "P4", "Q"],
                "fidelity_total": [80, 90, 100, 110, None],
                "job_entries": [20, 30, 25, 40, q_entries],
                "without_job_entry": [40, 30, 35, 20, 30],
            }
        ).with_columns(
            (pl.col("job_entries") / (pl.col("job_entries") + pl.col("without_job_entry"))).alias(
                "job_entry_rate"
            ),
            pl.col("fidelity_total").is_not_null().alias("in_correlation"),
        )
        return ResultTable(key="scorecard_areas", title="t", data=df)

    policy = Disclosure(policy="ndtms")
    small = protect(scorecard.correlation_table(table(2)), policy)
    assert small.data["n_areas"][0] == 4 and small.is_hidden(0, "pearson_r")
    large = protect(scorecard.correlation_table(table(12)), policy)
    assert not large.is_hidden(0, "pearson_r") and large.data["pearson_r"][0] is not None


def test_section_says_when_the_correlation_is_protected(store, result):
    from ipseval.evaluation import Evaluation, EvaluationMeta
    from ipseval.report import environment
    from ipseval.report.sections import scorecard as section

    meta = EvaluationMeta(
        service_name="t",
        source="t",
        data_cut=CUT,
        data_cut_source="settings",
        period_start="",
        period_end="",
        generated_at="",
        software_version="",
        standard_version="1",
        tables_present=store.tables_present,
        settings=Settings(),
    )
    pub = Evaluation(meta=meta, tables=result).publish()
    data = section.build(pub)
    assert data["no_review"] == ["E"] and data["old_reviews"] == []  # the oldest, C's, is 275 days old
    html = (
        environment().get_template("sections/scorecard.html.j2").render(pub=pub, data=data, section=section)
    )
    assert "is not shown (*)" in html and "E has no scored fidelity review" in html
    assert "Not shown (rate protected): A, B, C and D." in html  # every point rests on 1 to 3 job entries
