"""Time since the last job at referral from the date last worked (validate_last_worked): answers
worked out by hand, a property over any day and month, and the proposal the mapping assistant makes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.settings import Settings
from ipseval.validate import load
from ipseval.validate_age import whole_years
from ipseval.validate_last_worked import band_of_years, bands_from_last_worked, month_span
from ipseval.validate_years import Century

REFERRAL = "2023-06-15"
# (cell, band by hand for a referral on 15 June 2023; None: left blank, with a warning)
CASES = [
    ("Mar 2023", "under_1y"),  # 2 to 3 months
    ("March 2020", "2_to_5y"),  # 3 years whichever day of March
    ("2010", "over_10y"),  # 12 or 13 years
    ("2021", None),  # 1 year (from 31 Dec) or 2 (from 1 Jan): either side of the 2-year edge
    ("Never worked", "never_worked"),
    ("03/2022", "1_to_2y"),
    ("Aug 2023", None),  # after the referral
    ("2019-05", "2_to_5y"),
    ("14/02/2018", "5_to_10y"),  # a full date: 5 whole years
    ("soon", None),  # not a date
    ("Jun-21", None),  # 1 June 2021 is 2 years before, 30 June 2021 only 1
    ("June 2023", "under_1y"),  # the referral's own month: up to the referral day
    ("never", "never_worked"),
]


def test_month_spans_and_bands_by_hand():
    c = Century()
    assert month_span("Feb 2024", c) == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_span("12/2019", c) == (date(2019, 12, 1), date(2019, 12, 31))
    assert month_span("Sept-19", c) == (date(2019, 9, 1), date(2019, 9, 30))
    assert month_span("1998", c) == (date(1998, 1, 1), date(1998, 12, 31))
    assert month_span("13/2019", c) is None and month_span("14/02/2018", c) is None
    assert month_span("Smarch 2019", c) is None
    assert [band_of_years(y) for y in (0, 1, 2, 4, 5, 9, 10, 40)] == [
        "under_1y", "1_to_2y", "2_to_5y", "2_to_5y", "5_to_10y", "5_to_10y", "over_10y", "over_10y",
    ]  # fmt: skip


def test_bands_worked_out_by_hand_with_a_warning_for_each_blank():
    cells = pl.Series([c for c, _ in CASES])
    referral = pl.Series([date.fromisoformat(REFERRAL)] * len(CASES))
    found = bands_from_last_worked(cells, referral, pl.Series([True] * len(CASES)), "dmy", Century())
    assert found.bands.to_list() == [b for _, b in CASES]
    assert found.filled == sum(b is not None for _, b in CASES)
    warned = {c for f in found.findings for c, hit in zip(cells, f.mask, strict=True) if hit}
    assert warned == {c for c, b in CASES if b is None}


@hsettings(max_examples=150, deadline=None)
@given(
    referral=st.dates(date(2015, 1, 1), date(2025, 12, 31)),
    back=st.integers(0, 9000),
    month=st.booleans(),
)
def test_a_band_given_is_the_band_of_every_day_the_cell_can_mean(referral, back, month):
    """A full date gives its own band; a month gives one only when all its days before the referral
    share it."""
    day = referral - timedelta(days=back)
    cell = day.strftime("%b %Y") if month else day.strftime("%d/%m/%Y")
    found = bands_from_last_worked(
        pl.Series([cell]), pl.Series([referral]), pl.Series([True]), "dmy", Century()
    )
    band = found.bands[0]
    first, last = month_span(cell, Century()) or (day, day)
    days = [d for d in (first, min(last, referral)) if d <= referral]
    bands = {band_of_years(whole_years(pl.Series([d]), pl.Series([referral]))[0]) for d in days}
    if not month or len(bands) == 1:
        assert band == bands.pop()
    else:
        assert band is None and found.findings


def _export(root: Path) -> Path:
    root.mkdir()
    rows = ["Client Ref,Borough,Referred,Last Worked Date"]
    rows += [f"C{i},Leeds,15/06/2023,{cell}" for i, (cell, _b) in enumerate(CASES)]
    (root / "clients.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def test_the_assistant_proposes_it_and_validate_fills_the_bands(tmp_path):
    from ipseval.ingest.propose import propose
    from ipseval.ingest.propose_toml import write_proposal
    from ipseval.settings import load_settings

    root = _export(tmp_path / "export")
    proposal = propose(root)
    (table,) = proposal.tables
    assert {c.local: c.standard for c in table.columns}["Last Worked Date"] == "date_last_worked"
    settings = load_settings(write_proposal(proposal, tmp_path / "ipseval.toml"))
    ds = load(root, settings)
    assert ds.tables["clients"]["time_since_last_job"].to_list() == [b or "unknown" for _, b in CASES]
    warned = ds.problems.filter(pl.col("column") == "date_last_worked")
    assert set(warned["value"]) == {c for c, b in CASES if b is None}
    assert set(warned["severity"]) == {"warning"}
    assert any("worked out from the date last worked" in n for n in ds.notes)


def test_a_code_section_on_an_input_column_maps_its_labels_and_never_reads_the_column_away(tmp_path):
    """[mapping.codes.clients.date_last_worked] (and date_of_birth) map labels to blank, to a date or
    (for the date last worked) to a band; such a section was once taken for a row filter, which read
    the whole column away and left every band blank without a word."""
    import pytest

    from ipseval.ingest import InputError

    root = tmp_path / "export"
    root.mkdir()
    rows = ["client_id,local_authority,referral_date,Last Worked Date,DOB"]
    rows += [
        "C1,Leeds,15/06/2023,soon,Not known",
        "C2,Leeds,15/06/2023,Currently employed,14/02/1980",
        "C3,Leeds,15/06/2023,2021,Not known",
        "C4,Leeds,15/06/2023,Mar 2020,01/01/1990",
    ]
    (root / "clients.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    mapping = {
        "columns": {"clients": {"Last Worked Date": "date_last_worked", "DOB": "date_of_birth"}},
        "codes": {
            "clients": {
                "Last Worked Date": {"soon": "", "Currently employed": "under_1y", "2021": "2021-03-01"},
                "date_of_birth": {"Not known": ""},
            }
        },
    }
    ds = load(root, Settings.model_validate({"mapping": mapping}))
    clients = ds.tables["clients"]
    assert clients["time_since_last_job"].to_list() == ["unknown", "under_1y", "2_to_5y", "2_to_5y"]
    assert clients["age"].to_list() == [None, 43, None, 33]
    assert ds.problems.filter(pl.col("column").is_in(["date_last_worked", "date_of_birth"])).height == 0
    for wrong in ("leave_out", "soon"):
        bad = {**mapping, "codes": {"clients": {"date_last_worked": {"x": wrong}}}}
        with pytest.raises(InputError, match="date_last_worked takes a date written YYYY-MM-DD or one of"):
            load(root, Settings.model_validate({"mapping": bad}))
