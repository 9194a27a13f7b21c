"""The typed tables validation returns, as pandera schemas built from schema.py: a check on
validate's own code (a failure is a bug), run by the test suite."""

from __future__ import annotations

import polars as pl

from ipseval.schema import POLARS_DTYPES, TABLES, UNKNOWN


def contract_checks_on() -> bool:
    """The pandera contract check guards against bugs in this module, not in the user's data, so it
    runs in the test suite (and with IPSEVAL_CONTRACT_CHECKS=1) but not on every user run: importing
    and running pandera costs more than a second, against a 3-second budget for a whole evaluation."""
    import os

    return os.environ.get("IPSEVAL_CONTRACT_CHECKS", "") not in ("", "0")


def contract(table: str):  # -> pandera.polars.DataFrameSchema
    """The typed output of ``table`` as a pandera schema, built from schema.py (a failure is a bug)."""
    import pandera.polars as pa

    from ipseval.validate import BLANK_DEFAULTS  # validate imports this module

    spec = TABLES[table]
    columns = {}
    for c in spec.columns:
        checks = []
        if c.codes:
            checks.append(pa.Check.isin(list(c.codes)))
        if c.minimum is not None:
            checks.append(pa.Check.ge(c.minimum))
        if c.maximum is not None:
            checks.append(pa.Check.le(c.maximum))
        nullable = not c.required and not (c.codes and UNKNOWN in c.codes)
        if (table, c.name) in BLANK_DEFAULTS:
            nullable = False
        columns[c.name] = pa.Column(POLARS_DTYPES[c.type], checks=checks, nullable=nullable, unique=c.unique)
    # a wellbeing total computed from its parts has no file row (validate_computed)
    columns["_row"] = pa.Column(pl.Int64, nullable=table == "wellbeing")
    return pa.DataFrameSchema(columns, strict=True, ordered=True, name=table)
