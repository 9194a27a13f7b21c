"""Checks across tables at validation: one spelling per area, client ids matched to the clients
table, specialists known to the staff table, and the clients looked up for each event row.

Each takes the checkers (validate._Checker) of the tables read, by table name, and adds to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ipseval.validate_ids import match_ids
from ipseval.validate_staff import SPECIALIST, unknown_specialists
from ipseval.validate_text import AREA_COLUMNS, one_spelling_per_area

if TYPE_CHECKING:
    from ipseval.validate import _Checker


def merge_area_spellings(checkers: dict[str, _Checker]) -> None:
    """One spelling per area in every table that names areas (see validate_text), each merge and
    each area of clients missing from the areas table named in a warning."""
    columns = {t: checkers[t].typed[c] for t, c in AREA_COLUMNS.items() if t in checkers}
    renamed, notes = one_spelling_per_area(columns, {t: checkers[t].file for t in columns})
    for t, s in renamed.items():
        checkers[t].typed[AREA_COLUMNS[t]] = s
    for n in notes:
        checkers[n.table].note(AREA_COLUMNS[n.table], n.value, n.expected, n.message)


def match_client_ids(checkers: dict[str, _Checker], mode: str) -> None:
    """Client ids another table writes differently ("40" for "CRR-000040") read as the client's
    own, where ``input.match_client_ids`` allows it (see validate_ids), each table's in a warning."""
    clients = checkers["clients"].typed["client_id"]
    for chk in checkers.values():
        if chk.table == "clients" or "client_id" not in chk.typed:
            continue
        found = match_ids(chk.typed["client_id"], clients, mode, chk.file)
        if found.message is not None:
            chk.typed["client_id"] = found.ids.alias("client_id")
            chk.note(
                "client_id", found.value or "", "client ids written as in the clients table", found.message
            )


def unknown_specialist_notes(checkers: dict[str, _Checker]) -> None:
    """A warning per file whose specialist ids the staff table does not know (validate_staff)."""
    staff = checkers.get("staff")
    if staff is None:
        return
    for chk in checkers.values():
        if chk is staff or SPECIALIST not in chk.typed or SPECIALIST in chk.missing:
            continue
        found = unknown_specialists(chk.table, chk.typed[SPECIALIST], staff.typed[SPECIALIST], staff.file)
        if found is not None:
            chk.note(SPECIALIST, found.value, "ids of the staff table", found.message)


def client_lookup(chk: _Checker) -> pl.DataFrame:
    """client_id -> first clients row, its referral_date and whether it is usable."""
    return (
        pl.DataFrame(
            {
                "client_id": chk.typed["client_id"],
                "_crow": chk.raw["_row"],
                "referral_date": chk.typed["referral_date"],
                "_ok": ~chk.reject,
            }
        )
        .filter(pl.col("client_id").is_not_null())
        .unique("client_id", keep="first", maintain_order=True)
    )


def join_clients(ids: pl.Series, lookup: pl.DataFrame) -> pl.DataFrame:
    """The other ``lookup`` columns for each of ``ids`` (a left join, in the order of ``ids``).

    Files usually list a client's rows together, so when runs of the same id are common the join
    probes each run once and repeats its result: several times cheaper on big tables.
    """
    n = len(ids)
    new_run = ids.slice(1).ne_missing(ids.slice(0, n - 1)) if n > 1 else pl.Series(dtype=pl.Boolean)
    if new_run.sum() + 1 > n // 4:
        ids = ids.cast(pl.Utf8).to_frame("client_id")  # a big file's ids are categoricals
        return ids.join(lookup, on="client_id", how="left", maintain_order="left").drop("client_id")
    starts = pl.concat([pl.Series([0], dtype=pl.UInt32), new_run.arg_true().cast(pl.UInt32) + 1])
    heads = pl.DataFrame({"client_id": ids.gather(starts).cast(pl.Utf8)})
    j = heads.join(lookup, on="client_id", how="left", maintain_order="left").drop("client_id")
    run = pl.concat([pl.Series([0], dtype=pl.UInt32), new_run.cast(pl.UInt32).cum_sum()])
    return j.select(pl.all().gather(run))
