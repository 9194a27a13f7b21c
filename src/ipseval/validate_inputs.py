"""Standard columns worked out from input columns at validation, then the inputs dropped: age at
referral from a date of birth (validate_age), time since the last job from the date last worked
(validate_last_worked). Each fills only the cells the file left blank. (Staff's FTE from contracted
hours is validate_staff's.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest.mapping import code_map, norm_name
from ipseval.schema import TIME_SINCE_LAST_JOB
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
    birth, _bands = with_codes(chk, BIRTH, birth)
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
    cells, given = with_codes(chk, LAST_WORKED, cells, TIME_SINCE_LAST_JOB)
    found = bands_from_last_worked(
        cells, chk.typed["referral_date"], ~chk.present[TARGET], chk.dates.order, chk.century
    )
    found.bands = found.bands.fill_null(given)  # a label the settings map to a band
    for f in found.findings:
        chk.add(f.mask, LAST_WORKED, f.expected, f.message, value=cells, severity="warning")
    # a blank cell was already read as its default (unknown): the band, where found, replaces it
    fill = ~chk.present[TARGET] & found.bands.is_not_null()
    typed = pl.select(pl.when(fill).then(found.bands).otherwise(chk.typed[TARGET])).to_series()
    chk.typed[TARGET] = typed.cast(chk.typed[TARGET].dtype).alias(TARGET)
    chk.bands_from_last_worked = found.filled


DATE_TARGET = r"^\d{4}-\d{2}-\d{2}$"


def with_codes(
    chk: Checker, name: str, cells: pl.Series, codes: tuple[str, ...] = ()
) -> tuple[pl.Series, pl.Series]:
    """``cells`` of the input column ``name`` with ``[mapping.codes.<table>.<name>]`` applied (labels
    matched ignoring case and spaces): a label mapped to "" reads as blank, one mapped to a
    YYYY-MM-DD date as that date, and one mapped to one of ``codes`` (time_since_last_job's bands
    for the date last worked) gives that code, returned beside the cells (null elsewhere). Any
    other target is named in a warning and the label read as written."""
    cmap = code_map(chk.settings, chk.table, name)
    none = pl.Series([None] * len(cells), dtype=pl.Utf8)
    if not cmap:
        return cells, none
    labels = {v: cmap.get(norm_name(v)) for v in cells.drop_nulls().unique().to_list()}
    wrong = sorted({t for t in labels.values() if t and t not in codes and not _is_date(t)})
    if wrong:
        allowed = '"" (blank) or a YYYY-MM-DD date' + (f" or one of {', '.join(codes)}" if codes else "")
        message = (
            f"[mapping.codes.{chk.table}.{name}]: {', '.join(repr(t) for t in wrong)} cannot be read "
            f"for {name}; map its labels to {allowed}"
        )
        chk.note(name, ", ".join(wrong), allowed, message)
    as_cell = {
        v: (None if t == "" else t) for v, t in labels.items() if t is not None and (t == "" or _is_date(t))
    }
    as_code = {v: t for v, t in labels.items() if t in codes}
    mapped = cells.replace_strict(as_cell, default=cells, return_dtype=pl.Utf8) if as_cell else cells
    mapped = pl.select(pl.when(cells.is_in(list(as_code))).then(None).otherwise(mapped)).to_series()
    given = cells.replace_strict(as_code, default=None, return_dtype=pl.Utf8) if as_code else none
    return mapped.alias(cells.name), given


def _is_date(target: str) -> bool:
    import re

    return re.match(DATE_TARGET, target) is not None
