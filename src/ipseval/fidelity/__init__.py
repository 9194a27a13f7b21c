"""Fidelity to IPS: the IPS-25 scale as data, review scoring, evidence from the records, the form.

- :mod:`.items`: the 25 items (ips25.toml), bands, numeric anchors.
- :func:`fidelity_tables`: reviews scored (keys ``fidelity_*``); :func:`score_reviews` on any frame.
- :func:`evidence_tables`: what the records show beside the scores (keys ``evidence_*``).
- :func:`write_fidelity_form`: a blank review form (.xlsx) in the ``fidelity`` table's layout.
"""

from __future__ import annotations

from typing import Any

from .evidence import evidence_tables
from .scoring import ScoredReviews, fidelity_tables, score_reviews

__all__ = ["ScoredReviews", "evidence_tables", "fidelity_tables", "score_reviews", "write_fidelity_form"]


def __getattr__(name: str) -> Any:
    # the form needs openpyxl, which an evaluation of CSV files never imports
    if name == "write_fidelity_form":
        from .form import write_fidelity_form

        return write_fidelity_form
    raise AttributeError(name)
