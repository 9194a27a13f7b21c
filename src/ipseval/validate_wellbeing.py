"""Wellbeing scores outside their measure's range, found at validation.

A score of a known measure (built-in TOP or SURE, or one described in the settings' measures file)
or built-in item (WEMWBS item_01 ... item_14 scored 1-5, see wellbeing.items) outside its range
(TOP psychological health 45 of 0–20, days drinking 31 of 28, a WEMWBS item 6) cannot be used. The wellbeing analysis has always left such rows out (``wellbeing.pairing``, the
``out_of_range`` count); naming them here makes each an error on its row, with file, row, column,
value and the measure's range as expected, so ``validate`` and problems.csv show them and rows
read = rows used + rows rejected still holds. The row is left out exactly as before: the wellbeing
figures do not change. Measures with no definition are not checked (nor analysed).

Rows are matched to definitions as the analysis matches them: instrument and measure (after the
settings' code mapping) with case and surrounding spaces ignored, the score compared as a number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from ipseval.settings import Settings


def measure_ranges(settings: Settings) -> pl.DataFrame | None:
    """key, instrument, measure, scale_min, scale_max of every measure in force; None when the
    measures file cannot be read (evaluate names that itself; no range can be trusted then)."""
    from ipseval.settings import SettingsError
    from ipseval.wellbeing.items import item_ranges
    from ipseval.wellbeing.measures import load_measures

    try:
        measures = load_measures(settings)
    except SettingsError:
        return None
    ranges = measures.select("key", "instrument", "measure", "scale_min", "scale_max")
    items = item_ranges()  # built-in items (WEMWBS item_01 ...): checked, not analysed
    return pl.concat([ranges, items.filter(~pl.col("key").is_in(ranges["key"].implode()))])


def measure_key(instrument: str = "i", measure: str = "m") -> pl.Expr:
    """The measure key of columns ``instrument`` and ``measure`` as the analysis folds it
    (wellbeing.pairing, in SQL): each stripped of spaces and line ends, lowercased, joined by '|'."""

    def folded(c: str) -> pl.Expr:
        return pl.col(c).cast(pl.Utf8).str.strip_chars(" \t\r\n").str.to_lowercase()

    return pl.concat_str(folded(instrument), pl.lit("|"), folded(measure)).alias("key")


def out_of_range(
    instrument: pl.Series, measure: pl.Series, score: pl.Series, ranges: pl.DataFrame
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """(mask of rows whose score is outside its measure's range, expected, message), the last two
    one entry per row of the mask, in row order.

    Measures are looked up once per distinct (instrument, measure) pair, then each row takes its
    pair's range: at ten million answers, folding and joining each row's text would hold gigabytes."""
    strip = " \t\r\n"
    instrument, measure, score = instrument.rechunk(), measure.rechunk(), score.rechunk()  # see validate

    def folded(c: str) -> pl.Expr:
        return pl.col(c).cast(pl.Utf8).str.strip_chars(strip).str.to_lowercase()

    rows = pl.DataFrame({"i": instrument, "m": measure})
    pairs = (
        rows.unique(maintain_order=True)
        .with_row_index("_p")
        .with_columns(measure_key())
        .join(ranges, on="key", how="left", maintain_order="left")
        .unique("_p", keep="first", maintain_order=True)  # one range per pair, at its position
    )
    at = rows.join(
        pairs.select("i", "m", "_p"), on=["i", "m"], how="left", maintain_order="left", nulls_equal=True
    )
    lo, hi = (pairs[c].gather(at["_p"]) for c in ("scale_min", "scale_max"))
    x = score.cast(pl.Float64)
    bad = ((x < lo) | (x > hi)).fill_null(False)
    named = pairs.select(pl.format("{} {}", "instrument", "measure").alias("name"))["name"]
    found = pl.DataFrame({"x": x.filter(bad), "lo": lo.filter(bad), "hi": hi.filter(bad)}).with_columns(
        named.gather(at["_p"].filter(bad)).alias("name")
    )
    lo_, hi_, x_, name = pl.col("lo"), pl.col("hi"), pl.col("x"), pl.col("name")
    span = pl.format("{} to {}", _g(lo_), _g(hi_))
    out = found.select(
        pl.format("a score from {} ({})", span, name).alias("expected"),
        pl.format(
            "{} score {} is {} the measure's range of {}: left out of the wellbeing analysis",
            name,
            _g(x_),
            pl.when(x_ < lo_).then(pl.lit("below")).otherwise(pl.lit("above")),
            span,
        ).alias("message"),
    )
    return bad, out["expected"], out["message"]


def _g(e: pl.Expr) -> pl.Expr:
    """A number as written: 20 not 20.0, 2.5 as 2.5."""
    return pl.when(e == e.floor()).then(e.cast(pl.Int64).cast(pl.Utf8)).otherwise(e.cast(pl.Utf8))
