"""Fidelity (IPS-25) scoring and the evidence from the records, on hand-made data with known answers.

The evidence fixture (data cut 2021-06-30), areas A and B:
  staff  S1 A fte 1.0 from 2021-01-01; S2 A fte 0.5 2021-01-01..2021-03-31; S3 " b" (= B) fte 1.0
         from 2021-01-01; S4 no area, fte blank (= 1), from 2021-04-01
  c1 A referred 2021-01-04, never discharged; meetings 01-11, 02-08, 05-10
  c2 A referred 2021-01-18, discharged 2021-02-15; meeting 01-25
  c3 A referred 2021-03-01, never discharged; no meetings
  c4 B referred 2021-01-05, never discharged; meeting 01-06 attended, 01-20 missed
  c5 B referred 2021-05-03, discharged on the data cut
  employer contacts: S1 01-15 (f2f), 02-10 (f2f), 03-10 (f2f blank); S3 four f2f in Q2;
                     S4 04-10 (f2f); S9 (not in staff) 02-01
  jobs: 12 for area A between 01-10 and 04-20 (7 different employers among the 11 with one,
        4 different sectors among 12), one for B on 05-15
  review of team "a " (= area A) on 2021-04-30: every item 3, except item 1 = 5, item 17 = 5,
        item 20 = 5.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from ipseval.disclosure import protect
from ipseval.fidelity import comparison, evidence, items, records, review_tables, scoring
from ipseval.fidelity.form import REFERENCE_COLUMNS, write_fidelity_form
from ipseval.schema import FIDELITY
from ipseval.settings import Disclosure, Settings

D = date
CUT = D(2021, 6, 30)


# ---------------------------------------------------------------------------------------- helpers


def review(team: str, day: date, scores: dict[int, int] | list[int], first_row: int = 2) -> pl.DataFrame:
    """Rows of one review; ``scores`` as a list (items 1..n) or {item: score}."""
    pairs = list(enumerate(scores, start=1)) if isinstance(scores, list) else list(scores.items())
    return pl.DataFrame(
        {
            "team": [team] * len(pairs),
            "review_date": [day] * len(pairs),
            "item": [i for i, _ in pairs],
            "score": [s for _, s in pairs],
            "source_row": list(range(first_row, first_row + len(pairs))),
        },
        schema={
            "team": pl.Utf8,
            "review_date": pl.Date,
            "item": pl.Int64,
            "score": pl.Int64,
            "source_row": pl.Int64,
        },
    )


def full(score: int = 3, **over: int) -> dict[int, int]:
    out = dict.fromkeys(range(1, 26), score)
    out.update({int(k[1:]): v for k, v in over.items()})
    return out


# ---------------------------------------------------------------------------------------- the scale


def test_scale_has_25_items_in_the_standards_order():
    its = items.items()
    assert [i.number for i in its] == list(range(1, 26))
    assert [i.section for i in its] == ["staffing"] * 3 + ["organisation"] * 8 + ["services"] * 14
    assert all(i.name and i.good for i in its)
    assert items.item(1).anchors == {
        5: "20 or fewer",
        4: "21 to 25",
        3: "26 to 30",
        2: "31 to 40",
        1: "41 or more",
    }
    assert (
        items.section_max("staffing"),
        items.section_max("organisation"),
        items.section_max("services"),
    ) == (
        15,
        40,
        70,
    )


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (25, "not_ips"),
        (73, "not_ips"),
        (74, "fair"),
        (99, "fair"),
        (100, "good"),
        (114, "good"),
        (115, "exemplary"),
        (125, "exemplary"),
    ],
)
def test_band_edges(total: int, band: str):
    assert items.band(total) == band


@pytest.mark.parametrize(
    ("number", "value", "score"),
    [
        (1, 20, 5),
        (1, 20.4, 5),  # rounded to whole people first
        (1, 20.5, 4),
        (1, 25, 4),
        (1, 30, 3),
        (1, 40, 2),
        (1, 41, 1),
        (17, 6, 5),
        (17, 5.49, 4),
        (17, 3.96, 3),  # 4 a week, to the anchors' precision
        (17, 2, 2),
        (17, 1.49, 1),
        (20, 17 / 20, 5),
        (20, 0.845, 5),  # 84.5% rounds to 85%
        (20, 0.8449, 4),
        (20, 0.5, 2),
        (20, 0.4949, 1),
        (15, 30, 5),
        (15, 271, 1),
        (3, 4.0, None),  # scored by judgement: no numeric anchors
        (1, None, None),
        (1, math.nan, None),
    ],
)
def test_implied_score_from_numeric_anchors(number: int, value: float | None, score: int | None):
    assert items.item(number).implied_score(value) == score


# ---------------------------------------------------------------------------------------- scoring


def test_complete_review_is_scored_by_hand():
    # staffing 5+4+3 = 12; organisation 8 x 4 = 32; services 7 x 3 + 7 x 4 = 49; total 93 (fair)
    scores = [5, 4, 3] + [4] * 8 + [3] * 7 + [4] * 7
    found = scoring.score_reviews(review("Brent", D(2021, 5, 4), scores))
    r = found.reviews.row(0, named=True)
    assert (r["staffing"], r["organisation"], r["services"], r["total"]) == (12, 32, 49, 93)
    assert r["band"] == "fair" and r["band_label"] == "Fair fidelity"
    assert r["mean_item_score"] == pytest.approx(93 / 25)
    assert r["staffing_mean"] == pytest.approx(4.0) and r["services_mean"] == pytest.approx(3.5)
    assert r["review_number"] == 1 and r["change"] is None and r["latest"]
    assert found.not_scored.height == 0 and found.item_scores.height == 25


@pytest.mark.parametrize(
    ("scores", "total", "band"),
    [
        ([5] * 25, 125, "exemplary"),
        ([5] * 15 + [4] * 10, 115, "exemplary"),
        ([5] * 14 + [4] * 11, 114, "good"),
        ([4] * 25, 100, "good"),
        ([4] * 24 + [3], 99, "fair"),
        ([3] * 24 + [2], 74, "fair"),
        ([3] * 23 + [2, 2], 73, "not_ips"),
        ([1] * 25, 25, "not_ips"),
    ],
)
def test_totals_at_the_band_edges(scores: list[int], total: int, band: str):
    r = scoring.score_reviews(review("T", D(2021, 1, 1), scores)).reviews.row(0, named=True)
    assert (r["total"], r["band"]) == (total, band)


def test_missing_items_are_named_not_scored():
    rows = review("Brent", D(2021, 5, 4), {i: 4 for i in range(1, 26) if i not in (7, 12)})
    found = scoring.score_reviews(rows)
    assert found.reviews.height == 0
    r = found.not_scored.row(0, named=True)
    assert (r["team"], r["rows"], r["items_found"]) == ("Brent", 23, 23)
    assert r["reason"] == "items 7, 12 missing"


def test_out_of_range_scores_are_named_not_scored():
    found = scoring.score_reviews(review("Brent", D(2021, 5, 4), full(4, i9=7, i2=0)))
    assert found.reviews.height == 0
    assert (
        found.not_scored["reason"][0]
        == "item 2 scored 0 (scores are 1 to 5); item 9 scored 7 (scores are 1 to 5)"
    )


def test_duplicate_unknown_and_blank_items_are_named():
    rows = pl.concat(
        [
            review("Brent", D(2021, 5, 4), full(4)),
            review("Brent", D(2021, 5, 4), {4: 4, 30: 2}, first_row=27),  # item 4 again (same score)
            review("Brent", D(2021, 5, 4), {5: None}, first_row=29),  # item 5 again, no score
        ]
    )
    rows = pl.concat([rows, rows.head(1).with_columns(pl.lit(None, dtype=pl.Int64).alias("item"))])
    reason = scoring.score_reviews(rows).not_scored["reason"][0]
    assert reason == (
        "item 4 given 2 times; item 5 given 2 times; 1 row with no item number; "
        "item 30 not on the scale (items are 1 to 25); item 5 has no score"
    )


def test_validation_rejected_rows_are_tied_back_to_their_review():
    first = review(
        "Brent", D(2021, 5, 4), {i: 4 for i in range(1, 26) if i != 8}
    )  # rows 2..26 but row 9 gone
    first = first.with_columns(pl.Series("source_row", [r for r in range(2, 27) if r != 9]))
    second = review("Ealing", D(2021, 5, 4), full(3), first_row=27)  # complete: claims nothing
    problems = pl.DataFrame(
        {
            "table": ["fidelity", "clients"],
            "row": [9, 9],
            "column": ["score", "age"],
            "value": ["7", "200"],
            "message": ["above the maximum of 5", "above the maximum of 99"],
            "severity": ["error", "error"],
        }
    )
    found = scoring.score_reviews(pl.concat([first, second]), problems)
    assert found.reviews["team"].to_list() == ["Ealing"]
    assert found.not_scored["reason"][0] == (
        "item 8 missing; rejected when the data were checked: fidelity row 9 (score 7: above the maximum of 5)"
    )


def test_out_of_range_score_through_validation_and_store(tmp_path: Path):
    from ipseval.store import Store, import_dataset
    from ipseval.validate import load

    data = tmp_path / "data"
    data.mkdir()
    (data / "clients.csv").write_text("client_id,local_authority,referral_date\nc1,Brent,2021-01-04\n")
    lines = ["team,review_date,item,score,reviewer"]
    lines += [f"Brent,04/05/2021,{i},{7 if i == 9 else 4},JH" for i in range(1, 26)]
    (data / "fidelity.csv").write_text("\n".join(lines) + "\n")
    settings = Settings()
    ds = load(data, settings)
    assert ds.tables["fidelity"].height == 24
    db = tmp_path / "s.duckdb"
    import_dataset(db, ds.tables, settings, ds.data_cut, row_counts=ds.row_counts, problems=ds.problems)
    with Store(db) as store:
        tables = scoring.fidelity_tables(store, settings)
    assert tables["fidelity_reviews"].data.height == 0
    ns = tables["fidelity_not_scored"].data.row(0, named=True)
    assert ns["review_date"] == D(2021, 5, 4)
    assert ns["reason"] == (
        "item 9 missing; rejected when the data were checked: fidelity row 10 (score 7: above the maximum of 5)"
    )


def test_trend_numbers_reviews_and_takes_the_change():
    rows = pl.concat(
        [
            review("Brent", D(2021, 11, 4), full(4)),  # 100
            review(" brent", D(2019, 11, 8), full(3), first_row=30),  # same team, other spelling: 75
            review("Ealing", D(2020, 1, 1), full(5), first_row=60),
        ]
    )
    found = scoring.score_reviews(rows)
    r = found.reviews.sort("team", "review_date")
    assert r["team"].to_list() == ["Brent", "Brent", "Ealing"]  # the first spelling in the file
    assert r["review_number"].to_list() == [1, 2, 1]
    assert r["change"].to_list() == [None, 25, None]
    assert r["latest"].to_list() == [False, True, True]
    trend = review_tables.tables_from_reviews(found)["fidelity_trend"].data.sort("team")
    assert trend.select("reviews", "first_total", "latest_total", "change", "direction").rows() == [
        (2, 75, 100, 25, "up"),
        (1, 125, 125, None, "one review"),
    ]
    profile = review_tables.tables_from_reviews(found)["fidelity_items"].data
    brent = profile.filter(pl.col("team") == "Brent")
    assert brent.height == 25 and set(brent["previous_score"]) == {3} and set(brent["change"]) == {1}


def test_lowest_items_keep_whole_ties():
    scores = [(i, 5) for i in range(1, 26)]
    scores[2] = (3, 1)
    scores[4], scores[5] = (5, 2), (6, 2)
    scores[6], scores[7], scores[8] = (7, 3), (8, 3), (9, 3)
    listed, rest = scoring.lowest_items(scores)
    # 1 + 2 + 3 items: the level at 3 is kept whole although it takes the list past 5
    assert listed == [(3, 1, 1), (5, 2, 2), (6, 2, 2), (7, 3, 4), (8, 3, 4), (9, 3, 4)]
    assert rest is None


def test_lowest_items_summarise_a_tie_too_big_to_list():
    scores = [(1, 2)] + [(i, 4) for i in range(2, 17)] + [(i, 5) for i in range(17, 26)]
    listed, rest = scoring.lowest_items(scores)
    assert listed == [(1, 2, 1)]
    assert rest == (4, list(range(2, 17)), 2)
    assert scoring.lowest_items([(i, 5) for i in range(1, 26)]) == ([], None)


def test_lowest_table_for_each_team_and_all_teams():
    rows = pl.concat(
        [
            review("A", D(2021, 1, 1), full(5, i1=2, i2=3)),
            review("B", D(2021, 1, 1), full(5, i1=4, i3=3), first_row=40),
        ]
    )
    t = review_tables.tables_from_reviews(scoring.score_reviews(rows))["fidelity_lowest"].data
    a = t.filter(pl.col("team") == "A")
    assert a.select("rank", "item", "score").rows() == [(1, 1, 2.0), (2, 2, 3.0)]
    assert a["good"][0] == items.item(1).good
    all_teams = t.filter(
        pl.col("team") == review_tables.ALL_TEAMS
    )  # means: item 1 3.0, item 2 4.0, item 3 4.0
    assert all_teams.select("rank", "item", "score").rows() == [(1, 1, 3.0), (2, 2, 4.0), (2, 3, 4.0)]
    assert all_teams["review_date"].null_count() == 3


# ---------------------------------------------------------------------------------------- evidence


@pytest.fixture
def evidence_store(make_store):
    clients = pl.DataFrame(
        {
            "client_id": ["c1", "c2", "c3", "c4", "c5"],
            "local_authority": ["A", "A", "A", "B", "B"],
            "referral_date": [D(2021, 1, 4), D(2021, 1, 18), D(2021, 3, 1), D(2021, 1, 5), D(2021, 5, 3)],
            "engagement_date": [D(2021, 1, 11), D(2021, 1, 25), None, D(2021, 1, 6), None],
            "discharge_date": [None, D(2021, 2, 15), None, None, CUT],
        }
    )
    meetings = pl.DataFrame(
        {
            "client_id": ["c1", "c1", "c1", "c2", "c4", "c4"],
            "meeting_date": [
                D(2021, 1, 11),
                D(2021, 2, 8),
                D(2021, 5, 10),
                D(2021, 1, 25),
                D(2021, 1, 6),
                D(2021, 1, 20),
            ],
            "attended": [True, True, True, True, True, False],
        }
    )
    staff = pl.DataFrame(
        {
            "employment_specialist_id": ["S1", "S2", "S3", "S4"],
            "local_authority": ["A", "A", " b", None],  # ' b' is area B
            "fte": [1.0, 0.5, 1.0, None],
            "start_date": [D(2021, 1, 1), D(2021, 1, 1), D(2021, 1, 1), D(2021, 4, 1)],
            "end_date": [None, D(2021, 3, 31), None, None],
        }
    )
    contacts = pl.DataFrame(
        {
            "employment_specialist_id": ["S1", "S1", "S1", "S3", "S3", "S3", "S3", "S4", "S9"],
            "contact_date": [
                D(2021, 1, 15),
                D(2021, 2, 10),
                D(2021, 3, 10),
                D(2021, 4, 6),
                D(2021, 4, 13),
                D(2021, 5, 4),
                D(2021, 6, 1),
                D(2021, 4, 10),
                D(2021, 2, 1),
            ],
            "employer": ["x"] * 9,
            "face_to_face": [True, True, None, True, True, True, True, True, False],
        }
    )
    employers = [
        "Acme Ltd", "ACME Limited", " acme ", "Delta PLC", "Delta", "Cedar Stores",
        "Elm & Co", "Elm", "Fir Group", "Gorse Kitchen", "Hazel Care", None,
    ]  # fmt: skip
    sectors = ["retail"] * 5 + ["Retail "] + ["care"] * 3 + ["hospitality"] * 2 + ["cleaning"]
    starts = [D(2021, 1, 10) + timedelta(days=9 * k) for k in range(12)]  # 01-10 .. 04-18
    jobs = pl.DataFrame(
        {
            "client_id": ["c1"] * 6 + ["c3"] * 6 + ["c4"],
            "start_date": [*starts[:6], *[max(s, D(2021, 3, 2)) for s in starts[6:]], D(2021, 5, 15)],
            "employer": [*employers, "Oak"],
            "sector": [*sectors, "care"],
            "self_employed": [False] * 11 + [True, False],
        }
    )
    fidelity = review("a ", D(2021, 4, 30), full(3, i1=5, i17=5, i20=5)).drop("source_row")
    tables = {
        "clients": clients,
        "meetings": meetings,
        "staff": staff,
        "employer_contacts": contacts,
        "jobs": jobs,
        "fidelity": fidelity,
    }
    return make_store(tables, CUT)


def by(df: pl.DataFrame, **match: object) -> dict:
    out = df
    for k, v in match.items():
        out = out.filter(pl.col(k) == v)
    assert out.height == 1, match
    return out.row(0, named=True)


def test_caseload_per_fte_by_hand(evidence_store):
    t = evidence.evidence_tables(evidence_store, Settings())["evidence_caseload"].data
    assert t.filter(pl.col("breakdown") == "overall")["date"].to_list() == [
        D(2021, 1, 31), D(2021, 2, 28), D(2021, 3, 31), D(2021, 4, 30), D(2021, 5, 31), D(2021, 6, 30),
    ]  # fmt: skip
    jan = by(t, group="A", date=D(2021, 1, 31))
    assert (jan["on_caseload"], jan["active"], jan["specialists"], jan["fte"]) == (2, 2, 2, 1.5)
    assert jan["caseload_per_fte"] == pytest.approx(2 / 1.5) and jan["implied_score"] == 5
    assert by(t, group="A", date=D(2021, 2, 28))["on_caseload"] == 1  # c2 discharged 02-15
    apr = by(t, group="A", date=D(2021, 4, 30))  # S2 has left: FTE 1.0
    assert (apr["on_caseload"], apr["active"], apr["fte"], apr["caseload_per_fte"]) == (2, 2, 1.0, 2.0)
    may_a = by(t, group="A", date=D(2021, 5, 31))  # c3: referred 91 days before, never met: not active
    assert (may_a["on_caseload"], may_a["active"]) == (2, 1)
    may_b = by(t, group="B", date=D(2021, 5, 31))  # c4's last attended meeting 01-06 (01-20 missed)
    assert (may_b["on_caseload"], may_b["active"]) == (2, 1)
    jun_b = by(t, group="B", date=D(2021, 6, 30))  # c5 discharged on the day: off the caseload
    assert (jun_b["on_caseload"], jun_b["active"]) == (1, 0)
    unassigned = by(t, group=records.UNASSIGNED, date=D(2021, 6, 30))  # S4: no area, blank FTE = 1
    assert (unassigned["on_caseload"], unassigned["specialists"], unassigned["fte"]) == (0, 1, 1.0)
    assert by(t, breakdown="overall", date=D(2021, 6, 30))["fte"] == 3.0


def test_employer_contacts_per_fte_week_by_hand(evidence_store):
    table = evidence.evidence_tables(evidence_store, Settings())["evidence_contacts"]
    t = table.data
    assert t["quarter"].unique().sort().to_list() == ["2021-Q1", "2021-Q2"]
    q1 = by(t, group="A", quarter="2021-Q1")  # 90 days: S1 1.0 and S2 0.5 FTE
    assert q1["fte_weeks"] == pytest.approx(1.5 * 90 / 7)
    assert (q1["contacts"], q1["face_to_face"], q1["f2f_recorded"], q1["f2f_share"]) == (3, 2, 2, 1.0)
    assert q1["f2f_per_fte_week"] == pytest.approx(2 / (1.5 * 90 / 7))
    q2 = by(t, group="B", quarter="2021-Q2")  # 91 days = 13 weeks
    assert q2["fte_weeks"] == pytest.approx(13) and q2["f2f_per_fte_week"] == pytest.approx(4 / 13)
    assert by(t, group=records.UNASSIGNED, quarter="2021-Q2")["contacts"] == 1
    overall_q1 = by(t, breakdown="overall", quarter="2021-Q1")
    assert overall_q1["contacts"] == 3  # S9 is not in the staff table: left out, and said so
    assert any("1 employer contact was by specialists not in the staff table" in n for n in table.notes)


def test_job_diversity_and_sectors_by_hand(evidence_store):
    tables = evidence.evidence_tables(evidence_store, Settings())
    t = tables["evidence_job_diversity"].data
    a = by(t, period="all", group="A")
    assert (a["job_starts"], a["self_employed"], a["with_employer"], a["distinct_employers"]) == (
        12,
        1,
        11,
        7,
    )
    assert a["employer_share"] == pytest.approx(7 / 11) and a["employer_implied_score"] == 3  # 64%
    assert (a["with_sector"], a["distinct_sectors"]) == (12, 4)
    assert a["sector_share"] == pytest.approx(4 / 12) and a["sector_implied_score"] == 1
    b = by(t, period="all", group="B")
    assert (b["job_starts"], b["employer_implied_score"]) == (1, None)  # fewer than 10 job starts
    sectors = tables["evidence_job_sectors"].data.filter(pl.col("period") == "all")
    assert dict(sectors.select("sector", "job_starts").iter_rows()) == {
        "retail": 6,
        "care": 4,
        "hospitality": 2,
        "cleaning": 1,
    }


def test_meetings_in_the_first_3_months_by_hand(evidence_store):
    t = evidence.evidence_tables(evidence_store, Settings())["evidence_first_meetings"].data
    a = by(t, group="A")  # c1: 01-11, 02-08 (05-10 is after 3 months); c2: 01-25; c3: none
    assert (a["clients"], a["meetings"], a["clients_no_meeting"], a["median_meetings"]) == (3, 3, 1, 1.0)
    assert a["mean_meetings"] == pytest.approx(1.0) and a["share_no_meeting"] == pytest.approx(1 / 3)
    overall = by(t, breakdown="overall")  # c5 referred less than 91 days before the cut: left out
    assert (overall["clients"], overall["meetings"], overall["clients_6_plus"]) == (4, 4, 0)


def test_reviewer_scores_beside_the_records(evidence_store):
    t = evidence.evidence_tables(evidence_store, Settings())["evidence_comparison"].data
    assert t["item"].to_list() == [1, 15, 17, 19, 20]
    assert set(t["team"]) == {"a"}  # matched to area A despite case and spacing
    one = by(t, item=1)  # 2 on the caseload, 1.0 FTE on 04-30
    assert (one["value"], one["n"], one["implied_score"], one["difference"], one["flag"]) == (
        2.0,
        2,
        5,
        0,
        False,
    )
    rapid = by(t, item=15)
    assert rapid["implied_score"] is None and rapid["note"].startswith("not in the records")
    contacts = by(t, item=17)  # 01-29..04-29: one f2f (02-10); FTE-weeks 13 (S1) + 0.5 x 62 / 7 (S2)
    assert (contacts["window_start"], contacts["window_end"]) == (D(2021, 1, 29), D(2021, 4, 29))
    assert contacts["value"] == pytest.approx(1 / (13 + 0.5 * 62 / 7))
    assert (contacts["implied_score"], contacts["bound"], contacts["flag"]) == (1, "at most", True)
    types = by(t, item=19)  # 4 sectors / 12 = 33% -> 1; reviewer 3 is above the floor: no flag
    assert (types["implied_score"], types["bound"], types["difference"], types["flag"]) == (
        1,
        "at least",
        2,
        False,
    )
    employers = by(t, item=20)  # 7 / 11 = 64% -> 3; reviewer 5: two points apart
    assert (employers["implied_score"], employers["difference"], employers["flag"]) == (3, 2, True)


def test_unmatched_team_names(make_store):
    clients = pl.DataFrame({"client_id": ["c1"], "local_authority": ["A"], "referral_date": [D(2021, 1, 4)]})
    one = review("West London IPS", D(2021, 4, 30), full(3)).drop("source_row")
    store = make_store({"clients": clients, "fidelity": one}, CUT)
    targets = comparison.targets(store, ["West London IPS"])
    assert targets["West London IPS"].breakdown == "overall"  # no team matches: the whole service
    t = comparison.comparison_table(store).data
    assert by(t, item=1)["note"].startswith("no area has this team's name")
    mixed = comparison.targets(store, ["A", "Elsewhere"])
    assert mixed["A"].group == "A" and mixed["Elsewhere"].breakdown is None


def test_disclosure_covers_every_count(evidence_store):
    """Every number about people is a declared count or rests on one; only staffing is shown in full."""
    staffing = {"specialists", "fte", "fte_weeks", "reviewer_score"}
    tables = evidence.evidence_tables(evidence_store, Settings())
    for t in tables.values():
        assert t.about_people
        numeric = [c for c, d in t.data.schema.items() if d.is_numeric() and c not in t.dims]
        loose = [c for c in numeric if c not in t.protected_columns and c not in staffing]
        assert not loose, (t.key, loose)
    policy = Disclosure(policy="ndtms")
    caseload = protect(tables["evidence_caseload"], policy)
    jan = caseload.data.with_row_index().filter((pl.col("group") == "A") & (pl.col("date") == D(2021, 1, 31)))
    i = jan["index"][0]
    assert caseload.is_hidden(i, "on_caseload") and caseload.is_hidden(i, "caseload_per_fte")
    comparison = protect(tables["evidence_comparison"], policy)
    assert "n" not in comparison.data.columns
    row = comparison.data["item"].to_list().index(1)  # rests on 2 people: hidden
    assert comparison.is_hidden(row, "value") and comparison.is_hidden(row, "flag")
    fid = protect(scoring.fidelity_tables(evidence_store, Settings())["fidelity_reviews"], policy)
    assert fid.data["total"].to_list() == [22 * 3 + 3 * 5]  # a team's scores, not about people: shown


# ---------------------------------------------------------------------------------------- form


def test_form_round_trip(tmp_path: Path):
    from ipseval.validate import load

    path = write_fidelity_form(tmp_path / "team.xlsx", team="Brent", review_date=D(2023, 5, 4))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["readme", "fidelity"]
    ws = wb["fidelity"]
    header = [c.value for c in ws[1]]
    assert header == [*FIDELITY.column_names, *REFERENCE_COLUMNS]
    assert [ws.cell(row=r, column=3).value for r in range(2, 27)] == list(range(1, 26))
    assert ws.cell(row=2, column=7).value == "Caseload size"
    assert all(ws.cell(row=r, column=4).value is None for r in range(2, 27))  # scores left blank
    for r in range(2, 27):  # scores 3,4,5,1,2,3,... : total 3*5 + 4*5 + 5*5 + 1*5 + 2*5 = 75
        ws.cell(row=r, column=4).value = (r % 5) + 1
    clients = wb.create_sheet("clients")
    clients.append(["client_id", "local_authority", "referral_date"])
    clients.append(["c1", "Brent", D(2023, 1, 9)])
    wb.save(path)

    ds = load(path)
    errors = ds.problems.filter(pl.col("severity") == "error")
    assert errors.height == 0
    assert set(ds.problems["column"]) == set(REFERENCE_COLUMNS)  # reference columns: "not used" warnings
    rows = ds.tables["fidelity"].rename({"_row": "source_row"})
    found = scoring.score_reviews(rows)
    r = found.reviews.row(0, named=True)
    assert (r["team"], r["review_date"], r["total"], r["band"]) == ("Brent", D(2023, 5, 4), 75, "fair")


def test_blank_form_and_refusals(tmp_path: Path):
    path = write_fidelity_form(tmp_path / "blank.xlsx")
    ws = openpyxl.load_workbook(path)["fidelity"]
    assert ws.cell(row=2, column=1).value is None and ws.cell(row=2, column=2).value is None
    with pytest.raises(FileExistsError):
        write_fidelity_form(path)
    write_fidelity_form(path, team="Ealing", overwrite=True)
    assert openpyxl.load_workbook(path)["fidelity"].cell(row=26, column=1).value == "Ealing"
    with pytest.raises(ValueError, match="xlsx"):
        write_fidelity_form(tmp_path / "form.csv")


# ---------------------------------------------------------------------------------------- demo


def test_demo_fidelity_and_evidence(demo_store_and_settings):
    from ipseval.evaluation import Evaluation, EvaluationMeta
    from ipseval.report import environment
    from ipseval.report.outputs import results_json
    from ipseval.report.sections import fidelity as section

    store, settings = demo_store_and_settings
    tables = scoring.fidelity_tables(store, settings) | evidence.evidence_tables(store, settings)
    assert set(tables) == {
        "fidelity_reviews",
        "fidelity_not_scored",
        "fidelity_items",
        "fidelity_item_summary",
        "fidelity_trend",
        "fidelity_lowest",
        "evidence_caseload",
        "evidence_contacts",
        "evidence_job_diversity",
        "evidence_job_sectors",
        "evidence_first_meetings",
        "evidence_comparison",
    }
    reviews = tables["fidelity_reviews"].data
    # the demo injects one score of 7: that review is named, the other 11 are scored
    assert reviews.height == 11 and tables["fidelity_not_scored"].data.height == 1
    assert tables["fidelity_not_scored"].data["reason"][0].endswith(" missing")
    assert reviews["total"].is_between(25, 125).all()
    assert tables["evidence_comparison"].data.height == 11 * len(comparison.EVIDENCE_ITEMS)

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
    pub = Evaluation(meta=meta, tables=tables).publish()
    out = results_json(pub)["tables"]
    for key, t in tables.items():  # results.json carries every row and every column (but internal ones)
        assert len(out[key]["rows"]) == t.data.height
        assert set(out[key]["columns"]) == set(t.data.columns) - set(t.internal)
    data = section.build(pub)
    html = environment().get_template("sections/fidelity.html.j2").render(pub=pub, data=data, section=section)
    assert html.count("<svg") == 4  # trend, item profile, caseload, contacts
    assert "Not scored." in html and "Evidence from the records" in html
