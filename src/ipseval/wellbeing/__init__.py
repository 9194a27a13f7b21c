"""Wellbeing change: baseline near engagement against follow-up about six months later.

From the ``wellbeing`` table (long format: one row per measure per questionnaire), for TOP, SURE
and any instrument described in the settings' measures file:

- :mod:`.measures`: what each measure is (range, better direction, domain), as data;
- :mod:`.pairing`: which assessment is the baseline and which the follow-up;
- :mod:`.stats`: paired statistics (t, Wilcoxon, Holm, d_z), Welch and standardised differences;
- :mod:`.tables` and :mod:`.compare`: the tidy, unrounded result tables.

:func:`wellbeing_tables` returns every table (keys ``wellbeing_*``), or {} when the data set has no
wellbeing table.
"""

from __future__ import annotations

import importlib
from typing import Any

# Where each public name lives. Imported on first use: validation needs only the measures, and
# importing the statistics (scipy) with them would add about a second to every `validate`.
_HOMES = {
    "BUILTIN_MEASURES_CSV": "measures",
    "DOMAINS": "measures",
    "load_measures": "measures",
    "Pairs": "pairing",
    "pair": "pairing",
    "pairs_from_store": "pairing",
    "holm": "stats",
    "paired_summary": "stats",
    "standardised_difference": "stats",
    "welch_difference": "stats",
    "wilcoxon_signed_rank": "stats",
    "records": "evaluate",
    "tables_from_pairs": "evaluate",
    "wellbeing_tables": "evaluate",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
