"""What the mapping form's drop-downs offer, and a posted form read back into the choices of a
:class:`~.propose_form.MappingForm`.

The form's drop-downs are named by position in the form as it was shown: ``table.I`` (the standard
table of file or sheet I, blank = not read), ``column.I.J`` (the standard column of its column J,
blank = not used), ``code.I.J.K`` (what that column's value K becomes, blank = no mapping, with
``value.I.J.K`` the value typed beside it) and ``date_order``; the rest (a file's own date order,
filling down, fixed columns, wide files) are read by :mod:`.propose_form_read_files`. A field left
out keeps its choice. A value that is not a table, column or code of
the standard is a problem, named in plain words, and nothing is saved. A table or column changed in
the same post cannot have had its columns or codes chosen (the page showed those of the old
choice), so they are proposed again for the new one and shown for a check before anything is saved.
Choices complete, :func:`check_choices` names what the reader would refuse.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field

from ipseval.ingest.mapping import norm_name
from ipseval.ingest.propose_form import (
    ColumnChoice,
    MappingForm,
    TableChoice,
    set_column,
    set_table,
    standard_columns,
)
from ipseval.ingest.propose_form_files import DATE_ORDERS
from ipseval.ingest.propose_form_read_files import check_files, read_files
from ipseval.ingest.propose_form_values import option_of, quoted, read_value, value_options
from ipseval.labels import table_label
from ipseval.schema import TABLES

# -- what each drop-down offers -------------------------------------------------------------------


def table_options() -> list[tuple[str, str]]:
    """The standard tables: (name, its plain label)."""
    return [(name, table_label(name)) for name in TABLES]


def column_options(table: str) -> list[tuple[str, str]]:
    """The standard columns of ``table`` (and those the reader takes besides: a date of birth):
    (name, what the drop-down shows)."""
    required = set(TABLES[table].required_columns)
    return [(n, n + (" (required)" if n in required else "")) for n in standard_columns(table)]


code_options = value_options  # what each value's drop-down offers


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
                f"dates: {quoted(order)} is not an order of dates ({', '.join(DATE_ORDERS)})"
            )
    reading.problems += read_files(reading.form, lambda name: _field(fields, name))
    if not reading.problems and not reading.review:
        reading.problems += check_choices(reading.form)
    return reading


def _field(fields: Mapping[str, object], name: str) -> str | None:
    value = fields.get(name)
    return None if value is None else str(value).strip()


def _read_table(r: FormReading, i: int, t: TableChoice, fields: Mapping[str, object]) -> bool:
    """Read the table of a file or sheet; True when its columns are to be read too."""
    raw = _field(fields, f"table.{i}")
    if raw is None or (raw or None) == t.standard:
        return t.standard is not None
    if raw and raw not in TABLES:
        r.problems.append(
            f"'{t.local}': {quoted(raw)} is not a table of the data standard ({', '.join(TABLES)})"
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
    names = standard_columns(t.standard)
    if raw and raw not in names:
        r.problems.append(
            f"'{t.local}' column '{c.local}': {quoted(raw)} is not a column of {t.standard} ({', '.join(names)})"
        )
        return False
    set_column(t, c, raw or None)
    if c.codes:
        r.review.append(f"'{t.local}' column '{c.local}' is now {raw}: its codes are proposed, check them")
    return False


def _read_codes(
    r: FormReading, i: int, j: int, t: TableChoice, c: ColumnChoice, fields: Mapping[str, object]
) -> None:
    for k, v in enumerate(c.codes):
        raw = _field(fields, f"code.{i}.{j}.{k}")
        if raw is None:
            continue
        text = _field(fields, f"value.{i}.{j}.{k}")
        if text is None and raw == option_of(t.standard, c.standard, v.code):  # left out: as it was
            text = v.code
        code, problem = read_value(t.standard, c.standard, raw, text)
        if problem is not None:
            r.problems.append(f"'{t.local}' column '{c.local}' value '{v.value}': {problem}")
            continue
        v.code = code


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
    out += check_files(form)
    by_table |= {w.standard: w.local for w in form.wide if w.standard}
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
        if name not in given and name not in by_name and name not in {f.column for f in t.fixed if f.value}
    ]
    return out
