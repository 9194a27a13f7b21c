"""Standard columns worked out from input columns at validation, then the inputs dropped: age at
referral from a date of birth (validate_age), time since the last job from the date last worked
(validate_last_worked). Each fills only the cells the file left blank. (Staff's FTE from contracted
hours is validate_staff's.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ipseval.validate_age import BIRTH, NOT_SHOWN, ages_from_birth
from ipseval.validate_last_worked import LAST_WORKED, TARGET, bands_from_last_worked

if TYPE_CHECKING:
    from ipseval.validate import _Checker as Checker

__all__ = ["age_from_birth", "time_since_last_job_from_last_worked"]


def age_from_birth(chk: Checker) -> None:
    """Blank ages filled from the date of birth, if the file gives one (see validate_age); the
    date itself goes no further than this."""
    birth = chk.inputs.pop(BIRTH, None)
    if birth is None or "age" not in chk.typed:
        return
    need = ~chk.present["age"]
    found = ages_from_birth(
        birth, chk.typed["referral_date"], need, chk.dates.order, chk.spec.column("age"), chk.century
    )
    if found.years_note:
        chk.note(BIRTH, NOT_SHOWN, "dates with the year in full", found.years_note)
    for f in found.findings:
        value = f.value if f.value is not None else pl.Series([NOT_SHOWN] * chk.n, dtype=pl.Utf8)
        chk.add(f.mask, f.column, f.expected, f.message, value=value, severity=f.severity)
    chk.typed["age"] = chk.typed["age"].fill_null(found.ages).alias("age")
    chk.ages_from_birth = found.filled


def time_since_last_job_from_last_worked(chk: Checker) -> None:
    """Blank time_since_last_job cells filled from the date last worked, if the file gives one
    (see validate_last_worked); the date goes no further than this."""
    cells = chk.inputs.pop(LAST_WORKED, None)
    if cells is None or TARGET not in chk.typed:
        return
    found = bands_from_last_worked(
        cells, chk.typed["referral_date"], ~chk.present[TARGET], chk.dates.order, chk.century
    )
    for f in found.findings:
        chk.add(f.mask, LAST_WORKED, f.expected, f.message, value=cells, severity="warning")
    # a blank cell was already read as its default (unknown): the band, where found, replaces it
    fill = ~chk.present[TARGET] & found.bands.is_not_null()
    typed = pl.select(pl.when(fill).then(found.bands).otherwise(chk.typed[TARGET])).to_series()
    chk.typed[TARGET] = typed.cast(chk.typed[TARGET].dtype).alias(TARGET)
    chk.bands_from_last_worked = found.filled
