"""Staff checks at validation: specialist ids the staff table does not know, and FTE from hours.

Specialist ids the staff table does not know: one warning per file, saying when they look like
people's names while the staff table's ids are codes (a caseload's 'Key Worker' giving 'Dodds,
Rachel' where the staff table and the meetings give GAT01), and how to read them as codes.

Such rows are kept (the specialist is unknown to the staff table, not the row wrong), but the
figures per specialist (caseload per FTE, meetings per specialist) cannot count them.

FTE from weekly contracted hours: staff lists often give hours ('37', '22.5 hrs') where the
standard holds an FTE (0 to 1.5).

A staff column mapped to the input column ``contracted_hours`` (schema.CONTRACTED_HOURS) is read as
any number column is (units such as '22.5 hrs', words mapped in
``[mapping.codes.staff.contracted_hours]``, a range or a word named as a problem, 0 to 80 hours),
and gives the FTE of each row whose fte is blank: hours / ``[definitions] full_time_hours`` (default
37.5, the NHS Agenda for Change full-time week), so 18.5 of 37.5 hours is 0.493. The hours are then
dropped. An FTE written in the file is kept as it is; hours that give an FTE above the standard's
1.5 (60 hours of a 37.5-hour week is 1.6) are an error on the hours cell, as an FTE of 1.6 would
be. One warning says how many FTEs were worked out and with which full-time week, so the figures
per FTE can be traced to the setting.

Hours and FTE both given and disagreeing are not checked here: the week each contract counts as
full time may differ from the setting, which would make every such row a false alarm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from ipseval.ingest.mapping import code_map
from ipseval.schema import CONTRACTED_HOURS

if TYPE_CHECKING:
    from ipseval.settings import Settings

SPECIALIST = "employment_specialist_id"
SHOWN = 5  # values named per warning; the rest are counted
NAMES = 0.8  # share of values written as people's names for the ids to "look like names"
_PERSON_NAME = re.compile(r"^[^\W\d_][^\W\d_'.\-]*(?:[\s,'.\-]+[^\W\d_][^\W\d_'.\-]*)+$")


@dataclass(frozen=True)
class Unknown:
    """The warning about one table's specialist ids missing from the staff table."""

    value: str
    message: str


def looks_like_names(values: list[str]) -> bool:
    """Whether most values are people's names ('Dodds, Rachel', 'Rachel Dodds'), not codes (GAT01)."""
    filled = [v.strip() for v in values if v and v.strip()]
    return bool(filled) and sum(bool(_PERSON_NAME.match(v)) for v in filled) >= NAMES * len(filled)


def unknown_specialists(table: str, ids: pl.Series, staff_ids: pl.Series, staff_file: str) -> Unknown | None:
    """The warning for ``table``'s specialist ids (``ids``) not among ``staff_ids``, or None."""
    staff = staff_ids.drop_nulls().unique()
    if staff.is_empty():
        return None
    missing = ids.drop_nulls().filter(~ids.drop_nulls().is_in(staff.implode()))
    if missing.is_empty():
        return None
    counted = missing.value_counts(sort=True).rows()
    shown = ", ".join(f"'{v}' ({n} row{'s' if n != 1 else ''})" for v, n in counted[:SHOWN])
    if len(counted) > SHOWN:
        shown += f" and {len(counted) - SHOWN} more"
    n, of = len(counted), ids.drop_nulls().n_unique()
    said = f"{n} of the {of} {SPECIALIST} values are not in the staff table ({staff_file}): {shown}"
    names = [v for v, _ in counted]
    if looks_like_names(names) and not looks_like_names(staff.to_list()):
        example = staff.sort()[0]
        said += (
            f"; they look like people's names, while the staff table's ids are codes such as '{example}': "
            f"export the codes, or map each name to its code in [mapping.codes.{table}.{SPECIALIST}] "
            f"(e.g. '{names[0]}' = '{example}' if that is the person's code; ipseval map proposes these "
            "when the staff table has a column of names beside the codes)"
        )
    elif looks_like_names(staff.to_list()) and not looks_like_names(names):
        said += (
            f"; they are codes, while the staff table's ids look like people's names such as "
            f"'{staff.sort()[0]}': if the staff table has a column of these codes, map it to "
            f"{SPECIALIST} in [mapping.columns.staff] instead"
        )
    else:
        said += "; add them to the staff table, or correct them"
    said += ". The rows are kept, but figures per specialist cannot count them"
    return Unknown(", ".join(names[:SHOWN]), said)


HOURS = CONTRACTED_HOURS.name
FTE = "fte"
SETTING = "definitions.full_time_hours"


def fte_from_hours(chk: Any, settings: Settings) -> None:
    """Fill the blank FTEs of the staff checker ``chk`` (validate._Checker) from its contracted hours
    column, if the file gives one, reading the hours with the checker's own number reading so they
    are read, mapped and reported exactly as any number column is (see the module docstring)."""
    raw = chk.inputs.pop(HOURS, None)
    if raw is None or FTE not in chk.typed or not chk.n:
        return
    hours = _hours(chk, raw, settings)
    week = settings.definitions.full_time_hours
    need = ~chk.present[FTE] & hours.is_not_null()
    if not need.any():
        return
    fte = (hours / week).alias(FTE)
    too_high = need & (fte > (chk.spec.column(FTE).maximum or float("inf")))
    chk.add(
        too_high,
        HOURS,
        f"hours giving an FTE from 0 to 1.5 (up to {1.5 * week:g} hours of a {week:g}-hour week)",
        ("an FTE of ", fte.round(3).cast(pl.Utf8), f" (these hours / {week:g}, {SETTING}) is above 1.5"),
        value=raw,
    )
    filled = need & ~too_high
    chk.typed[FTE] = pl.select(pl.when(filled).then(fte).otherwise(chk.typed[FTE])).to_series().alias(FTE)
    n = int(filled.sum())
    if n:
        chk.note(
            FTE,
            f"{n} FTE{'s' if n != 1 else ''} from contracted hours",
            "an FTE, or weekly contracted hours",
            f"{n} blank FTE{'s were' if n != 1 else ' was'} worked out from the contracted hours: hours / "
            f"{week:g} ({SETTING}, the hours of a full-time week), e.g. {_example(hours, filled, week)}; "
            f"if the service's full-time week is not {week:g} hours, set {SETTING}",
        )


def _hours(chk: Any, raw: pl.Series, settings: Settings) -> pl.Series:
    """The hours as numbers: blank words and labels mapped to "" blank, labels mapped to a number
    read as it ('Full time' = '37.5'), then the number reading of any number column."""
    cmap = code_map(settings, chk.table, HOURS)
    s = chk._null_words(raw, HOURS)
    s, _ = chk._mapped_to_blank(s, CONTRACTED_HOURS, cmap)
    s = chk._translated(s, CONTRACTED_HOURS, {k: v for k, v in cmap.items() if v})
    chk.raw = chk.raw.with_columns(raw.alias(HOURS))  # the cells its problems show, while read
    try:
        return chk._as_number(s, CONTRACTED_HOURS, {})
    finally:
        chk.raw = chk.raw.drop(HOURS)


def _example(hours: pl.Series, filled: pl.Series, week: float) -> str:
    """One worked FTE, of a part-time post when there is one (a full-time one says nothing)."""
    used = hours.filter(filled)
    part = used.filter(used != week)
    h = (part if part.len() else used).mode().sort()[0]
    return f"{h:g} hours is {h / week:.3g} FTE"
