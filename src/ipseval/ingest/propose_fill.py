"""Columns written once per group (``[input.fill_down]``): ``map`` proposes filling them down.

A required column that is blank on most rows, yet repeats its values (a fidelity review's team on
its first item row only), is a group's value written once, not missing data: blank, every other
row would be rejected. Optional columns filled on exactly the same number of rows go with it (the
review's reviewer). Proposed marked CHECK: a person confirms the rows are grouped so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ipseval.schema import TABLES

if TYPE_CHECKING:
    from ipseval.ingest.propose import TableProposal

MOSTLY_BLANK = 0.6  # a required column filled on fewer rows than this share is a candidate
PER_VALUE = 2.0  # ... when its rows are at least this many per value filled (groups, not singles)


def propose_fill_down(tables: list[TableProposal]) -> dict[str, list[str]]:
    """Per standard table, the standard columns to fill down."""
    out: dict[str, list[str]] = {}
    for t in tables:
        if not t.standard or t.rows < 4:
            continue
        required = set(TABLES[t.standard].required_columns)
        mapped = [c for c in t.columns if c.standard]
        groups = [
            c
            for c in mapped
            if c.standard in required
            and 0 < c.evidence.n < MOSTLY_BLANK * t.rows
            and t.rows >= PER_VALUE * c.evidence.n
        ]
        if not groups:
            continue
        sizes = {c.evidence.n for c in groups}
        with_them = [c for c in mapped if c not in groups and c.evidence.n in sizes]
        out[t.standard] = [c.standard for c in mapped if c in groups or c in with_them]  # file order
    return out
