"""Wellbeing totals written beside their parts (validate_totals, wellbeing.items): checked per form
against the sum of the items or domains, on a tiny file worked out by hand (SWEMWBS and SURE, not
trial 5's WEMWBS)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.settings import Settings, SettingsError, load_settings
from ipseval.validate import load
from ipseval.wellbeing.items import parts

CLIENTS = "client_id,local_authority,referral_date,engagement_date\n" + "".join(
    f"{c},Leeds,2023-01-02,2023-01-09\n" for c in "ABCD"
)
HEAD = "client_id,assessment_date,instrument,measure,score\n"


def _form(client: str, instrument: str, scores: dict[str, object]) -> str:
    return "".join(f"{client},2023-02-01,{instrument},{m},{v}\n" for m, v in scores.items())


def _items(*scores: object) -> dict[str, object]:
    return {f"item_{k:02d}": v for k, v in enumerate(scores, start=1)}


ROWS = (
    _form("A", "SWEMWBS", _items(3, 4, 2, 5, 3, 3, 4) | {"total": 24})  # rows 2-9: 24, agrees
    + _form("B", "SWEMWBS", _items(2, 2, 2, 2, 2, 2, 2) | {"total": 15})  # rows 10-17: 14, not 15
    + _form("C", "SWEMWBS", _items(3, 3, 3, 6, 3, 3, 3) | {"total": 24})  # rows 18-25: item_04 6 (row 21)
    + _form("D", "SWEMWBS", _items(3, 3, 3, 3, 3) | {"total": 17})  # rows 26-31: 5 of 7 items
    + _form("A", "SURE", {"substance_use": 10, "self_care": 8, "relationships": 7})  # rows 32-34
    + _form("A", "SURE", {"material_resources": 5, "outlook_on_life": 6, "total": 36})  # rows 35-37: agrees
)


def _folder(tmp_path: Path, rows: str = ROWS, **extra: str) -> Path:
    root = tmp_path / "data"
    root.mkdir(parents=True)
    (root / "clients.csv").write_text(CLIENTS, encoding="utf-8")
    (root / "wellbeing.csv").write_text(HEAD + rows, encoding="utf-8")
    for name, text in extra.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def _problems(ds) -> list[tuple]:
    p = ds.problems.filter((pl.col("table") == "wellbeing") & pl.col("row").is_not_null()).sort("row")
    return [(r["row"], r["severity"], r["value"], r["expected"]) for r in p.iter_rows(named=True)]


def test_each_written_total_is_checked_against_its_parts(tmp_path):
    ds = load(_folder(tmp_path), Settings())
    assert _problems(ds) == [
        (17, "warning", "15", "14, the sum of its parts (rows 10-16)"),
        (21, "error", "6", "a score from 1 to 5 (SWEMWBS item_04)"),
        (25, "error", "24", "a total beside parts that are all valid scores"),
        (31, "warning", "17", "a total beside all its parts"),
    ]
    msg = dict(
        (r["row"], r["message"])
        for r in ds.problems.filter(pl.col("row").is_not_null()).iter_rows(named=True)
    )
    assert msg[17].startswith(
        "the total written, 15, is not the sum of its 7 parts (rows 10-16), which is 14"
    )
    assert msg[25].startswith("the form's item_04 on row 21 was rejected ('6')")
    assert msg[31].startswith("not checked: the form gives 5 of the 7 parts this total adds up (rows 26-30)")
    used = ds.tables["wellbeing"].filter(pl.col("measure") == "total").sort("client_id", "instrument")
    assert used.select("client_id", "instrument", "score").rows() == [
        ("A", "SURE", 36.0),
        ("A", "SWEMWBS", 24.0),
        ("B", "SWEMWBS", 14.0),  # the sum of its items, not the 15 written
        ("D", "SWEMWBS", 17.0),  # not checked: used as written
    ]
    r = ds.row_counts.filter(pl.col("table") == "wellbeing").row(0, named=True)
    assert (r["rows_read"], r["rows_used"], r["rows_rejected"]) == (36, 34, 2)


def test_a_measures_file_can_say_what_adds_up_into_a_total(tmp_path):
    """A service's own questionnaire: three parts 0-4 add up into a total 0-12; a form with
    parts 4, 4, 3 and total 12 is named (11). Parts whose ranges do not add up to the whole's
    are a settings error."""
    measures = "instrument,measure,min,max,higher_is_better,domain,part_of\n"
    measures += "".join(f"Own,part_{k},0,4,yes,,total\n" for k in (1, 2, 3)) + "Own,total,0,12,yes,,\n"
    rows = _form("A", "Own", {"part_1": 4, "part_2": 4, "part_3": 3, "total": 12})
    root = _folder(
        tmp_path,
        rows,
        **{"measures.csv": measures, "ipseval.toml": '[wellbeing]\nmeasures_file = "measures.csv"\n'},
    )
    ds = load(root, load_settings(root / "ipseval.toml"))
    assert _problems(ds) == [(5, "warning", "12", "11, the sum of its parts (rows 2-4)")]
    (root / "measures.csv").write_text(measures.replace("Own,total,0,12", "Own,total,0,10"), encoding="utf-8")
    with pytest.raises(SettingsError, match=r"Own total: its 3 parts add up to 0-12, not its range of 0-10"):
        parts(load_settings(root / "ipseval.toml"))


def test_the_built_in_parts_add_up_to_their_totals():
    defs = parts(Settings())
    n = dict(defs.group_by("whole_key").agg(pl.len()).rows())
    assert n == {"wemwbs|total": 14, "swemwbs|total": 7, "sure|total": 5}


@hsettings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=14, max_size=14), st.integers(-2, 2))
def test_a_wemwbs_total_is_used_as_the_sum_of_its_items(tmp_path_factory, items, off):
    rows = _form("A", "WEMWBS", _items(*items) | {"total": sum(items) + off})
    ds = load(_folder(tmp_path_factory.mktemp("w"), rows), Settings())
    total = ds.tables["wellbeing"].filter(pl.col("measure") == "total")["score"].to_list()
    assert total == [float(sum(items))]
    assert (len(_problems(ds)) == 0) == (off == 0)


def test_map_proposes_numbered_questions_as_items_and_validate_then_checks_the_total(tmp_path):
    """A SWEMWBS file without an instrument column (its name says it), questions labelled 'Qn.
    words' on English forms and 'Cn words' on Welsh ones, and a 'Total score' row: each label is
    its item (every item number given, so not marked CHECK); validate then names client B's total."""
    english = [
        "Q1. Optimistic",
        "Q2. Useful",
        "Q3. Relaxed",
        "Q4. Problems",
        "Q5. Clearly",
        "Q6. Close",
        "Q7. Mind",
    ]
    welsh = [f"C{k} Cwestiwn {k}" for k in range(1, 8)]
    lines = ["Client,Date,Question,Answer"]
    for client, labels, scores, total in (("A", english, [3] * 7, 21), ("B", welsh, [2] * 7, 15)):
        lines += [f"{client},2023-02-01,{q},{s}" for q, s in zip(labels, scores, strict=True)]
        lines.append(f"{client},2023-02-01,Total score,{total}")
    root = _folder(tmp_path, "")
    (root / "wellbeing.csv").unlink()
    (root / "SWEMWBS forms.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    from ipseval.ingest.propose import propose
    from ipseval.ingest.propose_toml import proposal_toml

    p = propose(root)
    t = next(t for t in p.tables if t.standard == "wellbeing")
    measure = next(c for c in t.columns if c.standard == "measure")
    got = {g.value: (g.code, g.confidence) for g in measure.codes}
    assert got["Q1. Optimistic"] == ("item_01", 0.85) and got["C7 Cwestiwn 7"] == ("item_07", 0.85)
    assert got["Total score"][0] == "total"
    (root / "ipseval.toml").write_text(proposal_toml(p), encoding="utf-8")
    ds = load(root, load_settings(root / "ipseval.toml"))
    assert _problems(ds) == [(17, "warning", "15", "14, the sum of its parts (rows 10-16)")]
