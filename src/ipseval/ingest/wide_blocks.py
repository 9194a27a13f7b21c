"""Wide files that repeat their columns in blocks, one block per form or review
(``[mapping.wide.<table>] blocks``).

An export with one row per client often writes each review beside the one before: 'Review Date',
the items, 'Raw Score', then 'Review Date.1', the items again with '.1', and so on (the suffixes
pandas gives a repeated name; others write '_2', ' (2)', '2', or a prefix: 'Baseline Date', '3m
Date'). The settings name the columns once, as the block written without a suffix (or with {} for
the name in a pattern), and list the blocks; each block is read as a wide entry of its own, and
its rows are put together with the others', in file order. So one client's baseline and reviews
are all kept, each row with the row number of the file and the column it came from (the block's
own, e.g. "column 'I've been feeling useful.1'"), which its problems name. A fully blank block
gives no row, like any blank item cell.

A column of ``columns`` that no block repeats (the client's id, the locality) is kept on the rows
of every block; one that some block repeats must be in every block. A block missing an item, the
total or a repeated column is a settings problem, named with the column it lacks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest import InputError, RawTable
from ipseval.ingest.mapping import norm_name
from ipseval.schema import TABLES

if TYPE_CHECKING:
    from ipseval.settings import Settings, WideTable

NAME = "{}"  # in a block's pattern, where the name goes: 'Baseline {}'


def block_name(name: str, block: str) -> str:
    """The column of ``block`` for ``name``: 'Review Date' in block '.1' is 'Review Date.1', in
    block 'Baseline {}' 'Baseline Review Date'."""
    return block.replace(NAME, name) if NAME in block else name + block


def block_label(block: str) -> str:
    """How problems and notes name a block: "block '.1'", "block 'Baseline {}'"."""
    return f"block '{block}'" if block and block != NAME else "block '' (no suffix)"


Block = tuple[str, "WideTable", frozenset[str]]  # a block, its own entry, the id columns it repeats


def block_entries(wide: WideTable, header: list[str], label: str, where: str) -> list[Block]:
    """Each block of ``wide`` as a wide entry of its own (its own names in columns, items and total;
    the areas read with the first block only), with the id columns that block repeats. InputError
    naming the columns a block lacks."""
    have = {norm_name(c) for c in header}

    def repeated(name: str) -> bool:
        return any(norm_name(n) in have for b in wide.blocks if (n := block_name(name, b)) != name)

    own = [k for k in wide.columns if repeated(k)]
    out: list[Block] = []
    lacks: list[str] = []
    for b in wide.blocks:
        columns = {(block_name(k, b) if k in own else k): v for k, v in wide.columns.items()}
        items = {block_name(k, b): v for k, v in wide.items.items()}
        total = block_name(wide.total, b) if wide.total else None
        named = [*(block_name(k, b) for k in own), *items, *filter(None, [total])]
        lacks += [f"'{n}' ({block_label(b)})" for n in named if norm_name(n) not in have]
        update = {"columns": columns, "items": items, "total": total, "blocks": []}
        entry = wide.model_copy(update=update | ({"areas": {}} if out else {}))
        out.append((b, entry, frozenset(block_name(k, b) for k in own)))
    if lacks:
        raise InputError(
            f"{label}: the blocks of {where} name {', '.join(lacks)}, not a column of the file "
            f"(columns: {', '.join(header)})"
        )
    return out


ReadEntry = Callable[..., tuple[RawTable | None, RawTable | None]]  # wide._read


def read_blocks(
    table: str, wide: WideTable, settings: Settings, read: Callable, label: str, notes: list[str], where: str,
    read_entry: ReadEntry,
) -> tuple[RawTable | None, RawTable | None]:  # fmt: skip
    """The long table (and areas) of a wide file in blocks: every block read by ``read_entry``
    (wide._read) and the rows put together (see the module docstring)."""
    header = file_columns(table, settings, read)
    if header is None:
        return None, None
    parts: list[RawTable] = []
    areas = None
    for block, entry, own in block_entries(wide, header, label, where):
        long, a = read_entry(
            table, entry, settings, read, label, notes, where, named=own, block=block_label(block)
        )
        if long is not None:
            parts.append(long)
        areas = areas or a
    return (_together(parts) if parts else None), areas


def file_columns(table: str, settings: Settings, read: Callable) -> list[str] | None:
    """The column names of the file ``read`` reads (None when it has no rows)."""
    every = frozenset(TABLES[table].read_names)
    whole = read(settings, table, {}, every)
    if whole is None:
        return None
    standard = [c for c in whole.frame.columns if not c.startswith("_")]
    return [*standard, *whole.unused_columns]


def _together(parts: list[RawTable]) -> RawTable:
    """The long tables of the blocks as one, in file order (a row's blocks in their order)."""
    frame = pl.concat([p.frame for p in parts], how="diagonal").sort("_row", maintain_order=True)
    unused = [c for c in parts[0].unused_columns if all(c in p.unused_columns for p in parts[1:])]
    no_row: dict[str, dict[str, int]] = {}
    for p in parts:
        for column, counts in p.no_row.items():
            into = no_row.setdefault(column, {})
            for value, n in counts.items():
                into[value] = into.get(value, 0) + n
    first = parts[0]
    return RawTable(
        name=first.name,
        file=first.file,
        frame=frame,
        unused_columns=unused,
        read_problems=list(dict.fromkeys(x for p in parts for x in p.read_problems)),
        may_hold_controls=any(p.may_hold_controls for p in parts),
        may_hold_excel_errors=any(p.may_hold_excel_errors for p in parts),
        may_hold_invisible=any(p.may_hold_invisible for p in parts),
        no_row=no_row,
    )
