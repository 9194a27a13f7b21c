"""Read a folder of CSV files: one ``<table>.csv`` per table of the standard.

Before parsing, a file is checked for what it really is (ingest.sniff), its text encoding
(ingest.encoding) and its limits (ingest.scan: one streaming pass over the bytes). The fast path
then reads it with polars as text only (no type guessing, so no row is lost). A file polars cannot
split cleanly (ragged rows, a stray quote), or whose counts of commas show a row with too few
cells, is re-read with Python's csv module so the offending rows can be named; that path is slower
but only runs on broken files. Cells are trimmed only in columns where the scan shows some cell
could need it.
"""

from __future__ import annotations

import csv
from dataclasses import astuple, dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest import (
    EXCEL_SUFFIXES,
    SAVE_AS_UTF8,
    TEXT_SUFFIXES,
    CellProblem,
    InputError,
    RawDataset,
    RawTable,
)
from ipseval.ingest import parts as parts_module
from ipseval.ingest.decimal_commas import read_decimal_commas
from ipseval.ingest.encoding import NotUtf8, TextFile, as_utf8, as_windows_1252
from ipseval.ingest.mapping import mapped_to_nothing, resolve_columns, resolve_table, resolve_tables
from ipseval.ingest.note_rows import (
    LETTER,
    TWO_WORDS,
    id_positions,
    is_note_row,
    leave_out_summaries,
    note_problem,
    required_positions,
    summary_candidates,
)
from ipseval.ingest.parts import Part, Place, as_categorical, data_start, part_files, plan
from ipseval.ingest.scan import ByteScan, count_below_header, lines_with_fewer_commas, scan_csv
from ipseval.ingest.sniff import (
    SEPARATORS,
    Layout,
    check_link,
    check_size,
    csv_layout,
    layout_problems,
    read_head,
    refuse_non_text,
)
from ipseval.ingest.split_files import parts_of, read_parts
from ipseval.ingest.trailers import leave_out_trailer, trailer_count
from ipseval.ingest.unapplied import absent_columns
from ipseval.schema import CLIENT_LINKED, TABLES

if TYPE_CHECKING:
    from ipseval.settings import Input, Settings

_IGNORED_FILES = {"ipseval.toml", "thumbs.db", "desktop.ini"}
_INDEX = "__ipseval_row__"
_BATCH = 500_000
_CELL_SHOWN = 200
_SEPARATOR_WORD = {
    ",": "comma",
    ";": "semicolon",
    "\t": "tab",
    "|": "vertical bar (|)",
}  # characters kept of a cell over the length limit (its row is rejected anyway)


def read_folder(folder: Path, settings: Settings) -> RawDataset:
    """Read every standard table found in ``folder``; anything else is listed as unused."""
    found: dict[str, list[Path]] = {}
    unused_files: list[str] = []
    left_out: list[str] = []
    notes: list[str] = []
    interviews_dir: Path | None = None
    workbooks: list[str] = []
    for p in sorted(folder.iterdir(), key=lambda q: q.name.lower()):
        name = p.name
        if name.startswith((".", "~$")) or name.lower() in _IGNORED_FILES:
            continue
        if p.is_dir():
            if name.lower() == "interviews":
                check_link(p, folder, "folder")
                interviews_dir = p
            elif p.suffix.lower() in TEXT_SUFFIXES and resolve_table(p.stem, settings) is not None:
                raise InputError(f"{name} is a folder, not a file: put the {name} file itself in {folder}")
            else:
                unused_files.append(name + "/")
            continue
        if p.suffix.lower() not in TEXT_SUFFIXES:
            if p.suffix.lower() in EXCEL_SUFFIXES:
                workbooks.append(name)
            unused_files.append(name)
            continue
        tables = resolve_tables(p.stem, settings)
        if not tables:
            (left_out if mapped_to_nothing(p.stem, settings) else unused_files).append(name)
            continue
        check_link(p, folder)
        for table in tables:
            found.setdefault(table, []).append(p)
    for p in parts_of(found, folder, unused_files, notes, settings):
        check_link(p, folder)

    for t in TABLES.values():
        if t.required and t.name not in found:
            csvs = [n for n in unused_files if n.lower().endswith(TEXT_SUFFIXES)]
            seen = ", ".join(csvs) if csvs else "no CSV files"
            hint = (
                f"; to read the workbook give its path instead: {folder / workbooks[0]}"
                if workbooks and not csvs
                else f"; name it {t.name}.csv or map your file name in the settings [mapping.tables]"
            )
            raise InputError(f"{t.name}.csv: not found in {folder} (found: {seen}){hint}")

    ds = RawDataset(
        source=folder,
        tables={},
        interviews_dir=interviews_dir,
        unused_files=unused_files,
        notes=notes,
        left_out_files=left_out,
    )
    for table, paths in found.items():  # a table given in parts is read part by part, then put together
        parts = [(p.name, partial(read_csv_table, p, table, settings), f"{p.name} is empty and was ignored")
                 for p in paths]  # fmt: skip
        read_parts(ds, table, parts)
    return ds


def read_csv_table(path: Path, table: str, settings: Settings) -> RawTable | None:
    """Read one CSV file as the standard table ``table``; None if the file is empty (optional table)."""
    check_size(path, settings.input)
    head = read_head(path)
    refuse_non_text(path, head)
    try:
        with as_utf8(path, head) as text:
            return _read_text(text, path.name, table, settings)
    except NotUtf8:
        with as_windows_1252(path) as text:
            return _read_text(text, path.name, table, settings)


def _read_text(text: TextFile, name: str, table: str, settings: Settings) -> RawTable | None:
    """Read UTF-8 text (the file or a converted copy of it) named ``name`` as the table ``table``."""
    path = text.path
    head = read_head(path, 64)
    if not head.removeprefix(b"\xef\xbb\xbf").strip() and not _has_text(path):
        if TABLES[table].required:
            raise InputError(f"{name}: the file is empty (a header row is needed at least)")
        return None
    limits = settings.input
    layout, header = csv_layout(path, name, limits)
    parts = _parts(path, table, layout)
    # a big file is scanned part by part as it is read (each part names its lines as in the file)
    scan = (
        None
        if len(parts) > 1
        else scan_csv(path, name, limits.max_line_kb, limits.max_cell_chars, layout.title_lines)
    )
    if not any(h.strip() for h in header):
        raise InputError(f"{name}: the first row is blank; the first row must hold the column names")
    for mark, sep in SEPARATORS.items():
        if len(header) == 1 and mark != layout.separator and mark in header[0]:
            raise InputError(
                f"{name}: the header is one column, yet it holds {sep}: the columns may be separated by "
                f"{sep}, not {SEPARATORS[layout.separator]} as input.separator says; change the setting "
                f"or {SAVE_AS_UTF8}"
            )

    match = resolve_columns(table, header, settings, name, lambda i: f"header cell {i + 1} is blank")
    positional = [f"_c{i}" for i in range(len(header))]
    reading = _Reading(
        name, header, layout, required_positions(table, match.standard), match.standard, limits
    )
    if scan is None:
        df, problems, seen, candidates = _read_parts(path, reading, parts)
    else:
        df, problems, seen = _read_part(path, reading, scan, layout, Place())
        candidates = None
    ids = id_positions(table, match.standard)
    df, problems = leave_out_trailer(df, problems, positional, layout.separator)
    df, problems = leave_out_summaries(df, problems, positional, ids, candidates)
    problems[:0] = layout_problems(layout) + absent_columns(match, name, header)
    if text.note is not None:
        problems.insert(0, text.note)

    unused = [label for _, label in sorted(match.unused.items())]
    for i in match.blank:
        n = df.height - df[positional[i]].null_count()
        if n:
            unused.append(f"(column {i + 1}: blank header, {n} value{'s' if n != 1 else ''})")
    frame = df.select(*match.kept(lambda i: positional[i]), "_row")
    frame, read_commas = read_decimal_commas(frame, table, layout.separator)
    problems += read_commas
    return RawTable(
        name=table,
        file=name,
        frame=frame,
        unused_columns=unused,
        read_problems=problems,
        may_hold_controls=seen.controls,
        may_hold_excel_errors=seen.excel_errors,
        may_hold_invisible=seen.invisible,
    )


@dataclass(frozen=True)
class _Reading:
    """What reading every part of one file needs: its name, header, layout and limits, the
    positions of its required columns and what each column is in the standard."""

    name: str
    header: list[str]
    layout: Layout
    required: set[int]
    standard: dict[int, str]
    limits: Input

    @property
    def positional(self) -> list[str]:
        return [f"_c{i}" for i in range(len(self.header))]


@dataclass(frozen=True)
class _Seen:
    """What the bytes and the parse showed a file may hold (see RawTable)."""

    controls: bool
    excel_errors: bool
    invisible: bool

    def __or__(self, other: _Seen) -> _Seen:
        return _Seen(*(a or b for a, b in zip(astuple(self), astuple(other), strict=True)))


def _read_part(
    path: Path, r: _Reading, scan: ByteScan, layout: Layout, place: Place
) -> tuple[pl.DataFrame, list[CellProblem], _Seen]:
    """The rows of a file (or of one part of a big one, see ingest.parts), tidied: note rows left
    out and over-long cells cut, with the problems found and what the file may hold."""
    df, problems, flags = _rows(path, r.name, r.header, scan, layout, place)
    df, problems = _leave_out_notes(df, problems, r.positional, r.required)
    if flags["line_breaks"] or scan.cell_limit_reached:
        df, long_cells = _long_cells(df, r.positional, r.standard, r.header, r.limits.max_cell_chars)
        problems += long_cells
    seen = _Seen(
        controls=flags["controls"] or scan.stray_cr or flags["line_breaks"],
        excel_errors=scan.hashes or not flags["fast"],
        invisible=not scan.ascii,
    )
    return df, problems, seen


def _read_parts(
    path: Path, r: _Reading, parts: list[Part]
) -> tuple[pl.DataFrame, list[CellProblem], _Seen, pl.DataFrame]:
    """A big file read part by part (ingest.parts), each part's text kept as categoricals; with
    the rows that may be totals lines, found while each part is text."""
    frames: list[pl.DataFrame] = []
    candidates: list[pl.DataFrame] = []
    problems: list[CellProblem] = []
    seen = _Seen(False, False, False)
    for k, (part, file) in enumerate(part_files(path, parts, _header_line(path, r.layout))):
        # rows keep their numbers in the whole file; a part's own header line is not one of them
        if k == 0:
            layout, place, lines_before = r.layout, Place(), 0
        else:
            layout = replace(r.layout, titles=(), title_lines=0)
            place = Place(part.records_before + r.layout.header_row - 1, part.lines_before - 1)
            lines_before = part.lines_before
        limits = r.limits
        scan = scan_csv(
            file, r.name, limits.max_line_kb, limits.max_cell_chars, layout.title_lines, lines_before
        )
        df, found, s = _read_part(file, r, scan, layout, place)
        candidates.append(summary_candidates(df, r.positional))
        frames.append(as_categorical(df, r.positional))
        problems += found
        seen = seen | s
    found = pl.concat(candidates, how="vertical")
    return pl.concat(frames, how="vertical"), problems, seen, as_categorical(found, r.positional)


def _parts(path: Path, table: str, layout: Layout) -> list[Part]:
    """The parts a big file of events is read in (ingest.parts); one part for the others. A header
    with a line break inside quotes is not one line, so its file is read whole."""
    if table not in CLIENT_LINKED or path.stat().st_size <= parts_module.PART_BYTES:
        return []
    if _header_line(path, layout).count(b'"') % 2:
        return []
    start = data_start(path, layout.title_lines + 1)
    return plan(path, start, layout.title_lines + 1, parts_module.PART_BYTES)


def _header_line(path: Path, layout: Layout) -> bytes:
    """The header line's bytes, put in front of each part after the first."""
    with path.open("rb") as f:
        for _ in range(layout.title_lines):
            f.readline()
        return f.readline().removeprefix(b"\xef\xbb\xbf")


def _rows(
    path: Path, name: str, header: list[str], scan: ByteScan, layout: Layout, place: Place | None = None
) -> tuple[pl.DataFrame, list[CellProblem], dict[str, bool]]:
    """The rows with some content, the problems with their shape, and what the parse showed: whether
    the fast reader read them, and whether a cell may hold a line break or a control character."""
    positional = [f"_c{i}" for i in range(len(header))]
    place = place or Place()
    df, problems, fast = _parse(path, name, header, scan, layout, place)
    filled = pl.any_horizontal(pl.col(c).is_not_null() for c in positional)
    last_blank = filled & pl.col(positional[-1]).is_null()
    rows, last_blank = df.select(filled.sum().alias("rows"), last_blank.sum().alias("last")).row(0)
    if fast and _rows_may_be_short(path, df, positional, scan, rows, last_blank, layout.separator):
        if scan.quotes:  # a quoted comma or line break: only a real CSV parser can tell the cells
            df, problems = _read_careful(path, name, header, layout, place)
            rows = df.select(filled.sum()).item()
        else:
            problems = _short_rows(path, df, header, layout, place)
    flags = {
        "fast": fast,
        "line_breaks": not fast or scan.line_breaks_in_cells(path, df.height),
        "controls": scan.controls(path, df.height) > 0,
    }
    if rows != df.height:  # fully blank rows are dropped; the others keep the user's row numbers
        named = [p.row for p in problems if p.row is not None]  # a row with a problem is kept to count it
        df = df.filter(filled | pl.col("_row").is_in(named) if named else filled)
    return df, problems, flags


def _leave_out_notes(
    df: pl.DataFrame, problems: list[CellProblem], positional: list[str], required: set[int]
) -> tuple[pl.DataFrame, list[CellProblem]]:
    """Note rows (one text cell with words, see ingest.note_rows) left out like blank rows, each
    named in a warning; a note cut short by the row's missing commas is still a note."""
    lone = pl.sum_horizontal(pl.col(c).is_not_null() for c in positional) == 1
    text = pl.coalesce(positional)
    words = text.str.contains(LETTER) & text.str.contains(TWO_WORDS)
    candidates = df.filter(lone).filter(words)  # the patterns only on the few rows with one cell
    if not candidates.height:
        return df, problems
    troubled = {p.row for p in problems if p.row is not None and not _is_short_row(p)}
    last = df["_row"].max()
    notes: dict[int, CellProblem] = {}
    for values in candidates.select(*positional, "_row").iter_rows():
        row, cells = values[-1], values[:-1]
        position = next(i for i, v in enumerate(cells) if v is not None)
        if row == last and trailer_count(cells) is not None:
            continue  # a record-count line: left out with its count checked (ingest.trailers)
        if row not in troubled and is_note_row(cells[position], position, required):
            notes[row] = note_problem(row, cells[position])
    if not notes:
        return df, problems
    kept = [p for p in problems if p.row not in notes]
    return df.filter(~pl.col("_row").is_in(list(notes))), [*kept, *notes.values()]


def _is_short_row(p: CellProblem) -> bool:
    """The problem :func:`_ragged` names a row with fewer cells than the header by."""
    return p.column is not None and p.expected.endswith("as in the header row")


def _has_text(path: Path) -> bool:
    with path.open("rb") as f:
        f.read(3)
        while block := f.read(1 << 20):
            if block.strip():
                return True
    return False


def _parse(
    path: Path, name: str, header: list[str], scan: ByteScan, layout: Layout, place: Place
) -> tuple[pl.DataFrame, list[CellProblem], bool]:
    """The rows (trimmed where needed, blank cells null, "_row" numbered) and whether the fast
    reader could read them; a file it cannot split is read row by row, naming each ragged row."""
    positional = [f"_c{i}" for i in range(len(header))]
    try:
        # The row number comes from the parser itself: added afterwards, its chunks would not line
        # up with the string columns and polars would copy every string to realign them.
        df = pl.read_csv(
            path,
            has_header=True,
            separator=layout.separator,
            skip_lines=layout.title_lines,
            infer_schema=False,
            encoding="utf8",
            raise_if_empty=False,
            row_index_name=_INDEX,
            row_index_offset=layout.header_row + 1 + place.rows,
        )
        if df.width - 1 != len(header):  # header parsed differently: let the careful reader decide
            raise pl.exceptions.ComputeError("header width differs")
        df = df.rename(dict(zip(df.columns[1:], positional, strict=True)))
        return _clean(df, _columns_to_trim(scan, df, positional)), [], True
    except pl.exceptions.PolarsError as e:
        if "utf-8" in str(e).lower() or "utf8" in str(e).lower():
            raise NotUtf8 from None
        df, problems = _read_careful(path, name, header, layout, place)
        return df, problems, False
    except OSError as e:
        raise InputError(f"{name}: cannot be read ({e.strerror or e})") from None


def _rows_may_be_short(
    path: Path,
    df: pl.DataFrame,
    positional: list[str],
    scan: ByteScan,
    rows: int,
    last_blank: int,
    separator: str = ",",
) -> bool:
    """Whether one of the ``rows`` rows with some content may have fewer cells than the header (polars
    fills the missing cells with blanks without a word). Such a row has its last cell blank, and
    when no row is blank the file then has fewer separating commas than full rows need: commas are
    counted in the bytes, less those inside quoted values (counted from the values themselves)."""
    if len(positional) < 2 or last_blank == 0:
        return False
    if rows != df.height:  # blank rows hold an unknown number of commas
        return True
    inside = 0
    if scan.quotes:
        inside = df.select(
            pl.sum_horizontal(pl.col(positional).str.count_matches(separator, literal=True).sum())
        )
        inside = int(inside.item())
    below = count_below_header(path, ord(separator), scan.title_lines)
    return below - inside != (len(positional) - 1) * rows


def _short_rows(
    path: Path, df: pl.DataFrame, header: list[str], layout: Layout, place: Place
) -> list[CellProblem]:
    """The rows of a file without quotes that have fewer cells than the header, found from the
    bytes (one line is one row), each judged as the careful reader judges it."""
    found = lines_with_fewer_commas(path, len(header) - 1, ord(layout.separator), layout.title_lines)
    short = {row + place.rows: cells for row, cells in found}
    problems = []
    for values in df.filter(pl.col("_row").is_in(list(short))).iter_rows(named=True):
        row = values.pop("_row")
        cells = [v or "" for v in list(values.values())[: short[row]]]
        problem = _ragged(row, cells, header, layout.separator)
        if problem is not None:
            problems.append(problem)
    return problems


def _long_cells(
    df: pl.DataFrame, positional: list[str], standard: dict[int, str], header: list[str], limit: int
) -> tuple[pl.DataFrame, list[CellProblem]]:
    """Cells longer than ``[input] max_cell_chars``: each a problem that rejects its row (a warning
    only in a column the standard does not use), the cell cut short so no later check works
    through megabytes of it."""
    problems: list[CellProblem] = []
    for i, c in enumerate(positional):
        if (df[c].str.len_bytes().max() or 0) <= limit:  # no more characters than bytes
            continue
        too_long = pl.col(c).str.len_chars() > limit
        for row, value in df.filter(too_long).select("_row", c).iter_rows():
            problems.append(
                CellProblem(
                    row=row,
                    column=standard.get(i) or header[i].strip() or f"column {i + 1}",
                    value=value[:_CELL_SHOWN],
                    expected=f"at most {limit:,} characters (input.max_cell_chars)",
                    message=f"this cell holds {len(value):,} characters, over the limit of {limit:,}: "
                    "a quote opened and never closed can swallow many lines into one cell",
                    severity="error" if i in standard else "warning",
                )
            )
        df = df.with_columns(pl.when(too_long).then(pl.col(c).str.slice(0, _CELL_SHOWN)).otherwise(pl.col(c)))
    return df, problems


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


def _columns_to_trim(scan: ByteScan, df: pl.DataFrame, columns: list[str]) -> list[str]:
    """The columns that may hold a cell starting or ending with whitespace, or blank text.

    Trimming every cell of a big table costs ten times more than looking at the file's bytes.
    Below the header line, a file of plain ASCII with no tab, vertical tab, form feed or double
    quote, whose carriage returns all end lines (polars drops those), has no cell with a line
    break, and polars reads its empty cells as null. Then only spaces can pad a cell, and only
    the columns with a value starting or ending with one need trimming.
    """
    if not scan.ascii or scan.padding or scan.stray_cr:
        return columns
    if not scan.spaces or not columns:
        return []
    padded = df.select((pl.col(c).str.starts_with(" ") | pl.col(c).str.ends_with(" ")).any() for c in columns)
    return [c for c, yes in zip(columns, padded.row(0), strict=True) if yes]


def _read_careful(
    path: Path, name: str, header: list[str], layout: Layout, place: Place = Place()
) -> tuple[pl.DataFrame, list[CellProblem]]:
    """Row-by-row reading that names ragged rows; used only when the fast reader fails or a row
    may be short. Rows are numbered and cleaned as the fast path does."""
    df, problems = _read_slow(path, name, header, layout, place)
    first = layout.header_row + 1 + place.rows
    df = df.with_columns(pl.int_range(first, df.height + first, dtype=pl.Int64).alias(_INDEX))
    return _clean(df, [f"_c{i}" for i in range(len(header))]), problems


def _read_slow(
    path: Path, name: str, header: list[str], layout: Layout, place: Place = Place()
) -> tuple[pl.DataFrame, list[CellProblem]]:
    """Rows are moved into polars every ``_BATCH`` rows so a big broken file does not hold
    millions of Python strings at once."""
    width = len(header)
    schema = {f"_c{i}": pl.Utf8 for i in range(width)}
    columns: list[list[str | None]] = [[] for _ in range(width)]
    batches: list[pl.DataFrame] = []
    problems: list[CellProblem] = []
    row, lines = (
        layout.header_row + place.rows,
        layout.title_lines,
    )  # lines above the header: not the reader's
    with path.open(encoding="utf-8-sig", newline="") as f:
        for _ in range(lines):
            f.readline()
        reader = csv.reader(f, strict=True, delimiter=layout.separator)
        try:
            next(reader, None)
            start_line = reader.line_num + 1
            for values in reader:
                row += 1
                if len(values) != width:
                    ragged = _ragged(row, values, header, layout.separator)
                    if ragged is not None:
                        problems.append(ragged)
                for i in range(width):
                    columns[i].append(values[i] if i < len(values) else None)
                start_line = reader.line_num + 1
                if len(columns[0]) >= _BATCH:
                    batches.append(pl.DataFrame(dict(zip(schema, columns, strict=True)), schema=schema))
                    columns = [[] for _ in range(width)]
        except UnicodeDecodeError:
            raise NotUtf8 from None
        except csv.Error as e:
            shift = lines + place.lines
            raise _csv_error(name, str(e), start_line + shift, reader.line_num + shift, row) from None
    batches.append(pl.DataFrame(dict(zip(schema, columns, strict=True)), schema=schema))
    return pl.concat(batches, rechunk=True), problems


def _ragged(row: int, values: list[str], header: list[str], separator: str = ",") -> CellProblem | None:
    """A row with more or fewer cells than the header, unless the difference is only blank cells
    (a trailing comma) or cells under blank headers, or the whole row is blank."""
    width = len(header)
    if not any(v.strip() for v in values):
        return None
    if len(values) > width:
        if not any(v.strip() for v in values[width:]):
            return None
        extra = len(values) - width
        return CellProblem(
            row=row,
            column=None,
            value=separator.join(values[width:])[:80],
            expected=f"{width} cells, as in the header row",
            message=f"this row has {len(values)} cells but the header has {width} ({extra} extra): a "
            f"{_SEPARATOR_WORD[separator]} inside a value needs the whole value in double quotes",
        )
    missing = [h.strip() for h in header[len(values) :]]
    if not any(missing):
        return None
    first = next(h for h in missing if h)
    return CellProblem(
        row=row,
        column=first,
        value=separator.join(v.strip() for v in values)[:80],  # as the fast reader's trimmed cells
        expected=f"{width} cells, as in the header row",
        message=f"this row has {len(values)} cells but the header has {width} ({len(missing)} missing, "
        f"from '{first}' on): a line break inside a value needs the whole value in double quotes, or "
        "the row was cut short",
    )


def _csv_error(name: str, what: str, start_line: int, line: int, row: int) -> InputError:
    if "unexpected end of data" in what:
        return InputError(
            f"{name}: a double quote opened on line {start_line} (row {row + 1}) is never closed"
        )
    if "field larger than field limit" in what:
        return InputError(
            f"{name}: line {line:,} (row {row + 1}) holds a cell longer than {csv.field_size_limit():,} "
            f"characters: a double quote opened on line {start_line:,} is probably never closed"
        )
    return InputError(
        f"{name}: line {line} (row {row + 1}) cannot be read as CSV ({what}); "
        "a value containing quotes must be wrapped in double quotes with each inner quote doubled"
    )
