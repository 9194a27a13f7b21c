"""Who the service supported: the client profile in R gtsummary's Table 1 conventions.

Categorical characteristics: n (%); continuous ones: median (Q1, Q3) using quantile type 2
(gtsummary's default); an Unknown row wherever values are missing. Percentages are of all clients,
not of known values as gtsummary's default: with known values as the base, a hidden Unknown count
could be recovered from any visible percentage. Codes stay codes here; labels come when rendering.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .disclosure.cellkey import key_sum, keyed
from .results import Rate, ResultTable, RowsAddUp, SameCount
from .schema import CLIENTS, UNKNOWN
from .store import Store

PROFILE_CHARACTERISTICS = (
    "local_authority",
    "referral_year",
    "referral_source",
    "employed_at_referral",
    "age",
    "age_band",
    "sex",
    "ethnicity",
    "main_substance",
    "treatment_status",
    "time_since_last_job",
    "benefits",
    "gp_visit_recent",
    "ae_visit_recent",
    "housing_tenure",
    "criminal_conviction",
    "work_confidence",
    "highest_qualification",
)


# age bands at referral (label, youngest, oldest; None = no upper limit), as the published
# infographic's age distribution; the data standard's ages start at 16
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("16-24", 16, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-64", 55, 64),
    ("65+", 65, None),
)
DERIVED = {"age_band": "age", "referral_year": "referral_date"}  # characteristic -> its source column


def age_band(age: pl.Expr) -> pl.Expr:
    """The :data:`AGE_BANDS` label of each age (null where the age is unknown; an age below the
    first band counts in it)."""
    out = pl.lit(None, dtype=pl.Utf8)
    for label, _low, high in reversed(AGE_BANDS):
        out = pl.when(age <= high).then(pl.lit(label)).otherwise(out) if high is not None else pl.lit(label)
    return pl.when(age.is_null()).then(pl.lit(None, dtype=pl.Utf8)).otherwise(out)


def _levels(name: str, values: pl.Series) -> list[str]:
    if name == "age_band":
        return [label for label, _low, _high in AGE_BANDS]
    if name in ("local_authority", "referral_year"):
        return sorted(v for v in values.drop_nulls().unique().to_list())
    col = CLIENTS.column(name)
    if col.type == "bool":
        return ["yes", "no"]
    assert col.codes is not None
    return [c for c in col.codes if c != UNKNOWN]


def _quantile_type2(x: np.ndarray, q: float) -> float:
    return float(np.quantile(x, q, method="averaged_inverted_cdf"))


def client_profile(clients: pl.DataFrame) -> pl.DataFrame:
    """The tidy Table 1 for a clients frame (pure: no store needed). With a ``record_key`` column,
    also the cell keys of ``n`` and ``clients`` (``n_key``, ``clients_key``; see
    :mod:`ipseval.disclosure.cellkey`)."""
    df = clients.with_columns(pl.col("referral_date").dt.year().cast(pl.Utf8).alias("referral_year"))
    if "age" in df.columns:
        df = df.with_columns(age_band(pl.col("age")).alias("age_band"))
    total = df.height
    rows: list[dict] = []
    rk = df["record_key"].to_numpy() if "record_key" in df.columns else None
    total_key = key_sum(rk) if rk is not None else None
    level_keys: list[int | None] = []  # n_key of each row, in row order
    for name in PROFILE_CHARACTERISTICS:
        s = df[name]
        kind = "continuous" if name in ("age", "work_confidence") else "categorical"
        if kind == "continuous":
            known = s.drop_nulls().cast(pl.Float64).to_numpy()
            rows.append(
                {
                    "characteristic": name,
                    "level": "",
                    "level_order": 0,
                    "kind": "continuous",
                    "n": int(known.size),
                    "clients": total,
                    "median": _quantile_type2(known, 0.5) if known.size else None,
                    "q1": _quantile_type2(known, 0.25) if known.size else None,
                    "q3": _quantile_type2(known, 0.75) if known.size else None,
                }
            )
            level_keys.append(key_sum(rk, s.is_not_null().to_numpy()) if rk is not None else None)
            missing = total - int(known.size)
            missing_mask = s.is_null().to_numpy()
        else:
            if s.dtype == pl.Boolean:
                s = pl.select(pl.when(s).then(pl.lit("yes")).when(~s).then(pl.lit("no"))).to_series()
            s = s.fill_null(UNKNOWN)
            counts = dict(s.value_counts().iter_rows())
            missing_mask = (s == UNKNOWN).to_numpy()
            missing = int(counts.get(UNKNOWN, 0))
            levels = _levels(name, s.filter(s != UNKNOWN))
            # codes present but outside the list (should not survive validation) still get a row
            levels += sorted(k for k in counts if k not in levels and k != UNKNOWN)
            for i, level in enumerate(levels, start=1):
                rows.append(
                    {
                        "characteristic": name,
                        "level": level,
                        "level_order": i,
                        "kind": "categorical",
                        "n": int(counts.get(level, 0)),
                        "clients": total,
                        "median": None,
                        "q1": None,
                        "q3": None,
                    }
                )
                level_keys.append(key_sum(rk, (s == level).to_numpy()) if rk is not None else None)
        if missing:
            rows.append(
                {
                    "characteristic": name,
                    "level": UNKNOWN,
                    "level_order": 999,
                    "kind": "unknown",
                    "n": missing,
                    "clients": total,
                    "median": None,
                    "q1": None,
                    "q3": None,
                }
            )
            level_keys.append(key_sum(rk, missing_mask) if rk is not None else None)
    out = pl.DataFrame(
        rows,
        schema={
            "characteristic": pl.Utf8,
            "level": pl.Utf8,
            "level_order": pl.Int64,
            "kind": pl.Utf8,
            "n": pl.Int64,
            "clients": pl.Int64,
            "median": pl.Float64,
            "q1": pl.Float64,
            "q3": pl.Float64,
        },
    )
    out = out.with_columns(
        pl.when((pl.col("kind") != "continuous") & (pl.col("clients") > 0))
        .then(pl.col("n") / pl.col("clients"))
        .otherwise(None)
        .alias("percent")
    )
    if rk is not None:
        out = out.with_columns(
            pl.Series("n_key", level_keys, dtype=pl.Int64),
            pl.lit(total_key, dtype=pl.Int64).alias("clients_key"),
        )
    return out


def profile(store: Store) -> ResultTable:
    """Table 1: every characteristic the data set records, for all referred clients (one that is
    blank or unknown for everyone is named in a note, not shown as 100% unknown)."""
    from .labels import characteristic_label

    gone = [c for c in PROFILE_CHARACTERISTICS if f"clients.{DERIVED.get(c, c)}" in store.unrecorded]
    clients = store.table("clients")
    record_keys = store.record_keys
    if record_keys is not None:  # cell keys for perturbed views
        clients = clients.join(record_keys, on="client_id", how="left")
    data = client_profile(clients).filter(~pl.col("characteristic").is_in(gone))
    data, keys = keyed(data, ["n", "clients"], usable=record_keys is not None)
    if keys:  # a row's people: all clients, or the area's or year's own (those levels are filters too)
        data = data.with_columns(
            pl.when(pl.col("characteristic").is_in(["local_authority", "referral_year"]))
            .then(pl.col("n_key"))
            .otherwise(pl.col("clients_key"))
            .alias("population_key")
        )
    notes = ["n (% of all clients); median (Q1, Q3) for age and work confidence; Unknown = not recorded."]
    if gone:
        notes.append(
            "Not recorded for any client, so not shown: " + ", ".join(map(characteristic_label, gone)) + "."
        )
    return ResultTable(
        key="profile",
        title="Who the service supported",
        data=data,
        dims=["characteristic", "level", "level_order", "kind"],
        counts=["n", "clients"],
        keys=keys,
        population_key="population_key" if keys else "",
        rates={"percent": Rate("n", "clients")},
        guarded={"median": "n", "q1": "n", "q3": "n"},
        # each characteristic's levels add up to all referrals
        additive=[RowsAddUp("n", ("characteristic",), of=("referrals", ("=overall", "=All")))],
        # areas and referral years are the outcomes table's rows; every row's 'clients' is all referrals
        shares=[
            *(
                SameCount("n", "referrals", (f"={c}", "level"), where=(("characteristic", c),))
                for c in ("local_authority", "referral_year")
            ),
            SameCount("clients", "referrals", ("=overall", "=All")),
            # age bands are ages: their Unknown row counts the same people as the age's
            *(
                SameCount("n", "profile_age_unknown", (), where=(("characteristic", c), ("kind", "unknown")))
                for c in ("age", "age_band")
            ),
        ],
        columns={
            "characteristic": "client characteristic (standard column name; age_band: age in the "
            "bands 16-24, 25-34, 35-44, 45-54, 55-64 and 65+)",
            "level": "category code; 'unknown' = missing; blank for a continuous summary",
            "kind": "categorical, continuous or unknown",
            "n": "clients in the category (continuous: clients with a value)",
            "clients": "all clients in the profile (denominator of percent)",
            "percent": "n / clients (share of all clients, Unknown included)",
            "median": "median (continuous characteristics)",
            "q1": "first quartile (quantile type 2)",
            "q3": "third quartile (quantile type 2)",
        },
        notes=notes,
    )
