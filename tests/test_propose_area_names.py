"""Area codes named from the export's own areas file (ingest.propose_area_names), on tiny files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipseval.ingest.propose import propose


def _export(tmp_path: Path, areas: list[str]) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "DIM_AREA.csv").write_text(
        "\n".join(["LA_CD,LA_NM,POPULATION", *areas]) + "\n", encoding="utf-8"
    )
    clients = [f"C{k:03d},{('NBK', 'KGM', 'SMV')[k % 3]},2021-0{1 + k % 9}-1{k % 9}" for k in range(30)]
    (folder / "clients.csv").write_text(
        "\n".join(["client_id,local_authority,referral_date", *clients]) + "\n", encoding="utf-8"
    )
    return folder


def test_area_codes_are_proposed_as_the_names_the_areas_file_gives_them(tmp_path):
    areas = ["NBK,Northbrook,120000", "KGM,Kingsmoor,80000", "SMV,St Mary's Vale,95000"]
    codes = propose(_export(tmp_path, areas)).settings().mapping.codes
    named = {"NBK": "Northbrook", "KGM": "Kingsmoor", "SMV": "St Mary's Vale"}
    assert codes["clients"]["local_authority"] == named  # every table with areas, by the same names
    assert codes["areas"]["local_authority"] == named


@pytest.mark.parametrize(
    "areas",
    [
        ["Northbrook,Northbrook Borough,120000", "Kingsmoor,Kingsmoor Borough,80000"],  # names already
        ["NBK,Northbrook,120000", "KGM,Northbrook,80000", "SMV,Vale,95000"],  # one name for two codes
    ],
)
def test_no_names_are_proposed_unless_codes_pair_one_to_one_with_names(tmp_path, areas):
    codes = propose(_export(tmp_path, areas)).settings().mapping.codes
    assert "local_authority" not in codes.get("clients", {})


def test_sheets_cut_by_area_with_the_same_columns_give_one_table_each_keeping_its_area_column(tmp_path):
    """A workbook with one referrals sheet per area ('Referrals - Northfield', ...), the same
    columns on each: every sheet is proposed as clients (validate reads them together), and the
    area column stays mapped although each sheet holds only its own area."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for k, area in enumerate(("Northfield", "Southmere", "Eastbrook")):
        sheet = book.create_sheet(f"Referrals - {area}")
        sheet.append(["Person ID", "Locality Team", "Referral Date", "Age at Referral", "Gender"])
        for j in range(12):
            sheet.append([f"MOS-{k}{j:03d}", f"{area} Team", f"2021-0{1 + j % 9}-1{j % 9}", 30 + j, "Male"])
    other = book.create_sheet("Report parameters")
    other.append(["Run by", "Analyst"])
    path = tmp_path / "report.xlsx"
    book.save(path)
    p = propose(path)
    tables = p.settings().mapping.tables
    assert [tables.get(f"Referrals - {a}") for a in ("Northfield", "Southmere", "Eastbrook")] == [
        "clients"
    ] * 3
    assert p.settings().mapping.columns["clients"]["Locality Team"] == "local_authority"


def test_a_report_parameters_sheet_of_labels_and_values_gives_the_data_cut_and_no_table(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Report parameters"
    for row in (
        ["Report parameters", None],
        [None, None],
        ["Report name", "IPS referrals and outcomes"],
        ["Run by", "Commissioning team"],
        ["Run date/time", "15/01/2024 09:42"],
        ["Date range", "01/04/2019 to 31/12/2023"],
    ):
        cover.append(row)
    sheet = book.create_sheet("Referrals")
    sheet.append(["Person ID", "Locality", "Referral Date", "Age at Referral"])
    for j in range(12):
        sheet.append([f"MOS-{j:03d}", "Northfield", f"2021-0{1 + j % 9}-1{j % 9}", 30 + j])
    path = tmp_path / "report.xlsx"
    book.save(path)
    settings = propose(path).settings()
    assert str(settings.definitions.data_cut) == "2024-01-15"  # the run date, not the range's end
    assert "Report parameters" not in settings.mapping.tables
