"""The mapping form's choices about reading files, read back from a posted form: a file's own order
of day and month (``dates.I``, blank = the export's order), the century of two-digit years
(``two_digit_years``), filling a column down (``fill.I.J``: yes or no), the value every row of a
file takes in a column it lacks (``fixed.I.K``, blank = none), and a wide file's choices
(``wide.W``: its table or blank = not read; ``wide.W.dates``, ``wide.W.instrument``,
``wide.W.part.K``: what its column or labelled row K gives; ``wide.W.blank.K``: yes or no;
``wide.W.team.K``: the area a team is, blank = its own name). ``I``, ``J`` and ``K`` are positions
in the form as it was shown; a field left out keeps its choice. A value the form never offers is a
problem named in plain words.
"""

from __future__ import annotations

from collections.abc import Callable

from ipseval.ingest.mapping import table_key
from ipseval.ingest.propose_form import MappingForm
from ipseval.ingest.propose_form_files import FILE_DATE_ORDERS, FILL_DOWN, TWO_DIGIT_YEARS, DateChoice
from ipseval.ingest.propose_form_values import quoted
from ipseval.ingest.propose_form_wide import WideChoice, check_wide, part_options, table_options
from ipseval.schema import TABLES

Field = Callable[[str], str | None]


def read_files(form: MappingForm, field: Field) -> list[str]:
    """Read the file choices of a posted form into ``form``; the problems, in plain sentences."""
    out: list[str] = []
    raw = field("two_digit_years")
    if raw is not None and raw not in TWO_DIGIT_YEARS:
        out.append(f"two-digit years: {quoted(raw)} is not a choice ({', '.join(TWO_DIGIT_YEARS)})")
    elif raw is not None:
        form.two_digit_years = raw
    for i, t in enumerate(form.tables):
        out += _read_dates(t.dates, f"'{t.local}'", field(f"dates.{i}"))
        if t.standard is None:
            continue
        for j, c in enumerate(t.columns):
            fill = field(f"fill.{i}.{j}")
            if c.fill_down is not None and fill is not None:
                if fill not in FILL_DOWN:
                    out.append(f"'{t.local}' column '{c.local}': {quoted(fill)} is not yes or no")
                else:
                    c.fill_down = fill == "yes"
        for k, f in enumerate(t.fixed):
            value = field(f"fixed.{i}.{k}")
            if value is not None:
                f.value = value
    for w, c in enumerate(form.wide):
        out += _read_wide(c, w, field)
    return out


def _read_dates(dates: DateChoice | None, where: str, raw: str | None) -> list[str]:
    if dates is None or raw is None:
        return []
    if raw not in FILE_DATE_ORDERS:
        return [
            f"{where} dates: {quoted(raw)} is not an order of dates ({', '.join(k for k in FILE_DATE_ORDERS if k)})"
        ]
    dates.order = raw
    return []


def _read_wide(c: WideChoice, w: int, field: Field) -> list[str]:
    out = _read_dates(c.dates, f"'{c.local}'", field(f"wide.{w}.dates"))
    raw = field(f"wide.{w}")
    if raw is not None:
        if raw not in dict(table_options(c)):
            out.append(f"'{c.local}': {quoted(raw)} is not a choice ({c.guess}, or blank: not read)")
        else:
            c.standard = raw or None
    if c.standard is None:
        return out
    instrument = field(f"wide.{w}.instrument")
    if instrument is not None and c.standard == "wellbeing":
        c.instrument = instrument or None
    options = dict(part_options(c))
    for k, p in enumerate(c.parts):
        raw = field(f"wide.{w}.part.{k}")
        if raw is not None and raw not in options:
            out.append(f"'{c.local}' '{p.local}': {quoted(raw)} is not something it can give")
        elif raw is not None:
            p.target = raw
    for k, b in enumerate(c.blanks):
        raw = field(f"wide.{w}.blank.{k}")
        if raw is not None and raw not in ("yes", "no"):
            out.append(f"'{c.local}' '{b.value}': {quoted(raw)} is not yes or no")
        elif raw is not None:
            b.blank = raw == "yes"
    for k, v in enumerate(c.teams):
        raw = field(f"wide.{w}.team.{k}")
        if raw is not None:
            v.code = raw or None
    return out


def check_files(form: MappingForm) -> list[str]:
    """What the reader would refuse in the file choices, in plain sentences."""
    out: list[str] = []
    for t in form.tables:
        if t.standard is None:
            continue
        given = {c.standard: c.local for c in t.columns if c.standard}
        out += [
            f"'{t.local}': every row is given {f.column} '{f.value}', but its column '{given[f.column]}' "
            "gives it too: keep one"
            for f in t.fixed
            if f.value and f.column in given
        ]
    for c in form.wide:
        named = next((n for n in TABLES if table_key(n) == table_key(c.local)), None)
        if c.standard is None and named:
            out.append(
                f"'{c.local}' is read as the {named} table by its name: read it laid out wide, or rename "
                "it in the export to leave it out"
            )
        out += check_wide(c)
    return out
