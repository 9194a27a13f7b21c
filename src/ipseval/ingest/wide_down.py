"""Read a fidelity sheet laid out with the items down the side and one column per review
(``[mapping.wide.fidelity] layout = "items_down"``) into the standard's long fidelity table.

A hand-kept IPS-25 tab often looks like this: an "Item" column ("1." ... "25.") and a "Description"
beside it, then one column per review headed by the team and the review's month ("Leeds Mar-2024",
"Hull March 2023", "York 03/2022", "Selby 2021-06"), a score 1-5 in each cell, section rows
(STAFFING) between the items and rows of totals, bands and reviewers below them. Each score cell
becomes one row (team, review_date, item, score); a blank cell is no row.

- Items: the row's label is an item number ("7", "7.", "Item 7", "Q7", "7. Caseload size") or a
  label listed in ``items`` (words -> number, as ``ipseval map`` proposes them).
- Reviews: every column other than ``item_columns``. The header gives the team (the words before
  the date) and the month, read as the first day of that month; a row listed in ``rows`` as
  review_date gives the exact day instead (and one listed as reviewer or team gives those).
- Rows with no value in any review column (a section title, a blank line) are skipped; other rows
  that are no item are named: an error when they hold scores (an item the settings do not place),
  else a warning (a total, a band), silent when mapped to "" in ``rows``. A row listed in ``rows``
  as total gives each review's total, checked against the sum of its item scores (ingest.totals).
Problems name the sheet, the row, the sheet's column and the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest import CellProblem, InputError, RawTable
from ipseval.ingest.grid import Grid, letter
from ipseval.ingest.mapping import norm_name
from ipseval.ingest.note_rows import is_summary_text, summary_problem
from ipseval.ingest.totals import review_totals
from ipseval.schema import TABLES

if TYPE_CHECKING:
    from ipseval.settings import WideTable

ROW_TARGETS = ("review_date", "reviewer", "team", "total")  # what a non-item row may give each review
SCORES = {"1", "2", "3", "4", "5"}
_MONTHS = {
    m: k
    for k, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}  # fmt: skip
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_END = (  # the review's date at the end of a header, after the team's words
    re.compile(rf"(?P<mon>[^\W\d_]{{3,9}})\.?[\s\-/.,']*{_YEAR}$"),  # Jun-2021, June 2021
    re.compile(rf"(?<!\d)(?P<mm>\d{{1,2}})[/.\-]{_YEAR}$"),  # 06/2021
    re.compile(rf"(?<!\d){_YEAR}[/.\-](?P<mm>\d{{1,2}})$"),  # 2021-06
    re.compile(rf"(?<!\d){_YEAR}-(?P<mm>\d{{1,2}})-(?P<dd>\d{{1,2}})$"),  # 2021-06-17
)
_ITEM = re.compile(
    r"^(?:ips\W*25\W*)?(?:item|q|question|criterion|no|number|#)?\W{0,2}(?P<n>\d{1,3})(?:\s*[.):\-]?\s*$|"
    r"\s*[.):\-]?\s+\D.*$)",
    re.IGNORECASE,
)
HEADER_FORMS = "Mon-YYYY, Month YYYY, MM/YYYY or YYYY-MM"


@dataclass
class Review:
    """One review column: where it is, and the team and date its header and the review rows give."""

    index: int
    header: str | None
    given: dict[str, str] = field(default_factory=dict)  # team, review_date, reviewer, total
    month: date | None = None  # the first of the month the header names (None: it names a day)
    total_row: int | None = None  # the row of its total, when a row gives each review's total

    @property
    def cell(self) -> str:
        return f"column {letter(self.index)} '{self.header or ''}'"

    @property
    def complete(self) -> bool:
        return bool(self.given.get("team")) and bool(self.given.get("review_date"))


def read_review(header: str) -> tuple[str, date | None, bool]:
    """The team and the review's date a column header gives, and whether the header names the day:
    'Leeds Mar-2024' -> ('Leeds', 2024-03-01, False): the first of the month when only month and
    year are written. With no date at its end the whole header is the team and the date is None."""
    text = header.strip().rstrip(")]").strip()
    for pattern in _END:
        m = pattern.search(text)
        if m is None:
            continue
        parts = m.groupdict()
        month = _MONTHS.get(parts["mon"].lower()) if parts.get("mon") else int(parts["mm"])
        try:
            day = date(int(parts["year"]), month or 0, int(parts.get("dd") or 1))
        except ValueError:
            continue
        team = text[: m.start()].rstrip(" \t-–—,;:([/").strip()
        return team, day, bool(parts.get("dd"))
    return header.strip(), None, False


def blank_key(text: str) -> str:
    """How a cell is compared with the words of ``blanks``: case and surrounding spaces ignored."""
    return text.strip().lower()


def item_number(label: str) -> int | None:
    """The item number a row label gives ('7', '7.', 'Item 7', 'Q7', '7. Caseload size'), or None."""
    m = _ITEM.match(label.strip())
    return int(m.group("n")) if m else None


def read_items_down(grid: Grid, wide: WideTable) -> tuple[RawTable, list[str]]:
    """The long fidelity table of ``grid`` and notes on how it was read (InputError when the settings'
    item columns are not in it)."""
    names = {norm_name(h): i for i, h in enumerate(grid.header) if h}
    absent = [c for c in wide.item_columns if norm_name(c) not in names]
    if absent or not wide.item_columns:
        found = ", ".join(h for h in grid.header if h) or "none"
        raise InputError(
            f"{grid.label}: [mapping.wide.fidelity] item_columns "
            + (", ".join(f"'{c}'" for c in absent) + " not found" if absent else "is empty")
            + f" (columns: {found}); name the column(s) that hold the item numbers or descriptions"
        )
    labels = [names[norm_name(c)] for c in wide.item_columns]
    reviews = [
        _review(i, h) for i, h in enumerate(grid.header) if i not in labels and (h or _filled(grid, i))
    ]
    records, problems, blanked = _read_rows(grid, labels, reviews, wide)
    problems += _unreadable_reviews(grid, reviews, {v.index for v, _, score, _ in records if score in SCORES})
    problems += review_totals(reviews, records)  # each review's total row, checked
    rows = [
        {**v.given, "item": item, "score": score, "_row": r, "_cell": v.cell}
        for v, item, score, r in records
        if v.complete
    ]
    return _table(grid, rows, problems, labels, reviews), _notes(grid, reviews, blanked, wide)


Record = tuple[Review, str, str, int]  # the review, item number, score and row of one score cell


def _read_rows(
    grid: Grid, labels: list[int], reviews: list[Review], wide: WideTable
) -> tuple[list[Record], list[CellProblem], int]:
    """Every score cell of the item rows, what the review rows give each review (into ``reviews``),
    the problems of rows that are no item, and how many cells held a word of ``blanks``."""
    blanks = {blank_key(b) for b in wide.blanks}
    rows_map = {norm_name(k): v for k, v in wide.rows.items()}
    items_map = {norm_name(k): int(v) for k, v in wide.items.items()}
    records: list[Record] = []
    problems = list(grid.problems)
    blanked = 0
    for r, cells in grid.rows:
        words = [(i, cells[i]) for i in labels if cells[i]]
        values = {v.index: cells[v.index] for v in reviews if cells[v.index] is not None}
        blanked += sum(blank_key(x) in blanks for x in values.values())
        values = {k: x for k, x in values.items() if blank_key(x) not in blanks}
        target = next((rows_map[norm_name(w)] for _, w in words if norm_name(w) in rows_map), None)
        if target is not None:  # a row of review dates, reviewers or teams; "" = not used
            for v in reviews if target else ():
                if v.index in values:
                    v.given[target] = values[v.index]
                    v.total_row = r if target == "total" else v.total_row
            continue
        number = _item_of([w for _, w in words], items_map)
        if number is not None and 1 <= number <= 25:
            records += [(v, str(number), values[v.index], r) for v in reviews if v.index in values]
        elif values:
            label = words[0] if words else (labels[0], "")
            problems.append(_not_an_item(r, label, number, list(values.values())))
    return records, problems, blanked


def _review(index: int, header: str | None) -> Review:
    team, day, exact = read_review(header) if header else ("", None, False)
    given = {"team": team} | ({"review_date": day.isoformat()} if day else {})
    return Review(index, header, given, None if exact else day)


def _filled(grid: Grid, index: int) -> bool:
    return any(cells[index] is not None for _, cells in grid.rows)


def _item_of(words: list[str], items_map: dict[str, int]) -> int | None:
    for w in words:
        n = item_number(w)
        if n is not None:
            return n
    return next((items_map[norm_name(w)] for w in words if norm_name(w) in items_map), None)


def _not_an_item(row: int, label_cell: tuple[int, str], number: int | None, values: list[str]) -> CellProblem:
    """The problem of a row holding values that is no item (``label_cell``: the column and text of
    its label): an error when its values are scores or its label an item number outside 1-25, else a
    warning (a total, a band)."""
    where, label = f"column {letter(label_cell[0])}", label_cell[1]
    if is_summary_text(label):
        return summary_problem(row, label)
    scores = all(x in SCORES for x in values)
    expected = "an IPS-25 item number 1 to 25, or a label listed in [mapping.wide.fidelity.items]"
    if number is not None or scores:
        what = f"item {number}: the IPS-25 items are numbered 1 to 25" if number else "not an IPS-25 item"
        return CellProblem(
            row=row,
            column="item",
            value=label or None,
            expected=expected,
            message=f"{where}: {what}, so the {len(values)} scores of row {row} were not read; map its "
            "label to the item's number in [mapping.wide.fidelity.items]",
        )
    return CellProblem(
        row=row,
        column="item",
        value=label or None,
        expected=expected,
        message=f"{where}: row {row} is no item (its values are not scores 1 to 5) and was not read; if "
        "it gives each review's date or reviewer, name it in [mapping.wide.fidelity.rows], else map it "
        'there to "" to leave it out',
        severity="warning",
    )


def _unreadable_reviews(grid: Grid, reviews: list[Review], scored: set[int]) -> list[CellProblem]:
    """A review column whose date or team cannot be read: an error when it holds item scores (they
    are not read), else a warning (a notes column, not used)."""
    out = []
    for v in reviews:
        if v.complete:
            continue
        column = "review_date" if not v.given.get("review_date") else "team"
        what = "the review's month" if column == "review_date" else "the team"
        out.append(
            CellProblem(
                row=grid.header_row,
                column=column,
                value=v.header,
                expected=f"a header naming the team and the review's month, e.g. 'Leeds Mar-2024' ({HEADER_FORMS})",
                message=f"{v.cell}: {what} cannot be read from the header"
                + (", so its scores were not read" if v.index in scored else "; the column was not read"),
                severity="error" if v.index in scored else "warning",
            )
        )
    return out


def _table(
    grid: Grid, records: list[dict], problems: list[CellProblem], labels: list[int], reviews: list[Review]
) -> RawTable:
    names = [c for c in TABLES["fidelity"].read_names if c != "reviewer" or any(x.get(c) for x in records)]
    schema = {**dict.fromkeys(names, pl.Utf8), "_row": pl.Int64, "_cell": pl.Utf8}
    frame = pl.DataFrame([{k: x.get(k) for k in schema} for x in records], schema=schema)
    frame = frame.sort("_row", maintain_order=True)
    used = {*labels, *(v.index for v in reviews)}
    unused = [h for i, h in enumerate(grid.header) if h and i not in used]
    return RawTable(
        name="fidelity", file=grid.label, frame=frame, unused_columns=unused, read_problems=problems
    )


def _notes(grid: Grid, reviews: list[Review], blanked: int, wide: WideTable) -> list[str]:
    out = []
    by_month = [v for v in reviews if v.month and v.given.get("review_date") == v.month.isoformat()]
    if by_month:
        v = by_month[0]
        out.append(
            f"{grid.label}: the review dates of {len(by_month)} review column(s) were read from their "
            f"headers as the first day of the month (e.g. '{v.header}' as {v.month.isoformat()}); a row "
            "of exact dates can be named in [mapping.wide.fidelity.rows] as review_date"
        )
    if blanked:
        words = ", ".join(f"'{b}'" for b in wide.blanks)
        out.append(f"{grid.label}: {blanked} cells of {words} read as blank ([mapping.wide.fidelity] blanks)")
    return out
