"""Fidelity sheets with the items down the side and one column per review ([mapping.wide.fidelity]
layout = "items_down"): reading, the problems it names, and what `ipseval map` proposes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ipseval.ingest import read_source
from ipseval.ingest.wide_down import item_number, read_review
from ipseval.settings import Settings
from ipseval.validate import validate

HEADER = [
    "No.", "Criterion", "N Yorkshire Mar-2024", "Kirklees March 2023", "Calderdale 03/2022",
    "Kirklees 2021-06", "Wakefield (spring)", "Comments",
]  # fmt: skip
SHEET = [
    ["Team fidelity scores"],
    [],
    HEADER,
    [None, "Date of review", "14/03/2024", None, "22/03/2022", None],
    ["STAFF"],  # a section title: no row
    ["1", "Caseload size", 5, 4, 3, 2, 4],  # G: a review whose month cannot be read
    ["Item 2", "Employment services staff", 4, None, 5, 3, None, "needs work"],  # D blank: no row
    [None, "Vocational generalists", 3, 3, 3, 3],  # an item named in words only
    ["4)", "Integration", 6, 2, 2, 2],  # 6 is no score
    [None, "Sum", 18, 9, 13, 10],
    [None, "Reviewed by", "A. Reviewer", "B. Peer", "C. Grow", "D. Grow"],
    ["30.", "Bogus", 1, 1, 1, 1],  # no IPS-25 item
]
CLIENTS = [["client_id", "local_authority", "referral_date"], ["C1", "North Yorkshire", "2021-01-04"]]
CLIENTS += [["C2", "Kirklees", "2021-02-01"], ["C3", "Calderdale", "2021-03-01"]]
FIDELITY = {
    "file": "Team fidelity",
    "layout": "items_down",
    "item_columns": ["No.", "Criterion"],
    "items": {"Vocational generalists": 3},
    "rows": {"Date of review": "review_date", "Reviewed by": "reviewer", "Sum": ""},
}
SETTINGS = Settings.model_validate(
    {
        "mapping": {
            "wide": {"fidelity": FIDELITY},
            "codes": {"fidelity": {"team": {"N Yorkshire": "North Yorkshire"}}},
        }
    }
)


def _book(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "clients"
    for r in CLIENTS:
        book.active.append(r)
    sheet = book.create_sheet("Team fidelity")
    for r in SHEET:
        sheet.append(r)
    book.save(tmp_path / "book.xlsx")
    return tmp_path / "book.xlsx"


def test_each_score_cell_is_one_row_with_the_team_and_date_of_its_column(tmp_path: Path) -> None:
    raw = read_source(_book(tmp_path), SETTINGS)
    fid = raw.tables["fidelity"]
    assert fid.file == "book.xlsx › Team fidelity"
    got = fid.frame.select("team", "review_date", "item", "score", "reviewer", "_row").rows()
    c, d = ("N Yorkshire", "14/03/2024"), ("Kirklees", "2023-03-01")  # C: the date row; D: its header
    e, f = ("Calderdale", "22/03/2022"), ("Kirklees", "2021-06-01")
    assert got == [
        (*c, "1", "5", "A. Reviewer", 6), (*d, "1", "4", "B. Peer", 6), (*e, "1", "3", "C. Grow", 6),
        (*f, "1", "2", "D. Grow", 6),
        (*c, "2", "4", "A. Reviewer", 7), (*e, "2", "5", "C. Grow", 7), (*f, "2", "3", "D. Grow", 7),
        (*c, "3", "3", "A. Reviewer", 8), (*d, "3", "3", "B. Peer", 8), (*e, "3", "3", "C. Grow", 8),
        (*f, "3", "3", "D. Grow", 8),
        (*c, "4", "6", "A. Reviewer", 9), (*d, "4", "2", "B. Peer", 9), (*e, "4", "2", "C. Grow", 9),
        (*f, "4", "2", "D. Grow", 9),
    ]  # fmt: skip
    assert "book.xlsx › Team fidelity" not in raw.unused_files
    assert any("review column(s) were read from their headers as the first day" in n for n in raw.notes)


def test_problems_name_the_sheet_row_column_and_value(tmp_path: Path) -> None:
    raw = read_source(_book(tmp_path), SETTINGS)
    ds = validate(raw, SETTINGS)
    p = ds.problems.filter(pl.col("table") == "fidelity")
    rows = {(r["severity"], r["row"], r["column"], r["value"]): r["message"] for r in p.iter_rows(named=True)}
    header = rows[("error", 3, "review_date", "Wakefield (spring)")]
    assert (
        header
        == "column G 'Wakefield (spring)': the review's month cannot be read from the header, so its scores were not read"
    )
    assert rows[("warning", 3, "review_date", "Comments")].endswith("; the column was not read")
    bogus = rows[("error", 12, "item", "30.")]
    assert bogus.startswith(
        "column A: item 30: the IPS-25 items are numbered 1 to 25, so the 4 scores of row 12"
    )
    score = next(m for (s, r, c, v), m in rows.items() if (r, c, v) == (9, "score", "6"))
    assert score.startswith("column C 'N Yorkshire Mar-2024': ")
    assert {r for (_, r, _, _) in rows} - {None} == {
        3,
        9,
        12,
    }  # the section, date, sum, reviewer rows: silent
    counts = ds.row_counts.filter(pl.col("table") == "fidelity").row(0, named=True)
    assert (counts["rows_read"], counts["rows_used"], counts["rows_rejected"]) == (15, 14, 1)
    used = ds.tables["fidelity"]
    assert sorted(set(used["team"].to_list())) == ["Calderdale", "Kirklees", "North Yorkshire"]
    assert used.filter(pl.col("team") == "North Yorkshire")["review_date"].unique().to_list() == [
        date(2024, 3, 14)
    ]


def test_a_row_that_is_no_item_and_not_mapped_is_named_in_a_warning(tmp_path: Path) -> None:
    settings = Settings.model_validate({"mapping": {"wide": {"fidelity": {**FIDELITY, "rows": {}}}}})
    raw = read_source(_book(tmp_path), settings)
    problems = {(p.row, p.severity): p for p in raw.tables["fidelity"].read_problems if p.row in (4, 10, 11)}
    assert problems[(4, "warning")].message.startswith(
        "column B: row 4 is no item (its values are not scores"
    )
    assert problems[(10, "warning")].message.startswith("a totals or summary line, not a record: 'Sum'")
    assert problems[(11, "warning")].value == "Reviewed by"
    # with no row of dates, column C's date is its header's month
    frame = raw.tables["fidelity"].frame
    assert frame.filter(pl.col("team") == "N Yorkshire")["review_date"].unique().to_list() == ["2024-03-01"]


def test_a_folder_csv_is_read_the_same_way(tmp_path: Path) -> None:
    import csv

    with (tmp_path / "clients.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(CLIENTS)
    with (tmp_path / "Team fidelity.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Q", "Hull Jan 2020"], ["Q1", "3"], ["Q2", "-"], ["Q3", "4"]])
    wide = {"file": "Team fidelity", "layout": "items_down", "item_columns": ["Q"], "blanks": ["-"]}
    raw = read_source(tmp_path, Settings.model_validate({"mapping": {"wide": {"fidelity": wide}}}))
    assert raw.tables["fidelity"].frame.select("team", "review_date", "item", "score").rows() == [
        ("Hull", "2020-01-01", "1", "3"),
        ("Hull", "2020-01-01", "3", "4"),
    ]
    assert "Team fidelity.csv: 1 cells of '-' read as blank ([mapping.wide.fidelity] blanks)" in raw.notes


def test_headers_and_item_labels() -> None:
    assert read_review("Gateshead Jun-2021") == ("Gateshead", date(2021, 6, 1), False)
    assert read_review("Bradford - September 2022") == ("Bradford", date(2022, 9, 1), False)
    assert read_review("Hull (11/2020)") == ("Hull", date(2020, 11, 1), False)
    assert read_review("York 2019-04") == ("York", date(2019, 4, 1), False)
    assert read_review("York 2019-04-17") == ("York", date(2019, 4, 17), True)
    assert read_review("Leeds 13/2021") == ("Leeds 13/2021", None, False)  # no month 13
    assert read_review("Leeds spring") == ("Leeds spring", None, False)
    assert [item_number(x) for x in ("7", "7.", "Item 7", "Q7", "7. Caseload size", "#7", "Seven", "2021")] == [
        7, 7, 7, 7, 7, 7, None, None,
    ]  # fmt: skip


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
FULL = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December"]  # fmt: skip


@given(
    st.from_regex(r"[A-Z][a-z]{2,8}( [A-Z][a-z]{2,8}){0,2}", fullmatch=True),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(["mon", "month", "mm/yyyy", "yyyy-mm"]),
)
def test_any_team_and_month_written_in_any_form_reads_back(team: str, day: date, form: str) -> None:
    written = {
        "mon": f"{MONTHS[day.month - 1]}-{day.year}",
        "month": f"{FULL[day.month - 1]} {day.year}",
        "mm/yyyy": f"{day.month:02d}/{day.year}",
        "yyyy-mm": f"{day.year}-{day.month:02d}",
    }[form]
    assert read_review(f"{team} {written}") == (team, day.replace(day=1), False)


def test_map_proposes_the_layout_rows_items_and_teams(tmp_path: Path) -> None:
    from ipseval.ingest.propose import propose
    from ipseval.ingest.propose_toml import proposal_toml

    p = propose(_book(tmp_path))
    (w,) = p.wide
    assert (w.local, w.standard, w.layout) == ("Team fidelity", "fidelity", "items_down")
    assert w.item_columns == ["No.", "Criterion"]
    assert {k: v[0] for k, v in w.rows.items()} == {
        "Date of review": "review_date",
        "Sum": "total",  # each review's total, checked against its items
        "Reviewed by": "reviewer",
    }
    assert {k: v[0] for k, v in w.items.items()} == {"Vocational generalists": 3}
    assert [(g.value, g.code) for g in w.teams] == [("N Yorkshire", "North Yorkshire")]
    assert w.unplaced == ["row 12 '30.' holds scores but names no IPS-25 item: map it in items"]
    text = proposal_toml(p)
    assert 'layout = "items_down"' in text and "[mapping.wide.fidelity.rows]" in text
    assert '"N Yorkshire" = "North Yorkshire"  # CHECK: 75% sure' in text
    assert "# CHECK: row 12 '30.' holds scores" in text
    # the proposal, as settings, reads what the hand-written settings read
    ours = read_source(tmp_path / "book.xlsx", p.settings()).tables["fidelity"].frame
    theirs = read_source(tmp_path / "book.xlsx", SETTINGS).tables["fidelity"].frame
    assert ours.equals(theirs)


@hsettings(max_examples=25, deadline=None)
@given(
    st.dictionaries(
        st.tuples(
            st.sampled_from(["Hull", "Leeds", "East Riding"]), st.dates(date(2015, 1, 1), date(2030, 12, 1))
        ),
        st.dictionaries(st.integers(1, 25), st.integers(1, 5), max_size=25),
        min_size=1,
        max_size=4,
    ).filter(lambda d: len({(t, day.year, day.month) for t, day in d}) == len(d))
)
def test_long_reviews_laid_items_down_read_back_the_same(tmp_path_factory, reviews: dict) -> None:
    import csv

    folder = tmp_path_factory.mktemp("down")
    columns = list(reviews)
    header = ["Item", *(f"{team} {MONTHS[day.month - 1]}-{day.year}" for team, day in columns)]
    body = [[f"{n}.", *(str(reviews[c].get(n, "")) for c in columns)] for n in range(1, 26)]
    with (folder / "clients.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(CLIENTS)
    with (folder / "reviews.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *body])
    wide = {"file": "reviews", "layout": "items_down", "item_columns": ["Item"]}
    raw = read_source(folder, Settings.model_validate({"mapping": {"wide": {"fidelity": wide}}}))
    expected = sorted(
        (team, day.replace(day=1).isoformat(), str(n), str(s))
        for (team, day), scores in reviews.items()
        for n, s in scores.items()
    )
    got = (
        raw.tables["fidelity"].frame.select("team", "review_date", "item", "score").rows()
        if "fidelity" in raw.tables
        else []
    )
    assert sorted(got) == expected
