"""The chained-equations chains behind :mod:`ipseval.impact.imputation` (predictive mean matching).

What never changes between cycles or imputations is worked out once per table (:class:`Layout`):
where each column's indicator block sits in one shared design matrix and which rows each column
observes and misses. Several chains (imputations) run side by side, stacked on a leading axis,
when the table is small, so each numpy call serves all of them; every chain keeps its own random
generator, drawn in the same order as a lone chain's, so an imputation does not depend on how
many run together.

One update of column c (observed rows O, missing rows M; Z = the design without c's block, Y =
c's values, or the indicator of each of its L levels):

* Z_O'Z_O, Z_O'Y and diag(Y'Y) are read off G, the Gram matrix of the whole design over O (c's
  block holds Y's indicators; the first level's is the intercept minus the others). When the
  design holds whole numbers G is kept as X'X of all rows minus the missing rows' part, updated
  as imputed rows change (exact sums); otherwise it is computed from the observed rows.
* beta = (Z_O'Z_O)^-1 Z_O'Y; residual sum of squares RSS = Y'Y - beta'Z_O'Y (per column of Y);
  posterior draw sigma^2 = RSS / chi2(n_O - rank), beta* = beta + sigma R z with R R' =
  (Z_O'Z_O)^-1 and z standard normal (R Bayesian linear regression, flat prior, as mice's norm).
* Each missing row takes the recorded value of one of the k observed rows whose fitted Z beta is
  nearest its drawn prediction Z beta* (type-1 matching; :mod:`.matching`), chosen at random.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .matching import nearest, plane_basis

DONORS = 5
BATCH_BYTES = 32 << 20  # all chains run side by side when their design matrices fit in this


@dataclass(frozen=True)
class ImputationModel:
    """One incomplete column's imputation model: its rows, design columns and recorded values."""

    column: str
    observed: np.ndarray  # row numbers where the column is recorded
    missing: np.ndarray  # row numbers to impute
    predictors: np.ndarray  # design columns of every other column (and the intercept)
    block: slice  # the column's own design columns
    levels: int  # L for a categorical column, 0 for a number
    recorded: np.ndarray  # the observed values (codes), copied into missing rows by matching
    donors: int


class Layout:
    """The shared design matrix's columns: intercept, then each column's block in table order.

    A numeric column is one design column; a categorical one is L-1 indicators (first level = reference).
    """

    def __init__(self, arrays: dict[str, np.ndarray], levels: dict[str, list], targets: list[str]):
        self.arrays, self.targets = arrays, targets
        self.n_levels = {c: len(levels[c]) if c in levels else None for c in arrays}
        self.rows = len(next(iter(arrays.values())))
        self.blocks, start = {}, 1
        for c in arrays:
            width = 1 if self.n_levels[c] is None else self.n_levels[c] - 1
            self.blocks[c] = slice(start, start + width)
            start += width
        self.width = start
        self.models = [self._model(c) for c in targets]
        self.exact = self._whole_numbers()

    def _whole_numbers(self) -> bool:
        """Whether every design value is a whole number small enough that X'X is exact in floating
        point whatever the order of summation (so it can be updated rather than recomputed)."""
        numeric = [v[~np.isnan(v)] for c, v in self.arrays.items() if self.n_levels[c] is None]
        largest = max([1.0, *(np.abs(v).max(initial=0.0) for v in numeric)])
        whole = all(np.array_equal(v, np.round(v)) for v in numeric)
        return whole and largest**2 * self.rows < 2.0**52

    def _model(self, c: str) -> ImputationModel:
        values = self.arrays[c]
        seen = ~np.isnan(values)
        observed, missing = np.flatnonzero(seen), np.flatnonzero(~seen)
        block = self.blocks[c]
        predictors = np.r_[0 : block.start, block.stop : self.width]
        levels = self.n_levels[c] or 0
        donors = min(DONORS, len(observed))
        return ImputationModel(c, observed, missing, predictors, block, levels, values[observed], donors)

    def batch(self, m: int) -> int:
        """How many chains to run side by side: all m when their designs fit in BATCH_BYTES (a
        small table, where numpy's cost per call dominates), else one at a time (numbers of rows
        dominate, and the imputations then take equal turns, which keeps the time left honest)."""
        return m if m * 8 * self.rows * self.width <= BATCH_BYTES else 1

    def design(self, data: dict[str, np.ndarray]) -> np.ndarray:
        """The designs (chains, rows, width) of completed columns ``data`` (each (chains, rows))."""
        chains = len(next(iter(data.values())))
        X = np.zeros((chains, self.rows, self.width))
        X[:, :, 0] = 1.0
        for c, values in data.items():
            self.write(X, c, values, slice(None))
        return X

    def write(self, X: np.ndarray, c: str, values: np.ndarray, rows) -> None:
        """Put column ``c``'s ``values`` (chains, len(rows)) into its block of the designs."""
        block = self.blocks[c]
        if self.n_levels[c] is None:
            X[:, rows, block.start] = values
            return
        width = block.stop - block.start
        part = np.zeros((*values.shape, width))
        codes = values.astype(int)
        chain, row = np.nonzero(codes > 0)
        part[chain, row, codes[chain, row] - 1] = 1.0
        X[:, rows, block] = part


def inverse_root(gram: np.ndarray) -> tuple[np.ndarray, int]:
    """R with R R' = G^-1 and its rank: the inverse Cholesky factor, or for collinear dummies the
    pseudo-inverse's root (numpy LAPACK only: scipy's own OpenBLAS thread pool is slow on a busy
    machine)."""
    try:
        chol = np.linalg.cholesky(gram)
        if np.diag(chol).min() > 1e-7 * np.diag(chol).max():
            return np.linalg.inv(chol).T, len(gram)
    except np.linalg.LinAlgError:
        pass
    evals, evecs = np.linalg.eigh(gram)
    keep = evals > evals.max() * 1e-10
    return evecs[:, keep] / np.sqrt(evals[keep]), int(keep.sum())


def inverse_roots(gram: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`inverse_root` of each matrix of ``gram`` (chains, q, q), all at once when every one
    has a Cholesky factor; a pseudo-inverse's root is padded with zero columns to q."""
    try:
        chol = np.linalg.cholesky(gram)
        diag = np.diagonal(chol, axis1=1, axis2=2)
        if (diag.min(axis=1) > 1e-7 * diag.max(axis=1)).all():
            return np.linalg.inv(chol).transpose(0, 2, 1), np.full(len(gram), gram.shape[1])
    except np.linalg.LinAlgError:
        pass
    roots, ranks = np.zeros_like(gram), np.zeros(len(gram), int)
    for i, g in enumerate(gram):
        root, ranks[i] = inverse_root(g)
        roots[i, :, : ranks[i]] = root
    return roots, ranks


class CrossProducts:
    """X'X of each chain's whole design, kept up to date as imputed rows change instead of
    recomputed for every imputation model (the chain's largest cost). Only used when the design
    holds whole numbers, where every sum is exact, so it is the very matrix a direct product gives."""

    def __init__(self, X: np.ndarray):
        self.total = X.transpose(0, 2, 1) @ X

    def observed(self, model: ImputationModel, X: np.ndarray) -> np.ndarray:
        """X'X over the rows where the model's column is observed."""
        xm = X[:, model.missing]
        return self.total - xm.transpose(0, 2, 1) @ xm

    def replace(self, before: np.ndarray, after: np.ndarray) -> None:
        """Rows ``before`` of the designs became ``after``."""
        self.total += after.transpose(0, 2, 1) @ after - before.transpose(0, 2, 1) @ before


def _moments(model: ImputationModel, gram: np.ndarray, n_observed: int):
    """Z'Z, Z'Y and diag(Y'Y) over the observed rows, read off their Gram matrix (module doc)."""
    z, own = model.predictors, model.block
    zz = gram[:, z[:, None], z]
    zy = gram[:, z, own]
    yy = np.diagonal(gram[:, own, own], axis1=1, axis2=2)
    if model.levels:  # the reference level's indicator: the intercept minus the other levels'
        zy = np.concatenate([(gram[:, z, 0] - zy.sum(axis=2))[:, :, None], zy], axis=2)
        yy = np.concatenate([n_observed - yy.sum(axis=1, keepdims=True), yy], axis=1)
    return zz, zy, yy


def _posterior(model: ImputationModel, gram: np.ndarray, rngs) -> tuple[np.ndarray, np.ndarray]:
    """Each chain's least-squares coefficients and a draw from their posterior (module doc), both
    (chains, predictors, columns of Y)."""
    n_obs = len(model.observed)
    zz, zy, yy = _moments(model, gram, n_obs)
    root, rank = inverse_roots(zz)
    beta = root @ (root.transpose(0, 2, 1) @ zy)
    rss = np.maximum(yy - (beta * zy).sum(axis=1), 0.0)
    outcomes, z = zy.shape[2], np.zeros(zy.shape)
    chi2 = np.empty((len(gram), outcomes))
    for i, rng in enumerate(rngs):
        chi2[i] = rng.chisquare(max(n_obs - rank[i], 1), size=outcomes)
        z[i, : rank[i]] = rng.standard_normal((rank[i], outcomes))
    return beta, beta + (root @ z) * np.sqrt(rss / chi2)[:, None, :]


def _matched(model: ImputationModel, X: np.ndarray, rngs, xtx: CrossProducts | None) -> np.ndarray:
    """New values (chains, missing rows): a posterior draw of each chain's regression, then for each
    missing row a donor drawn from the observed rows whose fitted value is nearest its prediction."""
    if xtx is not None:
        gram = xtx.observed(model, X)
    else:
        xo = X[:, model.observed]
        gram = xo.transpose(0, 2, 1) @ xo
    beta, draw = _posterior(model, gram, rngs)
    coef = np.zeros((len(X), X.shape[2], 2 * beta.shape[2]))  # fitted and drawn, zero on c's block
    coef[:, model.predictors] = np.concatenate([beta, draw], axis=2)
    if model.levels:  # matching coordinates on the plane of level probabilities (.matching)
        coef = coef @ np.kron(np.eye(2), plane_basis(model.levels))
    d = coef.shape[2] // 2
    fitted = (X @ coef[:, :, :d])[:, model.observed]  # no copy of the observed rows
    predicted = X[:, model.missing] @ coef[:, :, d:]
    near = nearest(fitted, predicted, model.donors)
    pick = np.stack([rng.integers(0, model.donors, len(model.missing)) for rng in rngs])
    return model.recorded[np.take_along_axis(near, pick[:, :, None], axis=2)[:, :, 0]]


def impute_chains(layout: Layout, iterations: int, rngs: list) -> list[dict[str, np.ndarray]]:
    """Chains of chained equations side by side, one per generator, each started from random
    observed values; each chain's completed columns."""
    data = {c: np.tile(v, (len(rngs), 1)) for c, v in layout.arrays.items()}
    for model in layout.models:
        for i, rng in enumerate(rngs):
            data[model.column][i, model.missing] = rng.choice(model.recorded, size=len(model.missing))
    X = layout.design(data)
    xtx = CrossProducts(X) if layout.exact else None
    for _ in range(iterations):
        for model in layout.models:
            imputed = _matched(model, X, rngs, xtx)
            data[model.column][:, model.missing] = imputed
            before = X[:, model.missing]
            layout.write(X, model.column, imputed, model.missing)
            if xtx is not None:
                xtx.replace(before, X[:, model.missing])
    return [{c: v[i] for c, v in data.items()} for i in range(len(rngs))]
