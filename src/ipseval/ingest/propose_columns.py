"""Standard columns the mapping assistant proposes beyond the schema's own: the date of birth the
reader turns into age at referral, staff's contracted hours it turns into FTE, and the built-in wellbeing measures a ``measure`` or
``instrument`` column's labels are mapped onto.
"""

from __future__ import annotations

import csv
import io
from functools import cache

from ipseval.schema import TABLES, Column

DATE_OF_BIRTH = "date_of_birth"
DOB_AGES = (16, 90)  # a date of birth lies this many years before the referral date


@cache
def takes_date_of_birth() -> bool:
    """Whether the reader accepts a clients column mapped to ``date_of_birth`` (it works out the
    age at referral and drops the date); the mapping assistant proposes it only then."""
    if DATE_OF_BIRTH in TABLES["clients"].column_names:
        return True
    from ipseval.ingest import InputError
    from ipseval.ingest.mapping import check_mapping
    from ipseval.settings import Settings

    try:
        check_mapping(Settings.model_validate({"mapping": {"columns": {"clients": {"DOB": DATE_OF_BIRTH}}}}))
    except InputError:
        return False
    return True


def extra_columns(table: str) -> tuple[Column, ...]:
    """Columns a table may be mapped to that its schema does not list: a clients date of birth and
    date last worked, and the input columns of other tables (staff's contracted hours, which give
    the FTE)."""
    if table == "clients":  # the date of birth as the reader takes it; the date last worked as is
        birth = takes_date_of_birth() and DATE_OF_BIRTH not in TABLES[table].column_names
        dob = (Column(DATE_OF_BIRTH, "date", meaning="worked out as age at referral, then dropped"),)
        return (dob if birth else ()) + tuple(c for c in TABLES[table].inputs if c.name != DATE_OF_BIRTH)
    return TABLES[table].inputs


def candidate_columns(table: str) -> tuple[Column, ...]:
    return TABLES[table].columns + extra_columns(table)


def column_spec(table: str, name: str) -> Column:
    """A standard column of ``table`` (its schema's, or one of :func:`extra_columns`)."""
    for c in candidate_columns(table):
        if c.name == name:
            return c
    raise KeyError(name)


@cache
def builtin_measures() -> tuple[tuple[str, str, str], ...]:
    """(instrument, measure, label) of every built-in wellbeing measure (TOP and SURE)."""
    from ipseval.wellbeing.measures import BUILTIN_MEASURES_CSV

    rows = csv.DictReader(io.StringIO(BUILTIN_MEASURES_CSV))
    return tuple((r["instrument"], r["measure"], r["label"]) for r in rows)


def wellbeing_codes(column: str) -> Column | None:
    """The wellbeing ``measure`` or ``instrument`` column as a coded column whose codes are the
    built-in names (so its labels can be proposed like codes); None for any other column."""
    if column == "measure":
        names = tuple(dict.fromkeys(m for _, m, _ in builtin_measures()))
    elif column == "instrument":
        names = tuple(dict.fromkeys(i.lower() for i, _, _ in builtin_measures()))
    else:
        return None
    return Column(column, "code", codes=names)
