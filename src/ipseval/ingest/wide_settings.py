"""Check the settings' ``[mapping.wide.<table>]`` entries before anything is read.

A table may take one wide file (``[mapping.wide.wellbeing]``) or several (``[[mapping.wide.wellbeing]]``,
one per file: a TOP sheet and a SURE sheet); each entry is checked on its own, and one file gives
one wide entry only. A mistake here is in the settings, not the data, so it stops the run (InputError)
with the entry named. A file whose columns repeat per review gives one entry, with its blocks
(ingest.wide_blocks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ipseval.ingest import InputError
from ipseval.ingest.mapping import norm_name, table_key
from ipseval.ingest.wide_down import ROW_TARGETS
from ipseval.schema import TABLES

if TYPE_CHECKING:
    from ipseval.settings import Settings, WideTable

# Standard tables that may be read wide: table -> (the column the item column's name gives, the
# column its cells give).
WIDE_TABLES: dict[str, tuple[str, str]] = {"wellbeing": ("measure", "score"), "fidelity": ("item", "score")}


def entry_name(table: str, sources: list[WideTable], k: int) -> str:
    """How problems name one wide entry: '[mapping.wide.wellbeing]', or with several files
    "[[mapping.wide.wellbeing]] (file 'TOP')"."""
    if len(sources) == 1:
        return f"[mapping.wide.{table}]"
    return f"[[mapping.wide.{table}]] (file '{sources[k].file}')"


def check_wide(settings: Settings) -> None:
    """Fail early (InputError) on a ``[mapping.wide]`` entry that cannot be read."""
    seen: dict[str, str] = {}
    for table, sources in settings.mapping.wide.items():
        for k, wide in enumerate(sources):
            where = f"settings {entry_name(table, sources, k)}"
            if table not in WIDE_TABLES:
                raise InputError(
                    f"{where}: '{table}' cannot be read wide; the tables that can are {', '.join(WIDE_TABLES)}"
                )
            _check_layout(table, wide, where)
            if wide.layout == "items_across":
                _check_across(table, wide, where)
            _check_blocks(wide, where)
            key = table_key(wide.file)
            if key in seen:
                raise InputError(
                    f"{where}: '{wide.file}' is also read by {seen[key]}; one file gives one wide entry "
                    "(a file that repeats its columns per review lists them in one entry, with its blocks: "
                    'e.g. blocks = ["", ".1", ".2"])'
                )
            seen[key] = where.removeprefix("settings ")
    areas = [w.file for sources in settings.mapping.wide.values() for w in sources if w.areas]
    if len(areas) > 1:
        raise InputError(
            f"settings [mapping.wide]: both '{areas[0]}' and '{areas[1]}' give areas; keep only one"
        )


def _check_layout(table: str, wide: WideTable, where: str) -> None:
    if wide.layout == "items_down":
        if table != "fidelity":
            raise InputError(f"{where}: layout 'items_down' is for fidelity only")
        if not wide.item_columns:
            raise InputError(
                f"{where}: name the column(s) that hold the item numbers or descriptions in item_columns, "
                'e.g. item_columns = ["Item", "Description"]'
            )
        given = [name for name, v in (("columns", wide.columns), ("areas", wide.areas)) if v]
        if given:
            raise InputError(
                f"{where}: {given[0]} does not apply to layout 'items_down' (the headers give team and date)"
            )
        for label, target in wide.rows.items():
            if target not in (*ROW_TARGETS, ""):
                raise InputError(
                    f"{where}.rows: '{label}' = '{target}': a row may give {', '.join(ROW_TARGETS)}, or \"\" "
                    "(not used)"
                )
    elif wide.item_columns or wide.rows:
        raise InputError(f"{where}: item_columns and rows apply to layout 'items_down' only")
    if wide.total is not None and (table != "fidelity" or wide.layout != "items_across"):
        raise InputError(
            f"{where}: total applies to a fidelity file laid out items_across (a wellbeing total is the "
            "measure 'total'; an items-down sheet names its total row in rows)"
        )
    if wide.total is not None and norm_name(wide.total) in {
        norm_name(k) for k in (*wide.items, *wide.columns)
    }:
        raise InputError(
            f"{where}: total '{wide.total}' is also listed as an item or a column: a total is neither"
        )
    for local, target in wide.items.items():
        if table == "fidelity" and not (str(target).strip().isdigit() and 1 <= int(target) <= 25):
            raise InputError(f"{where}.items: '{local}' = '{target}': an IPS-25 item is a number 1 to 25")
    if wide.instrument is not None and table != "wellbeing":
        raise InputError(f"{where}: instrument applies to wellbeing only")


def _check_across(table: str, wide: WideTable, where: str) -> None:
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
        if not str(target).strip():
            raise InputError(f"{where}.items: '{local}' has no {key_col}")
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


def _check_blocks(wide: WideTable, where: str) -> None:
    """Blocks apply to one row per client with each review's columns beside the last's; each is a
    suffix or a pattern with one {} for the name, and no two name the same columns."""
    from ipseval.ingest.wide_blocks import NAME, block_name

    if not wide.blocks:
        return
    if wide.layout != "items_across":
        raise InputError(f"{where}: blocks apply to layout 'items_across' only")
    for b in wide.blocks:
        if b.count(NAME) > 1:
            raise InputError(f"{where}.blocks: '{b}' has {NAME} twice: write it once, where the name goes")
    seen: dict[str, str] = {}
    for b in wide.blocks:
        key = norm_name(block_name("x", b))
        if key in seen:
            raise InputError(
                f"{where}.blocks: '{seen[key]}' and '{b}' name the same columns: list each block once"
            )
        seen[key] = b
