"""The public Python API: complete, documented, and polars or pandas in and out."""

from __future__ import annotations

import inspect

import numpy as np
import polars as pl
import pytest

import ipseval

EXPECTED = {"read", "evaluate", "logit", "compare", "Settings", "load_settings", "ImpactResult",
            "AnalysisError", "ValidatedDataset", "EvaluationRun", "PublishedEvaluation", "__version__"}  # fmt: skip


def test_every_public_name_resolves_and_is_documented():
    assert set(ipseval.__all__) == EXPECTED
    assert sorted(dir(ipseval)) == sorted(ipseval.__all__)
    for name in ipseval.__all__:
        obj = getattr(ipseval, name)
        if name != "__version__":
            assert inspect.getdoc(obj), f"ipseval.{name} has no docstring"
    with pytest.raises(AttributeError):
        _ = ipseval.no_such_thing


def test_the_functions_the_docs_promise_are_public():
    """Every function the module docstring's example calls is in __all__."""
    import re

    called = set(re.findall(r"ipseval\.(\w+)\(", ipseval.__doc__))
    assert called and called <= set(ipseval.__all__)


def _frame(n: int = 240) -> pl.DataFrame:
    rng = np.random.default_rng(3)
    return pl.DataFrame(
        {
            "job": rng.choice(["Yes", "No", "Y", "n"], n),
            "sex": rng.choice(["Female", "female", "Male"], n),
            "age": rng.integers(18, 60, n),
        }
    )


def test_logit_reads_codes_as_validate_and_takes_pandas_too():
    df = _frame()
    fit = ipseval.logit(df, "job", ["sex", "age"], reference={"sex": "FEMALE"}, se="model")
    same = ipseval.logit(df.to_pandas(), "job", ["sex", "age"], reference={"sex": "female"}, se="model")
    assert fit.table.equals(same.table)
    levels = fit.table.filter(pl.col("term") == "sex")["level"].to_list()
    assert len(levels) == 2  # "Female" and "female" are one level
    assert any("read as one value" in n for n in fit.notes)
    as_pd = fit.to_pandas()
    assert type(as_pd).__module__.startswith("pandas") and list(as_pd.columns) == fit.table.columns
    text = fit.summary()
    assert "formula: job ~ sex + age" in text and "(reference)" in text and "OR 95% CI" in text


def test_a_yes_no_column_with_other_values_is_named():
    df = _frame().with_columns(pl.lit("maybe").alias("job"))
    with pytest.raises(ipseval.AnalysisError, match="'maybe'"):
        ipseval.logit(df, "job", ["age"], se="model")
