"""One IPS-25 review entered by hand (the dashboard's review form): checked, scored, and merged
into the ``fidelity`` table of a data set.

:func:`check_review` reads the 25 item scores as typed and names every problem;
:func:`merged_fidelity` gives the ``fidelity`` table with the review's rows added, for a new data
version (writing it is the caller's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from .items import DEFAULT_CUTS, MAX_SCORE, MIN_SCORE, N_ITEMS, Cuts
from .scoring import score_reviews

_SCHEMA = {"team": pl.Utf8, "review_date": pl.Date, "item": pl.Int64, "score": pl.Int64, "reviewer": pl.Utf8}
_SCORES = tuple(str(n) for n in range(MIN_SCORE, MAX_SCORE + 1))


@dataclass
class ReviewEntry:
    """A review as entered: its problems (empty = usable), its item rows and, once scored, the
    scored review (team, review_date, total, band ...)."""

    team: str
    review_date: date | None
    reviewer: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    scored: dict[str, Any] | None = None


def check_review(
    team: str, review_date: str, scores: dict[int, str], reviewer: str = "", cuts: Cuts = DEFAULT_CUTS
) -> ReviewEntry:
    """The review of ``team`` on ``review_date`` (YYYY-MM-DD) with ``scores`` (item number -> the
    score as typed), checked and, when complete, scored and banded by ``cuts`` (the settings'
    fidelity bands)."""
    entry = ReviewEntry(team.strip()[:120], None, reviewer.strip()[:120] or None)
    if not entry.team:
        entry.errors.append("Team: give the team or area reviewed.")
    try:
        entry.review_date = date.fromisoformat(review_date.strip())
    except ValueError:
        entry.errors.append("Review date: give the date of the review (YYYY-MM-DD).")
    for n in range(1, N_ITEMS + 1):
        raw = str(scores.get(n) or "")
        if raw not in _SCORES:
            entry.errors.append(f"Item {n}: choose a score from {MIN_SCORE} to {MAX_SCORE}.")
            continue
        entry.rows.append(
            {"team": entry.team, "review_date": entry.review_date, "item": n, "score": int(raw)}
        )
    if entry.errors:
        return entry
    scored = score_reviews(pl.DataFrame(entry.rows), cuts=cuts)
    if scored.reviews.height:
        entry.scored = scored.reviews.row(0, named=True)
    else:
        entry.errors = [str(x) for x in scored.not_scored["reason"].to_list()]
    return entry


def merged_fidelity(db_path: Path, entry: ReviewEntry) -> pl.DataFrame:
    """The store's ``fidelity`` table (none: empty) with the review's rows added."""
    from ..store import Store

    new = pl.DataFrame([{**r, "reviewer": entry.reviewer} for r in entry.rows], schema=_SCHEMA)
    with Store(db_path) as store:
        old = store.table("fidelity") if "fidelity" in store.tables_present else None
    if old is None:
        return new
    old = old.drop("source_row", strict=False)
    return pl.concat([old, new.select(old.columns)], how="vertical_relaxed")


__all__ = ["ReviewEntry", "check_review", "merged_fidelity"]
