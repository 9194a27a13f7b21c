"""Wellbeing scores outside their measure's range are errors on their row at validation, and the
wellbeing analysis uses exactly the rows it used before (it always left them out)."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ipseval.settings import Settings, Wellbeing
from ipseval.validate import load
from ipseval.wellbeing import load_measures, pair

CLIENTS = "client_id,local_authority,referral_date,engagement_date\nA,Leeds,2020-01-01,2020-01-05\n"
HEAD = "client_id,assessment_date,instrument,measure,score\n"
ROWS = (
    "A,2020-01-06,TOP,psychological_health,12\n"  # row 2: in range
    "A,2020-01-06,TOP,psychological_health,45\n"  # row 3: TOP psychological health is 0-20
    "A,2020-01-06, top ,Days_Alcohol,31\n"  # row 4: 0-28; case and spaces as the analysis ignores them
    "A,2020-01-06,TOP,days_alcohol,28\n"  # row 5: on the edge, in range
    "A,2020-01-06,SURE,total,20\n"  # row 6: SURE total is 21-63
    "A,2020-01-06,Own,made_up,500\n"  # row 7: no definition: not checked (nor analysed)
)


def folder(tmp_path: Path, wellbeing: str = HEAD + ROWS, **extra: str) -> Path:
    root = tmp_path / "data"
    root.mkdir(exist_ok=True)
    (root / "clients.csv").write_text(CLIENTS, encoding="utf-8")
    (root / "wellbeing.csv").write_text(wellbeing, encoding="utf-8")
    for name, text in extra.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def problems(ds) -> list[tuple]:
    # the range checks' problems (a repeated answer's warning is tested in test_validate_repeats)
    p = ds.problems.filter(pl.col("table") == "wellbeing", ~pl.col("message").str.starts_with("repeats row"))
    return [
        (r["row"], r["column"], r["value"], r["expected"], r["severity"]) for r in p.iter_rows(named=True)
    ]


def test_scores_outside_the_range_of_a_known_measure_are_errors_on_their_row(tmp_path):
    ds = load(folder(tmp_path), Settings())
    assert problems(ds) == [
        (3, "score", "45", "a score from 0 to 20 (TOP psychological_health)", "error"),
        (4, "score", "31", "a score from 0 to 28 (TOP days_alcohol)", "error"),
        (6, "score", "20", "a score from 21 to 63 (SURE total)", "error"),
    ]
    msg = ds.problems.filter(pl.col("row") == 3)["message"][0]
    assert "45" in msg and "above" in msg and "0 to 20" in msg
    assert "below" in ds.problems.filter(pl.col("row") == 6)["message"][0]
    r = ds.row_counts.filter(pl.col("table") == "wellbeing").row(0, named=True)
    assert (r["rows_read"], r["rows_used"], r["rows_rejected"]) == (6, 3, 3)
    assert r["rows_read"] == r["rows_used"] + r["rows_rejected"]


def test_a_measures_file_sets_the_range_checked(tmp_path):
    measures = (
        "instrument,measure,min,max,higher_is_better,domain\n"
        "Own,made_up,0,100,yes,\n"
        "TOP,psychological_health,0,50,yes,mental_health\n"  # replaces the built-in range
    )
    root = folder(tmp_path, **{"measures.csv": measures})
    s = Settings.model_validate({"wellbeing": {"measures_file": str(root / "measures.csv")}})
    got = [(row, value) for row, _, value, _, _ in problems(load(root, s))]
    assert got == [(4, "31"), (6, "20"), (7, "500")]


def test_an_unreadable_measures_file_checks_nothing_here(tmp_path):
    s = Settings.model_validate({"wellbeing": {"measures_file": str(tmp_path / "absent.csv")}})
    assert problems(load(folder(tmp_path), s)) == []  # evaluate names the missing file itself


def test_the_analysis_uses_the_same_rows_as_before(tmp_path):
    """Pairing the validated rows gives what pairing every row gave (it left the same rows out)."""
    ds = load(folder(tmp_path), Settings())
    raw = pl.read_csv(folder(tmp_path).joinpath("wellbeing.csv"), try_parse_dates=True)
    raw = raw.with_columns(pl.col("score").cast(pl.Float64))
    engaged = pl.DataFrame({"client_id": ["A"], "engagement_date": [date(2020, 1, 5)]})
    m = load_measures(Settings())
    before = pair(raw, engaged, m, Wellbeing(), date(2021, 1, 1)).records
    after = pair(ds.tables["wellbeing"], engaged, m, Wellbeing(), date(2021, 1, 1)).records

    def used(records: pl.DataFrame) -> dict[str, int]:
        return {r["key"]: r["used"] for r in records.iter_rows(named=True) if r["used"]}

    assert used(before) == used(after) == {"top|psychological_health": 1, "top|days_alcohol": 1}
    assert int(before["out_of_range"].sum()) == 3 and int(after["out_of_range"].sum()) == 0


def _in_pieces(s: pl.Series, cuts: list[int]) -> pl.Series:
    """``s`` as many chunks (as a file read in parts gives), cut at ``cuts``."""
    edges = [0, *sorted(set(cuts)), len(s)]
    return pl.concat([s.slice(a, b - a) for a, b in itertools.pairwise(edges)], rechunk=False)


@settings(max_examples=40, deadline=None)
@given(
    scores=st.lists(st.integers(0, 7), min_size=1, max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=40),
)
def test_the_range_check_gives_the_same_answer_on_series_of_many_chunks(scores, cuts) -> None:
    # a real extract's SWEMWBS item scored 6 crashed validate (a polars panic on a score series
    # of 33 chunks, some empty once filtered): every chunking must give the contiguous answer
    from ipseval.validate_wellbeing import measure_ranges, out_of_range

    ranges = measure_ranges(Settings())
    n = len(scores)
    cuts = [c for c in cuts if c <= n]
    instrument = pl.Series(["SWEMWBS", "TOP"] * n)[:n]
    measure = pl.Series(["item_04", "days_alcohol"] * n)[:n]
    score = pl.Series(scores, dtype=pl.Float64)
    whole = out_of_range(instrument, measure, score, ranges)
    pieces = out_of_range(_in_pieces(instrument, cuts), measure, _in_pieces(score, cuts), ranges)
    for a, b in zip(whole, pieces, strict=True):
        assert a.to_list() == b.to_list()
