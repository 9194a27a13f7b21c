"""The fidelity result tables (keys ``fidelity_*``) from scored reviews: review scores, reviews
not scored, each team's latest item profile, item scores across teams, trend, and the lowest items
with what good looks like. Fidelity scores describe a team, not people: ``about_people=False``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from ..benchmarks import fidelity_bands_in_words
from ..results import ResultTable
from .items import DEFAULT_CUTS, MAX_SCORE, MIN_SCORE, SECTIONS, Cuts, item, items, section_items
from .scoring import LOWEST_CAP, LOWEST_ITEMS, ScoredReviews, item_list, lowest_items

ALL_TEAMS = "All teams"


def tables_from_reviews(found: ScoredReviews, cuts: Cuts = DEFAULT_CUTS) -> dict[str, ResultTable]:
    """The fidelity result tables from scored reviews (no store needed), banded by ``cuts``."""
    latest_items = _latest_items(found)
    out = [
        _reviews_table(found.reviews, cuts),
        _not_scored_table(found.not_scored),
        _items_table(latest_items),
        _item_summary_table(latest_items),
        _trend_table(found.reviews),
        _lowest_table(latest_items),
    ]
    return {t.key: t for t in out}


_NOT_PEOPLE = "Fidelity scores describe a team's practice, not people, so they are shown in full."


def _reviews_table(reviews: pl.DataFrame, cuts: Cuts) -> ResultTable:
    cols = {
        "team": "the team or area reviewed",
        "review_date": "date of the review",
        "review_number": "1 for the team's first scored review, 2 for the next, ...",
        "total": "total of the 25 item scores (25 to 125)",
        "mean_item_score": "total / 25 (1 to 5)",
        "band": "exemplary, good, fair or not_ips (the bands are in the notes)",
        "band_label": "the band in words",
        **{s: f"{s} section score (items {_span(s)}; {_section_range(s)})" for s in SECTIONS},
        **{f"{s}_mean": f"mean item score in the {s} section (1 to 5)" for s in SECTIONS},
        "previous_review_date": "the team's previous scored review, if any",
        "change": "total minus the total at the team's previous scored review",
        "latest": "whether this is the team's latest scored review",
    }
    data = reviews.select(list(cols))
    return ResultTable(
        key="fidelity_reviews",
        title="Fidelity reviews scored on the IPS-25 scale",
        data=data,
        dims=["team", "review_date"],
        about_people=False,
        columns=cols,
        notes=[
            f"Bands: {fidelity_bands_in_words(cuts)}.",
            "A review is scored only when each of the 25 items has exactly one score from 1 to 5.",
            _NOT_PEOPLE,
        ],
    )


def _span(section: str) -> str:
    nums = [i.number for i in section_items(section)]  # type: ignore[arg-type]
    return f"{nums[0]}-{nums[-1]}"


def _section_range(section: str) -> str:
    n = len(section_items(section))  # type: ignore[arg-type]
    return f"{n * MIN_SCORE} to {n * MAX_SCORE}"


def _not_scored_table(not_scored: pl.DataFrame) -> ResultTable:
    cols = {
        "team": "the team or area reviewed",
        "review_date": "date of the review",
        "rows": "rows of the fidelity table kept for this review",
        "items_found": "distinct items 1-25 among them",
        "reason": "why the review was not scored",
    }
    return ResultTable(
        key="fidelity_not_scored",
        title="Fidelity reviews not scored",
        data=not_scored.select(list(cols)),
        dims=["team", "review_date"],
        about_people=False,
        columns=cols,
        notes=[
            "These reviews are incomplete or hold scores outside 1 to 5, so no total is given: fix "
            "the rows named and run the evaluation again. Rows rejected when the data were checked "
            "are listed with their problem in the problem report."
        ],
    )


def _latest_items(found: ScoredReviews) -> pl.DataFrame:
    """Item scores at each team's latest scored review, with the score at the review before."""
    base = pl.DataFrame(
        [
            {
                "item": i.number,
                "section": i.section,
                "item_name": i.name,
                "good": i.good,
                "anchors": i.anchor_text,
            }
            for i in items()
        ]
    )
    schema = {
        "team": pl.Utf8,
        "review_date": pl.Date,
        "item": pl.Int64,
        "section": pl.Utf8,
        "item_name": pl.Utf8,
        "score": pl.Int64,
        "previous_score": pl.Int64,
        "change": pl.Int64,
        "good": pl.Utf8,
        "anchors": pl.Utf8,
    }
    r = found.reviews
    if r.height == 0:
        return pl.DataFrame(schema=schema)
    latest = r.filter(pl.col("latest")).select("team", "review_date", "previous_review_date")
    s = found.item_scores
    cur = latest.join(s, on=["team", "review_date"])
    prev = s.rename({"review_date": "previous_review_date", "score": "previous_score"})
    out = (
        cur.join(prev, on=["team", "previous_review_date", "item"], how="left")
        .with_columns((pl.col("score") - pl.col("previous_score")).alias("change"))
        .join(base, on="item")
    )
    return out.select(list(schema)).cast(schema).sort("team", "item")  # type: ignore[arg-type]


def _items_table(latest: pl.DataFrame) -> ResultTable:
    cols = {
        "team": "the team or area reviewed",
        "review_date": "the team's latest scored review",
        "item": "item number (1-25, in the scale's order)",
        "section": "staffing, organisation or services",
        "item_name": "short name of the item",
        "score": "the item's score at the latest review (1 to 5)",
        "previous_score": "its score at the team's previous scored review",
        "change": "score - previous_score",
    }
    return ResultTable(
        key="fidelity_items",
        title="Item profile: each team's latest scored review",
        data=latest.select(list(cols)),
        dims=["team", "review_date", "item"],
        about_people=False,
        columns=cols,
        notes=[_NOT_PEOPLE],
    )


def _item_summary_table(latest: pl.DataFrame) -> ResultTable:
    cols = {
        "item": "item number (1-25)",
        "section": "staffing, organisation or services",
        "item_name": "short name of the item",
        "teams": "teams with a scored review",
        "mean_score": "mean of the teams' latest scores",
        "min_score": "lowest of the teams' latest scores",
        "max_score": "highest of the teams' latest scores",
        "teams_at_5": "teams scoring 5 at their latest review",
    }
    base = pl.DataFrame(
        [{"item": i.number, "section": i.section, "item_name": i.name} for i in items()],
        schema={"item": pl.Int64, "section": pl.Utf8, "item_name": pl.Utf8},
    )
    agg = latest.group_by("item").agg(
        pl.len().cast(pl.Int64).alias("teams"),
        pl.col("score").mean().alias("mean_score"),
        pl.col("score").min().cast(pl.Int64).alias("min_score"),
        pl.col("score").max().cast(pl.Int64).alias("max_score"),
        (pl.col("score") == MAX_SCORE).sum().cast(pl.Int64).alias("teams_at_5"),
    )
    data = (
        base.join(agg, on="item", how="left")
        .with_columns(pl.col("teams").fill_null(0), pl.col("teams_at_5").fill_null(0))
        .filter(pl.col("teams") > 0)
        .sort("item")
    )
    return ResultTable(
        key="fidelity_item_summary",
        title="Item scores across teams (latest scored review of each team)",
        data=data.select(list(cols)),
        dims=["item", "section", "item_name"],
        about_people=False,
        columns=cols,
        notes=[_NOT_PEOPLE],
    )


def _trend_table(reviews: pl.DataFrame) -> ResultTable:
    cols = {
        "team": "the team or area reviewed",
        "reviews": "scored reviews of the team",
        "first_review_date": "the team's first scored review",
        "first_total": "total at the first scored review",
        "latest_review_date": "the team's latest scored review",
        "latest_total": "total at the latest scored review",
        "latest_band": "band at the latest scored review",
        "change": "latest_total - first_total (blank with a single review)",
        "direction": "up, down, same, or one review",
    }
    if reviews.height:
        data = (
            reviews.sort("team", "review_date")
            .group_by("team", maintain_order=True)
            .agg(
                pl.len().cast(pl.Int64).alias("reviews"),
                pl.col("review_date").first().alias("first_review_date"),
                pl.col("total").first().alias("first_total"),
                pl.col("review_date").last().alias("latest_review_date"),
                pl.col("total").last().alias("latest_total"),
                pl.col("band").last().alias("latest_band"),
            )
            .with_columns(
                pl.when(pl.col("reviews") > 1)
                .then(pl.col("latest_total") - pl.col("first_total"))
                .alias("change")
            )
            .with_columns(
                pl.when(pl.col("change").is_null())
                .then(pl.lit("one review"))
                .when(pl.col("change") > 0)
                .then(pl.lit("up"))
                .when(pl.col("change") < 0)
                .then(pl.lit("down"))
                .otherwise(pl.lit("same"))
                .alias("direction")
            )
        )
    else:
        data = pl.DataFrame(
            schema={
                "team": pl.Utf8,
                "reviews": pl.Int64,
                "first_review_date": pl.Date,
                "first_total": pl.Int64,
                "latest_review_date": pl.Date,
                "latest_total": pl.Int64,
                "latest_band": pl.Utf8,
                "change": pl.Int64,
                "direction": pl.Utf8,
            }
        )
    return ResultTable(
        key="fidelity_trend",
        title="Fidelity over time: first and latest scored review of each team",
        data=data.select(list(cols)),
        dims=["team"],
        about_people=False,
        columns=cols,
        notes=[
            "Every scored review, with the change since the one before, is in fidelity_reviews.",
            _NOT_PEOPLE,
        ],
    )


def _lowest_table(latest: pl.DataFrame) -> ResultTable:
    cols = {
        "team": f"the team or area reviewed ('{ALL_TEAMS}': the mean of every team's latest score)",
        "review_date": "the team's latest scored review (blank for all teams)",
        "rank": "1 = lowest; tied items share a rank",
        "item": "item number (1-25); blank on a row that stands for several tied items",
        "section": "staffing, organisation or services",
        "item_name": "short name of the item",
        "score": "the item's score (for all teams, the mean of the teams' latest scores)",
        "good": "what a score of 5 looks like",
        "tied_items": "on a row standing for several items with the same score: their numbers",
    }
    rows: list[dict[str, Any]] = []

    def add(team: str, day: date | None, pairs: list[tuple[int, float]]) -> None:
        listed, rest = lowest_items(pairs)
        rows.extend(_lowest_row(team, day, i, s, rank) for i, s, rank in listed)
        if rest is not None:
            s, group, rank = rest
            rows.append(
                {
                    "team": team,
                    "review_date": day,
                    "rank": rank,
                    "item": None,
                    "section": None,
                    "item_name": f"{len(group)} items scored {_score_text(s)}",
                    "score": float(s),
                    "good": None,
                    "tied_items": item_list(group),
                }
            )

    teams = latest.select("team", "review_date").unique().sort("team")
    if teams.height > 1:
        means = latest.group_by("item").agg(pl.col("score").mean()).sort("item")
        add(ALL_TEAMS, None, list(zip(means["item"].to_list(), means["score"].to_list(), strict=True)))
    for team, day in teams.iter_rows():
        t = latest.filter(pl.col("team") == team)
        add(team, day, list(zip(t["item"].to_list(), t["score"].to_list(), strict=True)))
    data = pl.DataFrame(
        rows,
        schema={
            "team": pl.Utf8,
            "review_date": pl.Date,
            "rank": pl.Int64,
            "item": pl.Int64,
            "section": pl.Utf8,
            "item_name": pl.Utf8,
            "score": pl.Float64,
            "good": pl.Utf8,
            "tied_items": pl.Utf8,
        },
    )
    return ResultTable(
        key="fidelity_lowest",
        title="Lowest-scoring items at the latest review, with what good looks like",
        data=data,
        dims=["team", "review_date", "rank", "item"],
        about_people=False,
        columns=cols,
        notes=[
            f"Items scoring below 5, lowest first, a whole score at a time so tied items are never "
            f"split: scores are added until at least {LOWEST_ITEMS} items are listed, as long as the "
            f"list stays within {LOWEST_CAP}; a score shared by too many items to fit is shown as one "
            "line with their item numbers.",
            "'What a 5 looks like' summarises the scale's description of a 5; the review manual has "
            "the full criteria.",
        ],
    )


def _score_text(s: float) -> str:
    return f"{s:g}" if float(s).is_integer() else f"{s:.1f}"


def _lowest_row(team: str, day: date | None, i: int, s: float, rank: int) -> dict[str, Any]:
    it = item(i)
    return {
        "team": team,
        "review_date": day,
        "rank": rank,
        "item": i,
        "section": it.section,
        "item_name": it.name,
        "score": float(s),
        "good": it.good,
        "tied_items": None,
    }
