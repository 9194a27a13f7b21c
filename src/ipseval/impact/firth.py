"""Firth's penalised likelihood for a logit whose maximum likelihood estimates do not exist.

With complete or quasi-complete separation (a category with all or no job entries, common in a
300-client service with 16 controls) the likelihood keeps rising as a coefficient runs off to
infinity. Firth (1993) adds the Jeffreys-prior penalty, which keeps every estimate finite:

    l*(beta) = l(beta) + 1/2 log|I(beta)|,    I(beta) = X'WX,  W = diag(w p (1 - p))
    U*(beta) = X'(w (y - p) + h (1/2 - p)),   h = diag(W^1/2 X I^-1 X' W^1/2)   (the hat values)

``w`` are the prior weights (R ``glm(weights=)``). The estimates are R ``logistf``'s and
``brglm2::brglmFit(type = "AS_mean")``'s (for the logit link mean bias reduction is the Jeffreys
penalty). They are found by Newton's method on l* with step-halving: with the exact curvature
(:func:`_penalised`) up to ``EXACT_ROWS`` rows, Fisher's I^-1 U* steps (logistf's and brglm2's,
slower near a separated level) beyond. Standard errors are sqrt(diag I^-1) at the estimate
(brglm2's ``vcov``). For a coefficient in ``profile`` the 95% interval is the profile
penalised-likelihood interval (logistf's): the b with

    2 [l*(beta_hat) - max over the other coefficients of l*(beta with beta_j = b)] = chi2_1(0.95),

found by Newton's method on the signed root (:class:`_Profile`) to ``PROFILE_TOL`` in b; its
p-value is the penalised likelihood-ratio test of beta_j = 0 (logistf's). Other coefficients get
Wald (z) intervals and p-values. Each profiled coefficient costs ten to twenty refits, so callers
profile only the terms their report shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, special

from ..distributions import chi2_ppf, chi2_sf, norm_ppf, norm_sf
from .design import Design, ModelError, rows_dot, weighted_tdot

MAX_ITERATIONS = 500
EXACT_ROWS = 6000  # up to this many rows, Newton steps with the exact curvature (n^2 k work)
MAX_STEP = 5.0  # logistf's maxstep: early steps from a separated start would overflow exp
PROFILE_TOL = 1e-9  # last Newton step on a profile bound (the test compares R's to 1e-6)
CHI2_95 = float(chi2_ppf(0.95, 1))

SEPARATION_NOTE = (
    "Some categories had all or no job entries (separation), so the model was fitted with Firth's "
    "penalised likelihood; intervals are profile-likelihood intervals."
)
SANDWICH_NOTE = (
    "The column sandwich_std_error gives the CR1 clustered standard error at the Firth estimates, "
    "for comparison."
)
# the same for a fit with no profiled term (an imputed fit pooled by Rubin's rules, or predictions only)
SEPARATION_NOTE_WALD = SEPARATION_NOTE.replace("profile-likelihood", "Wald")

__all__ = [
    "CHI2_95",
    "SANDWICH_NOTE",
    "SEPARATION_NOTE",
    "SEPARATION_NOTE_WALD",
    "FirthFit",
    "firth",
    "firth_words",
    "profiled_terms",
]


@dataclass
class FirthFit:
    """A Firth fit: estimates, inverse information, 95% intervals and p-values per coefficient."""

    beta: np.ndarray
    information: np.ndarray  # X'WX at beta (unpenalised Fisher information)
    covariance: np.ndarray  # its inverse: brglm2's vcov
    ci: np.ndarray  # (k, 2): profile intervals where profiled, Wald otherwise
    p_value: np.ndarray  # penalised likelihood ratio where profiled, Wald otherwise
    profiled: np.ndarray  # bool per coefficient
    log_likelihood: float  # l(beta), unpenalised
    penalised_log_likelihood: float  # l*(beta)
    iterations: int


def _dense_blocks(design: Design) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(X, y, w) per row block: the hat values need each row of X, not only X'v products."""
    return [(b.dense(), b.y, b.weights) for b in design.blocks()]


def _penalised(blocks, beta: np.ndarray, exact: bool = False) -> tuple:
    """l*(beta), U*(beta), the curvature for a Newton step, and l(beta) (module doc).

    The curvature is I(beta), or with ``exact`` (one block only) the observed -d2 l*/d beta2:

        I - 1/2 X' diag(q v b) X + 1/2 X' diag(a) (H o H) diag(a) X,
        H = X I^-1 X', q = diag(H), v = w p (1 - p), a = v (1 - 2p), b = 1 - 6p + 6p^2

    (from d/d beta_r of 1/2 tr(I^-1 dI/d beta_s)). With a separated level I is nearly singular
    in one direction and Fisher steps crawl along it (hundreds of steps); Newton's take a few.
    """
    ll, info, parts = 0.0, np.zeros((beta.size, beta.size)), []
    for X, y, w in blocks:
        eta = X @ beta
        p = special.expit(eta)
        ll += float(w @ (y * eta - np.logaddexp(0.0, eta)))
        v = w * p * (1 - p)
        info += weighted_tdot(X, v)
        parts.append((X, y, w, p, v))
    sign, logdet = np.linalg.slogdet(info)
    if sign <= 0:
        raise ModelError("the penalised model cannot be estimated: the information matrix is singular")
    inverse = np.linalg.inv(info)
    score, curvature = np.zeros(beta.size), info
    for X, y, w, p, v in parts:
        XA = _times(X, inverse)
        q = (XA * X).sum(axis=1)
        score += rows_dot((w * (y - p) + v * q * (0.5 - p))[None, :], X)[0]
        if exact:
            cross = _hat_cross(X, XA, X * (v * (1 - 2 * p))[:, None])
            curvature = info - 0.5 * weighted_tdot(X, q * v * (1 - 6 * p * (1 - p))) + 0.5 * cross
    return ll + 0.5 * logdet, score, curvature, ll, info


# Products in small pieces: one large product is multi-threaded by OpenBLAS, and on a busy
# two-core machine its threads wait for each other (see ipseval.impact.design.tdot).
PIECE = 200_000  # multiply-adds per product


def _times(X: np.ndarray, M: np.ndarray) -> np.ndarray:
    """X M, a few rows at a time."""
    rows = max(1, PIECE // (M.shape[0] * M.shape[1]))
    return np.vstack([X[i : i + rows] @ M for i in range(0, X.shape[0], rows)])


def _hat_cross(X: np.ndarray, XA: np.ndarray, aX: np.ndarray) -> np.ndarray:
    """(aX)' (H o H) (aX) with H = XA X', a few rows of H at a time."""
    rows = max(1, PIECE // (X.shape[0] * X.shape[1]))
    out = np.zeros((X.shape[1], X.shape[1]))
    for i in range(0, X.shape[0], rows):
        out += aX[i : i + rows].T @ (np.square(XA[i : i + rows] @ X.T) @ aX)
    return out


def _maximise(blocks, beta: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, tuple, int]:
    """Maximise l* over the coefficients ``free`` (bool mask), the others held at their values.

    Newton steps (Fisher's I^-1 U* where the exact curvature is not positive definite or the data
    are big), at most MAX_STEP long, halved until l* does not fall.
    """
    exact = len(blocks) == 1 and blocks[0][0].shape[0] <= EXACT_ROWS
    # Newton's error after a step of 1e-8 is about its square; Fisher's shrinks only linearly
    tolerance = 1e-8 if exact else 1e-12
    current = _penalised(blocks, beta, exact)
    for iteration in range(1, MAX_ITERATIONS + 1):
        step = np.zeros(beta.size)
        step[free] = _direction(
            current[2][np.ix_(free, free)], current[4][np.ix_(free, free)], current[1][free]
        )
        longest = np.abs(step).max()
        if longest <= tolerance * (1 + np.abs(beta).max()):
            return beta + step, current, iteration - 1
        step *= min(1.0, MAX_STEP / longest)
        for _ in range(40):
            trial = _penalised(blocks, beta + step, exact)
            if trial[0] >= current[0] - 1e-12 * abs(current[0]):
                break
            step /= 2
        beta, current = beta + step, trial
    raise ModelError("the penalised (Firth) model did not converge")


def _direction(curvature: np.ndarray, info: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Newton's step if the curvature is positive definite (an ascent direction), else Fisher's."""
    try:
        return linalg.cho_solve(linalg.cho_factor(curvature), score)
    except linalg.LinAlgError:
        return np.linalg.solve(info, score)


class _Profile:
    """The profile of coefficient j: max over the others of l* with beta_j = b, from the fit's l*.

    ``root(b)`` is the signed root r(b) = sign(b - beta_hat_j) sqrt(2 [l*max - profile l*(b)]),
    nearly linear in b, with its slope -U*_j / r (the profile's slope is the penalised score of
    beta_j at the refit: the envelope theorem), so Newton's method finds a bound in a few refits.
    l* need not be concave, and a refit from a distant start can stop at a lower local maximum,
    so each refit starts from the nearest b already profiled (at most one SE away), moved along
    the tangent d beta_other / d b = -C_oo^-1 C_oj (C the curvature there): the profile is
    followed continuously out from the estimate.
    """

    def __init__(self, blocks, beta_hat: np.ndarray, fitted: tuple, j: int, se: float) -> None:
        self.blocks, self.j, self.top, self.centre = blocks, j, fitted[0], float(beta_hat[j])
        self.free, self.stride = np.arange(beta_hat.size) != j, se
        self.solved = {self.centre: (beta_hat, fitted)}  # b -> (coefficients, _penalised there)

    def root(self, b: float) -> tuple[float, float]:
        """r(b) and dr/db."""
        nearest = min(self.solved, key=lambda s: abs(s - b))
        steps = int(np.ceil(abs(b - nearest) / self.stride))
        for point in np.linspace(nearest, b, steps + 1)[1:]:
            self._refit(float(point), self.solved[min(self.solved, key=lambda s: abs(s - point))])
        current = self.solved[b if steps else nearest][1]
        r = float(np.sign(b - self.centre) * np.sqrt(max(2 * (self.top - current[0]), 0.0)))
        return r, (-current[1][self.j] / r if r else np.nan)

    def _refit(self, b: float, near: tuple) -> None:
        """Refit with beta_j = b from a nearby solution moved along the tangent."""
        f, j = self.free, self.j
        beta, curvature = near[0], near[1][2]
        start = beta.copy()
        start[f] += np.linalg.solve(curvature[np.ix_(f, f)], -curvature[f, j]) * (b - beta[j])
        start[j] = b
        beta, current, _ = _maximise(self.blocks, start, f)
        self.solved[b] = (beta, current)

    def bound(self, direction: float) -> float:
        """Where r reaches direction * sqrt(chi2_1(0.95)): Newton's method, kept inside a bracket."""
        target = direction * np.sqrt(CHI2_95)
        inner, outer = self.centre, None  # r - target: on the estimate's side at inner, past it at outer
        b = self.centre + target * self.stride
        for _ in range(100):
            r, slope = self.root(b)
            if direction * (r - target) < 0:
                inner = b
            else:
                outer = b
            step = (target - r) / slope if slope > 0 else np.nan  # nan: r falls here, no Newton step
            if abs(step) <= PROFILE_TOL * (1 + abs(b)):
                return b + step
            new = b + step
            if outer is None and not direction * (new - inner) > 0:  # not yet bracketed: go further out
                new = inner + (inner - self.centre)
            elif outer is not None and not min(inner, outer) < new < max(inner, outer):
                new = (inner + outer) / 2
            b = new
        raise ModelError("the profile likelihood interval of a Firth fit did not converge")


def _profile(blocks, beta_hat: np.ndarray, fitted: tuple, j: int, se: float) -> tuple[float, float, float]:
    """Profile penalised-likelihood 95% interval of coefficient j and its likelihood ratio p-value."""
    profile = _Profile(blocks, beta_hat, fitted, j, se)
    low, high = profile.bound(-1.0), profile.bound(1.0)
    return low, high, float(chi2_sf(profile.root(0.0)[0] ** 2, 1))


def firth(design: Design, profile: np.ndarray | None = None) -> FirthFit:
    """Firth's penalised-likelihood logit on ``design`` (module doc).

    ``profile``: bool per coefficient, which get profile intervals and likelihood ratio p-values
    (default all; each costs ten to twenty constrained refits).
    """
    blocks = _dense_blocks(design)
    beta = np.zeros(design.k)
    beta[0] = special.logit((design.weights @ design.y + 0.5) / (design.weights.sum() + 1.0))
    beta, _, iterations = _maximise(blocks, beta, np.ones(design.k, dtype=bool))
    fitted = _penalised(blocks, beta, len(blocks) == 1 and design.n <= EXACT_ROWS)  # at the returned beta
    lstar, ll, info = fitted[0], fitted[3], fitted[4]
    cov = np.linalg.inv(info)
    se = np.sqrt(np.diag(cov))
    z = norm_ppf(0.975)
    ci = np.column_stack([beta - z * se, beta + z * se])
    p = 2 * norm_sf(np.abs(beta / se))
    profiled = np.ones(design.k, dtype=bool) if profile is None else np.asarray(profile, dtype=bool)
    for j in np.flatnonzero(profiled):
        ci[j, 0], ci[j, 1], p[j] = _profile(blocks, beta, fitted, int(j), float(se[j]))
    return FirthFit(beta, info, cov, ci, p, profiled, ll, lstar, iterations)


def profiled_terms(columns: list[tuple[str, str]], profiled: np.ndarray) -> list[str]:
    """The terms with a profiled coefficient, in model order."""
    return list(dict.fromkeys(t for (t, _), on in zip(columns, profiled, strict=True) if on))


def firth_words(
    columns: list[tuple[str, str]], profiled: np.ndarray, se: str, cluster: str | None
) -> tuple[str, list[str]]:
    """The model card's se_type and the plain notes of a Firth fit (``se``: the SE type asked for)."""
    names = profiled_terms(columns, profiled)
    rest = profiled_terms(columns, ~np.asarray(profiled, dtype=bool))
    words = (
        "model-based: inverse Fisher information at the Firth estimate (brglm2's vcov); 95% CIs are "
        "profile penalised-likelihood intervals and p-values penalised likelihood-ratio tests (logistf) "
        f"for {', '.join(names) or 'no term'}"
        + (f", Wald z for {', '.join(rest)}" if rest else "")
        + ("; clustering is not reflected" if se != "model" else "")
    )
    notes = [SEPARATION_NOTE if names else SEPARATION_NOTE_WALD]
    if names and rest:
        notes.append(
            f"Only {', '.join(names)} {'has' if len(names) == 1 else 'have'} profile-likelihood intervals "
            "and likelihood-ratio p-values; the other terms' are Wald, from the penalised fit."
        )
    if se in ("cluster_t", "wild"):
        notes += [
            f"Firth's intervals treat the rows as independent, so clustering by {cluster} is not reflected "
            "in them.",
            SANDWICH_NOTE,
        ]
    return words, notes
