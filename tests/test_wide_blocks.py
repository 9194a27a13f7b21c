"""Wide files whose columns repeat once per review ([mapping.wide.<table>] blocks): one row per
client, the baseline's columns then each review's beside them ('Review Date', 'Review Date.1', ...).
Every block is read, problems name the file's row and the block's own column, and ``ipseval map``
proposes the blocks so that its unedited proposal reads every review."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from ipseval.ingest import InputError, read_source
from ipseval.settings import Settings, load_settings
from ipseval.validate import validate

STATEMENTS = [
    "I've been feeling optimistic about the future",
    "I've been feeling useful",
    "I've been feeling relaxed",
    "I've been dealing with problems well",
    "I've been thinking clearly",
    "I've been feeling close to other people",
    "I've been able to make up my own mind about things",
]
BLOCK = ["Review Point", "Review Date", *STATEMENTS, "Raw Score", "Metric Score"]
HEADER = ["Person ID", "Locality", *BLOCK, *(f"{c}.1" for c in BLOCK), *(f"{c}.2" for c in BLOCK)]
NO_REVIEW = [""] * len(BLOCK)


def _review(point: str, day: str, scores: list[int], total: int | None = None) -> list[str]:
    raw = sum(scores) if total is None else total
    return [point, day, *map(str, scores), str(raw), f"{raw * 0.9:.2f}"]


# Invented clients: P1 has a baseline and a 3-month review, P2 a baseline and a 6-month review
# (the 3-month block blank), P3 a baseline only, P4 all three (a 7 on a 1-5 item at 6 months).
ROWS = [
    ["P1", "Northby", *_review("Baseline", "10/01/2021", [3] * 7), *_review("3 months", "12/04/2021", [3] * 7),
     *NO_REVIEW],
    ["P2", "Northby", *_review("Baseline", "05/02/2021", [2] * 7), *NO_REVIEW,
     *_review("6 months", "20/08/2021", [4] * 7)],
    ["P3", "Southam", *_review("Baseline", "15/03/2021", [1, 2, 3, 4, 5, 1, 2]), *NO_REVIEW, *NO_REVIEW],
    ["P4", "Southam", *_review("Baseline", "01/04/2021", [2] * 7), *_review("3 months", "01/07/2021", [3] * 7),
     *_review("6 months", "01/10/2021", [4, 4, 7, 4, 4, 4, 4])],
]  # fmt: skip
CLIENTS = [["client_id", "local_authority", "referral_date"]] + [
    [f"P{i}", "Northby" if i < 3 else "Southam", "2021-01-01"] for i in range(1, 5)
]
FILE = "SWEMWBS reviews"
ENTRY = {
    "file": FILE,
    "instrument": "SWEMWBS",
    "blocks": ["", ".1", ".2"],
    "columns": {"Person ID": "client_id", "Review Date": "assessment_date"},
    "items": {**{s: f"item_{k:02d}" for k, s in enumerate(STATEMENTS, 1)}, "Raw Score": "total"},
}
FORMS = 8  # P1 2, P2 2, P3 1, P4 3: the blank blocks give none


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _export(tmp_path: Path, kind: str, rows: list[list[str]] = ROWS, header: list[str] = HEADER) -> Path:
    if kind == "csv":
        _write(tmp_path / "clients.csv", CLIENTS)
        _write(tmp_path / f"{FILE}.csv", [header, *rows])
        return tmp_path
    wb = openpyxl.Workbook()
    wb.active.title = "clients"
    for r in CLIENTS:
        wb.active.append(r)
    sheet = wb.create_sheet(FILE)
    for r in [header, *rows]:
        sheet.append([int(v) if v.isdigit() else (v or None) for v in r])
    wb.save(tmp_path / "export.xlsx")
    return tmp_path / "export.xlsx"


def _settings(**entry: object) -> Settings:
    return Settings.model_validate(
        {"input": {"date_order": "dmy"}, "mapping": {"wide": {"wellbeing": {**ENTRY, **entry}}}}
    )


def _forms(frame: pl.DataFrame) -> dict[tuple[str, str], dict[str, str]]:
    """(client, date) -> measure -> score."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for r in frame.iter_rows(named=True):
        out.setdefault((r["client_id"], str(r["assessment_date"])), {})[r["measure"]] = str(r["score"])
    return out


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_every_block_is_read_and_a_blank_block_gives_no_row(tmp_path: Path, kind: str) -> None:
    settings = _settings()
    raw = read_source(_export(tmp_path, kind), settings)
    wb = raw.tables["wellbeing"]
    assert wb.frame.height == FORMS * 8  # 7 items and the total per form
    assert wb.frame["_row"].to_list() == sorted(wb.frame["_row"].to_list())  # file order
    assert set(wb.unused_columns) == {
        "Locality",
        *(f"{c}{b}" for c in ("Review Point", "Metric Score") for b in ("", ".1", ".2")),
    }
    ds = validate(raw, settings)
    forms = _forms(ds.tables["wellbeing"])
    assert sorted(forms) == [
        ("P1", "2021-01-10"), ("P1", "2021-04-12"), ("P2", "2021-02-05"), ("P2", "2021-08-20"),
        ("P3", "2021-03-15"), ("P4", "2021-04-01"), ("P4", "2021-07-01"), ("P4", "2021-10-01"),
    ]  # fmt: skip
    assert forms["P2", "2021-08-20"]["total"] in ("28", "28.0")  # the 6-month block, the 3-month blank
    assert forms["P3", "2021-03-15"]["item_05"] in ("5", "5.0")
    rows = ds.problems.filter((pl.col("table") == "wellbeing") & pl.col("row").is_not_null())
    assert set(rows["row"].to_list()) == {5}  # only P4's 7 (and its total): no blank block is a problem


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_problem_names_the_file_row_and_the_blocks_own_column(tmp_path: Path, kind: str) -> None:
    rows = [list(r) for r in ROWS]
    rows[2][HEADER.index("Review Date.1")] = "31/02/2021"  # P3: a 3-month review on no real day
    rows[2][HEADER.index("Review Point.1") + 2 : HEADER.index("Raw Score.1") + 1] = [*["3"] * 7, "21"]
    settings = _settings()
    ds = validate(read_source(_export(tmp_path, kind, rows), settings), settings)
    errors = ds.problems.filter((pl.col("table") == "wellbeing") & (pl.col("severity") == "error"))
    seven = errors.filter(pl.col("value") == "7").row(0, named=True)
    assert (seven["row"], seven["column"]) == (5, "score")
    assert seven["message"].startswith("column 'I've been feeling relaxed.2': ")
    day = errors.filter(pl.col("column") == "assessment_date")
    assert set(day["row"].to_list()) == {4} and day.height == 8  # each row read from the block
    assert all(re.match(r"column '.+\.1': not a valid date", m) for m in day["message"])
    # The baseline on the same file row is still used: only the bad block's rows are left out.
    assert ("P3", "2021-03-15") in _forms(ds.tables["wellbeing"])


def test_two_blocks_of_one_client_with_the_same_answers_are_both_kept(tmp_path: Path) -> None:
    settings = _settings()
    ds = validate(read_source(_export(tmp_path, "csv"), settings), settings)
    p1 = ds.tables["wellbeing"].filter((pl.col("client_id") == "P1") & (pl.col("measure") == "total"))
    assert sorted(str(d) for d in p1["assessment_date"]) == ["2021-01-10", "2021-04-12"]
    repeats = ds.problems.filter(pl.col("message").str.contains("repeat"))
    assert repeats.is_empty()


def test_blocks_as_prefixes(tmp_path: Path) -> None:
    prefixes = ["Baseline ", "3m ", "6m "]
    header = ["Person ID", *(p + c for p in prefixes for c in BLOCK)]
    rows = [[r[0], *r[2:]] for r in ROWS]
    settings = _settings(blocks=[f"{p}{{}}" for p in prefixes])
    raw = read_source(_export(tmp_path, "csv", rows, header), settings)
    assert raw.tables["wellbeing"].frame.height == FORMS * 8
    assert "_cell" in raw.tables["wellbeing"].frame.columns
    assert "column '6m Raw Score'" in raw.tables["wellbeing"].frame["_cell"].to_list()


def test_blocks_settings_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path, "csv")
    with pytest.raises(InputError, match="name the same columns"):
        read_source(folder, _settings(blocks=["", ".1", ".1"]))
    with pytest.raises(InputError, match="twice"):
        read_source(folder, _settings(blocks=["{} {}"]))
    with pytest.raises(InputError, match=r"one file gives one wide entry.*blocks"):
        two = Settings.model_validate({"mapping": {"wide": {"wellbeing": [ENTRY, ENTRY]}}})
        read_source(folder, two)
    # A block that lacks an item: the file is set aside, naming the column and its block.
    raw = read_source(folder, _settings(blocks=["", ".1", ".3"]))
    assert "wellbeing" not in raw.tables
    assert "'Raw Score.3' (block '.3')" in raw.set_aside[0].reason


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_map_proposes_the_blocks_and_its_unedited_proposal_reads_every_review(
    tmp_path: Path, kind: str
) -> None:
    from ipseval.ingest.propose import propose
    from ipseval.ingest.propose_toml import proposal_toml

    source = _export(tmp_path, kind)
    p = propose(source)
    (w,) = p.wide
    assert (w.standard, w.instrument, w.blocks) == ("wellbeing", "SWEMWBS", ["", ".1", ".2"])
    assert {k: v[0] for k, v in w.items.items()} == ENTRY["items"]
    assert w.columns == ENTRY["columns"]
    text = proposal_toml(p)
    assert 'blocks = ["", ".1", ".2"]' in text
    (tmp_path / "ipseval.toml").write_text(text, encoding="utf-8")
    for settings in (p.settings(), load_settings(tmp_path / "ipseval.toml")):
        raw = read_source(source, settings)
        assert (
            _forms(raw.tables["wellbeing"].frame).keys()
            == _forms(read_source(source, _settings()).tables["wellbeing"].frame).keys()
        )
        assert raw.tables["wellbeing"].frame.height == FORMS * 8


def test_map_proposes_a_one_block_statement_file_as_wide(tmp_path: Path) -> None:
    from ipseval.ingest.propose import propose

    one = [HEADER[: 2 + len(BLOCK)]] + [r[: 2 + len(BLOCK)] for r in ROWS]
    _write(tmp_path / f"{FILE}.csv", one)  # the only file: weakly taken for clients by its id
    (w,) = propose(tmp_path).wide
    assert (w.instrument, w.blocks) == ("SWEMWBS", [])
    assert {k: v[0] for k, v in w.items.items()} == ENTRY["items"]


@pytest.mark.parametrize(
    ("names", "blocks"),
    [
        (["Date", "Q1", "Q2", "Date.1", "Q1.1", "Q2.1"], ["", ".1"]),
        (["ID", "Date", "A", "B", "Date_2", "A_2", "B_2", "Date_3", "A_3", "B_3"], ["", "_2", "_3"]),
        (["ID", "Date", "A", "B", "Date (2)", "A (2)", "B (2)"], ["", " (2)"]),
        (["ID", "Date 1", "A 1", "B 1", "Date 2", "A 2", "B 2"], [" 1", " 2"]),
        (["ID", "Date", "A", "B", "Date2", "A2", "B2", "Date3", "A3", "B3"], ["", "2", "3"]),
        (["ID", "Baseline Date", "Baseline A", "Baseline B", "3m Date", "3m A", "3m B"], ["Baseline {}", "3m {}"]),
        (["ID", "Review 1 - Date", "Review 1 - A", "Review 1 - B", "Review 2 - Date", "Review 2 - A", "Review 2 - B"],
         ["Review 1 - {}", "Review 2 - {}"]),
        (["ID", "Date", *(f"Q{i}" for i in range(1, 15)), "Total"], None),  # items, not blocks
        (["ID", "Staff Code", "Staff Code.1", "Date"], None),  # one name repeated is no block
    ],
)  # fmt: skip
def test_blocks_are_found_from_the_column_names(names: list[str], blocks: list[str] | None) -> None:
    from ipseval.ingest.propose_blocks import find_blocks
    from ipseval.ingest.wide_blocks import block_name

    found = find_blocks(names)
    assert (found.blocks if found else None) == blocks
    if found is not None:  # each block's columns are its names with the block, as the reader names them
        assert all(block_name(found.base[c], b) in names for c in found.base for b in found.blocks)


def test_warwick_edinburgh_items_are_known_by_their_statements() -> None:
    from ipseval.ingest.propose_statements import statement_item, statement_items

    assert (
        statement_item("Close to others") == 9 and statement_item("Feeling interested in other people") == 4
    )
    assert statement_item("Interested in new things") == 13 and statement_item("Review Date") is None
    short = [
        "Optimistic",
        "Useful",
        "Relaxed",
        "Dealing with problems",
        "Thinking clearly",
        "Close",
        "Own mind",
    ]
    assert statement_items(short, None) == ("SWEMWBS", {s: k for k, s in enumerate(short, 1)})
    assert statement_items([*short, "Cheerful"], None)[0] == "WEMWBS"
    assert statement_items(short, "WEMWBS")[1]["Own mind"] == 11


def test_map_proposes_prefixed_blocks_of_a_file_weakly_taken_for_another_table(tmp_path: Path) -> None:
    from ipseval.ingest.propose import propose

    measures = ["TOP Date", "Psychological Health", "Physical Health", "Quality of Life", "Alcohol days"]
    header = ["PersonID", *(f"{s} {m}" for s in ("Start", "Review", "Exit") for m in measures)]
    rows = [
        ["P1", "01/02/2020", "10", "11", "12", "4", "01/05/2020", "12", "12", "13", "2", *[""] * 5],
        ["P2", "03/02/2020", "9", "8", "7", "20", *[""] * 5, "01/09/2020", "14", "15", "16", "0"],
    ]
    _write(tmp_path / "clients.csv", CLIENTS)
    _write(tmp_path / "TOP outcomes.csv", [header, *rows])  # 'Start TOP Date' alone reads as a job's start
    p = propose(tmp_path)
    (w,) = p.wide
    assert (w.instrument, w.blocks) == ("TOP", ["Start {}", "Review {}", "Exit {}"])
    assert w.columns == {"PersonID": "client_id", "TOP Date": "assessment_date"}
    assert not any(t.standard == "jobs" for t in p.tables)
    frame = read_source(tmp_path, p.settings()).tables["wellbeing"].frame
    assert (
        frame.height == 16
        and frame.filter(pl.col("client_id") == "P2")["assessment_date"].unique().len() == 2
    )


def test_the_mapping_form_keeps_the_proposed_blocks(tmp_path: Path) -> None:
    from ipseval.ingest.propose import propose
    from ipseval.ingest.propose_form_wide import wide_choice, wide_entry

    (w,) = propose(_export(tmp_path, "csv")).wide
    entry = wide_entry(wide_choice(w, None))
    assert entry is not None and entry["blocks"] == ["", ".1", ".2"]
    assert wide_entry(wide_choice(w, _settings(blocks=["", ".1"])))["blocks"] == ["", ".1"]  # as saved


def test_names_repeated_without_a_date_of_their_own_are_no_forms(tmp_path: Path) -> None:
    from ipseval.ingest.propose import propose

    header = [
        "PersonID",
        "TOP Date",
        *(f"{w} {s}" for w in ("Days", "Amount") for s in ("Alcohol", "Opiates", "Crack")),
    ]
    _write(tmp_path / "clients.csv", CLIENTS)
    _write(
        tmp_path / "TOP assessments.csv", [[*header, "Psych Health"], ["P1", "01/02/2020", *"402010", "12"]]
    )
    (w,) = propose(tmp_path).wide  # 'Days {}' and 'Amount {}' share names, but one form, one date
    assert w.blocks == [] and w.items["Days Crack"][0] == "days_crack"
