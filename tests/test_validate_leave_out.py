"""Rows that are not records of their table are left out (validate_leave_out): labels mapped to
leave_out, meetings dated after the data cut, rows of a client left out; counted apart, with one
warning per file and no problems of their own (hand-worked on a tiny export)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ipseval.ingest import InputError
from ipseval.settings import Settings
from ipseval.validate import load

CLIENTS = """client_id,local_authority,referral_date,referral_source
P1,Leeds,2023-01-05,self
P2,Leeds,2023-02-01,Dummy record
P3,Leeds,2023-03-01,gp_health
"""
# rows 2..10: used; left (attended); left (attended, also mode); left (mode); rejected (mode);
# left (after the cut); left (client left out); left (attended; its impossible date not named);
# rejected (no such client)
MEETINGS = """client_id,meeting_date,attended,mode
P1,2023-01-10,Seen,face_to_face
P1,2023-01-20,Pencilled in,face_to_face
P1,2023-01-27,Pencilled in,Admin only
P3,2023-03-05,Seen,Admin only
P3,2023-03-09,Seen,bogus
P3,2023-08-01,Seen,phone
P2,2023-02-03,Seen,phone
P3,2023-13-01,Pencilled in,phone
P9,2023-04-01,Seen,phone
"""
SETTINGS = {
    "definitions": {"data_cut": "2023-06-30"},
    "mapping": {
        "codes": {
            "meetings": {
                "attended": {"Seen": "yes", "Pencilled in": "leave_out"},
                "mode": {"Admin only": "leave_out"},
            },
            "clients": {"referral_source": {"Dummy record": "leave_out"}},
        }
    },
}


def _load(tmp_path: Path, settings: dict = SETTINGS, **files: str):
    root = tmp_path / "data"
    root.mkdir(exist_ok=True)
    for name, text in files.items():
        (root / f"{name}.csv").write_text(text, encoding="utf-8")
    return load(root, Settings.model_validate(settings))


def _counts(ds, table: str) -> tuple[int, int, int, int]:
    r = ds.row_counts.filter(pl.col("table") == table).row(0, named=True)
    return r["rows_read"], r["rows_used"], r["rows_rejected"], r["rows_left_out"]


def test_rows_that_are_not_records_are_left_out_counted_apart_and_named_once(tmp_path):
    ds = _load(tmp_path, clients=CLIENTS, meetings=MEETINGS)
    assert _counts(ds, "clients") == (3, 2, 0, 1)
    assert _counts(ds, "meetings") == (9, 1, 2, 6)
    assert ds.tables["meetings"]["_row"].to_list() == [2]
    errors = ds.problems.filter(pl.col("severity") == "error")
    assert errors.select("table", "row", "column", "value").rows() == [
        ("meetings", 6, "mode", "bogus"),
        ("meetings", 10, "client_id", "P9"),
    ]  # nothing about row 9's impossible date, nor P2's meeting: they were left out
    left = ds.problems.filter(pl.col("message").str.contains("left out, not records")).sort("table")
    assert left["message"].to_list() == [
        "1 row left out, not records of clients: referral_source labels mapped to leave_out in "
        "[mapping.codes.clients.referral_source]: 'Dummy record' ×1. They are counted apart (rows read = "
        "used + rejected + left out), not as problems to fix",
        "6 rows left out, not records of meetings: attended labels mapped to leave_out in "
        "[mapping.codes.meetings.attended]: 'Pencilled in' ×3; mode labels mapped to leave_out in "
        "[mapping.codes.meetings.mode]: 'Admin only' ×1; meeting_date after the data cut (2023-06-30), "
        "not yet held by then (booked ahead?): '2023-08-01' ×1; client_id of a client whose clients row "
        "was left out: 'P2' ×1. They are counted apart (rows read = used + rejected + left out), not as "
        "problems to fix",
    ]
    assert set(left["severity"]) == {"warning"} and left["row"].is_null().all()


def test_the_share_rejected_leaves_out_rows_that_are_not_records(tmp_path):
    """4 meetings read, 3 of them bookings left out: 1 of the 1 meeting left is rejected (100%),
    not 1 of 4 (25%)."""
    meetings = "client_id,meeting_date,attended\nP1,2023-01-10,Pencilled in\nP1,2023-01-11,Pencilled in\n"
    meetings += "P1,2023-01-12,Pencilled in\nP1,2023-01-13,maybe\n"
    ds = _load(tmp_path, clients=CLIENTS, meetings=meetings)
    assert _counts(ds, "meetings") == (4, 0, 1, 3)
    (alert,) = [a for a in ds.rejected_alerts if a.startswith("100% of meetings")]
    assert "(1 of 1)" in alert


def test_leave_out_is_refused_nowhere_and_other_targets_still_are(tmp_path):
    bad = {"mapping": {"codes": {"meetings": {"attended": {"Pencilled in": "later"}}}}}
    with pytest.raises(InputError, match='map it to "leave_out"'):
        _load(tmp_path, bad, clients=CLIENTS, meetings=MEETINGS)


def test_without_a_data_cut_meetings_after_today_are_left_out(tmp_path):
    meetings = "client_id,meeting_date,attended\nP1,2023-01-10,Seen\nP1,2999-01-10,Not seen\n"  # not yet held
    settings = {"mapping": {"codes": {"meetings": {"attended": {"Seen": "yes", "Not seen": "no"}}}}}
    ds = _load(tmp_path, settings, clients=CLIENTS.replace("Dummy record", "self"), meetings=meetings)
    assert _counts(ds, "meetings") == (2, 1, 0, 1)
    (message,) = ds.problems.filter(pl.col("message").str.contains("left out"))["message"]
    assert "meeting_date after today (" in message and "'2999-01-10' ×1" in message


def test_a_meeting_recorded_as_attended_after_today_is_an_error_not_a_booking(tmp_path):
    # an attended meeting cannot be booked ahead: 2032 for 2023 is a mistyped date, shown with its
    # row (it was left out as a booking, and its 'in the future' error with it)
    meetings = "client_id,meeting_date,attended\nP1,2023-01-10,Seen\nP1,2032-06-28,Seen\n"
    settings = {"mapping": {"codes": {"meetings": {"attended": {"Seen": "yes"}}}}}
    ds = _load(tmp_path, settings, clients=CLIENTS.replace("Dummy record", "self"), meetings=meetings)
    assert _counts(ds, "meetings") == (2, 1, 1, 0)
    (row,) = ds.problems.filter((pl.col("severity") == "error") & (pl.col("column") == "meeting_date"))["row"]
    assert row == 3


def test_rows_left_out_are_shown_wherever_rows_are_counted(tmp_path):
    import io

    from rich.console import Console

    from ipseval.console import row_counts_table
    from ipseval.evaluation import data_quality
    from ipseval.validate import ROW_COUNT_SCHEMA

    ds = _load(tmp_path, clients=CLIENTS, meetings=MEETINGS)
    dq = data_quality(ds.row_counts, ds.problems).data
    assert dq.filter(pl.col("table") == "meetings").select("rows_read", "rows_left_out").row(0) == (9, 6)
    out = io.StringIO()
    Console(file=out, width=160).print(row_counts_table(ds.row_counts))
    assert "rows left out" in out.getvalue()
    # row counts stored before rows could be left out: none were
    old = pl.DataFrame(
        [{"table": "clients", "file": "c.csv", "rows_read": 3, "rows_used": 3, "rows_rejected": 0}],
        schema={k: v for k, v in ROW_COUNT_SCHEMA.items() if k != "rows_left_out"},
    )
    assert data_quality(old, ds.problems).data["rows_left_out"].to_list() == [0]
    out = io.StringIO()
    Console(file=out, width=160).print(row_counts_table(old))
    assert "left out" not in out.getvalue()
