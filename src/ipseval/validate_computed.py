"""Wellbeing totals computed from their items where the export writes none.

An export may record a questionnaire's items (WEMWBS item_01 ... item_14, SWEMWBS's 7, SURE's five
domains, a measures file's ``part_of`` parts; see wellbeing.items) but not their total. Only totals
are analysed, so such a form would give the wellbeing analysis nothing. Per form (one client,
assessment date and whole) with parts but no total row:

- every part there once, each a valid score: the total is computed as their sum and added to the
  wellbeing table as a row of its own, with no file row (stored with ``source_row`` null, which is
  how the analysis tells it was computed); one warning per file and whole says for how many
  assessments;
- a part missing, rejected (a WEMWBS item scored 6, left blank) or given twice: no total (a client
  who skipped an item must not get a lower score), and a warning on the form's first row naming
  the parts missing, rejected or repeated.

A form with a total written is never given a second one: its total is checked (validate_totals).
A computed total is dropped again if one of its parts is rejected later (a client row rejected).
"""

from __future__ import annotations

from typing import Any

import polars as pl

FORM = ["client", "date", "whole_key"]
EXPECTED = "every part of the questionnaire once, each a valid score, to compute its total"


def total_from_parts(chk: Any, rows: pl.DataFrame, defs: pl.DataFrame) -> None:
    """Forms of the wellbeing checker ``chk`` with parts and no total (``rows``: validate_totals'
    rows of totals and parts; ``defs``: wellbeing.items.parts): complete ones kept on the checker
    to be added as computed totals (:func:`with_computed`), the others named in a warning."""
    written = rows.filter(pl.col("key").is_in(defs["whole_key"].implode()))
    written = written.select("client", "date", pl.col("key").alias("whole_key")).unique()
    parts = rows.join(defs.select("key", "whole_key", "whole", "n_parts", "measure"), on="key", how="inner")
    if written.height:
        parts = parts.join(written, on=FORM, how="anti")
    forms = _counts(parts)
    if forms.is_empty():
        return
    whole = (pl.col("n_bad") == 0) & (pl.col("n_rows") == pl.col("n_parts"))
    whole = whole & (pl.col("n_distinct") == pl.col("n_parts"))
    short = forms.filter(~whole)
    if short.height:
        members = defs.group_by("whole_key").agg(pl.col("measure").alias("all"))
        detail = _detail(parts.join(short.select(FORM), on=FORM, how="semi"))
        _incomplete(chk, short.join(detail, on=FORM).join(members, on="whole_key", how="left"))
    complete = forms.filter(whole).with_row_index("form")
    if complete.height:
        chk.computed = _computed_rows(chk, complete)
        chk.computed_parts = parts.join(complete.select(*FORM, "form"), on=FORM).select("form", "_i")


def _counts(parts: pl.DataFrame) -> pl.DataFrame:
    """Per form and whole: how many part rows, distinct and rejected parts, the sum of its valid
    parts, its first row (and its position) and last row. Numbers only: a million answers of forms
    that are all complete cost no lists or text."""
    bad = pl.col("bad")
    return parts.group_by(FORM, maintain_order=True).agg(
        pl.col("_i").get(pl.col("row").arg_min()).alias("_i"),
        pl.col("row").min().alias("first"),
        pl.col("row").max().alias("last"),
        pl.len().alias("n_rows"),
        pl.col("key").n_unique().alias("n_distinct"),
        bad.sum().alias("n_bad"),
        pl.col("n_parts").first(),
        pl.col("whole").first(),
        pl.col("score").filter(~bad).sum().alias("sum"),
    )


def _detail(parts: pl.DataFrame) -> pl.DataFrame:
    """Per incomplete form: the parts valid, given, given more than once and rejected (with rows)."""
    bad, measure = pl.col("bad"), pl.col("measure")
    return parts.group_by(FORM).agg(
        measure.filter(~bad).unique().alias("valid"),
        measure.unique().alias("given"),
        measure.filter(measure.is_duplicated()).unique().sort().alias("twice"),
        pl.format("{} (row {})", measure, pl.col("row")).filter(bad).alias("rejected"),
    )


def _listed(label: str, items: pl.Expr) -> pl.Expr:
    """'; missing: item_05, item_09', or '' for an empty list."""
    return pl.when(items.list.len() > 0).then(pl.format("; {}: {}", pl.lit(label), items.list.join(", ")))


def _incomplete(chk: Any, found: pl.DataFrame) -> None:
    """A warning on the first row of each form whose parts cannot give its total."""
    from ipseval.validate_totals import _mask, _where

    if found.is_empty():
        return
    missing = pl.col("all").list.set_difference("given").list.sort()
    instrument = chk.typed["instrument"].cast(pl.Utf8).gather(found["_i"])
    message = pl.concat_str(
        pl.format(
            "no {} {} computed for this assessment: the form gives {} of its {} parts ({})",
            pl.lit(instrument),
            pl.col("whole"),
            pl.col("valid").list.len(),
            pl.col("n_parts"),
            _where(pl.col("first"), pl.col("last")),
        ),
        _listed("missing", missing),
        _listed("rejected", pl.col("rejected")),
        _listed("given more than once", pl.col("twice")),
        pl.lit(": a total of fewer parts would read as a lower score, so the form gives none"),
        ignore_nulls=True,
    ).alias("m")
    mask, text = _mask(chk, found, message)
    unusable = pl.col("all").list.set_difference("valid").list.set_union("twice").list.sort()
    _, value = _mask(chk, found, unusable.list.join(", ").alias("v"))
    chk.add(mask, "measure", EXPECTED, text, value=value, severity="warning")


def _computed_rows(chk: Any, complete: pl.DataFrame) -> pl.DataFrame:
    """The computed totals as wellbeing rows (typed as the checker types them), with no file row."""
    at = complete["_i"]
    return pl.DataFrame(
        {
            "form": complete["form"],
            "client_id": chk.typed["client_id"].gather(at),
            "assessment_date": chk.typed["assessment_date"].gather(at),
            "instrument": chk.typed["instrument"].gather(at),
            "measure": complete["whole"],
            "score": complete["sum"].cast(pl.Float64),
            "_row": pl.Series([None] * complete.height, dtype=pl.Int64),
        }
    )


def rows_dropped(chk: Any, keep: pl.Series) -> None:
    """The checker's rows were filtered to ``keep`` (rows left out, such as a left-out client's
    answers): the computed totals' parts are renumbered to the rows that stay, and a total with a
    part gone is dropped with it. Left with their old numbers they pointed past the table (an
    out-of-bounds gather) or, worse, at other rows."""
    if chk.computed_parts is None:
        return
    parts = chk.computed_parts
    gone = parts.filter(~keep.gather(parts["_i"]))["form"]
    position = keep.cast(pl.Int64).cum_sum() - 1  # a kept row's number once the others are dropped
    parts = parts.filter(~pl.col("form").is_in(gone.implode()))
    chk.computed_parts = parts.with_columns(_i=position.gather(parts["_i"]).cast(parts["_i"].dtype))
    chk.computed = chk.computed.filter(~pl.col("form").is_in(gone.implode()))


def with_computed(chk: Any, usable: pl.DataFrame) -> pl.DataFrame:
    """``usable`` (the checker's rows without errors) with the totals computed from complete parts
    whose parts all stayed usable, and one warning per whole saying for how many assessments.
    Sets ``chk.n_computed``."""
    if chk.computed is None:
        return usable
    lost = chk.computed_parts.filter(chk.reject.gather(chk.computed_parts["_i"]))["form"]
    added = chk.computed.filter(~pl.col("form").is_in(lost.implode())).drop("form")
    chk.computed, chk.computed_parts, chk.n_computed = None, None, added.height
    if not added.height:
        return usable
    named = added.group_by(pl.col("instrument").cast(pl.Utf8), "measure", maintain_order=True).len()
    for instrument, measure, n in named.iter_rows():
        chk.note(
            "measure",
            f"{instrument} {measure}",
            "a total written for each assessment",
            f"{instrument} {measure} computed from its parts for {n} assessment{'s' if n != 1 else ''} "
            "with no total written (every part there once and valid); these totals are analysed like "
            "written ones",
        )
    return pl.concat([usable, added.select(usable.columns).cast(dict(usable.schema))])
