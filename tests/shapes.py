"""Data sets of many shapes, cut from one clean demo service: the raw material of the shape tests.

A :class:`Shape` says how to cut and damage the demo (how many clients, which optional tables and
columns to drop, and odd situations such as nobody engaged or every value unknown); :func:`write`
writes it as a folder of CSV files, as a real export would arrive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ipseval.schema import TABLES, UNKNOWN

OPTIONAL_TABLES = tuple(t for t, spec in TABLES.items() if not spec.required and t != "comparison")
OPTIONAL_CLIENT_COLUMNS = tuple(c.name for c in TABLES["clients"].columns if not c.required)
SITUATIONS = (
    "no_jobs",
    "everyone_in_work_at_referral",
    "nobody_engaged",
    "one_meeting_band",
    "every_value_unknown",
    "one_area",
    "areas_of_one_client",
    "no_meetings_attended",
)


@dataclass(frozen=True)
class Shape:
    clients: int = 30
    drop_tables: tuple[str, ...] = ()
    drop_columns: tuple[str, ...] = ()
    situations: tuple[str, ...] = field(default_factory=tuple)
    offset: int = 0  # which clients of the pool to take (so shapes differ in people, not only size)


def pool(folder: Path, n: int = 400, seed: int = 11) -> dict[str, pl.DataFrame]:
    """A clean demo service as raw text frames, to cut shapes from."""
    from ipseval.demo import write_demo

    write_demo(folder, n_clients=n, seed=seed, clean=True, interviews=False)
    return {p.stem: pl.read_csv(p, infer_schema=False) for p in sorted(folder.glob("*.csv"))}


def cut(tables: dict[str, pl.DataFrame], shape: Shape) -> dict[str, pl.DataFrame]:
    """The pool cut and damaged as ``shape`` says (text frames, as read from CSV)."""
    clients = tables["clients"].slice(shape.offset, shape.clients)
    ids = clients["client_id"].implode()
    out = {"clients": clients}
    for name, df in tables.items():
        if name == "clients" or name in shape.drop_tables:
            continue
        out[name] = df.filter(pl.col("client_id").is_in(ids)) if "client_id" in df.columns else df
    for s in shape.situations:
        out = SITUATION_FUNCTIONS[s](out)
    keep = [c for c in out["clients"].columns if c not in shape.drop_columns]
    out["clients"] = out["clients"].select(keep)
    return out


def _no_jobs(t):
    t = dict(t)
    if "jobs" in t:
        t["jobs"] = t["jobs"].clear()
    return t


def _set(t, **values):
    t = dict(t)
    t["clients"] = t["clients"].with_columns(pl.lit(v, dtype=pl.Utf8).alias(k) for k, v in values.items())
    return t


def _one_band(t):
    t = dict(t)
    if "meetings" in t:  # every client with exactly two attended meetings
        ids = t["clients"].select("client_id", pl.col("referral_date").alias("meeting_date"))
        t["meetings"] = pl.concat([ids, ids]).with_columns(pl.lit("yes").alias("attended"))
    return t


def _unknown(t):
    t = dict(t)
    c = t["clients"]
    codes = [col.name for col in TABLES["clients"].columns if col.codes and UNKNOWN in col.codes]
    others = [col.name for col in TABLES["clients"].columns if not col.required and col.name not in codes]
    c = c.with_columns(pl.lit(UNKNOWN).alias(n) for n in codes if n in c.columns)
    keep_dates = ("engagement_date", "discharge_date")
    c = c.with_columns(
        pl.lit(None, dtype=pl.Utf8).alias(n) for n in others if n in c.columns and n not in keep_dates
    )
    t["clients"] = c
    return t


def _areas_of_one(t):
    t = dict(t)
    c = t["clients"]
    names = [f"Area {i:02d}" for i in range(c.height)]
    t["clients"] = c.with_columns(pl.Series("local_authority", names))
    return t


def _no_meetings_attended(t):
    t = dict(t)
    if "meetings" in t:
        t["meetings"] = t["meetings"].with_columns(pl.lit("no").alias("attended"))
    return t


SITUATION_FUNCTIONS = {
    "no_jobs": _no_jobs,
    "everyone_in_work_at_referral": lambda t: _set(t, employed_at_referral="yes"),
    "nobody_engaged": lambda t: _set(t, engagement_date=None),
    "one_meeting_band": _one_band,
    "every_value_unknown": _unknown,
    "one_area": lambda t: _set(t, local_authority="Brent"),
    "areas_of_one_client": _areas_of_one,
    "no_meetings_attended": _no_meetings_attended,
}


def write(tables: dict[str, pl.DataFrame], folder: Path) -> Path:
    """The tables as a folder of CSV files (empty tables keep their header row)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.write_csv(folder / f"{name}.csv")
    return folder
