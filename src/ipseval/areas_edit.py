"""Editing how well IPS is integrated in each area (the ``areas`` table) by hand.

The dashboard's Areas page shows one row per local authority: the ``areas`` table when the data
have one, else every area the clients name with nothing recorded. A submitted choice of strengths
is checked against the data standard's codes and gives the new ``areas`` table and the changes in
words (for the audit log); writing it as a new data version is the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from .schema import TABLES
from .store import Store

STRENGTHS: tuple[str, ...] = next(
    c.codes or () for c in TABLES["areas"].columns if c.name == "integration_strength"
)
_SCHEMA = {
    "local_authority": pl.Utf8,
    "integration_strength": pl.Utf8,
    "co_located": pl.Boolean,
    "population": pl.Int64,
}


class AreaEditError(ValueError):
    """A strength that is not one of the codes (the message names the area and the value)."""


@dataclass
class AreaEdit:
    rows: list[dict[str, Any]]  # every area, with the strengths chosen
    changed: list[str]  # "Ealing: weak → strong", one per area changed

    def table(self) -> pl.DataFrame:
        """The new ``areas`` table."""
        return pl.DataFrame([{k: r.get(k) for k in _SCHEMA} for r in self.rows], schema=_SCHEMA)


def area_rows(db_path: Path) -> list[dict[str, Any]]:
    """One row per area in the store: its ``areas`` row, or the area's name alone."""
    with Store(db_path) as store:
        if "areas" in store.tables_present:
            return store.table("areas").drop("source_row", strict=False).sort("local_authority").to_dicts()
        names = store.query(
            "SELECT DISTINCT local_authority FROM clients WHERE local_authority IS NOT NULL ORDER BY 1"
        )
    return [
        {"local_authority": n, "integration_strength": None, "co_located": None, "population": None}
        for n in names["local_authority"].to_list()
    ]


def edit_strengths(rows: list[dict[str, Any]], chosen: dict[int, str]) -> AreaEdit:
    """``rows`` with the strengths ``chosen`` (row number -> code, "" = not recorded); rows not
    in ``chosen`` keep theirs. AreaEditError names the first value that is not a code."""
    out, changed = [dict(r) for r in rows], []
    for i, r in enumerate(out):
        if i not in chosen:
            continue
        value = chosen[i] or None
        if value is not None and value not in STRENGTHS:
            raise AreaEditError(
                f"{r['local_authority']}: '{value[:30]}' is not one of {', '.join(STRENGTHS)}"
            )
        if value != r.get("integration_strength"):
            old = r.get("integration_strength") or "blank"
            changed.append(f"{r['local_authority']}: {old} → {value or 'blank'}")
        r["integration_strength"] = value
    return AreaEdit(out, changed)


__all__ = ["STRENGTHS", "AreaEdit", "AreaEditError", "area_rows", "edit_strengths"]
