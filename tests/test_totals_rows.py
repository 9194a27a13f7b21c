"""Totals an export writes beside the items they add up are checked, never used (ingest.totals): a
totals row under the rows it totals, on tiny files worked out by hand with words unlike trial 5's."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest.propose import propose
from ipseval.ingest.propose_toml import proposal_toml
from ipseval.ingest.totals import agrees, total_problem
from ipseval.settings import Settings
from ipseval.validate import load

CLIENTS = "client_id,local_authority,referral_date\nC1,Leeds,2023-01-02\nC2,Hull,2023-01-03\n"
# row: hand-worked
FIDELITY = (
    "team,review_date,item,score\n"  # 1
    "Leeds,2024-03-01,1,4\n"  # 2
    "Leeds,2024-03-01,2,3\n"  # 3
    "Leeds,2024-03-01,3,5\n"  # 4
    "Subtotal,,,12\n"  # 5: rows 2-4 = 12, agrees
    "Leeds,2024-03-01,4,2\n"  # 6
    "Leeds,2024-03-01,5,4\n"  # 7
    "Sub-total,,,7\n"  # 8: rows 6-7 = 6, not 7
    "Total,,,18\n"  # 9: rows 2-7 (the subtotals' rows) = 18, agrees
    "\n"
    "Hull,2024-03-02,1,3\n"  # 11
    "Hull,2024-03-02,2,3\n"  # 12
    "Total,,,7\n"  # 13: rows 11-12 = 6, not 7
    "Grand total,,,24\n"  # 14: every row, 18 + 6 = 24, agrees
    "Average,,,3.4\n"  # 15: not a total: not checked
)


def _folder(tmp_path: Path, **files: str) -> Path:
    root = tmp_path / "data"
    root.mkdir(parents=True)
    (root / "clients.csv").write_text(CLIENTS, encoding="utf-8")
    for name, text in files.items():
        (root / f"{name}.csv").write_text(text, encoding="utf-8")
    return root


def _warnings(ds, table: str) -> list[tuple]:
    p = ds.problems.filter(
        (pl.col("table") == table) & pl.col("expected").str.contains("the sum of its items")
    )
    return [(r["row"], r["column"], r["value"], r["expected"]) for r in p.iter_rows(named=True)]


def test_a_totals_row_that_is_not_the_sum_of_the_rows_it_totals_is_named(tmp_path):
    ds = load(_folder(tmp_path, fidelity=FIDELITY), Settings())
    assert _warnings(ds, "fidelity") == [
        (8, "score", "7", "6, the sum of its items (score on rows 6-7)"),
        (13, "score", "7", "6, the sum of its items (score on rows 11-12)"),
    ]
    row8 = ds.problems.filter((pl.col("row") == 8) & (pl.col("column") == "score")).row(0, named=True)
    assert row8["severity"] == "warning"
    assert row8["message"].startswith("the total written in the file, 7, is not the sum of its 2 items")
    assert "which is 6 (+1)" in row8["message"] and "does not use the written one" in row8["message"]
    r = ds.row_counts.filter(pl.col("table") == "fidelity").row(0, named=True)
    assert (r["rows_read"], r["rows_used"], r["rows_rejected"]) == (7, 7, 0)  # totals rows are no rows


def test_the_total_of_any_number_column_is_checked(tmp_path):
    """A jobs export's footer: 'TOTAL (3 jobs)' with 45.5 under the hours, which add up to 45.5
    written as 16 + 22.5 + 7: agrees; the same footer with 50 does not."""
    jobs = "client_id,start_date,hours_per_week\nC1,2023-02-01,16\nC2,2023-03-01,22.5\nC1,2023-04-01,7\n"
    ok = load(_folder(tmp_path / "a", jobs=jobs + "TOTAL (3 jobs),,45.5\n"), Settings())
    assert _warnings(ok, "jobs") == []
    bad = load(_folder(tmp_path / "b", jobs=jobs + "TOTAL (3 jobs),,50\n"), Settings())
    assert _warnings(bad, "jobs") == [
        (5, "hours_per_week", "50", "45.5, the sum of its items (hours_per_week on rows 2-4)")
    ]


def test_map_leaves_totals_rows_out_of_the_evidence_and_says_so(tmp_path):
    p = propose(_folder(tmp_path, **{"team reviews": FIDELITY}))
    t = next(t for t in p.tables if t.standard == "fidelity")
    score = next(c for c in t.columns if c.local == "score")
    assert (score.evidence.low, score.evidence.high) == (2, 5)  # 12, 18, 24 are totals, not scores
    assert not [g for g in score.codes if g.code == ""]  # no total proposed as 'not recorded'
    toml = proposal_toml(p)
    assert (
        "# 'team reviews.csv': 6 totals rows ('Subtotal', 'Sub-total', 'Total', 'Grand total', 'Average')"
        in toml
    )
    assert "checks each total against the rows it adds up" in toml


def test_a_total_agrees_to_the_decimals_it_is_written_with():
    assert agrees("121.5", [100.25, 21.21])  # 121.46
    assert agrees("121", [100.25, 21.21]) and not agrees("122", [100.25, 21.21])
    assert not agrees("121.4", [100.25, 21.21])
    assert agrees("7", [3, 4]) and not agrees("8", [3, 4])
    assert total_problem(2, "score", "n/a", [1, 2], "x") is None  # not a number: no total to check


@hsettings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=25), st.integers(-3, 3))
def test_a_total_is_named_exactly_when_it_differs_from_the_sum(scores, off):
    found = total_problem(9, "score", str(sum(scores) + off), scores, "score on rows 1-8")
    assert (found is None) == (off == 0)
    if found is not None:
        assert found.expected.startswith(f"{sum(scores)}, the sum of its items")


def _mapped(root: Path):
    """map's proposal for ``root`` written as its ipseval.toml, then validate with it."""
    from ipseval.settings import load_settings

    p = propose(root)
    (root / "ipseval.toml").write_text(proposal_toml(p), encoding="utf-8")
    return p, load(root, load_settings(root / "ipseval.toml"))


def test_an_items_down_sheets_total_row_is_proposed_as_total_and_checked(tmp_path):
    grid = (
        "Item,Description,Leeds Mar-2024,Hull Apr-2024\n"
        "1,Caseload size,4,3\n"
        "2,Vocational services staff,5,3\n"
        "3,Vocational generalists,3,2\n"
        "Total,,12,9\n"  # row 5: Leeds 4 + 5 + 3 = 12 agrees; Hull 3 + 3 + 2 = 8, not 9
    )
    p, ds = _mapped(_folder(tmp_path, **{"fidelity grid": grid}))
    (w,) = p.wide
    assert w.rows["Total"][0] == "total"
    assert _warnings(ds, "fidelity") == [
        (5, "score", "9", "8, the sum of its items (the 3 item scores of column D 'Hull Apr-2024')")
    ]
    assert ds.tables["fidelity"].height == 6  # the total row gives no item


def test_an_items_across_files_total_column_is_proposed_as_total_and_checked(tmp_path):
    reviews = (
        "Team,Review Date,Item 1,Item 2,Item 3,Total score\n"
        "Leeds,2024-03-01,4,5,3,12\n"  # row 2: agrees
        "Hull,2024-04-01,3,3,2,9\n"  # row 3: 8, not 9
        "York,2024-05-01,3,,2,4\n"  # row 4: an item blank: not checked
    )
    p, ds = _mapped(_folder(tmp_path, **{"fidelity reviews": reviews}))
    (w,) = p.wide
    assert w.total is not None and w.total[0] == "Total score" and "Total score" not in w.items
    assert 'total = "Total score"  # ' in proposal_toml(p)
    assert _warnings(ds, "fidelity") == [
        (3, "score", "9", "8, the sum of its items (the 3 item columns of row 3)")
    ]
    msg = ds.problems.filter(pl.col("value") == "9")["message"][0]
    assert msg.startswith("column 'Total score': the total written in the file, 9")
    assert set(ds.tables["fidelity"]["item"].to_list()) == {1, 2, 3}  # the total is no item


def test_a_wide_wemwbs_file_gives_its_items_and_its_total_is_checked(tmp_path):
    header = "Client,Date," + ",".join(f"Q{k}" for k in range(1, 15)) + ",Total\n"
    a = [3] * 14  # 42, written 42: agrees
    b = [2] * 13 + [5]  # 31, written 30
    rows = f"C1,2023-02-01,{','.join(map(str, a))},42\nC2,2023-02-01,{','.join(map(str, b))},30\n"
    p, ds = _mapped(_folder(tmp_path, **{"WEMWBS forms": header + rows}))
    (w,) = p.wide
    assert w.instrument == "WEMWBS" and w.items["Q1"][0] == "item_01" and w.items["Total"][0] == "total"
    totals = ds.problems.filter(pl.col("expected").str.contains("sum of its parts"))
    assert totals.select("row", "value", "expected").rows() == [(3, "30", "31, the sum of its parts (row 3)")]
    used = ds.tables["wellbeing"].filter(pl.col("measure") == "total").sort("client_id")["score"].to_list()
    assert used == [42.0, 31.0]
