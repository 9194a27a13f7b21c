"""Why a figure is not shown, in words: hidden by disclosure control, or too few to estimate.

Two different things leave a gap in the report, and a reader must be told which:

- **hidden** ("*"): disclosure control withheld a figure that was worked out, to protect people
  in a small count. A rate is hidden when any count it is made from is, and a count may be
  hidden only as cover for a small one beside it (secondary suppression), so a hidden rate can
  rest on many people: 52 of about 57 jobs sustained, say, with the few not sustained protected.
- **missing** (None): there was nothing to estimate (no one in the base, no job due yet).

The words are chosen from the published marks only (which cells are "*"), never from the hidden
values, so they give nothing away: when a figure's base (a rate's denominator, a statistic's n)
is shown, or is one of the parts of a shown total, the figure is said to be hidden "to protect
the few people in one of its parts"; otherwise "to protect small numbers of people".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..results import ColumnsAddUp, ProtectedTable, RowsAddUp
from .format import is_hidden, is_missing

# The phrases finish 'X is not shown, ...' (see :func:`not_shown`).
IN_ITS_PARTS = "to protect the few people in one of its parts"
SMALL_NUMBERS = "to protect small numbers of people"
DISCLOSURE = "(disclosure control)"


def base_column(table: ProtectedTable | None, column: str) -> str | None:
    """The count a rate (or its confidence limit) or a guarded statistic rests on, if declared."""
    if table is None:
        return None
    src = table.source
    for name, rate in src.rates.items():
        if column == name or (rate.ci and column in rate.ci):
            return rate.denominator
    return src.guarded.get(column)


def why_hidden(table: ProtectedTable | None, row: Mapping[str, Any], column: str) -> str:
    """Why ``row[column]`` (hidden, "*") is hidden, as a phrase: :data:`IN_ITS_PARTS` or
    :data:`SMALL_NUMBERS`. ``row`` is a published row (hidden cells "*", see ``table.rows()``)."""
    base = base_column(table, column)
    if table is None or base is None or base not in row:
        return SMALL_NUMBERS
    value = row.get(base)
    if not is_hidden(value) and not is_missing(value):
        return IN_ITS_PARTS  # its base is shown: a part of it (or a complement) is what is small
    if is_hidden(value):
        for rel in table.source.additive:
            # the base is itself a part of a total the reader sees
            if isinstance(rel, ColumnsAddUp) and base in rel.parts:
                total = row.get(rel.total)
                if not is_hidden(total) and not is_missing(total):
                    return IN_ITS_PARTS
            if isinstance(rel, RowsAddUp) and rel.column == base and (rel.of or not rel.total):
                # a group's rows add up to a published total (e.g. the known and the unknown of a
                # characteristic add up to everyone referred)
                return IN_ITS_PARTS
    return SMALL_NUMBERS


def not_shown(what: str, why: str) -> str:
    """'The share of first jobs lasting 13 weeks is not shown, to protect the few people in one
    of its parts (disclosure control).'"""
    return f"{what[0].upper()}{what[1:]} is not shown, {why} {DISCLOSURE}."
