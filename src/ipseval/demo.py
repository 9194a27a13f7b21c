"""Synthetic demo data: a fictitious IPS service in eight West London boroughs, 2019-2022.

Modelled loosely on the published West London evaluation of IPS in drug and alcohol treatment,
but produced by mechanisms (a weekly hazard of starting work with discharge as a competing exit,
meetings that follow the client's path, wellbeing that improves more for those who found work),
not by copying published figures. Every table of the data standard except ``comparison`` is
generated, fully vectorised (numpy/polars), deterministically for a seed.

``clean=False`` (the default) gives data as a real export would look: mostly tidy, a few valid
variants (UK-format dates, codes in other case or with spaces) and a handful of invalid rows,
described by :func:`injected_problems` so validator tests can check they find exactly those.

Wellbeing: TOP as in the standard (0-20 and 0-28 days); SURE domains are sums of items scored
1-3 (substance_use 6 items: 6-18, self_care 5: 5-15, relationships 4: 4-12, material_resources
3: 3-9, outlook_on_life 3: 3-9) and total 21-63. Client ids are ``IPS`` + a zero-padded number.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ipseval import schema

__all__ = [
    "AREAS",
    "DATA_CUT",
    "DEMO_TABLES",
    "INJECTED_PROBLEMS",  # noqa: F822 (module __getattr__, computed on first use)
    "generate_demo",
    "injected_problems",
    "interview_files",
    "valid_variants",
    "write_demo",
]

DATA_CUT = date(2022, 3, 31)
SERVICE_START = date(2019, 1, 1)
DEMO_TABLES: tuple[str, ...] = tuple(name for name in schema.TABLES if name != "comparison")

_EPOCH = date(1970, 1, 1)
_BASE = date(2018, 1, 1)  # earliest date any generated table can hold (staff start before launch)


def _d(d: date) -> int:
    return (d - _EPOCH).days


CUT = _d(DATA_CUT)
START = _d(SERVICE_START)
BASE = _d(_BASE)
_LOCKDOWN = (_d(date(2020, 3, 23)), _d(date(2020, 7, 4)))  # first national lockdown
_REMOTE = (_d(date(2020, 3, 23)), _d(date(2021, 7, 19)))  # mostly remote working
_NO_CHANGE = 10**6  # a day number beyond any date used

# ISO strings for every day the generator can produce, gathered by index (fast for 25M rows).
_ISO = pl.Series([(_BASE + timedelta(days=i)).isoformat() for i in range(CUT - BASE + 1)], dtype=pl.Utf8)


# --------------------------------------------------------------------------- areas and staffing
@dataclass(frozen=True)
class Area:
    name: str
    code: str
    integration_strength: str
    co_located: bool
    population: int  # approximate resident population, for referral rates
    caseload: float  # relative size of the local drug & alcohol treatment population
    job_effect: float  # borough log-odds shift of the weekly job-start hazard
    posts: int  # employment specialist posts


AREAS: tuple[Area, ...] = (
    Area("Barnet", "BAR", "moderate", True, 399_000, 1.00, 0.05, 3),
    Area("Brent", "BRE", "strong", True, 339_000, 1.10, 0.42, 4),
    Area("Ealing", "EAL", "strong", True, 341_000, 1.05, 0.25, 4),
    Area("Harrow", "HAR", "moderate", False, 252_000, 0.70, -0.05, 2),
    Area("Hillingdon", "HIL", "weak", False, 306_000, 0.95, -0.5, 2),
    Area("Hounslow", "HOU", "strong", True, 272_000, 0.90, 0.15, 3),
    Area("Kensington and Chelsea", "KEN", "weak", False, 156_000, 0.95, -0.75, 2),
    Area("Westminster", "WES", "moderate", True, 261_000, 1.05, -0.15, 3),
)
assert all(a.integration_strength in schema.INTEGRATION_STRENGTHS for a in AREAS)
_STRENGTH = np.array([schema.INTEGRATION_STRENGTHS.index(a.integration_strength) for a in AREAS])
# by integration strength (strong, moderate, weak): referral multiplier, engagement log-odds,
# pre-job meeting rate multiplier, job sustainment multiplier
_REFERRAL_MULT = np.array([1.30, 1.00, 0.70])[_STRENGTH]
_ENGAGE_LOGIT = np.array([2.45, 2.0, 1.55])[_STRENGTH]
_MEETING_MULT = np.array([1.15, 1.00, 0.80])[_STRENGTH]
_SUSTAIN_MULT = np.array([1.15, 1.00, 0.90])[_STRENGTH]


# --------------------------------------------------------------------------- helpers
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


def _weekday(days: np.ndarray) -> np.ndarray:
    return (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0


def _back_to_weekday(days: np.ndarray) -> np.ndarray:
    """Move Saturday and Sunday back to the Friday before."""
    wd = _weekday(days)
    return days - np.where(wd >= 5, wd - 4, 0)


def _dates(days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    idx = pl.Series(np.clip(days - BASE, 0, len(_ISO) - 1).astype(np.uint32))
    if valid is not None:
        idx = idx.set(pl.Series(~valid), None)
    return _ISO.gather(idx)


def _codes(idx: np.ndarray, codes: tuple[str, ...] | list[str], valid: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(idx, dtype=np.uint32))
    if valid is not None:
        s = s.set(pl.Series(~valid), None)
    return pl.Series(list(codes), dtype=pl.Utf8).gather(s)


def _bools(values: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    return _codes(values.astype(np.uint32), ("no", "yes"), valid)


def _ints(values: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(values, dtype=np.int64)).cast(pl.Utf8)
    return s if valid is None else s.set(pl.Series(~valid), None)


def _nums(values: np.ndarray) -> pl.Series:
    """Numbers as written by hand: 20 not 20.0, 37.5 kept; NaN becomes blank."""
    s = pl.Series(np.asarray(values, dtype=float), nan_to_null=True)
    whole = s.round(0) == s
    return pl.select(
        pl.when(whole).then(s.cast(pl.Int64, strict=False).cast(pl.Utf8)).otherwise(s.cast(pl.Utf8))
    ).to_series()


def _missing(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Mask of values present (True) with about `share` blank."""
    return rng.random(n) >= share


# --------------------------------------------------------------------------- staff
@dataclass
class _Staff:
    ids: list[str]
    area: np.ndarray
    fte: np.ndarray
    start: np.ndarray
    end: np.ndarray  # -1 = still in post
    post_area: np.ndarray
    post_fte: np.ndarray
    holder1: np.ndarray  # staff index holding the post first
    holder2: np.ndarray  # staff index after the change (== holder1 if none)
    change: np.ndarray  # day the post changed hands (_NO_CHANGE if never)


def _staff(rng: np.random.Generator) -> _Staff:
    ids: list[str] = []
    area, fte, start, end = [], [], [], []
    post_area, post_fte, holder1, holder2, change = [], [], [], [], []
    fte_values = np.array([1.0, 0.8, 0.6, 0.5])
    for a, spec in enumerate(AREAS):
        k = 0
        for _ in range(spec.posts):
            f1, f2 = rng.choice(fte_values, size=2, p=[0.62, 0.2, 0.1, 0.08])
            s1 = int(_back_to_weekday(np.array([START - int(rng.integers(0, 100))]))[0])
            changes = rng.random() < 0.35
            c = int(rng.integers(_d(date(2019, 9, 1)), _d(date(2021, 10, 1)))) if changes else _NO_CHANGE
            k += 1
            h1 = len(ids)
            ids.append(f"ES-{spec.code}-{k:02d}")
            area.append(a)
            fte.append(f1)
            start.append(s1)
            end.append(c - 1 if changes else -1)
            h2 = h1
            if changes:
                k += 1
                h2 = len(ids)
                ids.append(f"ES-{spec.code}-{k:02d}")
                area.append(a)
                fte.append(f2)
                start.append(c)
                end.append(-1)
            post_area.append(a)
            post_fte.append(f1)
            holder1.append(h1)
            holder2.append(h2)
            change.append(c)
    arr = np.array
    return _Staff(
        ids,
        arr(area),
        arr(fte),
        arr(start),
        arr(end),
        arr(post_area),
        arr(post_fte),
        arr(holder1),
        arr(holder2),
        arr(change),
    )


def _holder(staff: _Staff, post: np.ndarray, days: np.ndarray) -> np.ndarray:
    return np.where(days < staff.change[post], staff.holder1[post], staff.holder2[post])


# --------------------------------------------------------------------------- clients
_TSLJ = schema.TIME_SINCE_LAST_JOB
_TSLJ_BY_AGE = np.array(  # rows: aged under 30, 30-49, 50 and over
    [
        _p(
            _TSLJ,
            {
                "never_worked": 22,
                "under_1y": 18,
                "1_to_2y": 16,
                "2_to_5y": 19,
                "5_to_10y": 13,
                "over_10y": 6,
                "unknown": 6,
            },
        ),
        _p(
            _TSLJ,
            {
                "never_worked": 6,
                "under_1y": 10,
                "1_to_2y": 10,
                "2_to_5y": 20,
                "5_to_10y": 24,
                "over_10y": 25,
                "unknown": 5,
            },
        ),
        _p(
            _TSLJ,
            {
                "never_worked": 4,
                "under_1y": 7,
                "1_to_2y": 7,
                "2_to_5y": 15,
                "5_to_10y": 22,
                "over_10y": 40,
                "unknown": 5,
            },
        ),
    ]
)
_SUBSTANCE_YOUNG = _p(
    schema.SUBSTANCES,
    {"alcohol": 22, "opiates": 6, "crack": 10, "cocaine": 27, "cannabis": 27, "other": 6, "unknown": 2},
)
_SUBSTANCE_OLDER = _p(
    schema.SUBSTANCES,
    {"alcohol": 45, "opiates": 23, "crack": 13, "cocaine": 8, "cannabis": 5, "other": 4, "unknown": 2},
)


@dataclass
class _Clients:
    n: int
    area: np.ndarray
    ref: np.ndarray
    source: np.ndarray
    engaged: np.ndarray
    eng: np.ndarray  # -1 = never engaged
    emp: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    eth: np.ndarray
    sub: np.ndarray
    treat: np.ndarray
    tslj: np.ndarray
    ben: np.ndarray
    gp: np.ndarray
    ae: np.ndarray
    housing: np.ndarray
    conv: np.ndarray
    conf: np.ndarray
    qual: np.ndarray
    post: np.ndarray


def _referral_days(rng: np.random.Generator, n: int) -> np.ndarray:
    days = np.arange(START, CUT + 1)
    w = np.where(_weekday(days) < 5, 1.0, 0.0)
    w *= 0.55 + 0.45 * np.minimum(1.0, (days - START) / 120)  # service ramping up
    w *= 1.0 + 0.12 * (days - START) / (CUT - START)  # slow growth
    w[(days >= _LOCKDOWN[0]) & (days < _d(date(2020, 7, 1)))] *= 0.35
    w[(days >= _d(date(2020, 7, 1))) & (days < _d(date(2020, 10, 1)))] *= 0.75
    for y in (2019, 2020, 2021):
        w[(days >= _d(date(y, 12, 21))) & (days <= _d(date(y + 1, 1, 2)))] *= 0.4
    return np.sort(rng.choice(days, size=n, p=w / w.sum()))


def _clients(rng: np.random.Generator, n: int, staff: _Staff) -> _Clients:
    """Who is referred, when and where, with characteristics that hang together (age shapes
    substance and work history; recent work shapes confidence and being employed at referral)."""
    weights = np.array([a.caseload for a in AREAS]) * _REFERRAL_MULT
    area = rng.choice(len(AREAS), size=n, p=weights / weights.sum())
    ref = _referral_days(rng, n)
    age = np.round(18 + 52 * rng.beta(3.0, 4.1, size=n)).astype(np.int64)
    age_group = np.digitize(age, [30, 50])
    young = age < 35
    sex = rng.choice(
        len(schema.SEXES),
        size=n,
        p=_p(schema.SEXES, {"male": 65, "female": 33.5, "other": 0.5, "unknown": 1}),
    )
    eth = rng.choice(
        len(schema.ETHNICITIES),
        size=n,
        p=_p(
            schema.ETHNICITIES,
            {"white": 53, "black": 18, "asian": 13, "mixed": 7, "other": 6.5, "unknown": 2.5},
        ),
    )
    sub = np.where(
        young,
        rng.choice(len(schema.SUBSTANCES), size=n, p=_SUBSTANCE_YOUNG),
        rng.choice(len(schema.SUBSTANCES), size=n, p=_SUBSTANCE_OLDER),
    )
    treat = rng.choice(
        len(schema.TREATMENT_STATUSES),
        size=n,
        p=_p(
            schema.TREATMENT_STATUSES,
            {"in_treatment": 72, "completed_treatment": 14, "not_in_treatment": 11, "unknown": 3},
        ),
    )
    tslj = _draw_rows(rng, _TSLJ_BY_AGE[age_group])
    recent = tslj == _ix(schema.TIME_SINCE_LAST_JOB, "under_1y")
    emp = rng.random(n) < np.where(recent, 0.30, 0.02)
    ben_emp = _p(schema.BENEFITS, {"in_work": 55, "none": 40, "unknown": 5})
    ben_not = _p(schema.BENEFITS, {"out_of_work": 84, "none": 11, "in_work": 1, "unknown": 4})
    ben = np.where(
        emp,
        rng.choice(len(schema.BENEFITS), size=n, p=ben_emp),
        rng.choice(len(schema.BENEFITS), size=n, p=ben_not),
    )
    housing = rng.choice(
        len(schema.HOUSING_TENURES),
        size=n,
        p=_p(
            schema.HOUSING_TENURES,
            {
                "owner": 5,
                "social_rent": 32,
                "private_rent": 20,
                "supported_temporary": 20,
                "homeless": 7,
                "other": 12,
                "unknown": 4,
            },
        ),
    )
    homeless = housing == _ix(schema.HOUSING_TENURES, "homeless")
    is_alcohol = sub == _ix(schema.SUBSTANCES, "alcohol")
    gp = rng.random(n) < 0.55 + 0.1 * is_alcohol
    ae = rng.random(n) < 0.11 + 0.08 * is_alcohol + 0.1 * homeless
    male = sex == _ix(schema.SEXES, "male")
    hard_drugs = np.isin(sub, [_ix(schema.SUBSTANCES, s) for s in ("crack", "opiates")])
    conv = rng.random(n) < _expit(-0.55 + 0.6 * male + 0.7 * hard_drugs + 0.5 * homeless)
    qual = rng.choice(
        len(schema.QUALIFICATIONS),
        size=n,
        p=_p(
            schema.QUALIFICATIONS,
            {"none": 27, "level_1_2": 33, "level_3": 18, "level_4_plus": 14, "other": 5, "unknown": 3},
        ),
    )
    tslj_conf = _e(
        schema.TIME_SINCE_LAST_JOB,
        {"never_worked": -0.8, "under_1y": 1.4, "1_to_2y": 0.8, "5_to_10y": -0.5, "over_10y": -1.0},
    )
    conf = np.clip(
        np.round(5.0 + tslj_conf[tslj] - 0.9 * homeless + 0.6 * emp + rng.normal(0, 2.2, n)), 0, 10
    ).astype(np.int64)
    source = rng.choice(
        len(schema.REFERRAL_SOURCES),
        size=n,
        p=_p(
            schema.REFERRAL_SOURCES,
            {
                "drug_alcohol_service": 76,
                "self": 8,
                "gp_health": 4,
                "criminal_justice": 5,
                "jobcentre": 4,
                "other": 2,
                "unknown": 1,
            },
        ),
    )
    das = source == _ix(schema.REFERRAL_SOURCES, "drug_alcohol_service")
    p_eng = _expit(_ENGAGE_LOGIT[area] + 0.08 * (conf - 5) - 0.4 * homeless + 0.25 * das - 0.25)
    delay = np.minimum(1 + rng.geometric(1 / 15, size=n), 120)
    eng = _back_to_weekday(ref + delay)
    engaged = (rng.random(n) < p_eng) & (eng <= CUT)
    eng = np.where(engaged, np.maximum(eng, ref), -1)
    # each client joins one specialist post in their borough, weighted by the post's hours
    post = np.zeros(n, dtype=np.int64)
    for a in range(len(AREAS)):
        members = np.flatnonzero(area == a)
        posts = np.flatnonzero(staff.post_area == a)
        w = staff.post_fte[posts]
        post[members] = rng.choice(posts, size=members.size, p=w / w.sum())
    return _Clients(
        n, area, ref, source, engaged, eng, emp, age, sex, eth, sub, treat, tslj, ben, gp, ae,
        housing, conv, conf, qual, post,
    )  # fmt: skip


# --------------------------------------------------------------------------- careers
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


# --------------------------------------------------------------------------- employers
_SECTORS = (
    "hospitality",
    "retail",
    "construction",
    "care",
    "logistics",
    "cleaning",
    "office",
    "security",
    "manufacturing",
    "transport",
    "grounds maintenance",
    "charity and peer support",
)
_SECTOR_BASE = np.array([16, 14, 11, 10, 10, 10, 7, 5, 4, 5, 4, 4], dtype=float)
_SECTOR_MALE = np.array([1, 1, 2.2, 0.5, 1.4, 0.9, 0.8, 1.5, 1.2, 1.5, 1.5, 1], dtype=float)
_SECTOR_FEMALE = np.array([1.1, 1.2, 0.15, 2.4, 0.6, 1.2, 1.5, 0.4, 0.8, 0.4, 0.4, 1.2], dtype=float)
_SECTOR_P_MALE = _SECTOR_BASE * _SECTOR_MALE / (_SECTOR_BASE * _SECTOR_MALE).sum()
_SECTOR_P_FEMALE = _SECTOR_BASE * _SECTOR_FEMALE / (_SECTOR_BASE * _SECTOR_FEMALE).sum()
_SELF_EMP_SECTORS = [
    _SECTORS.index(s) for s in ("construction", "cleaning", "grounds maintenance", "transport")
]
_NAME_FIRST = (
    "Ash", "Birch", "Bramble", "Cedar", "Elder", "Fern", "Hazel", "Holly", "Juniper", "Larch",
    "Linden", "Maple", "Rowan", "Sorrel", "Thistle", "Willow", "Alder", "Heron", "Kestrel", "Plover",
    "Wren", "Fallow", "Marten", "Quill",
)  # fmt: skip
_NAME_SECOND = (
    "brook",
    "field",
    "gate",
    "hurst",
    "mead",
    "stead",
    "vale",
    "wick",
    "well",
    "ridge",
    "cote",
    "moor",
)
_SECTOR_NOUNS = {
    "hospitality": ("Kitchen", "Café", "Bistro", "Hotel", "Catering", "Dining Rooms"),
    "retail": ("Stores", "Market", "Home & Garden", "Mini Mart", "Outlet", "Hardware"),
    "construction": ("Builders", "Construction", "Groundworks", "Scaffolding", "Roofing", "Interiors"),
    "care": ("Care", "Home Care", "Care Home", "Support Services", "Lodge Care"),
    "logistics": ("Logistics", "Distribution", "Couriers", "Freight", "Warehousing"),
    "cleaning": ("Cleaning Services", "Facilities", "Hygiene", "Window Cleaning"),
    "office": ("Associates", "Consulting", "Property Management", "Office Services", "Accounts"),
    "security": ("Security", "Guarding", "Door Services"),
    "manufacturing": ("Joinery", "Print Works", "Bakery", "Engineering", "Metalworks"),
    "transport": ("Cars", "Transport", "Coaches", "Removals"),
    "grounds maintenance": ("Landscapes", "Gardening", "Grounds Maintenance", "Tree Care"),
    "charity and peer support": ("Recovery Trust", "Community Project", "Foundation", "Peer Network"),
}
_SUFFIXES = ("Ltd", "Ltd", "Ltd", "", "& Co", "Group", "Ltd", "CIC")


def _employer_pool(
    rng: np.random.Generator, per_sector: int = 40
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Fictitious employer names by sector: (names, offset of each sector, count per sector)."""
    names: list[str] = []
    offsets, counts = [], []
    for sector in _SECTORS:
        seen: set[str] = set()
        nouns = _SECTOR_NOUNS[sector]
        while len(seen) < per_sector:
            first = (
                _NAME_FIRST[rng.integers(len(_NAME_FIRST))] + _NAME_SECOND[rng.integers(len(_NAME_SECOND))]
            )
            suffix = _SUFFIXES[rng.integers(len(_SUFFIXES))]
            if sector == "charity and peer support":
                suffix = ""
            seen.add(f"{first} {nouns[rng.integers(len(nouns))]} {suffix}".strip())
        offsets.append(len(names))
        counts.append(per_sector)
        names.extend(sorted(seen))
    return names, np.array(offsets), np.array(counts)


# --------------------------------------------------------------------------- meetings
# Rows are made a slice of clients at a time: large fresh arrays are slow to touch on small
# machines, and small temporaries are reused. The chunk size is fixed so output never depends on it.
_CHUNK = 50_000


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


# --------------------------------------------------------------------------- wellbeing
_TOP = ("psychological_health", "physical_health", "quality_of_life")
_TOP_DAYS = ("days_alcohol", "days_opiates", "days_crack", "days_cocaine", "days_cannabis", "days_other")
_SURE_ITEMS = {
    "substance_use": 6,
    "self_care": 5,
    "relationships": 4,
    "material_resources": 3,
    "outlook_on_life": 3,
}
_MEASURES = {"TOP": _TOP + _TOP_DAYS, "SURE": (*_SURE_ITEMS, "total")}
_WIDEST = max(len(m) for m in _MEASURES.values())
_SMALL_INTS = tuple(str(i) for i in range(100))


def _wellbeing(rng: np.random.Generator, c: _Clients, k: _Careers, client_ids: pl.Series) -> pl.DataFrame:
    """Baseline near engagement and a follow-up near six months, in long format."""
    n = c.n
    latent = 0.45 * (c.conf - 5) / 2.5 + rng.normal(0, 0.9, n)
    strong = _STRENGTH[c.area] == 0
    has = {
        "TOP": c.engaged & (rng.random(n) < 0.68),
        "SURE": c.engaged & (rng.random(n) < np.where(strong, 0.45, 0.28)),
    }
    base_day = _back_to_weekday(np.maximum(c.eng, 0) + rng.integers(0, 22, size=n))
    fu_day = _back_to_weekday(base_day + 182 + rng.integers(-21, 22, size=n))
    still = (k.dis < 0) | (fu_day <= k.dis + 14)
    has_fu = (fu_day <= CUT) & still & (rng.random(n) < 0.7)
    job_by_fu = (k.job1 >= 0) & (k.job1 <= fu_day)
    in_treatment = c.treat == _ix(schema.TREATMENT_STATUSES, "in_treatment")
    # which TOP days column is the client's main substance (-1 = none, e.g. unknown)
    main_col = np.array(
        [_TOP_DAYS.index(f"days_{s}") if f"days_{s}" in _TOP_DAYS else -1 for s in schema.SUBSTANCES]
    )
    a_cid, a_slot, a_day, a_inst, a_scores = [], [], [], [], []
    for inst_i, inst in enumerate(_MEASURES):
        ids = np.flatnonzero(has[inst] & (base_day <= CUT))
        w = latent[ids]
        job = job_by_fu[ids]
        if inst == "TOP":
            base = 9.5 + np.array([2.6, 2.2, 2.6]) * w[:, None] + rng.normal(0, 2.0, (ids.size, 3))
            base[:, 1] += 1.0
            days = np.where(
                rng.random((ids.size, 6)) < 0.15, rng.integers(1, 10, size=(ids.size, 6)), 0
            ).astype(float)
            main = main_col[c.sub[ids]]
            with_main = np.flatnonzero(main >= 0)
            main_days = np.round(rng.normal(12, 8, ids.size) * np.where(in_treatment[ids], 0.8, 1.0))
            days[with_main, main[with_main]] = np.clip(main_days[with_main], 0, 28)
            gain = 0.8 + 1.6 * job + rng.normal(0, 1.2, ids.size)
            fu = base + gain[:, None] + rng.normal(0, 1.8, (ids.size, 3))
            fu_days = days * rng.uniform(0.4, 1.1, size=(ids.size, 1)) * np.where(job, 0.75, 1.0)[:, None]
            hi = np.r_[np.full(3, 20), np.full(6, 28)]
            b = np.clip(np.round(np.column_stack([base, days])), 0, hi)
            f = np.clip(np.round(np.column_stack([fu, fu_days])), 0, hi)
        else:
            items = np.array(list(_SURE_ITEMS.values()), dtype=float)
            mean = 2.0 + 0.35 * w[:, None] + rng.normal(0, 0.3, (ids.size, items.size))
            gain = 0.08 + 0.12 * job[:, None] + rng.normal(0, 0.12, (ids.size, items.size))
            bd = np.clip(np.round(items * mean), items, 3 * items)
            fd = np.clip(np.round(items * (mean + gain)), items, 3 * items)
            b = np.column_stack([bd, bd.sum(axis=1)])
            f = np.column_stack([fd, fd.sum(axis=1)])
        fu_ids = has_fu[ids]
        for slot, who, day, scores in (
            (0, ids, base_day[ids], b),
            (2, ids[fu_ids], fu_day[ids[fu_ids]], f[fu_ids]),
        ):
            a_cid.append(who)
            a_slot.append(np.full(who.size, slot + inst_i))  # TOP then SURE at baseline, then follow-up
            a_day.append(day)
            a_inst.append(np.full(who.size, inst_i))
            padded = np.zeros((who.size, _WIDEST), dtype=np.int64)
            padded[:, : scores.shape[1]] = scores
            a_scores.append(padded)
    cid, slot, day, inst = (np.concatenate(x) for x in (a_cid, a_slot, a_day, a_inst))
    order = np.argsort(cid * 4 + slot, kind="stable")
    cid, day, inst, scores = cid[order], day[order], inst[order], np.concatenate(a_scores)[order]
    n_measures = np.array([len(m) for m in _MEASURES.values()])
    offsets = np.cumsum(n_measures) - n_measures
    measures = [m for ms in _MEASURES.values() for m in ms]
    parts = []
    for lo in range(0, cid.size, 4 * _CHUNK):
        sl = slice(lo, lo + 4 * _CHUNK)
        present = np.arange(_WIDEST)[None, :] < n_measures[inst[sl]][:, None]
        a, column = np.nonzero(present)
        frame = {
            "client_id": client_ids.gather(pl.Series(cid[sl][a], dtype=pl.UInt32)),
            "assessment_date": _dates(day[sl][a]),
            "instrument": _codes(inst[sl][a], tuple(_MEASURES)),
            "measure": _codes(offsets[inst[sl]][a] + column, measures),
            "score": _codes(scores[sl][present], _SMALL_INTS),
        }
        parts.append(pl.DataFrame(frame))
    if not parts:
        return pl.DataFrame(schema=dict.fromkeys(schema.WELLBEING.column_names, pl.Utf8))
    return pl.concat(parts, rechunk=False)


# --------------------------------------------------------------------------- employer contacts, fidelity
def _employer_contacts(rng: np.random.Generator, staff: _Staff, n_employers: int) -> tuple[np.ndarray, ...]:
    sid, days = [], []
    for s in range(len(staff.ids)):
        first = max(int(staff.start[s]), START - 30)
        last = CUT if staff.end[s] < 0 else min(int(staff.end[s]), CUT)
        weeks = max(last - first, 0) / 7
        count = rng.poisson(3.0 * staff.fte[s] * weeks)
        d = rng.integers(first, last + 1, size=count)
        keep = ~((d >= _LOCKDOWN[0]) & (d < _LOCKDOWN[1])) | (rng.random(count) < 0.45)
        d = np.sort(_back_to_weekday(d[keep]))
        d = np.maximum(d, first)
        sid.append(np.full(d.size, s))
        days.append(d)
    sid_a, day_a = np.concatenate(sid), np.concatenate(days)
    remote = (day_a >= _REMOTE[0]) & (day_a < _REMOTE[1])
    f2f = rng.random(day_a.size) < np.where(remote, 0.3, 0.74)
    employer = rng.integers(0, n_employers, size=day_a.size)
    return sid_a, day_a, employer, f2f


_REVIEWERS = ("JH and PM", "KS and AO", "LR and DT", "NB and CF")


def _fidelity(rng: np.random.Generator) -> pl.DataFrame:
    item_offset = rng.normal(0, 0.35, 25)
    item_offset[[9, 10]] -= 0.4  # integration items are the hardest to score well on
    rows = []
    for a, spec in enumerate(AREAS):
        strength = _STRENGTH[a]
        mean = (4.05, 3.7, 3.25)[strength] + 0.15 * spec.job_effect
        n_reviews = 2 if strength == 0 or rng.random() < 0.5 else 1
        for r in range(n_reviews):
            windows = ((2019, (10, 1), (12, 13)), (2021, (9, 1), (12, 10)))
            y, lo, hi = windows[r if n_reviews == 2 else int(rng.integers(2))]
            day = int(_back_to_weekday(np.array([rng.integers(_d(date(y, *lo)), _d(date(y, *hi)))]))[0])
            integ = -0.5 * strength * np.isin(np.arange(25), (9, 10))
            scores = np.clip(np.round(mean + 0.2 * r + item_offset + integ + rng.normal(0, 0.55, 25)), 1, 5)
            reviewer = _REVIEWERS[rng.integers(len(_REVIEWERS))]
            rows.append((spec.name, day, scores.astype(np.int64), reviewer))
    return pl.DataFrame(
        {
            "team": [r[0] for r in rows for _ in range(25)],
            "review_date": pl.concat([_dates(np.full(25, r[1])) for r in rows]),
            "item": [str(i) for _ in rows for i in range(1, 26)],
            "score": [str(s) for r in rows for s in r[2]],
            "reviewer": [r[3] for r in rows for _ in range(25)],
        }
    )


# --------------------------------------------------------------------------- assembly
@dataclass
class _Generated:
    tables: dict[str, pl.DataFrame]
    problems: list[dict[str, Any]]
    variants: list[dict[str, Any]]


def _client_ids(n: int) -> pl.Series:
    width = max(5, len(str(n)))
    number = pl.int_range(1, n + 1).cast(pl.Utf8).str.zfill(width)
    return pl.select((pl.lit("IPS") + number).alias("client_id")).to_series()


def _generate(n_clients: int, seed: int, clean: bool, meetings_per_client: float | None) -> _Generated:
    if n_clients < 20:
        raise ValueError("n_clients must be at least 20")
    names = (
        "staff",
        "clients",
        "careers",
        "meetings",
        "wellbeing",
        "contacts",
        "fidelity",
        "employers",
        "blanks",
        "inject",
    )
    rngs = dict(
        zip(
            names,
            (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(names))),
            strict=True,
        )
    )
    staff = _staff(rngs["staff"])
    c = _clients(rngs["clients"], n_clients, staff)
    k = _careers(rngs["careers"], c)
    plan = _meeting_plan(rngs["meetings"], c, k, staff, meetings_per_client)
    employers, emp_offset, emp_count = _employer_pool(rngs["employers"])
    ids = _client_ids(n_clients)
    staff_ids = pl.Series(staff.ids, dtype=pl.Utf8)
    n = n_clients
    blank = rngs["blanks"]

    def opt(share: float) -> np.ndarray:
        return _missing(blank, n, share)

    clients = pl.DataFrame(
        {
            "client_id": ids,
            "local_authority": _codes(c.area, [a.name for a in AREAS]),
            "referral_date": _dates(c.ref),
            "referral_source": _codes(c.source, schema.REFERRAL_SOURCES, opt(0.01)),
            "engagement_date": _dates(c.eng, c.engaged),
            "discharge_date": _dates(k.dis, k.dis >= 0),
            "discharge_reason": _codes(k.reason, schema.DISCHARGE_REASONS, (k.reason >= 0) & opt(0.02)),
            "employed_at_referral": _bools(c.emp, opt(0.01)),
            "age": _ints(c.age, opt(0.01)),
            "sex": _codes(c.sex, schema.SEXES, opt(0.005)),
            "ethnicity": _codes(c.eth, schema.ETHNICITIES, opt(0.03)),
            "main_substance": _codes(c.sub, schema.SUBSTANCES, opt(0.01)),
            "treatment_status": _codes(c.treat, schema.TREATMENT_STATUSES, opt(0.02)),
            "time_since_last_job": _codes(c.tslj, schema.TIME_SINCE_LAST_JOB, opt(0.03)),
            "benefits": _codes(c.ben, schema.BENEFITS, opt(0.02)),
            "gp_visit_recent": _bools(c.gp, opt(0.04)),
            "ae_visit_recent": _bools(c.ae, opt(0.04)),
            "housing_tenure": _codes(c.housing, schema.HOUSING_TENURES, opt(0.03)),
            "criminal_conviction": _bools(c.conv, opt(0.05)),
            "work_confidence": _ints(c.conf, opt(0.05)),
            "highest_qualification": _codes(c.qual, schema.QUALIFICATIONS, opt(0.05)),
            "employment_specialist_id": staff_ids.gather(_holder(staff, c.post, c.ref)),
        }
    )
    meetings = _meetings(rngs["meetings"], plan, ids, staff_ids)
    emp_rng = rngs["employers"]
    emp_idx = emp_offset[k.jobs_sector] + emp_rng.integers(0, emp_count[k.jobs_sector])
    jobs = pl.DataFrame(
        {
            "client_id": ids.gather(k.jobs_cid),
            "start_date": _dates(k.jobs_start),
            "end_date": _dates(k.jobs_end, k.jobs_end >= 0),
            "hours_per_week": _nums(k.jobs_hours),
            "employer": _codes(emp_idx, employers, ~k.jobs_self),
            "sector": _codes(k.jobs_sector, _SECTORS),
            "self_employed": _bools(k.jobs_self),
        }
    )
    wellbeing = _wellbeing(rngs["wellbeing"], c, k, ids)
    areas = pl.DataFrame(
        {
            "local_authority": [a.name for a in AREAS],
            "integration_strength": [a.integration_strength for a in AREAS],
            "co_located": ["yes" if a.co_located else "no" for a in AREAS],
            "population": [str(a.population) for a in AREAS],
        }
    )
    staff_df = pl.DataFrame(
        {
            "employment_specialist_id": staff_ids,
            "local_authority": _codes(staff.area, [a.name for a in AREAS]),
            "fte": _nums(staff.fte),
            "start_date": _dates(staff.start),
            "end_date": _dates(staff.end, staff.end >= 0),
        }
    )
    e_sid, e_day, e_emp, e_f2f = _employer_contacts(rngs["contacts"], staff, len(employers))
    contacts = pl.DataFrame(
        {
            "employment_specialist_id": staff_ids.gather(e_sid),
            "contact_date": _dates(e_day),
            "employer": _codes(e_emp, employers),
            "face_to_face": _bools(e_f2f),
        }
    )
    tables = {
        "clients": clients,
        "meetings": meetings,
        "jobs": jobs,
        "wellbeing": wellbeing,
        "areas": areas,
        "fidelity": _fidelity(rngs["fidelity"]),
        "staff": staff_df,
        "employer_contacts": contacts,
    }
    for name, df in tables.items():
        assert df.columns == schema.TABLES[name].column_names, name
    if clean:
        return _Generated(tables, [], [])
    ctx = {"c": c, "k": k, "plan": plan, "staff": staff}
    return _inject(tables, ctx, rngs["inject"])


# --------------------------------------------------------------------------- injected faults
class _Editor:
    """Collects cell edits by 0-based row, applies them one column at a time, then insertions."""

    def __init__(self, tables: dict[str, pl.DataFrame], rng: np.random.Generator) -> None:
        self.tables = tables
        self.rng = rng
        self.edits: dict[tuple[str, str], dict[int, str]] = {}
        self.inserts: list[tuple[str, int, dict[str, Any]]] = []
        self.records: list[dict[str, Any]] = []
        self.used: dict[str, set[int]] = {t: set() for t in tables}

    def pick(self, table: str, eligible: np.ndarray | Callable[[int], bool], count: int = 1) -> list[int]:
        """`count` distinct rows, not already edited, that are eligible: a mask, or a test tried
        on random rows (so a 25M-row table needs no full-length mask). [] if too few are found."""
        if isinstance(eligible, np.ndarray):
            rows = np.flatnonzero(eligible)
            size = rows.size

            def row_at(i: int) -> int:
                return int(rows[i])

            def test(r: int) -> bool:
                return True
        else:
            size = self.tables[table].height
            row_at, test = int, eligible
        chosen: list[int] = []
        for _ in range(5000 * count):
            if len(chosen) == count or not size:
                break
            r = row_at(self.rng.integers(size))
            if r not in self.used[table] and r not in chosen and test(r):
                chosen.append(r)
        if len(chosen) < count:
            return []
        self.used[table].update(chosen)
        return chosen

    def set(
        self, table: str, row: int, column: str, value: str, kind: str | None = None, detail: str = ""
    ) -> None:
        self.edits.setdefault((table, column), {})[row] = value
        self.used[table].add(row)
        record = {"table": table, "row": row, "column": column, "value": value}
        self.records.append(record if kind is None else {**record, "kind": kind, "detail": detail})

    def insert(
        self, table: str, pos: int, values: dict[str, Any], column: str, kind: str, detail: str
    ) -> None:
        self.inserts.append((table, pos, values))
        record = {
            "table": table,
            "row": pos,
            "column": column,
            "value": values[column],
            "kind": kind,
            "detail": detail,
        }
        self.records.append({**record, "inserted": True})

    def finish(self) -> _Generated:
        # rebuild each edited table from zero-copy slices around the changed rows, so a 25M-row
        # table is not copied for a handful of cells
        for table in {t for t, _ in self.edits} | {t for t, _, _ in self.inserts}:
            df = self.tables[table]
            changed: dict[int, dict[str, str]] = {}
            for (t, column), cells in self.edits.items():
                if t == table:
                    for r, value in cells.items():
                        changed.setdefault(r, {})[column] = value
            events = [(p, 0, values) for t, p, values in self.inserts if t == table]
            events += [(r, 1, values) for r, values in changed.items()]
            pieces, done = [], 0
            for pos, is_edit, values in sorted(events, key=lambda e: (e[0], e[1])):
                pieces.append(df.slice(done, pos - done))
                row = df.row(pos, named=True) if is_edit else {}
                row.update(values)
                pieces.append(pl.DataFrame({col: [row.get(col)] for col in df.columns}, schema=df.schema))
                done = pos + is_edit
            pieces.append(df.slice(done))
            self.tables[table] = pl.concat(pieces, rechunk=df.height < 1_000_000)
        # rows as the user sees them: shifted by insertions above, header = row 1
        problems, variants = [], []
        for rec in self.records:
            inserted = rec.pop("inserted", False)
            shift = sum(
                1
                for t, p, _ in self.inserts
                if t == rec["table"] and (p < rec["row"] or (p == rec["row"] and not inserted))
            )
            out = {**rec, "row": rec["row"] + shift + 2}
            (problems if "kind" in rec else variants).append(out)

        def key(r: dict[str, Any]) -> tuple[int, int, str]:
            return DEMO_TABLES.index(r["table"]), r["row"], r["column"]

        return _Generated(self.tables, sorted(problems, key=key), sorted(variants, key=key))


def _iso(day: int) -> str:
    return (_EPOCH + timedelta(days=int(day))).isoformat()


def _uk(day: int) -> str:
    return (_EPOCH + timedelta(days=int(day))).strftime("%d/%m/%Y")


def _client_index(client_id: str) -> int:
    return int(client_id[3:]) - 1


def _inject(tables: dict[str, pl.DataFrame], ctx: dict[str, Any], rng: np.random.Generator) -> _Generated:
    """Realistic data-entry faults (recorded as problems) and accepted variants (not problems)."""
    c: _Clients = ctx["c"]
    k: _Careers = ctx["k"]
    staff: _Staff = ctx["staff"]
    ed = _Editor(tables, rng)
    pick = ed.pick
    n = c.n
    clients, meetings, wellbeing = tables["clients"], tables["meetings"], tables["wellbeing"]
    ids = clients["client_id"]
    everyone = np.ones(n, dtype=bool)

    # ---- clients
    for r in pick("clients", c.engaged & (k.dis >= 0) & (k.dis + 14 <= CUT)):
        after = _iso(_back_to_weekday(np.array([k.dis[r] + 14]))[0])
        ed.set(
            "clients", r, "engagement_date", after, "engagement_after_discharge", "engaged after discharge"
        )
    for r in pick("clients", clients["age"].is_not_null().to_numpy()):
        ed.set("clients", r, "age", "140", "out_of_range", "age must be 16-99")
    for r in pick("clients", everyone):
        ed.set("clients", r, "sex", "M/F?", "invalid_code", "not a sex code")
    for r in pick("clients", everyone):
        ed.set("clients", r, "main_substance", "ketamine", "invalid_code", "not in the substance list")
    dups = pick("clients", np.arange(n) < n - 6)
    involved = np.isin(np.arange(n), sorted(ed.used["clients"]))
    for r in pick("clients", everyone, 3):
        ed.set("clients", r, "referral_date", _uk(c.ref[r]), None)
    for codes, col, code, written in (
        (schema.SEXES, "sex", "male", "Male"),
        (schema.SEXES, "sex", "male", "MALE"),
        (schema.SEXES, "sex", "female", "Female"),
        (schema.SUBSTANCES, "main_substance", "alcohol", " alcohol "),
        (schema.SUBSTANCES, "main_substance", "alcohol", "Alcohol"),
        (schema.SUBSTANCES, "main_substance", "cocaine", "Cocaine "),
    ):
        values = c.sex if col == "sex" else c.sub
        for r in pick("clients", (values == _ix(codes, code)) & clients[col].is_not_null().to_numpy()):
            ed.set("clients", r, col, written, None)
    for r in pick("clients", clients["criminal_conviction"].is_not_null().to_numpy(), 2):
        ed.set("clients", r, "criminal_conviction", "y" if c.conv[r] else "n", None)

    # ---- meetings, jobs, wellbeing: only for clients whose own row is clean, so each fault
    # is one problem and cross-table checks are not muddled by a rejected client row
    def meeting(r: int) -> tuple[int, int, str, str]:
        """(client index, day, attended, mode) of meeting row r."""
        cid, when, attended, mode, _ = meetings.row(r)
        return _client_index(cid), _d(date.fromisoformat(when)), attended, mode

    def first_meeting(r: int) -> bool:
        who, when, _, _ = meeting(r)
        if involved[who] or when != c.eng[who] or c.ref[who] <= START + 30:
            return False
        return r == 0 or meetings[r - 1, "client_id"] != meetings[r, "client_id"]

    def free_meeting(r: int, day_over_12: bool = False, mode: str = "", attended: str = "") -> bool:
        who, when, att, md = meeting(r)
        return (
            not involved[who]
            and (not day_over_12 or _ymd(when)[2] > 12)
            and (not mode or md == mode)
            and (not attended or att == attended)
        )

    for r in pick("meetings", first_meeting):
        before = _iso(_back_to_weekday(np.array([c.ref[meeting(r)[0]] - 9]))[0])
        ed.set("meetings", r, "meeting_date", before, "before_referral", "meeting before the referral")
    for r in pick("meetings", lambda r: free_meeting(r, day_over_12=True)):
        y, mo, dd = _ymd(meeting(r)[1])
        ed.set(
            "meetings", r, "meeting_date", f"{y}-{dd:02d}-{mo:02d}", "invalid_date", "day and month swapped"
        )
    for r in pick("meetings", free_meeting):
        ed.set("meetings", r, "attended", "maybe", "invalid_bool", "attended must be yes or no")
    for r in pick("meetings", free_meeting, 3):
        ed.set("meetings", r, "meeting_date", _uk(meeting(r)[1]), None)
    phone = pick("meetings", lambda r: free_meeting(r, mode="phone"), 2)
    for r, value in zip(phone, ("Phone", "PHONE"), strict=False):
        ed.set("meetings", r, "mode", value, None)
    for r in pick("meetings", lambda r: free_meeting(r, mode="face_to_face")):
        ed.set("meetings", r, "mode", "face_to_face ", None)
    for r in pick("meetings", lambda r: free_meeting(r, attended="yes")):
        ed.set("meetings", r, "attended", "y", None)

    free_job = ~involved[k.jobs_cid]
    for r in pick("jobs", free_job & (k.jobs_end >= 0)):
        wrong = k.jobs_end[r] - 365 if k.jobs_end[r] - 365 < k.jobs_start[r] else k.jobs_start[r] - 30
        ed.set("jobs", r, "end_date", _iso(wrong), "end_before_start", "job ends before it starts")
    for r in pick("jobs", free_job & ~np.isnan(k.jobs_hours)):
        ed.set("jobs", r, "hours_per_week", "95", "out_of_range", "hours must be 0-80")
    for r in pick("jobs", lambda r: bool(free_job[r]) and _ymd(k.jobs_start[r])[2] > 12):
        y, mo, dd = _ymd(k.jobs_start[r])
        ed.set("jobs", r, "start_date", f"{mo:02d}/{dd:02d}/{y}", "invalid_date", "month/day order (US)")
    for r in pick("jobs", free_job, 2):
        ed.set("jobs", r, "start_date", _uk(k.jobs_start[r]), None)

    def short_month(r: int) -> bool:
        cid, when = wellbeing.row(r)[:2]
        return not involved[_client_index(cid)] and int(when[5:7]) in (2, 4, 6, 9, 11)

    for r in pick("wellbeing", short_month):
        y, mo = wellbeing[r, "assessment_date"][:7].split("-")
        wrong = f"{y}-{mo}-{30 if mo == '02' else 31}"
        ed.set("wellbeing", r, "assessment_date", wrong, "invalid_date", "no such day in that month")

    # ---- fidelity, staff
    for r in pick("fidelity", tables["fidelity"]["score"].cast(pl.Int64).to_numpy() >= 4):
        ed.set("fidelity", r, "score", "7", "out_of_range", "item scores are 1-5")
    for r in pick("staff", np.ones(len(staff.ids), dtype=bool)):
        ed.set("staff", r, "start_date", _uk(staff.start[r]), None)

    # ---- inserted rows: a client entered twice, a meeting keyed to a mistyped client_id
    for dup in dups:
        row = clients.row(dup, named=True)
        ed.insert("clients", dup + 4, row, "client_id", "duplicate_id", f"same client_id as row {dup + 2}")
    rows_per_client = ctx["plan"].rows()
    last_row = np.cumsum(rows_per_client) - 1
    width = len(ids[0]) - 3
    typo = np.flatnonzero(~involved & (np.arange(1, n + 1) < 10 ** (width - 1)) & (rows_per_client > 0))
    if typo.size:
        who = int(typo[rng.integers(typo.size)])
        bad = "IPS" + ids[who][4:]  # the first zero after the prefix lost
        row = meetings.row(int(last_row[who]), named=True)
        row.update(client_id=bad, attended="yes", mode="phone")
        ed.insert("meetings", int(last_row[who]) + 1, row, "client_id", "unknown_client", f"no client {bad}")
    return ed.finish()


def _ymd(day: int) -> tuple[int, int, int]:
    d = _EPOCH + timedelta(days=int(day))
    return d.year, d.month, d.day


# --------------------------------------------------------------------------- public API
def generate_demo(
    n_clients: int = 718,
    seed: int = 2019,
    clean: bool = False,
    *,
    meetings_per_client: float | None = None,
) -> dict[str, pl.DataFrame]:
    """Every table of the standard except comparison, as text columns ready to write.

    Columns are named and ordered as in ``schema.TABLES``; dates are ISO, booleans yes/no, blanks
    null. ``clean=False`` adds a few valid variants and the invalid rows in :func:`injected_problems`.
    ``meetings_per_client`` sets the mean number of meeting rows per client (None = realistic).
    """
    return _generate(n_clients, seed, clean, meetings_per_client).tables


def injected_problems(
    n_clients: int = 718, seed: int = 2019, *, meetings_per_client: float | None = None
) -> list[dict[str, Any]]:
    """The invalid rows ``generate_demo(..., clean=False)`` injects for these arguments.

    Each is a dict: table, row (as the user sees it in the CSV: header = 1, first data row = 2),
    column, value, kind, detail.
    """
    return _generate(n_clients, seed, False, meetings_per_client).problems


def valid_variants(
    n_clients: int = 718, seed: int = 2019, *, meetings_per_client: float | None = None
) -> list[dict[str, Any]]:
    """Cells written in an accepted but non-canonical form (UK dates, other case, spaces)."""
    return _generate(n_clients, seed, False, meetings_per_client).variants


def interview_files() -> list[Path]:
    """The shipped demo interview transcripts."""
    folder = resources.files("ipseval") / "demo_data" / "interviews"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith((".md", ".txt")))


def write_demo(
    directory: str | Path,
    n_clients: int = 718,
    seed: int = 2019,
    clean: bool = False,
    interviews: bool = True,
    *,
    meetings_per_client: float | None = None,
) -> dict[str, int]:
    """Write ``<table>.csv`` for each demo table (and ``interviews/``); return data rows per table."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tables = generate_demo(n_clients, seed, clean, meetings_per_client=meetings_per_client)
    written: dict[str, int] = {}
    for name, df in tables.items():
        df.write_csv(out / f"{name}.csv", null_value="", line_terminator="\n", batch_size=65_536)
        written[name] = df.height
    if interviews:
        target = out / "interviews"
        target.mkdir(exist_ok=True)
        for path in interview_files():
            shutil.copyfile(path, target / path.name)
    return written


_DEFAULT_PROBLEMS: list[dict[str, Any]] | None = None


def __getattr__(name: str) -> Any:
    """``INJECTED_PROBLEMS``: the injected problems of the default demo (computed on first use)."""
    global _DEFAULT_PROBLEMS
    if name == "INJECTED_PROBLEMS":
        if _DEFAULT_PROBLEMS is None:
            _DEFAULT_PROBLEMS = injected_problems()
        return [dict(p) for p in _DEFAULT_PROBLEMS]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
