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
