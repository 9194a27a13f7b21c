"""Read a folder of CSV files: one ``<table>.csv`` per table of the standard.

The fast path reads each file with polars as text only (no type guessing, so no row is lost).
A file polars cannot split cleanly (ragged rows, a stray quote) is re-read with Python's csv
module so the offending rows can be named; that path is slower but only runs on broken files.
Cells are trimmed only in columns where a quick look at the file shows some cell could need it.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest import EXCEL_SUFFIXES, CellProblem, InputError, RawDataset, RawTable
from ipseval.ingest.mapping import resolve_columns, resolve_table
from ipseval.schema import TABLES

if TYPE_CHECKING:
    from ipseval.settings import Settings

SAVE_AS_UTF8 = "in Excel use File › Save As › 'CSV UTF-8 (Comma delimited) (*.csv)'"
_IGNORED_FILES = {"ipseval.toml", "thumbs.db", "desktop.ini"}
_INDEX = "__ipseval_row__"
_BATCH = 500_000
_SCAN_CHUNK = 1 << 22  # bytes per read when looking for padding
# Bytes other than a space that may make a cell start or end with whitespace, or be blank text "".
_PADDING = (b"\t", b"\x0b", b"\x0c", b'"')


def read_folder(folder: Path, settings: Settings) -> RawDataset:
    """Read every standard table found in ``folder``; anything else is listed as unused."""
    found: dict[str, Path] = {}
    unused_files: list[str] = []
    notes: list[str] = []
    interviews_dir: Path | None = None
    workbooks: list[str] = []
    for p in sorted(folder.iterdir(), key=lambda q: q.name.lower()):
        name = p.name
        if name.startswith((".", "~$")) or name.lower() in _IGNORED_FILES:
            continue
        if p.is_dir():
            if name.lower() == "interviews":
                interviews_dir = p
            else:
                unused_files.append(name + "/")
            continue
        if p.suffix.lower() != ".csv":
            if p.suffix.lower() in EXCEL_SUFFIXES:
                workbooks.append(name)
            unused_files.append(name)
            continue
        table = resolve_table(p.stem, settings)
        if table is None:
            unused_files.append(name)
            continue
        if table in found:
            raise InputError(
                f"{name}: both {found[table].name} and {name} give the {table} table; keep only one"
            )
        found[table] = p

    for t in TABLES.values():
        if t.required and t.name not in found:
            csvs = [n for n in unused_files if n.lower().endswith(".csv")]
            seen = ", ".join(csvs) if csvs else "no CSV files"
            hint = (
                f"; to read the workbook give its path instead: {folder / workbooks[0]}"
                if workbooks and not csvs
                else f"; name it {t.name}.csv or map your file name in the settings [mapping.tables]"
            )
            raise InputError(f"{t.name}.csv: not found in {folder} (found: {seen}){hint}")

    tables: dict[str, RawTable] = {}
    for table, p in found.items():
        raw = read_csv_table(p, table, settings)
        if raw is None:
            notes.append(f"{p.name} is empty and was ignored")
        else:
            tables[table] = raw
    return RawDataset(
        source=folder,
        tables=tables,
        interviews_dir=interviews_dir,
        unused_files=unused_files,
        notes=notes,
    )


def read_csv_table(path: Path, table: str, settings: Settings) -> RawTable | None:
    """Read one CSV file as the standard table ``table``; None if the file is empty (optional table)."""
    name = path.name
    try:
        with path.open("rb") as f:
            head = f.read(64)
    except OSError as e:
        raise InputError(f"{name}: cannot be opened ({e.strerror or e})") from None
    if (
        not head.removeprefix(b"\xef\xbb\xbf").strip()
        and not path.read_bytes().removeprefix(b"\xef\xbb\xbf").strip()
    ):
        if TABLES[table].required:
            raise InputError(f"{name}: the file is empty (a header row is needed at least)")
        return None
    if head.startswith(b"PK\x03\x04"):
        raise InputError(
            f"{name}: this is an Excel workbook renamed to .csv; {SAVE_AS_UTF8}, or give ipseval the workbook"
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{name}: the file is saved as UTF-16 ('Unicode Text'), not UTF-8; {SAVE_AS_UTF8}")

    header = _read_header(path)
    if not any(h.strip() for h in header):
        raise InputError(f"{name}: the first row is blank; the first row must hold the column names")
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "semicolons" if ";" in header[0] else "tabs"
        raise InputError(f"{name}: the columns are separated by {sep}, not commas; {SAVE_AS_UTF8}")

    match = resolve_columns(table, header, settings, name, lambda i: f"header cell {i + 1} is blank")
    positional = [f"_c{i}" for i in range(len(header))]
    problems: list[CellProblem] = []
    trim = positional
    try:
        # The row number comes from the parser itself: added afterwards, its chunks would not line
        # up with the string columns and polars would copy every string to realign them.
        df = pl.read_csv(
            path,
            has_header=True,
            infer_schema=False,
            encoding="utf8",
            raise_if_empty=False,
            row_index_name=_INDEX,
            row_index_offset=2,
        )
        if df.width - 1 != len(header):  # header parsed differently: let the careful reader decide
            raise pl.exceptions.ComputeError("header width differs")
        df = df.rename(dict(zip(df.columns[1:], positional, strict=True)))
        trim = _columns_to_trim(path, df, positional)
    except pl.exceptions.PolarsError as e:
        if "utf-8" in str(e).lower() or "utf8" in str(e).lower():
            raise _encoding_error(path) from None
        df, problems = _read_slow(path, len(header))
        df = df.with_columns(pl.int_range(2, df.height + 2, dtype=pl.Int64).alias(_INDEX))
    except OSError as e:
        raise InputError(f"{name}: cannot be read ({e.strerror or e})") from None

    df = _clean(df, trim)
    if positional and df.select(pl.all_horizontal(pl.col(c).is_null() for c in positional).any()).item():
        df = df.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in positional))

    unused = [label for _, label in sorted(match.unused.items())]
    for i in match.blank:
        n = df.height - df[positional[i]].null_count()
        if n:
            unused.append(f"(column {i + 1}: blank header, {n} value{'s' if n != 1 else ''})")
    order = {c: k for k, c in enumerate(TABLES[table].column_names)}
    cols = sorted(match.standard.items(), key=lambda kv: order[kv[1]])
    frame = df.select(*[pl.col(positional[i]).alias(std) for i, std in cols], "_row")
    return RawTable(name=table, file=name, frame=frame, unused_columns=unused, read_problems=problems)


def _clean(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Name the row number "_row"; in ``columns``, trim surrounding whitespace, then make blank cells null.

    Two passes on purpose: one when/then over freshly trimmed strings costs about three times as much.
    """
    df = df.with_columns(pl.col(_INDEX).cast(pl.Int64).alias("_row")).drop(_INDEX)
    if not columns:
        return df
    df = df.with_columns(pl.col(columns).cast(pl.Utf8).str.strip_chars())
    return df.with_columns(
        pl.when(pl.col(columns).str.len_bytes() == 0).then(None).otherwise(pl.col(columns)).name.keep()
    )


def _columns_to_trim(path: Path, df: pl.DataFrame, columns: list[str]) -> list[str]:
    """The columns that may hold a cell starting or ending with whitespace, or blank text.

    Trimming every cell of a big table costs ten times more than looking at the file's bytes.
    Below the header line, a file of plain ASCII with no tab, vertical tab, form feed or double
    quote, whose carriage returns all end lines (polars drops those), has no cell with a line
    break, and polars reads its empty cells as null. Then only spaces can pad a cell, and only
    the columns with a value starting or ending with one need trimming.
    """
    spaces = False
    with path.open("rb") as f:
        f.readline()  # the header row (and any byte-order mark) is read separately
        while chunk := f.read(_SCAN_CHUNK):
            if not chunk.isascii() or any(b in chunk for b in _PADDING):
                return columns
            if b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n"):
                return columns  # also when a chunk happens to end between \r and \n: trimming is safe
            spaces = spaces or b" " in chunk
    if not spaces or not columns:
        return []
    padded = df.select((pl.col(c).str.starts_with(" ") | pl.col(c).str.ends_with(" ")).any() for c in columns)
    return [c for c, yes in zip(columns, padded.row(0), strict=True) if yes]


def _read_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            return next(csv.reader(f), [])
    except UnicodeDecodeError:
        raise _encoding_error(path) from None
    except csv.Error as e:
        raise InputError(f"{path.name}: the header row cannot be read as CSV ({e})") from None


def _encoding_error(path: Path) -> InputError:
    data = path.read_bytes()
    where = ""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        where = f" (first bad byte 0x{data[e.start]:02X} on line {line})"
    return InputError(f"{path.name}: is not UTF-8 text{where}; {SAVE_AS_UTF8}")


def _read_slow(path: Path, width: int) -> tuple[pl.DataFrame, list[CellProblem]]:
    """Row-by-row reading that names ragged rows; used only when the fast reader fails.

    Rows are moved into polars every ``_BATCH`` rows so a big broken file does not hold
    millions of Python strings at once.
    """
    schema = {f"_c{i}": pl.Utf8 for i in range(width)}
    columns: list[list[str | None]] = [[] for _ in range(width)]
    batches: list[pl.DataFrame] = []
    problems: list[CellProblem] = []
    row = 1
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, strict=True)
        try:
            next(reader, None)
            start_line = reader.line_num + 1
            for values in reader:
                row += 1
                if len(values) > width and any(v.strip() for v in values[width:]):
                    extra = len(values) - width
                    problems.append(
                        CellProblem(
                            row=row,
                            column=None,
                            value=",".join(values[width:])[:80],
                            expected=f"{width} cells, as in the header row",
                            message=f"this row has {len(values)} cells but the header has {width} "
                            f"({extra} extra): a comma inside a value needs the whole value in double quotes",
                        )
                    )
                for i in range(width):
                    columns[i].append(values[i] if i < len(values) else None)
                start_line = reader.line_num + 1
                if len(columns[0]) >= _BATCH:
                    batches.append(pl.DataFrame(dict(zip(schema, columns, strict=True)), schema=schema))
                    columns = [[] for _ in range(width)]
        except UnicodeDecodeError:
            raise _encoding_error(path) from None
        except csv.Error as e:
            what = str(e)
            if "unexpected end of data" in what:
                raise InputError(
                    f"{path.name}: a double quote opened on line {start_line} (row {row + 1}) is never closed"
                ) from None
            raise InputError(
                f"{path.name}: line {reader.line_num} (row {row + 1}) cannot be read as CSV ({what}); "
                "a value containing quotes must be wrapped in double quotes with each inner quote doubled"
            ) from None
    batches.append(pl.DataFrame(dict(zip(schema, columns, strict=True)), schema=schema))
    return pl.concat(batches, rechunk=True), problems
