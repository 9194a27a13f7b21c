"""Specialist ids that the staff table does not know: one warning per file, saying when they look
like people's names while the staff table's ids are codes (a caseload's 'Key Worker' giving
'Dodds, Rachel' where the staff table and the meetings give GAT01), and how to read them as codes.

Such rows are kept (the specialist is unknown to the staff table, not the row wrong), but the
figures per specialist (caseload per FTE, meetings per specialist) cannot count them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

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
