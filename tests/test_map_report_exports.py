"""`ipseval map` on a scheduled reporting system's export (invented, in the manner of trial 8): one
contacts report cut into a file per financial year, each stamped with its run's time; a semicolon
file writing hours with decimal commas; a caseload with both a received and an accepted referral
date; Universal Credit's conditionality groups; text reminders logged among the meetings with the
status 'Sent'; and job outcomes that are not paid new starts. Each is proposed as the standard reads
it, and validate reads the proposal unedited."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ipseval.ingest.decimal_commas import dotted
from ipseval.ingest.mapping import LEAVE_OUT
from ipseval.ingest.part_names import differ_by_part, is_part_word, part_key
from ipseval.ingest.propose import propose
from ipseval.ingest.propose_codes import guess_code
from ipseval.ingest.propose_columns import column_spec
from ipseval.ingest.propose_toml import write_proposal
from ipseval.settings import Settings, load_settings
from ipseval.validate import load

CASELOAD = """Person ID,Locality,Referral Received Date,Referral Accepted Date,Benefits at Referral,Staff
1001,Leeds,01/04/2022,04/04/2022,Universal Credit (no work requirements),S1
1002,Leeds,03/05/2022,10/05/2022,Universal Credit (searching for work),S1
1003,York,20/06/2022,21/06/2022,Universal Credit (working enough),S2
1004,York,02/07/2022,15/07/2022,ESA (Support Group),S2
1005,Leeds,11/08/2022,12/08/2022,PIP only,S1
1006,York,01/09/2022,05/09/2022,Universal Credit (preparing for work),S2
"""
HEADER = "Contact ID,Person ID,Contact Date,Contact Type,Contact Outcome,Staff Code\n"
CONTACTS = {  # one report, a file per financial year, each run a minute later
    "RPT15_Contacts_FY2022-23_20240108_0603.csv": [
        "C1,1001,2022-04-20,Face to Face,Attended,S1",
        "C2,1001,2022-05-02,Text Message,Sent,S1",
        "C3,1002,2022-05-20,Telephone,Did Not Attend,S1",
        "C4,1003,2022-07-01,Face to Face,Attended,S2",
        "C5,1004,2022-08-01,Telephone,Attended,S2",
    ],
    "RPT15_Contacts_FY2023-24_20240108_0604.csv": [
        "C6,1005,2023-04-20,Face to Face,Attended,S1",
        "C7,1005,2023-05-02,Text Message,Sent,S1",
        "C8,1006,2023-05-20,Telephone,Cancelled by Patient,S2",
        "C9,1006,2023-06-01,Face to Face,Booked,S2",
        "C10,1002,2023-06-05,Face to Face,Attended,S1",
    ],
}
OUTCOMES = """Outcome ID;Person Ref;Outcome Type;Employment Start Date;Hours Worked (per week);Self Employed
O1;1001;Paid employment - new start;01-Jun-2022;37,5;N
O2;1002;Job retention - in work at referral;10-May-2022;22,5;N
O3;1003;Voluntary work;01-Aug-2022;6;N
O4;1004;Paid employment - new start;01-Sep-2022;16;N
O5;1005;Work placement / trial (unpaid);01-Oct-2022;varies;N
O6;1006;Paid employment - new start;01-Nov-2022;22,5;N
"""

ENGAGEMENT = """Activity ID,Activity Date,Staff Code,Employer / Organisation,Activity Type
""" + "".join(
    f"EA{k},{k + 1:02}/03/2023,S{k % 2 + 1},{employer},{kind}\n"
    for k, (employer, kind) in enumerate(
        [
            ("Acme Ltd", "Telephone call"),
            ("Bloggs & Co", "Employer visit (face to face)"),
            ("Acme Ltd", "Email"),
        ]
        * 3
    )
)


def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "RPT12_Caseload_20240108_0602.csv").write_text(CASELOAD, encoding="utf-8")
    for name, rows in CONTACTS.items():
        (folder / name).write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    (folder / "RPT33_Employment_Outcomes_20240108_0607.csv").write_text(OUTCOMES, encoding="utf-8")
    (folder / "RPT40_Employer_Engagement_20240108_0608.csv").write_text(ENGAGEMENT, encoding="utf-8")
    return folder


@pytest.fixture
def proposed(tmp_path):
    folder = export(tmp_path)
    return folder, propose(folder)


def _column(p, table: str, local: str):
    return next(c for t in p.tables if t.standard == table for c in t.columns if c.local == local)


def _codes(p, table: str, local: str) -> dict[str, str | None]:
    return {g.value: g.code for g in _column(p, table, local).codes}


# -- 1. files of one report cut by period ----------------------------------------------------------
def test_files_of_one_report_cut_by_year_and_run_time_are_one_table(proposed):
    _folder, p = proposed
    tables = p.mapping()["tables"]
    assert [tables[name] for name in CONTACTS] == ["meetings", "meetings"]
    assert tables["RPT12_Caseload_20240108_0602.csv"] == "clients"  # other words: another table
    # a later part takes no table of its own: the employer contacts stay the engagement file's
    assert tables["RPT40_Employer_Engagement_20240108_0608.csv"] == "employer_contacts"
    # the settings map a column once for every part: a later part's labels are proposed with it
    assert {"Booked", "Cancelled by Patient"} <= set(p.settings().mapping.codes["meetings"]["attended"])


def test_calls_in_a_file_naming_no_client_are_employer_contacts_not_meetings(proposed):
    _folder, p = proposed
    engagement = [t for t in p.tables if t.local.startswith("RPT40")]
    assert [t.standard for t in engagement] == ["employer_contacts"]  # no meetings from it
    assert not engagement[0].filters  # its telephone calls and emails are kept


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("RPT0415_IPS_Contacts_FY2019-20_20240108_0603", "RPT0415_IPS_Contacts_FY2020-21_20240108_0604"),
        ("contacts_2019-20", "contacts_2020-21"),
        ("Contacts Q1 2023", "Contacts Q2 2023"),
        ("contacts_Jan2024", "contacts_Feb2024"),
        ("contacts_2023Q4", "contacts_2024Q1"),
        ("meetings_P1", "meetings_part2"),
        ("meetings_March", "meetings_April"),
    ],
)
def test_names_differing_only_by_periods_and_run_times_are_parts(a, b):
    assert differ_by_part(a, b) and part_key(a) == part_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("RPT0412_IPS_Caseload_20240108_0602", "RPT0415_IPS_Contacts_FY2019-20_20240108_0603"),
        ("RPT0412_IPS_Caseload_20240108", "RPT0415_IPS_Caseload_20240108"),  # another report's number
        ("clients_v1", "clients_v2"),  # a second version repeats the rows
        ("contacts_2023", "contacts_2023"),
    ],
)
def test_names_differing_in_a_word_are_not_parts(a, b):
    assert not differ_by_part(a, b)


def test_what_numbers_or_dates_a_part():
    assert all(map(is_part_word, ["p1", "0603", "fy2019", "20", "q1", "2023q4", "jan2024", "march"]))
    assert not any(map(is_part_word, ["v2", "rpt0412", "contacts", "h2o", "mayday"]))


def test_validate_reads_an_unmapped_period_file_with_its_twin_but_not_one_with_other_columns(tmp_path):
    folder = export(tmp_path)
    other = folder / "RPT15_Contacts_FY2021-22_20240108_0601.csv"
    other.write_text("Team,Total contacts\nNorth,40\n", encoding="utf-8")  # a summary named alike
    first = next(iter(CONTACTS))
    columns = {"Person ID": "client_id", "Contact Date": "meeting_date", "Contact Outcome": "attended"}
    settings = Settings.model_validate(
        {
            "mapping": {
                "tables": {"RPT12_Caseload_20240108_0602.csv": "clients", first: "meetings"},
                "columns": {
                    "clients": {
                        "Person ID": "client_id",
                        "Locality": "local_authority",
                        "Referral Accepted Date": "referral_date",
                    },
                    "meetings": columns,
                },
                "codes": {"meetings": {"attended": {"Sent": "leave_out", "Booked": "leave_out"}}},
            }
        }
    )
    ds = load(folder, settings)
    counts = ds.row_counts.filter(pl.col("table") == "meetings").row(0, named=True)
    assert counts["rows_read"] == 10  # both years' files
    assert any("FY2023-24_20240108_0604.csv was read with" in n for n in ds.notes)
    assert any(other.name in n and "columns are not the same" in n for n in ds.notes)


# -- 2. hours with decimal commas ------------------------------------------------------------------
def test_hours_with_decimal_commas_are_mapped_and_read(proposed):
    _folder, p = proposed
    hours = _column(p, "jobs", "Hours Worked (per week)")
    assert hours.standard == "hours_per_week"
    assert {g.value: (g.code, g.as_is) for g in hours.codes} == {
        "22,5": ("22.5", True),  # read by validate as it is: said, not mapped
        "37,5": ("37.5", True),
        "varies": ("", False),
    }


def test_decimal_commas_are_read_only_where_a_comma_cannot_separate_columns(tmp_path):
    assert [dotted(v) for v in ("37,5", "0,125", "-1,25", "1,500", "37.5", "varies")] == [
        "37.5",
        "0.125",
        "-1.25",
        None,  # thousands, perhaps
        None,
        None,
    ]
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "clients.csv").write_text("client_id,local_authority,referral_date\nc1,Leeds,2022-01-01\n")
    (folder / "jobs.csv").write_text('client_id,start_date,hours_per_week\nc1,2022-02-01,"37,5"\n')
    ds = load(folder, Settings())  # a comma file: still a problem, saying what to write
    assert "decimal comma (write 37.5)" in " ".join(ds.problems["message"].to_list())
    p = propose(folder)  # ... for which map proposes the number
    assert {g.value: g.code for g in _column(p, "jobs", "hours_per_week").codes} == {"37,5": "37.5"}
    (folder / "jobs.csv").write_text("client_id;start_date;hours_per_week\nc1;2022-02-01;37,5\n")
    ds = load(folder, Settings())
    assert ds.tables["jobs"]["hours_per_week"].to_list() == [37.5]
    said = ds.problems.filter(pl.col("column") == "hours_per_week")["message"].to_list()
    assert any("decimal comma" in m and "'37,5' as 37.5" in m for m in said)


# -- 3. the accepted referral date ------------------------------------------------------------------
def test_the_accepted_referral_date_is_taken_over_the_received_one(proposed):
    _folder, p = proposed
    assert _column(p, "clients", "Referral Accepted Date").standard == "referral_date"
    received = _column(p, "clients", "Referral Received Date")
    assert received.standard is None and "accepted onto the caseload" in received.advice


# -- 4. Universal Credit's conditionality groups -------------------------------------------------
@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Universal Credit (no work requirements)", "out_of_work"),
        ("UC - no work-related requirements", "out_of_work"),
        ("Universal Credit (searching for work)", "out_of_work"),
        ("Universal Credit (preparing for work)", "out_of_work"),
        ("Universal Credit (planning for work)", "out_of_work"),
        ("Universal Credit (working enough)", "in_work"),
        ("Universal Credit (working - earnings top-up)", "in_work"),
        ("ESA (Work Related Activity Group)", "out_of_work"),
        ("ESA (Support Group)", "out_of_work"),
        ("PIP only", "none"),
    ],
)
def test_benefit_labels_read_as_the_standard_counts_them(label, code):
    assert guess_code(label, column_spec("clients", "benefits")).code == code


# -- 5. text reminders among the meetings ----------------------------------------------------------
def test_a_message_status_is_no_attendance_and_its_text_rows_are_left_out(proposed):
    _folder, p = proposed
    attended = {
        g.value: (g.code, g.confidence < 0.8) for g in _column(p, "meetings", "Contact Outcome").codes
    }
    assert attended["Sent"] == (LEAVE_OUT, True)  # to check
    assert attended["Attended"] == ("yes", False)
    assert _codes(p, "meetings", "Contact Type")["Text Message"] == LEAVE_OUT


@pytest.mark.parametrize("status", ["Sent", "Delivered", "Read", "SMS sent", "Not delivered", "Failed"])
def test_message_statuses_are_left_out_not_attended(status):
    assert guess_code(status, column_spec("meetings", "attended")).code == LEAVE_OUT


def test_a_text_contact_stays_a_meeting_when_no_status_says_it_was_a_message(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "clients.csv").write_text("client_id,local_authority,referral_date\nc1,Leeds,2022-01-01\n")
    rows = "".join(f"c1,2022-02-{d:02},{m},{a}\n" for d, (m, a) in enumerate(
        [("Face to face", "Attended"), ("Text", "Attended"), ("Phone", "DNA")] * 3, start=1))  # fmt: skip
    (folder / "meetings.csv").write_text("client_id,meeting_date,mode,attended\n" + rows)
    assert _codes(propose(folder), "meetings", "mode")["Text"] == "other"


# -- 6. job outcomes that are not paid new starts --------------------------------------------------
def test_outcomes_other_than_paid_new_starts_are_left_out_to_check(proposed):
    _folder, p = proposed
    jobs = next(t for t in p.tables if t.standard == "jobs")
    f = next(f for f in jobs.filters if f.column == "Outcome Type")
    assert {g.value: g.code for g in f.entries} == {
        "Paid employment - new start": "keep",
        "Job retention - in work at referral": LEAVE_OUT,
        "Voluntary work": LEAVE_OUT,
        "Work placement / trial (unpaid)": LEAVE_OUT,
    }
    assert f.every_other and all(g.confidence < 0.8 for g in f.entries)  # marked CHECK


# -- the whole proposal ---------------------------------------------------------------------------
def test_validate_reads_the_unedited_proposal(proposed):
    folder, p = proposed
    ds = load(folder, load_settings(write_proposal(p, folder / "ipseval.toml")))
    assert ds.n_errors == 0, ds.problems.filter(pl.col("severity") == "error").to_dicts()
    counts = {r["table"]: r for r in ds.row_counts.iter_rows(named=True)}
    assert (counts["meetings"]["rows_read"], counts["meetings"]["rows_used"]) == (10, 7)  # 2 texts, 1 booking
    assert ds.tables["jobs"]["hours_per_week"].to_list() == [37.5, 16, 22.5]  # paid new starts only
    assert ds.tables["clients"]["referral_date"].to_list()[0].isoformat() == "2022-04-04"
    assert ds.tables["clients"]["benefits"].to_list()[0] == "out_of_work"
    assert counts["employer_contacts"]["rows_used"] == 9
