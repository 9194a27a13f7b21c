"""A file or sheet as a plain grid of text cells, for layouts whose columns are not the standard's.

A fidelity sheet with the items down the side and one column per review cannot be read column by
column like the other tables: its header names reviews, not standard columns. The grid keeps what
the ordinary readers find (title rows above the header, Excel cells as the text a CSV would hold,
the text encoding and separator of a CSV file, a hidden sheet) and leaves the meaning of each cell
to the caller. (A formula with no saved result reads as blank: in a fidelity sheet that is an item
not scored, which the review's scoring names.)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ipseval.ingest import EXCEL_SUFFIXES, CellProblem
from ipseval.ingest.mapping import table_key
from ipseval.ingest.sniff import SNIFF_ROWS, Layout, header_index, layout_problems, title_text

if TYPE_CHECKING:
    from ipseval.settings import Settings


@dataclass
class Grid:
    """One file or sheet: its header and every row holding a value, cells as text (None: blank)."""

    label: str  # the file, or "book.xlsx › sheet", as problems name it
    header_row: int  # the header's row number as the user sees it
    header: list[str | None]
    rows: list[tuple[int, list[str | None]]]  # (row number, cells), as wide as the header
    problems: list[CellProblem] = field(default_factory=list)  # about the whole file (warnings)


def find_grid(source: Path, file: str, settings: Settings) -> Grid | None:
    """The grid of ``file`` (a CSV file of the folder ``source``, or a sheet of the workbook
    ``source``, names compared as table names are); None when there is no such file or sheet."""
    key = table_key(file)
    if source.is_dir():
        path = next(
            (p for p in sorted(source.iterdir()) if p.suffix.lower() == ".csv" and table_key(p.stem) == key),
            None,
        )
        return None if path is None else _csv_grid(path, settings)
    if source.suffix.lower() in EXCEL_SUFFIXES:
        return _sheet_grid(source, key)
    return None


def letter(index: int) -> str:
    """The spreadsheet letter of a column (0 -> A)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _grid(label: str, records: list[list[object]], first_row: int = 1) -> Grid:
    """The grid of ``records`` (the file's rows from row ``first_row``), title rows left out."""
    k = header_index(records[:SNIFF_ROWS])
    layout = Layout(titles=tuple(title_text(r) for r in records[:k]))
    width = max((len(r) for r in records), default=0)
    header = [_text(v) for v in records[k]] if k < len(records) else []
    header += [None] * (width - len(header))
    rows = []
    for n, cells in enumerate(records[k + 1 :], start=first_row + k + 1):
        texts = [_text(v) for v in cells] + [None] * (width - len(cells))
        if any(t is not None for t in texts):
            rows.append((n, texts))
    return Grid(label, first_row + k, header, rows, layout_problems(layout))


def _text(v: object) -> str | None:
    text = "" if v is None else str(v).strip()
    return text or None


def _csv_grid(path: Path, settings: Settings) -> Grid:
    from ipseval.ingest.encoding import NotUtf8, as_utf8, as_windows_1252
    from ipseval.ingest.sniff import check_size, csv_layout, read_head, refuse_non_text

    check_size(path, settings.input)
    head = read_head(path)
    refuse_non_text(path, head)

    def read(text_path: Path) -> Grid:
        layout, _ = csv_layout(text_path, path.name, settings.input)
        with text_path.open(encoding="utf-8-sig", newline="") as f:
            records: list[list[object]] = list(csv.reader(f, delimiter=layout.separator))
        return _grid(path.name, records)

    try:
        with as_utf8(path, head) as text:
            grid = read(text.path)
    except (NotUtf8, UnicodeDecodeError):
        with as_windows_1252(path) as text:
            grid = read(text.path)
            grid.problems += [text.note] if text.note else []
    return grid


def _sheet_grid(path: Path, key: str) -> Grid | None:
    import openpyxl

    from ipseval.ingest.excel import SEP, _cell_text, _hidden_sheet, _plain

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = next((ws for ws in wb.worksheets if table_key(ws.title) == key), None)
        if ws is None:
            return None
        ws.reset_dimensions()  # trust the cells, not the sheet's declared size
        records: list[list[object]] = [
            [_cell_text(_plain(v), None, wb.epoch) for v in r] for r in ws.iter_rows(values_only=True)
        ]
        title, hidden = ws.title, ws.sheet_state != "visible"
    finally:
        wb.close()
    grid = _grid(f"{path.name}{SEP}{title}", records)
    if hidden:
        grid.problems.insert(0, _hidden_sheet(title))
    return grid
