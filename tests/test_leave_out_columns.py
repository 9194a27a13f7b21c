"""Rows left out by a column that is no standard column (ingest.row_kinds), blank cells mapped to
leave_out, read notes counting only rows kept, one file giving two tables, and a column left aside
by mapping it to "" (hand-worked on tiny exports)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest import InputError, SettingsError
from ipseval.settings import Settings
from ipseval.validate import load

CLIENTS = [
    ["client_id", "local_authority", "referral_date"],
    ["P1", "Leeds", "2023-01-05"],
    ["P2", "York", "2023-02-01"],
]
# rows 2..6: a job started; a job held at referral (before the referral: an error were it read);
# a better job; a job held at referral; a job of no client (rejected)
JOBS = [
    ["client_id", "Outcome Type", "start_date", "Sector"],
    ["P1", "New job", "2023-03-01", "Retail"],
    ["P1", "Job retention (job held at referral)", "2019-05-01", "Care"],
    ["P2", "Better job", "2023-04-01", "Care"],
    ["P2", "Job retention (job held at referral)", "2020-06-01", "Retail"],
    ["P9", "New job", "2023-05-01", "Retail"],
]
RETENTION = {"jobs": {"Outcome Type": {"Job retention (job held at referral)": "leave_out"}}}
# an activity report: appointments, case notes (blank outcome) and employer contacts in one file
ACTIVITY = [
    ["Activity Type", "Client", "Date", "Outcome", "Method", "Specialist", "Account"],
    ["IPS Appointment", "P1", "2023-01-10", "yes", "Telephone", "ES1", ""],
    ["Case Note", "P1", "2023-01-11", "", "", "ES1", ""],
    ["IPS Appointment", "P2", "2023-02-10", "no", "Telephone", "ES2", ""],
    ["Employer Engagement", "", "2023-02-12", "Completed", "Employer premises", "ES2", "Acme"],
    ["Case Note", "P2", "2023-02-13", "", "", "ES2", ""],
    ["Employer Engagement", "", "2023-02-14", "Left message", "Telephone", "ES1", "Bolt Ltd"],
]
MEETING_COLUMNS = {
    "Client": "client_id",
    "Date": "meeting_date",
    "Outcome": "attended",
    "Method": "mode",
    "Specialist": "employment_specialist_id",
}
CONTACT_COLUMNS = {
    "Specialist": "employment_specialist_id",
    "Date": "contact_date",
    "Account": "employer",
    "Method": "face_to_face",
}


def _folder(tmp_path: Path, **files: list[list[str]]) -> Path:
    root = tmp_path / "data"
    root.mkdir(exist_ok=True)
    for name, rows in {"clients": CLIENTS, **files}.items():
        with (root / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return root


def _settings(codes: dict | None = None, **mapping: dict) -> Settings:
    return Settings.model_validate({"mapping": {"codes": codes or {}, **mapping}})


def _counts(ds, table: str) -> tuple[int, int, int, int]:
    r = ds.row_counts.filter(pl.col("table") == table).row(0, named=True)
    return r["rows_read"], r["rows_used"], r["rows_rejected"], r["rows_left_out"]


def _left_message(ds, table: str) -> str:
    found = ds.problems.filter((pl.col("table") == table) & pl.col("message").str.contains("left out, not"))
    assert found.height == 1
    return found["message"][0]


def test_rows_are_left_out_by_a_column_that_is_not_a_standard_column(tmp_path):
    ds = load(_folder(tmp_path, jobs=JOBS), _settings(RETENTION))
    assert _counts(ds, "jobs") == (5, 2, 1, 2)  # read = used + rejected + left out
    assert ds.tables["jobs"]["_row"].to_list() == [2, 4]
    errors = ds.problems.filter(pl.col("severity") == "error")
    assert errors.select("row", "column").rows() == [(6, "client_id")]  # no 'before the referral'
    assert _left_message(ds, "jobs") == (
        "2 rows left out, not records of jobs: 'Outcome Type' labels mapped to leave_out in "
        "[mapping.codes.jobs.\"Outcome Type\"]: 'Job retention (job held at referral)' ×2. They are counted "
        "apart (rows read = used + rejected + left out), not as problems to fix"
    )
    assert "Outcome Type" not in ds.unused_columns.get("jobs", [])  # it is used: it leaves rows out


def test_a_workbook_sheet_leaves_rows_out_by_its_own_column(tmp_path):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in (("clients", CLIENTS), ("jobs", JOBS)):
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(tmp_path / "book.xlsx")
    ds = load(tmp_path / "book.xlsx", _settings(RETENTION))
    assert _counts(ds, "jobs") == (5, 2, 1, 2)
    assert "'Job retention (job held at referral)' ×2" in _left_message(ds, "jobs")


def test_star_leaves_out_every_label_not_listed_and_keep_lists_one(tmp_path):
    codes = {
        "meetings": {
            "Activity Type": {"IPS Appointment": "keep", "Home visit": "keep", "*": "leave_out"},
            "mode": {"Telephone": "phone"},
        }
    }
    ds = load(_folder(tmp_path, meetings=ACTIVITY), _settings(codes, columns={"meetings": MEETING_COLUMNS}))
    assert _counts(ds, "meetings") == (6, 2, 0, 4)
    assert ds.tables["meetings"]["attended"].to_list() == [True, False]
    assert "'Case Note' ×2, 'Employer Engagement' ×2" in _left_message(ds, "meetings")
    never = ds.problems.filter(pl.col("message").str.contains("never occurs"))["message"].to_list()
    assert never == [
        "[mapping.codes.meetings.\"Activity Type\"]: 'Home visit' never occurs in meetings.csv › Activity "
        "Type (codes are matched ignoring case and spaces); check the spelling (a code of a lookup list "
        "that these data do not hold can stay)"
    ]


def test_one_file_gives_two_tables_each_leaving_out_the_others_rows(tmp_path):
    codes = {
        "meetings": {
            "Activity Type": {"IPS Appointment": "keep", "*": "leave_out"},
            "mode": {"Telephone": "phone"},
        },
        "employer_contacts": {
            "Activity Type": {"Employer Engagement": "keep", "*": "leave_out"},
            "face_to_face": {"Employer premises": "yes", "Telephone": "no"},
        },
    }
    settings = _settings(
        codes,
        tables={"Activity report": ["meetings", "employer_contacts"]},
        columns={"meetings": MEETING_COLUMNS, "employer_contacts": CONTACT_COLUMNS},
    )
    ds = load(_folder(tmp_path, **{"Activity report": ACTIVITY}), settings)
    assert _counts(ds, "meetings") == (6, 2, 0, 4)
    assert _counts(ds, "employer_contacts") == (6, 2, 0, 4)
    contacts = ds.tables["employer_contacts"]
    assert contacts.select("employer", "face_to_face").rows() == [("Acme", True), ("Bolt Ltd", False)]
    assert ds.row_counts["file"].to_list()[1:] == ["Activity report.csv"] * 2
    # a column one table reads is not 'not used' in the other
    assert ds.unused_columns == {}


def test_a_key_naming_no_column_is_a_settings_error_naming_the_nearest(tmp_path):
    typo = {"jobs": {"Outcome Typ": {"Job retention (job held at referral)": "leave_out"}}}
    with pytest.raises(SettingsError) as e:  # jobs is optional, yet the run stops: the settings are wrong
        load(_folder(tmp_path, jobs=JOBS), _settings(typo))
    assert str(e.value) == (
        "settings [mapping.codes.jobs]: 'Outcome Typ' is neither a column of jobs (client_id, start_date, "
        "end_date, hours_per_week, employer, sector, self_employed) nor a column of jobs.csv; did you mean "
        "'Outcome Type'?"
    )
    # a key whose labels map to codes must name a standard column (or one mapped to it)
    codes = {"jobs": {"sectr": {"Retail": "retail"}}}
    with pytest.raises(InputError, match=r"'sectr' is not a column of jobs .*did you mean 'sector'"):
        load(_folder(tmp_path, jobs=JOBS), _settings(codes))
    star = {"jobs": {"Outcome Type": {"New job": "keep", "*": "no"}}}
    with pytest.raises(InputError, match='"\\*" stands for every label not listed'):
        load(_folder(tmp_path, jobs=JOBS), _settings(star))


def test_blank_cells_mapped_to_leave_out_leave_their_rows_out(tmp_path):
    meetings = [
        ["client_id", "meeting_date", "attended", "mode"],
        ["P1", "2023-01-10", "yes", "phone"],
        ["P1", "2023-01-11", "", ""],  # a case note: blank outcome and mode
        ["P2", "2023-02-10", "no", ""],  # blank mode only
        ["P2", "2023-02-11", "", "video"],  # blank outcome only
    ]
    for column, left in (("attended", [3, 5]), ("mode", [3, 4])):
        ds = load(_folder(tmp_path, meetings=meetings), _settings({"meetings": {column: {"": "leave_out"}}}))
        assert _counts(ds, "meetings") == (4, 2, 0, 2)
        assert sorted(set(range(2, 6)) - set(ds.tables["meetings"]["_row"].to_list())) == left
        assert f"{column} labels mapped to leave_out in [mapping.codes.meetings.{column}]: '(blank)' ×2" in (
            _left_message(ds, "meetings")
        )


def test_a_mapping_of_a_column_the_file_lacks_is_named_not_ignored(tmp_path):
    meetings = [["client_id", "meeting_date"], ["P1", "2023-01-10"]]
    codes = {"meetings": {"mode": {"": "leave_out", "Phone call": "phone"}}}
    ds = load(_folder(tmp_path, meetings=meetings), _settings(codes))
    assert _counts(ds, "meetings") == (1, 1, 0, 0)  # a missing column is no blank cell
    messages = ds.problems.filter(pl.col("column") == "mode")["message"].to_list()
    assert messages == [
        "[mapping.codes.meetings.mode] does not apply: meetings.csv has no mode column, so it does nothing"
    ]


def test_blank_cells_read_as_a_code_are_counted_on_rows_kept_only(tmp_path):
    meetings = [
        ["client_id", "meeting_date", "attended"],
        ["P1", "2023-01-10", "Booked"],
        ["P1", "2023-01-11", ""],
        ["P2", "2023-02-10", "Booked"],
        ["P2", "2023-02-11", ""],
        ["P2", "2023-02-12", "yes"],
    ]
    codes = {"meetings": {"attended": {"Booked": "leave_out", "": "no"}}}
    ds = load(_folder(tmp_path, meetings=meetings), _settings(codes))
    assert _counts(ds, "meetings") == (5, 3, 0, 2)
    assert (
        'meetings.csv: 2 blank attended cells read as no ([mapping.codes.meetings.attended] "" = "no")'
        in (ds.notes)
    )


def test_a_column_mapped_to_blank_is_left_aside(tmp_path):
    jobs = [["client_id", "start_date", "Outcome Type", "Sector"], ["P1", "2023-03-01", "New job", "Retail"]]
    clash = _settings(columns={"jobs": {"Outcome Type": "sector"}})
    ds = load(_folder(tmp_path, jobs=jobs), clash)
    assert ds.set_aside[0].reason == (
        "jobs.csv: columns 'Outcome Type' and 'Sector' both give the column 'sector'; remove or rename one "
        'of them, or leave one aside in the settings: map it to "" in [mapping.columns.jobs] (e.g. '
        '"Sector" = "")'
    )
    ds = load(
        _folder(tmp_path, jobs=jobs), _settings(columns={"jobs": {"Outcome Type": "sector", "Sector": ""}})
    )
    assert ds.tables["jobs"]["sector"].to_list() == ["New job"]
    assert ds.unused_columns == {}  # left aside on purpose: not reported as unused


def test_a_wide_file_leaves_out_the_rows_of_a_form_by_its_own_column(tmp_path):
    wide = [
        ["PersonID", "Date", "Status", "Item 1", "Item 2"],
        ["P1", "2023-02-01", "Final", "3", "4"],
        ["P2", "2023-03-01", "Draft", "1", "2"],
    ]
    settings = _settings(
        {"wellbeing": {"Status": {"Draft": "leave_out"}}},
        wide={
            "wellbeing": {
                "file": "Forms",
                "instrument": "SWEMWBS",
                "columns": {"PersonID": "client_id", "Date": "assessment_date"},
                "items": {"Item 1": "item_01", "Item 2": "item_02"},
            }
        },
    )
    ds = load(_folder(tmp_path, Forms=wide), settings)
    assert _counts(ds, "wellbeing") == (4, 2, 0, 2)
    assert "'Status' labels mapped to leave_out in [mapping.codes.wellbeing.\"Status\"]: 'Draft' ×2" in (
        _left_message(ds, "wellbeing")
    )
    # a problem found after the rows left out are dropped still names its own row and cell
    (incomplete,) = ds.problems.filter(pl.col("message").str.contains("no SWEMWBS total")).rows(named=True)
    assert incomplete["row"] == 2 and incomplete["message"].startswith("column 'Item 1': ")


def test_a_leave_out_label_on_a_date_column_is_accepted(tmp_path):
    meetings = [["client_id", "meeting_date"], ["P1", "2023-01-10"], ["P1", "TBC"]]
    ds = load(
        _folder(tmp_path, meetings=meetings), _settings({"meetings": {"meeting_date": {"TBC": "leave_out"}}})
    )
    assert _counts(ds, "meetings") == (2, 1, 0, 1)


_TYPES = ["A", "B", "C", "D"]


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kinds=st.lists(st.sampled_from([*_TYPES, ""]), min_size=1, max_size=12),
    left=st.sets(st.sampled_from([*_TYPES, ""])),
    star=st.booleans(),
    bad=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_rows_read_are_used_rejected_and_left_out_whatever_labels_are_left_out(
    tmp_path, kinds, left, star, bad
):
    rows = [["client_id", "meeting_date", "Kind"]] + [
        ["P9" if bad[k] else "P1", "2023-01-10", kind] for k, kind in enumerate(kinds)
    ]
    codes = {label: "leave_out" for label in left}
    if star:  # keep the labels not left out, and leave out every other
        codes = {label: "keep" for label in _TYPES[:2] if label not in left} | {"*": "leave_out"}
    if not codes:
        codes = {"Z": "leave_out"}
    ds = load(_folder(tmp_path, meetings=rows), _settings({"meetings": {"Kind": codes}}))
    read, used, rejected, left_out = _counts(ds, "meetings")
    assert read == len(kinds) == used + rejected + left_out
    kept = {k for k, v in codes.items() if v == "keep"}
    expect = [(k in codes and codes[k] == "leave_out") or (star and k != "" and k not in kept) for k in kinds]
    assert left_out == sum(expect)
    assert rejected == sum(b for b, e in zip(bad, expect, strict=False) if not e)


def test_a_big_file_read_in_parts_leaves_out_the_same_rows(tmp_path, monkeypatch):
    from ipseval.ingest import parts

    rows = [["client_id", "meeting_date", "attended", "Kind"]]
    rows += [
        [f"P{1 + k % 2}", f"2023-03-{1 + k % 28:02d}", "", ["Visit", "Note", "", "Call"][k % 4]]
        for k in range(80)
    ]
    codes = {
        "meetings": {"Kind": {"Visit": "keep", "Call": "keep", "*": "leave_out"}, "attended": {"": "no"}}
    }
    root = _folder(tmp_path, meetings=rows)
    whole = load(root, _settings(codes))
    monkeypatch.setattr(parts, "PART_BYTES", 300)
    parted = load(root, _settings(codes))
    assert _counts(whole, "meetings") == _counts(parted, "meetings") == (80, 60, 0, 20)
    assert _left_message(whole, "meetings") == _left_message(parted, "meetings")
    assert (
        [n for n in whole.notes if "attended" in n]
        == [n for n in parted.notes if "attended" in n]
        == ['meetings.csv: 60 blank attended cells read as no ([mapping.codes.meetings.attended] "" = "no")']
    )


def test_mappings_that_do_nothing_are_said(tmp_path):
    meetings = [["client_id", "meeting_date", "attended"], ["P1", "2023-01-10", "yes"]]
    settings = _settings(
        {"meetings": {"attended": {"": ""}}, "jobs": {"sector": {"Shop": "Retail"}}},
        columns={"meetings": {"Appt Outcom": "attended", "Meeting Dat": "meeting_date"}},
        tables={"Activity": "employer_contacts"},
    )
    ds = load(_folder(tmp_path, meetings=meetings), settings)
    warned = ds.problems.filter(pl.col("table") == "meetings")["message"].to_list()
    assert sorted(warned) == [
        '[mapping.codes.meetings.attended]: "" = "" does nothing (a blank cell is read as blank already)',
        "settings [mapping.columns.meetings] 'Appt Outcom' = 'attended' does not apply: meetings.csv has no "
        "column 'Appt Outcom'; it does nothing",
        "settings [mapping.columns.meetings] 'Meeting Dat' = 'meeting_date' does not apply: meetings.csv "
        "has no column 'Meeting Dat'; did you mean 'meeting_date'?; it does nothing",
    ]
    assert [n for n in ds.notes if n.startswith("settings")] == [
        "settings [mapping.tables] 'Activity': no file or sheet of that name in data gave a table; it does "
        "nothing",
        "settings [mapping.codes.jobs]: no jobs table was read in data; they do nothing",
    ]


def test_a_section_keyed_by_a_standard_name_in_other_case_is_that_column(tmp_path):
    meetings = [
        ["client_id", "meeting_date", "attended"],
        ["P1", "2023-01-10", "yes"],
        ["P1", "2023-01-11", "Booked"],
    ]
    ds = load(
        _folder(tmp_path, meetings=meetings), _settings({"meetings": {"Attended": {"Booked": "leave_out"}}})
    )
    assert _counts(ds, "meetings") == (2, 1, 0, 1)
    assert ds.tables["meetings"]["attended"].to_list() == [True]


@pytest.mark.parametrize("as_workbook", [False, True])
def test_a_file_mapped_to_nothing_is_left_out_on_purpose_not_said_as_unused(tmp_path, as_workbook):
    """[mapping.tables] 'Cover' = [] leaves a file or sheet out: said once as left out, never as
    unused or as a mapping that does nothing; a [] entry naming no file still is."""
    cover = [["Report", "Value"], ["Run on", "2024-01-15"]]
    root = _folder(tmp_path, meetings=[["client_id", "meeting_date", "attended"]], Cover=cover)
    source, where = root, "Cover.csv"
    if as_workbook:
        source, where = tmp_path / "export.xlsx", "export.xlsx › Cover"
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name in ("clients", "Cover"):
            ws = wb.create_sheet(name)
            with (root / f"{name}.csv").open(encoding="utf-8") as f:
                for row in csv.reader(f):
                    ws.append(row)
        wb.save(source)
    ds = load(source, _settings(tables={"Cover": [], "Summary": []}))
    files = ds.problems.filter(pl.col("expected").str.starts_with("a table of the standard"))
    assert files.height == 0
    assert [n for n in ds.notes if "Cover" in n or "Summary" in n] == [
        f"{where} was left out, as the settings [mapping.tables] say (= [])",
        f"settings [mapping.tables] 'Summary': no file or sheet of that name in {source.name} gave a "
        "table; it does nothing",
    ]
