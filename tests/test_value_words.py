"""Text where a date or a number should be (issue 18): words mapped to a value or to blank through
[mapping.codes], numbers with a unit or a qualifier, codes such as 999, and two-digit years. Tiny
CSV and Excel fixtures with hand-worked answers."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest import InputError
from ipseval.problem_groups import group_problems
from ipseval.schema import TABLES
from ipseval.settings import Settings
from ipseval.validate import load
from ipseval.validate_numbers import FORMS, number_in_any_column, number_in_text
from ipseval.validate_years import Century
from test_ingest import _book
from test_validate import CLIENTS_HEAD, assert_balanced, counts, errors, run


def codes(**tables: dict[str, dict[str, str]]) -> Settings:
    return Settings.model_validate({"mapping": {"codes": tables}})


def warnings(ds, column: str | None = None) -> list[str]:
    p = ds.problems.filter(pl.col("severity") == "warning")
    if column:
        p = p.filter(pl.col("column") == column)
    return p["message"].to_list()


CLIENTS = f"{CLIENTS_HEAD}\nC1,Leeds,2023-01-01\nC2,Leeds,2023-02-01\nC3,Leeds,2023-03-01\n"

# -- 1. words mapped through [mapping.codes] -----------------------------------------------------------


def test_a_word_mapped_to_blank_leaves_an_end_date_open(tmp_path):
    """'Ongoing' = "" on jobs.end_date: the job is still open (blank end date); 'Current', not
    mapped, is a problem naming file, row, column and value, with how to map it."""
    jobs = "client_id,start_date,end_date\nC1,2023-02-01,Ongoing\nC2,2023-03-01,ONGOING \nC3,2023-04-01,Current\n"
    ds = run(tmp_path, codes(jobs={"end_date": {"Ongoing": ""}}), clients=CLIENTS, jobs=jobs)
    assert counts(ds, "jobs") == (3, 2, 1)
    assert ds.tables["jobs"]["end_date"].to_list() == [None, None]
    ((row, column, value, message),) = errors(ds, "jobs")
    assert (row, column, value) == (4, "end_date", "Current")
    assert message == (
        "not a valid date: if 'Current' means there is no date (still open, not recorded), map it to blank "
        'in [mapping.codes.jobs.end_date]: "Current" = ""'
    )
    assert (
        'jobs.csv: 2 end_date cells whose label is mapped to "" in [mapping.codes.jobs.end_date] read as '
        "blank (blank = still in the job at the data cut)" in ds.notes
    )
    assert_balanced(ds)


def test_words_in_an_excel_date_column_are_mapped_beside_real_dates(tmp_path):
    rows = [
        ["client_id", "local_authority", "referral_date", "discharge_date"],
        ["C1", "Leeds", datetime(2023, 1, 5), datetime(2023, 6, 1)],
        ["C2", "Leeds", datetime(2023, 1, 6), "Open"],
        ["C3", "Leeds", datetime(2023, 1, 7), "open"],
    ]
    ds = load(_book(tmp_path, {"clients": rows}), codes(clients={"discharge_date": {"Open": ""}}))
    assert ds.exit_code == 0
    assert ds.tables["clients"]["discharge_date"].to_list() == [date(2023, 6, 1), None, None]


def test_a_whole_value_mapped_to_another_is_read_as_that_value(tmp_path):
    """'Full time' = '1.0' (fte), '999' = '' (age), a word = a date (discharge_date)."""
    staff = "employment_specialist_id,fte\nW1,Full time\nW2,0.5\nW3,full  TIME\n"
    clients = f"{CLIENTS_HEAD},age,discharge_date\nC1,Leeds,2023-01-01,999,Closed on move\nC2,Leeds,2023-01-01,40,\n"
    s = codes(
        staff={"fte": {"Full time": "1.0"}},
        clients={"age": {"999": ""}, "discharge_date": {"Closed on move": "2023-05-31"}},
    )
    ds = run(tmp_path, s, clients=clients, staff=staff)
    assert ds.exit_code == 0
    assert ds.tables["staff"]["fte"].to_list() == [1.0, 0.5, 1.0]
    assert ds.tables["clients"]["age"].to_list() == [None, 40]
    assert ds.tables["clients"]["discharge_date"].to_list() == [date(2023, 5, 31), None]
    assert "staff.csv: 2 fte cells read as the value [mapping.codes.staff.fte] maps them to" in ds.notes


@pytest.mark.parametrize(
    ("column", "target", "says"),
    [("fte", "full", "fte takes a number"), ("start_date", "31/12/2023", "a date written YYYY-MM-DD")],
)
def test_a_mapping_to_something_a_column_cannot_hold_is_refused(tmp_path, column, target, says):
    staff = "employment_specialist_id,fte,start_date\nW1,Full time,2020-01-01\n"
    with pytest.raises(InputError, match=says):
        run(tmp_path, codes(staff={column: {"Full time": target}}), clients=CLIENTS, staff=staff)


def test_unmapped_words_are_grouped_by_value(tmp_path):
    jobs = "client_id,start_date,hours_per_week\n" + "".join(
        f"C{i % 3 + 1},2023-05-01,{v}\n" for i, v in enumerate(["varies", "varies", "varies", "TBC", "16-20"])
    )
    ds = run(tmp_path, clients=CLIENTS, jobs=jobs)
    (cause,) = group_problems(ds.problems.filter(pl.col("column") == "hours_per_week")).to_dicts()
    assert cause["rows"] == 5 and cause["expected"] == "a number from 0 to 80"
    assert [(v["value"], v["count"]) for v in cause["values"]] == [("varies", 3), ("TBC", 1), ("16-20", 1)]


# -- 2. numbers with a unit or a qualifier ---------------------------------------------------------------


def test_hours_with_units_and_qualifiers_are_read_with_one_warning(tmp_path):
    values = ["16 hrs", "16 hrs", "16 hours", "approx 24", "c. 30", "~20", "37.5h", "20 pw", "12ish", "16"]
    jobs = "client_id,start_date,hours_per_week\n" + "".join(
        f"C1,2023-05-0{i % 9 + 1},{v}\n" for i, v in enumerate(values)
    )
    ds = run(tmp_path, clients=CLIENTS, jobs=jobs)
    assert ds.exit_code == 0
    assert ds.tables["jobs"]["hours_per_week"].to_list() == [16, 16, 16, 24, 30, 20, 37.5, 20, 12, 16]
    (warning,) = warnings(ds, "hours_per_week")
    assert warning.startswith(
        "9 cells written with a unit or a qualifier were read as the number: '16 hrs' read as 16 (2 cells), '16 hours' read as 16 (1 cell)"
    )
    assert "and 2 more forms" in warning  # 8 forms, 6 shown


def test_a_score_out_of_the_top_of_its_scale_is_read_and_any_other_is_not(tmp_path):
    """work_confidence is 0 to 10: '6/10' and '7 out of 10' are 6 and 7; '6/8' is a problem, as are
    'approx 6' (a confidence is no estimate) and '6 hrs'."""
    values = ["6/10", "7 out of 10", "6/8", "approx 6", "6 hrs", "10/10"]
    clients = f"{CLIENTS_HEAD},work_confidence\n" + "".join(
        f"C{i},Leeds,2023-01-01,{v}\n" for i, v in enumerate(values)
    )
    ds = run(tmp_path, clients=clients)
    assert ds.tables["clients"]["work_confidence"].to_list() == [6, 7, 10]
    (warning,) = warnings(ds, "work_confidence")
    assert warning.startswith(
        "3 cells written as a score out of 10 were read as the number: "
        "'6/10' read as 6 (1 cell), '7 out of 10' read as 7 (1 cell), '10/10' read as 10 (1 cell)"
    )
    assert [(r, v, m) for r, _, v, m in errors(ds)] == [
        (4, "6/8", "not a whole number: a score out of 8, but work_confidence is scored from 0 to 10; write "
         "the score on that scale"),
        (5, "approx 6", "not a whole number: 'approx' before the number (work_confidence takes the number alone)"),
        (6, "6 hrs", "not a whole number: 'hrs' after the number is not a unit of work_confidence (it takes "
         "the number alone)"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("16-20", "a range (16-20); write one number"),
        ("16 to 20", "a range (16 to 20)"),
        ("20+", "a bound, not a number (20+)"),
        ("up to 16", "a bound, not a number (up to 16)"),
        ("16/20", "written as a fraction (16/20)"),
        ("16 days", "'days' after the number is not a unit of hours_per_week (hours may follow it)"),
        (
            "sixteen",
            "if 'sixteen' means not recorded, map it to blank in [mapping.codes.jobs.hours_per_week]",
        ),
    ],
)
def test_what_is_not_read_as_hours_says_why(tmp_path, value, says):
    jobs = f"client_id,start_date,hours_per_week\nC1,2023-05-01,{value}\n"
    ds = run(tmp_path, clients=CLIENTS, jobs=jobs)
    ((_, column, shown, message),) = errors(ds, "jobs")
    assert (column, shown) == ("hours_per_week", value) and says in message


def test_a_unit_of_another_column_is_not_read(tmp_path):
    clients = f"{CLIENTS_HEAD},age\nC1,Leeds,2023-01-01,45 yrs\nC2,Leeds,2023-01-01,45 hrs\n"
    ds = run(tmp_path, clients=clients)
    assert ds.tables["clients"]["age"].to_list() == [45]
    assert errors(ds)[0][2:] == (
        "45 hrs",
        "not a whole number: 'hrs' after the number is not a unit of age (years may follow it)",
    )


# -- 3. codes such as 999 for "not recorded" -----------------------------------------------------------


def test_an_unmapped_999_age_is_out_of_range_with_how_to_map_it(tmp_path):
    clients = (
        f"{CLIENTS_HEAD},age\nC0,Leeds,2023-01-01,40\nC1,Leeds,2023-01-01,999\nC2,Leeds,2023-01-01,150\n"
        "C3,Leeds,2023-01-01,-1\n"
    )
    ds = run(tmp_path, clients=clients)
    assert [(r, v, m) for r, _, v, m in errors(ds)] == [
        (3, "999", 'above the maximum of 99; 999 is often a code for "not recorded": if it is one here, map it '
         'to blank in [mapping.codes.clients.age]: "999" = ""'),
        (4, "150", "above the maximum of 99"),  # a typo, not a code: no hint
        (5, "-1", 'below the minimum of 16; -1 is often a code for "not recorded": if it is one here, map it '
         'to blank in [mapping.codes.clients.age]: "-1" = ""'),
    ]  # fmt: skip


# -- 4. two-digit years --------------------------------------------------------------------------------


def test_the_century_rule():
    auto = Century("auto", 2025)
    assert [auto.full_year(y) for y in (0, 19, 25, 26, 68, 99)] == [2000, 2019, 2025, 1926, 1968, 1999]
    assert Century("2000s", 2025).full_year(68) == 2068 and Century("1900s", 2025).full_year(20) == 1920
    assert not Century("refuse").reads


def test_two_digit_years_are_read_by_the_rule_with_one_warning_per_column(tmp_path):
    """Referrals in 20yy and a date of birth in 19yy, in three styles and with a time of day; the age
    at referral from 05/03/68 to 23 January 2020 is 51 (the birthday in March not yet reached)."""
    clients = f"{CLIENTS_HEAD},date_of_birth\nC1,Leeds,23-Jan-20,05/03/68\nC2,Leeds,1.2.19,\nC3,Leeds,06/01/22 09:14,\n"
    ds = run(tmp_path, clients=clients)
    assert ds.exit_code == 0
    c = ds.tables["clients"]
    assert c["referral_date"].to_list() == [date(2020, 1, 23), date(2019, 2, 1), date(2022, 1, 6)]
    assert c["age"].to_list() == [51, None, None]
    (referral,) = warnings(ds, "referral_date")
    assert referral.startswith(
        "3 dates written with a two-digit year were read under "
        'input.two_digit_years = "auto": every yy as 20yy in the service\'s own dates'
    )
    assert "e.g. '23-Jan-20' as 23 January 2020" in referral
    (birth,) = warnings(ds, "date_of_birth")
    assert "1 date of birth written with a two-digit year" in birth
    shown = ds.problems["value"].drop_nulls().to_list() + ds.problems["message"].to_list()
    assert not any("05/03/68" in s for s in shown)  # a date of birth identifies a person: never shown


def test_two_digit_years_in_a_us_table_and_in_a_workbook(tmp_path):
    rows = [
        ["client_id", "local_authority", "referral_date"],
        ["C1", "Leeds", "23-Jan-20"],
        ["C2", "Leeds", "05/03/21"],
    ]
    jobs = [["client_id", "start_date"], ["C1", "12/31/20"], ["C2", "06/13/21"]]
    s = Settings.model_validate({"input": {"date_orders": {"jobs": "mdy"}}})
    ds = load(_book(tmp_path, {"clients": rows, "jobs": jobs}), s)
    assert ds.tables["clients"]["referral_date"].to_list() == [date(2020, 1, 23), date(2021, 3, 5)]
    assert ds.tables["jobs"]["start_date"].to_list() == [date(2020, 12, 31), date(2021, 6, 13)]


@pytest.mark.parametrize(
    ("rule", "read"), [("2000s", date(2068, 3, 5)), ("1900s", date(1968, 3, 5)), ("refuse", None)]
)
def test_the_rule_is_a_setting(tmp_path, rule, read):
    clients = f"{CLIENTS_HEAD},discharge_date\nC1,Leeds,1960-01-01,05/03/68\nC2,Leeds,2023-01-01,\n"
    s = Settings.model_validate(
        {"input": {"two_digit_years": rule}, "definitions": {"data_cut": "2100-01-01"}}
    )
    ds = run(tmp_path, s, clients=clients)
    if read is None:
        assert "a two-digit year cannot say which century" in errors(ds)[0][3]
    else:
        assert ds.tables["clients"]["discharge_date"].to_list()[0] == read


# -- 5. properties --------------------------------------------------------------------------------------


@given(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["{} hrs", "{}hrs", "{} hours", "approx {}"]),
)
@hsettings(max_examples=300, deadline=None)
def test_any_number_written_with_hours_reads_back_as_that_number(x, style):
    assert number_in_text(style.format(repr(x)), FORMS["hours_per_week"], 80) == x


@given(st.text().filter(lambda t: not any(c in "0123456789" for c in t)))
@hsettings(max_examples=300, deadline=None)
def test_text_without_a_digit_is_never_read_as_a_number(text):
    assert number_in_any_column(text) is None
    for forms in FORMS.values():
        assert number_in_text(text, forms, 10) is None


@given(st.integers(0, 10), st.sampled_from(["{}/10", "{} / 10", "{} out of 10", "{} of 10"]))
@hsettings(max_examples=50, deadline=None)
def test_a_score_out_of_ten_is_read_only_where_ten_is_the_top(n, style):
    top = TABLES["clients"].column("work_confidence").maximum
    assert number_in_text(style.format(n), FORMS["work_confidence"], top) == n
    assert number_in_text(style.format(n), FORMS["work_confidence"], 5) is None
    assert number_in_text(style.format(n), FORMS["hours_per_week"], top) is None


def test_an_event_date_keyed_with_a_later_year_is_not_read_as_last_century(tmp_path):
    """Trial 5: a referral keyed '16/01/52' was read as 1952 under the sliding window and used. An
    event of the service is of this century: 2052, named as after the data cut."""
    clients = f"{CLIENTS_HEAD},date_of_birth\nC1,Leeds,16/01/52,05/03/52\nC2,Leeds,01/02/21,\n"
    ds = run(tmp_path, clients=clients)
    assert ds.tables["clients"]["referral_date"].to_list() == [date(2021, 2, 1)]  # C1 rejected
    bad = ds.problems.filter(
        (ds.problems["column"] == "referral_date") & (ds.problems["severity"] == "error")
    )
    assert bad.height == 1 and bad["message"][0].startswith("in the future")
