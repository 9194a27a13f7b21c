"""`ipseval map` on words and codes in date and number columns (issue 18): an export whose words are
not trial 4's ('Current', 'Still in post', 'flexible', 'Not asked', -1 for an unknown age, 'Full-time'
FTE, two-digit years written 01.06.21) gets each proposed under [mapping.codes], marked CHECK where
unsure; the proposal loads, and validate then rejects no row for them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from ipseval.ingest.propose import propose
from ipseval.ingest.propose_novalue import no_value_word
from ipseval.ingest.propose_toml import proposal_toml, write_proposal
from ipseval.settings import load_settings
from ipseval.validate import load
from test_ingest import _book

REFERRALS = """Client No,Area,Date referred,Date left,Age,Confidence (0-10)
R1,Leeds,02/03/2021,Current,34,7 out of 10
R2,Leeds,15/03/2021,14/09/2021,-1,5 out of 10
R3,York,20/04/2021,Still on caseload,41,8 out of 10
R4,York,21/04/2021,Current,-1,Not asked
R5,Leeds,05/05/2021,30/11/2021,52,6 out of 10
R6,York,18/05/2021,Current,29,9 out of 10
"""
EMPLOYMENT = """Client No,Job started,Left job,Weekly hours
R1,01.06.21,Still in post,c. 30
R2,10.07.21,01/09/2021,flexible
R3,12.08.21,Still in post,Not known
R5,01.09.21,15/11/2021,16
R6,20.09.21,Still in post,~20
"""
TEAM = """Worker,FTE,Started
W1,Full-time,01/01/2020
W2,0.6,01/02/2020
W3,TBC,01/03/2021
"""


def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    for name, text in (("Referrals", REFERRALS), ("Employment", EMPLOYMENT), ("Team", TEAM)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def guesses(p, table: str, column: str) -> dict[str, tuple[str | None, bool]]:
    """value -> (code proposed, sure) for one standard column."""
    t = next(t for t in p.tables if t.standard == table)
    c = next(c for c in t.columns if c.standard == column)
    return {g.value: (g.code, g.confidence >= 0.8) for g in c.codes}


def test_words_and_codes_in_date_and_number_columns_are_proposed(tmp_path):
    p = propose(export(tmp_path))
    assert guesses(p, "clients", "discharge_date") == {"Current": ("", True), "Still on caseload": ("", True)}
    assert guesses(p, "clients", "age") == {"-1": ("", True)}  # twice, outside 16 to 99
    confidence = guesses(p, "clients", "work_confidence")
    assert confidence["Not asked"] == ("", True)
    assert confidence["7 out of 10"] == ("7", True)  # read as it is: listed, not proposed
    assert guesses(p, "jobs", "end_date") == {"Still in post": ("", True)}
    assert guesses(p, "jobs", "hours_per_week") == {
        "c. 30": ("30", True),
        "flexible": ("", True),
        "Not known": ("", True),
        "~20": ("20", True),
    }
    assert guesses(p, "staff", "fte") == {"Full-time": ("1", True), "TBC": ("", True)}
    text = proposal_toml(p)
    assert '"Still in post" = ""  # means still open: left blank' in text
    assert '# "7 out of 10": read as 7 as it is (1 row)' in text
    assert "'Job started' (Employment.csv): 5 dates with a two-digit year, e.g. 01.06.21" in text


def test_the_proposal_loads_and_validate_then_rejects_no_row(tmp_path):
    folder = export(tmp_path)
    p = propose(folder)
    settings = load_settings(write_proposal(p, folder / "ipseval.toml"))
    assert settings.mapping == p.settings().mapping
    ds = load(folder, settings)
    assert ds.n_errors == 0, ds.problems.filter(pl.col("severity") == "error").to_dicts()
    assert ds.tables["clients"]["discharge_date"].null_count() == 4  # still on the caseload
    assert ds.tables["clients"]["age"].to_list() == [34, None, 41, None, 52, 29]
    assert ds.tables["jobs"]["hours_per_week"].to_list() == [30, None, None, 16, 20]
    assert ds.tables["jobs"]["start_date"].to_list()[0] == datetime(2021, 6, 1).date()
    assert ds.tables["staff"]["fte"].to_list() == [1.0, 0.6, None]


def test_unsure_words_are_marked_check_and_faults_left_to_a_person(tmp_path):
    """'Ongoing' in a referral date (no end date) is a CHECK; a 999 seen once is a CHECK; an
    impossible date is listed with why, never proposed."""
    rows = [
        ["Client", "Area", "Referred", "Age"],
        ["A1", "Leeds", datetime(2022, 1, 4), 999],
        ["A2", "Leeds", "Ongoing", 30],
        ["A3", "Leeds", "31/11/2022", 40],
        *[[f"A{i}", "Leeds", datetime(2022, 2, i), 30 + i] for i in range(4, 12)],
    ]
    p = propose(_book(tmp_path, {"Clients": rows}))
    assert guesses(p, "clients", "referral_date") == {"Ongoing": ("", False), "31/11/2022": (None, False)}
    assert guesses(p, "clients", "age") == {"999": ("", False)}
    text = proposal_toml(p)
    assert '"31/11/2022" = ?  CHECK: not a valid date: November 2022 has no day 31' in text
    assert 'Ongoing = ""  # CHECK: 50% sure' in text
    settings = load_settings(write_proposal(p, tmp_path / "ipseval.toml"))
    assert settings.mapping == p.settings().mapping


def test_what_counts_as_a_word_for_no_value():
    assert [no_value_word(w) for w in ("Open", "On-going", "N/K", "-", "Not recorded", "Varies")] == [
        "open",
        "open",
        "not recorded",
        "not recorded",
        "not recorded",
        "varies",
    ]
    assert [no_value_word(w) for w in ("Leeds", "2021", "Full time", "Closed")] == [None] * 4


def test_words_in_the_item_cells_of_a_wide_form_are_no_row(tmp_path):
    """A TOP sheet, one row per form: '-', 'NR' and 'n/k' in its measure cells are proposed as the
    wide file's blanks; with the proposal they are no row, like a blank cell, and
    its two-digit years (14-Jun-21, 2.3.21) are read. 3 forms x 5 measures = 15 cells, 4 of them
    words: 11 rows."""
    clients = [["Client", "Area", "Referred"], *[[f"T{i}", "Leeds", datetime(2021, i, 4)] for i in (1, 2, 3)]]
    top = [
        ["Client", "Date of form", "Alcohol days", "Opiate days", "Psychological health", "Physical health",
         "Quality of life"],
        ["T1", "14-Jun-21", 4, 0, 12, "NR", 14],
        ["T2", "2.3.21", "-", 0, 10, 11, "-"],
        ["T3", "05/04/21", 2, "n/k", 8, 9, 10],
    ]  # fmt: skip
    book = _book(tmp_path, {"Clients": clients, "TOP forms": top}, "export.xlsx")
    p = propose(book)
    (wide,) = p.wide
    assert wide.blanks == [("-", 2), ("n/k", 1), ("NR", 1)]  # proposed as the wide file's blanks
    settings = load_settings(write_proposal(p, tmp_path / "ipseval.toml"))
    assert settings.mapping == p.settings().mapping
    ds = load(book, settings)
    assert ds.n_errors == 0 and ds.tables["wellbeing"].height == 11
    assert sorted(set(ds.tables["wellbeing"]["assessment_date"].to_list())) == [
        datetime(2021, 3, 2).date(),
        datetime(2021, 4, 5).date(),
        datetime(2021, 6, 14).date(),
    ]
    assert (
        "export.xlsx › TOP forms: 4 cells of '-', 'n/k', 'NR' read as blank (blanks of [mapping.wide.wellbeing])"
    ) in ds.notes
    assert not [m for m in ds.problems["message"].to_list() if "never occur" in m]


def test_a_word_for_not_recorded_in_a_required_date_is_marked_check():
    from ipseval.ingest.propose_novalue import value_guesses
    from ipseval.schema import TABLES

    referral = TABLES["clients"].column("referral_date")
    ((value, code, confidence),) = [
        (g.value, g.code, g.confidence)
        for g in value_guesses(referral, [("2021-01-04", 3), ("Not known", 1)])
    ]
    assert (value, code) == ("Not known", "") and confidence < 0.8
    engaged = TABLES["clients"].column("engagement_date")
    assert [(g.code, g.confidence) for g in value_guesses(engaged, [("Not known", 1)])] == [("", 0.9)]
