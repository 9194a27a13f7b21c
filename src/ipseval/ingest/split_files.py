"""One table given by several files: an extract cut in parts (``CONTACTS_P1.txt`` and
``CONTACTS_P2.txt``, ``meetings_part1.csv``, one file a year).

A warehouse splits a big table into parts, often with the columns in another order or one more
column in a later part. Two ways make the parts one table:

- ``[mapping.tables]`` maps each file to the same table (or tables);
- a file with no entry of its own whose name differs from a mapped file's (or from another such
  file's, when the rest of the name is a table's) only by part numbers or dates (``P1``/``P2``,
  ``part1``, ``2023``, ``20240105``, ``FY2019-20``, ``Q1``, ``Jan2024``, a run's time ``0603``:
  see part_names) and whose columns are (nearly) the same is read with it, said in a read note.
  Map it to ``[]`` to leave it unread. Named alike but with other columns, it is not read (said so).

Each part is read on its own by the ordinary reader, its columns matched by name (after the
column mapping), so the order of the columns does not matter. The rows are then put together,
each keeping its file and row number (``_file``, ``_row``), which its problems name; checks across
rows (a client_id given twice) see every part.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest import CellProblem, InputError, RawDataset, RawTable
from ipseval.ingest.mapping import norm_name, table_key
from ipseval.ingest.part_names import differ_by_part, part_table, same_columns
from ipseval.schema import TABLES

if TYPE_CHECKING:
    from ipseval.settings import Settings


def parts_of(
    found: dict[str, list[Path]], folder: Path, unused: list[str], notes: list[str], settings: Settings
) -> list[Path]:
    """The unused text files of ``folder`` that are parts of a table (see the module's words),
    moved from ``unused`` into ``found`` (table -> its files) with a note each; returned."""
    mapped: dict[Path, list[str]] = {}
    for table, paths in found.items():
        for p in paths:
            mapped.setdefault(p, []).append(table)
    candidates = [folder / n for n in unused if _may_be_part(folder / n, settings)]
    added: list[Path] = []
    for p in candidates:
        twin = next((q for q in mapped if differ_by_part(q.stem, p.stem)), None)
        if twin is not None and not _alike(p, twin, settings):
            notes.append(unlike_note(p.name, twin.name))
        elif twin is not None:
            added.append(p)
            _add(found, p, mapped[twin], unused)
            notes.append(part_note(p.name, twin.name, mapped[twin]))
    by_table: dict[str, list[Path]] = {}
    for p in candidates:
        if p not in added and (table := part_table(p.stem)) is not None and table not in found:
            by_table.setdefault(table, []).append(p)
    for table, named in by_table.items():
        paths = [p for p in named if p == named[0] or _alike(p, named[0], settings)]
        for p in paths if len(paths) > 1 else ():  # one file named so is no part of anything
            added.append(p)
            _add(found, p, [table], unused)
            if p != paths[0]:
                notes.append(part_note(p.name, paths[0].name, [table]))
    return added


def _add(found: dict[str, list[Path]], p: Path, tables: list[str], unused: list[str]) -> None:
    for table in tables:
        found.setdefault(table, []).append(p)
    unused.remove(p.name)


def _may_be_part(p: Path, settings: Settings) -> bool:
    """A text file with no entry of its own in the settings (``[mapping.tables]``, a wide file)."""
    from ipseval.ingest import TEXT_SUFFIXES

    if p.suffix.lower() not in TEXT_SUFFIXES or not p.is_file():
        return False
    key = table_key(p.name)
    wide = (w.file for sources in settings.mapping.wide.values() for w in sources)
    return not any(table_key(local) == key for local in (*settings.mapping.tables, *wide))


def _alike(p: Path, twin: Path, settings: Settings) -> bool:
    """Whether ``p`` has (nearly) the columns of ``twin``: named alike, other columns make another
    table. A header that cannot be looked at here (not UTF-8) leaves it to the names."""
    a, b = _header(p, settings), _header(twin, settings)
    return a is None or b is None or same_columns(a, b)


def _header(p: Path, settings: Settings) -> set[str] | None:
    from ipseval.ingest.encoding import NotUtf8
    from ipseval.ingest.sniff import csv_layout

    try:
        return {norm_name(c) for c in csv_layout(p, p.name, settings.input)[1] if c.strip()}
    except (NotUtf8, InputError, OSError):
        return None


def unlike_note(file: str, with_file: str) -> str:
    """The read note of a file named like a part of ``with_file`` whose columns are others."""
    return (
        f"{file} is named like a part of {with_file} but its columns are not the same: it was not read "
        f"with it; if it is a part, map it in [mapping.tables]"
    )


def part_note(file: str, with_file: str, tables: list[str]) -> str:
    """The read note of a file read as a part of ``with_file``'s tables."""
    return (
        f"{file} was read with {with_file} as one {' and '.join(tables)} table (the names differ only "
        f'by a part number or date); to leave it out, map it to [] in [mapping.tables]: "{file}" = []'
    )


Part = tuple[str, Callable[[], RawTable | None], str]  # (its name, reading it, the note when empty)


def read_parts(ds: RawDataset, table: str, parts: list[Part]) -> None:
    """Read each part of ``table`` (a file or sheet) and put them together in ``ds``. An empty part
    is noted and skipped; a part that cannot be read sets an optional table aside (its name in
    the message) and stops a required one (:meth:`RawDataset.set_aside_or_raise`)."""
    raws = []
    for name, read, empty in parts:
        try:
            raw = read()
        except InputError as e:  # an optional table is set aside, the others still read
            ds.set_aside_or_raise(table, name, e)
            return
        if raw is None:
            ds.notes.append(empty)
        else:
            raws.append(raw)
    if raws:
        ds.tables[table] = join_parts(table, raws)


def join_parts(table: str, parts: list[RawTable]) -> RawTable:
    """The tables read from each part of ``table`` as one: rows in the order of the parts, each
    keeping its file (``_file``) and row; a column not used is named once (with the parts that have
    it when only some do); a mapped column missing from some parts is said only if all lack it."""
    if len(parts) == 1:
        return parts[0]
    frame = pl.concat(
        [p.frame.with_columns(pl.lit(p.file).alias("_file")) for p in parts], how="diagonal_relaxed"
    )
    order = {c: k for k, c in enumerate(TABLES[table].read_names)}
    named = sorted(
        (c for c in frame.columns if not c.startswith("_")), key=lambda c: order.get(c, len(order))
    )
    return RawTable(
        name=table,
        file=", ".join(p.file for p in parts),
        frame=frame.select(*named, *(c for c in frame.columns if c.startswith("_"))),
        unused_columns=_unused(parts),
        read_problems=_problems(parts),
        may_hold_controls=any(p.may_hold_controls for p in parts),
        may_hold_excel_errors=any(p.may_hold_excel_errors for p in parts),
        may_hold_invisible=any(p.may_hold_invisible for p in parts),
        no_row={k: v for p in parts for k, v in p.no_row.items()},
        files=tuple(p.file for p in parts),
    )


def _unused(parts: list[RawTable]) -> list[str]:
    by_name: dict[str, list[str]] = {}
    for p in parts:
        for c in p.unused_columns:
            by_name.setdefault(c, []).append(p.file)
    return [c if len(f) == len(parts) else f"{c} (only in {', '.join(f)})" for c, f in by_name.items()]


def _problems(parts: list[RawTable]) -> list[CellProblem]:
    """Each part's read problems, naming its file; a mapped column absent from some parts only is
    no problem (another part has it), one absent from all is said once."""
    absent = Counter(x.value for p in parts for x in p.read_problems if _is_absent_column(x))
    out: list[CellProblem] = []
    for p in parts:
        for x in p.read_problems:
            if _is_absent_column(x) and (absent[x.value] < len(parts) or p is not parts[0]):
                continue  # another part has the column, or the first part said it already
            out.append(replace(x, file=x.file or p.file))
    return out


def _is_absent_column(problem: CellProblem) -> bool:
    return problem.row is None and problem.expected == "a column of the file"
