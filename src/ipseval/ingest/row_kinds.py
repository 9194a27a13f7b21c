"""Columns that only say which rows to leave out (settings ``[mapping.codes.<table>."<column>"]``
keyed by a column of the file that is no standard column).

An activity export holds appointments, case notes and employer contacts told apart by an "Activity
Type"; a jobs export holds jobs held at referral beside jobs started, told apart by an "Outcome
Type". Such a column is no column of the standard, yet its labels say which rows are not records of
the table: mapped to ``leave_out``, a label leaves its rows out (counted apart, as a leave_out label
of a standard column does, see validate_leave_out). Two more keys say it the other way round:
``"*" = "leave_out"`` leaves out every label not listed, and a label mapped to ``keep`` is listed
without being left out (``"IPS Appointment" = "keep"`` with ``"*" = "leave_out"`` keeps only
appointments). ``"" = "leave_out"`` leaves out the rows whose cell is blank.

The reader keeps such a column beside the standard ones as ``_kind:<key>`` (see
:func:`kind_column`); a key that names no column of any file read for its table is a settings
error naming the nearest names.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from ipseval.ingest import SettingsError
from ipseval.ingest.mapping import EVERY_OTHER, KEEP, LEAVE_OUT, mapped_column, norm_name, tables_named

if TYPE_CHECKING:
    from ipseval.ingest import RawDataset, RawTable
    from ipseval.settings import Settings

__all__ = [
    "EVERY_OTHER",
    "KEEP",
    "KIND_PREFIX",
    "check_kinds_found",
    "kind_column",
    "kind_keys",
    "share_unused",
]

KIND_PREFIX = "_kind:"  # the reader's name for a leave-out-only column kept beside the standard ones
KIND_TARGETS = (LEAVE_OUT, KEEP)


def kind_column(key: str) -> str:
    """The name a leave-out-only column ``key`` has in a table as read."""
    return KIND_PREFIX + key


def kind_keys(settings: Settings, table: str) -> dict[str, str]:
    """The ``[mapping.codes.<table>]`` keys naming no standard column (nor a local name mapped to
    one): leave-out-only columns, by their canonical name (see :func:`norm_name`)."""
    return {
        norm_name(key): key
        for key in settings.mapping.codes.get(table, {})
        if mapped_column(settings, table, key) is None
    }


def only_leave_out(codes: dict[str, str]) -> bool:
    """Whether every label of a section is mapped to leave_out or keep (a leave-out-only column)."""
    return bool(codes) and all(norm_name(v) in KIND_TARGETS for v in codes.values())


def nearest(name: str, names: list[str]) -> str:
    """'; did you mean 'Outcome Type'?' naming the closest of ``names``, or ''."""
    by_canon = {norm_name(n): n for n in names}
    close = difflib.get_close_matches(norm_name(name), list(by_canon), n=1, cutoff=0.6)
    return f"; did you mean '{by_canon[close[0]]}'?" if close else ""


def check_kinds_found(dataset: RawDataset, settings: Settings) -> None:
    """Every leave-out-only key of a table read names a column of its file (SettingsError naming
    the nearest column otherwise): a key naming none would leave nothing out, silently."""
    from ipseval.schema import TABLES

    for table, raw in dataset.tables.items():
        found = {c.removeprefix(KIND_PREFIX) for c in raw.frame.columns if c.startswith(KIND_PREFIX)}
        for key in kind_keys(settings, table).values():
            if key in found:
                continue
            names = [*TABLES[table].read_names, *raw.unused_columns, *settings.mapping.columns.get(table, {})]
            raise SettingsError(
                f"settings [mapping.codes.{table}]: '{key}' is neither a column of {table} "
                f"({', '.join(TABLES[table].column_names)}) nor a column of {raw.file}{nearest(key, names)}"
            )


def share_unused(dataset: RawDataset, settings: Settings) -> None:
    """Tables the settings read from one file: a column another of them reads is not unused here."""
    by_file: dict[str, list[RawTable]] = {}
    for targets in settings.mapping.tables.values():
        names = tables_named(targets)
        for table in names if len(names) > 1 else ():
            if table in dataset.tables:
                by_file.setdefault(dataset.tables[table].file, []).append(dataset.tables[table])
    for raws in by_file.values():
        if len(raws) > 1:
            unused_by_all = set.intersection(*(set(r.unused_columns) for r in raws))
            for raw in raws:
                raw.unused_columns = [c for c in raw.unused_columns if c in unused_by_all]
