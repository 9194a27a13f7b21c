"""A date of birth beside an age, for the mapping assistant: whether a date column is a birth date
(its years far enough before the referrals') and whether an age column was written later than at
referral (ages above what the birth and referral years give)."""

from __future__ import annotations

import re
from statistics import median

from ipseval.ingest.propose_columns import DOB_AGES
from ipseval.ingest.propose_values import Evidence

_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def _years(ev: Evidence) -> list[tuple[float, int]]:
    """(year, rows) of a date column's values (ISO, day/month/year or Excel serial numbers)."""
    out = []
    for value, k in ev.top:
        m = _YEAR.search(value)
        if m:
            out.append((float(m.group(1)), k))
        elif value.isdigit() and ev.serials:
            out.append((1900 + int(value) / 365.25, k))
    return out


def date_of_birth_check(dob: Evidence, referral: Evidence | None) -> str | None:
    """Plain words for why a date column is a date of birth (most dates 16 to 90 years before the
    referral dates); None when they are not."""
    born = _years(dob)
    if not born:
        return None
    if referral is None or not _years(referral):
        return "dates of birth (no referral dates to compare)"
    referred = _years(referral)
    low, high = min(y for y, _ in referred) - DOB_AGES[1] - 1, max(y for y, _ in referred) - DOB_AGES[0] + 1
    fit = sum(k for y, k in born if low <= y <= high) / sum(k for _, k in born)
    if fit < 0.8:
        return None
    age = median(y for y, _ in referred) - median(y for y, _ in born)
    return f"{fit:.0%} of its dates are 16 to 90 years before the referrals (ages about {age:.0f})"


# An age column runs at least this many years above the ages at referral its dates of birth give, and
# at least half the years from the middle referral to the last, when it is the age at the export.
# (Whole ages are rounded down, so an age at referral runs below the years between, never above.)
AGE_LATER = 1


def age_later(age: Evidence, dob: Evidence, referral: Evidence) -> str | None:
    """Why an age column is not the age at referral: its ages run years above the ages at referral
    the dates of birth give (a CRM's 'Age' worked out on the day of the export); None otherwise."""
    ages = [(float(v), k) for v, k in age.top if v.replace(".", "", 1).isdigit()]
    born, referred = _years(dob), _years(referral)
    if not ages or not born or not referred:
        return None
    at_referral = _median(referred) - _median(born)
    above = _median(ages) - at_referral
    since = max(y for y, _ in referred) - _median(referred)  # years from the middle referral to the last
    if above < max(AGE_LATER, since / 2):
        return None
    return (
        f"its ages run about {above:.0f} year{'s' if round(above) != 1 else ''} above the ages at referral the dates of birth give: "
        "the age today, not at referral (the date of birth is used)"
    )


def _median(weighted: list[tuple[float, int]]) -> float:
    """The median of (value, rows) pairs."""
    values = sorted(weighted)
    half, seen = sum(k for _, k in values) / 2, 0
    for v, k in values:
        seen += k
        if seen >= half:
            return v
    return values[-1][0]
