"""Random-draw helpers: probabilities and log-odds aligned to schema code lists, per-row categories.

Shared by every generator so code lists are checked in one place and sampling tricks are written once."""

from __future__ import annotations

import numpy as np


def _p(codes: tuple[str, ...], weights: dict[str, float]) -> np.ndarray:
    """Probabilities aligned to a schema code list (names checked against it)."""
    bad = set(weights) - set(codes)
    if bad:
        raise ValueError(f"not in the code list: {sorted(bad)}")
    p = np.array([weights.get(c, 0.0) for c in codes], dtype=float)
    return p / p.sum()


def _e(codes: tuple[str, ...], effects: dict[str, float]) -> np.ndarray:
    """Effects (log-odds) aligned to a schema code list; codes not named get 0."""
    bad = set(effects) - set(codes)
    if bad:
        raise ValueError(f"not in the code list: {sorted(bad)}")
    return np.array([effects.get(c, 0.0) for c in codes], dtype=float)


def _ix(codes: tuple[str, ...], code: str) -> int:
    return codes.index(code)


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _draw_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row from a per-row probability matrix (n, k)."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cdf[:, -1]
    out = np.zeros(len(probs), dtype=np.int64)
    for j in range(probs.shape[1] - 1):
        out += u > cdf[:, j]
    return out


def _sorted_uniforms(rng: np.random.Generator, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Uniform(0,1) draws, `counts[i]` for group i, each group already sorted (no sort needed).

    Spacings of uniform order statistics are normalised exponentials; a segmented cumulative sum
    gives sorted draws in O(N). Returns (group of each draw, draw).
    """
    groups = counts.size
    e = rng.standard_exponential(int(counts.sum()) + groups)
    cs = np.cumsum(e)
    ends = np.cumsum(counts + 1) - 1  # the extra spacing closing each group
    before = np.where(ends - counts > 0, cs[np.maximum(ends - counts - 1, 0)], 0.0)
    width = cs[ends] - before
    keep = np.ones(e.size, dtype=bool)
    keep[ends] = False
    who = np.repeat(np.arange(groups, dtype=np.int64), counts)
    return who, (cs[keep] - before[who]) / width[who]


def _missing(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Mask of values present (True) with about `share` blank."""
    return rng.random(n) >= share
