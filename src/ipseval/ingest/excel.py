"""Read one .xlsx workbook: one sheet per table of the standard, header in row 1 (or below title
rows, which are left out with a warning: see ingest.sniff.header_index).

Excel's habits are undone here so validate sees plain text, as if the sheet were a CSV: real
dates become ISO text, date serial numbers in date columns become dates, 16.0 becomes "16",
TRUE/FALSE become true/false, formulas give their saved results. Rows keep Excel's numbers.
Sheets are streamed (openpyxl read-only), so formatting down to row 1,048,576 costs little.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import openpyxl
import polars as pl
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import WINDOWS_EPOCH, from_excel, to_excel

from ipseval.ingest import EXCEL_ERRORS, CellProblem, InputError, RawDataset, RawTable
from ipseval.ingest.mapping import mapped_to_nothing, resolve_columns, resolve_tables, table_key
from ipseval.ingest.note_rows import (
    id_positions,
    is_note_row,
    leave_out_summaries,
    note_problem,
    required_positions,
)
from ipseval.ingest.sniff import SNIFF_ROWS, Layout, header_index, layout_problems, title_text
from ipseval.ingest.split_files import read_parts
from ipseval.ingest.trailers import leave_out_trailer
from ipseval.ingest.unapplied import absent_columns
from ipseval.schema import TABLES

if TYPE_CHECKING:
    from ipseval.settings import Settings

SEP = " › "
_IGNORED_SHEETS = {"readme", "notes", "lists"}
_MAX_SERIAL = 2958465  # 9999-12-31
# Excel's 1900 date system counts 1900 as a leap year: serial 60 is 29/02/1900, a day that never
# was, and openpyxl reads it (and a date cell holding it) as 28/02/1900 like serial 59.
_LEAP_BUG_SERIAL = 60
_LEAP_BUG_READ_AS = datetime(1900, 2, 28)
_CELL_SHOWN = 200
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def read_workbook(path: Path, settings: Settings) -> RawDataset:
    """Read every sheet named after a standard table; other sheets are listed as unused."""
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        archive = zipfile.ZipFile(path)
    except Exception as e:  # a broken or protected file can fail in many ways inside openpyxl/zipfile
        raise InputError(
            f"{path.name}: cannot be opened as an .xlsx workbook ({type(e).__name__}); if it has a "
            "password remove it, otherwise open it in Excel and save it again as 'Excel Workbook (.xlsx)'"
        ) from None
    try:
        return _read_book(path, wb, archive, settings)
    finally:
        wb.close()
        archive.close()


def _read_book(path: Path, wb: Any, archive: zipfile.ZipFile, settings: Settings) -> RawDataset:
    found: dict[str, list[Any]] = {}
    unused_files: list[str] = []
    left_out: list[str] = []
    notes: list[str] = []
    for ws in wb.worksheets:
        tables = resolve_tables(ws.title, settings)
        if not tables:
            if table_key(ws.title) in _IGNORED_SHEETS:
                notes.append(f"sheet '{ws.title}' in {path.name} was not read (instructions sheet)")
            elif mapped_to_nothing(ws.title, settings):
                left_out.append(f"{path.name}{SEP}{ws.title}")
            else:
                unused_files.append(f"{path.name}{SEP}{ws.title}")
            continue
        for table in tables:  # sheets mapped to one table are its parts (ingest.split_files)
            found.setdefault(table, []).append(ws)

    for t in TABLES.values():
        if t.required and t.name not in found:
            sheets = ", ".join(f"'{ws.title}'" for ws in wb.worksheets)
            raise InputError(
                f"{path.name}: no sheet named '{t.name}' (sheets: {sheets}); rename the sheet or map "
                "its name in the settings [mapping.tables]"
            )

    ds = RawDataset(
        source=path,
        tables={},
        interviews_dir=None,
        unused_files=unused_files,
        notes=notes,
        left_out_files=left_out,
    )
    for table, sheets in found.items():
        parts = [
            (
                f"{path.name}{SEP}{ws.title}",
                partial(_read_sheet_or_explain, path, ws, archive, table, settings, wb.epoch),
                f"sheet '{ws.title}' in {path.name} is empty and was ignored",
            )
            for ws in sheets
        ]
        read_parts(ds, table, parts)
    return ds


def _read_sheet_or_explain(
    path: Path, ws: Any, archive: zipfile.ZipFile, table: str, settings: Settings, epoch: datetime
) -> RawTable | None:
    try:
        return _read_sheet(path, ws, archive, table, settings, epoch)
    except InputError:
        raise
    except Exception as e:  # malformed sheet XML
        raise InputError(
            f"{path.name}{SEP}{ws.title}: the sheet cannot be read ({type(e).__name__}); open the "
            "workbook in Excel and save it again"
        ) from None


def _uncached_formulas(archive: zipfile.ZipFile, member: str | None) -> dict[tuple[int, int], str]:
    """Formula cells with no saved result, keyed (row, column), valued by the formula text.

    openpyxl reads such a cell as blank, like a formula whose saved result is empty text, so the
    sheet's XML is checked directly (only when it holds formulas at all).
    """
    if not member:
        return {}
    data = archive.read(member.lstrip("/"))
    if not _HAS_FORMULA.search(data):
        return {}
    out: dict[tuple[int, int], str] = {}
    for _, el in ElementTree.iterparse(io.BytesIO(data)):
        if el.tag.rsplit("}", 1)[-1] != "c":
            continue
        children = {child.tag.rsplit("}", 1)[-1]: child for child in el}
        ref = el.get("r")
        # A saved empty-text result is <v/> on a text cell (t="str"); a number is never empty.
        v = children.get("v")
        saved = v is not None and (bool(v.text) or el.get("t") in ("str", "s", "inlineStr"))
        if "f" in children and not saved and ref:
            text = children["f"].text
            out[coordinate_to_tuple(ref)] = f"={text}" if text else "(shared formula)"
        el.clear()
    return out


def _read_sheet(
    path: Path, ws: Any, archive: zipfile.ZipFile, table: str, settings: Settings, epoch: datetime
) -> RawTable | None:
    label = f"{path.name}{SEP}{ws.title}"
    spec = TABLES[table]
    uncached = _uncached_formulas(archive, getattr(ws, "_worksheet_path", None))
    ws.reset_dimensions()  # trust the cells, not the sheet's declared size
    rows = [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
    # The used range: the last row and column holding a value (or an unsaved formula).
    last_row, last_col = 0, 0
    for n, cells in enumerate(rows, start=1):
        filled = [i for i, v in enumerate(cells, start=1) if not _blank(v)]
        if filled:
            last_row, last_col = n, max(last_col, filled[-1])
    for r, c in uncached:
        last_row, last_col = max(last_row, r), max(last_col, c)
    if last_row == 0:
        if spec.required:
            raise InputError(f"{label}: the sheet is empty (a header row is needed at least)")
        return None
    rows = rows[:last_row] + [[] for _ in range(last_row - len(rows))]
    titles = header_index(rows[:SNIFF_ROWS])
    layout = Layout(titles=tuple(title_text(r) for r in rows[:titles]))
    header: list[object] = [_plain(v) for v in rows[titles][:last_col]]
    header = [None if _blank(h) else h for h in header] + [None] * (last_col - len(header))

    def blank_label(i: int) -> str:
        return f"header cell {get_column_letter(i + 1)}{layout.header_row} is blank or merged"

    match = resolve_columns(table, header, settings, label, blank_label)
    types = {i: spec.column(std).type for i, std in match.standard.items()}
    required = required_positions(table, match.standard)

    columns: list[list[str | None]] = [[] for _ in range(last_col)]
    row_numbers: list[int] = []
    problems: list[CellProblem] = []
    leap_suspects: dict[tuple[int, int], str] = {}
    for r, cells in enumerate(rows[titles + 1 :], start=titles + 2):
        values: list[str | None] = []
        row_problems: list[CellProblem] = []
        any_value = False
        filled, last_filled = 0, -1  # cells with a value, and where the last one is
        for i in range(last_col):
            v = cells[i] if i < len(cells) else None
            std = match.standard.get(i)
            if _blank(v):
                values.append(None)
                formula = uncached.get((r, i + 1))
                if formula is not None:
                    any_value = True
                    if std is not None:
                        row_problems.append(
                            CellProblem(
                                row=r,
                                column=std,
                                value=formula[:80],
                                expected="a formula with a saved result",
                                message=f"cell {get_column_letter(i + 1)}{r} has a formula with no saved "
                                "result: open the workbook in Excel and save it",
                            )
                        )
                continue
            any_value = True
            filled, last_filled = filled + 1, i
            text, problem = _cell(v, r, i, std, types.get(i), epoch, settings.input.max_cell_chars)
            if problem is not None:
                row_problems.append(problem)
            if v == _LEAP_BUG_READ_AS and std is not None and epoch == WINDOWS_EPOCH:
                leap_suspects[(r, i + 1)] = std
            values.append(text)
        if not any_value:
            continue
        if filled == 1 and not row_problems and is_note_row(cells[last_filled], last_filled, required):
            problems.append(note_problem(r, str(cells[last_filled])))  # left out, like a blank row
            continue
        row_numbers.append(r)
        problems.extend(row_problems)
        for i, v in enumerate(values):
            columns[i].append(v)

    if leap_suspects:
        problems += _leap_day_cells(archive, getattr(ws, "_worksheet_path", None), leap_suspects)
    problems[:0] = layout_problems(layout) + absent_columns(match, label, [str(h) for h in header if h])
    if ws.sheet_state != "visible":
        problems.insert(0, _hidden_sheet(ws.title))

    schema = {f"_c{i}": pl.Utf8 for i in range(last_col)}
    df = pl.DataFrame(dict(zip(schema, columns, strict=True)), schema=schema)
    df = df.with_columns(
        *(
            pl.when(pl.col(c).str.strip_chars().str.len_bytes() == 0)
            .then(None)
            .otherwise(pl.col(c).str.strip_chars())
            .alias(c)
            for c in schema
        ),
        pl.Series("_row", row_numbers, dtype=pl.Int64),
    )
    positional = list(schema)
    df, problems = leave_out_trailer(df, problems, positional, " | ")
    df, problems = leave_out_summaries(df, problems, positional, id_positions(table, match.standard))

    unused = [text for _, text in sorted(match.unused.items())]
    for i in match.blank:
        n = df.height - df[f"_c{i}"].null_count()
        if n:
            unused.append(
                f"(column {get_column_letter(i + 1)}: {blank_label(i)}, {n} value{'s' if n != 1 else ''})"
            )
    frame = df.select(*match.kept(lambda i: f"_c{i}"), "_row")
    return RawTable(name=table, file=label, frame=frame, unused_columns=unused, read_problems=problems)


def _cell(
    v: object, r: int, i: int, std: str | None, col_type: str | None, epoch: datetime, limit: int
) -> tuple[str | None, CellProblem | None]:
    """A filled cell as text, and the problem with it if it cannot be trusted (only cells of the
    standard's columns are judged; other columns are not read). Called for every cell, so the
    common case returns after a few cheap tests."""
    if std is not None:
        if isinstance(v, str):
            if v.lstrip().startswith("#") and v.strip().upper() in EXCEL_ERRORS:
                return None, _excel_error(r, std, _ref(r, i), v.strip())
            if len(v) > limit:
                return v[:_CELL_SHOWN], _too_long(r, std, _ref(r, i), v, limit)
        elif col_type == "date" and epoch == WINDOWS_EPOCH and _is_serial(v, _LEAP_BUG_SERIAL):
            return None, _leap_day(r, std, _ref(r, i), v)
    return _cell_text(v, col_type, epoch), None


def _is_serial(v: object, serial: int) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and serial <= v < serial + 1


def _ref(r: int, i: int) -> str:
    return f"{get_column_letter(i + 1)}{r}"


def _excel_error(r: int, std: str, ref: str, error: str) -> CellProblem:
    return CellProblem(
        row=r,
        column=std,
        value=error,
        expected="a value, not an Excel error",
        message=f"cell {ref} holds the Excel error {error}: the formula behind it failed, so its value is "
        "unknown",
    )


def _too_long(r: int, std: str, ref: str, v: str, limit: int) -> CellProblem:
    return CellProblem(
        row=r,
        column=std,
        value=v[:_CELL_SHOWN],
        expected=f"at most {limit:,} characters (input.max_cell_chars)",
        message=f"cell {ref} holds {len(v):,} characters, over the limit of {limit:,}",
    )


def _leap_day(r: int, std: str, ref: str, serial: object) -> CellProblem:
    return CellProblem(
        row=r,
        column=std,
        value=_number_text(serial) if isinstance(serial, int | float) else str(serial),
        expected="a date that exists",
        message=f"cell {ref} holds Excel's date number 60, which Excel shows as 29/02/1900: a day that never "
        "was (Excel counts 1900 as a leap year); type the real date",
    )


def _leap_day_cells(
    archive: zipfile.ZipFile, member: str | None, suspects: dict[tuple[int, int], str]
) -> list[CellProblem]:
    """Date cells read as 28/02/1900 that hold serial 60 (29/02/1900) in the sheet's XML: openpyxl
    reads 59 and 60 alike, so the stored number is looked up (rare, so the XML is parsed only then)."""
    if not member:
        return []
    out: list[CellProblem] = []
    for _, el in ElementTree.iterparse(io.BytesIO(archive.read(member.lstrip("/")))):
        if el.tag.rsplit("}", 1)[-1] != "c":
            continue
        ref = el.get("r")
        where = coordinate_to_tuple(ref) if ref else None
        if where in suspects:
            v = next((c.text for c in el if c.tag.rsplit("}", 1)[-1] == "v"), None)
            try:
                if v is not None and int(float(v)) == _LEAP_BUG_SERIAL:
                    out.append(_leap_day(where[0], suspects[where], ref, _LEAP_BUG_SERIAL))
            except ValueError:
                pass
        el.clear()
    return out


def _hidden_sheet(title: str) -> CellProblem:
    return CellProblem(
        row=None,
        column=None,
        value=title,
        expected="a visible sheet",
        message=f"the sheet '{title}' is hidden in the workbook: it was read all the same; unhide it in "
        "Excel to see what it holds",
        severity="warning",
    )


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _plain(v: object) -> object:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _number_text(v: float | int) -> str:
    if isinstance(v, int):
        return str(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.15g}"


def _cell_text(v: object, col_type: str | None, epoch: datetime) -> str | None:
    """One cell as the text a CSV export would hold, undoing Excel's typing for the column's type."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        if col_type in ("integer", "number"):  # a number shown with a date format
            return _number_text(to_excel(v, epoch))
        if col_type == "date" or v.time() == time(0):
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, time | timedelta):
        return str(v)
    if isinstance(v, int | float):
        if col_type == "date" and 1 <= v <= _MAX_SERIAL:
            try:
                return from_excel(v, epoch).date().isoformat()
            except (ValueError, OverflowError):
                pass
        return _number_text(v)
    return str(v)
