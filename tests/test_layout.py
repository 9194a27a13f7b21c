"""The layout of an export: the column separator of a CSV file (comma, semicolon, tab or vertical
bar, found from the first lines or set in [input] separator) and title rows above the header (CSV
files and workbook sheets), found alike by validate's reader and by ``ipseval map``; row numbers
stay those of the file."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest import InputError, read_source
from ipseval.ingest.csv import read_csv_table
from ipseval.ingest.propose import SURE, propose_export
from ipseval.ingest.propose_read import read_export
from ipseval.ingest.sniff import header_index, sniff_separator
from ipseval.settings import Settings

HEAD = ["client_id", "local_authority", "referral_date", "age"]


def write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8", newline="")
    return root


# -- the separator ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ("a,b,c\n1,2,3\n4,5,6\n", ","),
        ("a;b;c\n1;2;3\n4;5;6\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        # values holding another separator: unquoted £1,200 in a semicolon file
        ("id;pay;hours\nC1;£1,200;16\nC2;£950;20\nC3;£1,050;12\n", ";"),
        # quoted cells holding other separators do not split their record
        ('id,note,pay\nC1,"a; b; c","£1,200"\nC2,"x|y","3"\n', ","),
        ('id;note\nC1;"a, b, c"\nC2;"d, e"\n', ";"),
        # one column: nothing splits, read with commas
        ("client_id\nC1\nC2\n", ","),
        # titles above the header do not confuse it
        ("Pathway export - all teams\nRun date: 09/01/2023 08:47\nA;B;C\n1;2;3\n", ";"),
    ],
)
def test_the_separator_is_found_from_the_first_lines(text, sep):
    assert sniff_separator(text) == sep


def test_a_semicolon_file_is_read_by_validate_and_map_alike_with_a_warning(tmp_path):
    root = write(
        tmp_path / "d",
        {
            "clients.csv": "client_id;local_authority;referral_date;age\nC1;Leeds;2023-01-01;30\nC2;York;;£1,2\n"
        },
    )
    t = read_source(root, Settings()).tables["clients"]
    assert t.frame.rows() == [("C1", "Leeds", "2023-01-01", "30", 2), ("C2", "York", None, "£1,2", 3)]
    (note,) = [p for p in t.read_problems if "semicolons" in p.message]
    assert note.severity == "warning" and note.row is None
    local = read_export(root).tables[0]
    assert [c.name for c in local.columns] == HEAD
    assert any("semicolons" in n for n in local.notes)
    assert any("semicolons" in n for n in propose_export(read_export(root)).notes)


def test_the_separator_setting_forces_it_for_every_file_or_one_file(tmp_path):
    # forced: the cells hold semicolons, which must not split them
    text = "client_id|local_authority|referral_date\nC;1|L;x|2023-01-01\nC;2|M;y|2023-01-02\n"
    root = write(tmp_path / "d", {"clients.csv": text})
    for setting in ("|", "pipe", {"clients.csv": "|"}, {"Clients": "|"}):
        t = read_source(root, Settings.model_validate({"input": {"separator": setting}})).tables["clients"]
        assert t.frame["client_id"].to_list() == ["C;1", "C;2"], setting
    tabs = write(
        tmp_path / "t", {"clients.csv": "client_id\tlocal_authority\treferral_date\nC1\tLeeds\t2023-01-01\n"}
    )
    t = read_source(tabs, Settings.model_validate({"input": {"separator": "tab"}})).tables["clients"]
    assert t.frame["local_authority"].to_list() == ["Leeds"]
    assert not any("tabs" in p.message and "found from" in p.message for p in t.read_problems)
    with pytest.raises(Exception, match="separator"):
        Settings.model_validate({"input": {"separator": ":"}})


def test_a_ragged_row_in_a_semicolon_file_is_named_with_its_row(tmp_path):
    text = "client_id;local_authority;referral_date;age\nC1;Leeds;2023-01-01;30\nC2;York\nC3;Hull;2023-01-02;41\n"
    t = read_source(write(tmp_path / "d", {"clients.csv": text}), Settings()).tables["clients"]
    short = [p for p in t.read_problems if p.severity == "error"]
    assert [(p.row, p.column) for p in short] == [(3, "referral_date")]
    assert short[0].value == "C2;York"


# -- title rows above the header -------------------------------------------------------------------

REFERRALS = (
    "\ufeffPathway CRM export - IPS Referrals (all teams)\n"
    "Run date: 09/01/2023 08:47\n"
    "client_id,local_authority,referral_date,age\n"
    "C1,Leeds,2023-01-01,30\n"
    "C2,York,2023-02-30,41\n"
    "\n"
    "C3,Hull,2023-03-01,\n"
    "Records: 3\n"
)


def test_title_lines_are_left_out_with_a_warning_and_rows_keep_the_file_numbers(tmp_path):
    root = write(tmp_path / "d", {"clients.csv": REFERRALS})
    t = read_source(root, Settings()).tables["clients"]
    assert t.frame["client_id"].to_list() == ["C1", "C2", "C3"]
    assert t.frame["_row"].to_list() == [4, 5, 7]
    (title,) = [p for p in t.read_problems if "title" in p.message]
    assert title.severity == "warning" and "Pathway CRM export" in title.value and "row 3" in title.message
    # the footer 'Records: 3' is a record-count line (its count agrees with the 3 rows read)
    notes = [p for p in t.read_problems if p.message.startswith("a record-count line (trailer)")]
    assert [p.row for p in notes] == [8]
    local = read_export(root).tables[0]
    # the footer is no record for map either (validate leaves it out as a note)
    assert [c.name for c in local.columns] == HEAD and local.rows == 3 and local.footers == ("Records: 3",)
    assert any("Run date" in n for n in local.notes)


def test_an_unclosed_quote_below_titles_names_the_file_line(tmp_path):
    text = (
        'Report\nclient_id;local_authority;referral_date;age\nC1;"Leeds; north";2023-01-01;30\nC2;"York;;\n'
    )
    with pytest.raises(InputError, match=r"line 4 \(row 4\)"):
        read_source(write(tmp_path / "d", {"clients.csv": text}), Settings())


def test_a_quoted_multiline_cell_below_titles_keeps_row_numbers(tmp_path):
    text = 'Title line\nclient_id,local_authority,referral_date,age\nC1,"Leeds\nnorth",2023-01-01,30\nC2,York,2023-01-02,40\n'
    t = read_source(write(tmp_path / "d", {"clients.csv": text}), Settings()).tables["clients"]
    assert t.frame["_row"].to_list() == [3, 4]
    assert t.frame["local_authority"].to_list() == ["Leeds\nnorth", "York"]


@pytest.mark.parametrize(
    ("rows", "titles"),
    [
        ([HEAD, ["C1", "L", "2023-01-01", "3"]], 0),
        ([["Title"], HEAD, ["C1", "L", "2023-01-01", "3"]], 1),
        ([["Title"], [], ["Run", "date"], HEAD, ["C1", "L", "x", "3"]], 0),  # 2 of 4 cells: not far fewer
        ([["Title"], [], ["Run date"], HEAD, ["C1", "L", "x", "3"]], 3),
        # a sparse first row over data rows that are numbers or repeat: not a header below titles
        ([["x"], ["1", "2", "3", "4"], ["5", "6", "7", "8"]], 0),
        ([["Title"], ["a", "a", "b", "c"], ["1", "2", "3", "4"]], 0),
        # one column: nothing to skip
        ([["Title"], ["client_id"], ["C1"]], 0),
        # a wide table whose title holds a comma (two cells of 22)
        ([["Export", " all teams"], [f"col {i}" for i in range(22)], [str(i) for i in range(22)]], 1),
    ],
)
def test_the_header_is_found_below_title_rows(rows, titles):
    assert header_index(rows) == titles


def test_title_rows_above_a_sheet_header_are_left_out_with_excel_row_numbers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "clients"
    ws.append(["Pathway CRM export - IPS Referrals"])
    ws.append([])
    ws.append(HEAD)
    ws.append(["C1", "Leeds", "2023-01-01", 30])
    ws.append(["C2", "York", "2023-02-30", 41])
    ws.append(["Records: 2"])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    t = read_source(path, Settings()).tables["clients"]
    assert t.frame["_row"].to_list() == [4, 5]
    assert t.frame["age"].to_list() == ["30", "41"]
    assert any("Pathway CRM export" in p.value and p.row is None for p in t.read_problems)
    assert [p.row for p in t.read_problems if p.message.startswith("a note")] == [6]
    local = read_export(path).tables[0]
    assert [c.name for c in local.columns] == HEAD and local.columns[0].values[:2] == ["C1", "C2"]


def test_a_column_with_no_header_is_never_proposed_without_check(tmp_path):
    text = "client_id,local_authority,referral_date,\n" + "".join(
        f"C{i},Leeds,2023-01-{i + 1:02d},Dean Ackroyd\n" for i in range(20)
    )
    root = write(tmp_path / "d", {"clients.csv": text})
    proposal = propose_export(read_export(root))
    (blank,) = [c for t in proposal.tables for c in t.columns if "no header" in c.local]
    assert blank.standard is None or blank.confidence < SURE


# -- any table, any separator, 0 to 3 title lines ---------------------------------------------------

_CELL = st.text(alphabet="ab1 ,;|£\"'-", max_size=6).map(str.strip)


@hsettings(max_examples=120, deadline=None)
@given(
    sep=st.sampled_from([",", ";", "\t", "|"]),
    titles=st.lists(st.text(alphabet="Rport dae:0123-", min_size=1, max_size=20), max_size=3),
    rows=st.lists(st.tuples(_CELL, _CELL, _CELL), min_size=1, max_size=12),
    crlf=st.booleans(),
)
def test_any_table_reads_back_the_same_cells_and_row_numbers(sep, titles, rows, crlf):
    """Written with any separator (cells quoted only where they hold it or a quote) under 0 to 3 title
    lines, the table reads back cell for cell, rows numbered as in the file, in validate and map."""
    out = io.StringIO()
    for t in titles:
        out.write(t + ("\r\n" if crlf else "\n"))
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(HEAD)
    body = [(f"C{i}", *r) for i, r in enumerate(rows)]
    writer.writerows(body)
    with tempfile.TemporaryDirectory() as d:
        root = write(Path(d), {"clients.csv": out.getvalue()})
        t = read_csv_table(root / "clients.csv", "clients", Settings())
        local = read_export(root).tables[0]
    want = [(*(v or None for v in r), len(titles) + 2 + i) for i, r in enumerate(body)]
    assert t.frame.rows() == want
    assert [c.name for c in local.columns] == HEAD
    assert local.columns[0].values == [r[0] for r in body]
