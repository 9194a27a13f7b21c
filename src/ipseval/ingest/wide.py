"""Read the files of the settings' ``[mapping.wide.<table>]`` entries into the standard's long tables.

An export often keeps one TOP form, or one IPS-25 review, per row with a column per measure or item
(layout "items_across", read here); the standard holds these tables long (one row per measure /
item). Each listed item column of each row becomes one row of the standard table, carrying the row's
id columns, the measure or item number its column stands for and the cell's value. A blank cell (or
one holding a word listed in ``blanks``, such as '-' or 'NR', or a value the settings map to ""
in [mapping.codes.<table>.<value column>]) is no row. Row numbers stay those of
the original file, so every problem points at the row the user sees, and each row keeps the column
it came from (``_cell``), which its problems name; columns listed nowhere are reported as not used.
A fidelity file's column of each review's total (``total``) is read only to check it against
the sum of the row's items (ingest.totals). The same file may also give the areas table (the distinct rows of the columns listed in ``areas``).
A fidelity sheet with the items down the side and one column per review (layout "items_down") is
read by :mod:`ipseval.ingest.wide_down`.

A table may have several wide files (a TOP sheet and a SURE sheet): each is read on its own and the
rows are put together, each keeping its file (``_file``) and row number for its problems. A file
that cannot be read (a column the settings name is not in it) is set aside with its reason, like an
optional table that cannot be read, and the other files and tables are still read.

The files are read by the ordinary readers (encoding, separators, title lines, note rows, Excel
cells all as for any other table), once for the id columns and once per item column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest import EXCEL_SUFFIXES, CellProblem, InputError, RawDataset, RawTable
from ipseval.ingest.mapping import SUPPLIED, code_map, norm_name, table_key
from ipseval.ingest.row_kinds import KIND_PREFIX
from ipseval.ingest.totals import row_totals
from ipseval.ingest.wide_settings import WIDE_TABLES, check_wide, entry_name
from ipseval.schema import TABLES

if TYPE_CHECKING:
    from ipseval.settings import Settings, WideTable

__all__ = ["WIDE_TABLES", "check_wide", "read_wide"]


def read_wide(dataset: RawDataset, settings: Settings) -> None:
    """Add the tables of the settings' wide files to ``dataset`` (read from its folder or workbook);
    a file that cannot be read is set aside (``dataset.set_aside``) with its reason."""
    for table, sources in settings.mapping.wide.items():
        parts: list[RawTable] = []
        for k, wide in enumerate(sources):
            for name in (table, "areas") if wide.areas else (table,):
                if name in dataset.tables:
                    raise InputError(
                        f"{wide.file}: both {dataset.tables[name].file} and {wide.file} give the {name} "
                        "table; keep only one"
                    )
            try:
                long, areas = _read_entry(dataset, table, wide, settings, entry_name(table, sources, k))
            except InputError as e:
                dataset.set_aside_or_raise(table, _label(dataset, wide.file), e)
                continue
            if long is not None:
                parts.append(long)
            if areas is not None:
                dataset.tables["areas"] = areas
        if parts:
            dataset.tables[table] = _together(table, parts)


def _label(dataset: RawDataset, file: str) -> str:
    from ipseval.ingest.excel import SEP

    source = dataset.source
    return file if source.is_dir() else f"{source.name}{SEP}{file}"


def _read_entry(
    dataset: RawDataset, table: str, wide: WideTable, settings: Settings, where: str
) -> tuple[RawTable | None, RawTable | None]:
    """One wide entry's long table (and areas table), InputError when it cannot be read."""
    if wide.layout == "items_down":
        from ipseval.ingest.grid import find_grid
        from ipseval.ingest.wide_down import read_items_down

        grid = find_grid(dataset.source, wide.file, settings)
        if grid is None:
            raise _not_found(dataset, wide.file, where)
        _now_used(dataset, grid.label)
        long, notes = read_items_down(grid, wide)
        dataset.notes += notes
        return long, None
    reader = _reader(dataset, wide.file)
    if reader is None:
        raise _not_found(dataset, wide.file, where)
    label, read, unused_entry = reader
    _now_used(dataset, unused_entry)
    try:
        if wide.blocks:  # one file, its columns repeated per review (ingest.wide_blocks)
            from ipseval.ingest.wide_blocks import read_blocks

            return read_blocks(table, wide, settings, read, label, dataset.notes, where, _read)
        return _read(table, wide, settings, read, label, dataset.notes, where)
    except InputError as e:  # the reader's advice names the long table's mapping: name this entry's
        raise InputError(str(e).replace(f"[mapping.columns.{table}]", f"{where} columns")) from None


def _not_found(dataset: RawDataset, file: str, where: str) -> InputError:
    found = f" (found: {', '.join(dataset.unused_files)})" if dataset.unused_files else ""
    return InputError(f"settings {where}: no file or sheet '{file}' in {dataset.source.name}{found}")


def _now_used(dataset: RawDataset, entry: str) -> None:
    if entry in dataset.unused_files:
        dataset.unused_files.remove(entry)


def _together(table: str, parts: list[RawTable]) -> RawTable:
    """The long tables of several wide files as one, each row keeping its file for its problems."""
    if len(parts) == 1:
        return parts[0]
    frame = pl.concat([p.frame.with_columns(pl.lit(p.file).alias("_file")) for p in parts], how="diagonal")
    order = {c: k for k, c in enumerate(TABLES[table].read_names)}
    columns = sorted((c for c in frame.columns if c in order), key=lambda c: order[c])
    return RawTable(
        name=table,
        file=", ".join(p.file for p in parts),
        frame=frame.select(*columns, *(c for c in frame.columns if c.startswith("_"))),
        unused_columns=[f"{c} ({p.file})" for p in parts for c in p.unused_columns],
        read_problems=[replace(x, file=x.file or p.file) for p in parts for x in p.read_problems],
        may_hold_controls=any(p.may_hold_controls for p in parts),
        may_hold_excel_errors=any(p.may_hold_excel_errors for p in parts),
        may_hold_invisible=any(p.may_hold_invisible for p in parts),
    )


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
    table: str,
    wide: WideTable,
    settings: Settings,
    read: Read,
    label: str,
    notes: list[str],
    where: str,
    named: frozenset[str] = frozenset(),
    block: str = "",
) -> tuple[RawTable | None, RawTable | None]:
    """One wide entry read long (and its areas). ``named``: id columns whose read problems start
    with the column's name (a block's own date); ``block``: the block read, said in its notes."""
    from ipseval.ingest.wide_down import blank_key

    key_col, value_col = WIDE_TABLES[table]
    supplied = frozenset({key_col, value_col} | ({"instrument"} if wide.instrument else set()))
    ids = read(settings, table, dict(wide.columns), supplied)
    if ids is None:
        return None, None
    listed = {norm_name(k) for k in (*wide.columns, *wide.items, *wide.areas, *filter(None, [wide.total]))}
    found = {norm_name(c) for c in ids.unused_columns} | {norm_name(k) for k in wide.columns}
    absent = [k for k in (*wide.items, *filter(None, [wide.total])) if norm_name(k) not in found]
    if absent:
        raise InputError(
            f"{label}: the items or total of {where} name "
            + ", ".join(f"'{k}'" for k in absent)
            + f", not a column of the file (columns: {', '.join([*wide.columns, *ids.unused_columns])})"
        )
    parts: list[pl.DataFrame] = []
    section = (f"[mapping.columns.{table}]", f"{where} columns")  # the ids' columns are this entry's
    problems = [
        _of_column(replace(p, message=p.message.replace(*section)), wide, named) for p in ids.read_problems
    ]
    not_recorded = {k for k, v in code_map(settings, table, value_col).items() if not v}
    no_row: dict[str, int] = {}
    flags = [ids.may_hold_controls, ids.may_hold_excel_errors, ids.may_hold_invisible]
    blanks, blanked = {blank_key(b) for b in wide.blanks}, 0
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
        word = pl.col(value_col).str.strip_chars().str.to_lowercase().is_in(list(blanks))
        blanked += one.frame.select(word.sum()).item() if blanks else 0
        cells = one.frame.filter(pl.col(value_col).is_not_null() & ~word)
        cells = _not_recorded_left_out(cells, value_col, not_recorded, no_row)
        parts.append(
            cells.with_columns(
                pl.lit(str(target).strip(), dtype=pl.Utf8).alias(key_col), pl.lit(_cell(local)).alias("_cell")
            )
        )
    if blanked:
        words = ", ".join(f"'{b}'" for b in wide.blanks)
        of = f"{where}, {block}" if block else where
        notes.append(f"{label}: {blanked} cells of {words} read as blank (blanks of {of})")
    frame = pl.concat(parts, how="diagonal") if parts else ids.frame.clear()
    if wide.total is not None:  # each row's written total, checked against its items (ingest.totals)
        total = read(
            settings, table, {**wide.columns, wide.total: value_col}, frozenset(supplied - {value_col})
        )
        assert total is not None
        totals = total.frame.select("_row", pl.col(value_col).alias("total"))
        problems += row_totals(totals, frame.select("_row", value_col), len(wide.items), wide.total)
    if wide.instrument:
        frame = frame.with_columns(pl.lit(wide.instrument, dtype=pl.Utf8).alias("instrument"))
    order = {c: k for k, c in enumerate(TABLES[table].read_names)}
    columns = sorted((c for c in frame.columns if c in order), key=lambda c: order[c])
    where = [c for c in ("_row", "_cell") if c in frame.columns]
    where += [c for c in frame.columns if c.startswith(KIND_PREFIX)]  # see ingest.row_kinds
    frame = frame.with_row_index("_k").sort("_row", "_k", maintain_order=True).select(*columns, *where)
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


def _of_column(problem: CellProblem, wide: WideTable, named: frozenset[str]) -> CellProblem:
    """A read problem of an id column listed in ``named``, saying which column of the file it is."""
    local = next((k for k, v in wide.columns.items() if k in named and v == problem.column), None)
    return problem if local is None else replace(problem, message=f"column '{local}': {problem.message}")


def _cell(local: str) -> str:
    """How a row read from the item column ``local`` names where it came from."""
    return f"column '{local}'"


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
    """A read problem of an item cell, saying which column of the wide file it came from (and
    excluding only the row read from that cell, not the others of its form)."""
    cell = _cell(local) if problem.row is not None else None
    return replace(problem, message=f"column '{local}': {problem.message}", cell=cell)
