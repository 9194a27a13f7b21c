"""The chained-equations chain behind :mod:`ipseval.impact.imputation` (predictive mean matching).

What never changes between cycles or imputations is worked out once per table (:class:`Layout`):
where each column's indicator block sits in one shared design matrix, which rows each column
observes and misses, and the observed outcome of each column's imputation model. A chain then
only rewrites the missing rows of the column it has just imputed. Every product, solve and
random draw is the one R-style ``mice(method = "pmm")`` needs, in the same order as before this
layout existed, so a seed gives the same imputations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import spatial

DONORS = 5


@dataclass(frozen=True)
class ImputationModel:
    """One incomplete column's imputation model: its rows, its predictors' design columns, its outcome."""

    column: str
    observed: np.ndarray  # row numbers where the column is recorded
    missing: np.ndarray  # row numbers to impute
    predictors: np.ndarray  # design columns of every other column (and the intercept)
    outcome: np.ndarray  # observed values, or level indicators for a categorical column
    recorded: np.ndarray  # the observed values (codes), copied into missing rows by matching
    donors: int


class Layout:
    """The shared design matrix's columns: intercept, then each column's block in table order.

    A numeric column is one design column; a categorical one is L-1 indicators (first level = reference).
    """

    def __init__(self, arrays: dict[str, np.ndarray], levels: dict[str, list], targets: list[str]):
        self.arrays, self.targets = arrays, targets
        self.n_levels = {c: len(levels[c]) if c in levels else None for c in arrays}
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
        return whole and largest**2 * len(next(iter(self.arrays.values()))) < 2.0**52

    def _model(self, c: str) -> ImputationModel:
        values = self.arrays[c]
        seen = ~np.isnan(values)
        observed, missing = np.flatnonzero(seen), np.flatnonzero(~seen)
        block = self.blocks[c]
        predictors = np.r_[0 : block.start, block.stop : self.width]
        if self.n_levels[c] is None:
            outcome = values[observed][:, None]
        else:  # every level's indicator: the matching compares fitted level probabilities
            outcome = np.zeros((len(observed), self.n_levels[c]))
            outcome[np.arange(len(observed)), values[observed].astype(int)] = 1.0
        donors = min(DONORS, len(observed))
        return ImputationModel(c, observed, missing, predictors, outcome, values[observed], donors)

    def design(self, data: dict[str, np.ndarray]) -> np.ndarray:
        """The design matrix of completed columns ``data``."""
        X = np.zeros((len(next(iter(data.values()))), self.width))
        X[:, 0] = 1.0
        for c, values in data.items():
            self.write(X, c, values, slice(None))
        return X

    def write(self, X: np.ndarray, c: str, values: np.ndarray, rows) -> None:
        """Put column ``c``'s ``values`` (for ``rows``) into its block of the design."""
        block = self.blocks[c]
        if self.n_levels[c] is None:
            X[rows, block.start] = values
            return
        part = np.zeros((len(values), block.stop - block.start))
        codes = values.astype(int)
        chosen = np.flatnonzero(codes > 0)
        part[chosen, codes[chosen] - 1] = 1.0
        X[rows, block] = part


def inverse_root(xtx: np.ndarray) -> np.ndarray:
    """R with R @ R.T = (X'X)^-1, or the pseudo-inverse when dummies are collinear (numpy LAPACK only:
    mixing in scipy's own OpenBLAS thread pool makes these small solves very slow on a busy machine)."""
    try:
        chol = np.linalg.cholesky(xtx)
        if np.diag(chol).min() > 1e-7 * np.diag(chol).max():
            return np.linalg.inv(chol).T
    except np.linalg.LinAlgError:
        pass
    evals, evecs = np.linalg.eigh(xtx)
    keep = evals > evals.max() * 1e-10
    return evecs[:, keep] / np.sqrt(evals[keep])


class CrossProducts:
    """X'X of the whole design, kept up to date as imputed rows change instead of recomputed for
    every imputation model (the chain's largest cost). Only used when the design holds whole
    numbers, where every sum is exact, so a model's X'X is the very matrix a direct product gives."""

    def __init__(self, X: np.ndarray):
        self.total = X.T @ X

    def observed(self, model: ImputationModel, X: np.ndarray) -> np.ndarray:
        """X'X over the rows where the model's column is observed, for its predictors."""
        xm = X[model.missing]
        return (self.total - xm.T @ xm)[np.ix_(model.predictors, model.predictors)]

    def replace(self, before: np.ndarray, after: np.ndarray) -> None:
        """Rows ``before`` of the design became ``after``."""
        self.total += after.T @ after - before.T @ before


def _matched(
    model: ImputationModel, X: np.ndarray, rng: np.random.Generator, xtx: CrossProducts | None
) -> np.ndarray:
    """New values for the model's missing rows: a posterior draw of the regression, then a donor
    drawn from the observed rows whose fitted value is nearest each missing row's drawn prediction."""
    xo = X[np.ix_(model.observed, model.predictors)]
    gram = xo.T @ xo if xtx is None else xtx.observed(model, X)
    root = inverse_root(gram)  # root @ root.T = (X'X)^-1 (pseudo-inverse if collinear)
    Y = model.outcome
    beta = root @ (root.T @ (xo.T @ Y))
    fitted = xo @ beta
    resid = Y - fitted
    dof = max(len(model.observed) - root.shape[1], 1)
    sigma = np.sqrt((resid**2).sum(axis=0) / rng.chisquare(dof, size=Y.shape[1]))
    draw = beta + (root @ rng.standard_normal((root.shape[1], Y.shape[1]))) * sigma[None, :]
    k, n_missing = model.donors, len(model.missing)
    predicted = X[np.ix_(model.missing, model.predictors)] @ draw
    _, nearest = spatial.cKDTree(fitted).query(predicted, k=k)
    nearest = nearest.reshape(n_missing, k)
    donors = nearest[np.arange(n_missing), rng.integers(0, k, n_missing)]
    return model.recorded[donors]


def impute_chain(layout: Layout, iterations: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One chain of chained equations, started from random observed values; the completed columns."""
    data = {c: v.copy() for c, v in layout.arrays.items()}
    for model in layout.models:
        data[model.column][model.missing] = rng.choice(model.recorded, size=len(model.missing))
    X = layout.design(data)
    xtx = CrossProducts(X) if layout.exact else None
    for _ in range(iterations):
        for model in layout.models:
            imputed = _matched(model, X, rng, xtx)
            data[model.column][model.missing] = imputed
            before = X[model.missing]
            layout.write(X, model.column, imputed, model.missing)
            if xtx is not None:
                xtx.replace(before, X[model.missing])
    return data
