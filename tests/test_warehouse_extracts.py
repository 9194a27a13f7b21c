"""A data warehouse's extract (pipe-delimited ANSI .txt files): a table split over several files,
record-count trailer lines, yyyymmdd dates with 99991231 for 'not ended', and problems that name
the table of a file giving two. Tiny files, worked out by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest.split_files import differ_by_part, part_table
from ipseval.ingest.trailers import trailer_count
from ipseval.problem_groups import group_problems
from ipseval.settings import Settings
from ipseval.validate import load
from ipseval.validate_dates import read_dates

CLIENTS = "CLNT|LA|REF_DT\r\n101|Leeds|2023-01-02\r\n102|Hull|2023-01-03\r\n103|Hull|2023-02-03\r\n"
COLUMNS = {"CLNT": "client_id", "LA": "local_authority", "REF_DT": "referral_date"}
# contacts in two parts, P2 with its columns in another order and one more column (row numbers by hand)
P1 = "CLNT|CNT_DT|ATT\r\n101|2023-03-01|Y\r\n102|2023-03-02|Y\r\n|2023-03-03|N\r\n"  # row 4: blank id
P2 = "ATT|SITE|CNT_DT|CLNT\r\nY|A|2023-04-01|103\r\nN|B|2023-04-02|999\r\n"  # row 3: unknown client


def _settings(**extra) -> Settings:
    mapping = {
        "tables": {"CLIENTS.txt": "clients", "CNTCT_P1.txt": "meetings", "CNTCT_P2.txt": "meetings"},
        "columns": {
            "clients": COLUMNS,
            "meetings": {"CLNT": "client_id", "CNT_DT": "meeting_date", "ATT": "attended"},
        },
    }
    mapping.update(extra)
    return Settings.model_validate({"mapping": mapping})


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "export"
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).write_bytes(text.encode("cp1252"))
    return root


def _counts(ds, table: str) -> tuple[int, int, int]:
    r = ds.row_counts.filter(pl.col("table") == table).row(0, named=True)
    return r["rows_read"], r["rows_used"], r["rows_rejected"]


def _errors(ds, table: str) -> list[tuple]:
    p = ds.problems.filter((pl.col("table") == table) & (pl.col("severity") == "error"))
    return sorted((r["file"], r["row"], r["column"], r["value"]) for r in p.iter_rows(named=True))


# -- one table from several files ----------------------------------------------------------------
def test_two_files_mapped_to_one_table_are_read_as_one_naming_each_rows_file(tmp_path):
    root = _folder(tmp_path, {"CLIENTS.txt": CLIENTS, "CNTCT_P1.txt": P1, "CNTCT_P2.txt": P2})
    ds = load(root, _settings())
    assert _counts(ds, "meetings") == (5, 3, 2)
    assert _errors(ds, "meetings") == [
        ("CNTCT_P1.txt", 4, "client_id", None),
        ("CNTCT_P2.txt", 3, "client_id", "999"),
    ]
    unused = ds.problems.filter((pl.col("table") == "meetings") & pl.col("column").str.starts_with("SITE"))
    assert unused["column"].to_list() == ["SITE (only in CNTCT_P2.txt)"]  # P2's extra column, named once


def test_an_id_given_twice_across_parts_is_caught_naming_the_first_rows_file(tmp_path):
    part1 = "CLNT|LA|REF_DT\r\n101|Leeds|2023-01-02\r\n102|Hull|2023-01-03\r\n"
    part2 = "LA|CLNT|REF_DT\r\nHull|103|2023-02-03\r\nLeeds|101|2023-02-04\r\n"
    root = _folder(tmp_path, {"CLIENTS_P1.txt": part1, "CLIENTS_P2.txt": part2})
    tables = {"CLIENTS_P1.txt": "clients", "CLIENTS_P2.txt": "clients"}
    ds = load(root, Settings.model_validate({"mapping": {"tables": tables, "columns": {"clients": COLUMNS}}}))
    dup = ds.problems.filter(pl.col("expected") == "each client_id once").row(0, named=True)
    assert (dup["file"], dup["row"], dup["message"]) == (
        "CLIENTS_P2.txt",
        3,
        "duplicate of row 2 of CLIENTS_P1.txt",
    )


def test_a_file_whose_name_differs_only_by_its_part_is_read_with_the_mapped_one(tmp_path):
    root = _folder(tmp_path, {"CLIENTS.txt": CLIENTS, "CNTCT_P1.txt": P1, "CNTCT_P2.txt": P2})
    only_p1 = {"CLIENTS.txt": "clients", "CNTCT_P1.txt": "meetings"}
    ds = load(root, _settings(tables=only_p1))
    assert _counts(ds, "meetings") == (5, 3, 2)
    assert any("CNTCT_P2.txt was read with CNTCT_P1.txt" in n for n in ds.notes)
    left_aside = load(root, _settings(tables={**only_p1, "CNTCT_P2.txt": []}))
    assert _counts(left_aside, "meetings") == (3, 2, 1)


def test_standard_names_with_part_numbers_are_read_together_but_a_lone_one_is_not(tmp_path):
    clients = "client_id,local_authority,referral_date\nC1,Leeds,2023-01-02\nC2,Hull,2023-01-03\n"
    part = "client_id,meeting_date,attended\n{}\n"
    files = {
        "clients.csv": clients,
        "meetings_part1.csv": part.format("C1,2023-02-01,yes"),
        "meetings_part2.csv": part.format("C2,2023-02-02,no"),
        "jobs_2023.csv": "client_id,start_date\nC1,2023-03-01\n",
    }
    ds = load(_folder(tmp_path, files), Settings())
    assert _counts(ds, "meetings") == (2, 2, 0)
    assert "jobs" not in set(ds.row_counts["table"])


def test_names_that_differ_only_by_a_part_number_or_date():
    assert differ_by_part("IPS_CNTCT_P1_20240105", "IPS_CNTCT_P2_20240105")
    assert differ_by_part("meetings_2023", "meetings-2024")
    assert differ_by_part("Contacts part1", "Contacts part2")
    assert not differ_by_part("IPS_CNTCT_P1", "IPS_CLNT_P1")
    assert not differ_by_part("meetings", "meetings_2")
    assert not differ_by_part("meetings_1", "meetings_1")
    assert part_table("meetings_part2") == "meetings"
    assert part_table("employer_contacts_2023") == "employer_contacts"
    assert part_table("meetings") is None


@given(st.lists(st.sampled_from(["ips", "cntct", "data", "x"]), min_size=1, max_size=3), st.integers(1, 99))
def test_any_name_with_two_part_numbers_differs_only_by_its_part(words, k):
    a, b = "_".join([*words, f"P{k}"]), "_".join([*words, f"P{k + 1}"])
    assert differ_by_part(a, b) and differ_by_part(b, a)


# -- record-count trailers -------------------------------------------------------------------------
def test_a_trailer_is_left_out_named_once_and_its_count_checked(tmp_path):
    root = _folder(tmp_path, {"CLIENTS.txt": CLIENTS + "TRAILER|3\r\n", "CNTCT_P1.txt": P1 + "TRL|9\r\n"})
    ds = load(root, _settings(tables={"CLIENTS.txt": "clients", "CNTCT_P1.txt": "meetings"}))
    assert _counts(ds, "clients") == (3, 3, 0)
    assert _counts(ds, "meetings") == (3, 2, 1)  # row 4's blank id only: the trailer is no row
    said = ds.problems.filter(pl.col("message").str.contains("record-count line"))
    assert sorted(zip(said["file"], said["row"], said["severity"], strict=True)) == [
        ("CLIENTS.txt", 5, "warning"),
        ("CNTCT_P1.txt", 5, "warning"),  # a trailer
        ("CNTCT_P1.txt", 5, "warning"),  # its count, 9, is not the 3 rows read
    ]
    assert said.filter(pl.col("value") == "9")["message"][0].startswith(
        "the record-count line says 9 rows but 3 were read (fewer)"
    )


def test_record_count_lines_in_their_usual_forms():
    assert trailer_count(["TRAILER", "259", None, ""]) == 259
    assert trailer_count(["EOF", "1,204"]) == 1204
    assert trailer_count(["Record count: 17"]) == 17
    assert trailer_count(["Total records", "3"]) == 3
    assert trailer_count(["42 rows"]) == 42
    assert trailer_count(["TRAILER", "259", "x"]) is None
    assert trailer_count(["101", "259"]) is None
    assert trailer_count(["Total", "259"]) is None  # a totals row (ingest.note_rows), not a trailer


@given(st.integers(0, 10_000_000), st.sampled_from(["TRAILER", "trl", "EOF", "Rows", "Record count"]))
def test_a_trailer_gives_back_its_count(n, word):
    assert trailer_count([word, str(n)]) == n
    assert trailer_count([word, f"{n:,}"]) == n


# -- yyyymmdd dates and 9999 sentinels -------------------------------------------------------------
def test_yyyymmdd_dates_are_read_with_one_warning_and_99991231_asks_to_be_mapped(tmp_path):
    jobs = "CLNT|START|END\r\n101|20230301|99991231\r\n102|20230302|20230901\r\n"
    root = _folder(tmp_path, {"CLIENTS.txt": CLIENTS, "JOBS.txt": jobs})
    columns = {"clients": COLUMNS, "jobs": {"CLNT": "client_id", "START": "start_date", "END": "end_date"}}
    tables = {"CLIENTS.txt": "clients", "JOBS.txt": "jobs"}
    ds = load(root, Settings.model_validate({"mapping": {"tables": tables, "columns": columns}}))
    err = ds.problems.filter((pl.col("table") == "jobs") & (pl.col("severity") == "error")).row(0, named=True)
    assert (err["row"], err["column"], err["value"]) == (2, "end_date", "99991231")
    assert '[mapping.codes.jobs.end_date]: "99991231" = ""' in err["message"]
    notes = ds.problems.filter(pl.col("message").str.contains("yyyymmdd"))
    assert sorted(notes["column"]) == ["end_date", "start_date"]
    assert "'20230301' as 1 March 2023" in notes.filter(pl.col("column") == "start_date")["message"][0]
    codes = {"jobs": {"end_date": {"99991231": ""}}}
    mapped = load(
        root, Settings.model_validate({"mapping": {"tables": tables, "columns": columns, "codes": codes}})
    )
    assert _counts(mapped, "jobs") == (2, 2, 0)


def test_year_9999_in_other_forms_asks_to_be_mapped_too():
    found = read_dates(pl.Series(["9999-12-31", "31-DEC-9999", "2023-01-05"]), "dmy", "end_date", "staff")
    assert found.dates.to_list() == [None, None, date(2023, 1, 5)]
    (f,) = found.findings
    assert f.mask.to_list() == [True, True, False]
    assert '"31-DEC-9999" = ""' in f.message[1] and "[mapping.codes.staff.end_date]" in f.message[1]


def test_excel_day_numbers_and_other_numbers_are_not_read_as_yyyymmdd():
    serials = read_dates(pl.Series(["45250", "45251"]), "dmy", "start_date")
    assert serials.dates.to_list() == [date(2023, 11, 20), date(2023, 11, 21)]
    odd = read_dates(pl.Series(["02072022", "20221301", "2022070", "202207021"]), "dmy", "start_date")
    assert odd.dates.to_list() == [None] * 4


@hsettings(max_examples=200, deadline=None)  # a correctness property: no time limit under load
@given(st.dates(date(1900, 1, 1), date(2099, 12, 31)))
def test_any_yyyymmdd_date_reads_back_as_itself(day):
    found = read_dates(pl.Series([day.strftime("%Y%m%d")]), "dmy", "start_date")
    assert found.dates.to_list() == [day]
    assert not found.findings


# -- problems of a file giving two tables; notes said once ------------------------------------------
def test_a_file_giving_two_tables_names_the_table_and_a_broken_line_once(tmp_path):
    contacts = (
        "CLNT|TYPE|CNT_DT|EMPLOYER\r\n"
        "101|meeting|2023-03-01|\r\n"
        "102|meeting|2023-03-02|x|extra\r\n"  # row 3: one cell too many (a bar inside a value)
        "|employer|2023-03-03|\r\n"  # row 4: an employer contact with no employer
    )
    tables = {"CLIENTS.txt": "clients", "CONTACTS.txt": ["meetings", "employer_contacts"]}
    columns = {
        "clients": COLUMNS,
        "meetings": {"CLNT": "client_id", "CNT_DT": "meeting_date"},
        "employer_contacts": {"CNT_DT": "contact_date", "EMPLOYER": "employer"},
    }
    codes = {
        "meetings": {"TYPE": {"meeting": "keep", "*": "leave_out"}},
        "employer_contacts": {"TYPE": {"employer": "keep", "*": "leave_out"}},
    }
    root = _folder(tmp_path, {"CLIENTS.txt": CLIENTS, "CONTACTS.txt": contacts})
    ds = load(
        root, Settings.model_validate({"mapping": {"tables": tables, "columns": columns, "codes": codes}})
    )
    causes = group_problems(ds.problems)
    broken = causes.filter(pl.col("expected").str.contains("cells, as in the header row"))
    assert broken["file"].to_list() == ["CONTACTS.txt (meetings)"]
    assert causes.filter(pl.col("file") == "CONTACTS.txt (employer_contacts)").height >= 1
    separators = causes.filter(pl.col("expected") == "columns separated by commas")
    assert separators["file"].to_list() == ["CLIENTS.txt and CONTACTS.txt"]


def test_an_ansi_txt_extract_is_not_told_to_use_excel(tmp_path):
    root = _folder(tmp_path, {"CLIENTS.txt": CLIENTS.replace("Leeds", "Leeds – Café")})
    ds = load(root, _settings(tables={"CLIENTS.txt": "clients"}))
    said = ds.problems.filter(pl.col("value") == "cp1252")["message"][0]
    assert "Excel" not in said.split("):")[-1] and "ask for the extract in UTF-8" in said


def test_a_header_record_above_the_column_names_is_a_title_line(tmp_path):
    root = _folder(tmp_path, {"CLIENTS.txt": "HDR|IPS_CLNT_REF|20240105\r\n" + CLIENTS + "TRAILER|3\r\n"})
    ds = load(root, _settings(tables={"CLIENTS.txt": "clients"}))
    assert _counts(ds, "clients") == (3, 3, 0)
    title = ds.problems.filter(pl.col("expected") == "the column names in the first row")
    assert title["value"].to_list() == ["HDR IPS_CLNT_REF 20240105"]


def test_map_gives_a_second_part_the_first_parts_table_and_says_a_shared_note_once(tmp_path):
    from ipseval.ingest.propose import propose
    from ipseval.ingest.propose_toml import proposal_toml

    meetings = "CLIENT_ID|MEETING_DATE|ATTENDED\r\n101|2023-03-01|Y\r\n102|2023-03-02|N\r\n"
    later = "MEETING_DATE|CLIENT_ID|ATTENDED|SITE\r\n2023-04-01|103|Y|A\r\n2023-04-02|101|N|B\r\n"
    clients = "CLIENT_ID|LOCAL_AUTHORITY|REFERRAL_DATE\r\n101|Leeds|2023-01-02\r\n102|Hull|2023-01-03\r\n"
    files = {"CLIENTS.txt": clients, "MEETINGS_P1.txt": meetings + "TRAILER|2\r\n", "MEETINGS_P2.txt": later}
    p = propose(_folder(tmp_path, files))
    by_name = {t.local: t for t in p.tables}
    assert by_name["MEETINGS_P1.txt"].standard == "meetings"
    # the second part is given the first part's table in the settings (propose_split), said so
    assert by_name["MEETINGS_P2.txt"].standard == "meetings" and by_name["MEETINGS_P2.txt"].part_of is None
    assert by_name["MEETINGS_P1.txt"].rows == 2  # the trailer is no row
    shared = [n for n in p.notes if "vertical bars" in n]
    assert len(shared) == 1 and shared[0].startswith("3 files: 'CLIENTS.txt', 'MEETINGS_P1.txt'")
    assert '"MEETINGS_P2.txt" = "meetings"' in proposal_toml(p)


def test_a_workbook_may_give_one_table_in_two_sheets_each_ending_in_a_trailer(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "Clients 2023"
    for row in (["client_id", "local_authority", "referral_date"], ["C1", "Leeds", "2023-01-02"], ["TRL", 1]):
        first.append(row)
    second = wb.create_sheet("Clients 2024")
    for row in (["referral_date", "client_id", "local_authority"], ["2024-01-03", "C1", "Hull"], ["TRL", 1]):
        second.append(row)
    wb.save(tmp_path / "book.xlsx")
    tables = {"Clients 2023": "clients", "Clients 2024": "clients"}
    ds = load(tmp_path / "book.xlsx", Settings.model_validate({"mapping": {"tables": tables}}))
    assert _counts(ds, "clients") == (2, 1, 1)
    dup = ds.problems.filter(pl.col("expected") == "each client_id once").row(0, named=True)
    assert (
        dup["file"] == "book.xlsx › Clients 2024"
        and dup["message"] == "duplicate of row 2 of book.xlsx › Clients 2023"
    )


def test_a_mapped_column_only_some_parts_have_is_no_problem_one_none_has_is_said_once(tmp_path):
    root = _folder(tmp_path, {"CLIENTS.txt": CLIENTS, "CNTCT_P1.txt": P1, "CNTCT_P2.txt": P2})
    meetings = {
        "CLNT": "client_id",
        "CNT_DT": "meeting_date",
        "ATT": "attended",
        "SITE": "mode",
        "NOPE": "employment_specialist_id",
    }
    ds = load(root, _settings(columns={"clients": COLUMNS, "meetings": meetings}))
    absent = ds.problems.filter(pl.col("expected") == "a column of the file")
    assert absent["value"].to_list() == ["NOPE"]
