"""Wilson 95% intervals (the outcome, sustainment and meeting-band tables) against R's prop.test.

Reference: tests/reference/rates.R, ``prop.test(x, n, correct = FALSE)$conf.int`` on the demo's
counts and edge cases (0 of n, n of n, 1 of 1). Deterministic: tolerance 1e-8.

Both of ipseval's implementations are checked: the SQL macros wilson_low / wilson_high the tables
are computed with (src/ipseval/sql/metrics.sql) and ipseval.disclosure.wilson_interval (used
where counts are merged or recomputed in Python).
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import polars as pl
import pytest

from ipseval.disclosure import wilson_interval
from ipseval.store import metrics_sql
from reference_helpers import assert_close, read_expected


@pytest.fixture(scope="module")
def expected() -> pl.DataFrame:
    return read_expected("rates_wilson.csv")


def test_wilson_interval(expected):
    """ipseval.disclosure.wilson_interval(x, n) against prop.test(x, n, correct = FALSE); 1e-8."""
    ours = np.array([wilson_interval(x, n) for x, n in expected.select("x", "n").iter_rows()])
    assert_close(ours[:, 0], expected["ci_low"], "Wilson lower bound")
    assert_close(ours[:, 1], expected["ci_high"], "Wilson upper bound")


def test_wilson_sql_macros(expected):
    """The store's wilson_low / wilson_high SQL macros against prop.test(correct = FALSE); 1e-8."""
    macros = re.findall(
        r"CREATE OR REPLACE MACRO (?:wilson_low|wilson_high|ratio)\(.*?;", metrics_sql(), re.S
    )
    assert len(macros) == 3
    con = duckdb.connect()
    for m in macros:
        con.execute(m)
    con.register("counts", expected.select("x", "n"))
    ours = con.execute("SELECT ratio(x, n), wilson_low(x, n), wilson_high(x, n) FROM counts").fetchnumpy()
    con.close()
    values = list(ours.values())
    assert_close(values[0], expected["rate_estimate"], "rate")
    assert_close(values[1], expected["ci_low"], "SQL Wilson lower bound")
    assert_close(values[2], expected["ci_high"], "SQL Wilson upper bound")
