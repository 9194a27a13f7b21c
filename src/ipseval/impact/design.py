"""The model matrix of the logit engine: complete cases, dummy coding, and a factored layout.

A person-period table repeats each client's characteristics on every period row: ten million
rows times sixty dummy columns would be 4.8 GB and a Gram matrix of 36 GFLOP per Newton step.
So a design keeps *unit-level* columns (constant within a unit, e.g. a client) once per unit and
only the *row-level* columns (e.g. recent meetings, time band) per row. Every product the fit
needs is exact in this layout:

    X beta  = (U beta_u)[unit] + R beta_r
    X' v    = [U' (sum of v within unit),  R' v]
    X'WX    = [[U' diag(sum w) U,  U' (sum of w R within unit)],  [.,  R' W R]]

With one row per unit (an ordinary table) R is empty and this is the usual dense design. Work
is done in row blocks that never split a unit, so memory stays bounded at any size.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from .result import AnalysisError

_BAND = re.compile(r"^\s*(\d+)\s*(?:[-–]\s*\d+|\+)?\s*$")
BLOCK_ROWS = 1 << 18  # rows per block: a block of 60 columns is 125 MB


class ModelError(AnalysisError):
    """A model that cannot be estimated (separation, no convergence, collinear terms)."""


class SeparationError(ModelError):
    """Maximum likelihood estimates do not exist: some terms predict the outcome (almost) perfectly."""


@dataclass
class Design:
    """A factored model matrix (see module doc); ``columns`` names the coefficients in order."""

    U: np.ndarray  # unit-level columns, one row per unit
    R: np.ndarray  # row-level columns, one row per row (may have no columns)
    u_cols: np.ndarray  # coefficient positions of U's columns
    r_cols: np.ndarray  # coefficient positions of R's columns
    sizes: np.ndarray | None  # rows per unit (rows sorted by unit); None: every row is a unit
    y: np.ndarray
    w: np.ndarray | None
    groups: np.ndarray | None  # cluster code per row
    columns: list[tuple[str, str]]  # (term, level) per coefficient
    terms: list[tuple[str, str | None, list[str], list[int]]]  # term, reference, levels, rows per level
    n_dropped: int
    separated: tuple[str, ...] = ()  # levels with no events or only events ("term = 'level'")

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def k(self) -> int:
        return len(self.columns)

    @property
    def weights(self) -> np.ndarray:
        return np.ones(self.n) if self.w is None else self.w

    def blocks(self, rows: int = BLOCK_ROWS) -> Iterator[Design]:
        """Consecutive row blocks of about ``rows`` rows, each holding whole units."""
        if self.sizes is None:
            bounds = [*range(0, self.n, rows), self.n]
            unit_bounds = bounds
        else:
            ends = np.cumsum(self.sizes)
            cuts = np.searchsorted(ends, np.arange(rows, ends[-1], rows), side="left") + 1
            unit_bounds = [0, *np.unique(np.minimum(cuts, len(self.sizes))).tolist()]
            if unit_bounds[-1] != len(self.sizes):
                unit_bounds.append(len(self.sizes))
            bounds = [0, *ends[np.array(unit_bounds[1:]) - 1].tolist()]
        if len(bounds) == 2:
            yield self
            return
        for (u0, u1), (r0, r1) in zip(
            itertools.pairwise(unit_bounds), itertools.pairwise(bounds), strict=True
        ):
            yield Design(
                U=self.U[u0:u1],
                R=self.R[r0:r1],
                u_cols=self.u_cols,
                r_cols=self.r_cols,
                sizes=None if self.sizes is None else self.sizes[u0:u1],
                y=self.y[r0:r1],
                w=None if self.w is None else self.w[r0:r1],
                groups=None if self.groups is None else self.groups[r0:r1],
                columns=self.columns,
                terms=self.terms,
                n_dropped=0,
            )

    def subsample(self, units: int, seed: int = 0) -> Design:
        """A random sample of about ``units`` units with all their rows (for a starting point)."""
        n_units = self.n if self.sizes is None else len(self.sizes)
        pick = np.sort(np.random.default_rng(seed).choice(n_units, size=min(units, n_units), replace=False))
        if self.sizes is None:
            rows, sizes = pick, None
        else:
            starts = np.r_[0, np.cumsum(self.sizes[:-1])]
            sizes = self.sizes[pick]
            rows = np.repeat(starts[pick] - np.r_[0, np.cumsum(sizes[:-1])], sizes) + np.arange(sizes.sum())
        return Design(
            U=self.U[pick],
            R=self.R[rows],
            u_cols=self.u_cols,
            r_cols=self.r_cols,
            sizes=sizes,
            y=self.y[rows],
            w=None if self.w is None else self.w[rows],
            groups=None if self.groups is None else self.groups[rows],
            columns=self.columns,
            terms=self.terms,
            n_dropped=0,
        )

    def _per_unit(self, v: np.ndarray) -> np.ndarray:
        """Sums within each unit of v (rows,) or of each row of v (m, rows)."""
        if self.sizes is None:
            return v
        return np.add.reduceat(v, np.r_[0, np.cumsum(self.sizes[:-1])], axis=v.ndim - 1)

    def _to_rows(self, v: np.ndarray) -> np.ndarray:
        return v if self.sizes is None else np.repeat(v, self.sizes, axis=0)

    def part(self, beta: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Per-row contribution of the coefficients at positions ``cols`` (all unit- or all row-level)."""
        b = np.zeros(self.k)
        b[cols] = beta[cols]
        return self.eta(b)

    def eta(self, beta: np.ndarray) -> np.ndarray:
        out = self._to_rows(self.U @ beta[self.u_cols])
        if self.r_cols.size:
            out = out + self.R @ beta[self.r_cols]
        return out

    def project(self, v: np.ndarray) -> np.ndarray:
        """X'v for v of shape (rows,) -> (k,), or each row of v (m, rows) -> (m, k).

        Rows-by-matrix in C order (v @ U): about ten times faster than U.T @ v for tall U.
        """
        vv = np.ascontiguousarray(v[None, :] if v.ndim == 1 else v)
        out = np.empty((vv.shape[0], self.k))
        out[:, self.u_cols] = rows_dot(self._per_unit(vv), self.U)
        if self.r_cols.size:
            out[:, self.r_cols] = rows_dot(vv, self.R)
        return out[0] if v.ndim == 1 else out

    def gram(self, w: np.ndarray) -> np.ndarray:
        """X' diag(w) X for non-negative row weights w."""
        out = np.empty((self.k, self.k))
        out[np.ix_(self.u_cols, self.u_cols)] = weighted_tdot(self.U, self._per_unit(w))
        if self.r_cols.size:
            out[np.ix_(self.r_cols, self.r_cols)] = weighted_tdot(self.R, w)
            weighted = self.R * w[:, None]
            if self.sizes is not None:  # sums within units of each row-level column
                weighted = np.add.reduceat(weighted, np.r_[0, np.cumsum(self.sizes[:-1])], axis=0)
            cross = tdot(self.U, weighted)
            out[np.ix_(self.u_cols, self.r_cols)] = cross
            out[np.ix_(self.r_cols, self.u_cols)] = cross.T
        return out

    def dense(self) -> np.ndarray:
        """The full rows x k matrix (small data only: the wild bootstrap)."""
        X = np.empty((self.n, self.k))
        X[:, self.u_cols] = self._to_rows(self.U)
        X[:, self.r_cols] = self.R
        return X


def tdot(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """a' b (a' a if b is None), summed over blocks of rows.

    One large product is multi-threaded by OpenBLAS, and on a busy two-core machine its threads
    wait for each other: measured 10-60x slower than one thread. Blocks of ~6000 numbers stay
    below OpenBLAS's threading threshold and cost about 20% more than one product on an idle machine.
    """
    rows = max(32, 6000 // max(a.shape[1], 1))
    out = np.zeros((a.shape[1], a.shape[1] if b is None else b.shape[1]))
    for i in range(0, a.shape[0], rows):
        x = a[i : i + rows]
        out += x.T @ (x if b is None else b[i : i + rows])
    return out


def rows_dot(v: np.ndarray, a: np.ndarray) -> np.ndarray:
    """v a for v (m, rows) and a (rows, k), by the same small blocks of rows as :func:`tdot`."""
    rows = max(32, 6000 // max(a.shape[1], v.shape[0], 1))
    out = np.zeros((v.shape[0], a.shape[1]))
    for i in range(0, a.shape[0], rows):
        out += v[:, i : i + rows] @ a[i : i + rows]
    return out


def weighted_tdot(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """a' diag(w) a by the same small blocks as :func:`tdot` (the weighted block stays in cache)."""
    rows = max(32, 6000 // max(a.shape[1], 1))
    out = np.zeros((a.shape[1], a.shape[1]))
    for i in range(0, a.shape[0], rows):
        x = a[i : i + rows]
        out += (x.T * w[i : i + rows]) @ x
    return out


def sorted_levels(values: list[str]) -> list[str]:
    """Band labels and whole numbers by number ('1-4' < '5-9' < '10-19' < '20+'), else alphabetical."""
    if values and all(_BAND.match(v) for v in values):
        return sorted(values, key=lambda v: (int(_BAND.match(v).group(1)), len(v)))
    return sorted(values)


def polars_frame(df) -> pl.DataFrame:
    """``df`` as a polars frame: a pandas one (tests, notebooks) converted, anything else as it is.

    pandas is not imported here: a pandas frame can only exist once pandas has been imported, so
    looking it up in ``sys.modules`` keeps ``import pandas`` (with pyarrow, about half a second) off
    an evaluation's path."""
    pd = sys.modules.get("pandas")
    return pl.from_pandas(df) if pd is not None and isinstance(df, pd.DataFrame) else df


def _complete(data: pl.DataFrame, cols: list[str]) -> pl.Expr:
    ok = [pl.col(c).is_not_null() for c in cols]
    ok += [pl.col(c).is_not_nan() for c in cols if data.schema[c].is_float()]
    return pl.all_horizontal(ok) if ok else pl.lit(True)


def _codes(data: pl.DataFrame, terms: list[str], orders: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """One pass: level codes (0 = reference) of categorical terms, numbers as they are."""
    values = data.select(
        pl.col(t)
        .cast(pl.String)
        .replace_strict(orders[t], list(range(len(orders[t]))), return_dtype=pl.Int32)
        if t in orders
        else pl.col(t).cast(pl.Float64)
        for t in terms
    )
    return {t: values[t].to_numpy() for t in terms}


def build(
    df, outcome, terms, reference, cluster, weights, unit=None, unit_frame=None, allow_separation=False
) -> Design:
    """Complete cases, level orders (reference first), codes and the factored matrix.

    A level with no events or only events raises :class:`SeparationError` unless
    ``allow_separation`` (for a penalised fit, which can estimate it).

    ``unit``: a column whose rows belong together (a client's person-periods); terms constant
    within every unit are stored once per unit. It changes speed and memory, never the estimates.
    ``unit_frame``: one row per unit (keyed by ``unit``) holding unit-level terms, so they need not
    be repeated on every row of ``df``; a unit with a missing term drops all its rows.
    """
    data = polars_frame(df)
    reference = {k: str(v) for k, v in (reference or {}).items()}
    if outcome in terms or len(set(terms)) != len(terms):
        raise ValueError("terms must be distinct and must not include the outcome")
    units = None if unit_frame is None else polars_frame(unit_frame)
    if units is not None and not unit:
        raise ValueError("unit_frame needs unit, the column that links rows to units")
    unit_terms = [t for t in terms if units is not None and t in units.columns and t != unit]
    row_terms = [t for t in terms if t not in unit_terms]
    unit_cols = [
        *unit_terms,
        *([cluster] if cluster and units is not None and cluster in units.columns else []),
    ]
    extra = [c for c in (cluster, weights) if c and c not in unit_cols]
    cols = list(dict.fromkeys([outcome, *row_terms, *extra]))
    missing = [c for c in [*cols, *([unit] if unit else [])] if c not in data.columns]
    missing += [c for c in unit_cols if c not in (units.columns if units is not None else [])]
    if missing:
        raise ValueError(f"columns not in the table: {sorted(set(missing))}")
    data = data.select(list(dict.fromkeys([*cols, *([unit] if unit else [])])))
    kept = data.filter(_complete(data, cols))
    if units is not None:
        units = units.select(unit, *dict.fromkeys(unit_cols))
        units = units.filter(_complete(units, unit_cols)).with_row_index("_unit")
        kept = kept.join(units.select(unit, "_unit"), on=unit, how="inner", maintain_order="left")
        if not kept["_unit"].is_sorted():
            kept = kept.sort("_unit", maintain_order=True)
        key = kept["_unit"].to_numpy()
        present = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key  # units with rows (sorted)
        if len(present) < units.height:
            units = units.filter(pl.col("_unit").is_in(present))
    elif unit and not kept[unit].is_sorted():
        kept = kept.sort(unit, maintain_order=True)
    n, n_dropped = kept.height, data.height - kept.height
    y = kept[outcome].cast(pl.Float64).to_numpy()
    if n == 0 or not np.isin(y, (0.0, 1.0)).all():
        raise ModelError(f"{outcome} must be 0/1 (or true/false) with at least one complete row")
    orders = _level_orders(kept, row_terms, reference)
    codes = _codes(kept, row_terms, orders)
    sizes = None
    if unit:
        key = kept["_unit" if units is not None else unit].to_numpy()
        bounds = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
        sizes = np.diff(bounds)
    if units is not None:
        orders |= _level_orders(units, unit_terms, reference)
        codes |= _codes(units, unit_terms, orders)
    elif sizes is not None and len(sizes) == n:
        sizes = None  # one row per unit: an ordinary table
    at_unit = set(unit_terms) if sizes is not None else set(terms)  # one row per unit: all in U
    if sizes is not None and units is None:  # one frame: store terms constant within units once
        first = np.r_[0, np.cumsum(sizes[:-1])]
        for t in row_terms:
            if (np.repeat(codes[t][first], sizes) == codes[t]).all():
                codes[t], at_unit = codes[t][first], at_unit | {t}
    w = kept[weights].cast(pl.Float64).to_numpy() if weights else None
    if w is not None and (w < 0).any():
        raise ValueError(f"weights in {weights} must not be negative")
    groups = None
    if cluster:
        source = units if cluster in unit_cols else kept
        groups = (source[cluster].rank("dense") - 1).cast(pl.Int64).to_numpy()
        if cluster in unit_cols:
            groups = np.repeat(groups, sizes)
    parts = (outcome, terms, orders, codes, at_unit, sizes, y, w, groups, n_dropped)
    return _assemble(*parts, allow_separation=allow_separation)


def _assemble(
    outcome, terms, orders, codes, at_unit, sizes, y, w, groups, n_dropped, allow_separation=False
) -> Design:
    """The factored matrix from codes; refuses levels with no events or only events (separation)."""
    n = len(y)
    n_units = n if sizes is None else len(sizes)
    unit_events = y if sizes is None else np.add.reduceat(y, np.r_[0, np.cumsum(sizes[:-1])])
    unit_rows = np.ones(n) if sizes is None else sizes.astype(float)
    columns, meta = [("(Intercept)", "")], []
    fills: list[tuple[str, bool, int]] = []  # term, unit-level?, first column in U or R
    width = {True: 1, False: 0}  # columns so far in U (the intercept first) and in R
    positions_u, positions_r = [0], []
    separated = []
    for t in terms:
        v, here = codes[t], t in at_unit
        at = len(columns)
        if t not in orders:
            columns.append((t, ""))
            meta.append((t, None, [], []))
        else:
            order = orders[t]
            rows_w, events_w = (unit_rows, unit_events) if here else (None, y)
            counts = np.bincount(v, weights=rows_w, minlength=len(order)).astype(np.int64)
            events = np.bincount(v, weights=events_w, minlength=len(order))
            for lv, c, e in zip(order, counts, events, strict=True):
                if (e == 0 or e == c) and allow_separation:
                    separated.append(f"{t} = {lv!r}")
                elif e == 0 or e == c:
                    what = f"no {outcome} event" if e == 0 else f"a {outcome} event on every row"
                    raise SeparationError(  # no counts in the words: the message may be published
                        f"{t} = {lv!r} has {what}: its odds ratio cannot be estimated (separation). "
                        "Merge it with another level or leave it out."
                    )
            columns += [(t, lv) for lv in order[1:]]
            meta.append((t, order[0], order, counts.tolist()))
        fills.append((t, here, width[here]))
        width[here] += len(columns) - at
        (positions_u if here else positions_r).extend(range(at, len(columns)))
    U, R = np.zeros((n_units, width[True])), np.zeros((n, width[False]))
    U[:, 0] = 1.0
    for t, here, first in fills:  # fill in place: no per-term blocks to stack
        target, v = (U if here else R), codes[t]
        if t not in orders:
            target[:, first] = v
        else:  # one flat scatter of ones (2-D fancy indexing is several times slower)
            hit = np.flatnonzero(v > 0)
            target.reshape(-1)[hit * target.shape[1] + first + v[hit] - 1] = 1.0
    return Design(
        U,
        R,
        np.array(positions_u),
        np.array(positions_r, dtype=int),
        sizes,
        y,
        w,
        groups,
        columns,
        meta,
        n_dropped,
        tuple(separated),
    )


def _level_orders(kept: pl.DataFrame, terms: list[str], reference: dict[str, str]) -> dict[str, list[str]]:
    """Levels of each categorical term among complete rows, reference first."""
    schema = kept.schema
    kinds = (pl.String, pl.Categorical, pl.Boolean)
    categorical = [t for t in terms if t in reference or schema[t] in kinds or isinstance(schema[t], pl.Enum)]
    present = kept.select(pl.col(t).cast(pl.String).unique().implode() for t in categorical)
    present = present.row(0) if categorical else ()
    orders = {}
    for t, values in zip(categorical, present, strict=True):
        if isinstance(schema[t], pl.Enum):
            levels = [c for c in schema[t].categories.to_list() if c in values]
        else:
            levels = ["false", "true"] if schema[t] == pl.Boolean else sorted_levels(values)
            levels = [v for v in levels if v in values]
        ref = reference.get(t, levels[0])
        if ref not in levels:
            raise ValueError(f"reference level {ref!r} of {t} is not in the data (levels: {levels})")
        if len(levels) < 2:
            raise ModelError(_one_level(t, ref))
        orders[t] = [ref, *(v for v in levels if v != ref)]
    return orders


def check_rank(design: Design, xtx: np.ndarray | None = None) -> None:
    """Refuse a matrix without full column rank; ``xtx``: X'X or any positive multiple of it."""
    if xtx is None:
        xtx = sum(b.gram(np.ones(b.n)) for b in design.blocks())
    d = np.sqrt(np.diag(xtx))
    if (d == 0).any():
        raise ModelError(f"{design.columns[int(np.argmin(d))][0]} is zero for every row")
    vals, vecs = np.linalg.eigh(xtx / np.outer(d, d))
    if vals[0] < 1e-10 * vals[-1]:
        bad = [" ".join(x for x in design.columns[i] if x) for i in np.flatnonzero(np.abs(vecs[:, 0]) > 0.1)]
        raise ModelError(f"collinear terms, the model cannot separate their effects: {', '.join(bad)}")


# Terms the models build themselves (not controls a user can drop): why one level stops them, in words
_BUILT_IN_ONE_LEVEL = {
    "time_band": "every period since engagement had to be merged into one ({ref}), so the chance of a "
    "job cannot be followed over time",
    "cumulative_band": "every client's meetings fall in one band ({ref}), so there is nothing to compare",
    "meeting_band": "every client's meetings fall in one band ({ref}), so there is nothing to compare",
}


def _one_level(term: str, ref: str) -> str:
    """Why a term with one level among the complete rows stops a model, and what can be done."""
    built_in = _BUILT_IN_ONE_LEVEL.get(term)
    if built_in is not None:
        return built_in.format(ref=repr(ref))
    return (
        f"{term} has only one level ({ref!r}) among the complete rows: leave it out of the model's "
        "controls in the settings ([definitions] model_controls)"
    )
