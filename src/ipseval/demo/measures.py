"""Measures of clients and teams: wellbeing (TOP and SURE, baseline and follow-up) and fidelity reviews.

Wellbeing improves more for clients who found work; fidelity tracks each borough's integration."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from ipseval import schema

from .areas import _STRENGTH, AREAS
from .careers import _Careers
from .clients import _Clients
from .columns import _CHUNK, _codes, _dates
from .days import CUT, _back_to_weekday, _d
from .draws import _ix

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


_REVIEWERS = ("JH and PM", "KS and AO", "LR and DT", "NB and CF")
_INTEGRATION_ITEMS = (3, 4)  # 0-based: items 4 and 5 (integration with treatment)


def _fidelity(rng: np.random.Generator) -> pl.DataFrame:
    item_offset = rng.normal(0, 0.35, 25)
    # the integration items (4 and 5 in the scale's order) are the hardest to score well on
    item_offset[list(_INTEGRATION_ITEMS)] -= 0.4
    rows = []
    for a, spec in enumerate(AREAS):
        strength = _STRENGTH[a]
        mean = (4.05, 3.7, 3.25)[strength] + 0.15 * spec.job_effect
        n_reviews = 2 if strength == 0 or rng.random() < 0.5 else 1
        for r in range(n_reviews):
            windows = ((2019, (10, 1), (12, 13)), (2021, (9, 1), (12, 10)))
            y, lo, hi = windows[r if n_reviews == 2 else int(rng.integers(2))]
            day = int(_back_to_weekday(np.array([rng.integers(_d(date(y, *lo)), _d(date(y, *hi)))]))[0])
            integ = -0.5 * strength * np.isin(np.arange(25), _INTEGRATION_ITEMS)
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
