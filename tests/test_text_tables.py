"""Text tables other than .csv (a tab-separated 'Unicode Text' .txt, a .tsv) and headers that name
a column in two languages ('Dyddiad Atgyfeirio / Referral Date')."""

from __future__ import annotations

from pathlib import Path

from ipseval.ingest.propose import propose_export
from ipseval.ingest.propose_names import column_name_score, languages
from ipseval.ingest.propose_read import read_export
from ipseval.settings import load_settings
from ipseval.validate import load

CLIENTS = (
    "Rhif Cleient / Client No,Dyddiad Atgyfeirio / Referral Date,Proffil / Engagement Date,Local authority\n"
    "C1,01/02/2023,10/02/2023,Conwy\nC2,03/03/2023,,Conwy\nC3,05/04/2023,20/04/2023,Gwynedd\n"
)
MEETINGS = "Client\tMeeting Date\tAttended\nC1\t11/02/2023\tyes\nC3\t21/04/2023\tno\n"
README = "Export notes\n============\nDATA CUT   : 31/03/2025 (end of Q4)\nDates are UK format.\n"


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "Clients.csv").write_text(CLIENTS, encoding="utf-8")
    (tmp_path / "Meetings.txt").write_text(MEETINGS, encoding="utf-16")  # Excel's 'Unicode Text'
    (tmp_path / "README.txt").write_text(README, encoding="utf-8")
    return tmp_path


def test_a_tab_separated_unicode_text_file_is_a_table_and_a_readme_is_not(tmp_path):
    export = read_export(_folder(tmp_path))
    assert [t.name for t in export.tables] == ["Clients.csv", "Meetings.txt"]
    assert [c.name for c in export.tables[1].columns] == ["Client", "Meeting Date", "Attended"]
    assert export.skipped == ["README.txt (text, not a table: fewer than two columns or ragged lines)"]


def test_map_then_validate_reads_the_txt_file(tmp_path):
    folder = _folder(tmp_path)
    p = propose_export(read_export(folder))
    assert {t.local: t.standard for t in p.tables}["Meetings.txt"] == "meetings"
    (folder / "ipseval.toml").write_text(
        '[mapping.tables]\n"Meetings.txt" = "meetings"\n[mapping.columns.clients]\n'
        '"Rhif Cleient / Client No" = "client_id"\n"Dyddiad Atgyfeirio / Referral Date" = "referral_date"\n'
        '"Proffil / Engagement Date" = "engagement_date"\n'
        '[mapping.columns.meetings]\nClient = "client_id"\n"Meeting Date" = "meeting_date"\n',
        encoding="utf-8",
    )
    ds = load(folder, load_settings(folder / "ipseval.toml"))
    assert ds.tables["meetings"].height == 2
    assert ds.tables["clients"]["client_id"].to_list() == ["C1", "C2", "C3"]


def test_each_half_of_a_two_language_header_can_name_the_column():
    assert languages("Dyddiad Atgyfeirio / Referral Date") == [
        "Dyddiad Atgyfeirio / Referral Date",
        "Dyddiad Atgyfeirio",
        "Referral Date",
    ]
    assert languages("Date/Time") == ["Date/Time"]  # no spaces: one name
    assert languages("Score 1 / 5") == ["Score 1 / 5"]  # a half without letters is not a name
    both = column_name_score("Dyddiad Atgyfeirio / Referral Date", "referral_date", "clients")
    alone = column_name_score("Referral Date", "referral_date", "clients")
    assert both.score == alone.score > 0.9


def test_map_proposes_columns_from_the_english_half(tmp_path):
    p = propose_export(read_export(_folder(tmp_path)))
    clients = next(t for t in p.tables if t.local == "Clients.csv")
    assert {c.local: c.standard for c in clients.columns if c.standard} == {
        "Rhif Cleient / Client No": "client_id",
        "Dyddiad Atgyfeirio / Referral Date": "referral_date",
        "Proffil / Engagement Date": "engagement_date",
        "Local authority": "local_authority",
    }


def test_a_readme_beside_the_export_gives_the_data_cut(tmp_path):
    export = read_export(_folder(tmp_path))
    assert ("README.txt", "DATA CUT   : 31/03/2025 (end of Q4)") in export.texts
    p = propose_export(export)
    assert p.data_cut is not None and p.data_cut[0].isoformat() == "2025-03-31"
    assert "README.txt" in p.data_cut[1]


def _guess(column: str, value: str):
    from ipseval.ingest.propose_codes import guess_code
    from ipseval.schema import TABLES

    return guess_code(value, next(c for c in TABLES["clients"].columns if c.name == column))


def test_welsh_answers_are_proposed_and_na_is_never_a_sure_no():
    assert (_guess("sex", "Gwryw").code, _guess("sex", "Benyw").code) == ("male", "female")
    assert _guess("employed_at_referral", "Ie").code == "yes"
    assert _guess("criminal_conviction", "Nac oes").code == "no"
    welsh_no = _guess("employed_at_referral", "Na")  # Welsh for no, or not available: a person decides
    assert (welsh_no.code, welsh_no.confidence) == ("no", 0.5) and "check" in welsh_no.how
    for not_applicable in ("N/A", "n/a", "NA", "#N/A", "N.A."):  # folded, 'N/A' once read as 'n' (no)
        assert _guess("employed_at_referral", not_applicable).code == "", not_applicable
    assert _guess("sex", "N/A").code == "unknown"


def test_map_knows_iso_dates_with_a_time_as_dates():
    from ipseval.ingest.propose_read import LocalColumn
    from ipseval.ingest.propose_values import column_evidence

    ev = column_evidence(LocalColumn("Date/Time", ["2021-04-26T10:15:00", "2021-05-05T13:45:00Z"]))
    assert ev.iso_dates == 2


def test_a_csv_column_of_excel_day_numbers_is_read_as_dates_with_one_warning():
    import datetime as dt

    import polars as pl

    from ipseval.validate_dates import read_dates

    r = read_dates(pl.Series("d", ["45250", "44312", None, "45250.0"]), "dmy", "assessment_date", "wellbeing")
    assert r.dates.to_list() == [dt.date(2023, 11, 20), dt.date(2021, 4, 26), None, dt.date(2023, 11, 20)]
    assert not r.findings and "3 cells held Excel day numbers" in r.notes[0].message
    # a lone day number among written dates may be a slip: still an error, with the hint
    lone = read_dates(pl.Series("d", ["45250", "12/01/2023", "13/01/2023"]), "dmy", "assessment_date")
    assert lone.dates.to_list()[0] is None
    assert "Excel date number" in lone.findings[0].message.to_list()[0]
    # numbers outside 2000-2049 are not days: 12345 is 1933
    assert read_dates(pl.Series("d", ["12345", "12346"]), "dmy", "start_date").dates.null_count() == 2


def test_a_fidelity_item_written_with_its_name_is_read_as_its_number():
    import polars as pl

    from ipseval.schema import TABLES
    from ipseval.validate_numbers import read_text_numbers

    item = next(c for c in TABLES["fidelity"].columns if c.name == "item")
    s = pl.Series("item", ["4. Integration with treatment", "Item 7", "Q12", "Caseload", "16-20", None])
    got = read_text_numbers(s, item)
    assert got.numbers.to_list() == [4.0, 7.0, 12.0, None, None, None]
    assert "3 cells written as an item's number with its name were read as the number" in got.warning


def test_dates_with_a_weekday_first_are_read():
    import datetime as dt

    import polars as pl

    from ipseval.validate_dates import read_dates

    s = pl.Series("d", ["Tue 14 Jun 2022", "Thursday, 19 Sept 2024", "Wed March 6, 2024"])
    assert read_dates(s, "dmy", "review_date", "fidelity").dates.to_list() == [
        dt.date(2022, 6, 14),
        dt.date(2024, 9, 19),
        dt.date(2024, 3, 6),
    ]


REVIEWS = (
    "Team,Review date,Item,Score,Reviewer\n"
    "Arfon,2022-06-14,1,4,H Marsh\n,,2,3,\n,,3,5,\n"
    "Conwy,2023-03-01,1,2,R Lloyd\n,,2,4,\n,,3,3,\n"
)


def test_columns_written_once_per_group_are_filled_down_and_map_proposes_it(tmp_path):
    (tmp_path / "clients.csv").write_text(
        "client_id,local_authority,referral_date\nA1,Conwy,2023-01-05\n", encoding="utf-8"
    )
    (tmp_path / "fidelity.csv").write_text(REVIEWS, encoding="utf-8")
    p = propose_export(read_export(tmp_path))
    assert p.fill_down == {"fidelity": ["team", "review_date", "reviewer"]}
    (tmp_path / "ipseval.toml").write_text(
        '[input.fill_down]\nfidelity = ["team", "review_date", "reviewer"]\n'
        '[mapping.columns.fidelity]\n"Review date" = "review_date"\n',
        encoding="utf-8",
    )
    ds = load(tmp_path, load_settings(tmp_path / "ipseval.toml"))
    fid = ds.tables["fidelity"]
    assert fid["team"].to_list() == ["Arfon"] * 3 + ["Conwy"] * 3
    assert fid["reviewer"].to_list() == ["H Marsh"] * 3 + ["R Lloyd"] * 3
    assert (
        "fidelity.csv: 4 blank team cells filled from the row above ([input.fill_down] fidelity)" in ds.notes
    )


def test_fill_down_names_only_columns_of_the_standard(tmp_path):
    import pytest

    from ipseval.ingest import InputError

    (tmp_path / "clients.csv").write_text(
        "client_id,local_authority,referral_date\nA1,Conwy,2023-01-05\n", encoding="utf-8"
    )
    (tmp_path / "ipseval.toml").write_text('[input.fill_down]\nfidelity = ["teams"]\n', encoding="utf-8")
    with pytest.raises(InputError, match="'teams' is not a column of fidelity"):
        load(tmp_path, load_settings(tmp_path / "ipseval.toml"))


def test_trial5_labels_that_were_guessed_wrong():
    # 'In work' (time since last job) is the current job: under a year, as a judgement to check
    in_work = _guess("time_since_last_job", "In work")
    assert (in_work.code, in_work.confidence) == ("under_1y", 0.5)
    assert _guess("time_since_last_job", "6-12 months").code == "under_1y"  # was 1_to_2y
    assert _guess("discharge_reason", "Completed - no longer needs support").code == "support_complete"


def test_a_language_column_is_not_an_area_in_either_language():
    from ipseval.ingest.propose_names import not_standard

    assert "language" in not_standard("Iaith / Language")
    assert not_standard("Tîm / Team") is None


def test_population_written_with_thousands_separators_is_read():
    import polars as pl

    from ipseval.schema import TABLES
    from ipseval.validate_numbers import read_text_numbers

    population = next(c for c in TABLES["areas"].columns if c.name == "population")
    got = read_text_numbers(pl.Series("population", ["41,300", "1,234,567", "1,5", "12,34"]), population)
    assert got.numbers.to_list() == [41300.0, 1234567.0, None, None]  # '1,5' may be a decimal comma


def test_wemwbs_answers_written_as_words_are_proposed_as_their_scores():
    from ipseval.ingest.propose_novalue import value_guesses
    from ipseval.schema import TABLES

    score = next(c for c in TABLES["wellbeing"].columns if c.name == "score")
    got = {
        g.value: g.code for g in value_guesses(score, [("Some of the time", 8), ("Yn aml", 2), ("Never", 1)])
    }
    assert got["Some of the time"] == "3" and got["Yn aml"] == "4"  # Welsh 'often'
    assert got.get("Never") != "1"  # not a word of the scale: never guessed


def test_a_clients_team_column_is_proposed_as_the_area():
    from ipseval.ingest.propose_names import column_name_score

    assert column_name_score("Tîm / Team", "local_authority", "clients").score >= 0.85
