"""The analyses of an evaluation: one registry, one contract (see :mod:`.contract`).

:data:`REGISTRY` lists every analysis in report order; :func:`run_all` walks it, and
:func:`status_table` records what became of each (run, not run with its reason, or failed).
"""

from .contract import FAILED, NOT_RUN, RAN, Analysis, Context, Facts, Needs, Outcome
from .registry import REGISTRY, by_key
from .runner import declared, missing_table_reason, run_all, status_table, tables_of

__all__ = [
    "FAILED",
    "NOT_RUN",
    "RAN",
    "REGISTRY",
    "Analysis",
    "Context",
    "Facts",
    "Needs",
    "Outcome",
    "by_key",
    "declared",
    "missing_table_reason",
    "run_all",
    "status_table",
    "tables_of",
]
