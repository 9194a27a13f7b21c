"""The dashboard under a small load: viewers reading over HTTP while an admin replaces the data.

A tiny run of benchmarks/bench_web.py (a real uvicorn server in its own process, 2 viewers for
about 3 s, the upload a third of the way in): readers see the old data or the new, never an error,
and once the import has finished every page shows the new data version.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH_WEB = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_web.py"

pytestmark = pytest.mark.slow  # about 12-15 s: demo, server start, two evaluations, 3 s of load


def _bench_web():
    spec = importlib.util.spec_from_file_location("bench_web", BENCH_WEB)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def load_run() -> dict:
    return _bench_web().run_load_test(seconds=3, viewers=2, clients=300, impact=False)


def test_readers_never_see_an_error_while_the_data_are_replaced(load_run):
    r = load_run
    assert r["errors"] == 0, r["error_samples"]
    assert r["server_log_tracebacks"] == 0, r["server_log_tail"]
    assert r["upload"]["ok"]
    assert r["requests"] >= 4
    assert r["latency"]["all pages"]["requests"] == r["requests"]


def test_after_the_upload_pages_serve_the_new_version(load_run):
    v = load_run["versions"]
    assert v["new"] and v["new"] != v["old"]
    assert v["pages_new"] >= 1  # every reader reads at least once after the import
    assert v["stale_after_upload"] == 0
    assert v["pages_other"] == 0
    assert v["final"] == v["new"]


def test_pages_read_at_once_are_the_pages_read_alone(load_run):
    assert load_run["differing_from_alone"] == 0, load_run["differing_example"]


def test_percentile():
    p = _bench_web().percentile
    assert p([], 50) is None
    assert p([5.0], 95) == 5.0
    assert p([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert p(list(map(float, range(101))), 95) == 95.0
