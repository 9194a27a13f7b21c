"""Reading what a usability trial's export held: labels meaning "not recorded", a date of birth in
place of age, and a note row at the foot of a sheet (tiny CSV and Excel fixtures)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest import InputError
from ipseval.ingest.mapping import check_mapping
from ipseval.ingest.note_rows import is_note_text
from ipseval.settings import Settings
from ipseval.validate import load
from ipseval.validate_age import NOT_SHOWN, whole_years
from test_ingest import _book
from test_validate import CLIENTS_HEAD, assert_balanced, counts, errors, run


def codes(table: str, column: str, mapping: dict[str, str], **columns: dict[str, str]) -> Settings:
    return Settings.model_validate({"mapping": {"codes": {table: {column: mapping}}, "columns": columns}})


def warnings(ds) -> list[tuple]:
    p = ds.problems.filter(pl.col("severity") == "warning", pl.col("row").is_not_null())
    return [(r["row"], r["value"], r["message"]) for r in p.iter_rows(named=True)]


# -- 1. a label that means "not recorded" ----------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "label", "read_as"),
    [
        ("criminal_conviction", "Not known", None),
        ("sex", "Not stated", "unknown"),
        ("ethnicity", "Don't know", "unknown"),
    ],
)
def test_a_label_mapped_to_blank_is_read_as_not_recorded(tmp_path, column, label, read_as):
    s = codes("clients", column, {label: ""})
    text = f"{CLIENTS_HEAD},{column}\nC1,Leeds,2023-01-01,{label}\nC2,Leeds,2023-01-02,\n"
    ds = run(tmp_path, s, clients=text)
    assert ds.exit_code == 0 and counts(ds, "clients") == (2, 2, 0)
    assert ds.tables["clients"][column].to_list() == [read_as, read_as]
    assert any("mapped to" in n and column in n for n in ds.notes)


def test_mapping_to_blank_works_when_the_section_names_the_local_column(tmp_path):
    s = codes("clients", "Convictions?", {"not known": ""}, clients={"Convictions?": "criminal_conviction"})
    ds = run(
        tmp_path,
        s,
        clients=f"{CLIENTS_HEAD},Convictions?\nC1,Leeds,2023-01-01,NOT KNOWN\nC2,L,2023-01-01,Yes\n",
    )
    assert ds.exit_code == 0
    assert ds.tables["clients"]["criminal_conviction"].to_list() == [None, True]


def test_a_blank_mapped_into_a_required_column_is_a_blank_required_value_saying_so(tmp_path):
    s = codes("clients", "local_authority", {"Not known": ""})
    ds = run(
        tmp_path, s, clients=f"{CLIENTS_HEAD}\nC1,Not known,2023-01-01\nC2,Leeds,2023-01-01\nC3,,2023-01-01\n"
    )
    found = errors(ds, "clients")
    assert found[0][:3] == (2, "local_authority", "Not known")
    assert 'mapped to blank ("") in [mapping.codes.clients.local_authority]' in found[0][3]
    assert found[1][:2] == (4, "local_authority") and found[1][3] == "required value is blank"
    assert_balanced(ds)


@pytest.mark.parametrize(
    ("column", "target", "shown"),
    [
        ("criminal_conviction", "unknown", "yes or no"),
        ("criminal_conviction", "missing", "yes or no"),
        ("sex", "not_known", "female, male, other, unknown"),
    ],
)
def test_a_code_mapping_to_a_value_the_column_cannot_hold_is_a_settings_problem(column, target, shown):
    with pytest.raises(InputError) as e:
        check_mapping(codes("clients", column, {"Not known": target}))
    msg = str(e.value)
    assert f"[mapping.codes.clients.{column}]" in msg and "'Not known'" in msg and f"'{target}'" in msg
    assert shown in msg and 'map it to "" (blank)' in msg


def test_valid_targets_in_any_spelling_and_text_columns_pass_the_check():
    check_mapping(codes("clients", "criminal_conviction", {"Not known": "", "Y": "Yes", "N": "FALSE"}))
    check_mapping(codes("clients", "referral_source", {"GP / health": "GP Health"}))
    check_mapping(codes("wellbeing", "measure", {"Psychological health": "anything at all"}))


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answers=st.lists(
        st.sampled_from(["Yes", "No", "Not known", "NOT KNOWN", "", "maybe"]), min_size=1, max_size=8
    )
)
def test_labels_mapped_to_blank_never_reject_a_row_and_rows_still_balance(tmp_path, answers):
    s = codes("clients", "criminal_conviction", {"Not known": ""})
    rows = "".join(f"C{i},Leeds,2023-01-01,{a}\n" for i, a in enumerate(answers))
    ds = run(tmp_path, s, clients=f"{CLIENTS_HEAD},criminal_conviction\nC,Leeds,2023-01-01,Yes\n{rows}")
    assert_balanced(ds)
    assert counts(ds, "clients")[2] == answers.count("maybe")
    expected = [True] + [{"Yes": True, "No": False}.get(a) for a in answers if a != "maybe"]
    assert ds.tables["clients"]["criminal_conviction"].to_list() == expected


# -- 2. date of birth instead of age ---------------------------------------------------------------


def test_whole_years_are_completed_years_like_datedif():
    born = pl.Series([date(2000, 5, 10), date(2000, 5, 10), date(2000, 2, 29), date(2000, 2, 29), None])
    on = pl.Series(
        [date(2023, 5, 9), date(2023, 5, 10), date(2023, 2, 28), date(2024, 2, 29), date(2023, 1, 1)]
    )
    assert whole_years(born, on).to_list() == [22, 23, 22, 24, None]


@hsettings(max_examples=200, deadline=None)
@given(born=st.dates(date(1900, 1, 1), date(2030, 1, 1)), on=st.dates(date(1900, 1, 1), date(2030, 1, 1)))
def test_whole_years_agree_with_counting_birthdays(born, on):
    expected = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    assert whole_years(pl.Series([born]), pl.Series([on])).item() == expected


def test_date_of_birth_gives_age_at_referral_and_is_never_kept(tmp_path):
    s = Settings.model_validate({"mapping": {"columns": {"clients": {"DOB": "date_of_birth"}}}})
    text = f"{CLIENTS_HEAD},DOB,age\nC1,Leeds,05/01/2023,06/01/1990,\nC2,Leeds,2023-01-05,1990-01-05,\nC3,Leeds,2023-01-05,1950-01-01,40\n"
    ds = run(tmp_path, s, clients=text)
    assert ds.exit_code == 0
    assert ds.tables["clients"]["age"].to_list() == [32, 33, 40]  # age given wins over the date of birth
    assert "date_of_birth" not in ds.tables["clients"].columns
    assert not ds.unused_columns.get("clients")
    assert any("2 ages at referral worked out from the date of birth" in n for n in ds.notes)


def test_a_column_named_date_of_birth_is_read_without_a_mapping_in_a_workbook(tmp_path):
    rows = [
        ["client_id", "local_authority", "referral_date", "Date of Birth"],
        ["C1", "Leeds", datetime(2023, 3, 1), datetime(1980, 3, 1)],
        ["C2", "Leeds", datetime(2023, 3, 1), "02/03/1980"],
    ]
    ds = load(_book(tmp_path, {"clients": rows}), Settings())
    assert ds.tables["clients"]["age"].to_list() == [43, 42]


def test_bad_dates_of_birth_are_errors_on_their_row_without_the_date(tmp_path):
    text = (
        f"{CLIENTS_HEAD},date_of_birth\nC1,Leeds,2023-01-05,31/02/1980\nC2,Leeds,2023-01-05,2023-02-01\n"
        "C3,Leeds,2023-01-05,2010-01-01\nC4,Leeds,2023-01-05,1900-01-01\nC5,Leeds,2023-01-05,1980-01-01\n"
    )
    ds = run(tmp_path, clients=text)
    found = errors(ds, "clients")
    assert [(r, c) for r, c, _, _ in found] == [(i, "date_of_birth") for i in (2, 3, 4, 5)]
    assert found[0][2] == NOT_SHOWN and "not a readable date" in found[0][3]
    assert found[1][2] == NOT_SHOWN and "after referral_date" in found[1][3]
    assert found[2][2] == "age 13 (date of birth, not shown)" and "below the minimum of 16" in found[2][3]
    assert found[3][2] == "age 123 (date of birth, not shown)" and "above the maximum of 99" in found[3][3]
    shown = " ".join(str(v) for v in ds.problems.select("value", "message").to_numpy().ravel())
    assert "1980" not in shown and "2010" not in shown
    assert counts(ds, "clients") == (5, 1, 4)
    assert ds.tables["clients"]["age"].to_list() == [43]


def test_date_of_birth_follows_the_date_order_setting(tmp_path):
    s = Settings.model_validate({"input": {"date_order": "mdy"}})
    ds = run(tmp_path, s, clients=f"{CLIENTS_HEAD},date_of_birth\nC1,Leeds,2023-01-05,01/06/1990\n")
    assert ds.tables["clients"]["age"].to_list() == [32]  # born 6 January 1990


# -- 3. a note row read as a record ----------------------------------------------------------------


FOOTER = "Report generated 05/01/2024 09:14 by Harbourline CMS — 2 records"


def test_note_text_is_words_not_a_value():
    assert is_note_text(FOOTER) and is_note_text("Service Users")
    assert not is_note_text("HL-10001") and not is_note_text("05/01/2024 09:14") and not is_note_text("Leeds")


def test_a_footer_line_in_a_workbook_is_left_out_with_a_warning(tmp_path):
    rows = [
        ["client_id", "local_authority", "referral_date", "Notes"],
        ["C1", "Leeds", datetime(2023, 1, 1), None],
        ["C2", "York", datetime(2023, 1, 1), "moved in"],
        [None, None, None, " "],
        [FOOTER],
    ]
    ds = load(_book(tmp_path, {"clients": rows}), Settings())
    assert ds.exit_code == 0 and counts(ds, "clients") == (2, 2, 0)
    assert warnings(ds) == [
        (
            5,
            FOOTER,
            f"a note, not a record: '{FOOTER}'; left out (like a blank row, not counted as a row read)",
        )
    ]


@pytest.mark.parametrize("line", [FOOTER + ",,", f'"{FOOTER}"', ",," + FOOTER])
def test_a_note_line_in_a_csv_is_left_out_with_a_warning_in_any_column(tmp_path, line):
    text = f"{CLIENTS_HEAD}\nC1,Leeds,2023-01-01\n{line}\nC2,York,2023-01-01\n"
    ds = run(
        tmp_path,
        clients=text,
        meetings="client_id,meeting_date\nTotal meetings listed below\nC1,2023-02-01\n",
    )
    assert ds.exit_code == 0
    assert counts(ds, "clients") == (2, 2, 0) and counts(ds, "meetings") == (1, 1, 0)
    assert [(w[0], w[1]) for w in warnings(ds)] == [(3, FOOTER), (2, "Total meetings listed below")]


def test_a_lone_value_that_could_be_a_record_is_still_an_error(tmp_path):
    ds = run(tmp_path, clients=f"{CLIENTS_HEAD}\nC1,Leeds,2023-01-01\nC2,,\n,,2023-01-01\n")
    assert counts(ds, "clients") == (3, 1, 2) and not warnings(ds)


def test_a_lone_name_in_the_only_required_column_is_an_area_not_a_note(tmp_path):
    ds = run(
        tmp_path,
        clients=f"{CLIENTS_HEAD}\nC1,Tower Hamlets,2023-01-01\n",
        areas="local_authority,population\nTower Hamlets,\n",
    )
    assert ds.tables["areas"]["local_authority"].to_list() == ["Tower Hamlets"] and not warnings(ds)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(
        st.sampled_from(["C{i},Leeds,2023-01-01", "C{i},,", FOOTER + ",,", "Subtotal for Leeds", ",,", ""]),
        min_size=1,
        max_size=10,
    )
)
def test_note_rows_never_count_as_read_and_rows_still_balance(tmp_path, lines):
    body = "".join(line.format(i=i) + "\n" for i, line in enumerate(lines))
    ds = run(tmp_path, clients=f"{CLIENTS_HEAD}\nC0,Leeds,2023-01-01\n{body}")
    assert_balanced(ds)
    notes = sum(line in (FOOTER + ",,", "Subtotal for Leeds") for line in lines)
    assert len(warnings(ds)) == notes
    assert counts(ds, "clients")[0] == 1 + sum(line.startswith("C") for line in lines)
