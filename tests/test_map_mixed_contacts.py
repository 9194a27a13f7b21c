"""The mapping assistant on a contacts sheet that mixes client meetings, employer contacts and case
notes, told apart only by plain-word labels that no codebook explains (tests/mixed_contacts.py):
the labels are read by their words (propose_kinds), employer contacts and notes are never counted
as meetings, the file is proposed as both meetings and employer contacts, each leaving out the
other's rows, and the proposal, accepted unedited, validates with the right count of each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest.mapping import LEAVE_OUT
from ipseval.ingest.propose import SURE, propose, propose_export
from ipseval.ingest.propose_codes import guess_code
from ipseval.ingest.propose_filters import KEEP, own_label_filter
from ipseval.ingest.propose_kinds import (
    EMPLOYER_CONTACTS,
    MEETINGS,
    NO_RECORD,
    SURE_KIND,
    meeting_without_mode,
    record_kind,
)
from ipseval.ingest.propose_read import LocalColumn, LocalExport, LocalTable
from ipseval.ingest.propose_split import employer_modes
from ipseval.ingest.propose_toml import proposal_toml, write_proposal
from ipseval.schema import TABLES
from ipseval.settings import load_settings
from ipseval.validate import load
from mixed_contacts import EMPLOYER_TYPES, MEETING_TYPES, NOTE_TYPES, write_folder, write_workbook

MODE = TABLES["meetings"].column("mode")


def _export(tmp_path: Path, shape: str, layout: str) -> tuple[Path, str, dict[str, int]]:
    """The fixture written as ``shape`` (csv: a folder; xlsx: a workbook): its path, the contacts'
    name in [mapping.tables], and the contacts' rows of each kind."""
    if shape == "csv":
        return tmp_path / "export", "Contacts log.csv", write_folder(tmp_path / "export", layout)
    return tmp_path / "export.xlsx", "Contacts log", write_workbook(tmp_path / "export.xlsx", layout)


@pytest.mark.parametrize("layout", ["one column", "two columns"])
@pytest.mark.parametrize("shape", ["csv", "xlsx"])
def test_the_unedited_proposal_validates_and_counts_only_the_meetings(tmp_path, shape, layout):
    source, contacts, kinds = _export(tmp_path, shape, layout)
    p = propose(source)
    settings = load_settings(write_proposal(p, tmp_path / "ipseval.toml"))
    assert settings.mapping.tables[contacts] == ["meetings", "employer_contacts"]
    ds = load(source, settings)
    assert ds.n_errors == 0, ds.problems.to_dicts()[:5]
    assert ds.tables["meetings"].height == kinds["meetings"]  # no employer contact, no note
    assert ds.tables["employer_contacts"].height == kinds["employer"]
    visits = ds.tables["employer_contacts"]["face_to_face"].sum()
    assert 0 < visits < kinds["employer"]  # 'Employer visit' face to face; calls and emails not


def test_employer_labels_are_left_out_of_the_meetings_and_said_to_check(tmp_path):
    source, _, _ = _export(tmp_path, "csv", "one column")
    p = propose(source)
    meetings = next(t for t in p.tables if t.standard == "meetings")
    mode = next(c for c in meetings.columns if c.standard == "mode")
    got = {g.value: g for g in mode.codes}
    for label in (*EMPLOYER_TYPES, *NOTE_TYPES):
        assert got[label].code == LEAVE_OUT and got[label].confidence < SURE, got[label]
    assert {got[label].code for label in MEETING_TYPES} == {"face_to_face", "phone", "video", "other", ""}
    text = proposal_toml(p)
    assert re.search(r'"Employer visit" = "leave_out"  # CHECK: \d+% sure', text)
    assert '"Employer visit" = "yes"' in text  # in [mapping.codes.employer_contacts.face_to_face]
    assert text.count("# 'Contact Date' (Contacts log.csv)") == 1  # read by both tables, said once


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Face to face", MEETINGS),
        ("Telephone", MEETINGS),
        ("Video call", MEETINGS),
        ("Text message", MEETINGS),
        ("Job search session", MEETINGS),
        ("IPS Appointment", MEETINGS),
        ("1:1 meeting", MEETINGS),
        ("Home visit", MEETINGS),
        ("In-work support (client)", MEETINGS),
        ("Face to face - Employer premises", MEETINGS),  # where a meeting was held
        ("Employer visit", EMPLOYER_CONTACTS),
        ("Employer phone call", EMPLOYER_CONTACTS),
        ("Employer email", EMPLOYER_CONTACTS),
        ("EMPLOYER ENGAGEMENT", EMPLOYER_CONTACTS),
        ("Employers - cold call", EMPLOYER_CONTACTS),
        ("Job development", EMPLOYER_CONTACTS),
        ("Vacancy with employer", EMPLOYER_CONTACTS),
        ("Business visit", EMPLOYER_CONTACTS),
        ("Case note", NO_RECORD),
        ("Case Notes", NO_RECORD),
        ("Note", NO_RECORD),
        ("Admin", NO_RECORD),
        ("Admin task", NO_RECORD),
        ("Task", NO_RECORD),
        ("Email to self", NO_RECORD),
        ("File review", NO_RECORD),
        ("Appointment reminder (SMS)", NO_RECORD),
        ("Team meeting", NO_RECORD),
        ("MDT", NO_RECORD),
        ("Employer note", NO_RECORD),  # a note about an employer: no contact
    ],
)
def test_a_label_names_its_kind_of_record(label, kind):
    assert record_kind(label).kind == kind, record_kind(label)


@pytest.mark.parametrize(
    "label",
    ["Business visit", "Company", "Vacancy", "Employer visit with client", "Attempted call", "Misc"],
)
def test_labels_that_leave_room_for_doubt_are_read_less_surely(label):
    assert record_kind(label).confidence < SURE_KIND


@pytest.mark.parametrize("label", ["Employer visit", "Case note", "Face to face", "Admin task"])
def test_plain_labels_are_read_surely(label):
    assert record_kind(label).confidence >= SURE_KIND


_SEPARATORS = st.sampled_from([" ", "  ", "-", " - ", "_", "/", ": ", ". "])


@st.composite
def _respelled(draw, words: list[str]) -> str:
    """``words`` written another way: each word's case, the separators between them, brackets
    or a full stop around it."""
    out = []
    for k, w in enumerate(words):
        case = draw(st.sampled_from([w, w.lower(), w.upper(), w.title()]))
        out.append(case if k == 0 else draw(_SEPARATORS) + case)
    text = "".join(out)
    return draw(st.sampled_from([text, f" {text} ", f"{text}.", f"({text})", f"{text}s"]))


MODE_WORDS = ["visit", "phone call", "email", "telephone", "video call", "text", "meeting", "contact"]
NOTE_WORDS = ["case note", "admin", "task", "file review", "note"]


@given(data=st.data())
@hsettings(max_examples=200, deadline=None)
def test_spelling_does_not_change_a_labels_kind(data):
    """However it is written, a label naming an employer and a mode is an employer contact, one
    naming a note (and no employer) no record, one naming only a mode a meeting."""
    mode = data.draw(st.sampled_from(MODE_WORDS)).split()
    note = data.draw(st.sampled_from(NOTE_WORDS)).split()
    employer = data.draw(_respelled(["employer", *mode] if data.draw(st.booleans()) else [*mode, "employer"]))
    assert record_kind(employer).kind == EMPLOYER_CONTACTS, employer
    noted = data.draw(_respelled(note + data.draw(st.sampled_from([[], ["only"], ["client"]]))))
    assert record_kind(noted).kind == NO_RECORD, noted
    meeting = data.draw(_respelled(mode))
    assert record_kind(meeting).kind == MEETINGS, meeting
    assert guess_code(employer, MODE).code == LEAVE_OUT
    assert guess_code(meeting, MODE).code not in (LEAVE_OUT, None), meeting


def test_a_meeting_label_naming_no_mode_leaves_the_mode_blank_to_check():
    for label in ("Job search session", "IPS Appointment", "Review meeting"):
        g = guess_code(label, MODE)
        assert (g.code, g.confidence < SURE) == ("", True), g
    assert meeting_without_mode("Telephone session") is None  # it names its mode
    assert guess_code("Telephone session", MODE).code == "phone"


def test_the_employer_contacts_read_a_mixed_mode_column_as_face_to_face():
    values = [("Face to face", 50), ("Employer visit", 9), ("Employer email", 4), ("Employer contact", 2)]
    got = {g.value: g for g in employer_modes([*values, ("Case note", 7)], blanks=3)}
    assert [got[v].code for v, _ in values] == [LEAVE_OUT, "yes", "no", ""]
    assert got["Employer contact"].confidence < SURE  # no mode said: blank, to check
    assert got["Case note"].code == LEAVE_OUT
    assert (got[""].code, got[""].rows) == (LEAVE_OUT, 3)  # a blank type is no employer contact


def test_a_type_column_in_plain_words_keeps_each_tables_rows():
    values = [("IPS Appointment", 40), ("Case Note", 9), ("Employer Engagement", 6)]
    meetings = own_label_filter("meetings", "Activity Type", values)
    assert meetings is not None and meetings.mapping() == {
        "IPS Appointment": KEEP,
        "Case Note": LEAVE_OUT,
        "Employer Engagement": LEAVE_OUT,
        "*": LEAVE_OUT,
    }
    employers = own_label_filter("employer_contacts", "Activity Type", values, blanks=2)
    assert employers is not None and employers.mapping()["Employer Engagement"] == KEEP
    assert employers.mapping()[""] == LEAVE_OUT
    # not a type column by its name, or no label surely of another kind: no filter
    assert own_label_filter("meetings", "Subject", values) is None
    assert own_label_filter("meetings", "Activity Type", [("IPS Appointment", 9), ("Review", 3)]) is None
    assert own_label_filter("meetings", "Activity Type", [("IPS Appointment", 9), ("Company", 3)]) is None


def _mixed_log(extra: list[tuple[str, list[str]]]) -> LocalExport:
    """A caseload and a contacts log whose 'Contact Type' mixes meetings, employer contacts and
    notes, with ``extra`` columns (name, values)."""
    types = ["Face to face", "Telephone", "Employer visit", "Employer email", "Case note", "Face to face"] * 5
    refs = [f"c{k % 6}" for k in range(len(types))]
    log = [
        LocalColumn("Client Ref", refs),
        LocalColumn("Contact Date", [f"2023-02-{1 + k % 27:02d}" for k in range(len(types))]),
        LocalColumn("Worker", [f"Worker {k % 3}" for k in range(len(types))]),
        LocalColumn("Contact Type", types),
        *(LocalColumn(name, values) for name, values in extra),
    ]
    caseload = [
        LocalColumn("Client Ref", [f"c{k}" for k in range(6)]),
        LocalColumn("Borough", ["Leeds"] * 6),
        LocalColumn("Date Referred", ["2023-01-02"] * 6),
    ]
    tables = [LocalTable("Caseload", caseload, rows=6), LocalTable("Contacts", log, rows=len(types))]
    return LocalExport(Path("x.xlsx"), True, tables)


def test_a_face_to_face_column_of_its_own_leaves_the_type_column_to_keep_the_rows():
    """When another column surely says face to face, the mixed type column cannot be the employer
    contacts' face_to_face too: it keeps their rows as a row filter instead."""
    f2f = ["Y" if k % 2 else "N" for k in range(30)]
    p = propose_export(_mixed_log([("Face to face?", f2f)]))
    m = p.settings().mapping
    assert m.tables["Contacts"] == ["meetings", "employer_contacts"]
    assert m.columns["employer_contacts"]["Face to face?"] == "face_to_face"
    kept = m.codes["employer_contacts"]["Contact Type"]
    assert kept["Employer visit"] == KEEP and kept["Face to face"] == LEAVE_OUT and kept["*"] == LEAVE_OUT
    assert m.codes["meetings"]["mode"]["Employer visit"] == LEAVE_OUT
