"""An item given twice in one fidelity review: each review (a team on a date) scores each of the
25 items once, so a second row of an item is an error naming the first ("duplicate of row 90").
A review with one item twice and another missing was most likely keyed wrong (17 keyed as 18): the
message says which item the review lacks. The review itself is then scored only if it is complete
without the rejected row (the fidelity analysis says so), never with an item counted twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ipseval.validate_text import area_key

if TYPE_CHECKING:
    from ipseval.validate import _Checker as Checker

__all__ = ["repeated_items"]

ITEMS = 25  # IPS-25
EXPECTED = "each item once per review (a team on a review date)"


def repeated_items(chk: Checker) -> None:
    """An error on each row repeating an earlier row's item in the same review."""
    t = chk.typed
    if not {"team", "review_date", "item"} <= set(t):
        return
    rows = pl.DataFrame(
        {"team": area_key(t["team"]), "date": t["review_date"], "item": t["item"], "_i": range(chk.n)}
    )
    review = ["team", "date"]
    rows = rows.with_columns(
        pl.col("_i").min().over([*review, "item"]).alias("first"),
        pl.col("item").n_unique().over(review).alias("distinct"),
        pl.col("item").sum().over(review).alias("_sum"),  # with one item missing: which one
    )
    known = pl.all_horizontal(pl.col(c).is_not_null() for c in ("team", "date", "item"))
    rows = rows.with_columns((known & (pl.col("first") != pl.col("_i"))).alias("dup"))
    if not rows["dup"].any():
        return
    lacking = _missing_item(rows)
    message = pl.concat_str(
        pl.lit("item "), pl.col("item").cast(pl.Utf8), pl.lit(" given twice in this review: duplicate of row "),
        pl.lit(chk._row_of(rows["first"].cast(pl.Int64))), lacking,
    )  # fmt: skip
    texts = rows.select(message.alias("m"))["m"]
    chk.add(rows["dup"], "item", EXPECTED, texts)


def _missing_item(rows: pl.DataFrame) -> pl.Expr:
    """', and item 17 is missing from it (keyed as 18?)' where the review holds all 25 items but one
    and one twice (so the repeated row stands in the missing item's place); else ''."""
    full = ITEMS * (ITEMS + 1) // 2
    dup_sum = pl.col("item").filter(pl.col("dup")).sum().over(["team", "date"])
    missing = pl.lit(full) - (pl.col("_sum") - dup_sum)
    one_off = (pl.col("distinct") == ITEMS - 1) & (pl.col("dup").sum().over(["team", "date"]) == 1)
    text = pl.concat_str(
        pl.lit(", and item "), missing.cast(pl.Utf8), pl.lit(" is missing from it (keyed as "),
        pl.col("item").cast(pl.Utf8), pl.lit("?)"),
    )  # fmt: skip
    return pl.when(one_off).then(text).otherwise(pl.lit(""))
