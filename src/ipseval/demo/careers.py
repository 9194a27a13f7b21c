"""Each engaged client's path: a weekly job-start hazard competing with discharge, then jobs held.

One model gives first jobs, later jobs, in-work support and discharge, so outcomes stay consistent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ipseval import schema

from .areas import _MEETING_MULT, _STRENGTH, _SUSTAIN_MULT, AREAS
from .clients import _Clients
from .days import CUT, _back_to_weekday
from .draws import _draw_rows, _e, _expit, _ix, _p
from .employers import _SECTOR_P_FEMALE, _SECTOR_P_MALE, _SELF_EMP_SECTORS

_TSLJ_JOB = _e(
    schema.TIME_SINCE_LAST_JOB,
    {
        "never_worked": -0.45,
        "under_1y": 0.55,
        "1_to_2y": 0.35,
        "5_to_10y": -0.3,
        "over_10y": -0.6,
        "unknown": -0.1,
    },
)
_TREAT_JOB = _e(schema.TREATMENT_STATUSES, {"completed_treatment": 0.3, "not_in_treatment": -0.25})
_HOUSING_JOB = _e(
    schema.HOUSING_TENURES,
    {"owner": 0.15, "private_rent": 0.1, "supported_temporary": -0.3, "homeless": -0.7},
)
_QUAL_JOB = _e(schema.QUALIFICATIONS, {"none": -0.15, "level_3": 0.1, "level_4_plus": 0.2})
_JOB_B0 = -3.6
_DISCHARGE_B0 = -4.35


@dataclass
class _Careers:
    rate_pre: np.ndarray  # client's pre-job meeting rate per week
    job1: np.ndarray  # first job start day, -1 none
    dis: np.ndarray  # discharge day, -1 on caseload at the cut
    reason: np.ndarray  # index into DISCHARGE_REASONS, -1 when not discharged
    jobs_cid: np.ndarray
    jobs_start: np.ndarray
    jobs_end: np.ndarray  # -1 ongoing
    jobs_hours: np.ndarray  # NaN missing
    jobs_sector: np.ndarray
    jobs_self: np.ndarray


def _careers(rng: np.random.Generator, c: _Clients) -> _Careers:
    """Each engaged client's path, week by week from engagement: a discrete-time hazard of a first
    job start (client characteristics, borough integration, contact intensity, declining with time
    on the caseload) competing with discharge. Job holders get in-work support, may move on to a
    second or third job, and leave when support is complete."""
    n = c.n
    rate_rel = rng.gamma(2.5, 1 / 2.5, size=n)  # client's engagement intensity (mean 1)
    rate_pre = 0.40 * _MEETING_MULT[c.area] * rate_rel
    area_eff = np.array([a.job_effect for a in AREAS])[c.area]
    homeless = c.housing == _ix(schema.HOUSING_TENURES, "homeless")
    lp = (
        _JOB_B0
        + area_eff
        + 0.10 * (c.conf - 5)
        + _TSLJ_JOB[c.tslj]
        + _TREAT_JOB[c.treat]
        + _HOUSING_JOB[c.housing]
        + _QUAL_JOB[c.qual]
        - 0.15 * c.conv
        - 0.012 * (c.age - 40)
        + 0.35 * np.log(rate_rel)  # more contact, better chances: a real dose-response
        + np.log(0.3) * c.emp  # already in work: a new job is less likely
        + rng.normal(0, 0.35, n)
    )
    not_in_treatment = c.treat == _ix(schema.TREATMENT_STATUSES, "not_in_treatment")
    lp_dis = (
        _DISCHARGE_B0
        + 0.5 * homeless
        + 0.3 * not_in_treatment
        + 0.2 * (_STRENGTH[c.area] == 2)
        - 0.04 * (c.conf - 5)
        - 0.3 * np.log(rate_rel)
        + rng.normal(0, 0.3, n)
    )
    job_week = np.full(n, -1)
    dis_week = np.full(n, -1)
    eng = c.eng
    weeks_avail = np.where(c.engaged, (CUT - eng - 6) // 7 + 1, 0)
    active = np.flatnonzero(weeks_avail > 0)
    t = 0
    while active.size:
        active = active[weeks_avail[active] > t]
        if not active.size:
            break
        # slow start while the vocational profile is done, then a declining hazard
        g = -0.45 * np.log1p(t / 6) + (-1.3 if t < 2 else 0.0)
        pj = _expit(lp[active] + g)
        pd = _expit(lp_dis[active] + (0.8 if t >= 52 else 0.0))
        u = rng.random(active.size)
        j = u < pj
        d = ~j & (u < pj + pd)
        job_week[active[j]] = t
        dis_week[active[d]] = t
        active = active[~(j | d)]
        t += 1
    within = rng.integers(0, 7, size=n)
    job1 = np.where(job_week >= 0, _back_to_weekday(eng + 7 * job_week + within), -1)
    dis = np.where(dis_week >= 0, _back_to_weekday(eng + 7 * dis_week + within), -1)
    reasons = schema.DISCHARGE_REASONS
    reason = np.full(n, -1)
    pre = dis >= 0
    reason[pre] = rng.choice(
        len(reasons),
        size=int(pre.sum()),
        p=_p(
            reasons,
            {
                "disengaged": 50,
                "declined": 8,
                "moved_away": 10,
                "other": 14,
                "support_complete": 12,
                "unknown": 6,
            },
        ),
    )
    # never engaged: closed after a few weeks unless referred recently
    ne = ~c.engaged
    ne_dis = _back_to_weekday(c.ref + rng.integers(14, 121, size=n))
    ne_closed = ne & (ne_dis <= CUT)
    dis = np.where(ne_closed, ne_dis, dis)
    reason[ne_closed] = rng.choice(
        len(reasons),
        size=int(ne_closed.sum()),
        p=_p(reasons, {"declined": 45, "disengaged": 40, "other": 8, "moved_away": 4, "unknown": 3}),
    )

    # ---- jobs: the first, then perhaps a second and a third while still supported
    male = c.sex == _ix(schema.SEXES, "male")
    in_treatment = c.treat == _ix(schema.TREATMENT_STATUSES, "in_treatment")
    p16 = _expit(1.1 + 0.08 * (c.conf - 5) + 0.25 * male - 0.45 * (c.age >= 55) - 0.2 * in_treatment)
    scale = (
        108.0
        * _SUSTAIN_MULT[c.area]
        * np.exp(
            0.03 * (c.conf - 5)
            - 0.25 * homeless
            - 0.15 * (c.treat == _ix(schema.TREATMENT_STATUSES, "not_in_treatment"))
        )
    )
    holders = np.flatnonzero(job1 >= 0)
    support_end = np.full(n, -1)
    support_end[holders] = job1[holders] + 7 * rng.integers(16, 53, size=holders.size)
    prev_start = job1[holders]
    cur = holders
    all_cid, all_start, all_end, all_hours = [], [], [], []
    for k in range(3):
        ft = rng.random(cur.size) < p16[cur]
        hours = np.where(
            ft,
            rng.choice(
                [16, 18, 20, 22.5, 24, 25, 30, 35, 37.5, 40, 45],
                size=cur.size,
                p=[0.08, 0.04, 0.12, 0.04, 0.05, 0.06, 0.14, 0.12, 0.13, 0.17, 0.05],
            ),
            rng.choice([4, 5, 6, 8, 10, 12, 15], size=cur.size, p=[0.08, 0.07, 0.12, 0.25, 0.2, 0.15, 0.13]),
        )
        dur = np.ceil(scale[cur] * np.where(ft, 1.3, 0.8) * rng.weibull(0.75, size=cur.size)).astype(np.int64)
        end = prev_start + np.maximum(dur, 1)
        ongoing = end > CUT
        all_cid.append(cur)
        all_start.append(prev_start)
        all_end.append(np.where(ongoing, -1, end))
        all_hours.append(hours)
        if k == 2:
            break
        # another job after this one ends, if still on the caseload
        gap = 7 * rng.integers(1, 17, size=cur.size)
        nxt = _back_to_weekday(end + gap)
        again = (
            ~ongoing
            & (rng.random(cur.size) < (0.42 if k == 0 else 0.3))
            & (nxt <= np.minimum(CUT, support_end[cur]))
        )
        cur = cur[again]
        prev_start = nxt[again]
        support_end[cur] = np.maximum(support_end[cur], prev_start + 7 * rng.integers(8, 27, size=cur.size))
    jobs_cid = np.concatenate(all_cid)
    jobs_start = np.concatenate(all_start)
    jobs_end = np.concatenate(all_end)
    jobs_hours = np.concatenate(all_hours).astype(float)
    jobs_hours[rng.random(jobs_hours.size) < 0.04] = np.nan
    order = np.lexsort((jobs_start, jobs_cid))
    jobs_cid, jobs_start, jobs_end, jobs_hours = (
        jobs_cid[order],
        jobs_start[order],
        jobs_end[order],
        jobs_hours[order],
    )
    m = jobs_cid.size
    sector = _draw_rows(rng, np.where(male[jobs_cid][:, None], _SECTOR_P_MALE, _SECTOR_P_FEMALE))
    self_emp = rng.random(m) < np.where(np.isin(sector, _SELF_EMP_SECTORS), 0.15, 0.01)
    # job holders leave when in-work support is complete
    sup = holders[support_end[holders] <= CUT]
    dis[sup] = _back_to_weekday(support_end[sup])
    reason[sup] = rng.choice(
        len(reasons),
        size=sup.size,
        p=_p(reasons, {"support_complete": 80, "disengaged": 8, "moved_away": 5, "other": 5, "unknown": 2}),
    )
    reason[holders[support_end[holders] > CUT]] = -1
    return _Careers(rate_pre, job1, dis, reason, jobs_cid, jobs_start, jobs_end, jobs_hours, sector, self_emp)
