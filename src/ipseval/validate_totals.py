"""Wellbeing totals written beside their parts, checked against them at validation.

A questionnaire export often gives each item and the total (WEMWBS: 14 item rows and a 'TOTAL
(14-70)' row per form; SURE: five domain scores and the total). ipseval works the total out from
the parts (wellbeing.items lists them), so a written total is a check, per form (one client,
assessment date and instrument), on the total's row:

- all parts there, each a valid score, and the total not their sum: a warning naming the sum of
  the parts and their rows, and the total is read as that sum (the figure analysed is the one
  the parts give, so one mis-typed total does not move the results);
- a part rejected (a WEMWBS item scored 6, of 1-5, or left blank) beside a written total: an error
  on the total too, since it holds that part's value (a total of 14 items one of which is
  impossible, or of 13, is no WEMWBS total), so the form gives no total until the part is fixed;
- some parts missing (none rejected): a warning that the total cannot be checked, naming how many
  parts the form gives; the total is used as written;
- a part or the total given twice in one form: not checked (which copy belongs with which?).

A form of parts alone, with no total written, is given one computed from complete parts, or a
warning naming the parts missing (validate_computed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from ipseval.settings import Settings

NEEDED = ("client_id", "assessment_date", "instrument", "measure", "score")
FORM = ["client", "date", "whole_key"]


def check_form_totals(chk: Any, settings: Settings) -> None:
    """Check the written totals of the wellbeing checker ``chk`` (validate._Checker) against their
    parts (see the module docstring): problems added to it, mis-added totals read as the sums."""
    from ipseval.settings import SettingsError
    from ipseval.validate_computed import total_from_parts
    from ipseval.wellbeing.items import parts

    if not chk.n or any(c in chk.missing for c in NEEDED):
        return
    try:
        defs = parts(settings)
    except SettingsError:  # a measures file that cannot be read: evaluate names it (measure_ranges too)
        return
    keys = _pair_keys(chk)  # built once: both checks below look at it
    if not keys["key"].is_in(defs["key"].implode()).any():
        return  # no part of a total: ten million answers of other measures then cost next to nothing
    rows = _rows(chk, defs, keys)
    total_from_parts(chk, rows, defs)  # forms of parts with no total written
    if not keys["key"].is_in(defs["whole_key"].implode()).any():
        return
    forms = _forms(rows, defs)
    if forms.is_empty():
        return
    totals = (
        rows.filter(pl.col("key").is_in(defs["whole_key"].implode()))
        .with_columns(pl.col("key").alias("whole_key"))
        .filter(pl.len().over(FORM) == 1, ~pl.col("bad"))
        .join(forms, on=FORM, how="inner")
        .filter(pl.col("n_rows") == pl.col("n_distinct"))
    )
    _rejected_parts(chk, totals.filter(pl.col("n_bad") > 0))
    _missing_parts(chk, totals.filter((pl.col("n_bad") == 0) & (pl.col("n_distinct") < pl.col("n_parts"))))
    whole = totals.filter((pl.col("n_bad") == 0) & (pl.col("n_distinct") == pl.col("n_parts")))
    _mis_added(chk, whole.filter((pl.col("score") - pl.col("sum")).abs() > 1e-9))


def _pair_keys(chk: Any) -> pl.DataFrame:
    """Each distinct (instrument, measure) of the file with its measure key, folded as the analysis
    folds it: looked at once per pair, not once per answer."""
    from ipseval.validate_wellbeing import measure_key

    pairs = pl.DataFrame({"i": chk.typed["instrument"], "m": chk.typed["measure"]}).unique()
    return pairs.with_columns(measure_key())


def _rows(chk: Any, defs: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """Every row of a total or a part with a client and date: its position (_i), form, key, score,
    whether rejected, row and cell. ``keys``: :func:`_pair_keys`."""
    wanted = pl.concat([defs["key"], defs["whole_key"]]).unique().implode()
    pairs = keys.filter(pl.col("key").is_in(wanted))
    per_row = pl.DataFrame({"i": chk.typed["instrument"], "m": chk.typed["measure"]}).join(
        pairs, on=["i", "m"], how="left", maintain_order="left", nulls_equal=True
    )["key"]
    keep = per_row.is_not_null() & chk.typed["client_id"].is_not_null()
    keep = keep & chk.typed["assessment_date"].is_not_null()
    at = keep.arg_true()
    return pl.DataFrame(
        {
            "_i": at.cast(pl.Int64),
            "client": chk.typed["client_id"].gather(at),
            "date": chk.typed["assessment_date"].gather(at),
            "key": per_row.gather(at),
            "score": chk.typed["score"].gather(at).cast(pl.Float64),
            "bad": chk.reject.gather(at),
            "row": chk.raw["_row"].gather(at),
            "raw": chk.raw["score"].gather(at).cast(pl.Utf8),
        }
    )


def _forms(rows: pl.DataFrame, defs: pl.DataFrame) -> pl.DataFrame:
    """Per form and whole: its part rows, distinct parts, rejected parts (the first named), the sum
    of the valid parts and the rows they are on."""
    joined = rows.join(defs.select("key", "whole_key", "n_parts", "measure"), on="key", how="inner")
    bad = pl.col("bad")
    return joined.group_by(FORM).agg(
        pl.len().alias("n_rows"),
        pl.col("key").n_unique().alias("n_distinct"),
        bad.sum().alias("n_bad"),
        pl.col("n_parts").first(),
        pl.col("score").filter(~bad).sum().alias("sum"),
        pl.col("row").min().alias("first"),
        pl.col("row").max().alias("last"),
        pl.col("measure").filter(bad).first().alias("bad_measure"),
        pl.col("row").filter(bad).first().alias("bad_row"),
        pl.col("raw").filter(bad).first().alias("bad_value"),
    )


def _where(first: pl.Expr, last: pl.Expr) -> pl.Expr:
    """'rows 2-15', or 'row 5' when the parts are the cells of one row (a wide file)."""
    return (
        pl.when(first == last)
        .then(pl.format("row {}", first))
        .otherwise(pl.format("rows {}-{}", first, last))
    )


def _mask(chk: Any, found: pl.DataFrame, column: str | pl.Expr) -> tuple[pl.Series, pl.Series]:
    """(rows of ``found`` as a mask over the checker's rows, ``column``'s value on those rows)."""
    full = pl.DataFrame({"_i": pl.int_range(chk.n, eager=True)}).join(
        found.select(
            "_i", pl.lit(True).alias("hit"), column if isinstance(column, pl.Expr) else pl.col(column)
        ),
        on="_i",
        how="left",
    )
    return full["hit"].fill_null(False), full.drop("_i", "hit").to_series()


def _rejected_parts(chk: Any, found: pl.DataFrame) -> None:
    if found.is_empty():
        return
    message = pl.format(
        "the form's {} on row {} was rejected ('{}'), and the written total holds that part's value: "
        "the total cannot be used until the part is fixed",
        pl.col("bad_measure"),
        pl.col("bad_row"),
        pl.col("bad_value").fill_null("(blank)"),
    ).alias("m")
    mask, text = _mask(chk, found, message)
    chk.add(mask, "score", "a total beside parts that are all valid scores", text)


def _missing_parts(chk: Any, found: pl.DataFrame) -> None:
    if found.is_empty():
        return
    message = pl.format(
        "not checked: the form gives {} of the {} parts this total adds up ({}); it is used as written",
        pl.col("n_distinct"),
        pl.col("n_parts"),
        _where(pl.col("first"), pl.col("last")),
    ).alias("m")
    mask, text = _mask(chk, found, message)
    chk.add(mask, "score", "a total beside all its parts", text, severity="warning")


def _mis_added(chk: Any, found: pl.DataFrame) -> None:
    if found.is_empty():
        return
    shown = _number(pl.col("sum"))
    message = pl.format(
        "the total written, {}, is not the sum of its {} parts ({}), which is {}: the sum of the parts is "
        "used; check which is right (a part keyed wrongly, or a total that leaves a part out)",
        pl.col("raw"),
        pl.col("n_parts"),
        _where(pl.col("first"), pl.col("last")),
        shown,
    ).alias("m")
    mask, text = _mask(chk, found, message)
    expected = pl.format(
        "{}, the sum of its parts ({})", shown, _where(pl.col("first"), pl.col("last"))
    ).alias("e")
    _, wanted = _mask(chk, found, expected)
    for exp in wanted.filter(mask).unique(maintain_order=True).to_list():
        rows = mask & (wanted == exp).fill_null(False)
        chk.add(rows, "score", exp, text.filter(rows), severity="warning")
    _, sums = _mask(chk, found, "sum")
    chk.typed["score"] = (
        pl.select(pl.when(mask).then(sums).otherwise(chk.typed["score"])).to_series().alias("score")
    )


def _number(e: pl.Expr) -> pl.Expr:
    """A number as written: 44 not 44.0."""
    return pl.when(e == e.floor()).then(e.cast(pl.Int64).cast(pl.Utf8)).otherwise(e.cast(pl.Utf8))
