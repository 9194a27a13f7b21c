"""``[input.fill_down]``: columns whose blank cells take the value of the row above.

Sheets kept by hand often write a group's value once: a fidelity review's team and date on its
first item row only (merged cells, saved as CSV, leave the rest blank), a client's id on the first
of their appointments. Listed columns are filled down within their file, in the file's row order,
and each column filled is named in a read note, so nothing is filled silently.
"""

from __future__ import annotations

import polars as pl

from ipseval.ingest import RawDataset
from ipseval.ingest.mapping import check_table_columns
from ipseval.settings import Settings


def check_fill_down(settings: Settings) -> None:
    """Fail early on a table or column the standard does not have."""
    check_table_columns(settings.input.fill_down, lambda table: f"[input.fill_down] {table}")


def fill_down(dataset: RawDataset, settings: Settings) -> None:
    """Fill the listed columns of each table read, a read note per column filled."""
    for table, columns in settings.input.fill_down.items():
        raw = dataset.tables.get(table)
        present = [c for c in columns if raw is not None and c in raw.frame.columns]
        if raw is None or not present:
            continue
        frame = raw.frame.sort("_row", maintain_order=True)
        blanks = frame.select(pl.col(present).is_null().sum()).row(0, named=True)
        raw.frame = frame.with_columns(pl.col(present).forward_fill())
        filled = raw.frame.select(pl.col(present).is_null().sum()).row(0, named=True)
        for c in present:
            n = blanks[c] - filled[c]
            if n:
                dataset.notes.append(
                    f"{raw.file}: {n} blank {c} cell{'s' if n != 1 else ''} filled from the row above "
                    f"([input.fill_down] {table})"
                )
