"""The mapping proposal as a form (ipseval.ingest.propose_form*): the proposal shown as choices, the
settings in force chosen where they say something, a posted form read back (bad values named,
changed tables and columns shown again), the choices merged into the settings, and messages about
mapping pointed at the mapping page."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipseval.ingest import InputError
from ipseval.ingest.propose import propose_export
from ipseval.ingest.propose_form import SAVED, form_from_proposal
from ipseval.ingest.propose_form_read import check_choices, read_form
from ipseval.ingest.propose_form_save import (
    corrections,
    dashboard_words,
    mapping_changes,
    merged_settings,
)
from ipseval.ingest.propose_form_store import cached_form, form_from_json, form_json
from ipseval.ingest.propose_read import LocalColumn, LocalExport, LocalTable
from ipseval.settings import Settings
from ipseval.validate import load


def export() -> LocalExport:
    caseload = LocalTable(
        "Caseload",
        [
            LocalColumn("Client Ref", ["a", "b", "c", "d"]),
            LocalColumn("Borough", ["Leeds"] * 4),
            LocalColumn("Date Referred", ["25/03/2021", "01/02/2021", "03/04/2021", "05/06/2021"]),
            LocalColumn("Gender", ["M", "Female", "M", "Prefer not to say"]),
            LocalColumn("Notes", ["rang twice", "moved", "x", "x"]),
        ],
        rows=4,
    )
    meetings = LocalTable(
        "Appointments",
        [
            LocalColumn("Client Ref", ["a", "b", "a"]),
            LocalColumn("Appt Date", ["2023-01-02"] * 3),
            LocalColumn("Contact Type", ["Face to face", "Carrier pigeon", "Face to face"]),
            LocalColumn("Attendance", ["Attended", "DNA", "Attended"]),
        ],
        rows=3,
    )
    return LocalExport(Path("Export.xlsx"), True, [caseload, meetings])


@pytest.fixture(scope="module")
def form():
    return form_from_proposal(propose_export(export()), Settings())


def by_local(form, table: str, column: str | None = None):
    t = next(t for t in form.tables if t.local == table)
    return t if column is None else next(c for c in t.columns if c.local == column)


def values(column) -> dict:
    return {v.value: v for v in column.codes}


def test_the_form_shows_the_proposal_with_its_confidences(form):
    assert form.source == "Export.xlsx" and form.workbook
    assert [(t.local, t.standard) for t in form.tables] == [
        ("Caseload", "clients"),
        ("Appointments", "meetings"),
    ]
    gender = by_local(form, "Caseload", "Gender")
    assert gender.standard == gender.guess == "sex"
    m, female = values(gender)["M"], values(gender)["Female"]
    assert (m.code, m.reads_as) == ("male", None)  # needs an entry in the settings
    assert (female.code, female.reads_as) == ("female", "female")  # read as it is
    pigeon = values(by_local(form, "Appointments", "Contact Type"))["Carrier pigeon"]
    assert (pigeon.code, pigeon.confidence, pigeon.sure) == (None, 0.0, False)  # left to decide
    assert by_local(form, "Caseload", "Notes").standard is None
    assert form.date_order == "dmy" and form.date_sure
    assert form_from_json(form_json(form)) == form


def test_the_settings_in_force_are_chosen_where_they_say_something():
    saved = Settings.model_validate(
        {
            "mapping": {
                "tables": {"appointments": "meetings"},
                "columns": {"clients": {"NOTES": "employment_specialist_id"}},
                "codes": {"clients": {"sex": {"m": "female"}}},
            }
        }
    )
    form = form_from_proposal(propose_export(export()), saved)
    notes = by_local(form, "Caseload", "Notes")
    assert (notes.standard, notes.guess, notes.how) == ("employment_specialist_id", None, SAVED)
    m = values(by_local(form, "Caseload", "Gender"))["M"]
    assert (m.code, m.guess, m.how) == ("female", "male", SAVED)


def test_an_unchanged_form_makes_the_settings_that_read_the_export(form):
    reading = read_form(form, {})
    assert reading.ready
    new = merged_settings(Settings(), reading.form)
    m = new.mapping
    assert m.tables == {"Caseload": "clients", "Appointments": "meetings"}
    assert m.columns["clients"] == {
        "Client Ref": "client_id", "Borough": "local_authority", "Date Referred": "referral_date",
        "Gender": "sex",
    }  # fmt: skip
    assert m.codes["clients"]["sex"] == {"M": "male", "Prefer not to say": "unknown"}  # not 'Female'
    assert m.codes["meetings"]["attended"] == {"Attended": "yes", "DNA": "no"}
    assert new.input.date_order == "dmy"
    assert corrections(reading.form) == {}
    changes = mapping_changes(Settings(), new)
    assert changes["input.date_order"] == "auto → dmy"
    assert changes['mapping.codes.clients.sex."Prefer not to say"'] == "(none) → unknown"


def test_bad_values_are_named_and_nothing_is_read_from_them(form):
    reading = read_form(
        form,
        {"table.1": "minutes", "column.0.3": "gender", "code.0.3.0": "martian", "date_order": "dm"},
    )
    assert not reading.ready
    assert reading.problems == [
        "'Caseload' column 'Gender': 'gender' is not a column of clients (client_id, local_authority, "
        + reading.problems[0].split("(client_id, local_authority, ")[1],
        "'Appointments': 'minutes' is not a table of the data standard (clients, meetings, jobs, wellbeing, "
        "areas, fidelity, staff, employer_contacts, comparison)",
        "dates: 'dm' is not an order of dates (auto, dmy, mdy, ymd)",
    ]
    reading = read_form(form, {"code.0.3.0": "martian"})
    assert reading.problems[0].startswith(
        "'Caseload' column 'Gender' value 'M': 'martian' is not a code of sex ("
    )


def test_a_changed_table_or_column_is_shown_again_before_it_is_saved(form):
    # Appointments read as jobs: its columns are chosen again by their names
    reading = read_form(form, {"table.1": "jobs"})
    assert reading.review and not reading.problems
    jobs = by_local(reading.form, "Appointments")
    assert (
        jobs.standard == "jobs"
        and by_local(reading.form, "Appointments", "Client Ref").standard == "client_id"
    )
    # Notes chosen as a coded column: its values are proposed codes, for a check
    reading = read_form(form, {"column.0.4": "referral_source"})
    assert reading.review
    notes = by_local(reading.form, "Caseload", "Notes")
    assert notes.standard == "referral_source" and {v.value for v in notes.codes} == {
        "rang twice",
        "moved",
        "x",
    }
    k = [v.value for v in notes.codes].index("rang twice")
    again = read_form(reading.form, {"column.0.4": "referral_source", f"code.0.4.{k}": "self"})
    assert again.ready and values(by_local(again.form, "Caseload", "Notes"))["rang twice"].code == "self"
    assert corrections(again.form)["'Caseload' › 'Notes'"] == "not used → referral_source"


def test_what_the_reader_would_refuse_is_named(form):
    assert read_form(form, {"table.0": ""}).problems == [
        "no file or sheet is the clients table, which is required"
    ]
    assert read_form(form, {"column.0.0": ""}).problems == [
        "'Caseload': no column is chosen for client_id, which the clients table requires"
    ]
    assert read_form(form, {"column.0.1": "client_id"}).problems[0] == (
        "'Caseload': columns 'Client Ref' and 'Borough' are both client_id: keep one"
    )
    named = read_form(form, {"table.1": "clients"})  # two sheets for one table, once columns are chosen
    assert "'Caseload' and 'Appointments' are both the clients table: keep one" in check_choices(named.form)


def test_names_the_reader_takes_by_themselves_cannot_be_left_out():
    own = LocalTable(
        "clients", [LocalColumn("client_id", ["a"]), LocalColumn("referral_date", ["2023-01-01"])], 1
    )
    form = form_from_proposal(propose_export(LocalExport(Path("x"), False, [own])), Settings())
    problems = read_form(form, {"table.0": "", "column.0.1": ""}).problems
    assert problems[0] == (
        "'clients' is read as the clients table by its name: choose a table for it, or rename it in the "
        "export to leave it out"
    )
    problems = read_form(form, {"column.0.1": ""}).problems
    assert problems[0].startswith("'clients' column 'referral_date' is read as referral_date by its name")


def test_merging_sets_this_exports_names_and_keeps_the_others(form):
    current = Settings.model_validate(
        {
            "service_name": "Kept",
            "mapping": {
                "tables": {"CASELOAD": "staff", "Other export": "jobs"},
                "columns": {"clients": {"notes": "age", "Ref": "client_id"}},
                "codes": {"clients": {"sex": {"m": "female", "W": "female"}, "Gender": {"M": "unknown"}}},
            },
        }
    )
    new = merged_settings(current, read_form(form, {}).form)
    assert new.service_name == "Kept"
    assert new.mapping.tables == {"Other export": "jobs", "Caseload": "clients", "Appointments": "meetings"}
    assert (
        new.mapping.columns["clients"]["Ref"] == "client_id" and "notes" not in new.mapping.columns["clients"]
    )
    assert new.mapping.codes["clients"]["sex"] == {"W": "female", "M": "male", "Prefer not to say": "unknown"}
    assert "Gender" not in new.mapping.codes["clients"]  # its only value was set here
    changes = mapping_changes(current, new)
    assert changes["mapping.tables.CASELOAD"] == "staff → (none)"
    assert changes["mapping.codes.clients.sex.m"] == "female → (none)"
    bad = read_form(form, {}).form
    bad.tables[0].standard = "nope"  # what the reader refuses is refused here too
    with pytest.raises(InputError, match="'nope' is not a table"):
        merged_settings(Settings(), bad)


def test_the_form_is_kept_beside_the_upload_and_proposed_again_if_unreadable(tmp_path):
    _csv(tmp_path / "x", "Caseload.csv", "Client Ref,Borough,Date Referred\na,Leeds,2023-01-01\n")
    cache = tmp_path / "mapping.json"
    form = cached_form(tmp_path / "x", cache, Settings(), "export.zip")
    assert form.source == "export.zip" and form.tables[0].standard == "clients" and cache.is_file()
    form.tables[0].columns[1].standard = None  # as a person chose: kept, not proposed again
    cache.write_text(form_json(form), encoding="utf-8")
    assert cached_form(tmp_path / "x", cache, Settings(), "export.zip") == form
    cache.write_text('{"tables": 1}', encoding="utf-8")  # written by another version: proposed again
    assert cached_form(tmp_path / "x", cache, Settings(), "export.zip").tables[0].columns[1].standard


def _csv(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_every_message_about_mapping_points_to_the_mapping_page(tmp_path):
    messages = []
    _csv(tmp_path / "a", "participants.csv", "id\n1\n")
    with pytest.raises(InputError) as e:
        load(tmp_path / "a")
    messages.append(str(e.value))
    _csv(tmp_path / "b", "clients.csv", "ref,local_authority,referral_date\n1,Leeds,2023-01-01\n")
    with pytest.raises(InputError) as e:
        load(tmp_path / "b")
    messages.append(str(e.value))
    rows = (
        "client_id,local_authority,referral_date,sex,notes\n1,Leeds,03/25/2023,M,x\n2,Leeds,2023-01-01,F,y\n"
    )
    rows += "3,Leeds,2023-01-01,female,z\n"
    _csv(tmp_path / "c", "clients.csv", rows)
    _csv(tmp_path / "c", "extra.csv", "a\n1\n")
    ds = load(tmp_path / "c")
    from ipseval.problem_groups import group_problems

    messages += (
        ds.problems["message"].to_list()
        + [n for n in ds.notes]
        + group_problems(ds.problems)["advice"].to_list()
    )
    riverside = (
        Path(__file__).resolve().parent.parent / "examples/exports/riverside/Riverside IPS export.xlsx"
    )
    with pytest.raises(InputError) as e:
        load(riverside)
    messages.append(str(e.value))
    about = [m for m in messages if "mapping" in m or "date_order" in m]
    assert len(about) >= 6
    for m in about:
        words = dashboard_words(m)
        assert "the mapping page" in words and "[mapping" not in words and "input.date_order" not in words, (
            words
        )
    assert dashboard_words('set input.date_order = "mdy" in the settings if so') == (
        'choose the date order "mdy" on the mapping page if so'
    )
    assert dashboard_words('set [input.date_orders] jobs = "mdy" if the file uses that order') == (
        'choose the date order "mdy" on the mapping page if the file uses that order'
    )


def test_a_long_posted_value_is_named_cut_short(form):
    (problem,) = read_form(form, {"date_order": "x" * 5000}).problems
    assert problem == f"dates: '{'x' * 60}…' is not an order of dates (auto, dmy, mdy, ymd)"
