"""A big event file read in parts (ingest.parts) gives exactly what reading it whole gives: the same
rows with the same numbers, the same problems, the same validated tables and the same store."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest import parts
from ipseval.ingest.csv import read_csv_table
from ipseval.ingest.parts import Part, plan
from ipseval.settings import Settings
from ipseval.store import _content_hash, _typed_frame
from ipseval.validate import as_text, load

HEAD = "client_id,meeting_date,attended,mode,employment_specialist_id\n"


def test_parts_end_at_line_ends_outside_quotes_with_the_rows_and_lines_before_them(tmp_path):
    # header (line 1); records: r1 (line 2), r2 spanning lines 3-4 (a quoted line break), r3, r4
    body = (
        'C1,2020-01-01,yes,phone,E1\nC2,2020-01-02,yes,"pho\nne",E1\nC3,2020-01-03,no,phone,E1\nC4,x,y,z,w\n'
    )
    path = tmp_path / "meetings.csv"
    path.write_bytes((HEAD + body).encode())
    start = len(HEAD)
    r1 = len("C1,2020-01-01,yes,phone,E1\n")
    # 30 bytes: the first cut is the first record end at least 30 bytes in: after r2, not inside it
    found = plan(path, start, 1, target=30)
    r2_end = start + body.index("E1\nC3") + 3
    assert found[0] == Part(start, r2_end, 0, 1)
    assert found[1].start == r2_end and found[1].records_before == 2 and found[1].lines_before == 4
    assert found[-1].end == len(HEAD) + len(body)
    assert sum(p.end - p.start for p in found) == len(body)
    assert plan(path, start, 1, target=10_000) == [Part(start, len(HEAD) + len(body), 0, 1)]
    assert r1 < 30


_cell = st.sampled_from(
    ["C1", "C2", "  C3 ", "", "2020-01-05", "05/01/2020", "yes", "No", "phone", "E1", "#N/A"]
)
_quoted = st.sampled_from(['"a,b"', '"line\nbreak"', '"say ""hi"""', '" padded "'])
_row = st.one_of(
    st.lists(st.one_of(_cell, _quoted), min_size=5, max_size=5).map(",".join),  # a whole row
    st.lists(_cell, min_size=2, max_size=4).map(",".join),  # a short row
    st.lists(_cell, min_size=6, max_size=7).map(",".join),  # a row with extra cells
    st.just(""),  # a blank line
    st.just(",,,,"),  # a row of blank cells
    st.just("Exported from CaseBook by the data team on Monday"),  # a note row
    st.just("Total,,,,"),  # a summary row
)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(_row, min_size=1, max_size=40),
    title=st.booleans(),
    crlf=st.booleans(),
    size=st.integers(min_value=1, max_value=200),
)
def test_a_file_read_in_parts_reads_as_the_whole_file(tmp_path, monkeypatch, rows, title, crlf, size):
    end = "\r\n" if crlf else "\n"
    text = ("Meetings export, all teams" + end if title else "") + HEAD.replace("\n", end)
    text += end.join(rows) + end
    path = tmp_path / "meetings.csv"
    path.write_bytes(text.encode())
    settings = Settings()
    whole = _read(path, settings)
    monkeypatch.setattr(parts, "PART_BYTES", size)
    parted = _read(path, settings)
    assert type(whole) is type(parted)
    if isinstance(whole, str):  # the same error, word for word
        assert whole == parted
        return
    assert as_text(parted.frame).equals(whole.frame)
    assert _problems(parted) == _problems(whole)


@pytest.mark.parametrize("title", [False, True])
def test_a_too_long_line_in_a_later_part_is_named_by_its_line_in_the_file(tmp_path, monkeypatch, title):
    # one file line per row, and a line too long (2 KB over a 1 KB limit) well after the first part
    lines = ["Meetings export" * title] * title + [HEAD.strip()]
    lines += [f"C{k},2020-01-01,yes,phone,E1" for k in range(1, 30)]
    lines[20] = "C20,2020-01-01,yes," + "x" * 2048 + ",E1"
    path = tmp_path / "meetings.csv"
    path.write_text("\n".join(lines) + "\n")
    settings = Settings.model_validate({"input": {"max_line_kb": 1}})
    whole = _read(path, settings)
    monkeypatch.setattr(parts, "PART_BYTES", 100)
    assert len(plan(path, 0, 1, target=100)) > 3  # the long line is in a later part
    assert _read(path, settings) == whole
    assert "line 21 is longer than 1 KB" in whole


def _read(path: Path, settings: Settings):
    from ipseval.ingest import InputError

    try:
        return read_csv_table(path, "meetings", settings)
    except InputError as e:
        return str(e)


def _problems(raw) -> list[tuple]:
    return sorted(
        (
            (p.row or 0, p.column or "", p.value or "", p.expected, p.message, p.severity)
            for p in raw.read_problems
        ),
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from ipseval.demo import write_demo

    out = tmp_path_factory.mktemp("demo") / "data"
    write_demo(out, n_clients=60, seed=7, interviews=False)
    return out


def test_a_data_set_validated_in_parts_gives_the_same_tables_problems_counts_and_store(demo, monkeypatch):
    whole = load(demo, Settings())
    monkeypatch.setattr(parts, "PART_BYTES", 2_000)
    parted = load(demo, Settings())
    compact = [n for n, t in parted.tables.items() if pl.Categorical in t.dtypes]
    assert set(compact) >= {"meetings", "wellbeing"}  # the test reads those in parts
    for name, table in whole.tables.items():
        assert as_text(parted.tables[name]).equals(table), name
    _same_problems(parted.problems, whole.problems)
    assert parted.row_counts.equals(whole.row_counts)
    assert parted.notes == whole.notes

    def digest(ds) -> str:
        return _content_hash({n: _typed_frame(n, t) for n, t in ds.tables.items()})

    assert digest(parted) == digest(whole)


_ID = st.sampled_from(["C1", "C2", "c2", "C3", "C9", "", " C1 "])
_DAY = st.sampled_from(
    [
        "2020-03-05",
        "05/03/2020",
        "5/3/20",
        "43900",
        "Thu 5 Mar 2020",
        "31/02/2020",
        "NULL",
        "",
        "2019-12-31",
        "soon",
    ]
)
_JOB_DAY = st.sampled_from(["2020-06-01", "01/06/2020", "Ongoing", "", "2020-13-01", "1/6/20"])
_HOURS = st.sampled_from(["16", "16 hrs", "approx 24", "Full time", "999", "", "-3", "2.5", "N/A"])
_SCORE = st.sampled_from(["5", "approx 4", "six", "", "N/A", "99", "12.5", "#REF!"])
_MODE = st.sampled_from(["phone", "F2F", "Face to face", "video", "", "carrier pigeon", "PHONE"])
_YES = st.sampled_from(["yes", "Y", "no", "N", "1", "", "maybe"])
CLIENTS = (
    "client_id,local_authority,referral_date\nC1,Brent,2020-01-02\nC2,Brent,2020-02-03\n"
    "C3,Ealing,2020-02-10\nC4,Ealing,not a date\n"
)
CODES = (
    '[mapping.codes.meetings.mode]\n"F2F" = "face_to_face"\n"Face to face" = "face_to_face"\n'
    '[mapping.codes.jobs.end_date]\n"Ongoing" = ""\n[mapping.codes.jobs.hours_per_week]\n"Full time" = "37.5"\n'
)


@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    meetings=st.lists(st.tuples(_ID, _DAY, _YES, _MODE), min_size=1, max_size=30),
    jobs=st.lists(st.tuples(_ID, _JOB_DAY, _JOB_DAY, _HOURS), min_size=1, max_size=12),
    wellbeing=st.lists(st.tuples(_ID, _DAY, _SCORE), min_size=1, max_size=20),
    size=st.integers(min_value=1, max_value=120),
)
def test_odd_values_checked_once_per_distinct_value_give_what_row_by_row_gives(
    tmp_path_factory, monkeypatch, meetings, jobs, wellbeing, size
):
    data = tmp_path_factory.mktemp("odd")
    (data / "clients.csv").write_text(CLIENTS)
    (data / "ipseval.toml").write_text(CODES)
    rows = ["client_id,meeting_date,attended,mode", *(",".join(m) for m in meetings)]
    (data / "meetings.csv").write_text("\n".join(rows) + "\n")
    rows = ["client_id,start_date,end_date,hours_per_week", *(",".join(j) for j in jobs)]
    (data / "jobs.csv").write_text("\n".join(rows) + "\n")
    rows = ["client_id,assessment_date,instrument,measure,score"]
    rows += [f"{c},{d},TOP,psychological_health,{s}" for c, d, s in wellbeing]
    (data / "wellbeing.csv").write_text("\n".join(rows) + "\n")
    from ipseval.settings import load_settings

    settings = load_settings(search_dir=data)
    whole = load(data, settings)
    monkeypatch.setattr(parts, "PART_BYTES", size)
    parted = load(data, settings)
    if len(meetings) >= 3 and size < 40 and parted.tables["meetings"].height:
        assert parted.tables["meetings"]["mode"].dtype == pl.Categorical  # read in parts
    for name, table in whole.tables.items():
        assert as_text(parted.tables[name]).equals(table), name
    _same_problems(parted.problems, whole.problems)
    assert parted.row_counts.equals(whole.row_counts)
    assert parted.notes == whole.notes


def _same_problems(got: pl.DataFrame, want: pl.DataFrame) -> None:
    """The same problems, in any order; otherwise the ones only one side has, shown."""
    a, b = got.sort(pl.all(), nulls_last=True), want.sort(pl.all(), nulls_last=True)
    if not a.equals(b):
        only_got = a.join(b, on=a.columns, how="anti", nulls_equal=True)
        only_want = b.join(a, on=a.columns, how="anti", nulls_equal=True)
        raise AssertionError(f"only in parts:\n{only_got.rows()}\nonly whole:\n{only_want.rows()}")
