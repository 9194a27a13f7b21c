"""Meetings: appointments that follow the client's path (pre-job, then tapering in-work support).

The largest table (up to tens of millions of rows), built client by client in chunks with no sort."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ipseval import schema

from .areas import _Staff
from .careers import _Careers
from .clients import _Clients
from .columns import _CHUNK, _bools, _codes, _dates
from .days import _REMOTE, CUT, _back_to_weekday
from .draws import _ix, _p, _sorted_uniforms


@dataclass
class _MeetingPlan:
    """Per client: how many appointments in each block, and when."""

    fixed: np.ndarray  # 1 = the vocational profile meeting on the engagement day
    n1: np.ndarray  # appointments before any job (never engaged: just after referral)
    n2: np.ndarray  # in-work support appointments after the first job starts
    eng: np.ndarray
    start1: np.ndarray
    span1: np.ndarray
    start2: np.ndarray
    span2: np.ndarray
    noshow: np.ndarray
    change: np.ndarray
    holder1: np.ndarray
    holder2: np.ndarray

    def rows(self) -> np.ndarray:
        return self.fixed + self.n1 + self.n2


def _meeting_plan(
    rng: np.random.Generator, c: _Clients, k: _Careers, staff: _Staff, target: float | None
) -> _MeetingPlan:
    """Appointments follow the client's path: weekly-ish before a job at a client- and
    borough-specific rate, then tapering in-work support after a job starts (so job holders have
    more meetings, as in real services). ``target`` rescales the rates to that mean per client."""
    n = c.n
    eng = c.eng
    has_job = k.job1 >= 0
    stop = np.where(k.dis >= 0, k.dis, CUT)
    pre_end = np.where(has_job, k.job1 - 1, stop)
    span_pre = np.where(c.engaged, np.maximum(pre_end - eng, 0), 0)
    lam_pre = k.rate_pre * span_pre / 7
    post_start = np.where(has_job, k.job1, 0)
    span_post = np.where(has_job, np.minimum(stop - post_start, 365), 0)
    lam_post = 0.55 * rng.gamma(3.0, 1 / 3.0, size=n) * span_post / 7  # tapering in-work support
    ne_span = np.where(c.engaged, 0, np.minimum(stop - c.ref, 42))
    lam1 = np.where(c.engaged, lam_pre, 0.7)
    fixed = c.engaged.astype(np.int64)
    scale = 1.0
    if target is not None:
        base = lam1.sum() + lam_post.sum()
        scale = max(target * n - fixed.sum(), 0.0) / base if base > 0 else 0.0
    # attendance: a client-level no-show tendency; never-engaged clients mostly do not come
    homeless = c.housing == _ix(schema.HOUSING_TENURES, "homeless")
    noshow = np.where(c.engaged, rng.beta(1.3, 11.0, size=n) * np.where(homeless, 1.6, 1.0), 0.75)
    return _MeetingPlan(
        fixed=fixed,
        n1=rng.poisson(lam1 * scale),
        n2=rng.poisson(lam_post * scale),
        eng=eng,
        start1=np.where(c.engaged, eng + 1, c.ref),
        span1=np.where(c.engaged, np.maximum(span_pre - 1, 0), np.maximum(ne_span, 0)),
        start2=post_start,
        span2=span_post,
        noshow=noshow,
        change=staff.change[c.post],
        holder1=staff.holder1[c.post],
        holder2=staff.holder2[c.post],
    )


_MODE_CDF = np.cumsum(
    np.array(
        [  # (remote period, in-work support): 00, 01, 10, 11
            _p(schema.MEETING_MODES, {"face_to_face": 66, "phone": 25, "video": 6, "other": 3}),
            _p(schema.MEETING_MODES, {"face_to_face": 42, "phone": 45, "video": 8, "other": 5}),
            _p(schema.MEETING_MODES, {"face_to_face": 18, "phone": 50, "video": 29, "other": 3}),
            _p(schema.MEETING_MODES, {"face_to_face": 10, "phone": 58, "video": 28, "other": 4}),
        ]
    ),
    axis=1,
)


def _meeting_rows(
    rng: np.random.Generator, p: _MeetingPlan, lo: int, hi: int, ids: pl.Series, staff_ids: pl.Series
) -> pl.DataFrame:
    """Meetings of clients lo..hi-1, client by client in date order (no sort needed)."""
    sl = slice(lo, hi)
    fixed, n1, n2, eng = p.fixed[sl], p.n1[sl], p.n2[sl], p.eng[sl]
    per = fixed + n1 + n2
    first = np.cumsum(per) - per
    total = int(per.sum())
    local = np.repeat(np.arange(hi - lo, dtype=np.int64), per)
    day = np.empty(total, dtype=np.int64)
    inwork = np.zeros(total, dtype=bool)
    engaged = np.flatnonzero(fixed)
    day[first[engaged]] = eng[engaged]
    for counts, start, span, power, offset, is_inwork in (
        (n1, p.start1[sl], p.span1[sl], 1.3, fixed, False),
        (n2, p.start2[sl], p.span2[sl], 1.7, fixed + n1, True),
    ):
        who, u = _sorted_uniforms(rng, counts)
        rows = (first + offset - (np.cumsum(counts) - counts))[who] + np.arange(who.size)
        day[rows] = start[who] + np.floor(u**power * (span[who] + 1)).astype(np.int64)  # early-heavy
        inwork[rows] = is_inwork
    day = _back_to_weekday(day)
    attended = rng.random(total) >= p.noshow[sl][local]
    attended |= ~inwork & (day == eng[local])  # the engagement meeting happened by definition
    group = ((day >= _REMOTE[0]) & (day < _REMOTE[1])) * 2 + inwork
    u = rng.random(total)
    mode = np.zeros(total, dtype=np.int64)
    for j in range(_MODE_CDF.shape[1] - 1):
        mode += u > _MODE_CDF[group, j]
    who = np.where(day < p.change[sl][local], p.holder1[sl][local], p.holder2[sl][local])
    return pl.DataFrame(
        {
            "client_id": ids.slice(lo, hi - lo).gather(pl.Series(local, dtype=pl.UInt32)),
            "meeting_date": _dates(day),
            "attended": _bools(attended),
            "mode": _codes(mode, schema.MEETING_MODES),
            "employment_specialist_id": staff_ids.gather(pl.Series(who, dtype=pl.UInt32)),
        }
    )


def _meetings(
    rng: np.random.Generator, plan: _MeetingPlan, ids: pl.Series, staff_ids: pl.Series
) -> pl.DataFrame:
    n = plan.fixed.size
    parts = [_meeting_rows(rng, plan, lo, min(n, lo + _CHUNK), ids, staff_ids) for lo in range(0, n, _CHUNK)]
    return pl.concat(parts, rechunk=False)
