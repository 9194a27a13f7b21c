"""Read a local export as it is, for the mapping assistant: every file or sheet, every column, every
cell as text, no mapping applied and nothing judged.

A folder gives one table per CSV file, a workbook one per sheet (instructions sheets skipped, as the
reader skips them). The column separator and title rows above the header are found as the reader
finds them (ingest.sniff), and named in the table's notes. Excel cells stored as dates become YYYY-MM-DD and are counted, as are number
cells in the range of Excel's date serial numbers: both are evidence that a column holds dates.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ipseval.ingest import EXCEL_SUFFIXES, TEXT_SUFFIXES, InputError
from ipseval.ingest.encoding import NotUtf8, as_utf8, as_windows_1252
from ipseval.ingest.note_rows import is_summary_text
from ipseval.ingest.sniff import (
    MAX_TITLES,
    Layout,
    check_link,
    csv_layout,
    describe,
    header_index,
    read_head,
    refuse_non_text,
    title_text,
)
from ipseval.ingest.trailers import trailer_count

MAX_ROWS = 50_000  # rows looked at per table: plenty to see every code and date format
# Excel date serial numbers from 1 January 1950 to 31 December 2049.
SERIAL_RANGE = (18264, 54789)
_IGNORED_FILES = {"ipseval.toml", "thumbs.db", "desktop.ini"}
TEXT_ROWS = 500  # rows of a text sheet read for code lookups
_IGNORED_SHEETS = {"readme", "notes", "lists", "instructions"}


@dataclass
class LocalColumn:
    """One column of a local table: its header and its non-blank cells as text."""

    name: str
    values: list[str] = field(default_factory=list)
    date_cells: int = 0  # workbook cells stored as dates (in ``values`` as YYYY-MM-DD)
    serial_cells: int = 0  # workbook number cells in the range of date serial numbers
    no_header: bool = False  # its header cell is blank: named "(column N, no header)"


@dataclass
class LocalTable:
    """One file or sheet of the export."""

    name: str  # the file name (with .csv) or the sheet name, as [mapping.tables] keys it
    columns: list[LocalColumn]
    rows: int  # rows holding any value (blank rows are not counted)
    truncated: bool = False  # only the first MAX_ROWS rows were looked at
    notes: list[str] = field(default_factory=list)  # how it was read: separator, title rows left out
    titles: tuple[str, ...] = ()  # the title rows above the header, as text
    footers: tuple[str, ...] = ()  # the one-cell lines of words below the rows (a report's footer)
    separator: str | None = None  # what separates a CSV file's columns (None: a sheet)


@dataclass
class LocalExport:
    source: Path
    workbook: bool  # one workbook (else a folder of CSV files)
    tables: list[LocalTable]
    skipped: list[str] = field(default_factory=list)  # files or sheets not read, and why
    texts: list[tuple[str, str]] = field(default_factory=list)  # (sheet, line) of text-only sheets


def read_export(path: str | Path) -> LocalExport:
    """Every table of a folder of CSV files or of one .xlsx workbook (InputError if unreadable)."""
    p = Path(path).expanduser()
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    if p.is_dir():
        return _read_folder(p)
    if p.suffix.lower() in EXCEL_SUFFIXES:
        what = describe(p, read_head(p), ".xlsx")
        if what is not None:
            raise InputError(f"{p.name}: this is {what}")
        return _read_workbook(p)
    raise InputError(f"{p.name}: give a folder of CSV files or an .xlsx workbook")


def _read_folder(folder: Path) -> LocalExport:
    tables: list[LocalTable] = []
    skipped: list[str] = []
    texts: list[tuple[str, str]] = []
    for p in sorted(folder.iterdir(), key=lambda q: q.name.lower()):
        if p.name.startswith((".", "~$")) or p.name.lower() in _IGNORED_FILES or p.is_dir():
            continue
        notes = p.suffix.lower() in _NOTES_SUFFIXES
        if notes and p.suffix.lower() not in TEXT_SUFFIXES:
            texts += [(p.name, line) for line in _notes_lines(p)]  # a README may say the data cut
        if p.suffix.lower() not in TEXT_SUFFIXES:
            why = (
                "a workbook in a folder is not read: give its path"
                if p.suffix.lower() in EXCEL_SUFFIXES
                else ""
            )
            skipped.append(f"{p.name} ({why or 'not a CSV file'})")
            continue
        check_link(p, folder)
        table = _read_csv(p)
        if table is None:
            skipped.append(f"{p.name} (empty)")
        elif p.suffix.lower() != ".csv" and not _is_table(table):
            skipped.append(f"{p.name} (text, not a table: fewer than two columns or ragged lines)")
            if notes:  # a README.txt: its lines may say the data cut or explain codes
                texts += [(p.name, line) for line in _notes_lines(p)]
        else:  # a .txt file read as a table: its data rows are never lookup or note text
            tables.append(table)
    if not tables:
        raise InputError(f"{folder}: no CSV files with a header row found")
    return LocalExport(source=folder, workbook=False, tables=tables, skipped=skipped, texts=texts)


def _read_csv(path: Path) -> LocalTable | None:
    head = read_head(path)
    refuse_non_text(path, head)
    try:
        with as_utf8(path, head) as text:
            return _read_text(path.name, text.path)
    except (NotUtf8, UnicodeDecodeError):
        with as_windows_1252(path) as text:
            return _read_text(path.name, text.path)


def _read_text(name: str, path: Path) -> LocalTable | None:
    layout, _ = csv_layout(path, name)
    table = _rows_to_table(name, _csv_rows(path, layout), layout)
    return None if table is None else replace(table, separator=layout.separator)


def _csv_rows(path: Path, layout: Layout) -> list[list[Any]]:
    """The header and the rows below it (title lines skipped)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        for _ in range(layout.title_lines):
            f.readline()
        rows = []
        for i, row in enumerate(csv.reader(f, delimiter=layout.separator)):
            if i > MAX_ROWS + 1:  # one row past the limit says the table was cut
                break
            rows.append(row)
        return rows


def _read_workbook(path: Path) -> LocalExport:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # a broken or protected file fails in many ways inside openpyxl
        raise InputError(f"{path.name}: cannot be opened as an .xlsx workbook ({type(e).__name__})") from None
    tables: list[LocalTable] = []
    skipped: list[str] = []
    texts: list[tuple[str, str]] = []
    try:
        for ws in wb.worksheets:
            ws.reset_dimensions()
            rows = [
                list(r)
                for _, r in zip(
                    range(MAX_ROWS + 2 + MAX_TITLES), ws.iter_rows(values_only=True), strict=False
                )
            ]
            if ws.title.strip().lower() in _IGNORED_SHEETS:
                skipped.append(f"{ws.title} (instructions sheet)")
                texts += [(ws.title, line) for line in _text_lines(rows)]
                continue
            if _text_only(rows):
                skipped.append(f"{ws.title} (text only: read for code lookups and the data cut)")
                texts += [(ws.title, line) for line in _text_lines(rows)]
                continue
            if _label_sheet(rows):
                skipped.append(
                    f"{ws.title} (labels and values, a report's parameters: read for the data cut)"
                )
                texts += [(ws.title, line) for line in _label_lines(rows)]
                continue
            k = header_index(rows)
            layout = Layout(titles=tuple(title_text(r) for r in rows[:k]))
            table = _rows_to_table(ws.title, rows[k : k + MAX_ROWS + 2], layout)
            if table is None:
                skipped.append(f"{ws.title} (empty)")
            else:
                tables.append(table)
    finally:
        wb.close()
    if not tables:
        raise InputError(f"{path.name}: every sheet is empty")
    return LocalExport(source=path, workbook=True, tables=tables, skipped=skipped, texts=texts)


def _text_lines(rows: list[list[Any]]) -> list[str]:
    """Each row's text cells joined (blank rows kept as '' to end a list of codes)."""
    return [" ".join(str(v).strip() for v in r if not _blank(v)) for r in rows[:TEXT_ROWS]]


def _text_only(rows: list[list[Any]]) -> bool:
    """A sheet of lines of text (a cover sheet, notes): each row holds at most one cell."""
    filled = [[v for v in r if not _blank(v)] for r in rows[:TEXT_ROWS]]
    lines = [f for f in filled if f]
    prose = any(isinstance(f[0], str) and len(f[0]) >= 30 for f in lines)
    return len(lines) >= 2 and all(len(f) == 1 for f in lines) and prose


LABEL_ROWS = 30  # a report's parameters sheet is short


def _label_sheet(rows: list[list[Any]]) -> bool:
    """A report's cover of labels and values ('Run date/time | 15/01/2024 09:42'): short, each row
    at most a label and a value, most of them both; no table."""
    filled = [[v for v in r if not _blank(v)] for r in rows[: LABEL_ROWS + 1]]
    lines = [f for f in filled if f]
    # labels are words ('Run date/time'), not a lookup's codes ('M | Male', '01 | Self-referral')
    pairs = [f for f in lines if len(f) == 2 and isinstance(f[0], str) and 3 < len(f[0].strip()) <= 40]
    return (
        len(rows) <= LABEL_ROWS
        and all(len(f) <= 2 for f in lines)
        and len(pairs) >= max(3, len(lines) // 2 + 1)
    )


def _label_lines(rows: list[list[Any]]) -> list[str]:
    """Each row as 'label: value', a date value written day first."""

    def text(v: Any) -> str:
        return v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else str(v).strip()

    return [": ".join(text(v) for v in r if not _blank(v)) for r in rows[:LABEL_ROWS]]


def _rows_to_table(name: str, rows: list[list[Any]], layout: Layout) -> LocalTable | None:
    """Header in the first row (title rows above it already left out, as the reader leaves them
    out); fully blank rows are left out."""
    if not rows or all(_blank(v) for v in rows[0]):
        return None
    header = rows[0]
    width = max(len(r) for r in rows)
    columns = [
        LocalColumn(_header_text(header, i), no_header=_blank(header[i] if i < len(header) else None))
        for i in range(width)
    ]
    n, totals = 0, []
    body = [row for row in rows[1 : MAX_ROWS + 1] if not all(_blank(v) for v in row)]
    footers = _footer(body, width) if len(rows) <= MAX_ROWS + 1 else []
    for row in body[: len(body) - len(footers)]:
        first = next(v for v in row if not _blank(v))
        if is_summary_text(first):  # a totals row: validate leaves it out (and checks its totals)
            totals.append(str(first).strip())
            continue
        n += 1
        for col, v in zip(columns, row, strict=False):
            if not _blank(v):
                _add_cell(col, v)
    kept = [
        c
        for i, c in enumerate(columns)
        if not (_blank(header[i] if i < len(header) else None) and not c.values)
    ]
    return LocalTable(
        name=name,
        columns=kept,
        rows=n,
        truncated=len(rows) > MAX_ROWS + 1,
        notes=layout.notes() + _totals_note(totals) + _footer_note(footers),
        titles=tuple(layout.titles),
        footers=tuple(footers),
    )


def _footer(body: list[list[Any]], width: int) -> list[str]:
    """The lines below a table's rows that fill one cell with words ('Generated By: ...', a
    copyright line, a note on the figures), as CRM reports and hand-kept sheets end: not records."""
    lines: list[str] = []
    for row in reversed(body):
        cells = [str(v).strip() for v in row if not _blank(v)]
        if not lines and trailer_count(cells) is not None:  # a record-count line (ingest.trailers)
            lines.append(" ".join(cells))
            continue
        if width < 3 or len(cells) != 1 or not re.search(r"[A-Za-z]{2,}\W+\S", cells[0]):
            break
        lines.append(cells[0])
    return lines[::-1]


def _footer_note(footers: list[str]) -> list[str]:
    if not footers:
        return []
    n = len(footers)
    return [
        f"{n} line{'s' if n != 1 else ''} of words below the rows (a footer, from '{footers[0][:40]}') not read as records"
    ]


def _totals_note(totals: list[str]) -> list[str]:
    """How the totals rows were read: not as records (ingest.note_rows), their totals checked
    against the rows they add up (ingest.totals)."""
    if not totals:
        return []
    n, shown = len(totals), ", ".join(f"'{t[:40]}'" for t in dict.fromkeys(totals))
    return [
        f"{n} totals row{'s' if n != 1 else ''} ({shown}) {'are not records' if n != 1 else 'is not a record'}: "
        f"validate leaves {'them' if n != 1 else 'it'} out and checks each total against the rows it adds up"
    ]


def _header_text(header: list[Any], i: int) -> str:
    v = header[i] if i < len(header) else None
    if _blank(v):
        return f"(column {i + 1}, no header)"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _add_cell(col: LocalColumn, v: Any) -> None:
    """A cell as the text a CSV export would hold; dates and date serial numbers counted."""
    if isinstance(v, bool):
        col.values.append("true" if v else "false")
    elif isinstance(v, datetime | date):
        col.date_cells += 1
        col.values.append((v.date() if isinstance(v, datetime) else v).isoformat())
    elif isinstance(v, time | timedelta):
        col.values.append(str(v))
    elif isinstance(v, int | float):
        if SERIAL_RANGE[0] <= v <= SERIAL_RANGE[1] and float(v).is_integer():
            col.serial_cells += 1
        col.values.append(str(int(v)) if float(v).is_integer() else f"{v:.15g}")
    else:
        col.values.append(str(v).strip())


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _is_table(table: LocalTable) -> bool:
    """A .txt file is read as a table only when it looks like one: two or more named columns of
    short names, and rows below them that fill two cells or more on average (the lines of a README
    or notes file, split at a comma here and there, do not)."""
    named = [c for c in table.columns if not c.no_header]
    cells = sum(len(c.values) for c in table.columns)
    short = all(len(c.name) <= 80 for c in named)
    return len(named) >= 2 and table.rows >= 1 and short and cells >= 2 * table.rows


_NOTES_SUFFIXES = (".txt", ".md")
_NOTES_LINES = 200


def _notes_lines(path: Path) -> list[str]:
    """The first lines of a notes file (README.txt beside the export), for the data cut it states;
    none when it cannot be read as text."""
    head = read_head(path)
    try:
        with as_utf8(path, head) as text, text.path.open(encoding="utf-8-sig", errors="replace") as f:
            return [line.rstrip("\r\n") for _, line in zip(range(_NOTES_LINES), f, strict=False)]
    except (NotUtf8, InputError, OSError, UnicodeDecodeError):
        return []
