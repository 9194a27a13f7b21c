"""Shared test helpers: a store made from hand-written frames in one line."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import settings as hypothesis_settings

from ipseval.settings import Settings
from ipseval.store import Store, import_dataset

# Properties test correctness, not speed: hypothesis' default 200 ms per example fails them on a
# loaded machine (CI shares its cores). Speed is measured by `make bench`.
hypothesis_settings.register_profile("ipseval", deadline=None)
hypothesis_settings.load_profile("ipseval")

# Every table the validator outputs in the tests is also checked against the pandera contract.
os.environ.setdefault("IPSEVAL_CONTRACT_CHECKS", "1")


@pytest.fixture
def make_store(tmp_path: Path):
    """make_store(tables, data_cut, settings=None) -> open read-only Store."""
    opened: list[Store] = []

    def _make(tables: dict[str, pl.DataFrame], data_cut: date, settings: Settings | None = None) -> Store:
        path = tmp_path / f"store{len(opened)}.duckdb"
        import_dataset(path, tables, settings or Settings(), data_cut)
        store = Store(path)
        opened.append(store)
        return store

    yield _make
    for s in opened:
        s.close()


@pytest.fixture(scope="session")
def demo_store_and_settings(tmp_path_factory):
    """The 718-client demo (with its ipseval.toml), validated and imported once per test session."""
    from ipseval import demo
    from ipseval.settings import load_settings
    from ipseval.validate import load

    d = tmp_path_factory.mktemp("demo") / "data"
    demo.write_demo(d, interviews=False)
    settings = load_settings(search_dir=d)
    ds = load(d, settings)
    db = d.parent / "store.duckdb"
    import_dataset(db, ds.tables, settings, ds.data_cut, row_counts=ds.row_counts)
    with Store(db) as store:
        yield store, settings


@pytest.fixture
def demo_store(demo_store_and_settings):
    return demo_store_and_settings[0]
