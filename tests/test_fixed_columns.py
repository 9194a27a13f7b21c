"""[mapping.fixed.<table>]: a column every row of a file shares (one questionnaire per file), and the
built-in WEMWBS totals."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipseval.ingest import InputError
from ipseval.ingest.propose import propose_export
from ipseval.ingest.propose_read import read_export
from ipseval.settings import Settings, load_settings
from ipseval.validate import load
from ipseval.wellbeing.measures import load_measures

CLIENTS = "client_id,local_authority,referral_date,engagement_date\nA1,Conwy,2023-01-05,2023-01-20\n"
FORMS = (
    "Client Ref,Form Date,Question,Answer\n"
    "A1,2023-01-20,Q01 Optimistic about the future,3\n"
    "A1,2023-01-20,TOTAL (14-70),40\n"
    "A1,2023-07-20,TOTAL (14-70),47\n"
)
SETTINGS = (
    '[mapping.tables]\n"WEMWBS_responses" = "wellbeing"\n'
    '[mapping.columns.wellbeing]\n"Client Ref" = "client_id"\n"Form Date" = "assessment_date"\n'
    'Question = "measure"\nAnswer = "score"\n'
    '[mapping.codes.wellbeing.measure]\n"TOTAL (14-70)" = "total"\n'
    '[mapping.fixed.wellbeing]\ninstrument = "WEMWBS"\n'
)


def _export(tmp_path: Path, forms: str = FORMS) -> Path:
    (tmp_path / "clients.csv").write_text(CLIENTS, encoding="utf-8")
    (tmp_path / "WEMWBS_responses.csv").write_text(forms, encoding="utf-8")
    return tmp_path


def test_every_row_of_a_file_takes_the_fixed_value(tmp_path):
    folder = _export(tmp_path)
    (folder / "ipseval.toml").write_text(SETTINGS, encoding="utf-8")
    ds = load(folder, load_settings(folder / "ipseval.toml"))
    wb = ds.tables["wellbeing"]
    assert wb["instrument"].to_list() == ["WEMWBS"] * 3
    assert wb.filter(wb["measure"] == "total")["score"].to_list() == [40, 47]


def test_a_file_with_its_own_column_and_a_fixed_value_is_refused(tmp_path):
    folder = _export(tmp_path, FORMS.replace("Answer\n", "Answer,instrument\n").replace(",3\n", ",3,W\n"))
    (folder / "ipseval.toml").write_text(SETTINGS, encoding="utf-8")
    with pytest.raises(InputError, match=r"own instrument column.*mapping.fixed.wellbeing"):
        load(folder, load_settings(folder / "ipseval.toml"))


def test_a_fixed_column_must_be_a_column_of_its_table(tmp_path):
    folder = _export(tmp_path)
    (folder / "ipseval.toml").write_text(SETTINGS + 'questionnaire = "WEMWBS"\n', encoding="utf-8")
    with pytest.raises(InputError, match="'questionnaire' is not a column of wellbeing"):
        load(folder, load_settings(folder / "ipseval.toml"))


def test_map_proposes_the_instrument_from_the_file_name_and_it_loads(tmp_path):
    p = propose_export(read_export(_export(tmp_path)))
    assert [(f.table, f.column, f.value) for f in p.fixed] == [("wellbeing", "instrument", "WEMWBS")]
    wellbeing = next(t for t in p.tables if t.standard == "wellbeing")
    assert "instrument" not in wellbeing.missing
    assert p.settings().mapping.fixed == {"wellbeing": {"instrument": "WEMWBS"}}


def test_wemwbs_and_swemwbs_totals_are_built_in():
    m = load_measures(Settings())
    rows = {(r["instrument"], r["measure"]): r for r in m.iter_rows(named=True)}
    assert (rows["WEMWBS", "total"]["scale_min"], rows["WEMWBS", "total"]["scale_max"]) == (14, 70)
    assert (rows["SWEMWBS", "total"]["scale_min"], rows["SWEMWBS", "total"]["scale_max"]) == (7, 35)
    assert (
        rows["WEMWBS", "total"]["higher_is_better"] and rows["WEMWBS", "total"]["domain"] == "mental_health"
    )
