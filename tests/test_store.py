"""The store: one transaction per import, same data gives the same store, SQL is readable."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ipseval import store as store_mod
from ipseval.settings import Settings
from ipseval.store import Store, StoreError, import_dataset

CUT = date(2021, 1, 1)


def _clients(ids):
    return pl.DataFrame(
        {
            "client_id": ids,
            "local_authority": ["A"] * len(ids),
            "referral_date": [date(2020, 1, 1)] * len(ids),
        }
    )


def test_same_data_twice_gives_the_same_store(tmp_path):
    db = tmp_path / "s.duckdb"
    a = import_dataset(db, {"clients": _clients(["x", "y"])}, Settings(), CUT)
    b = import_dataset(db, {"clients": _clients(["y", "x"])}, Settings(), CUT)
    assert a.content_hash == b.content_hash
    with Store(db) as s:
        assert s.table("clients").height == 2


def test_failed_import_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    db = tmp_path / "s.duckdb"
    import_dataset(db, {"clients": _clients(["x", "y"])}, Settings(), CUT)
    monkeypatch.setattr(store_mod, "metrics_sql", lambda: "CREATE VIEW broken AS SELECT * FROM no_such_table")
    with pytest.raises(duckdb.CatalogException):
        import_dataset(db, {"clients": _clients(["a", "b", "c"])}, Settings(), CUT)
    with Store(db) as s:
        assert sorted(s.table("clients")["client_id"].to_list()) == ["x", "y"]
        assert s.query("SELECT count(*) AS n FROM client_outcomes")["n"][0] == 2


def test_absent_tables_exist_empty_so_the_views_work(tmp_path):
    db = tmp_path / "s.duckdb"
    summary = import_dataset(db, {"clients": _clients(["x"])}, Settings(), CUT)
    assert summary.tables_present == ["clients"]
    with Store(db) as s:
        assert s.table("jobs").height == 0
        assert (
            s.query("SELECT job_entries FROM outcomes_summary WHERE breakdown = 'overall'")["job_entries"][0]
            == 0
        )
        assert s.tables_present == ["clients"]
        assert s.data_cut == CUT


def test_settings_are_kept_with_the_data(tmp_path):
    db = tmp_path / "s.duckdb"
    s = Settings.model_validate({"service_name": "Test IPS", "definitions": {"hours_threshold": 20}})
    import_dataset(db, {"clients": _clients(["x"])}, s, CUT)
    with Store(db) as st:
        assert st.settings().definitions.hours_threshold == 20
        assert st.query("SELECT hours_threshold FROM params")["hours_threshold"][0] == 20


def test_missing_store_is_a_plain_error(tmp_path):
    with pytest.raises(StoreError, match="no store here"):
        Store(tmp_path / "nothing.duckdb")


def test_new_store_uses_the_faster_storage_format_and_old_stores_still_import(tmp_path):
    db = tmp_path / "s.duckdb"
    import_dataset(db, {"clients": _clients(["x"])}, Settings(), CUT)
    con = duckdb.connect(str(db), read_only=True)
    version = con.sql("SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 's'")
    expected = store_mod._STORAGE.get("storage_compatibility_version", "v1.0.0")
    assert version.fetchone()[0].startswith(expected)
    con.close()

    old = tmp_path / "old.duckdb"
    duckdb.connect(str(old)).close()  # a store file made with DuckDB's default format
    import_dataset(old, {"clients": _clients(["x", "y"])}, Settings(), CUT)
    with Store(old) as s:
        assert s.table("clients").height == 2


def test_few_valued_text_is_stored_as_enum_and_read_back_as_text(tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod, "ENUM_MIN_ROWS", 1)
    monkeypatch.setattr(store_mod, "ENUM_MAX_LEVELS", 2)
    db = tmp_path / "s.duckdb"
    clients = _clients(["x", "y", "z"]).with_columns(pl.Series("sex", ["female", None, "male"]))
    import_dataset(db, {"clients": clients}, Settings(), CUT)
    # a second import over the ENUM tables replaces them (and their types), and a failed one
    # leaves them as they were
    import_dataset(
        db, {"clients": clients.with_columns(pl.lit("B").alias("local_authority"))}, Settings(), CUT
    )
    monkeypatch.setattr(store_mod, "metrics_sql", lambda: "CREATE VIEW broken AS SELECT * FROM no_such_table")
    with pytest.raises(duckdb.CatalogException):
        import_dataset(db, {"clients": _clients(["a"])}, Settings(), CUT)
    with Store(db) as s:
        kinds = dict(
            s.con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'clients__rows'"
            ).fetchall()
        )
        assert kinds["sex"].startswith("ENUM")  # a code
        assert kinds["client_id"] == "VARCHAR"  # not a code; and three values: more than ENUM_MAX_LEVELS
        assert kinds["local_authority"] == "VARCHAR"  # free text: stays text
        back = s.table("clients")
        assert back.schema["local_authority"] == pl.String and back.schema["sex"] == pl.String
        assert back.sort("client_id")["sex"].to_list() == ["female", None, "male"]
        assert set(back["local_authority"]) == {"B"}


def test_enum_storage_changes_no_result(tmp_path, monkeypatch):
    """The demo evaluated from a store with ENUM columns and from one with text only: same tables."""
    from ipseval import demo
    from ipseval.evaluation import compute
    from ipseval.settings import load_settings
    from ipseval.validate import load

    data = tmp_path / "data"
    demo.write_demo(data, interviews=False)
    settings = load_settings(search_dir=data)
    settings.impact.imputations = 0
    ds = load(data, settings)
    results = {}
    for label, min_rows in (("text", 10**12), ("enum", 50)):
        monkeypatch.setattr(store_mod, "ENUM_MIN_ROWS", min_rows)
        db = tmp_path / f"{label}.duckdb"
        import_dataset(
            db, ds.tables, settings, ds.data_cut, row_counts=ds.row_counts, key_secret=b"same keys"
        )
        with Store(db) as s:
            if label == "enum":
                assert (
                    s.con.execute(
                        "SELECT count(*) FROM duckdb_types() WHERE type_name LIKE 'meetings__rows_%'"
                    ).fetchone()[0]
                    >= 2
                )
            results[label] = {k: t.data for k, t in compute(s, settings).tables.items()}
    assert results["text"].keys() == results["enum"].keys()
    for key, frame in results["text"].items():
        # equal to the last few bits: group order can change the order floats are summed in
        assert_frame_equal(frame, results["enum"][key], rel_tol=1e-12, abs_tol=1e-12)
