"""A wellbeing answer given twice (same client, date and measure) is a warning on the repeating row,
naming the row it repeats; worked out by hand on a tiny file."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.settings import Settings
from ipseval.validate import load
from test_validate_wellbeing import HEAD, folder

ROWS = (
    "A,2020-01-06,SWEMWBS,total,20\n"  # row 2
    "A,2020-01-06,SWEMWBS,total,20\n"  # row 3: repeats row 2, same score
    "A,2020-01-06, swemwbs ,Total,22\n"  # row 4: repeats row 2 as the analysis folds it, another score
    "A,2020-01-07,SWEMWBS,total,20\n"  # row 5: another date
    "A,2020-01-06,SWEMWBS,total,99\n"  # row 6: out of range (an error): not compared
    "A,2020-01-06,TOP,psychological_health,12\n"  # row 7: another measure
)


def repeats(ds) -> list[tuple]:
    p = ds.problems.filter(pl.col("message").str.starts_with("repeats row"))
    return [(r["row"], r["severity"], r["message"]) for r in p.sort("row").iter_rows(named=True)]


def test_repeated_answers_are_warnings_naming_the_row_they_repeat(tmp_path):
    ds = load(folder(tmp_path, HEAD + ROWS), Settings())
    assert repeats(ds) == [
        (
            3,
            "warning",
            "repeats row 2 (same client, date and measure) with the same score: read as one answer",
        ),
        (
            4,
            "warning",
            "repeats row 2 (same client, date and measure) with another score: the two are averaged",
        ),
    ]
    r = ds.row_counts.filter(pl.col("table") == "wellbeing").row(0, named=True)
    assert (r["rows_read"], r["rows_used"], r["rows_rejected"]) == (6, 5, 1)  # warnings reject nothing


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.integers(1, 3), st.integers(7, 35)), max_size=25))
def test_every_row_but_the_first_of_each_answer_is_named_once(tmp_path_factory, answers):
    tmp_path = tmp_path_factory.mktemp("w")
    clients = "client_id,local_authority,referral_date\nA,Leeds,2020-01-01\nB,Leeds,2020-01-01\n"
    rows = "".join(f"{c},2020-02-0{d},SWEMWBS,total,{s}\n" for c, d, s in answers)
    ds = load(folder(tmp_path, HEAD + rows, **{"clients.csv": clients}), Settings())
    firsts = {}
    for i, (c, d, s) in enumerate(answers):
        firsts.setdefault((c, d), (i + 2, s))
    expected = [
        (i + 2, "warning", f"repeats row {firsts[(c, d)][0]} (same client, date and measure) with "
         + ("the same score: read as one answer" if s == firsts[(c, d)][1] else "another score: the two are averaged"))
        for i, (c, d, s) in enumerate(answers)
        if firsts[(c, d)][0] != i + 2
    ]  # fmt: skip
    assert repeats(ds) == expected
