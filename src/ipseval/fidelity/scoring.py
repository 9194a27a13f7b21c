"""Fidelity reviews scored on the IPS-25 scale: totals, bands, section scores, change over time.

A review is the set of ``fidelity`` rows sharing a team and a review date. It is scored only when
it holds each of the 25 items exactly once with a score from 1 to 5; any other review is *named,
not scored*, with the reasons ("items 7, 12 missing", "item 4 given 2 times", "item 9 scored 7").
Validation already rejects rows whose item or score is out of range, so in a store those rows show
up as missing items; :func:`score_reviews` ties them back to their review from the problem list
(by row number) so the reason still says which row was rejected and why.

The result tables are built in :mod:`.review_tables`; reviewers' names are not published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import polars as pl

from ..results import ResultTable
from ..settings import Settings
from ..store import Store
from .items import (
    DEFAULT_CUTS,
    MAX_SCORE,
    MIN_SCORE,
    N_ITEMS,
    SECTIONS,
    Cuts,
    band,
    band_label,
    section_items,
)

# "Lowest items": items scoring below 5, lowest first, whole score levels at a time until at least
# LOWEST_ITEMS are listed, never more than LOWEST_CAP (see lowest_items).
LOWEST_ITEMS = 5
LOWEST_CAP = 10

_REVIEW_SCHEMA = {
    "team": pl.Utf8,
    "review_date": pl.Date,
    "item": pl.Int64,
    "score": pl.Int64,
    "source_row": pl.Int64,
}


@dataclass
class ScoredReviews:
    """What :func:`score_reviews` finds.

    reviews: one row per scored review (team, review_date, total, band, section scores, ...).
    not_scored: one row per review that could not be scored, with the reasons.
    item_scores: team, review_date, item, score for every item of every scored review.
    """

    reviews: pl.DataFrame
    not_scored: pl.DataFrame
    item_scores: pl.DataFrame


def team_key(name: str) -> str:
    """How team names are compared: case, spacing and '&'/'and' do not matter."""
    s = re.sub(r"\s+", " ", name.replace("&", " and ")).strip().casefold()
    return s


def item_list(values: list[int]) -> str:
    """[7, 12] -> '7, 12'."""
    return ", ".join(str(v) for v in values)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def score_reviews(
    rows: pl.DataFrame, rejected: pl.DataFrame | None = None, cuts: Cuts = DEFAULT_CUTS
) -> ScoredReviews:
    """Score every review in ``rows`` (columns team, review_date, item, score; optional source_row),
    banded by ``cuts`` (the lowest totals of the exemplary, good and fair bands).

    ``rejected``: the validation problems of the fidelity table (columns row, column, value,
    message), for rows validation excluded; a rejected row lying among a review's rows (by row
    number, one row either side) is named in that review's reasons.
    Rows with a blank team or review date belong to no review and are left out (validation rejects
    them anyway).
    """
    df = rows.select(
        pl.col("team").cast(pl.Utf8).str.strip_chars(),
        pl.col("review_date").cast(pl.Date),
        pl.col("item").cast(pl.Int64),
        pl.col("score").cast(pl.Int64),
        (pl.col("source_row") if "source_row" in rows.columns else pl.lit(None))
        .cast(pl.Int64)
        .alias("source_row"),
    ).filter(pl.col("team").is_not_null() & (pl.col("team") != "") & pl.col("review_date").is_not_null())
    df = df.with_columns(pl.col("team").map_elements(team_key, return_dtype=pl.Utf8).alias("_key"))
    # one display name per team: the first spelling met in the file
    names = (
        df.with_row_index("_i")
        .sort("source_row", "_i", nulls_last=True)
        .group_by("_key", maintain_order=True)
        .agg(pl.col("team").first().alias("_name"))
    )
    df = df.join(names, on="_key").drop("team").rename({"_name": "team"})
    rejected_rows = _rejected_rows(rejected)

    groups = []
    for (key, day), g in df.group_by(["_key", "review_date"], maintain_order=True):
        srows = [r for r in g["source_row"].to_list() if r is not None]
        groups.append((key, day, g, (min(srows), max(srows)) if srows else None))
    # which review each rejected row sits in: only reviews with something missing, and only if
    # exactly one such review claims it
    claims: dict[int, list[int]] = {}
    for gi, (_k, _d, g, span) in enumerate(groups):
        if span is None or _complete(g):
            continue
        lo, hi = span
        present = set(g["source_row"].drop_nulls().to_list())
        for r in rejected_rows:
            if lo - 1 <= r <= hi + 1 and r not in present:
                claims.setdefault(r, []).append(gi)

    scored: list[dict[str, Any]] = []
    unscored: list[dict[str, Any]] = []
    item_rows: list[pl.DataFrame] = []
    for gi, (_key, day, g, _span) in enumerate(groups):
        team = g["team"][0]
        reasons = _problems(g)
        mine = sorted(r for r, who in claims.items() if who == [gi])
        if not reasons:
            scores = dict(zip(g["item"].to_list(), g["score"].to_list(), strict=True))
            scored.append({"team": team, "review_date": day, **_review_scores(scores, cuts)})
            item_rows.append(g.select("team", "review_date", "item", "score"))
            continue
        if mine:
            reasons.append(
                "rejected when the data were checked: "
                + "; ".join(f"fidelity row {r} ({rejected_rows[r]})" for r in mine)
            )
        valid_items = g.filter(pl.col("item").is_between(1, N_ITEMS))["item"].n_unique()
        unscored.append(
            {
                "team": team,
                "review_date": day,
                "rows": g.height,
                "items_found": valid_items,
                "reason": "; ".join(reasons),
            }
        )

    reviews = _with_trend(pl.DataFrame(scored, schema=_scored_schema()))
    not_scored = pl.DataFrame(
        unscored,
        schema={
            "team": pl.Utf8,
            "review_date": pl.Date,
            "rows": pl.Int64,
            "items_found": pl.Int64,
            "reason": pl.Utf8,
        },
    ).sort("team", "review_date")
    item_scores = (
        pl.concat(item_rows)
        if item_rows
        else pl.DataFrame(schema={k: v for k, v in _REVIEW_SCHEMA.items() if k != "source_row"})
    )
    return ScoredReviews(
        reviews=reviews, not_scored=not_scored, item_scores=item_scores.sort("team", "review_date", "item")
    )


def _complete(g: pl.DataFrame) -> bool:
    return not _problems(g)


def _problems(g: pl.DataFrame) -> list[str]:
    """Why a review cannot be scored (empty list: it can)."""
    reasons: list[str] = []
    item_col = g["item"].to_list()
    score_col = g["score"].to_list()
    valid = [i for i in item_col if i is not None and 1 <= i <= N_ITEMS]
    missing = sorted(set(range(1, N_ITEMS + 1)) - set(valid))
    if missing:
        reasons.append(
            f"item {missing[0]} missing" if len(missing) == 1 else f"items {item_list(missing)} missing"
        )
    counts: dict[int, int] = {}
    for i in valid:
        counts[i] = counts.get(i, 0) + 1
    for i in sorted(i for i, n in counts.items() if n > 1):
        reasons.append(f"item {i} given {counts[i]} times")
    blank_items = sum(i is None for i in item_col)
    if blank_items:
        reasons.append(f"{_plural(blank_items, 'row')} with no item number")
    unknown = sorted({i for i in item_col if i is not None and not 1 <= i <= N_ITEMS})
    if unknown:
        reasons.append(
            ("item " if len(unknown) == 1 else "items ")
            + item_list(unknown)
            + f" not on the scale (items are 1 to {N_ITEMS})"
        )
    for i, s in sorted(
        ((i, s) for i, s in zip(item_col, score_col, strict=True) if i is not None),
        key=lambda t: t[0],
    ):
        if s is None:
            reasons.append(f"item {i} has no score")
        elif not MIN_SCORE <= s <= MAX_SCORE:
            reasons.append(f"item {i} scored {s} (scores are {MIN_SCORE} to {MAX_SCORE})")
    return reasons


def _rejected_rows(problems: pl.DataFrame | None) -> dict[int, str]:
    """Row number -> what was wrong, for fidelity rows validation excluded."""
    if problems is None or problems.height == 0 or "row" not in problems.columns:
        return {}
    p = problems
    if "table" in p.columns:
        p = p.filter(pl.col("table") == "fidelity")
    if "severity" in p.columns:
        p = p.filter(pl.col("severity") == "error")
    p = p.filter(pl.col("row").is_not_null())
    out: dict[int, str] = {}
    for r in p.iter_rows(named=True):
        what = r.get("message") or "rejected"
        if r.get("column"):
            value = r.get("value")
            what = f"{r['column']} {value!s}: {what}" if value is not None else f"{r['column']}: {what}"
        row = int(r["row"])
        out[row] = f"{out[row]}; {what}" if row in out else what
    return out


def _scored_schema() -> dict[str, Any]:
    schema: dict[str, Any] = {
        "team": pl.Utf8,
        "review_date": pl.Date,
        "total": pl.Int64,
        "mean_item_score": pl.Float64,
        "band": pl.Utf8,
        "band_label": pl.Utf8,
    }
    for s in SECTIONS:
        schema[s] = pl.Int64
    for s in SECTIONS:
        schema[f"{s}_mean"] = pl.Float64
    return schema


def _review_scores(scores: dict[int, int], cuts: Cuts) -> dict[str, Any]:
    total = sum(scores.values())
    out: dict[str, Any] = {
        "total": total,
        "mean_item_score": total / N_ITEMS,
        "band": band(total, cuts),
        "band_label": band_label(band(total, cuts)),
    }
    for s in SECTIONS:
        out[s] = sum(scores[i.number] for i in section_items(s))
    for s in SECTIONS:
        out[f"{s}_mean"] = out[s] / len(section_items(s))
    return out


def _with_trend(reviews: pl.DataFrame) -> pl.DataFrame:
    """Number each team's scored reviews in date order and add the change since the previous one."""
    return (
        reviews.sort("team", "review_date")
        .with_columns(
            pl.int_range(1, pl.len() + 1).over("team").cast(pl.Int64).alias("review_number"),
            pl.col("review_date").shift(1).over("team").alias("previous_review_date"),
            (pl.col("total") - pl.col("total").shift(1).over("team")).alias("change"),
        )
        .with_columns((pl.col("review_number") == pl.col("review_number").max().over("team")).alias("latest"))
    )


# ------------------------------------------------------------------------------------------------
# Result tables
# ------------------------------------------------------------------------------------------------


def read_reviews(store: Store, cuts: Cuts = DEFAULT_CUTS) -> ScoredReviews:
    """Score the reviews in the store's fidelity table (with the import's problem list, if kept),
    banded by ``cuts``."""
    rows = store.query("SELECT team, review_date, item, score, source_row FROM fidelity")
    problems = store.table("import_problems")
    return score_reviews(rows, problems if "row" in problems.columns else None, cuts)


def fidelity_tables(store: Store, settings: Settings) -> dict[str, ResultTable]:
    """Every fidelity result (keys ``fidelity_*``); empty when the data set has no fidelity table."""
    if "fidelity" not in store.tables_present:
        return {}
    from .review_tables import tables_from_reviews

    cuts = settings.benchmarks.fidelity_cuts
    return tables_from_reviews(read_reviews(store, cuts), cuts)


def lowest_items(
    scores: list[tuple[int, float]], n: int = LOWEST_ITEMS, cap: int = LOWEST_CAP
) -> tuple[list[tuple[int, float, int]], tuple[float, list[int], int] | None]:
    """The lowest-scoring items below 5, whole score levels at a time, so ties are never split.

    Levels are taken lowest first until at least ``n`` items are listed, as long as the list stays
    within ``cap`` items. A level that would take it past ``cap`` is not listed item by item but
    returned as a summary (score, its items, rank). Returns (listed items as (item, score, rank),
    summary or None); rank is shared by ties (1, 1, 3, ...).
    """
    levels: dict[float, list[int]] = {}
    for i, s in scores:
        if s < MAX_SCORE:
            levels.setdefault(s, []).append(i)
    listed: list[tuple[int, float, int]] = []
    for s in sorted(levels):
        group = sorted(levels[s])
        rank = len(listed) + 1
        if len(listed) + len(group) > cap:
            return listed, (s, group, rank)
        listed += [(i, s, rank) for i in group]
        if len(listed) >= n:
            break
    return listed, None
