"""Reading: folders of CSV files and .xlsx workbooks become raw text tables; unreadable input fails clearly."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest import InputError, RawDataset, read_source
from ipseval.ingest.sniff import Layout
from ipseval.ingest.template import write_template
from ipseval.settings import Settings
from ipseval.validate import validate

FIXTURES = Path(__file__).parent / "fixtures"
CLIENTS_HEAD = "client_id,local_authority,referral_date"


def write_folder(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return root


def read(path: Path, settings: Settings | None = None) -> RawDataset:
    return read_source(path, settings or Settings())


def input_error(path: Path, settings: Settings | None = None) -> str:
    with pytest.raises(InputError) as e:
        read(path, settings)
    msg = str(e.value)
    assert "\n" not in msg, "an InputError message must be one line"
    return msg


# -- folders of CSV files ------------------------------------------------------------------------


def test_clean_folder_reads_every_table_as_text_with_user_row_numbers():
    raw = read(FIXTURES / "tiny_clean")
    assert set(raw.tables) == {
        "clients",
        "meetings",
        "jobs",
        "wellbeing",
        "areas",
        "fidelity",
        "staff",
        "employer_contacts",
    }
    clients = raw.tables["clients"]
    assert clients.file == "clients.csv"
    assert clients.frame.height == 5
    assert clients.frame["_row"].to_list() == [2, 3, 4, 5, 6]
    assert clients.frame["_row"].dtype == pl.Int64
    assert all(clients.frame[c].dtype == pl.Utf8 for c in clients.frame.columns if c != "_row")
    assert clients.frame["age"].to_list()[:2] == ["34", "41"]
    assert raw.unused_files == []


def test_interviews_subfolder_is_found():
    raw = read(FIXTURES / "tiny_clean")
    assert raw.interviews_dir == FIXTURES / "tiny_clean" / "interviews"


def test_bom_and_case_and_space_insensitive_headers_are_matched():
    raw = read(FIXTURES / "uk_bom_messy_headers")
    frame = raw.tables["clients"].frame
    assert frame.columns[:4] == ["client_id", "local_authority", "referral_date", "referral_source"]
    assert frame["client_id"].to_list() == ["A1", "A2", "A3"]
    assert frame["local_authority"].to_list() == ["Leeds", "York", "Leeds"]  # surrounding spaces trimmed
    assert raw.tables["clients"].unused_columns == []


def test_unknown_columns_are_kept_out_and_reported_as_not_used():
    raw = read(FIXTURES / "broken")
    assert raw.tables["clients"].unused_columns == ["notes"]
    assert "notes" not in raw.tables["clients"].frame.columns


def test_unknown_files_are_listed_as_unused(tmp_path):
    root = write_folder(
        tmp_path / "d",
        {
            "clients.csv": f"{CLIENTS_HEAD}\nC1,Leeds,2023-01-01\n",
            "budget.csv": "a,b\n1,2\n",
            "notes.txt": "hello",
            "old/clients.csv": "x",
            "ipseval.toml": "",
        },
    )
    raw = read(root)
    assert raw.unused_files == ["budget.csv", "notes.txt", "old/"]


def test_missing_clients_file_is_a_one_line_input_error(tmp_path):
    root = write_folder(tmp_path / "d", {"meetings.csv": "client_id,meeting_date\n"})
    msg = input_error(root)
    assert msg.startswith("clients.csv: not found")
    assert "meetings.csv" not in msg or "found:" in msg


def test_folder_holding_only_a_workbook_points_to_it(tmp_path):
    root = tmp_path / "d"
    root.mkdir()
    openpyxl.Workbook().save(root / "book.xlsx")
    assert "book.xlsx" in input_error(root)


def test_missing_required_column_names_the_file_and_what_was_found(tmp_path):
    root = write_folder(tmp_path / "d", {"clients.csv": "client_id,local_authority\nC1,Leeds\n"})
    msg = input_error(root)
    assert msg.startswith(
        "clients.csv: required column 'referral_date' is missing (found: client_id, local_authority)"
    )


def test_missing_required_column_in_optional_table_sets_it_aside(tmp_path):
    """Only clients is required: an optional table that cannot be read is set aside with the
    reader's words, and the others are still read (tests/test_set_aside.py)."""
    root = write_folder(
        tmp_path / "d",
        {"clients.csv": f"{CLIENTS_HEAD}\nC1,Leeds,2023-01-01\n", "meetings.csv": "client_id,date\nC1,x\n"},
    )
    raw = read_source(root, Settings())
    assert [(s.table, s.file) for s in raw.set_aside] == [("meetings", "meetings.csv")]
    assert raw.set_aside[0].reason.startswith("meetings.csv: required column 'meeting_date' is missing")
    assert list(raw.tables) == ["clients"]


def test_windows_1252_file_is_read_with_a_warning_naming_the_encoding(tmp_path):
    content = f"{CLIENTS_HEAD}\nC1,Leeds,2023-01-01\nC2,Caf\xe9 town \u2013 east,2023-01-01\n".encode(
        "cp1252"
    )
    root = write_folder(tmp_path / "d", {"clients.csv": content})
    t = read(root).tables["clients"]
    assert t.frame["local_authority"].to_list() == ["Leeds", "Café town – east"]
    assert [(p.row, p.severity) for p in t.read_problems] == [(None, "warning")]
    assert "Windows-1252" in t.read_problems[0].message


def test_file_in_neither_utf8_nor_windows_1252_is_input_error_naming_the_byte_and_line(tmp_path):
    content = f"{CLIENTS_HEAD}\nC1,Leeds,2023-01-01\n".encode() + b"C2,Caf\x81,2023-01-01\n"
    root = write_folder(tmp_path / "d", {"clients.csv": content})
    msg = input_error(root)
    assert msg.startswith("clients.csv: is not UTF-8")
    assert "0x81 on line 3" in msg and "CSV UTF-8" in msg


def test_utf16_file_is_read_with_a_warning(tmp_path):
    for codec in ("utf-16", "utf-16-le", "utf-16-be"):
        content = f"{CLIENTS_HEAD}\r\nC1,Leeds,2023-01-01\r\n".encode(codec)
        root = write_folder(tmp_path / codec, {"clients.csv": content})
        t = read(root).tables["clients"]
        assert t.frame["client_id"].to_list() == ["C1"], codec
        assert "UTF-16" in t.read_problems[0].message


def test_semicolon_separated_file_is_read_with_a_warning_unless_commas_are_forced(tmp_path):
    root = write_folder(
        tmp_path / "d", {"clients.csv": "client_id;local_authority;referral_date\nC1;L;2023-01-01\n"}
    )
    t = read(root).tables["clients"]
    assert t.frame["client_id"].to_list() == ["C1"]
    assert "semicolons" in t.read_problems[0].message and t.read_problems[0].severity == "warning"
    forced = Settings.model_validate({"input": {"separator": ","}})
    assert "semicolons" in input_error(root, forced)


def test_empty_clients_file_is_input_error_but_empty_optional_file_is_ignored(tmp_path):
    root = write_folder(tmp_path / "a", {"clients.csv": ""})
    assert "empty" in input_error(root)
    root = write_folder(
        tmp_path / "b", {"clients.csv": f"{CLIENTS_HEAD}\nC1,Leeds,2023-01-01\n", "meetings.csv": ""}
    )
    raw = read(root)
    assert "meetings" not in raw.tables
    assert any("meetings.csv is empty" in n for n in raw.notes)


def test_fully_empty_rows_are_dropped_and_row_numbers_stay_as_the_user_sees_them(tmp_path):
    root = write_folder(
        tmp_path / "d",
        {"clients.csv": f"{CLIENTS_HEAD}\nC1,Leeds,2023-01-01\n\n,,\n  , ,\nC2,York,2023-01-02\n,,\n"},
    )
    frame = read(root).tables["clients"].frame
    assert frame["client_id"].to_list() == ["C1", "C2"]
    assert frame["_row"].to_list() == [2, 6]


def test_quoted_value_spanning_lines_is_one_row(tmp_path):
    root = write_folder(
        tmp_path / "d",
        {"clients.csv": f'{CLIENTS_HEAD},notes\nC1,Leeds,2023-01-01,"two\nlines"\nC2,York,2023-01-02,x\n'},
    )
    frame = read(root).tables["clients"].frame
    assert frame["_row"].to_list() == [2, 3]


def test_ragged_row_with_extra_cells_becomes_a_row_problem_not_a_crash(tmp_path):
    root = write_folder(
        tmp_path / "d",
        {
            "clients.csv": f"{CLIENTS_HEAD}\nC1,Leeds,2023-01-01\nC2,Leeds,Kirkgate,2023-01-02\nC3,York,2023-01-03\n"
        },
    )
    t = read(root).tables["clients"]
    assert t.frame.height == 3
    assert [p.row for p in t.read_problems] == [3]
    assert "4 cells but the header has 3" in t.read_problems[0].message


def test_short_row_is_a_problem_naming_the_missing_cells(tmp_path):
    content = (
        f"{CLIENTS_HEAD},age,sex\nC1,Leeds,2023-01-01,30,male\nC2,Leeds,2023-01-01\nC3,York,2023-01-02,40,\n"
    )
    root = write_folder(tmp_path / "d", {"clients.csv": content})
    t = read(root).tables["clients"]
    assert t.frame["age"].to_list() == ["30", None, "40"]
    assert [p.row for p in t.read_problems] == [3]
    assert "3 cells but the header has 5 (2 missing, from 'age' on)" in t.read_problems[0].message


def test_trailing_comma_and_blank_rows_are_not_ragged(tmp_path):
    content = f"{CLIENTS_HEAD},age\nC1,Leeds,2023-01-01,30,\n\n   \nC2,Leeds,2023-01-01,,\n"
    t = read(write_folder(tmp_path / "d", {"clients.csv": content})).tables["clients"]
    assert t.read_problems == [] and t.frame["_row"].to_list() == [2, 5]


def test_stray_quote_inside_a_value_is_read(tmp_path):
    root = write_folder(tmp_path / "d", {"clients.csv": f'{CLIENTS_HEAD}\nC1,St Mary"s,2023-01-01\n'})
    assert read(root).tables["clients"].frame["local_authority"].to_list() == ['St Mary"s']


def test_unclosed_quote_is_input_error_naming_the_line(tmp_path):
    root = write_folder(
        tmp_path / "d",
        {"clients.csv": f'{CLIENTS_HEAD}\nC1,Leeds,2023-01-01\nC2,"Leeds,2023-01-02\nC3,Y,2023-01-03\n'},
    )
    msg = input_error(root)
    assert msg.startswith("clients.csv:") and "line 3" in msg and "never closed" in msg


def test_two_columns_giving_the_same_standard_column_is_input_error(tmp_path):
    root = write_folder(
        tmp_path / "d", {"clients.csv": "client_id,Client ID,local_authority,referral_date\n"}
    )
    assert "both give the column 'client_id'" in input_error(root)


def test_path_not_found_and_unsupported_types_are_input_errors(tmp_path):
    assert "no such file or folder" in input_error(tmp_path / "nope")
    for name, words in [
        ("book.xls", "save it as"),
        ("data.ods", "save it as"),
        ("x.json", "unsupported"),
        ("c.csv", "folder"),
    ]:
        p = tmp_path / name
        p.write_bytes(b"x")
        assert words in input_error(p)


def test_excel_workbook_renamed_to_csv_is_input_error(tmp_path):
    root = tmp_path / "d"
    root.mkdir()
    openpyxl.Workbook().save(root / "clients.csv")
    assert "Excel workbook renamed" in input_error(root)


def test_padding_is_trimmed_wherever_it_can_occur(tmp_path):
    head = "client_id,local_authority,referral_date,sex"
    rows = [
        "C1,Leeds,2023-01-01,female",  # nothing to trim
        "C2, York ,2023-01-02,male",  # spaces around a value
        'C3,"Hull",2023-01-03,"  "',  # quoted value; quoted blank
        "C4,Leeds\t,2023-01-04,\u00a0male",  # tab; no-break space
        "C5,Leeds,2023-01-05,",  # empty last cell
    ]
    for sep in ("\n", "\r\n"):
        root = write_folder(tmp_path / f"d{len(sep)}", {"clients.csv": sep.join([head, *rows]) + sep})
        frame = read(root).tables["clients"].frame
        assert frame["local_authority"].to_list() == ["Leeds", "York", "Hull", "Leeds", "Leeds"]
        assert frame["sex"].to_list() == ["female", "male", None, "male", None]


def test_only_columns_with_padded_values_are_trimmed(tmp_path, monkeypatch):
    import ipseval.ingest.csv as ingest_csv

    content = f"{CLIENTS_HEAD},sex\r\nC1,Tower Hamlets,2023-01-01, female\r\nC2,Leeds,2023-01-02,male\r\n"
    root = write_folder(tmp_path / "d", {"clients.csv": content})
    trimmed: list[list[str]] = []
    clean = ingest_csv._clean
    monkeypatch.setattr(ingest_csv, "_clean", lambda df, cols: trimmed.append(cols) or clean(df, cols))
    frame = read(root).tables["clients"].frame
    assert trimmed == [["_c3"]]  # sex only: the space in "Tower Hamlets" is inside the value
    assert frame["local_authority"].to_list() == ["Tower Hamlets", "Leeds"]
    assert frame["sex"].to_list() == ["female", "male"]


_csv_cell = st.one_of(
    st.text(alphabet="a1 ", max_size=4),
    st.text(alphabet=["a", "1", " ", "\t", "\r", "\n", '"', ",", "\u00a0", "\u3000", "\x0b"], max_size=4),
)


@hsettings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(_csv_cell, _csv_cell, _csv_cell), max_size=6), crlf=st.booleans())
def test_skipping_the_trim_never_changes_what_is_read(rows, crlf):
    """Whatever bytes a file holds, reading it gives what trimming every cell would give."""
    import tempfile

    import ipseval.ingest.csv as ingest_csv

    sep = "\r\n" if crlf else "\n"
    text = sep.join([CLIENTS_HEAD, *(",".join(r) for r in rows)]) + sep
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "clients.csv"
        path.write_text(text, encoding="utf-8", newline="")
        try:
            got = ingest_csv.read_csv_table(path, "clients", Settings())
        except InputError as e:
            got = str(e)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(ingest_csv, "_columns_to_trim", lambda path, df, columns: columns)
            try:
                want = ingest_csv.read_csv_table(path, "clients", Settings())
            except InputError as e:
                want = str(e)
    if isinstance(want, str):
        assert got == want
    else:
        assert got.frame.equals(want.frame)
        assert got.read_problems == want.read_problems


# -- mapping ---------------------------------------------------------------------------------------

MAPPING = {
    "tables": {"Caseload": "clients", "Appointments.csv": "meetings"},
    "columns": {
        "clients": {
            "Client Ref": "client_id",
            "Area": "local_authority",
            "Date Referred": "referral_date",
            "Source": "referral_source",
            "Gender": "sex",
            "In work": "employed_at_referral",
        },
        "meetings": {"client ref": "client_id", "Appt Date": "meeting_date", "Outcome": "attended"},
    },
    "codes": {
        "clients": {
            "Source": {"DAT": "drug_alcohol_service", "Self referral": "self", "GP": "gp_health"},
            "sex": {"M": "male", "F": "female", "Not known": "unknown"},
        },
        "meetings": {"attended": {"Attended": "yes", "DNA": "no"}},
    },
}


def test_mapping_renames_local_files_and_columns():
    raw = read(FIXTURES / "mapped_export", Settings.model_validate({"mapping": MAPPING}))
    assert set(raw.tables) == {"clients", "meetings"}
    clients = raw.tables["clients"]
    assert clients.file == "Caseload.csv"
    assert clients.frame.columns == [
        "client_id",
        "local_authority",
        "referral_date",
        "referral_source",
        "employed_at_referral",
        "sex",
        "_row",
    ]
    assert raw.tables["meetings"].frame["attended"].to_list() == ["Attended", "DNA", "Attended"]


def test_mapping_to_a_name_not_in_the_standard_is_input_error():
    bad = Settings.model_validate({"mapping": {"columns": {"clients": {"Ref": "client_ref"}}}})
    msg = input_error(FIXTURES / "tiny_clean", bad)
    assert "'client_ref' is not a column of clients" in msg
    bad = Settings.model_validate({"mapping": {"tables": {"Caseload": "caseload"}}})
    assert "'caseload' is not a table" in input_error(FIXTURES / "tiny_clean", bad)


# -- Excel workbooks -------------------------------------------------------------------------------


def _book(tmp_path: Path, sheets: dict[str, list[list[object]]], name: str = "book.xlsx") -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    p = tmp_path / name
    wb.save(p)
    return p


CLIENT_ROWS = [
    ["client_id", "local_authority", "referral_date", "age", "employed_at_referral"],
    ["C1", "Leeds", datetime(2023, 1, 5), 34, True],
    ["C2", "York", "05/02/2023", 16.0, False],
    ["C3", "Hull", 43831, "41", None],
]


def test_excel_dates_as_dates_text_and_serial_numbers_become_iso_text(tmp_path):
    raw = read(_book(tmp_path, {"clients": CLIENT_ROWS}))
    frame = raw.tables["clients"].frame
    assert raw.tables["clients"].file == "book.xlsx › clients"
    assert frame["referral_date"].to_list() == ["2023-01-05", "05/02/2023", "2020-01-01"]
    assert frame["age"].to_list() == ["34", "16", "41"]
    assert frame["employed_at_referral"].to_list() == ["true", "false", None]
    assert frame["_row"].to_list() == [2, 3, 4]


def test_excel_number_in_a_text_column_stays_a_plain_number(tmp_path):
    raw = read(
        _book(tmp_path, {"clients": [CLIENT_ROWS[0], [1001.0, "Leeds", date(2023, 1, 1), None, None]]})
    )
    assert raw.tables["clients"].frame["client_id"].to_list() == ["1001"]


def test_excel_sheet_names_are_case_and_space_insensitive_and_other_sheets_unused(tmp_path):
    contacts = [["employment_specialist_id", "contact_date"], ["ES1", date(2023, 1, 1)]]
    raw = read(_book(tmp_path, {" Clients ": CLIENT_ROWS, "Employer Contacts": contacts, "Pivot": [["x"]]}))
    assert set(raw.tables) == {"clients", "employer_contacts"}
    assert raw.unused_files == ["book.xlsx › Pivot"]


def test_excel_sheet_name_mapping(tmp_path):
    s = Settings.model_validate({"mapping": {"tables": {"Caseload 2023": "clients"}}})
    raw = read(_book(tmp_path, {"Caseload 2023": CLIENT_ROWS}), s)
    assert raw.tables["clients"].file == "book.xlsx › Caseload 2023"


def test_excel_trailing_empty_rows_and_columns_are_ignored_and_rows_are_excel_rows(tmp_path):
    p = _book(tmp_path, {"clients": CLIENT_ROWS})
    wb = openpyxl.load_workbook(p)
    ws = wb["clients"]
    ws.insert_rows(3)  # an empty row between C1 and C2
    ws.cell(40, 1).number_format = "0.00"  # formatted but empty cells far below and to the right
    ws.cell(2, 30).number_format = "0.00"
    ws.cell(50, 1, value="   ")  # a cell holding only spaces counts as empty
    wb.save(p)
    frame = read(p).tables["clients"].frame
    assert frame["client_id"].to_list() == ["C1", "C2", "C3"]
    assert frame["_row"].to_list() == [2, 4, 5]


def _patch_sheet(p: Path, old: str, new: str) -> None:
    import zipfile

    with zipfile.ZipFile(p) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert old.encode() in parts[sheet]
    parts[sheet] = parts[sheet].replace(old.encode(), new.encode())
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def test_excel_formula_uses_its_saved_result(tmp_path):
    import xlsxwriter  # openpyxl cannot write a formula's saved result; Excel and xlsxwriter can

    p = tmp_path / "book.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("clients")
    ws.write_row(0, 0, ["client_id", "local_authority", "referral_date", "age"])
    ws.write_row(1, 0, ["C1", "Leeds", "2023-01-05"])
    ws.write_formula(1, 3, "=30+4", None, 34)
    ws.write_row(2, 0, ["C2", "Leeds", "2023-01-06"])
    ws.write_formula(2, 3, '=IF(1>2,30,"")', None, "")
    wb.close()
    # Excel marks a saved text result t="str"; an empty one (<v></v>) is a blank cell, not a missing result.
    _patch_sheet(p, '<c r="D3">', '<c r="D3" t="str">')
    t = read(p).tables["clients"]
    assert t.frame["age"].to_list() == ["34", None]
    assert t.read_problems == []


def test_excel_formula_without_saved_result_is_a_problem_naming_the_cell(tmp_path):
    p = _book(tmp_path, {"clients": [CLIENT_ROWS[0], ["C1", "Leeds", date(2023, 1, 5), "=30+4", None]]})
    t = read(p).tables["clients"]
    assert len(t.read_problems) == 1
    prob = t.read_problems[0]
    assert (prob.row, prob.column, prob.value) == (2, "age", "=30+4")
    assert "cell D2" in prob.message


def test_excel_error_value_is_a_problem(tmp_path):
    p = _book(tmp_path, {"clients": [CLIENT_ROWS[0], ["C1", "Leeds", date(2023, 1, 5), "#REF!", "#N/A"]]})
    t = read(p).tables["clients"]
    assert [(p.value, p.column) for p in t.read_problems] == [
        ("#REF!", "age"),
        ("#N/A", "employed_at_referral"),
    ]
    assert "cell D2" in t.read_problems[0].message and "cell E2" in t.read_problems[1].message
    assert t.frame["employed_at_referral"].to_list() == [None]  # named, not silently read as blank


def test_excel_merged_or_blank_header_cell_is_named(tmp_path):
    rows = [
        ["client_id", "local_authority", "referral_date", "Contact", None, None],
        ["C1", "Leeds", date(2023, 1, 5), "phone", "07700", None],
    ]
    p = _book(tmp_path, {"clients": rows})
    wb = openpyxl.load_workbook(p)
    wb["clients"].merge_cells("D1:E1")
    wb.save(p)
    t = read(p).tables["clients"]
    assert t.unused_columns == ["Contact", "(column E: header cell E1 is blank or merged, 1 value)"]


def test_excel_blank_header_over_a_required_column_is_named_in_the_error(tmp_path):
    p = _book(
        tmp_path, {"clients": [["client_id", "local_authority", None], ["C1", "Leeds", date(2023, 1, 5)]]}
    )
    msg = input_error(p)
    assert "required column 'referral_date' is missing" in msg and "header cell C1 is blank or merged" in msg


def test_excel_missing_clients_sheet_is_input_error(tmp_path):
    msg = input_error(_book(tmp_path, {"Sheet1": [["a"]]}))
    assert msg == (
        "book.xlsx: no sheet named 'clients' (sheets: 'Sheet1'); rename the sheet or map its name in the "
        "settings [mapping.tables]"
    )


def test_corrupt_workbook_is_input_error(tmp_path):
    p = tmp_path / "book.xlsx"
    p.write_bytes(b"PK\x03\x04 this is not a whole zip file")
    assert "cannot be opened as an .xlsx workbook" in input_error(p)


def test_text_file_named_xlsx_is_input_error_saying_so(tmp_path):
    p = tmp_path / "book.xlsx"
    p.write_bytes(b"client_id,local_authority\nC1,Leeds\n")
    assert "a text file (perhaps CSV) renamed to .xlsx" in input_error(p)


# -- template --------------------------------------------------------------------------------------


def test_blank_template_reads_and_only_fails_at_nothing_usable(tmp_path):
    p = write_template(tmp_path / "template.xlsx")
    raw = read(p)
    assert raw.tables["clients"].frame.height == 0
    assert raw.unused_files == []
    with pytest.raises(InputError, match="nothing usable"):
        validate(raw, Settings())


def test_template_has_readme_bold_frozen_headers_and_drop_downs(tmp_path):
    p = write_template(tmp_path / "template.xlsx")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames[0] == "README"
    ws = wb["clients"]
    assert [c.value for c in ws[1]][:3] == ["client_id", "local_authority", "referral_date"]
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any("drug_alcohol_service" in f for f in lists)
    readme = [[c for c in row] for row in wb["README"].iter_rows(values_only=True)]
    assert any(r[0] == "meetings" and r[1] == "mode" and "face_to_face" in r[5] for r in readme if r[1])


def test_filled_template_round_trips(tmp_path):
    p = write_template(tmp_path / "template.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb["clients"]
    header = [c.value for c in ws[1]]
    row = dict.fromkeys(header)
    row.update(
        client_id="C1", local_authority="Leeds", referral_date=datetime(2023, 1, 5), age=30, sex="female"
    )
    ws.append([row[h] for h in header])
    m = wb["meetings"]
    m.append(["C1", datetime(2023, 2, 1), "yes", "phone", "ES1"])
    wb.save(p)
    ds = validate(read(p), Settings())
    assert ds.exit_code == 0
    assert ds.tables["clients"].row(0, named=True)["referral_date"] == date(2023, 1, 5)
    assert ds.tables["meetings"]["mode"].to_list() == ["phone"]


# -- limits, serials and the byte scan ------------------------------------------------------------------


def test_excel_1900_serials_read_as_excel_shows_them_and_60_is_named(tmp_path):
    rows = [["client_id", "local_authority", "referral_date"]]
    rows += [[f"C{n}", "Leeds", n] for n in (1, 59, 60, 61, 43831)]
    t = read(_book(tmp_path, {"clients": rows})).tables["clients"]
    assert t.frame["referral_date"].to_list() == [
        "1900-01-01",
        "1900-02-28",
        None,
        "1900-03-01",
        "2020-01-01",
    ]
    assert [(p.row, p.column) for p in t.read_problems] == [(4, "referral_date")]
    assert "29/02/1900" in t.read_problems[0].message


@hsettings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12),
    final_newline=st.booleans(),
    limit=st.integers(min_value=1, max_value=30),
    chunk=st.integers(min_value=1, max_value=50),
)
def test_long_lines_are_found_whatever_the_chunk_boundaries(lines, final_newline, limit, chunk):
    """The scan's one-rfind-per-window search gives what measuring every line gives."""
    from ipseval.ingest.scan import _LongLines

    data = b"\n".join(b"x" * n for n in lines) + (b"\n" if final_newline else b"")
    finder, found, base = _LongLines(limit), None, 0
    for i in range(0, len(data), chunk):
        piece = data[i : i + chunk]
        found = finder.over(piece, base) if found is None else found
        base += len(piece)
    if found is None:
        found = finder.over_at_end(len(data))
    starts = [sum(n + 1 for n in lines[:k]) for k in range(len(lines))]
    want = next((s for s, n in zip(starts, lines, strict=True) if n > limit), None)
    assert found == want


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    root = write_folder(
        tmp_path / "d", {"clients.csv": f"{CLIENTS_HEAD}\n" + "C1,Leeds,2023-01-01\n" * 70_000}
    )
    msg = input_error(root, Settings.model_validate({"input": {"max_file_mb": 1}}))
    assert msg.startswith("clients.csv: the file is 1.3 MB, over the limit of 1.0 MB")


@hsettings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(st.text(alphabet="ab \t", max_size=3), max_size=6), max_size=8),
    crlf=st.booleans(),
)
def test_short_rows_found_from_the_bytes_are_the_ones_the_careful_reader_finds(rows, crlf):
    """Without quotes one line is one row, so counting commas per line names the same rows."""
    import tempfile

    import ipseval.ingest.csv as ingest_csv

    header = f"{CLIENTS_HEAD},age"
    sep = "\r\n" if crlf else "\n"
    text = sep.join([header, *(",".join(r) for r in rows)]) + sep
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "clients.csv"
        path.write_text(text, encoding="utf-8", newline="")
        # commas forced: a file of a few ragged rows with tabs could look tab-separated to the sniff
        commas = Settings.model_validate({"input": {"separator": ","}})
        got = ingest_csv.read_csv_table(path, "clients", commas)
        _, want = ingest_csv._read_careful(path, "clients.csv", header.split(","), Layout(sniffed=False))
    # A lone cell of words is a note row, left out with a warning instead (see ingest.note_rows).
    notes = {p.row for p in got.read_problems if p.message.startswith("a note, not a record")}
    shape = [(p.row, p.message) for p in got.read_problems if p.row not in notes]
    assert shape == [(p.row, p.message) for p in want if p.row not in notes]
