"""Small linear programmes for the release audit, solved by HiGHS.

One :class:`Programme` per group of linked hidden cells: the constraints are loaded once and
only the objective changes between solves (least and greatest value of one cell, or the sum of
several), so each solve starts from the last solution. HiGHS through ``highspy`` directly: scipy's
``linprog`` wraps the same solver but checks its options on every call, which costs several
times the solve itself for the hundreds of small programmes an audit needs.
"""

from __future__ import annotations

import contextlib
import os
from functools import cache

import numpy as np

__all__ = ["Programme"]


@cache
def _highspy():
    """highspy, imported once with its one-off banner kept off standard output."""
    import highspy

    with _quiet_stdout():
        highspy.Highs()  # HiGHS prints its version banner once per process, at the first model
    return highspy


@contextlib.contextmanager
def _quiet_stdout():
    try:
        fd = os.dup(1)
    except OSError:  # no standard output at all
        yield
        return
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(fd, 1)
            os.close(fd)


class Programme:
    """min/max of linear objectives over {A_eq x = b_eq, A_ub x <= b_ub, x >= 0}."""

    def __init__(self, A_eq: np.ndarray | None, b_eq, A_ub: np.ndarray | None, b_ub, n: int):
        hs = _highspy()
        self.n = n
        rows = [m for m in (A_eq, A_ub) if m is not None]
        A = np.vstack(rows) if rows else np.zeros((0, n))
        inf = hs.kHighsInf
        lower = np.concatenate(
            [b_eq if A_eq is not None else [], np.full(0 if A_ub is None else len(A_ub), -inf)]
        )
        upper = np.concatenate([b_eq if A_eq is not None else [], b_ub if A_ub is not None else []])
        lp = hs.HighsLp()
        lp.num_col_, lp.num_row_ = n, A.shape[0]
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.zeros(n), np.zeros(n), np.full(n, inf)
        lp.row_lower_, lp.row_upper_ = np.asarray(lower, float), np.asarray(upper, float)
        starts, index, value = [0], [], []
        for j in range(n):  # column-wise sparse matrix
            nz = np.flatnonzero(A[:, j])
            index += nz.tolist()
            value += A[nz, j].tolist()
            starts.append(len(index))
        lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(starts, np.int32)
        lp.a_matrix_.index_ = np.array(index, np.int32)
        lp.a_matrix_.value_ = np.array(value, float)
        self.h = hs.Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.passModel(lp)
        self._hs = hs

    def optimum(self, cost: np.ndarray, maximise: bool) -> tuple[str, float, np.ndarray | None]:
        """('optimal', value, x), ('unbounded', inf, None) or ('infeasible', nan, None)."""
        hs = self._hs
        self.h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), np.asarray(cost, float))
        self.h.changeObjectiveSense(hs.ObjSense.kMaximize if maximise else hs.ObjSense.kMinimize)
        self.h.run()
        status = self.h.getModelStatus()
        if status == hs.HighsModelStatus.kOptimal:
            x = np.array(self.h.getSolution().col_value)
            return "optimal", float(cost @ x), x
        if status in (hs.HighsModelStatus.kUnbounded, hs.HighsModelStatus.kUnboundedOrInfeasible):
            return "unbounded", float("inf") if maximise else float("-inf"), None
        return "infeasible", float("nan"), None
