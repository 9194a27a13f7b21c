"""Read a service's records (a folder of CSV files or one .xlsx workbook) into raw string tables.

Ingest never judges: it finds the tables and columns of the data standard (via the settings'
mapping), reads every cell as text and numbers rows as the user sees them. ``ipseval.validate``
decides what is usable. Only problems that make reading impossible raise :class:`InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from ipseval.settings import Settings

__all__ = [
    "EXCEL_ERRORS",
    "CellProblem",
    "InputError",
    "RawDataset",
    "RawTable",
    "SetAside",
    "SettingsError",
    "read_source",
]

SAVE_AS_UTF8 = "in Excel use File › Save As › 'CSV UTF-8 (Comma delimited) (*.csv)'"
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
# text tables: a CSV, or a tab- or bar-separated file saved as .txt or .tsv (Excel's "Unicode Text")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")
OTHER_SPREADSHEETS = (".xls", ".xlsb", ".ods", ".numbers")
# What Excel shows in a cell whose formula failed; saved as text in a CSV export. A cell holding one
# is a problem, never a blank: the value it should hold is unknown, not missing.
EXCEL_ERRORS = (
    "#N/A",
    "#VALUE!",
    "#REF!",
    "#DIV/0!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
)


class InputError(Exception):
    """Input that cannot be read at all. ``str(e)`` is one plain line naming the file (CLI exits 2).

    Raised by validate when no clients row is usable; it then carries ``e.dataset`` (the
    ValidatedDataset with every problem) so a problem report can still be written.
    """

    dataset = None


class SettingsError(InputError):
    """Settings that cannot apply to the data read (a key naming no column of its file): the whole
    run stops, as for any settings problem, even when the table it is about is optional."""


@dataclass(frozen=True)
class CellProblem:
    """A cell that could be read but not trusted (e.g. a formula with no saved result, a ragged row).

    Validate turns each error into a problem that excludes the row. A problem about the whole file
    (``row`` None, e.g. the text encoding it was read in) excludes nothing. ``cell`` (a wide file's
    rows, see RawTable) narrows it to the one long row read from that cell; ``file`` names the file
    when a table is read from several.
    """

    row: int | None
    column: str | None
    value: str | None
    expected: str
    message: str
    severity: str = "error"
    cell: str | None = None
    file: str | None = None


@dataclass
class RawTable:
    """One standard table as read: every column text, named by the standard.

    ``frame`` holds the standard columns present in the file (pl.Utf8; surrounding spaces removed,
    blank cells null) plus ``_row`` (Int64, the row number as the user sees it: header = row 1).
    Fully empty rows are already dropped. A table read from wide files may add ``_cell`` (the column
    of the file the row's value came from, e.g. "column 'Psych Health'", said in its problems) and
    ``_file`` (the file or sheet of each row, when several files give the table).
    """

    name: str
    file: str
    frame: pl.DataFrame
    unused_columns: list[str] = field(default_factory=list)
    read_problems: list[CellProblem] = field(default_factory=list)
    # What a look at the file's bytes ruled out, so validate can skip a check on every cell:
    may_hold_controls: bool = True  # a control character or line break inside some cell
    may_hold_excel_errors: bool = True  # a cell starting with "#"
    may_hold_invisible: bool = True  # a character outside ASCII (a zero-width or no-break space)
    # A wide file's item cells whose value is mapped to "" (not recorded): no row, like a blank cell.
    # Column -> the values so left out with their cells (so validate does not call them unused).
    no_row: dict[str, dict[str, int]] = field(default_factory=dict)
    # The files of a table given in parts (ingest.split_files), each row's in ``_file``; () for one.
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class SetAside:
    """An optional table that could not be read (a required column missing, a file that cannot be
    parsed): left out whole, so that the other tables are still read and checked."""

    table: str
    file: str
    reason: str  # the reader's own words: what is wrong and what to do


@dataclass
class RawDataset:
    source: Path
    tables: dict[str, RawTable]
    interviews_dir: Path | None = None
    unused_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_out_files: list[str] = field(default_factory=list)  # mapped to [] in [mapping.tables]
    set_aside: list[SetAside] = field(default_factory=list)

    def set_aside_or_raise(self, table: str, file: str, error: InputError) -> None:
        """Set an optional table aside with the reader's message; a required one stops the run."""
        from ipseval.schema import TABLES

        if TABLES[table].required or isinstance(error, SettingsError):
            raise error
        self.set_aside.append(SetAside(table, file, str(error)))


def read_source(path: str | Path, settings: Settings) -> RawDataset:
    """Read a folder of CSV files or one Excel workbook. Raises InputError if it cannot be read."""
    from ipseval.ingest.fill_down import check_fill_down, fill_down
    from ipseval.ingest.mapping import add_fixed_columns, check_mapping
    from ipseval.ingest.row_kinds import check_kinds_found, share_unused
    from ipseval.ingest.unapplied import unapplied_notes

    check_mapping(settings)
    check_fill_down(settings)
    dataset = _read_source(path, settings)
    if settings.mapping.wide:
        from ipseval.ingest.wide import read_wide

        read_wide(dataset, settings)
    check_kinds_found(dataset, settings)
    dataset.notes += unapplied_notes(dataset, settings)
    share_unused(dataset, settings)
    for raw in dataset.tables.values():
        add_fixed_columns(raw, settings)
    fill_down(dataset, settings)
    return dataset


def _read_source(path: str | Path, settings: Settings) -> RawDataset:
    p = Path(path).expanduser()
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    if p.is_dir():
        from ipseval.ingest.csv import read_folder

        return read_folder(p, settings)
    suffix = p.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        from ipseval.ingest.excel import read_workbook
        from ipseval.ingest.sniff import check_size, describe, read_head

        check_size(p, settings.input)
        what = describe(p, read_head(p), ".xlsx")
        if what is not None:
            raise InputError(f"{p.name}: this is {what}")
        return read_workbook(p, settings)
    if suffix in OTHER_SPREADSHEETS:
        raise InputError(
            f"{p.name}: {suffix} workbooks cannot be read; open it in Excel and save it as "
            "'Excel Workbook (.xlsx)', or save each sheet as 'CSV UTF-8' into one folder"
        )
    if suffix == ".csv":
        raise InputError(
            f"{p.name}: give the folder that holds the CSV files (clients.csv, meetings.csv, ...), "
            f"not one file: {p.parent}"
        )
    raise InputError(
        f"{p.name}: unsupported file type '{suffix or '(none)'}'; give a folder of CSV files or an .xlsx workbook"
    )
