"""Numbers as exports write them: '16 hrs', 'approx 24', '6/10' read as the number where the
column's meaning allows what is written around it; anything else is a problem that says why.

A cell is read when its text is one number with, around it, only what its column allows:

- a unit of the column: hours for hours_per_week and staff's contracted_hours ('16 hrs', '37.5h', '16 hours per week', '20 pw'),
  years for age ('45 yrs'), FTE or WTE for fte ('0.5 FTE');
- a word saying the number is approximate ('approx 24', 'c. 30', '~20', 'about 16', '16ish'),
  where an approximate value is still the value to use (hours, age, FTE, population);
- a score written against the top of the column's own scale: '6/10' or '7 out of 10' for
  work_confidence (0 to 10), '4/5' for a fidelity item score (1 to 5).

Never read, always a problem: a range ('16-20', '16 to 20': which one?), a bound ('20+', 'up to
16', 'over 30'), a score out of another top ('6/8' on a 0 to 10 scale), a unit the column does not
take ('16 hrs' as an age), and words ('sixteen', 'varies'). The cells of a column read this way are
said in one warning, with each distinct form and what it was read as: nothing is silent.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import polars as pl

from ipseval.schema import Column
from ipseval.validate_text import why_not_a_number

# ASCII digits only: other scripts' digits are not numbers an export means.
NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
APPROX_BEFORE = r"(?:approx(?:imately)?\.?|apx\.?|about|around|roughly|circa|ca\.?|c\.?|~|≈|est\.?|estimated)"
APPROX_AFTER = r"(?:ish|\(?\s*approx(?:imately)?\.?\s*\)?|\(?\s*est(?:imated)?\.?\s*\)?|roughly)"
_HOURS = r"(?:h|hr|hrs|hour|hours)\.?"
_PER_WEEK = r"(?:p\.?\s?w\.?|/\s?w(?:ee)?ks?\.?|/\s?w|per\s+w(?:ee)?k|a\s+week|weekly|pw)"
_EXAMPLES = 6  # distinct forms shown in a column's warning


@dataclass(frozen=True)
class NumberForms:
    """What a column's numbers may be written with: ``unit`` a pattern of the units that may follow
    the number, ``approximate`` whether 'approx'/'c.'/'~' may come with it, ``scale`` whether a score
    'a/b' or 'a out of b' is read when b is the top of the column's range."""

    unit: str = ""
    approximate: bool = False
    scale: bool = False
    unit_words: str = ""  # the unit in words, for problems
    labelled: bool = False  # an item number with its words ('4. Integration with treatment', 'Q4')
    thousands: bool = False  # '41,300': commas between groups of three digits (a count of people)


# By standard column name (age and work_confidence are in clients and comparison alike).
FORMS: dict[str, NumberForms] = {
    "hours_per_week": NumberForms(
        rf"(?:{_HOURS}(?:\s*{_PER_WEEK})?|{_PER_WEEK})", approximate=True, unit_words="hours"
    ),
    "contracted_hours": NumberForms(  # staff's weekly contract, read to work out the FTE
        rf"(?:{_HOURS}(?:\s*{_PER_WEEK})?|{_PER_WEEK})", approximate=True, unit_words="hours"
    ),
    "age": NumberForms(r"(?:y|yr|yrs|year|years|yo|y\.o\.)(?:\s+old)?", approximate=True, unit_words="years"),
    "fte": NumberForms(r"(?:fte|wte)", approximate=True, unit_words="FTE"),
    "population": NumberForms(
        r"(?:people|persons|residents)", approximate=True, unit_words="people", thousands=True
    ),
    "work_confidence": NumberForms(scale=True),
    "score": NumberForms(scale=True),  # a fidelity item score 1 to 5; a wellbeing score has no top
    "item": NumberForms(labelled=True, unit_words="item"),  # a fidelity item: its number, then its name
}
_LABELLED = re.compile(
    r"^(?:item|q|no\.?|#)?\s*(?P<n>[0-9]{1,2})\s*(?:[.):\-–]\s*|\s+)(?P<words>\D.*)$", re.IGNORECASE
)
_ANY = NumberForms("|".join(f.unit for f in FORMS.values() if f.unit), approximate=True)
_PLAIN = re.compile(rf"^(?:(?P<pre>{APPROX_BEFORE})\s*)?(?P<n>{NUMBER})\s*(?P<post>.*?)$", re.IGNORECASE)
_RATIO = re.compile(rf"^(?P<n>{NUMBER})\s*(?:/|out\s+of|of)\s*(?P<top>{NUMBER})$", re.IGNORECASE)
_RANGE = re.compile(rf"^{APPROX_BEFORE}?\s*{NUMBER}\s*(?:-|–|—|to)\s*{NUMBER}\b", re.IGNORECASE)
_BOUND = re.compile(
    rf"^(?:{NUMBER}\s*\+|(?:[<>≤≥]=?|up\s+to|upto|over|under|at\s+least|at\s+most|min(?:imum)?\.?|"
    rf"max(?:imum)?\.?|more\s+than|less\s+than|fewer\s+than)\s*{NUMBER})",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"[0-9]")
_THOUSANDS = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$")


def _around(forms: NumberForms) -> str:
    """What may follow the number in a column written as ``forms`` allow: its unit, and a word
    saying it is approximate where that is allowed ('16ish hrs', '16 hrs approx')."""
    approx = rf"(?:\s*{APPROX_AFTER}\s*)?" if forms.approximate else ""
    unit = rf"(?:{forms.unit})?" if forms.unit else ""
    return approx + unit + approx if unit or approx else "(?!)"


def number_in_text(value: str, forms: NumberForms, top: float | None) -> float | None:
    """The number ``value`` holds when it is written as ``forms`` allow (``top``: the top of the
    column's range, for a score 'a/b'), else None."""
    v = value.strip()
    if forms.thousands and _THOUSANDS.match(v):  # '41,300' people: never a decimal comma
        return float(v.replace(",", ""))
    if forms.labelled:
        m = _LABELLED.match(v) or re.fullmatch(r"(?:item|q)\s*(?P<n>[0-9]{1,2})", v, re.IGNORECASE)
        return float(m.group("n")) if m else None
    m = _RATIO.match(v)
    if m:
        ok = forms.scale and top is not None and float(m.group("top")) == top
        return float(m.group("n")) if ok else None
    m = _PLAIN.match(v)
    if m is None:
        return None
    if m.group("pre") and not forms.approximate:
        return None
    post = m.group("post")
    if post and not re.fullmatch(_around(forms), post, re.IGNORECASE):
        return None
    return float(m.group("n"))


def number_in_any_column(value: str) -> float | None:
    """The number ``value`` holds when written as some column allows (any unit, an approximate
    word, a score 'a/b' with a no more than b): what the mapping assistant counts as a number
    before it knows the column."""
    m = _RATIO.match(value.strip())
    if m:
        n, top = float(m.group("n")), float(m.group("top"))
        return n if 0 <= n <= top else None
    return number_in_text(value, _ANY, None)


@dataclass
class TextNumbers:
    """Numbers read from text in one column: ``numbers`` (null where not read) and the warning that
    says so (empty when none were)."""

    numbers: pl.Series
    read: pl.Series  # Boolean: the cell was read from text
    warning: str = ""
    forms: str = ""  # the distinct forms, for the warning's value


def read_text_numbers(s: pl.Series, column: Column, weights: pl.Series | None = None) -> TextNumbers:
    """The numbers of ``s`` (text cells that do not cast as numbers) written as ``column``'s meaning
    allows, with one warning naming each distinct form and how many cells were read that way
    (``weights``: the rows each cell stands for, when ``s`` holds distinct values)."""
    none = pl.repeat(False, s.len(), dtype=pl.Boolean, eager=True)
    forms = FORMS.get(column.name)
    empty = TextNumbers(pl.Series(column.name, [None] * s.len(), dtype=pl.Float64), none)
    if forms is None or not s.len():
        return empty
    values = s.drop_nulls().unique().to_list()
    found = {v: x for v in values if (x := number_in_text(v, forms, column.maximum)) is not None}
    if not found:
        return empty
    numbers = s.replace_strict(found, default=None, return_dtype=pl.Float64)
    read = numbers.is_not_null()
    cells: Counter = Counter()
    w = weights.filter(read).to_list() if weights is not None else None
    for i, v in enumerate(s.filter(read).to_list()):
        cells[v] += w[i] if w is not None else 1
    shown = [
        f"'{v}' read as {_fmt(found[v])} ({k} cell{'s' if k != 1 else ''})" for v, k in cells.most_common()
    ]
    more = f" and {len(shown) - _EXAMPLES} more forms" if len(shown) > _EXAMPLES else ""
    n = sum(cells.values())
    warning = (
        f"{n} cell{'s' if n != 1 else ''} written {_written(forms, column)} "
        f"{'were' if n != 1 else 'was'} read as the number: "
        f"{', '.join(shown[:_EXAMPLES])}{more}; write the number alone to silence this"
    )
    return TextNumbers(numbers, read, warning, ", ".join(v for v, _ in cells.most_common(_EXAMPLES)))


def _written(forms: NumberForms, column: Column) -> str:
    if forms.labelled:
        return "as an item's number with its name"
    if forms.thousands:
        return "with a unit, a qualifier or commas between thousands"
    if forms.scale and column.maximum is not None:
        return f"as a score out of {_fmt(column.maximum)}"
    return "with a unit or a qualifier"


def why_not(value: str, kind: str, column: Column, table: str) -> str:
    """Why ``value`` is not read as a number in ``column``, saying what to write or map instead."""
    v = value.strip()
    forms = FORMS.get(column.name, NumberForms())
    m = _RATIO.match(v)
    if m and _RANGE.match(v) is None:
        if forms.scale and column.maximum is not None:
            return (
                f"{kind}: a score out of {m.group('top')}, but {column.name} is scored from "
                f"{_fmt(column.minimum or 0)} to {_fmt(column.maximum)}; write the score on that scale"
            )
        return f"{kind}: written as a fraction ({v}); write the number alone"
    if _RANGE.match(v):
        return f"{kind}: a range ({v}); write one number (ipseval does not choose one)"
    if _BOUND.match(v):
        return f"{kind}: a bound, not a number ({v}); write the number itself"
    if table and not _DIGIT.search(v) and _quotable(v):
        section = f"[mapping.codes.{table}.{column.name}]"
        return f'{kind}: if \'{v}\' means not recorded, map it to blank in {section}: "{v}" = "", or to the number it stands for'
    m = _PLAIN.match(v)
    if m and m.group("pre") and not forms.approximate:
        return f"{kind}: '{m.group('pre')}' before the number ({column.name} takes the number alone)"
    if (
        m
        and m.group("post")
        and _quotable(m.group("post"))
        and not why_not_a_number(v, kind).startswith(f"{kind}:")
    ):
        takes = f"{forms.unit_words} may follow it" if forms.unit_words else "it takes the number alone"
        return f"{kind}: '{m.group('post')}' after the number is not a unit of {column.name} ({takes})"
    return why_not_a_number(v, kind)


def _quotable(text: str) -> bool:
    """Short, printable text that a message may repeat (a long or garbled cell is shown elsewhere, cut)."""
    return len(text) <= 40 and text.isprintable()


# Codes exports use for "not recorded" in a number column: 9, 99, 999... and -1, -9, -99...
_SENTINEL = re.compile(r"^(?:9{2,}|-9+|-1)(?:\.0+)?$")


def sentinel_hint(value: str, table: str, column: str) -> str:
    """For a value out of range that exports often use to mean not recorded (999, -1), how to map it
    to blank; '' for any other value."""
    v = value.strip()
    if not _SENTINEL.match(v):
        return ""
    return (
        f'; {v} is often a code for "not recorded": if it is one here, map it to blank in '
        f'[mapping.codes.{table}.{column}]: "{v}" = ""'
    )


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))
