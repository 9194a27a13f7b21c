"""Disclosure control: the one step that hides or rounds numbers about people.

Analyses return unrounded :class:`~ipseval.results.ResultTable` objects. :func:`protect` turns one
into a :class:`~ipseval.results.ProtectedTable` under the evaluation's :class:`Disclosure` policy,
reading only the table's declarations (``counts``, ``rates``, ``guarded``, ``additive``), so it
never needs to know which analysis made the table.

Policies (k is ``policy.effective_threshold``):

``ndtms``
    Counts 1..k are hidden (0 is shown). Secondary suppression then makes sure no hidden count can
    be worked out from the totals declared in ``table.additive`` (see
    :func:`_secondary_suppression`): first the simple rule (a relation with exactly one hidden
    cell gets a second), then an exact audit of the linear equations the totals give, which also
    catches combinations of relations that the simple rule misses. Rates are hidden when their
    numerator or denominator is hidden, with their confidence intervals; guarded statistics
    (means, medians, survival estimates) are hidden when their n is hidden or 1..k.
``nhs``
    Counts 1..k are hidden, other counts are rounded to the nearest ``rounding_base`` (half up);
    a count whose rounded value would be 0..k is hidden too (possible only with custom settings).
    Rates and their confidence intervals are recomputed from the rounded figures.
``none``
    Nothing is hidden or rounded; every output must carry :data:`NOT_FOR_PUBLICATION`.

Conventions: a null count is *missing*, not hidden, and stays null; a hidden cell is null in
``data`` and True in ``hidden``. Counts are returned as integers (float counts must be whole
numbers). A rate or guarded statistic that has a value although the count it rests on is null
cannot be checked, so it is hidden (fail closed).
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ..results import ColumnsAddUp, ProtectedTable, Rate, ResultTable, RowsAddUp
from ..settings import Disclosure

__all__ = ["NOT_FOR_PUBLICATION", "describe_policy", "protect", "protect_all", "wilson_interval"]

NOT_FOR_PUBLICATION = (
    "Not for publication: disclosure control is switched off (policy 'none'), so small numbers "
    "about people are shown exactly as computed. For internal checking only; do not share this "
    "output outside the evaluation team."
)

_Z95 = 1.959963984540054  # two-sided 95% normal quantile, as statsmodels uses


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def describe_policy(policy: Disclosure) -> dict[str, Any]:
    """The disclosure policy as recorded in every output (results.json, report methods section).

    Keys: ``name``, ``threshold`` (None for 'none'), ``rounding_base`` (None unless 'nhs'),
    ``secondary_suppression`` (bool), ``description`` (a plain-English sentence or two for the
    methods section) and ``warning`` (the not-for-publication text for 'none', else None).
    """
    name = policy.policy
    if name == "none":
        return {
            "name": name,
            "threshold": None,
            "rounding_base": None,
            "secondary_suppression": False,
            "description": "No disclosure control was applied: every count, percentage and "
            "statistic is shown exactly as computed, however small.",
            "warning": NOT_FOR_PUBLICATION,
        }
    if name == "ckm":
        from .cellkey import describe_ckm

        return describe_ckm(policy)
    k = policy.effective_threshold
    small = "Counts of 1" if k == 1 else f"Counts from 1 to {k}"
    if name == "ndtms":
        description = (
            f"{small} are not shown, to protect the people they describe; zeros are shown. "
            "Where a hidden count could be worked out by subtracting the other figures from a "
            "total, the next smallest count in that row or group is hidden too (secondary "
            "suppression). Percentages and their confidence intervals are hidden when either "
            "count they are made from is hidden, and averages and other statistics are hidden "
            f"when they rest on {k} or fewer people or on a hidden count."
        )
        return {
            "name": name,
            "threshold": k,
            "rounding_base": None,
            "secondary_suppression": True,
            "description": description,
            "warning": None,
        }
    b = policy.rounding_base
    description = (
        f"{small} are not shown, to protect the people they describe, and all other counts are "
        f"rounded to the nearest {b} (zeros are shown as 0), so totals may not equal the sum of "
        "their parts. Percentages and their confidence intervals are worked out from the rounded "
        "counts and are hidden when either count is hidden; averages and other statistics are "
        f"hidden when they rest on {k} or fewer people. Because rounding stops a hidden count "
        "being worked out exactly from totals, no secondary suppression is applied."
    )
    return {
        "name": name,
        "threshold": k,
        "rounding_base": b,
        "secondary_suppression": False,
        "description": description,
        "warning": None,
    }


def protect_all(tables: dict[str, ResultTable], policy: Disclosure) -> dict[str, ProtectedTable]:
    """:func:`protect` every table, keeping the dict's keys and order."""
    return {name: protect(table, policy) for name, table in tables.items()}


def protect(
    table: ResultTable, policy: Disclosure, force: dict[str, np.ndarray] | None = None
) -> ProtectedTable:
    """Apply ``policy`` to ``table``; the source table is not modified.

    Tables with ``about_people=False`` pass through unchanged with nothing hidden. ``force``:
    count column -> boolean mask of further cells to hide (the release-wide audit's choices, see
    :mod:`.release`), before secondary suppression covers them in turn.
    """
    if policy.policy == "ckm":  # a viewer's filtered view: the cell key method
        from .cellkey import protect_ckm

        return protect_ckm(table, policy)
    protected = table.protected_columns
    n = table.data.height
    if not table.about_people:
        return _wrap(table, table.data, {c: np.zeros(n, dtype=bool) for c in protected})

    _check_declarations(table)
    data = _whole_counts(table)

    if policy.policy == "none":
        return _wrap(table, data, {c: np.zeros(n, dtype=bool) for c in protected})

    k = policy.effective_threshold
    # values[i, j]: count column j on row i as float (NaN = missing); each column's cells that
    # hold a value; both read in one pass over the table (a pass per column and test cost more
    # than the arithmetic on tables this small)
    values = _as_floats(data, table.counts)
    known = _known(data, table)
    hidden = (values >= 1) & (values <= k)  # NaN compares False: missing is never hidden
    whole_group = policy.hide_whole_group and policy.policy in ("ndtms", "nhs")
    if whole_group or policy.policy == "ndtms":  # the relations, once: they do not change as cells hide
        row_groups = _row_groups(table, data)
        groups, known_zero = _build_groups(table, row_groups, values, k)
    if whole_group:
        hidden |= _whole_groups(row_groups, values, k, known_zero, siblings=policy.policy == "nhs")
    for j, c in enumerate(table.counts):
        if force and c in force:
            hidden[:, j] |= force[c] & ~np.isnan(values[:, j])
    if policy.policy == "nhs":
        # A count above k whose rounded value would still be 1..k, or 0 (e.g. 6 -> 5 with k = 5,
        # or 2 -> 0 with k = 1, base 5) is hidden too: every shown non-zero count is above k and
        # every shown 0 is a true zero.
        b = policy.rounding_base
        rounded = np.floor((2 * values + b) / (2 * b)) * b
        hidden |= (values >= 1) & (rounded <= k)
    if policy.policy == "ndtms":
        spare = frozenset(j for j, c in enumerate(table.counts) if c in table.spare)
        hidden = _secondary_suppression(values, hidden, groups, known_zero, table.key, spare)

    hide: dict[str, np.ndarray] = {c: hidden[:, j] for j, c in enumerate(table.counts)}
    out = data
    if policy.policy == "nhs":
        out = out.with_columns(_round_half_up(out[c], policy.rounding_base) for c in table.counts)
    out = _blank(out, hide)
    blank: dict[str, np.ndarray] = {}  # rates, intervals and statistics to blank, all at once

    for col, rate in table.rates.items():
        unknown = known[col] & ~(known[rate.numerator] & known[rate.denominator])
        mask = hide[rate.numerator] | hide[rate.denominator] | unknown
        # Only a cell that has a value can be hidden; a missing rate or CI stays merely missing.
        for c in (col, *(rate.ci or ())):
            hide[c] = mask & known[c]
            blank[c] = blank[c] | mask if c in blank else mask
        if policy.policy == "nhs":  # from the counts as shown (rounded, hidden ones blank)
            out = out.with_columns(_recompute_rate(out, data, col, rate))

    for col, n_col in table.guarded.items():
        n_vals = values[:, table.counts.index(n_col)]
        mask = hide[n_col] | ((n_vals >= 1) & (n_vals <= k)) | (known[col] & np.isnan(n_vals))
        hide[col] = mask & known[col]
        blank[col] = blank[col] | mask if col in blank else mask

    return _wrap(table, _blank(out, blank), hide)


def wilson_interval(successes: float, trials: float, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default); ``trials`` must be positive."""
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    # exact at the ends: 0 successes give a lower bound of 0, all successes an upper bound of 1
    return (0.0 if successes <= 0 else centre - half), (1.0 if successes >= trials else centre + half)


# --------------------------------------------------------------------------------------------
# Checks and column helpers
# --------------------------------------------------------------------------------------------


def _check_declarations(table: ResultTable) -> None:
    """Fail closed on declarations disclosure control cannot honour."""
    cols, counts = set(table.data.columns), set(table.counts)
    problems: list[str] = []
    for col, rate in table.rates.items():
        for part in (rate.numerator, rate.denominator):
            if part not in counts:
                problems.append(f"rate {col!r} uses {part!r}, which is not a declared count")
        if rate.ci:
            problems += [f"CI column {c!r} of rate {col!r} is missing" for c in rate.ci if c not in cols]
    for col, n_col in table.guarded.items():
        if n_col not in counts:
            problems.append(f"guarded column {col!r} uses n {n_col!r}, which is not a declared count")
    for rel in table.additive:
        if isinstance(rel, RowsAddUp):
            if rel.column not in counts:
                problems.append(f"RowsAddUp column {rel.column!r} is not a declared count")
            problems += [f"RowsAddUp by-column {b!r} is missing" for b in rel.by if b not in cols]
        elif isinstance(rel, ColumnsAddUp):
            problems += [
                f"ColumnsAddUp column {c!r} is not a declared count"
                for c in (*rel.parts, rel.total)
                if c not in counts
            ]
        else:
            problems.append(f"unknown additive relation {rel!r}")
    for c in table.counts:
        dtype = table.data[c].dtype
        if not (dtype.is_integer() or dtype.is_float() or dtype == pl.Null):
            problems.append(f"count column {c!r} has type {dtype}, not a number")
    if problems:
        raise ValueError(f"result table {table.key!r}: " + "; ".join(problems))


def _whole_counts(table: ResultTable) -> pl.DataFrame:
    """Counts as integers (float counts must be whole numbers, NaN is read as missing), every
    column checked in one pass."""
    data = table.data
    floats = [c for c in table.counts if data[c].dtype.is_float() or data[c].dtype == pl.Null]
    counts = {
        c: pl.col(c).cast(pl.Float64).fill_nan(None) if c in floats else pl.col(c) for c in table.counts
    }
    checks = (
        data.select(
            *((e == e.round(0)).all().alias(f"whole {c}") for c, e in counts.items() if c in floats),
            *((e < 0).any().alias(f"negative {c}") for c, e in counts.items()),
        ).row(0, named=True)
        if counts
        else {}
    )
    for c in table.counts:
        if not checks.get(f"whole {c}", True):
            raise ValueError(f"result table {table.key!r}: count column {c!r} has non-whole values")
        if checks[f"negative {c}"]:
            raise ValueError(f"result table {table.key!r}: count column {c!r} has negative values")
    return data.with_columns(counts[c].cast(pl.Int64).alias(c) for c in floats) if floats else data


def _as_floats(data: pl.DataFrame, columns: list[str]) -> np.ndarray:
    """``columns`` as one float matrix, a column each (NaN = missing)."""
    if not columns:
        return np.zeros((data.height, 0))
    return data.select(pl.col(c).cast(pl.Float64).fill_null(np.nan) for c in columns).to_numpy()


def _known(data: pl.DataFrame, table: ResultTable) -> dict[str, np.ndarray]:
    """Which cells of each protected column hold a value."""
    columns = list(dict.fromkeys(table.protected_columns))
    flags = data.select(pl.col(c).is_not_null() for c in columns)
    return {c: flags[c].to_numpy() for c in columns}


def _null_where(s: pl.Series, mask: np.ndarray) -> pl.Series:
    if not mask.any():
        return s
    return s.zip_with(pl.Series(~mask), pl.Series(s.name, [None] * s.len(), dtype=s.dtype))


def _blank(data: pl.DataFrame, masks: dict[str, np.ndarray]) -> pl.DataFrame:
    """``data`` with each column's cells in its mask made missing (its type kept), in one pass."""
    blanks = [
        pl.when(pl.lit(pl.Series(mask))).then(None).otherwise(pl.col(c)).alias(c)
        for c, mask in masks.items()
        if mask.any()
    ]
    return data.with_columns(blanks) if blanks else data


def _round_half_up(s: pl.Series, base: int) -> pl.Series:
    """Nearest multiple of ``base``, halves up, on whole non-negative numbers (0 stays 0)."""
    r = (s.cast(pl.Int64) * 2 + base) // (2 * base) * base
    try:
        return r.cast(s.dtype, strict=True).alias(s.name)
    except pl.exceptions.InvalidOperationError:  # e.g. UInt8 255 rounded to 260
        return r.alias(s.name)


def _recompute_rate(out: pl.DataFrame, src: pl.DataFrame, col: str, rate: Rate) -> list[pl.Series]:
    """Rate (and CI) from the rounded counts in ``out``; null where the source rate was null."""
    num = out[rate.numerator].cast(pl.Float64).to_list()
    den = out[rate.denominator].cast(pl.Float64).to_list()
    had = src[col].is_not_null().to_list()
    values: list[float | None] = []
    lows: list[float | None] = []
    highs: list[float | None] = []
    if rate.ci and rate.ci_method != "wilson":
        raise ValueError(f"rate {col!r}: cannot recompute a {rate.ci_method!r} interval (only 'wilson')")
    if rate.ci:
        ci_had = (src[rate.ci[0]].is_not_null() | src[rate.ci[1]].is_not_null()).to_list()
    else:
        ci_had = [False] * len(had)
    for x, m, keep, keep_ci in zip(num, den, had, ci_had, strict=True):
        ok = x is not None and m is not None and m > 0
        values.append(x / m if ok and keep else None)
        if ok and keep_ci and x <= m:
            lo, hi = wilson_interval(x, m)
            lows.append(lo)
            highs.append(hi)
        else:
            lows.append(None)
            highs.append(None)

    def series(name: str, vals: list[float | None]) -> pl.Series:
        dtype = src[name].dtype if src[name].dtype.is_float() else pl.Float64
        return pl.Series(name, vals, dtype=pl.Float64).cast(dtype)

    result = [series(col, values)]
    if rate.ci:
        result += [series(rate.ci[0], lows), series(rate.ci[1], highs)]
    return result


def _wrap(table: ResultTable, data: pl.DataFrame, hide: dict[str, np.ndarray]) -> ProtectedTable:
    published = [c for c in table.protected_columns if c not in table.internal]
    hidden = pl.DataFrame(
        {c: pl.Series(c, hide[c], dtype=pl.Boolean) for c in published},
        schema={c: pl.Boolean for c in published},
    )
    return ProtectedTable(
        key=table.key,
        title=table.title,
        data=data.drop([c for c in table.internal if c in data.columns]),
        hidden=hidden,
        dims=list(table.dims),
        columns=dict(table.columns),
        notes=list(table.notes),
        source=table,
    )


# --------------------------------------------------------------------------------------------
# Secondary suppression (ndtms)
# --------------------------------------------------------------------------------------------


@dataclass
class _Group:
    """One additive relation instance: its non-missing member cells (flat index row*m + col).

    ``total`` is the member that is a ColumnsAddUp total (coefficient -1), or None for a
    RowsAddUp group, whose total lies outside the table and is assumed published.
    """

    cells: list[int]
    total: int | None = None


def _row_groups(table: ResultTable, data: pl.DataFrame) -> list[tuple[int, list[int]]]:
    """(count column index, rows) of each group of rows a RowsAddUp relation adds up."""
    pos = {c: j for j, c in enumerate(table.counts)}
    out = []
    for rel in table.additive:
        if not isinstance(rel, RowsAddUp):
            continue
        if rel.by:
            by = data.select(rel.by).with_row_index("__row").group_by(list(rel.by), maintain_order=True)
            out += [(pos[rel.column], rows) for rows in by.agg(pl.col("__row"))["__row"].to_list()]
        else:
            out.append((pos[rel.column], list(range(data.height))))
    return out


def _whole_groups(
    row_groups: list[tuple[int, list[int]]],
    values: np.ndarray,
    k: int,
    known_zero: set[int],
    siblings: bool,
) -> np.ndarray:
    """Group disclosure: in a group of rows adding up to a total above k (the levels of one
    characteristic), a count equal to that total says every member shares that level. It is
    hidden; secondary suppression then hides one more (under 'nhs', which has none, every
    count of the group is hidden, as its shown zeros are true zeros and would give it back).
    Not when every other count of the group is a zero that published zero totals give away:
    the published totals then say it themselves, and no hiding within the table can help."""
    hide = np.zeros(values.shape, dtype=bool)
    m = values.shape[1]
    for j, rows in row_groups:
        cells = [i for i in rows if not np.isnan(values[i, j])]
        total = sum(values[i, j] for i in cells)
        full = [i for i in cells if values[i, j] == total]
        cover = [i for i in cells if i not in full and i * m + j not in known_zero]
        if len(cells) < 2 or total <= k or not full or not cover:
            continue
        for i in cells if siblings else full:
            hide[i, j] = True
    return hide


def _build_groups(
    table: ResultTable, row_groups: list[tuple[int, list[int]]], values: np.ndarray, k: int
) -> tuple[list[_Group], set[int]]:
    """The additive relations as groups of cells, and the cells known to be 0 because a published
    RowsAddUp total is 0 (hiding one of those covers nothing).

    A RowsAddUp group whose total is 1..k is left out: that total is itself hidden wherever this
    policy publishes it, so it gives nothing away.
    """
    m = values.shape[1]
    pos = {c: j for j, c in enumerate(table.counts)}
    present = ~np.isnan(values)
    groups: list[_Group] = []
    known_zero: set[int] = set()
    for j, rows in row_groups:
        cells = [i * m + j for i in rows if present[i, j]]
        total = sum(values[i, j] for i in rows if present[i, j])
        if total == 0:
            known_zero.update(cells)
        elif len(cells) >= 2 and total > k:
            # (a single cell equals its total: nothing to pair it with; a total of 1..k
            # is itself hidden wherever it is published)
            groups.append(_Group(cells))
    for rel in table.additive:
        if not isinstance(rel, RowsAddUp):
            parts = [pos[c] for c in rel.parts]
            jt = pos[rel.total]
            for i in range(values.shape[0]):
                if not present[i, jt]:
                    continue  # no published total on this row
                cells = [i * m + j for j in parts if present[i, j]]
                if cells:
                    groups.append(_Group([*cells, i * m + jt], total=i * m + jt))
    return groups, known_zero


def _pick(
    cells: list[int],
    vals: list[float],
    hid: list[bool],
    known_zero: set[int],
    exclude: int | None = None,
    cost: Callable[[int], tuple] | None = None,
) -> int | None:
    """The visible cell that costs least to hide (``cost``: spare columns first, then smallest
    non-zero; a zero only if no non-zero one, and never a zero that a published zero total gives
    away); ties: first in row-major order (row, then ``counts`` order)."""
    best: tuple | None = None
    for c in cells:
        if hid[c] or c == exclude or c in known_zero:
            continue
        key = (*(cost(c) if cost else ()), vals[c] == 0, vals[c], c)
        if best is None or key < best:
            best = key
    return None if best is None else best[-1]


def _secondary_suppression(
    values: np.ndarray,
    primary: np.ndarray,
    groups: list[_Group],
    known_zero: set[int],
    key: str,
    spare: frozenset[int] = frozenset(),
) -> np.ndarray:
    """Hide more cells until no hidden cell can be worked out from the declared totals.

    1. Structural rule, iterated to a fixed point over all relations: a relation with exactly one
       hidden member gets one more hidden cell, the smallest non-zero visible member (a zero only
       if no non-zero one; ties to the first cell in row-major order). For ColumnsAddUp the total
       column is a member: a hidden part with a visible total gets another *part* hidden (the
       total only if no visible part is left); a hidden total with all parts visible gets a part
       hidden. A hidden total with one hidden part needs nothing more.
    2. Audit: the declared totals are linear equations in the hidden cells (visible cells known,
       hidden cells >= 0). A hidden cell is recoverable if the equations, together with the
       hidden cells forced to 0 by non-negativity, pin it down (e.g. a "bridge" between two
       groups of hidden cells). For each such cell, hide another cell (see :func:`_cover`),
       re-run step 1, and audit again until none is left. If no cell is left that could help,
       the table cannot be protected from within: warn.

    RowsAddUp groups whose total is 1..k are not relations here (see :func:`_build_groups`), and
    cells that a published zero total gives away are never used as cover.
    """
    n, m = values.shape
    vals = [float(v) for v in values.ravel()]
    hid = [bool(h) for h in primary.ravel()]

    def cost(c: int) -> tuple[bool]:
        return (c % m not in spare,)  # a spare column (a complement, a total) is hidden first

    if not any(hid) or not groups:
        return primary.copy()
    cell_groups: dict[int, list[int]] = {}
    for g, grp in enumerate(groups):
        for c in grp.cells:
            cell_groups.setdefault(c, []).append(g)
    hcount = [sum(hid[c] for c in grp.cells) for grp in groups]

    def hide(c: int, queue: deque[int], queued: list[bool]) -> None:
        hid[c] = True
        for g in cell_groups.get(c, ()):
            hcount[g] += 1
            if not queued[g]:
                queued[g] = True
                queue.append(g)

    def structural(start: list[int]) -> None:
        queue = deque(start)
        queued = [False] * len(groups)
        for g in start:
            queued[g] = True
        while queue:
            g = queue.popleft()
            queued[g] = False
            if hcount[g] != 1:
                continue
            grp = groups[g]
            parts = [c for c in grp.cells if c != grp.total]
            cand = _pick(parts, vals, hid, known_zero, cost=cost)
            if cand is None and grp.total is not None and not hid[grp.total]:
                cand = grp.total
            if cand is not None:
                hide(cand, queue, queued)  # queues every relation the new cell belongs to

    structural(list(range(len(groups))))
    given_up: set[int] = set()
    while True:
        fixed, pinned = _recoverable(vals, hid, groups)
        determined = [c for c in fixed if c not in given_up]
        if not determined:
            break
        touched: set[int] = set()
        added: list[int] = []
        for c in determined:
            if touched.intersection(cell_groups.get(c, [])):
                continue  # a cell near it was just hidden: audit again before adding more
            cand = _cover(c, vals, hid, groups, cell_groups, known_zero, pinned, cost)
            if cand is None:
                given_up.add(c)
                continue
            hide(cand, deque(), [True] * len(groups))
            touched.update(cell_groups.get(c, []))
            touched.update(cell_groups.get(cand, []))
            added.append(cand)
        if not added:
            break
        structural(sorted({g for c in added for g in cell_groups.get(c, [])}))
    # cells this table alone cannot protect (``given_up``) are left to the release-wide audit,
    # which knows where each total is published and whether it is hidden (see .release)
    return np.array(hid, dtype=bool).reshape(n, m)


_MAX_TRIALS = 30


def _cover(
    x: int,
    vals: list[float],
    hid: list[bool],
    groups: list[_Group],
    cell_groups: dict[int, list[int]],
    known_zero: set[int],
    pinned: set[int],
    cost: Callable[[int], tuple] | None = None,
) -> int | None:
    """A visible cell to hide so that the recoverable hidden cell ``x`` is no longer recoverable.

    Candidates are the visible cells of the relations linking ``x``'s hidden cells (only those can
    matter), those sharing a relation with ``x`` first, each set smallest non-zero first. The first
    candidate that on its own makes ``x`` undetermined is chosen; if none does within a few trials
    (it may need several cells), the first candidate, to make progress. None if there is no
    candidate at all: then nothing in the table can protect ``x``.
    """
    comp_groups = _component_groups(x, hid, groups, cell_groups)
    near = {c for g in cell_groups.get(x, []) for c in groups[g].cells}
    far = {c for g in comp_groups for c in groups[g].cells} - near

    def ordered(cells: set[int]) -> list[int]:
        ok = [c for c in cells if not hid[c] and c not in known_zero]
        return sorted(ok, key=lambda c: (*(cost(c) if cost else ()), vals[c] == 0, vals[c], c))

    candidates = ordered(near) + ordered(far)
    for y in candidates[:_MAX_TRIALS]:
        hid[y] = True
        gs = _component_groups(x, hid, groups, cell_groups)
        hid[y] = False
        eqs = [
            {c: (-1 if c == groups[g].total else 1) for c in groups[g].cells if c == y or hid[c]} for g in gs
        ]
        variables = sorted({c for eq in eqs for c in eq})
        eqs += [{c: 1} for c in variables if c in pinned]
        if x not in _fixed_variables(eqs, variables):
            return y
    return candidates[0] if candidates else None


def _component_groups(
    x: int, hid: list[bool], groups: list[_Group], cell_groups: dict[int, list[int]]
) -> list[int]:
    """The relations reachable from hidden cell ``x`` through hidden cells."""
    seen_cells, seen_groups, stack = {x}, set(), [x]
    while stack:
        c = stack.pop()
        for g in cell_groups.get(c, []):
            if g in seen_groups:
                continue
            seen_groups.add(g)
            for d in groups[g].cells:
                if hid[d] and d not in seen_cells:
                    seen_cells.add(d)
                    stack.append(d)
    return sorted(seen_groups)


def _recoverable(vals: list[float], hid: list[bool], groups: list[_Group]) -> tuple[list[int], set[int]]:
    """Hidden cells whose value is fixed by the declared totals and non-negativity, and the
    hidden cells that non-negativity alone forces to 0.

    Each relation with a hidden member is an equation in the hidden cells (+1 for a part, -1 for
    a ColumnsAddUp total; visible cells are constants). Cells that non-negativity forces to 0
    (see :func:`_implicit_zeros`) are added as equations ``x = 0``. A cell is then recoverable
    exactly when the equations fix it, which :func:`_fixed_variables` decides.
    """
    equations: list[dict[int, int]] = []
    for grp in groups:
        eq = {c: (-1 if c == grp.total else 1) for c in grp.cells if hid[c]}
        if eq:
            equations.append(eq)
    if not equations:
        return [], set()
    variables = sorted({c for eq in equations for c in eq})
    zeros = [c for c in variables if vals[c] == 0]
    pinned = set(_implicit_zeros(equations, variables, vals, zeros)) if zeros else set()
    equations += [{c: 1} for c in sorted(pinned)]
    return sorted(_fixed_variables(equations, variables)), pinned


_PRIME = (1 << 61) - 1  # Mersenne prime for exact modular elimination


def _fixed_variables(equations: list[dict[int, int]], variables: list[int]) -> set[int]:
    """Variables that every solution of the homogeneous system ``equations`` sets to 0, i.e. whose
    value the (inhomogeneous) system with the same left-hand sides determines.

    Sparse Gaussian elimination in exact arithmetic modulo a 61-bit prime, then two random points
    of the null space by back-substitution: a variable not fixed by the equations is 0 at a random
    null-space point with probability about 2**-61. Sparse, so fast for thousands of cells; unlike a
    floating-point SVD it has no tolerance to choose.
    """
    occurrences: dict[int, int] = {}
    for eq in equations:
        for v in eq:
            occurrences[v] = occurrences.get(v, 0) + 1
    pivots: dict[int, dict[int, int]] = {}  # pivot variable -> its row, pivot coefficient 1
    order: dict[int, int] = {}
    for eq in sorted(equations, key=len):
        row = {v: c % _PRIME for v, c in eq.items() if c % _PRIME}
        heap = [(order[v], v) for v in row if v in pivots]
        heapq.heapify(heap)
        while heap:  # rows only hold variables pivoted later, so increasing order terminates
            _, v = heapq.heappop(heap)
            c = row.get(v)
            if not c:
                continue
            for u, cu in pivots[v].items():
                new = (row.get(u, 0) - c * cu) % _PRIME
                if new:
                    if u not in row and u in pivots:
                        heapq.heappush(heap, (order[u], u))
                    row[u] = new
                else:
                    row.pop(u, None)
        if not row:
            continue  # implied by earlier equations
        v = min(row, key=lambda x: (occurrences[x], x))
        inv = pow(row[v], -1, _PRIME)
        pivots[v] = {u: cu * inv % _PRIME for u, cu in row.items()}
        order[v] = len(order)
    rng = random.Random(20240601)
    free: set[int] = set()
    for _ in range(2):
        x = {v: rng.randrange(1, _PRIME) for v in variables if v not in pivots}
        for v in sorted(pivots, key=order.__getitem__, reverse=True):
            x[v] = -sum(cu * x[u] for u, cu in pivots[v].items() if u != v) % _PRIME
        free.update(v for v, val in x.items() if val)
    return set(variables) - free


def _implicit_zeros(
    equations: list[dict[int, int]], variables: list[int], vals: list[float], zeros: list[int]
) -> list[int]:
    """Hidden cells (among ``zeros``, the hidden cells whose true value is 0) that are 0 at every
    point of {equations hold at their true totals, all hidden cells >= 0}.

    One linear programme: maximise sum(t) with t_i <= x_i and 0 <= t_i <= 1/len(candidates). Any
    candidate with t_i > 0 can be positive; repeat on the others until none is found.
    """
    from .lp import Programme  # HiGHS directly: scipy.optimize alone takes ~0.4 s to import

    where = {c: i for i, c in enumerate(variables)}
    nv, ne = len(variables), len(equations)
    a = np.zeros((ne, nv))
    for r, eq in enumerate(equations):
        for c, coef in eq.items():
            a[r, where[c]] = float(coef)
    b = a @ np.array([vals[c] for c in variables], dtype=float)
    cand = [where[c] for c in zeros]
    while cand:
        k = len(cand)
        below_x = np.zeros((k, nv))  # t_i - x_i <= 0
        below_x[np.arange(k), cand] = -1.0
        a_ub = np.vstack([np.hstack([below_x, np.eye(k)]), np.hstack([np.zeros((k, nv)), np.eye(k)])])
        b_ub = np.concatenate([np.zeros(k), np.full(k, 1.0 / k)])
        lp = Programme(np.hstack([a, np.zeros((ne, k))]), b, a_ub, b_ub, nv + k)
        status, _value, x = lp.optimum(np.concatenate([np.zeros(nv), np.ones(k)]), maximise=True)
        if status != "optimal":  # cannot happen (true values feasible, objective bounded): fail closed
            break
        positive = {cand[i] for i in range(k) if x[nv + i] > 1e-9}
        if not positive:
            break
        cand = [i for i in cand if i not in positive]
    return [variables[i] for i in cand]
