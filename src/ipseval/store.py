"""The embedded DuckDB store: one import is one transaction, and metric definitions are SQL views.

Importing replaces the current data set whole (never appends), so importing the same data twice
gives the same store, and a failed import leaves the store exactly as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from .schema import POLARS_DTYPES, TABLES, Column
from .settings import Settings

_SQL_TYPES = {
    "text": "VARCHAR",
    "code": "VARCHAR",
    "date": "DATE",
    "bool": "BOOLEAN",
    "integer": "BIGINT",
    "number": "DOUBLE",
}


# New stores use DuckDB's v1.3 storage format when the installed DuckDB has it: its string
# compression (DICT_FSST) loads text columns about twice as fast. Such a file needs DuckDB 1.3 or
# later to open; a store created earlier keeps its own format.
_STORAGE = (
    {"storage_compatibility_version": "v1.3.0"}
    if tuple(int(x) for x in duckdb.__version__.split(".")[:2]) >= (1, 3)
    else {}
)


# Text columns stored as ENUM (see _few_levels): tables of at least ENUM_MIN_ROWS rows, columns
# with at most ENUM_MAX_LEVELS distinct values (the first ENUM_SAMPLE_ROWS rows are looked at first)
ENUM_MIN_ROWS = 100_000
ENUM_MAX_LEVELS = 1_000
ENUM_SAMPLE_ROWS = 10_000
ROWS_SUFFIX = "__rows"
FEW_VALUED_IDS = {"employment_specialist_id"}  # text ids with few values (a service's specialists)


class StoreError(Exception):
    """The store could not be opened or written; the message says which file and why."""


def metrics_sql() -> str:
    """The metric definitions (views and macros) as an analyst can read them."""
    return resources.files("ipseval").joinpath("sql/metrics.sql").read_text(encoding="utf-8")


def unrecorded_columns(tables: dict[str, pl.DataFrame]) -> list[str]:
    """The optional columns (``"table.column"``) that hold no known value: absent, blank in every
    row, or 'unknown' in every row. Figures that rest on them are "not recorded", never 0."""
    from .schema import UNKNOWN

    out = []
    for name, frame in tables.items():
        for c in TABLES[name].columns:
            if c.required:
                continue
            if c.name not in frame.columns:
                out.append(f"{name}.{c.name}")
                continue
            col = frame[c.name]
            known = col.drop_nulls()
            if c.codes and UNKNOWN in c.codes:
                known = known.filter(known != UNKNOWN)
            if known.len() == 0:
                out.append(f"{name}.{c.name}")
    return out


def _typed_frame(name: str, frame: pl.DataFrame | None) -> pl.DataFrame:
    """The table with exactly the standard's columns (plus source_row), typed; empty if absent."""
    table = TABLES[name]
    cols: list[Column] = list(table.columns)
    if frame is None:
        schema = {c.name: POLARS_DTYPES[c.type] for c in cols} | {"source_row": pl.Int64}
        return pl.DataFrame(schema=schema)
    exprs = []
    for c in cols:
        if c.name in frame.columns and _kept_compact(frame, c.name, POLARS_DTYPES[c.type]):
            exprs.append(pl.col(c.name))  # DuckDB reads a categorical's Parquet column as text
        elif c.name in frame.columns:
            exprs.append(pl.col(c.name).cast(POLARS_DTYPES[c.type]))
        else:
            exprs.append(pl.lit(None, dtype=POLARS_DTYPES[c.type]).alias(c.name))
    row = pl.col("_row").cast(pl.Int64) if "_row" in frame.columns else pl.lit(None, dtype=pl.Int64)
    return frame.select(*exprs, row.alias("source_row"))


def _kept_compact(frame: pl.DataFrame, column: str, dtype: pl.DataType) -> bool:
    """A text column a big file's reader kept as categoricals (ingest.parts): cast to text here it
    would take its full size in memory again, for nothing."""
    return frame.schema[column] == pl.Categorical and dtype == pl.String


def _params_frames(settings: Settings, data_cut: date) -> dict[str, pl.DataFrame]:
    d = settings.definitions
    return {
        "params": pl.DataFrame(
            {
                "data_cut": [data_cut],
                "job_start_min_hours": [float(d.job_start_min_hours)],
                "hours_threshold": [float(d.hours_threshold)],
                "window_months": [int(d.job_entry_window_months)],
                "unknown_employed_in_denominator": [d.missing_employed_at_referral == "not_employed"],
            }
        ),
        "sustainment_horizons": pl.DataFrame({"weeks": d.sustainment_weeks}, schema={"weeks": pl.Int64}),
        "meeting_bands": pl.DataFrame(
            {
                "ord": list(range(1, len(d.meeting_bands) + 1)),
                "label": [b.label for b in d.meeting_bands],
                "low": [b.low for b in d.meeting_bands],
                "high": [b.high for b in d.meeting_bands],
            },
            schema={"ord": pl.Int64, "label": pl.Utf8, "low": pl.Int64, "high": pl.Int64},
        ),
    }


@dataclass
class ImportSummary:
    db_path: Path
    tables_present: list[str]
    content_hash: str


def import_dataset(
    db_path: str | Path,
    tables: dict[str, pl.DataFrame],
    settings: Settings,
    data_cut: date,
    row_counts: pl.DataFrame | None = None,
    problems: pl.DataFrame | None = None,
    meta: dict[str, Any] | None = None,
    present: list[str] | None = None,
    unrecorded: list[str] | None = None,
    *,
    record_keys: pl.DataFrame | None = None,
    key_secret: bytes | None = None,
    consume: bool = False,
) -> ImportSummary:
    """Replace the store's data with ``tables`` in one transaction (all or nothing).

    ``present``: the tables the data set supplied. By default those with at least one row: a table
    that is absent or has no usable rows makes its figures "not reported", never 0. A part of a
    data set (a dashboard view) passes its whole data set's list, as its tables' rows are known
    to be complete for the clients it holds, even when there are none. ``unrecorded``: the
    optional columns (``"table.column"``) the data set does not record (absent, or no known value
    in any row); by default worked out from ``tables``, and a part passes its whole data set's.

    Every client gets a record key for the cell key method (table ``client_keys``: client_id,
    record_key; see :mod:`ipseval.disclosure.cellkey`). ``record_keys``: keys to keep (a part of
    a data set passes its parent's, so the same people give the same perturbed figures); clients
    without one, and every client when it is None, get a key drawn from a seed derived from
    ``key_secret`` (the same secret gives a client the same key at every import), or from fresh
    random bytes when no secret is given.

    ``consume``: each table is removed from ``tables`` once it is in the store, so its memory goes
    as the next one loads (an evaluation's own import: at a million clients, a gigabyte).
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    frames = {name: _typed_frame(name, tables.get(name)) for name in TABLES}
    frames |= _params_frames(settings, data_cut)
    frames["import_row_counts"] = row_counts if row_counts is not None else pl.DataFrame()
    frames["import_problems"] = problems if problems is not None else pl.DataFrame()
    frames[CLIENT_KEYS] = _client_keys(frames["clients"], record_keys, key_secret)
    if present is None:
        present = [n for n in TABLES if n in tables and tables[n].height > 0]
    present = sorted(n for n in present if n in TABLES)
    if unrecorded is None:
        unrecorded = unrecorded_columns({n: tables[n] for n in present})
    try:
        con = duckdb.connect(str(db_path), config=_STORAGE)
    except duckdb.Error as e:
        raise StoreError(f"{db_path}: cannot open the store ({e})") from None
    try:
        with (
            tempfile.TemporaryDirectory(prefix="ipseval-import-") as staging,
            ThreadPoolExecutor(max_workers=2) as pool,
        ):
            # Frames travel to DuckDB as Parquet written by polars itself: handing over Arrow
            # objects would import pyarrow and pandas (~0.5 s), a sixth of a small evaluation.
            # Uncompressed, as the files live for a moment. Files are written (and the content
            # hash computed) in the background while DuckDB loads the ones already written.
            # the keys are not the data: a data set imported again hashes the same
            staged = {
                name: pool.submit(_stage, frame, Path(staging) / f"{name}.parquet", name != CLIENT_KEYS)
                for name, frame in frames.items()
            }
            if consume:
                frames.clear()  # the jobs hold each frame until it is written
            con.execute("SET preserve_insertion_order = false")  # faster bulk load; rows keep source_row
            con.execute("BEGIN TRANSACTION")
            catalog = _Catalog.of(con)
            parts: dict[str, bytes] = {}
            for name, job in staged.items():
                done = job.result()
                _load_table(con, name, done, catalog)
                if done is not None and done.digest is not None:
                    parts[name] = done.digest
                elif name != CLIENT_KEYS:
                    parts[name] = _digest_part(
                        name, _typed_frame(name, None) if name in TABLES else pl.DataFrame()
                    )
                if consume:
                    tables.pop(name, None)
            digest = _content_hash_of(parts)
            meta_row = {
                "source": str((meta or {}).get("source", "")),
                "data_cut": data_cut.isoformat(),
                "tables_present": ",".join(present),
                "unrecorded": ",".join(unrecorded),
                "content_hash": digest,
                "settings_json": settings.model_dump_json(),
                **{k: json.dumps(v, default=str) for k, v in (meta or {}).items() if k != "source"},
            }
            meta_frame = pl.DataFrame({k: [v] for k, v in meta_row.items()})
            _load_table(
                con, "dataset_meta", _stage(meta_frame, Path(staging) / "dataset_meta.parquet"), catalog
            )
            con.execute(metrics_sql())
            # every metric and model starts from client_outcomes (about 0.7 s per use at a million
            # clients): keep its rows once as a table, behind a view of the same name, so the SQL
            # file stays the readable definition and the data are fixed at import like everything else
            con.execute("CREATE OR REPLACE TABLE client_outcomes_rows AS SELECT * FROM client_outcomes")
            con.execute("CREATE OR REPLACE VIEW client_outcomes AS SELECT * FROM client_outcomes_rows")
            con.execute("COMMIT")
    except Exception:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return ImportSummary(db_path=db_path, tables_present=present, content_hash=digest)


_HASH_ROWS = 1 << 20
CLIENT_KEYS = "client_keys"
UNUSABLE_KEYS = "unusable"  # meta record_keys: this store's keys must not be used to perturb


def _client_keys(
    clients: pl.DataFrame, record_keys: pl.DataFrame | None, key_secret: bytes | None
) -> pl.DataFrame:
    """One record key per client (see :func:`import_dataset`)."""
    from .disclosure.cellkey import KEY_MODULUS, key_seed
    from .disclosure.cellkey import record_keys as draw

    ids = clients.select(pl.col("client_id").cast(pl.Utf8)).unique(maintain_order=True)
    schema = {"client_id": pl.Utf8, "record_key": pl.Int64}
    if record_keys is not None and record_keys.height:
        given = record_keys.select(pl.col("client_id").cast(pl.Utf8), pl.col("record_key").cast(pl.Int64))
        if (
            given["record_key"].is_null().any()
            or not given["record_key"].is_between(0, KEY_MODULUS - 1).all()
        ):
            raise ValueError(f"record keys must be whole numbers from 0 to {KEY_MODULUS - 1}")
        kept = ids.join(given.unique("client_id", keep="first"), on="client_id", how="left")
    else:
        kept = ids.with_columns(pl.lit(None, dtype=pl.Int64).alias("record_key"))
    new = kept.filter(pl.col("record_key").is_null())
    if new.height:
        drawn = new.with_columns(draw(new["client_id"], key_seed(key_secret)))
        kept = pl.concat([kept.filter(pl.col("record_key").is_not_null()), drawn])
    return kept.select(list(schema)).cast(schema)  # type: ignore[arg-type]


@dataclass
class _Staged:
    path: Path | None
    few_levels: list[str]  # text columns that may have few distinct values (see _few_levels)
    digest: bytes | None = None  # its part of the content hash (see _digest_part)


def _stage(frame: pl.DataFrame, path: Path, hashed: bool = True) -> _Staged | None:
    """Write ``frame`` as Parquet for DuckDB to read, with its part of the content hash; None for a
    frame without columns."""
    digest = _digest_part(path.stem, frame) if hashed else None
    if not frame.width:
        return _Staged(None, [], digest) if hashed else None
    frame.write_parquet(path, compression="uncompressed", statistics=False)
    return _Staged(path, _few_levels(frame, path.stem), digest)


def _few_levels(frame: pl.DataFrame, table: str) -> list[str]:
    """Columns of a big table to store as ENUM, if DuckDB then finds few values in them: codes and
    specialist ids, whose first rows show few values. Loading millions of short strings is the
    slowest part of an import (25 million meetings: 3.8 s for mode and specialist as text, 1.2 s
    as ENUM). Only columns the SQL compares and groups as they are: free text the SQL lowercases
    or trims (employer, sector, questionnaire names) stays text, because DuckDB runs a string
    function once per distinct value on stored text but once per row on an ENUM read as text."""
    if frame.height < ENUM_MIN_ROWS or table not in TABLES:
        return []
    codes = {c.name for c in TABLES[table].columns if c.type == "code"} | FEW_VALUED_IDS
    return [
        name
        for name, dtype in frame.schema.items()
        if name in codes
        and dtype in (pl.String, pl.Categorical)
        and frame[name].head(ENUM_SAMPLE_ROWS).drop_nulls().n_unique() <= ENUM_MAX_LEVELS
    ]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class _Catalog:
    """What the store held when the import began (asked once: each catalog query costs ~30 ms)."""

    views: set[str]
    tables: set[str]
    types: set[str]

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection) -> _Catalog:
        def names(sql: str) -> set[str]:
            return {r[0] for r in con.execute(sql).fetchall()}

        return cls(
            names("SELECT view_name FROM duckdb_views() WHERE NOT internal"),
            names("SELECT table_name FROM duckdb_tables()"),
            names("SELECT type_name FROM duckdb_types() WHERE NOT internal"),
        )


def _drop(con: duckdb.DuckDBPyConnection, name: str, catalog: _Catalog) -> None:
    """Drop table or view ``name`` with its stored rows and ENUM types, whichever exist."""
    if name in catalog.views:
        con.execute(f"DROP VIEW {_ident(name)}")
    for table in (name, name + ROWS_SUFFIX):
        if table in catalog.tables:
            con.execute(f"DROP TABLE {_ident(table)} CASCADE")
    for t in sorted(t for t in catalog.types if t.startswith(name + ROWS_SUFFIX + "_")):
        con.execute(f"DROP TYPE {_ident(t)}")


def _load_table(con: duckdb.DuckDBPyConnection, name: str, staged: _Staged | None, catalog: _Catalog) -> None:
    """Replace table ``name`` with the staged Parquet file (an empty placeholder table if None).

    Text columns with few values are stored as ENUM in ``<name>__rows``; ``<name>`` is then a view
    giving them back as text, so every query reads the table as it was imported.
    """
    _drop(con, name, catalog)
    if staged is None or staged.path is None:
        con.execute(f"CREATE TABLE {_ident(name)} (empty BOOLEAN)")
        return
    # a literal, not a parameter: DuckDB imports pandas to inspect Python parameters
    source = f"read_parquet({_literal(str(staged.path))})"
    levels = {}
    for col in staged.few_levels:
        found = con.execute(
            f"SELECT DISTINCT {_ident(col)} FROM {source} WHERE {_ident(col)} IS NOT NULL "
            f"LIMIT {ENUM_MAX_LEVELS + 1}"
        ).fetchall()
        if len(found) <= ENUM_MAX_LEVELS:
            levels[col] = sorted(v for (v,) in found)
    if not levels:
        con.execute(f"CREATE TABLE {_ident(name)} AS SELECT * FROM {source}")
        return
    rows = name + ROWS_SUFFIX
    as_enum, as_text = [], []
    for col, values in levels.items():
        kind = _ident(f"{rows}_{col}")
        con.execute(f"CREATE TYPE {kind} AS ENUM ({', '.join(map(_literal, values))})")
        as_enum.append(f"CAST({_ident(col)} AS {kind}) AS {_ident(col)}")
        as_text.append(f"CAST({_ident(col)} AS VARCHAR) AS {_ident(col)}")
    con.execute(f"CREATE TABLE {_ident(rows)} AS SELECT * REPLACE ({', '.join(as_enum)}) FROM {source}")
    con.execute(f"CREATE VIEW {_ident(name)} AS SELECT * REPLACE ({', '.join(as_text)}) FROM {_ident(rows)}")


def _content_hash(frames: dict[str, pl.DataFrame]) -> str:
    """A digest of the tables' contents, the same for the same rows in any order."""
    return _content_hash_of({name: _digest_part(name, f) for name, f in frames.items()})


def _content_hash_of(parts: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(parts):
        h.update(parts[name])
    return h.hexdigest()[:16]


def _digest_part(name: str, f: pl.DataFrame) -> bytes:
    """One table's share of the content hash: its name, its columns' types (a big file's
    categoricals as the text they are) and an order-independent digest of its rows."""
    cats = [c for c, t in f.schema.items() if t == pl.Categorical]
    schema = pl.Schema({c: pl.String if c in cats else t for c, t in f.schema.items()})
    out = name.encode() + str(schema).encode()
    if f.height:
        # the rows of a big file's categoricals hashed as text, a slice at a time
        total = 0
        for part in f.iter_slices(_HASH_ROWS) if cats else [f]:
            part = part.with_columns(pl.col(cats).cast(pl.String)) if cats else part
            total += int(part.hash_rows(seed=1).sum())
        out += str(total % (1 << 64) if cats else f.hash_rows(seed=1).sum()).encode()
    return out


def sql_literal(value: object) -> str:
    """A Python value as a SQL literal of the type DuckDB gives that value as a parameter: BOOLEAN,
    INTEGER (BIGINT if larger), DOUBLE (exact: the shortest repr round-trips), VARCHAR, DATE,
    TIMESTAMP, NULL. For queries an evaluation runs: any parameter makes DuckDB import pandas
    (half a second or more), which nothing else there needs."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"CAST('{value!r}' AS DOUBLE)"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


class Store:
    """Read access to an imported data set."""

    def __init__(self, db_path: str | Path, read_only: bool = True):
        self.path = Path(db_path)
        # results of costly queries that several analyses share, made once per open store (the
        # store is read-only while open, so they cannot go stale)
        self.memo: dict[Any, Any] = {}
        if not self.path.is_file():
            raise StoreError(f"{self.path}: no store here (run 'ipseval evaluate' or import first)")
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
            # no DuckDB progress bar: the CLI draws its own, and a second one garbles the terminal
            self.con.execute("SET enable_progress_bar = false")
        except duckdb.Error as e:
            raise StoreError(f"{self.path}: cannot open the store ({e})") from None

    def cursor(self) -> Store:
        """Another connection to the same open store, for work in another thread (a DuckDB
        connection is used by one thread at a time); it has its own memo. Close it when done."""
        other = object.__new__(Store)
        other.path, other.memo, other.con = self.path, {}, self.con.cursor()
        return other

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def query(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        # through the Arrow C stream interface: no pyarrow import needed
        return pl.DataFrame(self.con.sql(sql, params=params or None))

    def table(self, name: str) -> pl.DataFrame:
        return self.query(f'SELECT * FROM "{name}"')

    @property
    def meta(self) -> dict[str, str]:
        """The import's record (source, data cut, tables present, settings...): read once per open
        store, as every analysis asks for it and it cannot change while the store is open."""
        found = self.memo.get("dataset_meta")
        if found is None:
            found = self.memo["dataset_meta"] = self.query("SELECT * FROM dataset_meta").to_dicts()[0]
        return dict(found)

    @property
    def data_cut(self) -> date:
        return date.fromisoformat(self.meta["data_cut"])

    @property
    def data_cut_source(self) -> str:
        """Where the data cut came from ('settings', 'latest date in the data', 'set for this
        upload'); 'settings' for a store imported without it."""
        try:
            return str(json.loads(self.meta.get("data_cut_source") or '"settings"'))
        except ValueError:
            return "settings"

    @property
    def tables_present(self) -> list[str]:
        v = self.meta["tables_present"]
        return v.split(",") if v else []

    @property
    def unrecorded(self) -> set[str]:
        """Optional columns (``"table.column"``) the data set does not record (see
        :func:`unrecorded_columns`); empty for a store imported before this was kept."""
        v = self.meta.get("unrecorded") or ""
        return set(v.split(",")) if v else set()

    @property
    def record_keys(self) -> pl.DataFrame | None:
        """Each client's record key (client_id, record_key) for the cell key method; None for a
        store imported before keys were kept (its tables then cannot be perturbed)."""
        if "record_keys" not in self.memo:
            if self.meta.get("record_keys") == json.dumps(UNUSABLE_KEYS):
                self.memo["record_keys"] = None
                return None
            has = self.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'client_keys'")[
                "n"
            ][0]
            self.memo["record_keys"] = self.table(CLIENT_KEYS) if has else None
        return self.memo["record_keys"]

    def settings(self) -> Settings:
        return Settings.model_validate_json(self.meta["settings_json"])
