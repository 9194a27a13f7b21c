"""Wellbeing totals computed from their items where the export writes none (validate_computed), on
tiny files worked out by hand: long and wide item layouts, a property over random forms, and the
count carried into the wellbeing analysis's records table."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest.propose import propose
from ipseval.ingest.propose_toml import proposal_toml
from ipseval.settings import Settings, load_settings
from ipseval.validate import load

CLIENTS = "client_id,local_authority,referral_date,engagement_date\n" + "".join(
    f"{c},Hull,2023-03-06,2023-03-13\n" for c in ("P1", "P2", "P3", "P4", "P5")
)
HEAD = "client_id,assessment_date,instrument,measure,score\n"


def _form(client: str, instrument: str, scores: dict[str, object], day: str = "2023-03-20") -> str:
    return "".join(f"{client},{day},{instrument},{m},{v}\n" for m, v in scores.items())


def _items(*scores: object) -> dict[str, object]:
    return {f"item_{k:02d}": v for k, v in enumerate(scores, start=1)}


SURE = {
    "substance_use": 12,
    "self_care": 9,
    "relationships": 8,
    "material_resources": 6,
    "outlook_on_life": 7,
}
ROWS = (
    _form("P1", "SWEMWBS", _items(4, 2, 3, 3, 5, 1, 2))  # rows 2-8: complete, 20
    + _form("P2", "SWEMWBS", _items(3, 3, 3, 3, 3, 3))  # rows 9-14: item_07 missing
    + _form("P3", "SWEMWBS", _items(2, 2, 7, 2, 2, 2, 2))  # rows 15-21: item_03 is 7 (row 17)
    + _form("P4", "SWEMWBS", _items(1, 1, 1, 1, 1, 1, 1) | {"total": 7})  # rows 22-29: written, agrees
    + _form("P5", "SURE", SURE)  # rows 30-34: five domains, 42
    + _form("P5", "SWEMWBS", {"item_01": 4, "item_02": 4})  # rows 35-36
    + _form("P5", "SWEMWBS", _items(4, 4, 4, 4, 4, 4, 4))  # rows 37-43
)
# P5's SWEMWBS form gives item_01 and item_02 twice (rows 35-36 and 37-38): no total.


def _folder(tmp_path: Path, name: str = "wellbeing.csv", text: str = HEAD + ROWS) -> Path:
    root = tmp_path / "data"
    root.mkdir(parents=True)
    (root / "clients.csv").write_text(CLIENTS, encoding="utf-8")
    (root / name).write_text(text, encoding="utf-8")
    return root


def _totals(ds) -> list[tuple]:
    t = ds.tables["wellbeing"].filter(pl.col("measure") == "total").sort("client_id", "instrument")
    return t.select("client_id", "instrument", "score", "_row").rows()


def _named(ds) -> list[tuple]:
    p = ds.problems.filter((pl.col("table") == "wellbeing") & (pl.col("column") == "measure"))
    p = p.filter(~pl.col("message").str.starts_with("repeats row"))  # validate_repeats, tested there
    return p.sort("row", nulls_last=True).select("row", "value", "message").rows()


def _counts(ds) -> tuple[int, int, int]:
    r = ds.row_counts.filter(pl.col("table") == "wellbeing").row(0, named=True)
    return r["rows_read"], r["rows_used"], r["rows_rejected"]


def test_complete_item_sets_give_a_computed_total_and_incomplete_ones_a_warning(tmp_path):
    ds = load(_folder(tmp_path), Settings())
    assert _totals(ds) == [
        ("P1", "SWEMWBS", 20.0, None),  # 4+2+3+3+5+1+2, computed: no file row
        ("P4", "SWEMWBS", 7.0, 29),  # written, and checked
        ("P5", "SURE", 42.0, None),  # 12+9+8+6+7
    ]
    named = _named(ds)
    assert [(row, value) for row, value, _ in named] == [
        (9, "item_07"),
        (15, "item_03"),
        (35, "item_01, item_02"),
        (None, "SWEMWBS total"),
        (None, "SURE total"),
    ]
    assert named[0][2].startswith(
        "no SWEMWBS total computed for this assessment: the form gives 6 of its 7 parts (rows 9-14); "
        "missing: item_07:"
    )
    assert "rejected: item_03 (row 17)" in named[1][2] and "missing" not in named[1][2]
    assert "given more than once: item_01, item_02" in named[2][2]
    assert named[3][2].startswith("SWEMWBS total computed from its parts for 1 assessment with no total")
    # 42 rows read: the 41 of the file used but row 17 (7 of 1-5); the 2 computed totals are no file rows
    assert _counts(ds) == (42, 41, 1)
    assert ds.tables["wellbeing"].height == 41 + 2


def test_a_wide_wemwbs_file_without_a_total_column_gets_its_totals_computed(tmp_path):
    """'WEMWBS forms' with Q1 ... Q14 and no Total column: map proposes the items (saying the
    total will be computed); P1's 14 items give 3*14 = 42; P2 left Q9 blank: no total, named."""
    header = "Client,Date," + ",".join(f"Q{k}" for k in range(1, 15)) + "\n"
    p2 = ["2"] * 14
    p2[8] = ""
    rows = f"P1,2023-03-20,{','.join(['3'] * 14)}\nP2,2023-03-21,{','.join(p2)}\n"
    root = _folder(tmp_path, "WEMWBS forms.csv", header + rows)
    proposal = propose(root)
    (w,) = proposal.wide
    assert w.instrument == "WEMWBS" and w.items["Q1"][0] == "item_01"
    assert "no total column: ipseval computes each form's total" in w.how
    (root / "ipseval.toml").write_text(proposal_toml(proposal), encoding="utf-8")
    ds = load(root, load_settings(root / "ipseval.toml"))
    assert _totals(ds) == [("P1", "WEMWBS", 42.0, None)]
    (row, value, message), _note = _named(ds)
    assert (row, value) == (3, "item_09")
    assert "the form gives 13 of its 14 parts (row 3); missing: item_09" in message
    assert _counts(ds)[0] == _counts(ds)[1] + _counts(ds)[2]


def test_map_says_a_long_item_file_without_a_total_row_gets_its_total_computed(tmp_path):
    lines = ["Client,Date,Question,Answer"]
    lines += [f"P1,2023-03-20,Q{k} Question {k},3" for k in range(1, 8)]
    root = _folder(tmp_path, "SWEMWBS answers.csv", "\n".join(lines) + "\n")
    t = next(t for t in propose(root).tables if t.standard == "wellbeing")
    measure = next(c for c in t.columns if c.standard == "measure")
    assert all("ipseval computes each form's total" in g.how for g in measure.codes)


SCORE = st.one_of(st.integers(1, 5), st.none(), st.just(6))  # a valid score, missing, or out of range


@hsettings(max_examples=40, deadline=None)
@given(st.lists(st.lists(SCORE, min_size=7, max_size=7), min_size=1, max_size=4))
def test_a_computed_total_is_the_sum_of_a_complete_set_and_an_incomplete_one_gets_none(
    tmp_path_factory, forms
):
    clients = [f"P{k}" for k in range(1, len(forms) + 1)]
    rows = "".join(
        _form(c, "SWEMWBS", {f"item_{k:02d}": v for k, v in enumerate(f, start=1) if v is not None})
        for c, f in zip(clients, forms, strict=True)
    )
    root = tmp_path_factory.mktemp("w") / "data"
    root.mkdir()
    (root / "clients.csv").write_text(CLIENTS, encoding="utf-8")
    (root / "wellbeing.csv").write_text(HEAD + rows, encoding="utf-8")
    ds = load(root, Settings())
    totals = {c: s for c, _, s, _ in _totals(ds)}
    warned = {r for r, _, _ in _named(ds) if r is not None}
    first = 2
    for c, f in zip(clients, forms, strict=True):
        given_ = [v for v in f if v is not None]
        if all(v is not None and v <= 5 for v in f):
            assert totals.get(c) == float(sum(given_))
        else:
            assert c not in totals
            if given_:
                assert first in warned  # the form's first row
        first += len(given_)
    read, used, rejected = _counts(ds)
    assert read == used + rejected == sum(len([v for v in f if v is not None]) for f in forms)


def test_the_analysis_counts_the_computed_totals(tmp_path):
    from ipseval.store import Store, import_dataset
    from ipseval.wellbeing.evaluate import records
    from ipseval.wellbeing.measures import load_measures
    from ipseval.wellbeing.pairing import pairs_from_store

    settings = Settings()
    ds = load(_folder(tmp_path), settings)
    db = tmp_path / "store.duckdb"
    import_dataset(db, ds.tables, settings, ds.data_cut)
    with Store(db) as store:
        table = records(pairs_from_store(store, load_measures(settings), settings.wellbeing))
    got = {r["instrument"] + " " + r["measure"]: (r["records"], r["computed"]) for r in table.data.to_dicts()}
    assert got["SWEMWBS total"] == (2, 1) and got["SURE total"] == (1, 1) and got["SWEMWBS item_01"][1] == 0
    assert any(n.startswith("SURE total: totals computed from their items") for n in table.notes)


def test_totals_computed_before_a_clients_rows_are_left_out_follow_the_rows_that_stay(tmp_path):
    """A client left out by a column of the clients file ('Closed' = leave_out) takes their
    answers with them after the totals were computed: the other forms' parts are renumbered (left
    with their old row numbers they pointed past the table: an out-of-bounds error on a real CRM
    export) and the left-out client's total goes with them."""
    clients = "client_id,local_authority,referral_date,engagement_date,status\n" + "".join(
        f"{c},Hull,2023-03-06,2023-03-13,{s}\n" for c, s in (("P1", "Closed"), ("P2", "Open"), ("P3", "Open"))
    )
    rows = (
        _form("P1", "SWEMWBS", _items(5, 5, 5, 5, 5, 5, 5))  # rows 2-8: left out with P1
        + _form("P2", "SWEMWBS", _items(4, 2, 3, 3, 5, 1, 2))  # rows 9-15: 20
        + _form("P3", "SWEMWBS", _items(1, 1, 1, 1, 1, 1, 1))  # rows 16-22: 7
    )
    root = _folder(tmp_path, text=HEAD + rows)
    (root / "clients.csv").write_text(clients, encoding="utf-8")
    settings = Settings(mapping={"codes": {"clients": {"status": {"Closed": "leave_out"}}}})
    ds = load(root, settings)
    assert _totals(ds) == [("P2", "SWEMWBS", 20.0, None), ("P3", "SWEMWBS", 7.0, None)]
    assert "P1" not in ds.tables["wellbeing"]["client_id"].to_list()
