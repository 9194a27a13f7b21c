"""The cell key method (CKM): figures for views a viewer chooses freely, safe from differencing.

A viewer of the dashboard may cut the data any way the filters allow. Suppressing small counts
does not protect such views: two views of 20+ clients each that differ by one person give that
person's outcome by subtraction. National statistics offices protect their flexible table builders
(ONS, ABS TableBuilder) with the cell key method instead, and so does this module:

1. **Record keys.** At import every client gets a fixed random key, an integer in
   ``0 .. 2**32 - 1`` (:func:`record_keys`), drawn from a secret seed and kept in the store
   (table ``client_keys``). A part of the data (a dashboard view) keeps its parent's keys.
2. **Cell keys.** Every published count carries, in a column never published, the sum of the
   keys of the records it counts, modulo ``2**32`` (:data:`KEY_MODULUS`): exact integer
   arithmetic, so the same records always give the same cell key, whatever the view, the order or
   the grouping, and a cell with one person more has an unrelated key.
3. **Perturbation table.** For a true count ``n`` and cell key ``k``, the published count is
   ``n + noise`` where the noise is read off row ``n`` of the perturbation table (the ptable) at
   ``k / 2**32``: the row is a probability distribution over ``-D .. D`` (see :func:`ptable`).

So the same records always give the same figure (asking a thousand views that hold the same people
gives the same figure a thousand times: averaging gains nothing), and two views that differ by one
person get unrelated noise (their difference is the person's contribution plus noise of variance
``2V``, so it does not reveal it).

The ptable (:func:`ptable`), as the ``ptable`` R package by sdcTools builds it (Giessing 2016;
Marley and Leaver 2011): each row is the maximum-entropy distribution over the perturbations
``v = -D .. D`` allowed for that count, with

- mean exactly 0 (no bias) and variance exactly ``V`` (for every count of at least 1),
- ``n + v >= 0`` (no negative counts) and ``n + v`` never ``1 .. js`` (a small count is never
  shown: with ``js = 2``, a true 1 or 2 is shown as 0 or as 3 or more),
- zero stays zero (a cell with no records has no key: an empty cell is shown as 0).

Maximum entropy under these constraints gives ``p(v) ∝ exp(a v + b v²)`` on the allowed
perturbations; ``a`` and ``b`` are found by Newton's method on the convex dual, so the table is
exact to rounding error and the same on every run. Rows ``n > D + js`` are all the same (nothing
bounds them), so the table has ``D + js + 2`` rows and larger counts use the last.

Rates are worked out again from the perturbed counts (a percentage capped at 100%, Wilson interval
from the perturbed counts); statistics (means, medians, survival estimates, model estimates) are
shown only where the perturbed count they rest on is at least ``ckm_min_statistic_n``, rounded to
``ckm_statistic_digits`` significant figures (an exact mean would give away its exact n). Each count
is perturbed on its own, complements included (``not engaged`` has the key of the people not
engaged), so a perturbed total and its perturbed parts need not add up. A row whose perturbed
counts are all 0 is left out (a row's existence would otherwise tell that it has someone).

Tables with no cell keys are withheld from perturbed views (:data:`WITHHELD_NOTE`), except
model-based results (``ResultTable.model``) for models of at least ``ckm_min_model_clients`` people,
whose person counts are dropped and whose estimates follow the statistics rule.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from ..results import ProtectedTable, Rate, ResultTable

if TYPE_CHECKING:
    from ..settings import Disclosure

__all__ = [
    "KEY_MODULUS",
    "NOT_RUN_IN_VIEW",
    "WITHHELD_NOTE",
    "CKMParams",
    "PTable",
    "key_seed",
    "lookup",
    "perturb",
    "perturbed_view_size",
    "protect_ckm",
    "ptable",
    "record_keys",
    "withhold",
]

KEY_BITS = 32
KEY_MODULUS = 2**KEY_BITS  # record keys are integers 0 .. KEY_MODULUS - 1; cell keys add them mod this

WITHHELD_NOTE = (
    "Shown for the whole service only: this table cannot be perturbed, and in a view chosen with "
    "filters its exact figures could be compared with another view's to single out a person."
)
PERTURBED_NOTE = (
    "Figures in this view are slightly perturbed to protect people, so totals may not equal the sum "
    "of their parts and a figure may differ by a few from the true count."
)


# --------------------------------------------------------------------------------------------
# Parameters and the perturbation table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CKMParams:
    """The cell key method's parameters (the ``ckm_*`` settings of ``[disclosure]``)."""

    max_perturbation: int = 5  # D
    variance: float = 3.0  # V
    small_counts: int = 2  # js: no perturbed count is 1 .. js
    min_statistic_n: int = 50
    statistic_digits: int = 2
    min_model_clients: int = 200

    @classmethod
    def of(cls, policy: Disclosure) -> CKMParams:
        return cls(
            max_perturbation=policy.ckm_max_perturbation,
            variance=policy.ckm_variance,
            small_counts=policy.ckm_small_counts,
            min_statistic_n=policy.ckm_min_statistic_n,
            statistic_digits=policy.ckm_statistic_digits,
            min_model_clients=policy.ckm_min_model_clients,
        )

    @property
    def table(self) -> PTable:
        return ptable(self.max_perturbation, self.variance, self.small_counts)


@dataclass(frozen=True)
class PTable:
    """Perturbation probabilities: ``probs[i, j]`` is the chance that a true count in row ``i``
    (count ``i``, or the last row for larger counts) is shown as ``count + j - D``."""

    D: int
    V: float
    js: int
    probs: np.ndarray  # (rows, 2D+1)
    cumulative: np.ndarray  # (rows, 2D+1), last column exactly 1

    @property
    def rows(self) -> int:
        return self.probs.shape[0]

    @property
    def noises(self) -> np.ndarray:
        return np.arange(-self.D, self.D + 1)

    def row_of(self, counts: np.ndarray) -> np.ndarray:
        return np.minimum(np.asarray(counts, dtype=np.int64), self.rows - 1)

    def to_frame(self) -> pl.DataFrame:
        """The table in long form (count, noise, probability), as the ptable package prints it."""
        rows = [
            (i, int(v), float(p))
            for i in range(self.rows)
            for v, p in zip(self.noises, self.probs[i], strict=True)
            if p > 0
        ]
        return pl.DataFrame(
            rows, schema={"count": pl.Int64, "noise": pl.Int64, "p": pl.Float64}, orient="row"
        )


def _allowed(n: int, D: int, js: int) -> np.ndarray:
    v = np.arange(-D, D + 1)
    target = n + v
    return (target >= 0) & ~((target >= 1) & (target <= js))


def _max_entropy(v: np.ndarray, V: float) -> np.ndarray:
    """Maximum-entropy distribution on the values ``v`` with mean 0 and variance ``V``.

    The solution is ``p ∝ exp(a v + b v²)``; (a, b) minimise the convex dual
    ``log Σ exp(a v + b v²) - b V`` (Newton's method with backtracking, from a = b = 0).
    """
    x = v.astype(float)
    lam = np.zeros(2)
    feats = np.stack([x, x * x])  # (2, m)
    target = np.array([0.0, V])

    def dual(lam: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        z = lam @ feats
        top = z.max()
        w = np.exp(z - top)
        s = w.sum()
        p = w / s
        return float(np.log(s) + top - lam @ target), p, feats @ p - target

    value, p, grad = dual(lam)
    for _ in range(200):
        if np.abs(grad).max() < 1e-15:
            break
        centred = feats - (feats @ p)[:, None]
        hess = (centred * p) @ centred.T
        step = np.linalg.solve(hess + 1e-300 * np.eye(2), grad)
        t = 1.0
        while True:
            new_value, new_p, new_grad = dual(lam - t * step)
            if new_value <= value - 1e-4 * t * float(grad @ step) or t < 1e-12:
                break
            t /= 2
        if t < 1e-12:
            break
        lam, value, p, grad = lam - t * step, new_value, new_p, new_grad
    # polish: the smallest change (relative to p, so zeros stay zero) that meets the three
    # constraints exactly, to rounding error, whatever Newton's tolerance reached
    A = np.stack([np.ones_like(x), x, x * x])
    goal = np.array([1.0, 0.0, V])
    for _ in range(3):
        residual = goal - A @ p
        weighted = A * p
        p = p + p * (A.T @ np.linalg.solve(weighted @ A.T, residual))
    if (p < 0).any():
        raise ValueError(f"no perturbation distribution with variance {V:g} on {x.tolist()}")
    return p


def _variance_range(v: np.ndarray) -> tuple[float, float]:
    """Smallest and largest variance of a mean-0 distribution on the values ``v`` (v holds 0 or
    values of both signs): the extremes are two-point distributions on a negative and a positive
    value (or the point 0)."""
    neg, pos = v[v < 0], v[v > 0]
    low = 0.0 if 0 in v else min(float(-a * b) for a in neg for b in pos)
    high = max((float(-a * b) for a in neg for b in pos), default=0.0)
    return low, high


@lru_cache(maxsize=16)
def ptable(D: int, V: float, js: int) -> PTable:
    """The perturbation table for maximum perturbation ``D``, variance ``V`` and small counts
    ``1 .. js`` never shown (see the module's docstring). Raises ValueError naming the problem if
    no row can have variance ``V`` (e.g. V too small for the small-count rule, or above what D
    allows)."""
    if D < 1:
        raise ValueError("the maximum perturbation must be at least 1")
    if js < 0:
        raise ValueError("the small-count limit cannot be negative")
    if js >= D:
        raise ValueError(f"the small-count limit ({js}) must be below the maximum perturbation ({D})")
    rows = D + js + 2
    noises = np.arange(-D, D + 1)
    probs = np.zeros((rows, 2 * D + 1))
    probs[0, D] = 1.0  # zero stays zero
    for n in range(1, rows):
        ok = _allowed(n, D, js)
        v = noises[ok]
        low, high = _variance_range(v)
        if not low < V < high:
            raise ValueError(
                f"with maximum perturbation {D} and counts 1 to {js} never shown, a count of {n} can "
                f"only have a perturbation variance between {low:g} and {high:g} (exclusive); "
                f"the variance asked for is {V:g}"
            )
        probs[n, ok] = _max_entropy(v, V)
    cumulative = np.cumsum(probs, axis=1)
    cumulative[:, -1] = 1.0
    probs.setflags(write=False)
    cumulative.setflags(write=False)
    return PTable(D=D, V=float(V), js=js, probs=probs, cumulative=cumulative)


def lookup(table: PTable, counts: np.ndarray, cell_keys: np.ndarray) -> np.ndarray:
    """The noise for each (true count, cell key): the perturbation whose interval of the row's
    cumulative distribution holds ``cell_key / 2**32``. Counts must be whole and non-negative."""
    counts = np.asarray(counts, dtype=np.int64)
    u = np.asarray(cell_keys, dtype=np.float64) / KEY_MODULUS
    rows = table.row_of(counts)
    cum = table.cumulative[rows]  # (cells, 2D+1)
    index = (cum <= u[:, None]).sum(axis=1)  # first column whose cumulative exceeds u
    noise = index - table.D
    return np.where(counts == 0, 0, noise).astype(np.int64)


# --------------------------------------------------------------------------------------------
# Record keys
# --------------------------------------------------------------------------------------------


def key_seed(secret: bytes | None = None) -> bytes:
    """The seed record keys are drawn from: derived from ``secret`` (so a data set imported again
    with the same secret gets the same keys), or fresh random bytes."""
    if secret is None:
        return secrets.token_bytes(32)
    return hmac.new(secret, b"ipseval record keys v1", hashlib.sha256).digest()


def record_keys(client_ids: pl.Series, seed: bytes) -> pl.Series:
    """One key per client: keyed BLAKE2b of the client id with the seed as key, 4 bytes, an
    integer in ``0 .. 2**32 - 1``; the same client and seed always give the same key, and the keys
    are uniform and unpredictable without the seed (a million clients take about half a second)."""
    key = seed[:64]
    values = [
        int.from_bytes(hashlib.blake2b(str(c).encode(), key=key, digest_size=4).digest(), "big")
        for c in client_ids.to_list()
    ]
    return pl.Series("record_key", values, dtype=pl.Int64)


# --------------------------------------------------------------------------------------------
# Perturbing a table
# --------------------------------------------------------------------------------------------


def perturb(table: ResultTable, params: CKMParams, keys: dict[str, str] | None = None) -> ProtectedTable:
    """``table`` with every count perturbed by its cell key (``keys``: count column -> key
    column; ``table.keys`` by default), rates worked out again from the perturbed counts,
    statistics shown only on enough people (rounded), and rows with no perturbed count above 0
    left out. Raises ValueError when a count has no key column."""
    keys = dict(table.keys if keys is None else keys)
    missing = [c for c in table.counts if c not in keys or keys[c] not in table.data.columns]
    if missing:
        raise ValueError(f"result table {table.key!r}: counts without a cell key column: {missing}")
    from .suppression import _check_declarations, _whole_counts

    _check_declarations(table)
    data = _whole_counts(table)
    pt = params.table
    hide: dict[str, np.ndarray] = {}
    perturbed: dict[str, np.ndarray] = {}  # float, NaN = missing
    population = population_term(data, table.population_key)
    for c in table.counts:
        values = data[c].cast(pl.Float64).fill_null(np.nan).to_numpy()
        present = ~np.isnan(values)
        ck = (data[keys[c]].cast(pl.Int64).fill_null(0).to_numpy() + population) % KEY_MODULUS
        out = values.copy()
        n = np.where(present, values, 0).astype(np.int64)
        out[present] = (n + lookup(pt, n, ck))[present]
        perturbed[c] = out
        hide[c] = np.zeros(data.height, dtype=bool)
    out_df = data.with_columns(
        pl.Series(c, perturbed[c], dtype=pl.Float64).fill_nan(None).cast(pl.Int64) for c in table.counts
    )

    for col, rate in table.rates.items():
        out_df = out_df.with_columns(_rate_from(out_df, data, col, rate))
        hide[col] = np.zeros(data.height, dtype=bool)
        for ci in rate.ci or ():
            hide[ci] = np.zeros(data.height, dtype=bool)

    for col, n_col in table.guarded.items():
        n = perturbed[n_col]
        has = data[col].is_not_null().to_numpy()
        mask = has & ~(n >= params.min_statistic_n)  # NaN n: hidden (fail closed)
        hide[col] = mask
        rounded = _significant(out_df[col].cast(pl.Float64), params.statistic_digits)
        if data[col].dtype.is_integer():  # e.g. job starts: a whole number stays one
            rounded = rounded.round(0).cast(pl.Int64)
        out_df = out_df.with_columns(_null_where(rounded.alias(col), mask))

    # rows with no perturbed count of their own above 0 (all 0 or missing) are left out; a count
    # that is the same on every row (a total, e.g. the profile's clients) is not the row's own, so
    # it does not keep a row (the profile's Unknown row exists only when someone is unknown)
    if table.counts:
        own = [c for c in table.counts if data.height < 2 or data[c].n_unique() > 1] or table.counts
        shown = np.zeros(data.height, dtype=bool)
        for c in own:
            shown |= np.nan_to_num(perturbed[c], nan=0.0) > 0
        if not shown.all():
            keep = pl.Series(shown)
            out_df = out_df.filter(keep)
            hide = {c: m[shown] for c, m in hide.items()}
    result = _wrap(table, out_df, hide, keys)
    result.notes.append(PERTURBED_NOTE)
    return result


# The row's population key is mixed into every cell key of the row, times this even constant (so a
# cell that is the whole population, with key (1 + POPULATION_FACTOR) x its keys, stays uniform:
# 1 + an even number is odd, a bijection mod 2**32).
POPULATION_FACTOR = 0x9E3779B8


def population_term(data: pl.DataFrame, column: str) -> np.ndarray:
    """Each row's population term of its cell keys (0 where the table declares no population)."""
    if not column:
        return np.zeros(data.height, dtype=np.int64)
    pop = (data[column].cast(pl.Int64).fill_null(0).to_numpy() % KEY_MODULUS).astype(np.uint64)
    # below 2**32 times below 2**32: exact in uint64, then back below 2**32
    return ((pop * np.uint64(POPULATION_FACTOR)) % np.uint64(KEY_MODULUS)).astype(np.int64)


def protect_ckm(table: ResultTable, policy: Disclosure) -> ProtectedTable:
    """The ``ckm`` policy for one table: perturbed when every count has a cell key; a model-based
    table of enough people with its person counts dropped; anything else about people withheld."""
    params = CKMParams.of(policy)
    protected = table.protected_columns
    n = table.data.height
    if not table.about_people:
        from .suppression import _wrap as plain_wrap

        if table.key == "analyses":
            return plain_wrap(
                table, _plain_reasons(table.data), {c: np.zeros(n, dtype=bool) for c in protected}
            )
        if not table.key.startswith(VIEW_INDEPENDENT):
            return withhold(table)  # record-keeping about the view's own people (e.g. wellbeing records)
        return plain_wrap(table, table.data, {c: np.zeros(n, dtype=bool) for c in protected})
    if table.counts and all(c in table.keys and table.keys[c] in table.data.columns for c in table.counts):
        return perturb(table, params)
    if not table.counts and table.keys == {} and not table.guarded and not table.rates:
        return withhold(table)  # about people but declares nothing to protect: not safe to judge
    if table.model:
        size = model_size(table)
        if size is not None and size >= params.min_model_clients:
            return _model_view(table, params, size)
    return withhold(table)


# Tables not about people that a view does not change, or changes only by team: fidelity reviews
# (teams), the import's row counts (the whole data set's) and interview coding (transcripts are not
# linked to clients). Every other table not about people is withheld from perturbed views: e.g. the
# wellbeing records table counts the view's own people's assessments, and covariate balance and
# funnel limits are worked out from them.
VIEW_INDEPENDENT = ("fidelity_", "data_quality", "qualitative_")
NOT_RUN_IN_VIEW = (
    "Not run for the people in this view (too few of them, or too little variation among them); "
    "see the whole service."
)


def _plain_reasons(data: pl.DataFrame) -> pl.DataFrame:
    """The analyses status table with every reason an analysis did not run replaced by one sentence:
    a reason can quote the view's exact figures (e.g. '6 job starts for 29 coefficients')."""
    if "reason" not in data.columns or "status" not in data.columns:
        return data
    return data.with_columns(
        pl.when(pl.col("status") == "run")
        .then(pl.col("reason"))
        .otherwise(pl.lit(NOT_RUN_IN_VIEW))
        .alias("reason")
    )


def perturbed_view_size(tables: dict[str, ResultTable], policy: Disclosure) -> int | None:
    """The number of clients in a view as a viewer of a perturbed view may see it: the perturbed
    referrals on the ``outcomes`` table's overall row (the same people give the same figure, so it
    matches that table). None when the outcomes table has no cell keys (then show no number)."""
    table = tables.get("outcomes")
    if table is None or "referrals" not in table.keys:
        return None
    row = table.data.filter(pl.col("breakdown") == "overall")
    if row.height != 1 or row["referrals"][0] is None:
        return None
    n = int(row["referrals"][0])
    key = (
        int(row[table.keys["referrals"]][0]) + int(population_term(row, table.population_key)[0])
    ) % KEY_MODULUS
    return int(n + lookup(CKMParams.of(policy).table, np.array([n]), np.array([key]))[0])


def withhold(table: ResultTable) -> ProtectedTable:
    """The table with no rows (a row's very existence can tell something), and why."""
    empty = table.data.clear()
    hide = {c: np.zeros(0, dtype=bool) for c in table.protected_columns}
    out = _wrap(table, empty, hide, table.keys)
    out.notes = [WITHHELD_NOTE]
    out.withheld = WITHHELD_NOTE
    return out


def model_size(table: ResultTable) -> int | None:
    """People in a model table's model: the largest sum of ``n`` over one term's levels (a term's
    levels add up to the model's N), or the largest ``n`` when the table has no terms."""
    if "n" not in table.data.columns:
        return None
    data = table.data.filter(pl.col("n").is_not_null())
    if data.height == 0:
        return None
    if "term" in data.columns:
        return int(data.group_by("term").agg(pl.col("n").sum())["n"].max())  # type: ignore[arg-type]
    return int(data["n"].max())  # type: ignore[arg-type]


def _model_view(table: ResultTable, params: CKMParams, size: int) -> ProtectedTable:
    """A model's results in a perturbed view: person counts dropped (hidden); each estimate shown,
    rounded, where its level has at least ``min_statistic_n`` people."""
    from .suppression import _check_declarations, _whole_counts

    _check_declarations(table)
    data = _whole_counts(table)
    hide: dict[str, np.ndarray] = {}
    out = data
    for c in table.counts:
        hide[c] = data[c].is_not_null().to_numpy()
        out = out.with_columns(_null_where(out[c], hide[c]))
    for col, rate in table.rates.items():  # no model table declares rates; fail closed if one does
        for c in (col, *(rate.ci or ())):
            hide[c] = data[c].is_not_null().to_numpy()
            out = out.with_columns(_null_where(out[c], hide[c]))
    for col, n_col in table.guarded.items():
        n = data[n_col].cast(pl.Float64).fill_null(np.nan).to_numpy()
        has = data[col].is_not_null().to_numpy()
        mask = has & ~(n >= params.min_statistic_n)
        hide[col] = mask
        rounded = _significant(out[col].cast(pl.Float64), params.statistic_digits)
        out = out.with_columns(_null_where(rounded.alias(col), mask))
    result = _wrap(table, out, hide, table.keys)
    result.notes.append(
        f"A model fitted to the {size if size < 10 else 'many'} people in this view: the numbers of "
        "people behind each estimate are not shown, and estimates are rounded to "
        f"{params.statistic_digits} significant figures."
    )
    return result


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _significant(s: pl.Series, digits: int) -> pl.Series:
    values = s.to_numpy().astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.floor(np.log10(np.abs(values)))
        scale = 10.0 ** (digits - 1 - mag)
        rounded = np.where((values == 0) | ~np.isfinite(values), values, np.round(values * scale) / scale)
    return (
        pl.Series(s.name, rounded, dtype=pl.Float64)
        .fill_nan(None)
        .cast(s.dtype if s.dtype.is_float() else pl.Float64)
    )


def _null_where(s: pl.Series, mask: np.ndarray) -> pl.Series:
    if not mask.any():
        return s
    return s.zip_with(pl.Series(~mask), pl.Series(s.name, [None] * s.len(), dtype=s.dtype))


def _rate_from(out: pl.DataFrame, src: pl.DataFrame, col: str, rate: Rate) -> list[pl.Series]:
    """Rate (and Wilson CI) from the perturbed counts, capped at 100% (a perturbed part may exceed
    its perturbed total); null where the source rate was null or the perturbed total is 0."""
    from .suppression import wilson_interval

    num = out[rate.numerator].cast(pl.Float64).to_list()
    den = out[rate.denominator].cast(pl.Float64).to_list()
    had = src[col].is_not_null().to_list()
    ci_had = (
        (src[rate.ci[0]].is_not_null() | src[rate.ci[1]].is_not_null()).to_list()
        if rate.ci
        else [False] * len(had)
    )
    if rate.ci and rate.ci_method != "wilson":
        raise ValueError(f"rate {col!r}: cannot recompute a {rate.ci_method!r} interval (only 'wilson')")
    values: list[float | None] = []
    lows: list[float | None] = []
    highs: list[float | None] = []
    for x, m, keep, keep_ci in zip(num, den, had, ci_had, strict=True):
        ok = x is not None and m is not None and m > 0
        x = min(x, m) if ok else x  # type: ignore[type-var]
        values.append(x / m if ok and keep else None)  # type: ignore[operator]
        if ok and keep_ci:
            lo, hi = wilson_interval(x, m)  # type: ignore[arg-type]
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


def _wrap(
    table: ResultTable, data: pl.DataFrame, hide: dict[str, np.ndarray], keys: dict[str, str]
) -> ProtectedTable:
    """As suppression's wrap, with the key columns dropped too (they are internal)."""
    from .suppression import _wrap as plain_wrap

    drop = [k for k in keys.values() if k in data.columns and k not in table.internal]
    out = plain_wrap(table, data.drop(drop), hide)
    out.notes = list(out.notes)
    return out


def cell_key_sum(keys: pl.Expr) -> pl.Expr:
    """Polars: the cell key of the records an expression's rows stand for (sum of keys mod 2**32)."""
    return (keys.cast(pl.Int64).sum() % KEY_MODULUS).cast(pl.Int64)


def key_sum(keys: np.ndarray, mask: np.ndarray | None = None) -> int:
    """The cell key of the records (``mask``: which of them) with record keys ``keys``."""
    k = np.asarray(keys, dtype=np.int64)
    if mask is not None:
        k = k[np.asarray(mask, dtype=bool)]
    return int(k.sum() % KEY_MODULUS) if k.size else 0


def describe_ckm(policy: Disclosure) -> dict[str, object]:
    """:func:`~ipseval.disclosure.describe_policy` for ``ckm``: the usual keys, ``description``
    (for the methods appendix), ``viewer_note`` (one sentence for the top of a viewer's filtered
    page) and ``perturbation`` (the parameters)."""
    p = CKMParams.of(policy)
    js = p.small_counts
    if js == 0:
        small = ""
    elif js == 1:
        small = "no count of 1 is shown (a true 1 is shown as 0 or as 2 or more); "
    else:
        small = f"no count from 1 to {js} is shown (such a count is shown as 0 or as {js + 1} or more); "
    viewer_note = (
        "Figures in this view are slightly perturbed to protect people: each count may differ from "
        f"the true count by up to {p.max_perturbation}, the same people always give the same figure, "
        "and totals may not equal the sum of their parts. Tables that cannot be perturbed are shown "
        "for the whole service only."
    )
    description = (
        "Figures in views chosen with filters are protected by the cell key method (as the ONS and "
        "the ABS protect their flexible table builders): every client has a fixed random key, and "
        "each count is changed by a small amount looked up from the keys of the people it counts, "
        f"so the same people always give the same figure. The change is at most {p.max_perturbation} "
        f"either way, averages 0 and has variance {p.variance:g}; {small}zeros stay zero. "
        "Percentages and their Wilson intervals are worked out from the perturbed counts (capped at "
        "100%), so totals may not equal the sum of their parts. Averages, medians, survival "
        f"estimates and model estimates are shown only where they rest on {p.min_statistic_n} or "
        f"more people, rounded to {p.statistic_digits} significant figures; model-based results "
        f"(odds and hazard ratios) only for models of {p.min_model_clients} or more people, without "
        "the numbers of people behind them. Other tables about people are shown for the whole "
        "service only."
    )
    return {
        "name": "ckm",
        "threshold": js,
        "rounding_base": None,
        "secondary_suppression": False,
        "description": description,
        "viewer_note": viewer_note,
        "perturbation": {
            "max_perturbation": p.max_perturbation,
            "variance": p.variance,
            "small_counts": js,
            "min_statistic_n": p.min_statistic_n,
            "statistic_digits": p.statistic_digits,
            "min_model_clients": p.min_model_clients,
        },
        "warning": None,
    }


# --------------------------------------------------------------------------------------------
# Declaring cell keys on result tables
# --------------------------------------------------------------------------------------------


def key_difference(total: str, part: str) -> pl.Expr:
    """Polars: the cell key of a complement (``total`` minus ``part``): exact, mod 2**32."""
    return ((pl.col(total).cast(pl.Int64) - pl.col(part).cast(pl.Int64)) % KEY_MODULUS).cast(pl.Int64)


def with_complement_keys(df: pl.DataFrame, complements: dict[str, tuple[str, str]]) -> pl.DataFrame:
    """``df`` with ``<count>_key`` for each complement count (count -> (total, part)), where the
    total's and part's key columns exist."""
    exprs = [
        key_difference(f"{t}_key", f"{p}_key").alias(f"{c}_key")
        for c, (t, p) in complements.items()
        if f"{t}_key" in df.columns and f"{p}_key" in df.columns
    ]
    return df.with_columns(exprs) if exprs else df


def keyed(df: pl.DataFrame, counts: list[str], usable: bool = True) -> tuple[pl.DataFrame, dict[str, str]]:
    """The ``keys`` declaration for a table whose key columns are named ``<count>_key``, and the
    frame: every count with its key column; or no keys, and the key columns dropped, when any is
    missing (a store imported before keys were kept) or the store's keys are not ``usable`` (a
    table without keys is withheld from perturbed views: fail closed)."""
    names = [f"{c}_key" for c in counts]
    if usable and all(n in df.columns for n in names):
        return df, dict(zip(counts, names, strict=True))
    return df.drop([n for n in names if n in df.columns]), {}
