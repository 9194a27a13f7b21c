"""The referred population: who is referred, when and where, and characteristics that hang together.

Age shapes substance and work history, recent work shapes confidence; engagement and post follow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from ipseval import schema

from .areas import _ENGAGE_LOGIT, _REFERRAL_MULT, AREAS, _Staff
from .days import _LOCKDOWN, CUT, START, _back_to_weekday, _d, _weekday
from .draws import _draw_rows, _e, _expit, _ix, _p

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


def _client_ids(n: int) -> pl.Series:
    width = max(5, len(str(n)))
    number = pl.int_range(1, n + 1).cast(pl.Utf8).str.zfill(width)
    return pl.select((pl.lit("IPS") + number).alias("client_id")).to_series()
