"""Tidy result types shared by every analysis, by disclosure control and by the renderers.

An analysis returns :class:`ResultTable` objects: unrounded data plus a declaration of which
columns count people, which are rates of which counts, and which counts add up to totals.
Disclosure control reads only those declarations, so it never needs to know the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl


@dataclass(frozen=True)
class Rate:
    """A proportion ``numerator / denominator`` of two count columns, with optional CI columns."""

    numerator: str
    denominator: str
    ci: tuple[str, str] | None = None
    ci_method: str = "wilson"


@dataclass(frozen=True)
class RowsAddUp:
    """Within each group of rows sharing ``by``, the rows' ``column`` values add up to a total
    that is (or may be) published elsewhere. ``by=()`` means all rows of the table.

    ``total``: where the total is a row of this same table: the values that turn a group's ``by``
    into the total row's (e.g. ``(("breakdown", "overall"),)``: the areas of one period add up to
    that period's overall row). ``of``: where the total is a count of another table, as a
    :class:`SameCount` population and key (key items name the group's ``by`` columns or are
    '='-literals), e.g. ``("job_entries", ("=overall", "=All"))``. With neither, the total counts
    as published and known to the reader."""

    column: str
    by: tuple[str, ...] = ()
    total: tuple[tuple[str, Any], ...] = ()
    of: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class ColumnsAddUp:
    """On every row, the ``parts`` columns add up to the ``total`` column; with ``at_most``, to
    no more than it (the rest are people no column counts, e.g. clients whose follow-up ended
    before a month of a time grid, which a reader knows are never fewer than none)."""

    parts: tuple[str, ...]
    total: str
    at_most: bool = False


@dataclass(frozen=True)
class SameCount:
    """Cells of ``column`` count the same people as every cell of any table declared with the same
    ``population`` and the same key: the row's values of ``key`` (an item starting with '=' is a
    literal, e.g. ``("=local_authority", "group")``). ``where``: only rows whose columns have these
    values. Release-wide disclosure control treats such cells as one number: hidden in one table,
    hidden in all."""

    column: str
    population: str
    key: tuple[str, ...] = ()
    where: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Monotone:
    """Along ``along`` (sorted ascending) within each group of ``by``, ``column`` never decreases
    (``increasing``) or never increases: e.g. job entries so far, or the number still at risk."""

    column: str
    along: str
    by: tuple[str, ...] = ()
    increasing: bool = True


@dataclass
class ResultTable:
    """One tidy, unrounded result with the facts disclosure control needs about it.

    key: stable name in results.json and tables/<key>.csv.
    dims: columns that label a row (never protected).
    counts: columns that count people (or their jobs/meetings); protected.
    rates: rate column -> how it is made from counts; hidden when either count is hidden.
    guarded: statistic column (mean, median, survival...) -> count column giving its n;
        hidden when that n is hidden or at most the threshold.
    internal: columns used to protect others but never published.
    additive: relations used for secondary suppression.
    shares: counts that are the same number as counts of other tables (see :class:`SameCount`).
    monotone: counts that only rise (or fall) along a dimension, e.g. a time grid.
    spare: count columns to hide first when another cell needs cover (complements and totals a
        reader needs least), before the key figures.
    columns: column -> meaning, for the generated results documentation.
    """

    key: str
    title: str
    data: pl.DataFrame
    dims: list[str] = field(default_factory=list)
    counts: list[str] = field(default_factory=list)
    rates: dict[str, Rate] = field(default_factory=dict)
    guarded: dict[str, str] = field(default_factory=dict)
    additive: list[RowsAddUp | ColumnsAddUp] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    about_people: bool = True  # False for record-keeping tables (e.g. rows read per file)
    # columns disclosure control uses (e.g. the number at risk behind a survival estimate) but
    # never publishes: they are dropped from the protected table
    internal: list[str] = field(default_factory=list)
    shares: list[SameCount] = field(default_factory=list)
    monotone: list[Monotone] = field(default_factory=list)
    spare: list[str] = field(default_factory=list)
    # cell keys for the cell key method (see ipseval.disclosure.cellkey): count column -> column
    # holding the sum of the counted records' keys mod 2**32; key columns are internal
    keys: dict[str, str] = field(default_factory=dict)
    # column holding the key of each row's population (the view's clients in the row's group), mixed
    # into every cell key of the row so that no figure of a row whose people changed stays the same
    population_key: str = ""
    # a model-based result (coefficients, odds ratios...): in a perturbed view it is shown, with
    # its person counts dropped, only for a model of enough people
    model: bool = False

    def __post_init__(self) -> None:
        declared = [*self.dims, *self.counts, *self.rates, *self.guarded, *self.spare]
        declared += [d.column for d in [*self.shares, *self.monotone]]
        missing = [c for c in declared if c not in self.data.columns]
        if missing:
            raise ValueError(f"result table {self.key!r} declares columns it lacks: {missing}")
        if self.keys:
            wrong = [c for c, k in self.keys.items() if c not in self.counts or k not in self.data.columns]
            if wrong:
                raise ValueError(f"result table {self.key!r} declares cell keys it lacks for: {wrong}")
            self.internal = [*self.internal, *(k for k in self.keys.values() if k not in self.internal)]
        if self.population_key:
            if self.population_key not in self.data.columns:
                raise ValueError(
                    f"result table {self.key!r} lacks its population key {self.population_key!r}"
                )
            if self.population_key not in self.internal:
                self.internal = [*self.internal, self.population_key]

    @property
    def protected_columns(self) -> list[str]:
        cis = [c for r in self.rates.values() if r.ci for c in r.ci]
        return list(dict.fromkeys([*self.counts, *self.rates, *cis, *self.guarded]))


@dataclass
class ProtectedTable:
    """A result after disclosure control: ``data`` has hidden cells set to null and
    ``hidden`` marks them (so a hidden cell is told apart from a value that is simply missing)."""

    key: str
    title: str
    data: pl.DataFrame
    hidden: pl.DataFrame  # boolean, one column per protected column, same row order as data
    dims: list[str]
    columns: dict[str, str]
    notes: list[str]
    source: ResultTable
    # why the table's rows are not shown at all (e.g. a perturbed view withholds a table it cannot
    # perturb); "" = shown
    withheld: str = ""

    def is_hidden(self, row: int, column: str) -> bool:
        return column in self.hidden.columns and bool(self.hidden[column][row])

    def rows(self, hidden_marker: Any = "*") -> list[dict[str, Any]]:
        """Rows as dicts with hidden cells replaced by ``hidden_marker``."""
        out = self.data.to_dicts()
        for col in self.hidden.columns:
            mask = self.hidden[col].to_list()
            for i, h in enumerate(mask):
                if h:
                    out[i][col] = hidden_marker
        return out
