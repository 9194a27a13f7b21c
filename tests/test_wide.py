"""Wide files (one column per item) read into the standard's long tables: [mapping.wide.<table>]."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest import InputError, read_source
from ipseval.settings import Settings
from ipseval.validate import validate

CLIENTS = [
    ["client_id", "local_authority", "referral_date"],
    ["C1", "Leeds", "2020-01-01"],
    ["C2", "York", "2020-02-01"],
]
TOP_ITEMS = {
    "Psych Health (0-20)": "psychological_health",
    "Phys Health (0-20)": "physical_health",
    "Alcohol days": "days_alcohol",
}
TOP = {
    "file": "TOP assessments",
    "instrument": "TOP",
    "columns": {"PersonID": "client_id", "TOP Date": "assessment_date"},
    "items": TOP_ITEMS,
}


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _export(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    _write(tmp_path / "clients.csv", CLIENTS)
    _write(tmp_path / name, rows)
    return tmp_path


def _settings(**wide: dict) -> Settings:
    return Settings.model_validate({"mapping": {"wide": wide}})


TOP_ROWS = [
    [
        "PersonID",
        "TOP Date",
        "TOP Stage",
        "Psych Health (0-20)",
        "Phys Health (0-20)",
        "Alcohol days",
        "Injected",
    ],
    ["C1", "14/08/2020", "Start", "10", "7", "28", "N"],
    ["C1", "04/12/2020", "Exit", "13", "", "25", "N"],  # a blank cell: no row
    ["C2", "01/03/2020", "Start", "45", "9", "", ""],  # 45 is out of range
]


def test_wide_top_is_read_long_with_original_rows(tmp_path: Path) -> None:
    raw = read_source(_export(tmp_path, "TOP assessments.csv", TOP_ROWS), _settings(wellbeing=TOP))
    wb = raw.tables["wellbeing"]
    assert wb.file == "TOP assessments.csv"
    assert "TOP assessments.csv" not in raw.unused_files
    got = wb.frame.select("client_id", "measure", "score", "instrument", "_row").rows()
    assert got == [
        ("C1", "psychological_health", "10", "TOP", 2),
        ("C1", "physical_health", "7", "TOP", 2),
        ("C1", "days_alcohol", "28", "TOP", 2),
        ("C1", "psychological_health", "13", "TOP", 3),
        ("C1", "days_alcohol", "25", "TOP", 3),
        ("C2", "psychological_health", "45", "TOP", 4),
        ("C2", "physical_health", "9", "TOP", 4),
    ]
    # Columns listed nowhere are reported as not used, never silently dropped.
    assert wb.unused_columns == ["TOP Stage", "Injected"]


def test_wide_problem_points_at_original_row(tmp_path: Path) -> None:
    rows = [*TOP_ROWS[:3], ["C2", "01/03/2020", "Start", "ten", "9", "", ""]]
    settings = _settings(wellbeing=TOP)
    ds = validate(read_source(_export(tmp_path, "TOP assessments.csv", rows), settings), settings)
    p = ds.problems.filter((pl.col("table") == "wellbeing") & (pl.col("severity") == "error"))
    assert p.height == 1
    assert p.row(0, named=True)["row"] == 4
    assert p.row(0, named=True)["value"] == "ten"
    counts = {r["table"]: r for r in ds.row_counts.iter_rows(named=True)}
    assert counts["wellbeing"]["rows_rejected"] == 1  # only the bad cell's row, not the form's others


def test_wide_ips25_with_areas(tmp_path: Path) -> None:
    header = ["Team", "LA", "Co-located", "Review Date", *(f"Item {i}" for i in range(1, 26)), "Total"]
    rows = [
        header,
        ["Leeds IPS", "Leeds", "Yes", "2020-02-13", *["4"] * 25, "100"],
        ["Leeds IPS", "Leeds", "Yes", "2021-02-13", *["5"] * 24, "", "120"],
        ["York IPS", "York", "No", "2020-03-01", *["3"] * 25, "75"],
    ]
    fidelity = {
        "file": "Team reviews.csv",
        "columns": {"Team": "team", "Review Date": "review_date"},
        "items": {f"Item {i}": i for i in range(1, 26)},
        "areas": {"LA": "local_authority", "Co-located": "co_located"},
    }
    raw = read_source(_export(tmp_path, "Team reviews.csv", rows), _settings(fidelity=fidelity))
    fid = raw.tables["fidelity"].frame
    assert fid.height == 74
    assert fid.filter(pl.col("_row") == 3)["item"].to_list() == [str(i) for i in range(1, 25)]
    assert raw.tables["fidelity"].unused_columns == ["Total"]
    areas = raw.tables["areas"].frame
    assert areas.select("local_authority", "co_located", "_row").rows() == [
        ("Leeds", "Yes", 2),
        ("York", "No", 4),
    ]
    ds = validate(raw, _settings(fidelity=fidelity))
    assert ds.problems.filter(pl.col("severity") == "error").height == 0


def test_wide_from_a_workbook_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "clients"
    for r in CLIENTS:
        ws.append(r)
    ws2 = wb.create_sheet("TOP assessments")
    for r in TOP_ROWS:
        ws2.append([int(v) if v.isdigit() else (v or None) for v in r])
    wb.save(tmp_path / "export.xlsx")
    raw = read_source(tmp_path / "export.xlsx", _settings(wellbeing=TOP))
    frame = raw.tables["wellbeing"].frame
    assert frame.height == 7
    assert frame["_row"].to_list() == [2, 2, 2, 3, 3, 4, 4]
    assert not any("TOP assessments" in u for u in raw.unused_files)


def test_wide_settings_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path, "TOP assessments.csv", TOP_ROWS)
    with pytest.raises(InputError, match="instrument"):
        read_source(folder, _settings(wellbeing={**TOP, "instrument": None}))
    with pytest.raises(InputError, match="cannot be read wide"):
        read_source(folder, _settings(jobs=TOP))
    # a column the settings name that the file lacks: the file is set aside, the rest still read
    raw = read_source(folder, _settings(wellbeing={**TOP, "items": {**TOP_ITEMS, "Days used": "days_other"}}))
    assert "wellbeing" not in raw.tables and "clients" in raw.tables
    assert re.search(r"'Days used'.*not a column of the file", raw.set_aside[0].reason)
    with pytest.raises(InputError, match="number 1 to 25"):
        read_source(folder, _settings(fidelity={"file": "x", "items": {"Item 1": 30}}))


@hsettings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["C1", "C2"]),
            st.dates(
                min_value=__import__("datetime").date(2019, 1, 1),
                max_value=__import__("datetime").date(2022, 12, 31),
            ),
            st.lists(st.one_of(st.none(), st.integers(0, 20).map(str)), min_size=3, max_size=3),
        ),
        min_size=1,
        max_size=8,
        unique_by=lambda t: (t[0], t[1]),
    )
)
def test_long_pivoted_wide_reads_back_the_same(tmp_path_factory: pytest.TempPathFactory, forms: list) -> None:
    measures = list(TOP_ITEMS.values())
    long = [
        (cid, day.isoformat(), m, score)
        for cid, day, scores in forms
        for m, score in zip(measures, scores, strict=True)
        if score is not None
    ]
    wide_rows = [["PersonID", "TOP Date", *TOP_ITEMS]] + [
        [cid, day.isoformat(), *(s or "" for s in scores)] for cid, day, scores in forms
    ]
    folder = _export(tmp_path_factory.mktemp("wide"), "TOP assessments.csv", wide_rows)
    raw = read_source(folder, _settings(wellbeing=TOP))
    if "wellbeing" not in raw.tables:
        assert long == []
        return
    got = raw.tables["wellbeing"].frame.select("client_id", "assessment_date", "measure", "score").rows()
    assert sorted(got) == sorted(long)


def test_map_proposes_wide_layouts(tmp_path: Path) -> None:
    from ipseval.ingest.propose import propose
    from ipseval.ingest.propose_toml import proposal_toml

    header = ["Team", "Review Date", *(f"Item {i}" for i in range(1, 26)), "Total"]
    _write(tmp_path / "Team reviews.csv", [header, ["Leeds IPS", "13/02/2020", *["4"] * 25, "100"]])
    folder = _export(tmp_path, "TOP assessments.csv", TOP_ROWS)
    p = propose(folder)
    wide = {w.standard: w for w in p.wide}
    assert wide["fidelity"].items["Item 7"][0] == 7
    assert wide["fidelity"].columns == {"Team": "team", "Review Date": "review_date"}
    assert {k: v[0] for k, v in wide["wellbeing"].items.items()} == TOP_ITEMS
    assert wide["wellbeing"].instrument == "TOP"
    text = proposal_toml(p)
    assert '"Item 1" = "item"' not in text
    assert "[mapping.wide.fidelity]  # CHECK" in text
    # The proposal, as settings, reads the files long.
    raw = read_source(folder, p.settings())
    assert raw.tables["fidelity"].frame.height == 25
    assert raw.tables["wellbeing"].frame.height == 7


SURE_ROWS = [
    ["Client", "Completed", "Stage", "Self care", "Relationships"],
    ["C2", "2020-03-02", "Start", "9", "7"],
    ["C1", "2020-09-01", "Exit", "twelve", "8"],  # not a number: row 3 of the SURE file
]
TWO = """
[[mapping.wide.wellbeing]]
file = "TOP assessments"
instrument = "TOP"
blanks = ["-", "NR"]
[mapping.wide.wellbeing.columns]
PersonID = "client_id"
"TOP Date" = "assessment_date"
[mapping.wide.wellbeing.items]
"Psych Health (0-20)" = "psychological_health"
"Phys Health (0-20)" = "physical_health"
"Alcohol days" = "days_alcohol"

[[mapping.wide.wellbeing]]
file = "SURE forms"
instrument = "SURE"
[mapping.wide.wellbeing.columns]
Client = "client_id"
Completed = "assessment_date"
[mapping.wide.wellbeing.items]
"Self care" = "self_care"
Relationships = "relationships"
"""


def _two_files(tmp_path: Path, top: list[list[str]] = TOP_ROWS) -> tuple[Path, Settings]:
    from ipseval.settings import load_settings

    folder = _export(tmp_path, "TOP assessments.csv", top)
    _write(folder / "SURE forms.csv", SURE_ROWS)
    (tmp_path / "two.toml").write_text(TWO, encoding="utf-8")
    return folder, load_settings(tmp_path / "two.toml")


def test_two_wide_files_of_one_table_are_read_together_each_row_keeping_its_file(tmp_path: Path) -> None:
    top = [*TOP_ROWS[:2], ["C1", "04/12/2020", "Exit", "NR", "-", "25", "N"]]  # 'NR', '-': not recorded
    folder, settings = _two_files(tmp_path, top)
    raw = read_source(folder, settings)
    wb = raw.tables["wellbeing"]
    assert wb.file == "TOP assessments.csv, SURE forms.csv"
    got = wb.frame.select("instrument", "measure", "score", "_row", "_file").rows()
    assert got == [
        ("TOP", "psychological_health", "10", 2, "TOP assessments.csv"),
        ("TOP", "physical_health", "7", 2, "TOP assessments.csv"),
        ("TOP", "days_alcohol", "28", 2, "TOP assessments.csv"),
        ("TOP", "days_alcohol", "25", 3, "TOP assessments.csv"),  # the '-' and 'NR' cells give no row
        ("SURE", "self_care", "9", 2, "SURE forms.csv"),
        ("SURE", "relationships", "7", 2, "SURE forms.csv"),
        ("SURE", "self_care", "twelve", 3, "SURE forms.csv"),
        ("SURE", "relationships", "8", 3, "SURE forms.csv"),
    ]
    assert (
        "TOP assessments.csv: 2 cells of '-', 'NR' read as blank (blanks of [[mapping.wide.wellbeing]] "
        "(file 'TOP assessments'))"
    ) in raw.notes
    assert wb.unused_columns == [
        "TOP Stage (TOP assessments.csv)",
        "Injected (TOP assessments.csv)",
        "Stage (SURE forms.csv)",
    ]
    ds = validate(raw, settings)
    errors = ds.problems.filter((pl.col("table") == "wellbeing") & (pl.col("severity") == "error"))
    bad = errors.row(0, named=True)
    assert errors.height == 1
    assert (bad["file"], bad["row"], bad["column"], bad["value"]) == ("SURE forms.csv", 3, "score", "twelve")
    assert bad["message"].startswith("column 'Self care': ")
    counts = ds.row_counts.filter(pl.col("table") == "wellbeing").row(0, named=True)
    assert (counts["rows_read"], counts["rows_used"], counts["rows_rejected"]) == (8, 7, 1)


def test_one_wide_file_that_cannot_be_read_is_set_aside_and_the_other_still_read(tmp_path: Path) -> None:
    folder, settings = _two_files(tmp_path)
    _write(folder / "SURE forms.csv", [["Client", "Completed", "Self care"], ["C1", "2020-09-01", "9"]])
    raw = read_source(folder, settings)
    assert raw.tables["wellbeing"].frame["instrument"].unique().to_list() == ["TOP"]
    assert [(s.table, s.file) for s in raw.set_aside] == [("wellbeing", "SURE forms")]
    assert "[[mapping.wide.wellbeing]] (file 'SURE forms')" in raw.set_aside[0].reason
    ds = validate(raw, settings)
    assert ds.rejected_alerts[0].startswith(
        "One file of the wellbeing table was set aside, so the figures from wellbeing leave its rows out"
    )


def test_the_single_table_form_still_loads_as_one_wide_file(tmp_path: Path) -> None:
    from ipseval.settings import load_settings

    (tmp_path / "one.toml").write_text(
        '[mapping.wide.wellbeing]\nfile = "TOP assessments"\ninstrument = "TOP"\n'
        '[mapping.wide.wellbeing.items]\n"Alcohol days" = "days_alcohol"\n',
        encoding="utf-8",
    )
    wide = load_settings(tmp_path / "one.toml").mapping.wide
    assert [w.file for w in wide["wellbeing"]] == ["TOP assessments"]
    assert (
        wide
        == _settings(wellbeing={**TOP, "items": {"Alcohol days": "days_alcohol"}, "columns": {}}).mapping.wide
    )


def test_map_proposes_words_for_not_recorded_as_blanks(tmp_path: Path) -> None:
    from ipseval.ingest.propose import propose
    from ipseval.ingest.propose_toml import proposal_toml

    rows = [
        *TOP_ROWS,
        ["C2", "01/06/2020", "Exit", "-", "NR", "-", ""],
        ["C1", "01/07/2020", "Exit", "?", "8", "n/k", ""],
    ]
    p = propose(_export(tmp_path, "TOP assessments.csv", rows))
    (top,) = p.wide
    assert top.blanks == [("-", 2), ("?", 1), ("NR", 1), ("n/k", 1)]
    assert 'blanks = ["-", "?", "NR", "n/k"]  # CHECK: 70% sure;' in proposal_toml(p)
    assert p.settings().mapping.wide["wellbeing"][0].blanks == ["-", "?", "NR", "n/k"]


def test_a_read_problem_in_one_item_cell_excludes_only_the_row_read_from_that_cell(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "clients"
    for r in CLIENTS:
        wb.active.append(r)
    sheet = wb.create_sheet("TOP assessments")
    sheet.append(TOP_ROWS[0])
    sheet.append(["C1", "14/08/2020", "Start", 10, "#N/A", 28, "N"])  # a formula that failed
    wb.save(tmp_path / "export.xlsx")
    settings = _settings(wellbeing=TOP)
    ds = validate(read_source(tmp_path / "export.xlsx", settings), settings)
    bad = ds.problems.filter((pl.col("table") == "wellbeing") & (pl.col("severity") == "error"))
    assert bad.select("row", "value").rows() == [(2, "#N/A")]
    assert bad["message"][0].startswith("column 'Phys Health (0-20)': ")
    assert sorted(ds.tables["wellbeing"]["measure"].to_list()) == ["days_alcohol", "psychological_health"]


def test_a_wide_files_unused_columns_point_to_its_own_sections(tmp_path: Path) -> None:
    raw = read_source(_export(tmp_path, "TOP assessments.csv", TOP_ROWS), _settings(wellbeing=TOP))
    problems = validate(raw, _settings(wellbeing=TOP)).problems
    unused = problems.filter(pl.col("message").str.starts_with("column not used"))
    assert sorted(unused["column"].to_list()) == ["Injected", "TOP Stage"]
    for message in unused["message"]:
        assert "[mapping.wide.wellbeing.columns]" in message and "[mapping.wide.wellbeing.items]" in message
        assert "[mapping.columns." not in message
