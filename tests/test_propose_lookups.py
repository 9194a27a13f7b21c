"""The third trial's findings on `ipseval map`: every proposal is valid TOML that loads as settings;
no catch-all guess is written as an active mapping; code lookups and the data cut are read from a
cover sheet or a codes sheet; tick columns are yes/no with blank as no; fidelity teams named after
an area are mapped to it."""

from __future__ import annotations

import shutil
import tomllib
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from ipseval.ingest.propose import propose, propose_export
from ipseval.ingest.propose_lookups import find_data_cut, lookup_for, text_lookups
from ipseval.ingest.propose_quote import toml_key, toml_str
from ipseval.ingest.propose_read import LocalColumn, LocalExport, LocalTable
from ipseval.ingest.propose_toml import proposal_toml, write_proposal
from ipseval.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "exports"
EXAMPLE_EXPORTS = sorted(
    [p for p in EXAMPLES.glob("*/*.xlsx") if not p.name.startswith("~$")]
    + [p for p in EXAMPLES.glob("*/export") if p.is_dir()]
)
TRIAL_EXPORTS = [
    Path("/work/trial/export/harbourline_export.xlsx"),
    Path("/work/trial2/export"),
    Path("/work/trial3/export/compass_ips_export.xlsx"),
    Path("/work/trial4/export/Horizon_IPS_Extract_20250106.xlsx"),
]


def _copy(src: Path, tmp_path: Path) -> Path:
    if src.is_dir():
        return Path(shutil.copytree(src, tmp_path / "export", ignore=shutil.ignore_patterns("ipseval.toml")))
    dest = tmp_path / src.name
    shutil.copy(src, dest)
    return dest


def _proposal_loads(export: Path, tmp_path: Path) -> None:
    p = propose(_copy(export, tmp_path))
    path = write_proposal(p, tmp_path / "ipseval.toml")
    tomllib.loads(path.read_text(encoding="utf-8"))  # valid TOML
    settings = load_settings(path)  # and valid settings
    assert settings.mapping == p.settings().mapping
    assert settings.definitions.data_cut == p.settings().definitions.data_cut


def test_the_examples_are_all_covered():
    assert len(EXAMPLE_EXPORTS) >= 4, EXAMPLE_EXPORTS


@pytest.mark.parametrize("export", EXAMPLE_EXPORTS, ids=lambda p: p.parent.name)
def test_every_example_proposal_is_toml_that_loads_as_settings(export, tmp_path):
    _proposal_loads(export, tmp_path)


@pytest.mark.parametrize("export", TRIAL_EXPORTS, ids=lambda p: p.name)
def test_every_trial_proposal_is_toml_that_loads_as_settings(export, tmp_path):
    if not export.exists():
        pytest.skip(f"{export} is not on this machine")
    _proposal_loads(export, tmp_path)


def test_names_from_the_export_are_always_quoted_values():
    assert toml_str("TOP") == '"TOP"' and toml_key("TOP") == "TOP"
    assert toml_key('a "b"\nc') == '"a \\"b\\"\\nc"'
    assert tomllib.loads(f"x = {toml_str('TOP')}\n{toml_key('1 = 2')} = {toml_str('✓')}") == {
        "x": "TOP",
        "1 = 2": "✓",
    }


def _wide_workbook(path: Path, sheet: str) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Caseload"
    ws.append(["Client Ref", "Area", "Date of Referral"])
    for i in range(6):
        ws.append([f"C{i}", "Leeds", date(2023, 1, i + 1)])
    top = wb.create_sheet(sheet)
    top.append(["Client Ref", "Date of TOP", "Psych Health", "Phys Health", "Quality of Life"])
    for i in range(6):
        top.append([f"C{i}", date(2023, 2, i + 1), 10, 12, 8])
    wb.save(path)
    return path


@pytest.mark.parametrize("sheet", ["TOP", "TOP scores", "TOP 2023-24", "1"])
def test_a_wide_sheet_name_is_written_quoted(tmp_path, sheet):
    p = propose(_wide_workbook(tmp_path / "x.xlsx", sheet))
    assert p.wide, "the sheet should be proposed as a wide wellbeing file"
    text = proposal_toml(p)
    assert f"file = {toml_str(sheet)}" in text
    assert tomllib.loads(text)["mapping"]["wide"]["wellbeing"]["file"] == sheet


def _export(*tables: LocalTable, texts: list[tuple[str, str]] = ()) -> LocalExport:
    return LocalExport(Path("x.xlsx"), True, list(tables), texts=list(texts))


def _caseload(**extra: list[str]) -> LocalTable:
    n = len(next(iter(extra.values()))) if extra else 4
    cols = [
        LocalColumn("Client Ref", [f"C{i}" for i in range(n)]),
        LocalColumn("Area", ["Cardiff", "Newport"] * (n // 2) + ["Cardiff"] * (n % 2)),
        LocalColumn("Date of Referral", ["2023-01-02"] * n),
    ]
    cols += [LocalColumn(name, values) for name, values in extra.items()]
    return LocalTable("Caseload", cols, rows=n)


def _codes(p, local: str) -> dict:
    return {g.value: g for t in p.tables for c in t.columns if c.local == local for g in c.codes}


def test_numeric_codes_with_no_lookup_are_left_commented_out():
    p = propose_export(_export(_caseload(**{"Gender (1/2/9)": ["1", "2", "1", "9", "1", "2"]})))
    codes = _codes(p, "Gender (1/2/9)")
    assert all(g.code is None for g in codes.values()), codes
    text = proposal_toml(p)
    assert "# 1 = ?  CHECK: like none of the codes; choose one of" in text
    assert '1 = "other"' not in text and '"1" = "other"' not in text
    assert "[mapping.codes.clients.sex]" not in text.replace("# mapping.codes", "")


@pytest.mark.parametrize(
    "line",
    [
        "Gender: 1 = Male; 2 = Female; 9 = Not stated",
        "Gender: 1 - Male, 2 - Female, 9 - Not stated",
        "Gender: 1: Male, 2: Female, 9: Not stated",
        "Gender: Male (1), Female (2), Not stated (9)",
        "Gender codes\n1 = Male\n2 = Female\n9 = Not stated",
    ],
)
def test_code_lookups_are_read_in_the_usual_shapes(line):
    (lookup,) = text_lookups(line.split("\n"), "About")
    assert lookup.codes == {"1": "Male", "2": "Female", "9": "Not stated"}
    assert lookup_for("Gender\n(1/2/3/9)", (("1", 5), ("2", 3), ("9", 1)), [lookup]) is lookup


def test_a_lookup_is_read_beside_other_lines_and_labels_lose_their_brackets():
    lines = [
        "CODE LOOKUPS",
        "Ethnic group: 1 = White (incl. Welsh, English, N. Irish, other White); 2 = Mixed / multiple; "
        "5 = Other ethnic group; 9 = Not stated",
        "Closure reason: 10 = Support completed; 20 = Lost contact; 99 = Not recorded. Blank Date Closed = open.",
        "Tick columns (GP contact, A&E): ✓ = yes, blank = no / not recorded. Offending history: Y / N.",
        "Cardiff - ES co-located in the team base; integration rated STRONG.",
    ]
    found = {lk.headings[0]: lk for lk in text_lookups(lines, "About")}
    assert found["Ethnic group"].codes == {
        "1": "White",
        "2": "Mixed / multiple",
        "5": "Other ethnic group",
        "9": "Not stated",
    }
    assert found["Closure reason"].codes["99"] == "Not recorded"
    assert "GP contact" in found["Tick columns (GP contact, A&E)"].headings
    assert len(found) == 3
    # a lookup attaches only to a column whose values are its codes
    assert lookup_for("Ethnic group", (("1", 4), ("7", 4)), list(found.values())) is None


def test_map_translates_codes_by_a_cover_sheet_lookup_and_proposes_the_data_cut():
    texts = [
        ("About this report", "Report run: 14/01/2025 09:12"),
        ("About this report", "Period: 2021 to 2024. Data cut: 31/12/2024. Areas: Cardiff, Newport."),
        ("About this report", "Gender: 1 = Male; 2 = Female; 9 = Not stated"),
        ("About this report", "Referred by: 1 = Drug & alcohol treatment service; 2 = Self-referral"),
    ]
    caseload = _caseload(
        **{
            "Gender\n(1/2/9)": ["1", "2", "1", "9"],
            "Referred by\n(code)": ["1", "2", "2", "1"],
        }
    )
    p = propose_export(_export(caseload, texts=texts))
    sex = _codes(p, "Gender\n(1/2/9)")
    assert (sex["1"].code, sex["2"].code, sex["9"].code) == ("male", "female", "unknown")
    assert sex["1"].how.startswith("1 = Male on 'About this report'")
    source = _codes(p, "Referred by\n(code)")
    assert (source["1"].code, source["2"].code) == ("drug_alcohol_service", "self")
    assert p.data_cut == (date(2024, 12, 31), "'Data cut: 31/12/2024' on 'About this report'")
    text = proposal_toml(p)
    assert "data_cut = 2024-12-31  # CHECK:" in text
    assert "1 = \"male\"  # 1 = Male on 'About this report'" in text
    assert tomllib.loads(text)["definitions"]["data_cut"] == date(2024, 12, 31)


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("Data cut: 31/12/2024", date(2024, 12, 31)),
        ("Run date: 2025-01-14", date(2025, 1, 14)),
        ("Report generated on 5th January 2025 at 09:00", date(2025, 1, 5)),
        ("Data as at 03-Mar-2024", date(2024, 3, 3)),
        ("Extracted by: SVC_BI   Run at: 14/02/2024 07:30   Site = all", date(2024, 2, 14)),
        ("Reporting period: 1 April 2022 to 31 March 2023", date(2023, 3, 31)),  # its end, with no run date
    ],
)
def test_the_data_cut_is_found_in_the_usual_words(line, day):
    assert find_data_cut([("About", line)])[0] == day


def test_the_data_cut_comes_before_the_run_date():
    lines = [("About", "Run: 14/01/2025 09:12"), ("About", "Data cut: 31/12/2024")]
    assert find_data_cut(lines)[0] == date(2024, 12, 31)
    # the run date (the settings' data cut is the day of the extract) before a period's end
    lines = [("About", "Period 01/04/2022 - 31/03/2023"), ("About", "Run at: 02/04/2023 06:00")]
    assert find_data_cut(lines)[0] == date(2023, 4, 2)


def test_a_cover_sheet_in_a_workbook_is_read_for_lookups(tmp_path):
    wb = openpyxl.Workbook()
    about = wb.active
    about.title = "About this report"
    for line in [
        "Compass extract - read me first",
        None,
        "Gender: 1 = Male; 2 = Female",
        "Data cut: 31/12/2024",
    ]:
        about.append([line])
    ws = wb.create_sheet("Caseload")
    ws.append(["Client Ref", "Area", "Date of Referral", "Gender"])
    for i in range(6):
        ws.append([f"C{i}", "Leeds", date(2023, 1, i + 1), 1 + i % 2])
    wb.save(tmp_path / "x.xlsx")
    p = propose(tmp_path / "x.xlsx")
    assert [t.local for t in p.tables] == ["Caseload"]
    assert any("About this report (text only" in s for s in p.skipped)
    assert {v: g.code for v, g in _codes(p, "Gender").items()} == {"1": "male", "2": "female"}
    assert p.data_cut[0] == date(2024, 12, 31)


def test_a_codes_sheet_with_code_and_label_columns_is_a_lookup():
    codes = LocalTable(
        "Lookups",
        [
            LocalColumn("Field", ["Gender", "Gender", "Gender"]),
            LocalColumn("Code", ["1", "2", "9"]),
            LocalColumn("Description", ["Man", "Woman", "Prefer not to say"]),
        ],
        rows=3,
    )
    p = propose_export(_export(_caseload(Gender=["1", "2", "1", "9"]), codes))
    assert [t.local for t in p.tables] == ["Caseload"]
    assert any("Lookups (a list of codes" in s for s in p.skipped)
    sex = _codes(p, "Gender")
    assert sex["1"].code == "male" and sex["2"].code == "female"
    assert sex["1"].how.startswith("1 = Man on 'Lookups'")


@pytest.mark.parametrize("tick", ["✓", "✔", "x", "Y", "TRUE"])
def test_a_tick_column_is_yes_no_with_blank_as_no_to_check(tick):
    caseload = _caseload(**{"GP contact\n(last 3m)": [tick, tick, tick]})
    caseload.rows = 6
    for c in caseload.columns[:3]:
        c.values = [*c.values, *c.values][:6]
    p = propose_export(_export(caseload))
    column = next(c for t in p.tables for c in t.columns if c.local == "GP contact\n(last 3m)")
    assert column.standard == "gp_visit_recent"
    codes = {g.value: g for g in column.codes}
    assert codes[tick].code == "yes"
    assert (codes[""].code, codes[""].rows) == ("no", 3) and codes[""].confidence < 0.8
    text = proposal_toml(p)
    assert (
        '"" = "no"  # CHECK: 60% sure; blank read as no: check the form treats an unticked box as no' in text
    )
    assert tomllib.loads(text)["mapping"]["codes"]["clients"]["gp_visit_recent"][""] == "no"


def test_fidelity_teams_named_after_areas_are_mapped_to_them():
    fidelity = LocalTable(
        "Fidelity",
        [
            LocalColumn("Team", ["Cardiff IPS", "Cardiff IPS", "Newport IPS", "Newport IPS", "Head office"]),
            LocalColumn("Review Date", ["2023-05-01"] * 5),
            LocalColumn("Item", ["1", "2", "1", "2", "1"]),
            LocalColumn("Score", ["3", "4", "5", "2", "3"]),
        ],
        rows=5,
    )
    p = propose_export(_export(_caseload(), fidelity))
    teams = _codes(p, "Team")
    assert {v: g.code for v, g in teams.items()} == {"Cardiff IPS": "Cardiff", "Newport IPS": "Newport"}
    text = proposal_toml(p)
    assert "[mapping.codes.fidelity.team]" in text
    assert '"Cardiff IPS" = "Cardiff"  # CHECK: 75% sure' in text
    assert p.settings().mapping.codes["fidelity"]["team"] == {
        "Cardiff IPS": "Cardiff",
        "Newport IPS": "Newport",
    }


def test_the_dashboard_form_shows_the_codes_a_lookup_gives():
    from ipseval.ingest.propose_form import form_from_proposal

    texts = [("About", "Gender: 1 = Male; 2 = Female; 9 = Not stated")]
    p = propose_export(_export(_caseload(**{"Gender": ["1", "2", "1", "9"]}), texts=texts))
    form = form_from_proposal(p)
    gender = next(c for t in form.tables for c in t.columns if c.local == "Gender")
    assert {v.value: v.code for v in gender.codes} == {"1": "male", "2": "female", "9": "unknown"}
    assert gender.codes[0].how.startswith("1 = Male on 'About'")


def test_two_wide_files_of_one_table_are_both_proposed_and_both_read(tmp_path):
    """Trial 4: SURE and TOP on two sheets, each one column per measure: both are written live as
    [[mapping.wide.wellbeing]] (one per sheet), the settings load, and both sheets are read."""
    from openpyxl import Workbook

    from ipseval.ingest import read_source

    book = Workbook()
    book.active.title = "Caseload"
    book.active.append(["Client Ref", "Referral Date", "Area"])
    book.active.append(["C1", "2021-01-04", "Leeds"])
    for name, measures in (
        ("SURE", ["Substance use", "Self care", "Relationships", "Material resources", "Outlook on life"]),
        ("TOP", ["Psychological health", "Physical health", "Quality of life", "Days alcohol", "Days crack"]),
    ):
        sheet = book.create_sheet(name)
        sheet.append(["Client Ref", "Date Completed", *measures])
        sheet.append(["C1", "2021-02-01", *range(1, len(measures) + 1)])
    book.save(tmp_path / "two.xlsx")
    p = propose(tmp_path / "two.xlsx")
    assert [(w.local, w.standard) for w in p.wide] == [("SURE", "wellbeing"), ("TOP", "wellbeing")]
    # the second sheet's id columns are proposed too, though the table was first taken for SURE
    assert p.wide[1].columns == {"Client Ref": "client_id", "Date Completed": "assessment_date"}
    text = write_proposal(p, tmp_path / "ipseval.toml").read_text(encoding="utf-8")
    sections = [
        line.split("  #")[0] for line in text.splitlines() if line.startswith("[[mapping.wide.wellbeing]]")
    ]
    assert sections == ["[[mapping.wide.wellbeing]]", "[[mapping.wide.wellbeing]]"]
    settings = load_settings(tmp_path / "ipseval.toml")
    assert settings.mapping == p.settings().mapping
    frame = read_source(tmp_path / "two.xlsx", settings).tables["wellbeing"].frame
    assert frame.group_by("instrument").len().sort("instrument").rows() == [("SURE", 5), ("TOP", 5)]
