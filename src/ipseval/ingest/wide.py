"""Read a file laid out one column per item (settings ``[mapping.wide.<table>]``) into a long table.

An export often keeps one TOP form, or one IPS-25 review, per row with a column per measure or item;
the standard holds these tables long (one row per measure / item). Each listed item column of each row
becomes one row of the standard table, carrying the row's id columns, the measure or item number its
column stands for and the cell's value. A blank cell is no row (not recorded, not a problem), and so
is a cell whose value the settings map to "" ('-' or 'NR' on a TOP form: [mapping.codes.wellbeing.score]
"-" = ""), said in a read note. Row
numbers stay those of the original file, so every problem points at the row the user sees; columns
listed nowhere are reported as not used. The same file may also give the areas table (the distinct
rows of the columns listed in ``areas``), as when each review row repeats its area's details.

The file is read by the ordinary readers (encoding, separators, title lines, note rows, Excel cells
all as for any other table), once for the id columns and once per item column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest import EXCEL_SUFFIXES, CellProblem, InputError, RawDataset, RawTable
from ipseval.ingest.mapping import SUPPLIED, code_map, norm_name, table_key
from ipseval.schema import TABLES

if TYPE_CHECKING:
    from ipseval.settings import Settings, WideTable

# Standard tables that may be read wide: table -> (the column the item column's name gives, the
# column its cells give, columns given as constants).
WIDE_TABLES: dict[str, tuple[str, str]] = {"wellbeing": ("measure", "score"), "fidelity": ("item", "score")}


def check_wide(settings: Settings) -> None:
    """Fail early (InputError) on a ``[mapping.wide]`` entry that cannot be read."""
    for table, wide in settings.mapping.wide.items():
        where = f"settings [mapping.wide.{table}]"
        if table not in WIDE_TABLES:
            raise InputError(
                f"{where}: '{table}' cannot be read wide; the tables that can are {', '.join(WIDE_TABLES)}"
            )
        key_col, value_col = WIDE_TABLES[table]
        names = TABLES[table].read_names
        for local, target in wide.columns.items():
            if target not in names or target in (key_col, value_col):
                raise InputError(
                    f"{where}.columns: '{local}' = '{target}': '{target}' is not a column of {table} that "
                    f"a wide file keeps on every row ({', '.join(n for n in names if n not in (key_col, value_col))})"
                )
        if not wide.items:
            raise InputError(f"{where}: list the item columns in [mapping.wide.{table}.items]")
        for local, target in wide.items.items():
            if table == "fidelity" and not (str(target).strip().isdigit() and 1 <= int(target) <= 25):
                raise InputError(f"{where}.items: '{local}' = '{target}': an IPS-25 item is a number 1 to 25")
            if not str(target).strip():
                raise InputError(f"{where}.items: '{local}' has no {key_col}")
        if wide.instrument is not None and table != "wellbeing":
            raise InputError(f"{where}: instrument applies to wellbeing only")
        if table == "wellbeing" and not wide.instrument and "instrument" not in wide.columns.values():
            raise InputError(
                f'{where}: give the instrument (e.g. instrument = "TOP") or map the file\'s instrument column'
            )
        for local, target in wide.areas.items():
            if target not in TABLES["areas"].read_names:
                raise InputError(
                    f"{where}.areas: '{local}' = '{target}': '{target}' is not a column of areas "
                    f"({', '.join(TABLES['areas'].read_names)})"
                )
        if wide.areas and "local_authority" not in wide.areas.values():
            raise InputError(f"{where}.areas: map the column that names the area to 'local_authority'")
        others = [
            t
            for t, w in settings.mapping.wide.items()
            if t != table and table_key(w.file) == table_key(wide.file)
        ]
        if others:
            raise InputError(
                f"{where}: '{wide.file}' is also the wide file of {others[0]}; one file gives one table"
            )


def read_wide(dataset: RawDataset, settings: Settings) -> None:
    """Add the tables of the settings' wide files to ``dataset`` (read from its folder or workbook)."""
    for table, wide in settings.mapping.wide.items():
        reader = _reader(dataset, wide.file)
        if reader is None:
            raise InputError(
                f"settings [mapping.wide.{table}]: no file or sheet '{wide.file}' in {dataset.source.name}"
                + (f" (found: {', '.join(dataset.unused_files)})" if dataset.unused_files else "")
            )
        label, read, unused_entry = reader
        for name in (table, "areas") if wide.areas else (table,):
            if name in dataset.tables:
                raise InputError(
                    f"{label}: both {dataset.tables[name].file} and {label} give the {name} table; keep only one"
                )
        long, areas = _read(table, wide, settings, read, label)
        if unused_entry in dataset.unused_files:
            dataset.unused_files.remove(unused_entry)
        if long is not None:
            dataset.tables[table] = long
        if areas is not None:
            dataset.tables["areas"] = areas


Read = Callable[..., RawTable | None]  # (settings, table, column mapping, supplied columns)


def _reader(dataset: RawDataset, file: str) -> tuple[str, Read, str] | None:
    """How to read ``file`` of the data set: its label, a reader (table, column mapping, supplied
    columns -> RawTable) and its entry in the data set's unused files."""
    key = table_key(file)
    source = dataset.source
    if source.is_dir():
        path = next(
            (p for p in sorted(source.iterdir()) if p.suffix.lower() == ".csv" and table_key(p.stem) == key),
            None,
        )
        if path is None:
            return None
        from ipseval.ingest.csv import read_csv_table

        def read_csv(
            settings: Settings, table: str, columns: dict[str, str], supplied: frozenset[str]
        ) -> RawTable | None:
            with _only(settings, columns, table, supplied) as s:
                return read_csv_table(path, table, s)

        return path.name, read_csv, path.name
    if source.suffix.lower() in EXCEL_SUFFIXES:
        return _sheet_reader(source, key)
    return None


def _sheet_reader(path: Path, key: str) -> tuple[str, Read, str] | None:
    import zipfile

    import openpyxl

    from ipseval.ingest.excel import SEP, _read_sheet

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        title = next((ws.title for ws in wb.worksheets if table_key(ws.title) == key), None)
    finally:
        wb.close()
    if title is None:
        return None

    def read_sheet(
        settings: Settings, table: str, columns: dict[str, str], supplied: frozenset[str]
    ) -> RawTable | None:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            with zipfile.ZipFile(path) as archive, _only(settings, columns, table, supplied) as s:
                return _read_sheet(path, book[title], archive, table, s, book.epoch)
        finally:
            book.close()

    label = f"{path.name}{SEP}{title}"
    return label, read_sheet, label


@contextmanager
def _only(
    base: Settings, columns: dict[str, str], table: str, supplied: frozenset[str]
) -> Iterator[Settings]:
    """Settings whose mapping for ``table`` is ``columns``, while ``supplied`` columns need no column."""
    mapping = base.mapping.model_copy(update={"columns": {**base.mapping.columns, table: columns}})
    token = SUPPLIED.set(supplied)
    try:
        yield base.model_copy(update={"mapping": mapping})
    finally:
        SUPPLIED.reset(token)


def _read(
    table: str, wide: WideTable, settings: Settings, read: Read, label: str
) -> tuple[RawTable | None, RawTable | None]:
    key_col, value_col = WIDE_TABLES[table]
    supplied = frozenset({key_col, value_col} | ({"instrument"} if wide.instrument else set()))
    ids = read(settings, table, dict(wide.columns), supplied)
    if ids is None:
        return None, None
    listed = {norm_name(k) for k in (*wide.columns, *wide.items, *wide.areas)}
    found = {norm_name(c) for c in ids.unused_columns} | {norm_name(k) for k in wide.columns}
    absent = [k for k in wide.items if norm_name(k) not in found]
    if absent:
        raise InputError(
            f"{label}: [mapping.wide.{table}.items] names "
            + ", ".join(f"'{k}'" for k in absent)
            + f", not a column of the file (columns: {', '.join([*wide.columns, *ids.unused_columns])})"
        )
    parts: list[pl.DataFrame] = []
    problems = list(ids.read_problems)
    not_recorded = {k for k, v in code_map(settings, table, value_col).items() if not v}
    no_row: dict[str, int] = {}
    flags = [ids.may_hold_controls, ids.may_hold_excel_errors, ids.may_hold_invisible]
    for local, target in wide.items.items():
        one = read(settings, table, {**wide.columns, local: value_col}, frozenset(supplied - {value_col}))
        assert one is not None
        problems += [_named(p, local) for p in one.read_problems if p.column == value_col]
        flags = [
            a or b
            for a, b in zip(
                flags, (one.may_hold_controls, one.may_hold_excel_errors, one.may_hold_invisible), strict=True
            )
        ]
        cells = one.frame.filter(pl.col(value_col).is_not_null())
        cells = _not_recorded_left_out(cells, value_col, not_recorded, no_row)
        parts.append(cells.with_columns(pl.lit(str(target).strip(), dtype=pl.Utf8).alias(key_col)))
    frame = pl.concat(parts, how="diagonal") if parts else ids.frame.clear()
    if wide.instrument:
        frame = frame.with_columns(pl.lit(wide.instrument, dtype=pl.Utf8).alias("instrument"))
    order = {c: k for k, c in enumerate(TABLES[table].read_names)}
    columns = sorted((c for c in frame.columns if c != "_row"), key=lambda c: order[c])
    frame = frame.with_row_index("_k").sort("_row", "_k", maintain_order=True).select(*columns, "_row")
    unused = [c for c in ids.unused_columns if norm_name(c) not in listed]
    long = RawTable(
        name=table,
        file=label,
        frame=frame,
        unused_columns=unused,
        read_problems=problems,
        may_hold_controls=flags[0],
        may_hold_excel_errors=flags[1],
        may_hold_invisible=flags[2],
        no_row={value_col: no_row} if no_row else {},
    )
    areas = None
    if wide.areas:
        a = read(settings, "areas", dict(wide.areas), frozenset())
        if a is not None:
            cols = [c for c in a.frame.columns if c != "_row"]
            distinct = a.frame.filter(pl.any_horizontal(pl.col(cols).is_not_null())).unique(
                cols, keep="first", maintain_order=True
            )
            areas = RawTable(
                name="areas",
                file=label,
                frame=distinct,
                read_problems=[p for p in a.read_problems if p.column in cols],
            )
    return long, areas


def _not_recorded_left_out(
    cells: pl.DataFrame, column: str, not_recorded: set[str], counts: dict[str, int]
) -> pl.DataFrame:
    """``cells`` without those whose value is mapped to "" (matched as codes are), counted by value."""
    if not not_recorded or not cells.height:
        return cells
    values = [v for v in cells[column].unique().to_list() if norm_name(v) in not_recorded]
    if not values:
        return cells
    out = cells[column].is_in(values)
    for v, n in cells.filter(out)[column].value_counts().iter_rows():
        counts[v] = counts.get(v, 0) + n
    return cells.filter(~out)


def _named(problem: CellProblem, local: str) -> CellProblem:
    """A read problem of an item cell, saying which column of the wide file it came from."""
    from dataclasses import replace

    return replace(problem, message=f"column '{local}': {problem.message}")
