"""Reading one column's cells as the standard's types: text, codes, yes/no, whole numbers,
numbers and dates, each cell that cannot be read named as a problem.

:class:`TypeReaders` is mixed into validate._Checker, whose ``convert_column`` picks the reader
for a column's type (``_as_<type>``); the readers record problems through the checker's ``add``
and ``note`` and read its ``n``, ``table``, ``weights`` (rows per value when distinct values are
checked), ``dates`` (the file's day/month order) and ``century`` (two-digit years).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest.mapping import norm_name
from ipseval.schema import BOOL_FALSE, BOOL_TRUE, UNKNOWN, Column
from ipseval.validate_dates import read_dates
from ipseval.validate_numbers import read_text_numbers, sentinel_hint, why_not

if TYPE_CHECKING:
    from ipseval.validate_dates import OrderChoice
    from ipseval.validate_years import Century

EARLIEST = date(1900, 1, 1)
_TRUE_FAST = sorted({v for w in BOOL_TRUE for v in (w, w.upper(), w.title())})
_FALSE_FAST = sorted({v for w in BOOL_FALSE for v in (w, w.upper(), w.title())})


class TypeReaders:
    """The readers of validate._Checker, one per column type (see the module docstring)."""

    n: int
    table: str
    weights: pl.Series | None
    dates: OrderChoice
    century: Century
    add: Callable[..., None]  # validate._Checker.add: a problem on the rows of a mask
    note: Callable[..., None]  # validate._Checker.note: a warning about the whole column

    def _as_text(self, s: pl.Series, col: Column, cmap: dict[str, str]) -> pl.Series:
        if not cmap:
            return s
        key = _canon(s)
        return (
            _frame(key=key, s=s)
            .select(
                pl.when(pl.col("key").is_in(list(cmap)))
                .then(pl.col("key").replace(cmap))
                .otherwise(pl.col("s"))
            )
            .to_series()
        )

    def _as_code(self, s: pl.Series, col: Column, cmap: dict[str, str]) -> pl.Series:
        codes = list(col.codes or ())
        bad = s.is_not_null() & ~s.is_in(codes)
        if cmap or bad.any():
            s = _canon(s)
            if cmap:
                s = s.replace({k: norm_name(v) for k, v in cmap.items()})
            bad = s.is_not_null() & ~s.is_in(codes)
        self.add(bad, col.name, col.expected, "not one of the allowed codes")
        out = s
        if bad.any():
            out = _frame(s=s, bad=bad).select(pl.when(pl.col("bad")).then(None).otherwise(pl.col("s")))
            out = out.to_series()
        if UNKNOWN in codes:
            out = out.fill_null(UNKNOWN)
        return out

    def _as_bool(self, s: pl.Series, col: Column, cmap: dict[str, str]) -> pl.Series:
        s = self._as_text(s, col, cmap)  # labels mapped to yes/no words first, as in a text column
        t, f = s.is_in(_TRUE_FAST), s.is_in(_FALSE_FAST)
        unmatched = s.is_not_null() & ~t & ~f
        if unmatched.any():  # other spellings ("yEs"), or not a yes/no value: look at each once
            others = s.filter(unmatched).unique()
            low = others.str.to_lowercase()
            t = t | s.is_in(others.filter(low.is_in(list(BOOL_TRUE))).implode())
            f = f | s.is_in(others.filter(low.is_in(list(BOOL_FALSE))).implode())
            unmatched = s.is_not_null() & ~t & ~f
            self.add(unmatched, col.name, col.expected, "not a yes/no value")
        return (
            _frame(t=t, f=f)
            .select(pl.when(pl.col("t")).then(True).when(pl.col("f")).then(False).otherwise(None))
            .to_series()
        )

    def _as_integer(self, s: pl.Series, col: Column, cmap: dict[str, str]) -> pl.Series:
        x = self._as_number(s, col, cmap, whole=True)
        return x.cast(pl.Int64, strict=False)

    def _as_number(self, s: pl.Series, col: Column, cmap: dict[str, str], whole: bool = False) -> pl.Series:
        x = s.cast(pl.Float64, strict=False)
        bad = s.is_not_null() & (x.is_null() | ~x.is_finite())
        if bad.any():  # '16 hrs', '6/10': read where the column's meaning allows (validate_numbers)
            text = read_text_numbers(
                s.filter(bad), col, self.weights.filter(bad) if self.weights is not None else None
            )
            if text.warning:
                self.note(col.name, text.forms, "numbers written alone", text.warning)
                read = pl.repeat(False, self.n, dtype=pl.Boolean, eager=True).scatter(
                    bad.arg_true(), text.read
                )
                x = x.scatter(bad.arg_true(), text.numbers.fill_null(x.filter(bad)))
                bad = bad & ~read
        if bad.any():
            kind = "not a whole number" if whole else "not a number"
            reasons = {v: why_not(v, kind, col, self.table) for v in s.filter(bad).unique().to_list()}
            self.add(bad, col.name, col.expected, s.filter(bad).replace_strict(reasons, return_dtype=pl.Utf8))
            x = (
                _frame(x=x, bad=bad)
                .select(pl.when(pl.col("bad")).then(None).otherwise(pl.col("x")))
                .to_series()
            )
        if whole:
            frac = x.is_not_null() & ((x != x.floor()) | (x.abs() > 1e15))
            self.add(frac, col.name, col.expected, "not a whole number")
            x = _frame(x=x, b=frac).select(pl.when(pl.col("b")).then(None).otherwise(pl.col("x"))).to_series()
        for out, words, limit in (
            (x < (col.minimum if col.minimum is not None else -math.inf), "below the minimum", col.minimum),
            (x > (col.maximum if col.maximum is not None else math.inf), "above the maximum", col.maximum),
        ):
            self.add(
                out, col.name, col.expected, self._out_of_range(s, out, f"{words} of {_fmt(limit or 0)}", col)
            )
        return x

    def _out_of_range(self, s: pl.Series, out: pl.Series, message: str, col: Column) -> str | pl.Series:
        """The message for values out of range: with how to map a "not recorded" code (999, -1)."""
        values = s.filter(out.fill_null(False)).unique().to_list()
        hints = {v: sentinel_hint(v, self.table, col.name) for v in values}
        if not any(hints.values()):
            return message
        return s.filter(out.fill_null(False)).replace_strict(
            {v: message + h for v, h in hints.items()}, return_dtype=pl.Utf8
        )

    def _as_date(self, s: pl.Series, col: Column, cmap: dict[str, str]) -> pl.Series:
        century = self.century.for_column(col.name)
        found = read_dates(s, self.dates.order, col.name, self.table, self.dates.mixed, century, self.weights)
        for f in found.findings:
            self.add(f.mask, col.name, found.expected, f.message, severity=f.severity)
        if found.years is not None:
            self.note(col.name, found.years.value, "dates with the year in full", found.years.message)
        for n in found.notes:
            self.note(col.name, n.value, n.expected, n.message)
        d = found.dates
        self.add(d < EARLIEST, col.name, "a date after 1900", "date before 1900: check the year")
        return d


def _frame(**cols: pl.Series) -> pl.DataFrame:
    return pl.DataFrame({k: v.alias(k) for k, v in cols.items()})


def _canon(s: pl.Series) -> pl.Series:
    """Codes compare case-insensitively, with inner runs of spaces, hyphens and underscores as one
    underscore ("Drug alcohol service", "drug-alcohol-service" and "drug__alcohol_service" match).
    A code column holds few distinct values: each is worked out once, then looked up."""
    values = s.drop_nulls().unique()
    if values.len() * 4 > s.len():
        return _canon_each(s)
    return s.replace(values, _canon_each(values))


def _canon_each(s: pl.Series) -> pl.Series:
    return s.str.to_lowercase().str.replace_all(r"[\s\-][\s\-_]*|_[\s\-_]+", "_")


def _blank_where(s: pl.Series, mask: pl.Series) -> pl.Series:
    return (
        _frame(s=s, m=mask)
        .select(pl.when(pl.col("m")).then(None).otherwise(pl.col("s")))
        .to_series()
        .alias(s.name)
    )


def _concat(prefix: str, s: pl.Series, suffix: str) -> pl.Series:
    return (
        _frame(s=s)
        .select(pl.concat_str(pl.lit(prefix), pl.col("s").cast(pl.Utf8), pl.lit(suffix)))
        .to_series()
    )


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
