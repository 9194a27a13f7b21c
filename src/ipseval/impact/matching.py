"""Predictive mean matching's donor search: the k observed rows nearest each missing row.

A numeric column is matched on one fitted value. A categorical column's fitted value is the
vector of its L level probabilities; a linear model with an intercept fits level indicators that
sum to one, so every observed row's vector lies on the plane p_1 + ... + p_L = 1, and the
Euclidean distance from a drawn prediction q to such a p is

    |q - p|^2 = |V'(q - p)|^2 + (sum(q) - 1)^2 / L

with V an orthonormal basis of the plane's directions (L x (L-1)). The last term is the same for
every donor, so the nearest donors are those nearest in the L-1 coordinates V'p: one coordinate
for a two-level column, matched by sorting like a number; in more dimensions a k-d tree is
searched. Either way the donors are exactly the k nearest, nearest first (which of several
equally near rows is taken may differ).

Every function takes several chains at once: arrays (chains, rows, coordinates).
"""

from __future__ import annotations

import numpy as np
from scipy import spatial


def plane_basis(levels: int) -> np.ndarray:
    """Orthonormal columns spanning the directions of the plane sum(p) = 1 (Helmert contrasts)."""
    basis = np.zeros((levels, levels - 1))
    for j in range(1, levels):
        basis[:j, j - 1] = 1.0
        basis[j, j - 1] = -float(j)
        basis[:, j - 1] /= np.sqrt(j * (j + 1))
    return basis


def nearest(fitted: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """Row numbers (chains, missing, k) of the k rows of ``fitted`` (chains, observed, d) nearest
    each row of ``predicted`` (chains, missing, d), nearest first."""
    if fitted.shape[2] == 0:  # one level observed: every row is as near as any other
        return np.broadcast_to(np.arange(k), (*predicted.shape[:2], k))
    if fitted.shape[2] == 1:
        return _on_a_line(fitted[:, :, 0], predicted[:, :, 0], k)
    return np.stack([_search(f, p, k) for f, p in zip(fitted, predicted, strict=True)])


def _on_a_line(values: np.ndarray, targets: np.ndarray, k: int) -> np.ndarray:
    """k nearest by sorting: on a line the k nearest of a target lie among the k sorted values
    either side of where it would be inserted, so only those 2k candidates are compared."""
    chains, n = values.shape
    order = np.argsort(values, axis=1)
    ranked = np.take_along_axis(values, order, axis=1)
    width = min(2 * k, n)
    at = np.stack([np.searchsorted(r, t) for r, t in zip(ranked, targets, strict=True)])
    start = np.minimum(np.maximum(at - k, 0), n - width)
    candidates = (start[:, :, None] + np.arange(width)).reshape(chains, -1)
    distance = np.abs(
        np.take_along_axis(ranked, candidates, axis=1).reshape(*at.shape, width) - targets[:, :, None]
    )
    closest = np.argsort(distance, axis=2, kind="stable")[:, :, :k]
    picked = np.take_along_axis(candidates.reshape(*at.shape, width), closest, axis=2)
    return np.take_along_axis(order, picked.reshape(chains, -1), axis=1).reshape(*at.shape, k)


def _search(points: np.ndarray, targets: np.ndarray, k: int) -> np.ndarray:
    """The k nearest ``points`` of each target by a k-d tree split at midpoints (built several
    times faster than at medians, searched as fast), the targets taken in order along their widest
    coordinate (neighbouring targets search the same nodes while they are in the cache: about a
    third faster)."""
    tree = spatial.cKDTree(points, balanced_tree=False, compact_nodes=False)
    order = np.argsort(targets[:, np.argmax(np.ptp(targets, axis=0))])
    found = np.empty((len(targets), k), dtype=np.intp)
    found[order] = tree.query(targets[order], k=k)[1].reshape(len(targets), k)
    return found
