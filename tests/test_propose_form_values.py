"""The mapping form's values and file choices (ipseval.ingest.propose_form_values, _files, _wide):
what each drop-down offers and reads back, blank as a choice of its own, a typed value checked as
the settings check it, a date of birth kept, a tick column's blank cells, a wide file's settings
entry, and the form kept as JSON with all of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipseval.ingest import InputError
from ipseval.ingest.mapping import check_mapping
from ipseval.ingest.propose import propose, propose_export
from ipseval.ingest.propose_form import form_from_proposal
from ipseval.ingest.propose_form_read import column_options, read_form
from ipseval.ingest.propose_form_save import dashboard_words, merged_settings
from ipseval.ingest.propose_form_store import form_from_json, form_json
from ipseval.ingest.propose_form_values import BLANK_CHOICE, TYPED, option_of, read_value, value_options
from ipseval.ingest.propose_form_wide import wide_entry
from ipseval.ingest.propose_read import LocalColumn, LocalExport, LocalTable
from ipseval.settings import Settings


def caseload() -> LocalExport:
    t = LocalTable(
        "Caseload",
        [
            LocalColumn("Client Ref", ["a", "b", "c", "d"]),
            LocalColumn("Borough", ["Leeds"] * 4),
            LocalColumn("Date Referred", ["25/03/2021", "01/02/2021", "03/04/2021", "05/06/2021"]),
            LocalColumn("DOB", ["14/05/1980", "02/11/1975", "30/07/1990", "21/01/1985"]),
            LocalColumn("Conviction", ["Yes", "No", "Not known", "Yes"]),
            LocalColumn("Seen GP", ["✓", "✓"]),  # a tick box: two of four rows ticked, two blank
        ],
        rows=4,
    )
    return LocalExport(Path("Export.xlsx"), True, [t])


@pytest.fixture(scope="module")
def form():
    return form_from_proposal(propose_export(caseload()), Settings())


def column(form, local: str):
    return next(c for c in form.tables[0].columns if c.local == local)


def test_what_a_value_of_each_kind_of_column_offers():
    sex = [o for o, _ in value_options("clients", "sex")]
    assert sex[:2] == ["", BLANK_CHOICE] and "male" in sex and sex[-1] == "leave_out" and TYPED not in sex
    end = [o for o, _ in value_options("jobs", "end_date")]
    assert end == ["", BLANK_CHOICE, TYPED]  # a date: no codes, and never left out (the reader refuses)
    measure = [o for o, _ in value_options("wellbeing", "measure")]
    assert "psychological_health" in measure and TYPED in measure  # built-in names, or another
    assert option_of("jobs", "end_date", "") == BLANK_CHOICE and option_of("jobs", "end_date", None) == ""
    assert option_of("staff", "fte", "1") == TYPED and option_of("clients", "sex", "male") == "male"


def test_a_posted_value_is_read_or_named_as_a_problem():
    assert read_value("jobs", "end_date", BLANK_CHOICE, "ignored") == ("", None)
    assert read_value("jobs", "end_date", TYPED, " 2023-06-30 ") == ("2023-06-30", None)
    assert read_value("jobs", "end_date", TYPED, "30/06/2023") == (
        None,
        "'30/06/2023' is not a date written YYYY-MM-DD, which end_date takes",
    )
    assert read_value("staff", "fte", TYPED, "") == (
        None,
        "type the value it stands for, or choose another option",
    )
    assert read_value("clients", "sex", TYPED, "male")[1].startswith("'(typed)' is not a code of sex (")
    assert read_value("clients", "employment_specialist_id", TYPED, "ES01") == ("ES01", None)  # any text


@given(st.text(max_size=12))
def test_a_typed_value_the_form_takes_is_one_the_settings_take(text):
    for table, col in (("staff", "fte"), ("clients", "age"), ("jobs", "end_date")):
        value, problem = read_value(table, col, TYPED, text)
        if problem is None:
            s = Settings.model_validate({"mapping": {"codes": {table: {col: {"x": value}}}}})
            check_mapping(s)  # no InputError: what the form saves, the reader reads


def test_blank_is_a_choice_of_its_own_in_a_coded_column(form):
    conviction = column(form, "Conviction")
    not_known = next(v for v in conviction.codes if v.value == "Not known")
    assert not_known.code == "" and option_of("clients", "criminal_conviction", "") == BLANK_CHOICE
    j = form.tables[0].columns.index(conviction)
    k = conviction.codes.index(not_known)
    kept = read_form(form, {f"code.0.{j}.{k}": BLANK_CHOICE}).form
    assert merged_settings(Settings(), kept).mapping.codes["clients"]["criminal_conviction"] == {
        "Not known": ""
    }
    none = read_form(form, {f"code.0.{j}.{k}": ""}).form  # 'no code' is another choice
    assert "criminal_conviction" not in merged_settings(Settings(), none).mapping.codes.get("clients", {})


def test_a_tick_columns_blank_cells_are_offered_as_the_proposal_has_them(form):
    ticks = {v.value: v.code for v in column(form, "Seen GP").codes}
    assert ticks == {"✓": "yes", "": "no"}  # the two blank cells: no, to check
    new = merged_settings(Settings(), read_form(form, {}).form)
    assert new.mapping.codes["clients"]["gp_visit_recent"] == {"✓": "yes", "": "no"}


def test_a_date_of_birth_is_offered_and_kept(form):
    assert ("date_of_birth", "date_of_birth") in column_options("clients")
    assert column(form, "DOB").standard == "date_of_birth"
    j = form.tables[0].columns.index(column(form, "DOB"))
    reading = read_form(form, {f"column.0.{j}": "date_of_birth"})
    assert reading.ready
    assert merged_settings(Settings(), reading.form).mapping.columns["clients"]["DOB"] == "date_of_birth"


def test_wide_files_become_their_entries_and_the_form_keeps_as_json(tmp_path):
    (tmp_path / "People.csv").write_text("Client,Area,Referred\nC1,Northam,2023-01-10\n", encoding="utf-8")
    (tmp_path / "TOP forms.csv").write_text(
        "Client,TOP Date,Alcohol days,Opiate days,Crack days,Psych Health\n"
        "C1,2023-01-15,4,0,-,12\nC1,2023-04-15,NR,0,0,14\n",
        encoding="utf-8",
    )
    form = form_from_proposal(propose(tmp_path), Settings())
    (top,) = form.wide
    assert [t.local for t in form.tables] == ["People.csv"]  # the wide file is not offered as a table
    assert wide_entry(top) == {
        "file": "TOP forms.csv",
        "items": {
            "Alcohol days": "days_alcohol",
            "Opiate days": "days_opiates",
            "Crack days": "days_crack",
            "Psych Health": "psychological_health",
        },
        "columns": {"Client": "client_id", "TOP Date": "assessment_date"},
        "instrument": "TOP",
        "blanks": ["NR", "-"],  # by cells, then column by column
    }
    assert form_from_json(form_json(form)) == form
    not_read = read_form(form, {"wide.0": ""})
    assert not_read.ready and merged_settings(Settings(), not_read.form).mapping.wide == {}
    no_instrument = read_form(form, {"wide.0.instrument": ""})
    assert no_instrument.problems == [
        "'TOP forms.csv': give the instrument of every row (e.g. TOP), or choose its instrument column"
    ]
    with pytest.raises(InputError):  # and the reader would refuse it too
        bad = no_instrument.form
        bad.wide[0].instrument = None
        merged_settings(Settings(), bad)


def test_settings_words_on_the_page_point_to_the_mapping_page():
    assert dashboard_words("fidelity.csv: 4 blank team cells filled ([input.fill_down] fidelity)") == (
        "fidelity.csv: 4 blank team cells filled (set on the mapping page)"
    )
    assert dashboard_words("so day/month/year for every file not listed in [input.date_orders]; x") == (
        "so day/month/year for every file not given its own order on the mapping page; x"
    )
    assert dashboard_words(
        "found from the first lines; if that is wrong, set [input] separator in the settings"
    ) == (
        "found from the first lines; if that is wrong, set the column separator in the dashboard's settings file"
    )
