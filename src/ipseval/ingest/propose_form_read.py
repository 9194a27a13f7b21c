"""What the mapping form's drop-downs offer, and a posted form read back into the choices of a
:class:`~.propose_form.MappingForm`.

The form's drop-downs are named by position in the form as it was shown: ``table.I`` (the standard
table of file or sheet I, blank = not read), ``column.I.J`` (the standard column of its column J,
blank = not used), ``code.I.J.K`` (the code of that column's value K, blank = no code) and
``date_order``; a field left out keeps its choice. A value that is not a table, column or code of
the standard is a problem, named in plain words, and nothing is saved. A table or column changed in
the same post cannot have had its columns or codes chosen (the page showed those of the old
choice), so they are proposed again for the new one and shown for a check before anything is saved.
Choices complete, :func:`check_choices` names what the reader would refuse.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field

from ipseval.ingest.mapping import LEAVE_OUT, norm_name
from ipseval.ingest.propose_codes import codes_of
from ipseval.ingest.propose_form import (
    DATE_ORDERS,
    ColumnChoice,
    MappingForm,
    TableChoice,
    set_column,
    set_table,
)
from ipseval.labels import code_label, table_label
from ipseval.schema import TABLES

# -- what each drop-down offers -------------------------------------------------------------------


def table_options() -> list[tuple[str, str]]:
    """The standard tables: (name, its plain label)."""
    return [(name, table_label(name)) for name in TABLES]


def column_options(table: str) -> list[tuple[str, str]]:
    """The standard columns of ``table``: (name, what the drop-down shows)."""
    return [(c.name, c.name + (" (required)" if c.required else "")) for c in TABLES[table].columns]


def code_options(table: str, column: str) -> list[tuple[str, str]]:
    """The codes of a coded or yes/no column: (code, its plain label); then leave_out, for a label
    whose rows are not records of the table (a future booking)."""
    codes = [(code, code_label(column, code)) for code in codes_of(TABLES[table].column(column))]
    return [*codes, (LEAVE_OUT, "leave the row out (not a record)")]


# -- what they send back ----------------------------------------------------------------------------


@dataclass
class FormReading:
    """What a posted form asks for: the choices (to save, or to show again), the problems that stop
    it being saved, and the choices shown again for a check (a table or column changed)."""

    form: MappingForm
    problems: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems and not self.review


def read_form(shown: MappingForm, fields: Mapping[str, object]) -> FormReading:
    """The choices of a posted form (``fields``: field name -> value) over the form as shown."""
    reading = FormReading(copy.deepcopy(shown))
    for i, t in enumerate(reading.form.tables):
        if _read_table(reading, i, t, fields):
            for j, c in enumerate(t.columns):
                if _read_column(reading, i, j, t, c, fields):
                    _read_codes(reading, i, j, t, c, fields)
    order = _field(fields, "date_order")
    if order is not None:
        if order in DATE_ORDERS:
            reading.form.date_order = order
        else:
            reading.problems.append(
                f"dates: {_quoted(order)} is not an order of dates ({', '.join(DATE_ORDERS)})"
            )
    if not reading.problems and not reading.review:
        reading.problems += check_choices(reading.form)
    return reading


def _field(fields: Mapping[str, object], name: str) -> str | None:
    value = fields.get(name)
    return None if value is None else str(value).strip()


def _quoted(raw: str) -> str:
    """A posted value as a message names it: quoted, and cut short."""
    return f"'{raw[:60]}…'" if len(raw) > 60 else f"'{raw}'"


def _read_table(r: FormReading, i: int, t: TableChoice, fields: Mapping[str, object]) -> bool:
    """Read the table of a file or sheet; True when its columns are to be read too."""
    raw = _field(fields, f"table.{i}")
    if raw is None or (raw or None) == t.standard:
        return t.standard is not None
    if raw and raw not in TABLES:
        r.problems.append(
            f"'{t.local}': {_quoted(raw)} is not a table of the data standard ({', '.join(TABLES)})"
        )
        return False
    set_table(t, raw or None)
    if raw:
        r.review.append(
            f"'{t.local}' is now read as {raw}: its columns and codes are proposed again, check them"
        )
    return False


def _read_column(
    r: FormReading, i: int, j: int, t: TableChoice, c: ColumnChoice, fields: Mapping[str, object]
) -> bool:
    """Read the standard column of one column; True when its codes are to be read too."""
    raw = _field(fields, f"column.{i}.{j}")
    if raw is None or (raw or None) == c.standard:
        return bool(c.codes)
    names = TABLES[t.standard].column_names
    if raw and raw not in names:
        r.problems.append(
            f"'{t.local}' column '{c.local}': {_quoted(raw)} is not a column of {t.standard} ({', '.join(names)})"
        )
        return False
    set_column(t, c, raw or None)
    if c.codes:
        r.review.append(f"'{t.local}' column '{c.local}' is now {raw}: its codes are proposed, check them")
    return False


def _read_codes(
    r: FormReading, i: int, j: int, t: TableChoice, c: ColumnChoice, fields: Mapping[str, object]
) -> None:
    allowed = (*codes_of(TABLES[t.standard].column(c.standard)), LEAVE_OUT)
    for k, v in enumerate(c.codes):
        raw = _field(fields, f"code.{i}.{j}.{k}")
        if raw is None:
            continue
        if raw and raw not in allowed:
            r.problems.append(
                f"'{t.local}' column '{c.local}' value '{v.value}': {_quoted(raw)} is not a code of "
                f"{c.standard} ({', '.join(allowed)})"
            )
            continue
        v.code = raw or None


def check_choices(form: MappingForm) -> list[str]:
    """What the reader would refuse with these choices, in plain sentences (none = they can be saved)."""
    out: list[str] = []
    by_table: dict[str, str] = {}
    for t in form.tables:
        if t.standard is None:
            if t.named:
                out.append(
                    f"'{t.local}' is read as the {t.named} table by its name: choose a table for it, or "
                    "rename it in the export to leave it out"
                )
            continue
        if t.standard in by_table:
            out.append(f"'{by_table[t.standard]}' and '{t.local}' are both the {t.standard} table: keep one")
        by_table.setdefault(t.standard, t.local)
        out += _check_columns(t)
    out += [
        f"no file or sheet is the {name} table, which is required"
        for name, spec in TABLES.items()
        if spec.required and name not in by_table
    ]
    return out


def _check_columns(t: TableChoice) -> list[str]:
    spec = TABLES[t.standard]
    out: list[str] = []
    given: dict[str, str] = {}
    for c in t.columns:
        if c.standard is None:
            continue
        if c.standard in given:
            out.append(
                f"'{t.local}': columns '{given[c.standard]}' and '{c.local}' are both {c.standard}: keep one"
            )
        given.setdefault(c.standard, c.local)
    by_name: set[str] = set()  # read by their own names although not used: named above
    for c in t.columns:
        own = norm_name(c.local)
        if c.standard is None and own in spec.column_names:
            by_name.add(own)
            what = f"'{given[own]}' is chosen for it too" if own in given else "choose it here"
            out.append(
                f"'{t.local}' column '{c.local}' is read as {own} by its name ({what}); rename it in "
                "the export to leave it out"
            )
    out += [
        f"'{t.local}': no column is chosen for {name}, which the {t.standard} table requires"
        for name in spec.required_columns
        if name not in given and name not in by_name
    ]
    return out
