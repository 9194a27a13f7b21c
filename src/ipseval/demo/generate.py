"""Assembly: one random stream per part, the parts generated in a fixed order, then the tables built.

The order and the per-part streams are what make a seed give the same data set every time."""

from __future__ import annotations

import numpy as np
import polars as pl

from ipseval import schema

from .areas import AREAS, _holder, _staff
from .careers import _careers
from .clients import _client_ids, _clients
from .columns import _bools, _codes, _dates, _ints, _nums
from .draws import _missing
from .employers import _SECTORS, _employer_contacts, _employer_pool
from .faults import _Generated, _inject
from .measures import _fidelity, _wellbeing
from .meetings import _meeting_plan, _meetings

MIN_CLIENTS = 20  # fewer leaves some of the demo's areas, bands and faults without anyone


def _generate(n_clients: int, seed: int, clean: bool, meetings_per_client: float | None) -> _Generated:
    if n_clients < MIN_CLIENTS:
        raise ValueError(f"n_clients must be at least {MIN_CLIENTS}")
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
