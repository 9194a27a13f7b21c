"""Reading what the third usability trial's export held: client ids written differently in two
tables, ordinal dates, totals rows under the data, and code mappings that did nothing (tiny CSV and
Excel fixtures)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest.note_rows import is_summary_text
from ipseval.settings import Settings
from ipseval.validate import load
from ipseval.validate_dates import read_dates
from ipseval.validate_ids import keys, match_ids
from test_ingest import _book
from test_validate import CLIENTS_HEAD, assert_balanced, counts, errors, run


def notes_of(ds, kind: str = "warning") -> list[str]:
    return ds.problems.filter(pl.col("severity") == kind)["message"].to_list()


def clients_csv(*ids: str) -> str:
    return CLIENTS_HEAD + "\n" + "".join(f"{i},Leeds,2023-01-01\n" for i in ids)


def meetings_csv(*ids: str) -> str:
    return "client_id,meeting_date\n" + "".join(f"{i},2023-02-01\n" for i in ids)


# -- 1. client ids written differently -------------------------------------------------------------


def test_keys_set_aside_case_spaces_the_common_prefix_and_leading_zeros():
    assert keys(pl.Series(["CRR-000040", "crr-000042", "CRR-0100 "])).to_list() == ["40", "42", "100"]
    assert keys(pl.Series(["40", "042", "0"])).to_list() == ["40", "42", "0"]
    assert keys(pl.Series(["Alice", "Bob"])).to_list() == [None, None]  # no digits: no key


def test_numbers_in_meetings_are_read_as_the_clients_ids_with_a_warning(tmp_path):
    ds = run(
        tmp_path,
        clients=clients_csv("CRR-000040", "CRR-000042", "CRR-000100"),
        meetings=meetings_csv("40", "40", "42", "100", "777"),
    )
    assert counts(ds, "meetings") == (5, 4, 1)
    assert ds.tables["meetings"]["client_id"].to_list() == ["CRR-000040"] * 2 + ["CRR-000042", "CRR-000100"]
    assert errors(ds, "meetings") == [(6, "client_id", "777", "client_id not found in clients")]
    (warning,) = notes_of(ds)
    assert "'40' in meetings.csv read as 'CRR-000040'" in warning
    assert "3 ids (4 rows) read this way; 1 other id still not found" in warning
    assert 'input.match_client_ids = "exact"' in warning
    assert "CRR-000042" not in warning and "100" not in warning  # one example only


def test_exact_turns_it_off(tmp_path):
    s = Settings.model_validate({"input": {"match_client_ids": "exact"}})
    ds = run(tmp_path, s, clients=clients_csv("CRR-000040"), meetings=meetings_csv("40"))
    assert counts(ds, "meetings") == (1, 0, 1) and not notes_of(ds)


def test_two_clients_with_one_key_are_never_matched_this_way(tmp_path):
    s = Settings.model_validate({"input": {"match_client_ids": "normalised"}})
    ds = run(tmp_path, s, clients=clients_csv("A-040", "A-40"), meetings=meetings_csv("40"))
    assert counts(ds, "meetings") == (1, 0, 1) and not notes_of(ds)


def test_auto_needs_most_unmatched_ids_to_match_and_normalised_forces_it():
    clients = pl.Series(["CRR-000040", "CRR-000042"])
    ids = pl.Series(["40", "91", "92", "93"])
    assert match_ids(ids, clients, "auto", "Sessions").message is None
    forced = match_ids(ids, clients, "normalised", "Sessions")
    assert forced.ids.to_list() == ["CRR-000040", "91", "92", "93"] and forced.message
    assert match_ids(pl.Series(["CRR-000040"]), clients, "auto", "S").message is None  # all match already


def test_ids_matched_in_a_workbook_too(tmp_path):
    book = _book(
        tmp_path,
        {
            "clients": [
                ["client_id", "local_authority", "referral_date"],
                ["CRR-000040", "Leeds", datetime(2023, 1, 1)],
            ],
            "meetings": [
                ["client_id", "meeting_date"],
                [40, datetime(2023, 2, 1)],
                [40, datetime(2023, 3, 1)],
            ],
        },
    )
    ds = load(book, Settings())
    assert counts(ds, "meetings") == (2, 2, 0)
    assert ds.tables["meetings"]["client_id"].to_list() == ["CRR-000040"] * 2


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    numbers=st.lists(st.integers(1, 99_999), min_size=1, max_size=12, unique=True),
    prefix=st.sampled_from(["CRR-", "crr-", "ID ", "C"]),
    width=st.integers(1, 6),
)
def test_every_number_finds_its_client_whatever_the_prefix_and_padding(numbers, prefix, width):
    clients = pl.Series([f"{prefix}{n:0{width}d}" for n in numbers])
    found = match_ids(pl.Series([str(n) for n in numbers]), clients, "auto", "Sessions")
    assert found.ids.to_list() == clients.to_list()


# -- 2. ordinal dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("29th March 2022", date(2022, 3, 29)),
        ("1st Feb 2023", date(2023, 2, 1)),
        ("3rd of May 2022", date(2022, 5, 3)),
        ("22nd-Jun-2021", date(2021, 6, 22)),
        ("2ND SEPTEMBER 2021", date(2021, 9, 2)),
        ("March 2nd, 2021", date(2021, 3, 2)),
        ("March the 4th 2020", date(2020, 3, 4)),
    ],
)
def test_ordinal_dates_are_read(text, read):
    found = read_dates(pl.Series([text]), "dmy", "referral_date")
    assert found.dates.to_list() == [read] and not found.findings


def test_an_ordinal_date_that_does_not_exist_says_why():
    found = read_dates(pl.Series(["31st February 2022"]), "dmy", "referral_date")
    assert found.findings[0].message.to_list() == ["not a valid date: February 2022 has no day 31"]


def test_ordinal_dates_in_a_workbook_and_a_csv(tmp_path):
    book = _book(
        tmp_path,
        {"clients": [["client_id", "local_authority", "referral_date"], ["C1", "Leeds", "26th July 2021"]]},
    )
    assert load(book, Settings()).tables["clients"]["referral_date"].to_list() == [date(2021, 7, 26)]
    ds = run(tmp_path, clients=f'{CLIENTS_HEAD}\nC1,Leeds,"3rd of May, 2022"\n')
    assert ds.tables["clients"]["referral_date"].to_list() == [date(2022, 5, 3)]


# -- 3. totals and averages under the data ---------------------------------------------------------


def test_summary_words():
    for text in (
        "TOTAL (29 job starts, 27 clients)",
        "Totals",
        "Grand total",
        "Sub-total",
        "Average hours p/w",
    ):
        assert is_summary_text(text), text
    for text in ("n = 27", "Mean", "Median hours", "Count of jobs", "Sum"):
        assert is_summary_text(text), text
    for text in ("Totally Recycled Ltd", "Summerfield", "Counter staff", "CRR-000040", "Meanwood"):
        assert not is_summary_text(text), text


JOBS_HEAD = ["client_id", "start_date", "end_date", "hours_per_week", "employer"]


def test_totals_and_average_rows_under_a_sheet_are_left_out_with_a_warning(tmp_path):
    rows = [
        JOBS_HEAD,
        ["CRR-000040", datetime(2023, 2, 1), None, 16, "Acme"],
        ["CRR-000042", datetime(2023, 3, 1), None, 20, "Bmart"],
        [None] * 5,
        ["TOTAL (2 job starts, 2 clients)", None, None, 36, None],
        ["Average hours p/w", None, None, 18, None],
    ]
    clients = [["client_id", "local_authority", "referral_date"]]
    clients += [[c, "Leeds", datetime(2023, 1, 1)] for c in ("CRR-000040", "CRR-000042")]
    ds = load(_book(tmp_path, {"clients": clients, "jobs": rows}), Settings())
    assert ds.exit_code == 0 and counts(ds, "jobs") == (2, 2, 0)
    assert notes_of(ds) == [
        "a totals or summary line, not a record: 'TOTAL (2 job starts, 2 clients)'; left out (like a blank "
        "row, not counted as a row read)",
        "a totals or summary line, not a record: 'Average hours p/w'; left out (like a blank row, not "
        "counted as a row read)",
    ]
    assert ds.problems.filter(pl.col("severity") == "warning")["row"].to_list() == [5, 6]


def test_a_totals_row_in_a_csv_with_the_id_blank(tmp_path):
    ds = run(
        tmp_path,
        clients=clients_csv("C1", "C2"),
        jobs="employer,client_id,start_date,hours_per_week\nAcme,C1,2023-02-01,16\nTotal,,,16\n",
    )
    assert ds.exit_code == 0 and counts(ds, "jobs") == (1, 1, 0)
    assert "'Total'" in notes_of(ds)[0]


def test_a_client_whose_id_is_a_word_like_the_others_is_read(tmp_path):
    """With no other ids to compare in meetings, a filled id is taken as an id."""
    ds = run(tmp_path, clients=clients_csv("Alpha", "Total", "Mean"), meetings=meetings_csv("Total"))
    assert counts(ds, "clients") == (3, 3, 0) and counts(ds, "meetings") == (1, 1, 0)
    assert not notes_of(ds)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(
        st.sampled_from(["C{i},2023-02-01,16", "Total,,32", "Average hours,,16", "n = 3,,", "C{i},,", ",,"]),
        min_size=1,
        max_size=10,
    )
)
def test_summary_rows_never_count_as_read_and_rows_still_balance(tmp_path, lines):
    body = "".join(line.format(i=i) + "\n" for i, line in enumerate(lines))
    ids = [f"C{i}" for i in range(len(lines))]
    ds = run(
        tmp_path,
        clients=clients_csv("C0", *ids),
        jobs=f"client_id,start_date,hours_per_week\nC0,2023-01-02,8\n{body}",
    )
    assert_balanced(ds)
    summaries = sum(line[0] in "TAn" for line in lines)
    assert sum("not a record" in m for m in notes_of(ds)) == summaries  # a lone "n = 3" is a note
    assert counts(ds, "jobs")[0] == 1 + sum(line.startswith("C") for line in lines)


# -- 4. code mappings that did nothing -------------------------------------------------------------


def codes(**by_column: dict[str, str]) -> Settings:
    return Settings.model_validate({"mapping": {"codes": {"clients": by_column}}})


def test_a_blank_key_reads_blank_cells_of_a_yes_no_column_as_its_code(tmp_path):
    s = codes(gp_visit_recent={"✓": "yes", "": "no"}, sex={"Not stated": ""})
    text = (
        f"{CLIENTS_HEAD},gp_visit_recent\nC1,Leeds,2023-01-01,✓\nC2,Leeds,2023-01-01,\nC3,Leeds,2023-01-01,\n"
    )
    ds = run(tmp_path, s, clients=text)
    assert ds.exit_code == 0
    assert ds.tables["clients"]["gp_visit_recent"].to_list() == [True, False, False]
    assert (
        'clients.csv: 2 blank gp_visit_recent cells read as no ([mapping.codes.clients.gp_visit_recent] "" = "no")'
        in ds.notes
    )


def test_a_blank_key_in_a_workbook_and_on_a_code_column_leaves_labels_mapped_to_blank_blank(tmp_path):
    s = codes(sex={"": "unknown", "X": ""}, ae_visit_recent={"": "no"})
    head = ["client_id", "local_authority", "referral_date", "sex", "ae_visit_recent"]
    rows = [
        head,
        ["C1", "Leeds", datetime(2023, 1, 1), "male", None],
        ["C2", "Leeds", datetime(2023, 1, 1), None, "yes"],
    ]
    ds = load(_book(tmp_path, {"clients": rows}), s)
    assert ds.tables["clients"]["sex"].to_list() == ["male", "unknown"]
    assert ds.tables["clients"]["ae_visit_recent"].to_list() == [False, True]


def test_a_blank_key_on_a_required_column_is_named(tmp_path):
    s = Settings.model_validate({"mapping": {"codes": {"clients": {"local_authority": {"": "Leeds"}}}}})
    ds = run(tmp_path, s, clients=clients_csv("C1"))
    assert any('[mapping.codes.clients.local_authority]: "" = "Leeds"' in m for m in notes_of(ds))


def test_code_mappings_on_a_date_column_that_never_occur_are_named_as_doing_nothing(tmp_path):
    """A date column's mappings apply (see test_values_as_words); one whose value is not in the
    column does nothing, and is named like any code that never occurs."""
    s = codes(referral_date={"26th July 2021": "2021-07-26"})
    ds = run(tmp_path, s, clients=clients_csv("C1"))
    (message,) = notes_of(ds)
    assert message.startswith(
        "[mapping.codes.clients.referral_date]: '26th July 2021' never occurs in clients.csv › referral_date"
    )


def test_codes_that_never_occur_are_named_once_per_section(tmp_path):
    s = codes(sex={"F": "female", "Female": "female", "M": "male"})
    ds = run(tmp_path, s, clients=f"{CLIENTS_HEAD},sex\nC1,Leeds,2023-01-01,f\nC2,Leeds,2023-01-01,\n")
    (message,) = notes_of(ds)
    assert message.startswith("[mapping.codes.clients.sex]: 'Female', 'M' never occur in clients.csv › sex")
    assert ds.tables["clients"]["sex"].to_list() == ["female", "unknown"]


def test_a_lone_id_off_by_a_zero_is_a_problem_but_one_written_differently_is_matched():
    """The demo's planted fault 'IPS0715' among ids written 'IPS00715' is a typo that could name
    the wrong person: not matched under auto; 'ips-00716 ' differs only in how it is written."""
    import polars as pl

    from ipseval.validate_ids import match_ids

    clients = pl.Series([f"IPS{n:05d}" for n in range(700, 760)])
    meetings = pl.Series([*clients.to_list()[:50], "IPS0715"])
    assert match_ids(meetings, clients, "auto", "meetings.csv").message is None
    assert match_ids(meetings, clients, "normalised", "meetings.csv").message is not None
    styled = pl.Series([*clients.to_list()[:50], "ips-00716 "])
    found = match_ids(styled, clients, "auto", "meetings.csv")
    assert found.ids.to_list()[-1] == "IPS00716" and found.message is not None
