"""Settings that apply to nothing read, said in the read notes: a mapping that does nothing must not
pass in silence (a file name mistyped in [mapping.tables] would otherwise just leave its table out).

Mappings that do nothing inside a table read are said where they are found: a local column name the
file does not have (ingest.mapping.ColumnMatch), a code section of a column the file lacks or codes
that never occur (validate), a leave-out key naming no column (ingest.row_kinds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ipseval.ingest import CellProblem
from ipseval.ingest.mapping import ColumnMatch, table_key, tables_named
from ipseval.ingest.row_kinds import nearest

if TYPE_CHECKING:
    from ipseval.ingest import RawDataset
    from ipseval.settings import Settings


def unapplied_notes(dataset: RawDataset, settings: Settings) -> list[str]:
    """A note per file or sheet left out by ``[mapping.tables]`` (mapped to ``[]``), per entry naming
    no file or sheet read, and per table whose
    ``[mapping.columns]``, ``[mapping.codes]`` or ``[mapping.fixed]`` apply to no table read."""
    from ipseval.ingest.excel import SEP

    files = (f for raw in dataset.tables.values() for f in raw.files or (raw.file,))  # a table's parts
    seen = {table_key(f.split(SEP)[-1]) for f in files}
    seen |= {table_key(s.file.split(SEP)[-1]) for s in dataset.set_aside}
    seen |= {table_key(f.split(SEP)[-1]) for f in dataset.left_out_files}
    notes = [f"{f} was left out, as the settings [mapping.tables] say (= [])" for f in dataset.left_out_files]
    notes += [
        f"settings [mapping.tables] '{local}': no file or sheet of that name in "
        f"{dataset.source.name} gave a table; it does nothing"
        for local in settings.mapping.tables
        if table_key(local) not in seen
    ]
    named = {t for targets in settings.mapping.tables.values() for t in tables_named(targets)}
    here = set(dataset.tables) | {s.table for s in dataset.set_aside}
    m = settings.mapping
    for section, by_table in (("columns", m.columns), ("codes", m.codes), ("fixed", m.fixed)):
        for table in by_table:
            if table not in here and table not in named:  # a misnamed file is said above
                notes.append(
                    f"settings [mapping.{section}.{table}]: no {table} table was read in "
                    f"{dataset.source.name}; they do nothing"
                )
    return notes


def absent_columns(match: ColumnMatch, file: str, header: list[str]) -> list[CellProblem]:
    """A warning for each local column name the settings map that the file does not have: that
    mapping does nothing, so it is said, with the nearest column of the file."""
    return [
        CellProblem(
            row=None,
            column=target or None,
            value=local,
            expected="a column of the file",
            message=f"settings [mapping.columns.{match.table}] '{local}' = '{target}' does not apply: "
            f"{file} has no column '{local}'{nearest(local, header)}; it does nothing",
            severity="warning",
        )
        for local, target in match.absent.items()
    ]
