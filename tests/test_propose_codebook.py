"""`ipseval map` on a data-warehouse style export: pipe-delimited .txt files whose numeric codes are
explained only by one long codebook file (DOMAIN|CODE|DESCRIPTION with validity columns). The
codebook is read (a code listed twice keeps its current row), attached to the columns named after
its domains, and its labels say both what each code means and which standard column a coded
column is; a code the codebook does not list is said as a likely fault; the data rows of a .txt
table are never read as lookup text."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipseval.ingest.propose import propose
from ipseval.ingest.propose_codebook import table_lookups
from ipseval.ingest.propose_read import read_export

CODEBOOK = """DOMAIN|CODE|DESCRIPTION|VALID_FROM|VALID_TO|ACTIVE_FLG
SEX|1|Male|01-APR-2019|31-DEC-9999|Y
SEX|2|Female|01-APR-2019|31-DEC-9999|Y
SEX|X|Not known|01-APR-2019|31-DEC-9999|Y
HSG|3|Temporary|01-APR-2019|31-MAR-2021|N
HSG|1|Owner occupier|01-APR-2019|31-DEC-9999|Y
HSG|2|Rented - private landlord|01-APR-2019|31-DEC-9999|Y
HSG|3|No fixed abode / rough sleeping|01-APR-2021|31-DEC-9999|Y
HSG|9|Not known|01-APR-2019|31-DEC-9999|Y
LEFT_WHY|1|Moved out of area|01-APR-2019|31-DEC-9999|Y
LEFT_WHY|2|Disengaged / lost contact|01-APR-2019|31-DEC-9999|Y
LEFT_WHY|3|Declined further support|01-APR-2019|31-DEC-9999|Y
LEFT_WHY|9|Not recorded|01-APR-2019|31-DEC-9999|Y
"""


def _clients(rows: int = 30) -> str:
    lines = ["PERSON_KEY|REFD_ON|SEX_CD|HSG_CD|LEFT_WHY_CD"]
    for k in range(rows):
        sex = ("1", "2", "X")[k % 3]
        hsg = ("1", "2", "3", "9", "7")[k % 5] if k < 25 else "1"  # 7: not in the codebook
        lines.append(f"{7000100 + k}|{1 + k % 28:02d}/03/2021|{sex}|{hsg}|{('1', '2', '3', '9')[k % 4]}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "LKP_CODES.txt").write_text(CODEBOOK, encoding="utf-8")
    (folder / "CLIENT_REFERRALS.txt").write_text(_clients(), encoding="utf-8")
    return folder


def test_a_long_codebook_with_validity_columns_is_read_keeping_current_rows(warehouse):
    book = next(t for t in read_export(warehouse).tables if t.name == "LKP_CODES.txt")
    lookups = {lk.headings[0]: lk for lk in table_lookups(book)}
    assert set(lookups) == {"SEX", "HSG", "LEFT_WHY"}
    assert lookups["HSG"].codes["3"] == "No fixed abode / rough sleeping"  # the open row, not the closed one


def test_the_codebook_explains_codes_and_names_columns(warehouse):
    p = propose(warehouse)
    assert "LKP_CODES.txt" not in {t.local for t in p.mapped()}
    clients = next(t for t in p.tables if t.standard == "clients")
    by = {c.local: c for c in clients.columns}
    assert by["HSG_CD"].standard == "housing_tenure"  # by its labels, not its name
    assert by["LEFT_WHY_CD"].standard == "discharge_reason"
    sex = {g.value: g.code for g in by["SEX_CD"].codes}
    assert sex == {"1": "male", "2": "female", "X": "unknown"}
    housing = {g.value: g for g in by["HSG_CD"].codes}
    assert housing["3"].code == "homeless"
    assert housing["7"].code is None and "not in the lookup" in housing["7"].how


def test_data_rows_of_a_text_table_are_never_lookup_text(warehouse):
    export = read_export(warehouse)
    assert not [w for w, _ in export.texts if w == "CLIENT_REFERRALS.txt"]
    p = propose(warehouse)
    hows = [g.how for t in p.tables for c in t.columns for g in c.codes]
    assert not [h for h in hows if "|" in h]


def test_a_label_detail_narrowing_its_group_and_a_bracketed_acronym_are_read():
    from ipseval.ingest.propose_columns import wellbeing_codes
    from ipseval.ingest.propose_lookup_codes import label_code
    from ipseval.schema import TABLES

    benefits = TABLES["clients"].column("benefits")
    assert label_code("Universal Credit - in work", benefits).code == "in_work"
    assert label_code("Universal Credit - not working", benefits).code == "out_of_work"
    attended = TABLES["meetings"].column("attended")
    assert label_code("Not applicable - appointment in the future", attended).code == "leave_out"
    instrument = wellbeing_codes("instrument")
    assert (
        label_code("Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)", instrument).code == "swemwbs"
    )


def test_two_labels_never_get_one_measure_and_a_converted_total_is_left_out():
    from ipseval.ingest.propose_codes import CodeGuess
    from ipseval.ingest.propose_measures import one_measure_each

    guesses = [
        CodeGuess("TOP_CRK", 10, "days_crack", 0.9, "crack"),
        CodeGuess("TOP_COC", 10, "days_crack", 0.7, "crack cocaine"),
        CodeGuess("SWM_TOT", 10, "total", 0.85, "total"),
        CodeGuess("SWM_MET", 10, "total", 0.85, "total (metric score)"),
    ]
    from ipseval.ingest.mapping import norm_name
    from ipseval.ingest.propose_lookups import Lookup

    lookup = Lookup(["MEAS"], {norm_name("SWM_MET"): "SWEMWBS total (metric score, Rasch-converted)"})
    got = {g.value: g.code for g in one_measure_each(guesses, lookup)}
    assert got["TOP_CRK"] == "days_crack" and got["TOP_COC"] is None
    assert got["SWM_TOT"] == "total" and got["SWM_MET"] == "leave_out"


def test_warehouse_item_codes_are_items():
    from ipseval.ingest.propose_items import item_of

    assert [item_of(v, 7) for v in ("SWM_01", "SWM_07", "SWM_TOT", "SWM_08")] == [1, 7, None, None]


def _write(folder: Path, name: str, header: str, rows: list[str]) -> None:
    (folder / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def test_value_evidence_picks_columns_names_alone_miss(tmp_path):
    """One day on every row is the extract's day, not the engagement date; a date read first as a
    birth date is the next date the table lacks; a staff key the caseload's specialists are is the
    staff id (and a contact file's column holding those ids is its specialist); a base area column
    holding the areas' codes beats a team column named like an area; 'RVWR_TXT' abbreviates reviewer."""
    folder = tmp_path / "export"
    folder.mkdir()
    areas = ["NBK", "EHV", "SMV"]
    rows = []
    for k in range(30):
        eng = f"{1 + k % 27:02d}-MAR-21" if k % 3 else ""
        rows.append(
            f"{7000100 + k}|{areas[k % 3]}|{4101 + k % 4}|{1 + k % 27:02d}-FEB-21|{eng}|{20 + k}|05-JAN-24"
        )
    _write(folder, "CLNT_REF.txt", "CLNT_ID|LA_CD|ES_STF_KEY|REF_DT|VOC_PROF_DT|AGE_AT_REF|EXTR_DT", rows)
    staff = [f"{4101 + k}|{300 + k % 2}|{areas[k % 3]}|1.0" for k in range(6)]
    _write(folder, "DIM_STAFF.txt", "STF_KEY|TEAM_CD|BASE_LA_CD|WTE", staff)
    _write(folder, "DIM_LOCAL_AUTH.txt", "LA_CD|POP_16_64", [f"{a}|{1000 + k}" for k, a in enumerate(areas)])
    meets = [f"{900 + k}|{7000100 + k % 30}|{4101 + k % 4}|{1 + k % 27:02d}/04/2021" for k in range(40)]
    _write(folder, "CONTACTS.txt", "CNTCT_ID|CLNT_ID|STF_KEY|CNTCT_DTTM", meets)
    fid = [f"FR{k // 25:03d}|301|17/03/2021|{1 + k % 25}|3|IPS Grow A.K." for k in range(50)]
    _write(folder, "FIDELITY_ITEM.txt", "REV_ID|TEAM_CD|REV_DT|ITEM_NO|ITEM_SCR|RVWR_TXT", fid)
    p = propose(folder)
    got = {(t.standard, c.local): c.standard for t in p.tables for c in t.columns}
    assert got["clients", "EXTR_DT"] is None
    assert got["clients", "VOC_PROF_DT"] == "engagement_date"
    assert got["staff", "STF_KEY"] == "employment_specialist_id"
    assert got["staff", "BASE_LA_CD"] == "local_authority" and got["staff", "TEAM_CD"] is None
    assert got["meetings", "STF_KEY"] == "employment_specialist_id"
    assert got["fidelity", "RVWR_TXT"] == "reviewer"


def test_sentinel_dates_are_proposed_blank():
    from ipseval.ingest.propose_novalue import value_guesses
    from ipseval.schema import TABLES

    end = TABLES["staff"].column("end_date")
    start = TABLES["staff"].column("start_date")
    got = {g.value: g for g in value_guesses(end, [("31-DEC-9999", 5), ("30-SEP-2022", 1), ("99991231", 2)])}
    assert got["31-DEC-9999"].code == "" and got["31-DEC-9999"].confidence >= 0.8
    assert got["99991231"].code == ""
    assert "30-SEP-2022" not in got or got["30-SEP-2022"].as_is
    low = {g.value: g for g in value_guesses(start, [("01-JAN-1900", 3), ("03-FEB-2020", 4)])}
    assert low["01-JAN-1900"].code == "" and low["01-JAN-1900"].confidence < 0.8  # to check


def test_rows_that_are_no_records_are_proposed_left_out_by_a_type_column(tmp_path):
    """A contacts file's type column, explained by the codebook, keeps the appointments and leaves
    out the case notes and reminders; a referral 'accepted' flag leaves out the referrals not
    accepted; a lookup's code missing from it is left out by '*' and said."""
    folder = tmp_path / "export"
    folder.mkdir()
    book = [
        "CNT_TYPE|10|IPS 1:1 appointment",
        "CNT_TYPE|11|Vocational profile / first appointment",
        "CNT_TYPE|30|Case note / administration",
        "CNT_TYPE|31|Appointment reminder sent",
    ]
    _write(folder, "LKP_CODES.txt", "DOMAIN|CODE|DESCRIPTION", book)
    clients = [f"{7000100 + k}|{1 + k % 27:02d}/02/2021|{'F' if k % 10 == 0 else 'T'}" for k in range(30)]
    _write(folder, "CLIENTS.txt", "CLIENT_ID|REFERRAL_DATE|REF_ACPT_FLG", clients)
    kinds = ["10", "11", "30", "31", "10", "13"]
    meets = [f"{7000100 + k % 30}|{1 + k % 27:02d}/04/2021|{kinds[k % 6]}" for k in range(60)]
    _write(folder, "CONTACTS.txt", "CLIENT_ID|CONTACT_DATE|CNT_TYPE_CD", meets)
    p = propose(folder)
    settings = p.settings()
    assert settings.mapping.codes["clients"]["REF_ACPT_FLG"] == {"T": "keep", "F": "leave_out"}
    contacts = settings.mapping.codes["meetings"]["CNT_TYPE_CD"]
    assert contacts == {"10": "keep", "11": "keep", "30": "leave_out", "31": "leave_out", "*": "leave_out"}
    meetings = next(t for t in p.tables if t.standard == "meetings")
    assert "13 not in the lookup" in meetings.filters[0].said()


def test_a_contacts_file_gives_two_tables_and_its_parts_give_the_same(tmp_path):
    """A contacts file whose type column's labels name appointments and employer contacts gives
    both tables, each with its own row filter; its second part (same name but the part number,
    its columns in another order) gives the same tables; the settings hold one section each."""
    from ipseval.ingest.propose_toml import write_proposal
    from ipseval.settings import load_settings

    folder = tmp_path / "export"
    folder.mkdir()
    book = [
        "CNT_TYPE|10|IPS 1:1 appointment",
        "CNT_TYPE|20|Employer engagement contact",
        "CNT_TYPE|30|Case note",
    ]
    _write(folder, "LKP_CODES.txt", "DOMAIN|CODE|DESCRIPTION", book)
    clients = [f"{7000100 + k}|{1 + k % 27:02d}/02/2021" for k in range(30)]
    _write(folder, "CLIENTS.txt", "CLIENT_ID|REFERRAL_DATE", clients)
    kinds, employers = ["10", "20", "30"], ["Acme Ltd", "Bramley Co-op", "Harbour Hotel"]

    def row(k: int) -> tuple[str, str, str, str]:
        kind = kinds[k % 3]
        client = "" if kind == "20" else str(7000100 + k % 30)
        return client, f"{1 + k % 27:02d}/04/2021", kind, employers[k % 3] if kind == "20" else ""

    p1 = ["|".join(row(k)) for k in range(60)]
    _write(folder, "CONTACTS_P1.txt", "CLIENT_ID|CONTACT_DATE|CNT_TYPE_CD|EMPLOYER_NAME", p1)
    p2 = ["|".join((r[2], r[0], r[1], r[3])) for r in map(row, range(60, 120))]
    p2[5] = "13|7000105|06/04/2021|"  # a type the lookup does not list, in the second part only
    _write(folder, "CONTACTS_P2.txt", "CNT_TYPE_CD|CLIENT_ID|CONTACT_DATE|EMPLOYER_NAME", p2)
    p = propose(folder)
    m = p.settings().mapping
    assert m.tables["CONTACTS_P1.txt"] == ["meetings", "employer_contacts"]
    assert m.tables["CONTACTS_P2.txt"] == ["meetings", "employer_contacts"]
    assert m.codes["meetings"]["CNT_TYPE_CD"] == {
        "10": "keep",
        "20": "leave_out",
        "30": "leave_out",
        "*": "leave_out",
    }
    assert m.codes["employer_contacts"]["CNT_TYPE_CD"]["20"] == "keep"
    assert m.columns["employer_contacts"]["EMPLOYER_NAME"] == "employer"
    path = write_proposal(p, tmp_path / "ipseval.toml")
    assert load_settings(path).mapping == m  # one section per table, valid TOML
    # the second part's code missing from the lookup is said on the one section both parts share
    header = next(
        line for line in path.read_text().splitlines() if line.startswith("[mapping.codes.meetings.")
    )
    assert "13 not in the lookup (a likely fault)" in header


def test_compact_yyyymmdd_values_are_dates():
    from ipseval.ingest.propose_values import date_form

    assert [date_form(v) for v in ("20210522", "99991231", "20211332", "7012791")] == [
        "ymd",
        "ymd",
        None,
        None,
    ]
