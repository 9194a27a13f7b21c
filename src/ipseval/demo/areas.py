"""The eight boroughs (integration strength, size, borough job effect) and their specialist posts.

Borough and staffing parameters drive referrals, engagement, meetings and jobs, so they sit together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from ipseval import schema

from .days import _NO_CHANGE, START, _back_to_weekday, _d


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
