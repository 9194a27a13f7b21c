"""A blank IPS-25 review form as an Excel workbook, laid out as the standard's ``fidelity`` table.

The ``fidelity`` sheet has the table's columns first (team, review_date, item, score, reviewer),
one row per item, so a filled-in form can be copied into a data workbook (or saved as
fidelity.csv) and read like any other data. To the right, reference columns give each item's
section, short name, what a 5 looks like and its numeric anchors; ipseval reports them as
"column not used", which is harmless. A ``readme`` sheet (never read as data) says how to fill it in.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation

from ..schema import FIDELITY
from .items import BAND_RANGES, N_ITEMS, SECTION_LABELS, band_label, items

REFERENCE_COLUMNS = ("section", "item_name", "what_a_5_looks_like", "numeric_anchors")
_TEAL = "0B5563"
_HEADER_FILL = PatternFill("solid", fgColor=_TEAL)
_SCORE_FILL = PatternFill("solid", fgColor="FFF4CC")
_REFERENCE_FILL = PatternFill("solid", fgColor="EEF3F4")
_THIN = Side(style="thin", color="C9D6D8")
_VALIDATED_ROWS = 1000  # the score check covers rows added below for later reviews


def write_fidelity_form(
    path: str | Path,
    team: str | None = None,
    review_date: date | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a blank IPS-25 review form to ``path`` (.xlsx) and return the path.

    ``team`` and ``review_date``, when given, are filled in on all 25 rows. An existing file is
    only replaced with ``overwrite=True`` (a filled-in form is easy to lose otherwise).
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"{path.name}: the form is an Excel workbook; give a file name ending in .xlsx")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path}: already exists; choose another name or allow overwriting")
    if isinstance(review_date, datetime):
        review_date = review_date.date()

    wb = Workbook()
    readme = wb.active
    readme.title = "readme"
    form = wb.create_sheet("fidelity")
    _write_form(form, team, review_date)
    _write_readme(readme)
    wb.active = wb.sheetnames.index("fidelity")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _write_form(ws, team: str | None, review_date: date | None) -> None:
    header = [*FIDELITY.column_names, *REFERENCE_COLUMNS]
    ws.append(header)
    for it in items():
        ws.append(
            [
                team,
                review_date,
                it.number,
                None,
                None,
                SECTION_LABELS[it.section],
                it.name,
                it.good,
                it.anchor_text or "(scored by judgement: see the review manual)",
            ]
        )
    n_std = len(FIDELITY.column_names)
    for col, name in enumerate(header, start=1):
        cell = ws.cell(row=1, column=col)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        if name not in FIDELITY.column_names:
            cell.fill = PatternFill("solid", fgColor="5B6B6E")
    score_col = FIDELITY.column_names.index("score") + 1
    date_col = FIDELITY.column_names.index("review_date") + 1
    for row in range(2, N_ITEMS + 2):
        for col in range(1, len(header) + 1):
            cell = ws.cell(row=row, column=col)
            cell.border = Border(bottom=_THIN)
            cell.alignment = Alignment(vertical="top", wrap_text=col > n_std)
            if col > n_std:
                cell.fill = _REFERENCE_FILL
        ws.cell(row=row, column=score_col).fill = _SCORE_FILL
        ws.cell(row=row, column=score_col).alignment = Alignment(horizontal="center", vertical="top")
    for row in range(2, _VALIDATED_ROWS + 1):
        ws.cell(row=row, column=date_col).number_format = "dd/mm/yyyy"
    check = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2="5",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Score 1 to 5",
        error="Each item is scored with a whole number from 1 to 5.",
        showInputMessage=True,
        promptTitle="Score",
        prompt="A whole number from 1 to 5 (see the anchors to the right).",
    )
    letter = ws.cell(row=1, column=score_col).column_letter
    check.add(f"{letter}2:{letter}{_VALIDATED_ROWS}")
    ws.add_data_validation(check)
    widths = {"team": 22, "review_date": 13, "item": 6, "score": 8, "reviewer": 14}
    widths |= {"section": 13, "item_name": 34, "what_a_5_looks_like": 70, "numeric_anchors": 44}
    for col, name in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = widths[name]
    ws.freeze_panes = "E2"


def _write_readme(ws) -> None:
    bands = "; ".join(f"{BAND_RANGES[k]} {band_label(k).lower()}" for k in BAND_RANGES)
    lines: list[tuple[str, bool]] = [
        ("IPS-25 fidelity review form (UK version)", True),
        ("", False),
        ("How to fill it in", True),
        (
            "1. Go to the 'fidelity' sheet. Each row is one item of the scale, in its order: items 1-3 "
            "staffing, 4-11 organisation, 12-25 services.",
            False,
        ),
        (
            "2. Put the team (or area) and the review date on every row, if they are not filled in already. "
            "Use the team's name exactly as its area is named in the service's records, so the report "
            "can set the records beside the scores.",
            False,
        ),
        (
            "3. Enter the agreed score for each item in the yellow 'score' column: a whole number from 1 to 5. "
            "Put the reviewers' initials in 'reviewer' if you wish (they are not shown in the report).",
            False,
        ),
        (
            "4. Score with the IPS fidelity review manual. The grey columns (what a 5 looks like, numeric "
            "anchors) are short reminders written for this form, not the manual's criteria.",
            False,
        ),
        ("", False),
        ("Using the form with ipseval", True),
        (
            "Copy the 'fidelity' sheet into the service's data workbook, or save it as fidelity.csv in the "
            "data folder. For a further review, add 25 more rows below with the new date. The grey reference "
            "columns are listed as 'column not used' when the data are read; that is harmless, or delete them.",
            False,
        ),
        ("Each review is scored out of 125 (25 items, 1 to 5 each). Bands: " + bands + ".", False),
        (
            "A review with an item missing, an item given twice or a score outside 1 to 5 is named in the "
            "report with the reason, and is not scored until it is corrected.",
            False,
        ),
        ("", False),
        (
            "The item names and descriptions are ipseval's own summaries of the IPS-25 scale "
            "(IPS Employment Center; UK wording as used by IPS Grow).",
            False,
        ),
    ]
    for text, bold in lines:
        ws.append([text])
        cell = ws.cell(row=ws.max_row, column=1)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True, size=13 if ws.max_row == 1 else 11, color=_TEAL)
    ws.column_dimensions["A"].width = 110
