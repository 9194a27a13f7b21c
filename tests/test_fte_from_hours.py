"""FTE worked out from weekly contracted hours (validate_staff), and map proposing the hours column
and the full-time week (ingest.propose_staff), on tiny staff lists worked out by hand."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipseval.ingest.propose import propose
from ipseval.ingest.propose_toml import proposal_toml
from ipseval.settings import Settings, load_settings
from ipseval.validate import load

CLIENTS = "client_id,local_authority,referral_date,employment_specialist_id\nA,Leeds,2023-01-01,W1\n"
# hand-worked with the default 37.5-hour week:
# W1 37.5 -> 1.0; W2 '18.75 hrs' -> 0.5; W3 FTE 0.8 written -> 0.8 (its 20 hours not used);
# W4 60 -> 1.6, above 1.5: an error on the hours; W5 no hours, no FTE -> blank;
# W6 'Full time' mapped to 37.5 -> 1.0
STAFF = "Worker,Weekly Hours,FTE\nW1,37.5,\nW2,18.75 hrs,\nW3,20,0.8\nW4,60,\nW5,,\nW6,Full time,\n"
TOML = """
[mapping.columns.staff]
Worker = "employment_specialist_id"
"Weekly Hours" = "contracted_hours"
FTE = "fte"

[mapping.codes.staff.contracted_hours]
"Full time" = "37.5"
"""


def _folder(tmp_path: Path, staff: str = STAFF, toml: str = TOML) -> Path:
    root = tmp_path / "data"
    root.mkdir()
    (root / "clients.csv").write_text(CLIENTS, encoding="utf-8")
    (root / "staff.csv").write_text(staff, encoding="utf-8")
    (root / "ipseval.toml").write_text(toml, encoding="utf-8")
    return root


def _fte(ds) -> dict[str, float | None]:
    return dict(ds.tables["staff"].select("employment_specialist_id", "fte").iter_rows())


def test_blank_ftes_are_the_hours_over_the_full_time_week(tmp_path):
    root = _folder(tmp_path)
    ds = load(root, load_settings(root / "ipseval.toml"))
    assert _fte(ds) == {"W1": 1.0, "W2": 0.5, "W3": 0.8, "W5": None, "W6": 1.0}
    assert "contracted_hours" not in ds.tables["staff"].columns  # read, then dropped
    p = ds.problems.filter(pl.col("table") == "staff")
    err = p.filter(pl.col("severity") == "error").row(0, named=True)
    assert (err["row"], err["column"], err["value"]) == (5, "contracted_hours", "60")
    assert err["message"] == "an FTE of 1.6 (these hours / 37.5, definitions.full_time_hours) is above 1.5"
    note = p.filter(pl.col("column") == "fte")["message"][0]
    assert note.startswith("3 blank FTEs were worked out from the contracted hours: hours / 37.5")
    assert "e.g. 18.75 hours is 0.5 FTE" in note
    r = ds.row_counts.filter(pl.col("table") == "staff").row(0, named=True)
    assert (r["rows_read"], r["rows_used"], r["rows_rejected"]) == (6, 5, 1)


def test_the_full_time_week_is_a_setting(tmp_path):
    root = _folder(
        tmp_path,
        toml=TOML.replace(
            "[mapping.columns.staff]", "[definitions]\nfull_time_hours = 37\n\n[mapping.columns.staff]"
        ),
    )
    ds = load(root, load_settings(root / "ipseval.toml"))
    assert round(_fte(ds)["W2"], 4) == round(18.75 / 37, 4)
    assert Settings().definitions.full_time_hours == 37.5


def test_map_proposes_the_hours_column_and_the_full_time_week_they_show(tmp_path):
    """Hours 37, 37, 37, 30, 22.5: 37 is the longest and commonest contract, in 35-40: proposed
    as the full-time week, to check; the column as contracted_hours, not fte."""
    staff = "Worker Ref,Base,Hrs Per Week,Start\nW1,Leeds,37,2021-04-01\nW2,Leeds,37,2021-04-01\n"
    staff += "W3,Hull,37,2021-04-01\nW4,Hull,30,2021-04-01\nW5,York,22.5,2021-04-01\n"
    root = tmp_path / "x"
    root.mkdir()
    (root / "clients.csv").write_text(CLIENTS.replace("W1", "W2"), encoding="utf-8")
    (root / "staff list.csv").write_text(staff, encoding="utf-8")
    p = propose(root)
    t = next(t for t in p.tables if t.standard == "staff")
    assert {c.local: c.standard for c in t.columns}["Hrs Per Week"] == "contracted_hours"
    assert p.settings().definitions.full_time_hours == 37
    toml = proposal_toml(p)
    assert "full_time_hours = 37  # CHECK: 37 hours is the longest and commonest contract" in toml


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from([7.5, 15, 18.75, 22.5, 30, 37.5, 45, 56.25, 60, 70]), min_size=1, max_size=6))
def test_every_fte_is_its_hours_over_the_week_or_its_row_is_rejected(tmp_path_factory, hours):
    """Up to 56.25 hours (1.5 of 37.5) the FTE is hours / 37.5; above, the row is rejected."""
    rows = "".join(f"W{i},{h},\n" for i, h in enumerate(hours, start=1))
    root = _folder(tmp_path_factory.mktemp("p"), staff="Worker,Weekly Hours,FTE\n" + rows)
    ds = load(root, load_settings(root / "ipseval.toml"))
    got = _fte(ds)
    for i, h in enumerate(hours, start=1):
        if h <= 56.25:
            assert got[f"W{i}"] == pytest.approx(h / 37.5)
        else:
            assert f"W{i}" not in got
